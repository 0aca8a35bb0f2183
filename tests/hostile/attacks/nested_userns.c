/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a user namespace of its own, where it would hold every
 * capability: unshare(CLONE_NEWUSER), clone() and clone3() with
 * CLONE_NEWUSER (and the other CLONE_NEW* flags), with garbage in the
 * upper half of clone's flags; in a new namespace it maps itself to root
 * and mounts a tmpfs.  Every process it makes then waits, so that the
 * runner can compare their namespaces with the sandbox's from the host.
 * Why it fails: unshare, setns and namespace flags on clone are in the
 * baseline deny-list from Limited up (clone3 answers ENOSYS, so its flags
 * in memory are never trusted); a nested user namespace is the widest
 * door into kernel code that needs capabilities.
 */
#include "../hostile.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>

static void become_root(void)
{
    char map[64];
    int fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);

    snprintf(map, sizeof(map), "0 %d 1\n", (int)getuid());
    if (fd >= 0) {
        attempt("write uid_map", write(fd, map, strlen(map)));
        close(fd);
    }
    attempt("mount a tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (attempt("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER)) == 0)
        become_root();
    attempt("unshare(all)",
        unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC));
    unsigned long flags = CLONE_NEWUSER | SIGCHLD;
    for (int upper = 0; upper < 2; upper++) {
        long pid = syscall(SYS_clone, flags | (upper ? 1UL << 40 : 0), NULL, NULL, NULL, 0);
        if (pid == 0) {
            become_root();
            prctl(PR_SET_NAME, "qfs-done", 0, 0, 0);
            sleep_ms(arg_num("hold", 0));
            _exit(0);
        }
        attempt(upper ? "clone(CLONE_NEWUSER, upper bits)" : "clone(CLONE_NEWUSER)", pid);
    }
    struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
        become_root();
        sleep_ms(arg_num("hold", 0));
        _exit(0);
    }
    attempt("clone3(CLONE_NEWUSER)", pid);
    return finish();
}
