/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: outlive the sandbox: double-fork into a new session, ignore every
 * catchable signal, clear its parent-death signal, change its process
 * group, name itself after the run (comm and argv keep run=), and keep a
 * second daemon that restarts the first; the main process then kills what
 * would kill them, its parent (the sandbox's init), and exits, as a
 * well-behaved plugin would.
 * Why it fails: when the plugin's main process ends, the sandbox ends
 * every process it made whatever session or group it is in: by its pid
 * namespace (Sandboxed, Strict; its init ignores signals from inside), its
 * cgroup, or the sandbox's init at Limited, a subreaper that the plugin,
 * in a nested Landlock domain, cannot signal.  The runner looks for the run token in every
 * host process's command line afterwards.
 */
#include "../hostile.h"

#include <signal.h>
#include <sys/wait.h>

static void immortal(void)
{
    for (int sig = 1; sig < 65; sig++)
        signal(sig, SIG_IGN);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    setpgid(0, 0);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t pid = fork();
    if (attempt("fork", pid) < 0)
        return finish();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            immortal();
            for (;;) {
                pid_t guard = fork();
                if (guard == 0) {
                    immortal();
                    for (;;)
                        pause();
                }
                if (guard > 0)
                    waitpid(guard, NULL, 0);
                else
                    sleep_ms(10);
            }
        }
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    attempt("SIGKILL to the parent", kill(getppid(), SIGKILL));
    attempt("SIGTERM to the parent", kill(getppid(), SIGTERM));
    return 0;
}
