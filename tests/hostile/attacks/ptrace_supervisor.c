/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: ptrace the supervisor, the process that runs the sandbox (with an
 * unprivileged supervisor, a process of the plugin's own uid): attach and
 * stop it, which would freeze every sandbox it supervises and hand the
 * plugin the host application's memory.  Its parent in a pid namespace is
 * invisible, so it tries the pid it was told.
 * Why it fails: ptrace is in the baseline deny-list from Limited up, and
 * Landlock forbids ptrace outside the sandbox's domain; from a pid
 * namespace the supervisor cannot be named (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <sys/ptrace.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t sup = (pid_t)arg_num("supervisor", 0);
    pid_t parent = getppid();

    if (sup) {
        attempt("PTRACE_ATTACH supervisor", ptrace(PTRACE_ATTACH, sup, 0, 0));
        attempt("PTRACE_SEIZE supervisor", ptrace(PTRACE_SEIZE, sup, 0, 0));
        attempt("PTRACE_INTERRUPT supervisor", ptrace(PTRACE_INTERRUPT, sup, 0, 0));
    }
    if (parent > 1)
        attempt("PTRACE_SEIZE parent", ptrace(PTRACE_SEIZE, parent, 0, 0));
    return finish();
}
