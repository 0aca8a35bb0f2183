/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the x32 ABI: the same syscall numbers with bit 30 set
 * (__X32_SYSCALL_BIT).  A filter that masked the bit off, or compared only
 * the low numbers, would take an x32 ptrace for a native one and let it
 * by; it also opens the secret and execs the marker that way.
 * Why it fails: the filter kills any syscall number with the x32 bit
 * before consulting a rule (libseccomp's x86_64 filter treats x32 as a
 * foreign architecture), from Limited up; the runner sees no mark, no
 * secret, an untraced victim and the plugin dead of SIGSYS.
 */
#include "../hostile.h"

#include <sys/syscall.h>

#define X32 0x40000000L

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("x32 ptrace", syscall(X32 | SYS_ptrace, 16, arg_num("victim", 1), 0, 0));
    if (arg("secret")) {
        long fd
            = attempt("x32 openat", syscall(X32 | SYS_openat, AT_FDCWD, arg("secret"), O_RDONLY));
        if (fd >= 0)
            steal_fd((int)fd, "x32 openat");
    }
    if (arg("tools") && arg("drop")) {
        char prog[4096], mark_path[4096];
        snprintf(prog, sizeof(prog), "%s/qfs-hostile-marker", arg("tools"));
        snprintf(mark_path, sizeof(mark_path), "%s/pwned-x32", arg("drop"));
        char *args[] = { prog, mark_path, NULL };
        attempt("x32 execve", syscall(X32 | 520 /* x32 execve */, prog, args, NULL));
    }
    return finish();
}
