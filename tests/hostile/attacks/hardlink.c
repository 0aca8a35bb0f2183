/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: hard links from its writable directory to host files (the secret
 * and the world-writable target; the file modes allow linking them), then
 * reading and writing through the links; also linkat() of an O_PATH
 * descriptor (AT_EMPTY_PATH) and of /proc/self/fd/N.
 * Why it fails: Landlock refuses to link a file into a directory unless the
 * source is reachable with the same rights (LANDLOCK_ACCESS_FS_REFER), and
 * the source must be openable in the first place (Limited); outside the
 * private root the host files do not exist, and a link across mounts
 * fails with EXDEV (Sandboxed, Strict).
 */
#include "../hostile.h"

static void through(const char *from, const char *to)
{
    char label[128];

    snprintf(label, sizeof(label), "link %s", to);
    if (attempt(label, link(from, to)) < 0)
        return;
    steal_path(to);
    int fd = open(to, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
        attempt("write through the link", write(fd, "PWNED", 5));
        close(fd);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop"), *secret = arg("secret"), *target = arg("target");
    char p[4096];

    if (!drop || !secret || !target)
        return 2;
    snprintf(p, sizeof(p), "%s/hl-secret", drop);
    through(secret, p);
    snprintf(p, sizeof(p), "%s/hl-target", drop);
    through(target, p);
    int fd = (int)attempt("O_PATH target", open(target, O_PATH | O_CLOEXEC));
    if (fd >= 0) {
        snprintf(p, sizeof(p), "%s/hl-path", drop);
        attempt("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, p, AT_EMPTY_PATH));
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        snprintf(p, sizeof(p), "%s/hl-proc", drop);
        attempt("linkat /proc/self/fd", linkat(AT_FDCWD, proc, AT_FDCWD, p, AT_SYMLINK_FOLLOW));
    }
    return finish();
}
