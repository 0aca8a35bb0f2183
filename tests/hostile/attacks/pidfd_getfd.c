/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: steal a descriptor from another process with pidfd_getfd(): the
 * victim and the supervisor both hold the secret file open.  It opens a
 * pidfd for each, then copies out descriptors 0..63 and reads the files.
 * Why it fails: pidfd_getfd needs ptrace attach rights, which Landlock
 * denies outside the sandbox's domain (Limited); host processes cannot be
 * named from inside a pid namespace (Sandboxed, Strict); under Strict the
 * allow-list refuses pidfd_getfd outright.
 */
#include "../hostile.h"

#include <sys/syscall.h>

static void rob(pid_t pid)
{
    char label[64];

    snprintf(label, sizeof(label), "pidfd_open %d", (int)pid);
    int pidfd = (int)attempt(label, syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0)
        return;
    for (int n = 0; n < 64; n++) {
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
        if (fd < 0)
            continue;
        snprintf(label, sizeof(label), "descriptor %d of %d", n, (int)pid);
        attempt(label, fd);
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            steal_fd(fd, label);
        close(fd);
    }
    if (errno)
        attempt("pidfd_getfd", -1);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    rob((pid_t)arg_num("victim", 1));
    rob((pid_t)arg_num("supervisor", 1));
    return finish();
}
