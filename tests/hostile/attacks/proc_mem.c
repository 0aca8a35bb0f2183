/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: /proc/PID/mem of the victim, a host process of the plugin's own
 * uid: read the secret at the address it keeps it, and overwrite it there.
 * Why it fails: /proc/PID/mem needs ptrace attach rights, which Landlock
 * denies for a process outside the sandbox's domain even of the same uid
 * (Limited); the host's processes are not in the pid namespace's /proc
 * (Sandboxed, Strict).
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *victim = arg("victim");
    unsigned long addr = strtoul(arg("vaddr") ? arg("vaddr") : "0", NULL, 16);
    char path[64], buf[256];

    if (!victim || !addr)
        return 2;
    snprintf(path, sizeof(path), "/proc/%s/mem", victim);
    int fd = (int)attempt("open victim mem", open(path, O_RDWR | O_CLOEXEC));
    if (fd < 0)
        fd = (int)attempt("open victim mem read-only", open(path, O_RDONLY | O_CLOEXEC));
    if (fd >= 0) {
        ssize_t n = attempt("pread victim mem", pread(fd, buf, sizeof(buf), (off_t)addr));
        if (n > 0)
            steal("victim memory", buf, (size_t)n);
        attempt("pwrite victim mem", pwrite(fd, "PWNED", 5, (off_t)addr));
    }
    return finish();
}
