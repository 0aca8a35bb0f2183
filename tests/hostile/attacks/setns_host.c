/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: join the host's namespaces with setns(): those of pid 1, of the
 * supervisor and of the victim (all of /proc/PID/ns), by file and by
 * pidfd.  Entering the host's mount or network namespace would undo the
 * private root or the network isolation.
 * Why it fails: setns is in the baseline deny-list from Limited up, needs
 * CAP_SYS_ADMIN over the target namespace, and the ns files of host
 * processes need ptrace access; in a pid namespace the host's processes
 * cannot be named at all.  The runner compares the plugin's namespaces
 * with the sandbox's from the host.
 */
#include "../hostile.h"

#include <sched.h>
#include <sys/syscall.h>

static void join(const char *pid)
{
    static const char *const kinds[] = { "user", "mnt", "net", "pid", "ipc", "uts", "cgroup" };
    char path[128];

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, kinds[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (attempt(path, fd) >= 0)
            attempt("setns", setns(fd, 0));
    }
    int pidfd = (int)syscall(SYS_pidfd_open, atoi(pid), 0);
    if (pidfd >= 0)
        attempt("setns(pidfd)",
            setns(pidfd, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWIPC));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    join("1");
    if (arg("supervisor"))
        join(arg("supervisor"));
    if (arg("victim"))
        join(arg("victim"));
    return finish();
}
