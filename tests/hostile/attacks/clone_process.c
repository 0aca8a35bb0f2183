/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: make a process where the policy allows threads only: fork, vfork,
 * clone with CLONE_VM but without CLONE_THREAD (a process sharing memory,
 * as posix_spawn makes), clone with CLONE_PARENT (a sibling), and clone
 * with garbage in the upper 32 bits of the flags, hoping a filter compares
 * 64 bits where the kernel reads 32.  A child that runs marks the win.
 * Why it fails: without process creation the filter admits clone only
 * with CLONE_THREAD, judged on the low 32 bits the kernel uses, and
 * refuses fork and vfork; threads keep working (the control run of
 * "threads" shows it).
 */
#include "../hostile.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char stack[65536] __attribute__((aligned(16)));

static int child(void *unused)
{
    (void)unused;
    mark("process");
    return 0;
}

static void reap(long pid, const char *what)
{
    if (attempt(what, pid) > 0)
        waitpid((pid_t)pid, NULL, __WALL);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t pid = fork();
    if (pid == 0) {
        mark("process");
        _exit(0);
    }
    reap(pid, "fork");
    pid = vfork();
    if (pid == 0) {
        mark("process");
        _exit(0);
    }
    reap(pid, "vfork");
    reap(clone(child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL), "clone CLONE_VM");
    reap(clone(child, stack + sizeof(stack), CLONE_PARENT | SIGCHLD, NULL), "clone CLONE_PARENT");
    long r = syscall(SYS_clone, SIGCHLD | (1UL << 36), NULL, NULL, NULL, 0);
    if (r == 0) {
        mark("process");
        _exit(0);
    }
    reap(r, "clone with upper bits");
    return finish();
}
