/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: signals to processes outside the sandbox: SIGSTOP and SIGKILL to
 * the supervisor (with an unprivileged supervisor, a process of the
 * plugin's own uid) and to the victim (always of the plugin's uid), by
 * kill, tgkill, rt_sigqueueinfo and pidfd_send_signal, and to the
 * supervisor's process group.
 * Why it fails: Landlock (ABI 6) scopes signals: a sandboxed process may
 * signal only processes of its own domain (Limited); a pid namespace cannot
 * name host processes (Sandboxed, Strict).  In the control run
 * (Unrestricted, only=victim) the same code does end the victim.
 */
#include "../hostile.h"

#include <signal.h>
#include <sys/syscall.h>

static void hit(pid_t pid, const char *who)
{
    char label[96];
    siginfo_t si = { .si_signo = SIGKILL, .si_code = SI_QUEUE };

    snprintf(label, sizeof(label), "SIGSTOP to %s", who);
    attempt(label, kill(pid, SIGSTOP));
    snprintf(label, sizeof(label), "rt_sigqueueinfo to %s", who);
    attempt(label, syscall(SYS_rt_sigqueueinfo, pid, SIGKILL, &si));
    snprintf(label, sizeof(label), "tgkill to %s", who);
    attempt(label, syscall(SYS_tgkill, pid, pid, SIGKILL));
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        snprintf(label, sizeof(label), "pidfd_send_signal to %s", who);
        attempt(label, syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0));
    }
    snprintf(label, sizeof(label), "SIGKILL to %s", who);
    attempt(label, kill(pid, SIGKILL));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t victim = (pid_t)arg_num("victim", 0), sup = (pid_t)arg_num("supervisor", 0);
    const char *only = arg("only");

    if (victim)
        hit(victim, "the victim");
    if (sup && !only) {
        hit(sup, "the supervisor");
        attempt("SIGKILL to the supervisor's group", kill(-getpgid(sup), SIGKILL));
    }
    return finish();
}
