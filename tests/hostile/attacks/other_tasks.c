/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: change other processes of its uid: the victim (a host process of
 * the plugin's uid) and the supervisor (with an unprivileged supervisor,
 * also of its uid).  Lower their resource limits (prlimit64: a host
 * application left with 7 descriptors), renice them, pin them to one CPU,
 * move them to SCHED_IDLE, give them the idle I/O class, and renice every
 * process of the uid at once (PRIO_USER).  The kernel allows all of this
 * between processes of one uid; no signal and no ptrace is involved.
 * Why it fails: in a pid namespace no host process can be named
 * (Sandboxed, Strict); at Limited the filter lets these calls name only
 * the caller itself (pid 0), since Landlock scopes signals and ptrace but
 * not these.  The runner reads the victim's and its own limits,
 * priority, affinity and policy from the host.
 */
#include "../hostile.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static void hit(pid_t pid, const char *who)
{
    char label[96];
    struct rlimit seven = { 7, 7 };
    cpu_set_t one;

    snprintf(label, sizeof(label), "prlimit64 NOFILE of %s", who);
    attempt(label, prlimit(pid, RLIMIT_NOFILE, &seven, NULL));
    snprintf(label, sizeof(label), "setpriority of %s", who);
    attempt(label, setpriority(PRIO_PROCESS, (id_t)pid, 19));
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    snprintf(label, sizeof(label), "sched_setaffinity of %s", who);
    attempt(label, sched_setaffinity(pid, sizeof(one), &one));
    snprintf(label, sizeof(label), "SCHED_IDLE for %s", who);
    attempt(label, sched_setscheduler(pid, SCHED_IDLE, &(struct sched_param) { 0 }));
    snprintf(label, sizeof(label), "ioprio idle for %s", who);
    attempt(label, syscall(SYS_ioprio_set, 1, pid, 3 << 13));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (arg("victim"))
        hit((pid_t)arg_num("victim", 0), "the victim");
    /* The control (unsandboxed, perhaps as root) proves the point on the
     * victim alone. */
    if (arg("only"))
        return finish();
    if (arg("supervisor"))
        hit((pid_t)arg_num("supervisor", 0), "the supervisor");
    attempt("PRIO_USER", setpriority(PRIO_USER, getuid(), 19));
    attempt("PRIO_PGRP of the victim's group",
        setpriority(PRIO_PGRP, (id_t)getpgid((pid_t)arg_num("victim", 0)), 19));
    return finish();
}
