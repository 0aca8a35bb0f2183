/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: TIOCSTI injection into the user's terminal (CVE-2017-5226 class).
 * The plugin's stdin is a terminal the user also reads; characters pushed
 * into its input queue would run as the user's next command once the
 * plugin is gone.  A process needs the terminal to be its controlling one
 * (or CAP_SYS_ADMIN), so it first takes it (it leads its own session, and a
 * terminal no session controls can be taken), then pushes a command through
 * stdin, through /dev/tty and through a fresh open of /proc/self/fd/0, with
 * and without garbage in the request's upper 32 bits.
 * Why it fails: from Limited up the seccomp filter refuses TIOCSTI (and
 * TIOCLINUX) on the low 32 bits of the request, which is all the kernel
 * looks at.
 */
#include "../hostile.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>

static void push(int fd, const char *what, unsigned long upper)
{
    const char *cmd = "touch /tmp/pwned-tiocsti\n";
    char label[128];
    long r = 0;

    for (const char *c = cmd; *c && r >= 0; c++)
        r = syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI | upper, c);
    snprintf(label, sizeof(label), "TIOCSTI via %s%s", what, upper ? " (upper bits set)" : "");
    attempt(label, r);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("TIOCSCTTY", ioctl(0, TIOCSCTTY, 0));
    push(0, "stdin", 0);
    push(0, "stdin", 1UL << 32);
    int tty = (int)attempt("open /dev/tty", open("/dev/tty", O_RDWR | O_CLOEXEC));
    if (tty >= 0)
        push(tty, "/dev/tty", 0);
    int again = (int)attempt("reopen stdin", open("/proc/self/fd/0", O_RDWR | O_CLOEXEC));
    if (again >= 0)
        push(again, "/proc/self/fd/0", 0);
    return finish();
}
