/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a fork bomb: every process forks as fast as it can, forever, and
 * ignores SIGTERM and SIGHUP; refused forks are retried.  Unchecked, it
 * fills the host's process table and takes the machine down.
 * Why it fails: the sandbox's process ceiling (pids.max of its cgroup, or
 * RLIMIT_NPROC in its own user namespace) refuses forks past
 * max_processes, which ends the sandbox with limit "processes"; without
 * process creation (Strict) fork is refused outright.  The runner checks
 * the host still forks, nothing of the bomb is left, and the status.
 */
#include "../hostile.h"

#include <signal.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    long refused = 0, made = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid > 0)
            made++;
        if (pid < 0 && ++refused == 1)
            attempt("fork", -1);
        /* Never allowed even once: no bomb to make. */
        if (refused > 10000 && !made && pid != 0)
            return 0;
        if (refused > 100000)
            sleep_ms(1);
    }
}
