/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: change the mount table: a tmpfs over its writable directory, a
 * bind of "/" into it, a move of /proc, the new mount API (fsopen,
 * fsmount, move_mount) and open_tree(OPEN_TREE_CLONE) of "/" attached
 * elsewhere.  Without a mount namespace a success would show in the
 * host's own mount table; in one, it could uncover what the private root
 * hides.
 * Why it fails: the mount family, old and new, is in the baseline
 * deny-list from Limited up, and the plugin holds no CAP_SYS_ADMIN in any
 * namespace.  The runner reads the plugin's and the host's mount tables.
 */
#include "../hostile.h"

#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop");
    char at[4096];

    if (!drop)
        return 2;
    snprintf(at, sizeof(at), "%s/mnt", drop);
    mkdir(at, 0777);
    attempt("mount tmpfs", mount("qfs-hostile", at, "tmpfs", 0, NULL));
    attempt("bind /", mount("/", at, NULL, MS_BIND | MS_REC, NULL));
    attempt("move /proc", mount("/proc", at, NULL, MS_MOVE, NULL));
    int fs = (int)attempt("fsopen tmpfs", syscall(SYS_fsopen, "tmpfs", 0));
    if (fs >= 0) {
        attempt("fsconfig create", syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        int mnt = (int)attempt("fsmount", syscall(SYS_fsmount, fs, 0, 0));
        if (mnt >= 0)
            attempt("move_mount",
                syscall(SYS_move_mount, mnt, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH));
    }
    int tree = (int)attempt(
        "open_tree /", syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE));
    if (tree >= 0)
        attempt("move_mount the clone",
            syscall(SYS_move_mount, tree, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH));
    return finish();
}
