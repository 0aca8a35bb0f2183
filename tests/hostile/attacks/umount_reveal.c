/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: unmount what covers the host: the allowed directories, /tmp,
 * /proc and the root itself (MNT_DETACH), then read the secret's path in
 * case the host's tree shows through below.
 * Why it fails: umount is in the baseline deny-list; mounts a private root
 * received from a more privileged namespace are locked together, so none
 * can be peeled off to show what is under it (Sandboxed, Strict); without
 * a mount namespace there is nothing to unmount but the host's own, and no
 * capability to do it (Limited).
 */
#include "../hostile.h"

#include <sys/mount.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *paths[] = { arg("drop"), arg("tools"), "/tmp", "/proc", "/usr", "/" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i])
            attempt(paths[i], umount2(paths[i], MNT_DETACH));
    if (arg("secret"))
        steal_path(arg("secret"));
    return finish();
}
