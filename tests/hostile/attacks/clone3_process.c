/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: clone3 as a way around a filter that judges clone()'s flags: its
 * flags sit in memory, where seccomp cannot look, so a process (not a
 * thread) made with clone3 would slip past "no process creation"; also
 * clone3 with CLONE_NEWUSER and with CLONE_INTO_CGROUP.  A child that runs
 * marks the win.
 * Why it fails: the filter answers clone3 with ENOSYS at every level from
 * Limited up, so libc falls back to clone(), whose flags it can read.
 * The control run (Unrestricted) does create the process.
 */
#include "../hostile.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void spawn(uint64_t flags, const char *what)
{
    struct clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
        mark("clone3");
        _exit(0);
    }
    if (attempt(what, pid) > 0)
        waitpid((pid_t)pid, NULL, 0);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    spawn(0, "clone3 process");
    spawn(CLONE_NEWUSER, "clone3 CLONE_NEWUSER");
    spawn(CLONE_VM | CLONE_VFORK, "clone3 vfork");
    return finish();
}
