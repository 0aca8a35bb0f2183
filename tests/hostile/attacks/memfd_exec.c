/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: run code it brought along without any file system: copy a
 * program (the marker, from tools=) into a memfd, which lives on an
 * internal mount no noexec option covers, and fexecve() it; also without
 * MFD_NOEXEC_SEAL explicitly and through /proc/self/fd/N.
 * Why it fails: when dlopen is blocked the filter admits memfd_create
 * only with MFD_NOEXEC_SEAL, which makes the memfd impossible to execute
 * (Sandboxed with dlopen blocked); Strict allows no exec after the start.
 * The control run (Sandboxed, nothing blocked) does execute it.
 */
#include "../hostile.h"

#include <sys/mman.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    char src[4096], mark_path[4096];
    if (!arg("tools") || !arg("drop"))
        return 2;
    snprintf(src, sizeof(src), "%s/qfs-hostile-marker", arg("tools"));
    snprintf(mark_path, sizeof(mark_path), "%s/pwned-memfd", arg("drop"));
    int in = (int)attempt("open the program", open(src, O_RDONLY | O_CLOEXEC));
    int fd = (int)attempt(
        "memfd_create", memfd_create("payload", MFD_CLOEXEC | 0x0010 /* MFD_EXEC */));
    if (fd < 0)
        fd = (int)attempt("memfd_create (plain)", memfd_create("payload", MFD_CLOEXEC));
    if (in < 0 || fd < 0)
        return finish();
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(fd, buf, (size_t)n) != n)
            break;
    char *args[] = { "payload", mark_path, NULL };
    char *env[] = { NULL };
    attempt("fexecve", syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH));
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    attempt("execve /proc/self/fd", execve(path, args, env));
    return finish();
}
