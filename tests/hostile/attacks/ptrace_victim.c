/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: ptrace the victim, a host process of the plugin's own uid (the
 * file modes and uids would allow it): attach, seize, read its secret with
 * PEEKDATA, and leave it stopped.
 * Why it fails: the baseline filter refuses ptrace from Limited up, and
 * Landlock refuses ptrace outside the sandbox's domain whatever the filter
 * says (Limited); the victim is not in the pid namespace (Sandboxed,
 * Strict).
 */
#include "../hostile.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t victim = (pid_t)arg_num("victim", 0);
    unsigned long addr = strtoul(arg("vaddr") ? arg("vaddr") : "0", NULL, 16);

    if (!victim)
        return 2;
    long r = attempt("PTRACE_ATTACH victim", ptrace(PTRACE_ATTACH, victim, 0, 0));
    if (r < 0)
        r = attempt("PTRACE_SEIZE victim", ptrace(PTRACE_SEIZE, victim, 0, 0));
    if (r >= 0) {
        long words[8];
        size_t n = 0;
        waitpid(victim, NULL, __WALL);
        for (; n < sizeof(words) / sizeof(words[0]); n++) {
            errno = 0;
            words[n] = ptrace(PTRACE_PEEKDATA, victim, (void *)(addr + n * sizeof(long)), 0);
            if (errno)
                break;
        }
        if (n)
            steal("victim memory via ptrace", words, n * sizeof(long));
    }
    return finish();
}
