/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the classic chroot escape (chroot into a subdirectory while
 * keeping a descriptor of the old root, fchdir back, climb "..", chroot
 * "."), chroot("/") from a descriptor of a host directory, and
 * pivot_root; then reads the secret's host path.
 * Why it fails: chroot and pivot_root are in the baseline deny-list and
 * need CAP_SYS_CHROOT / CAP_SYS_ADMIN, which the plugin has nowhere; and
 * in a private root, what lies above the new root is the sandbox's own
 * tmpfs: the host's tree was detached before the plugin started.
 */
#include "../hostile.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop");
    char jail[4096];

    if (!drop)
        return 2;
    snprintf(jail, sizeof(jail), "%s/jail", drop);
    mkdir(jail, 0777);
    int old = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (attempt("chroot jail", chroot(jail)) == 0 && old >= 0) {
        fchdir(old);
        for (int i = 0; i < 64; i++)
            chdir("..");
        attempt("chroot .", chroot("."));
    }
    attempt("pivot_root", syscall(SYS_pivot_root, drop, jail));
    if (arg("secret"))
        steal_path(arg("secret"));
    return finish();
}
