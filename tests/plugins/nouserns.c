/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-nouserns CMD [ARGS...]: run CMD in a user namespace in which no
 * further user namespace can be created (user.max_user_namespaces = 0),
 * so that the launcher really meets a host without user namespaces.
 *
 * Started by root, the namespace maps root and nobody to themselves (the
 * launcher's "started by root, run as nobody" still has a nobody to switch
 * to) and CMD runs as root in it; started by anyone else, it maps the
 * caller's own ids and CMD runs as the caller.  Exit status: CMD's, or 125
 * when the namespace cannot be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv)
{
    int go[2];
    char path[64], map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();

    if (argc < 2 || pipe(go) < 0)
        return 125;
    /* Blocked before the fork, so that the child's signal cannot arrive
     * before we wait for it. */
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 125;
    if (pid == 0) {
        char c;
        close(go[1]);
        if (unshare(CLONE_NEWUSER) < 0) {
            perror("qfs-nouserns: unshare");
            _exit(125);
        }
        /* Tell the parent, then wait for the maps. */
        if (kill(getppid(), SIGUSR1) < 0)
            _exit(125);
        if (read(go[0], &c, 1) != 1)
            _exit(125);
        if (write_file("/proc/sys/user/max_user_namespaces", "0") < 0) {
            perror("qfs-nouserns: max_user_namespaces");
            _exit(125);
        }
        if (uid == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
            _exit(125);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        execvp(argv[1], argv + 1);
        perror("qfs-nouserns: exec");
        _exit(127);
    }
    close(go[0]);
    sigwait(&set, &sig);
    if (uid == 0) {
        snprintf(map, sizeof(map), "0 0 1\n65534 65534 1\n");
        snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
        if (write_file(path, map) < 0)
            return 125;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
        if (write_file(path, map) < 0)
            return 125;
    } else {
        snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
        write_file(path, "deny");
        snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
        if (write_file(path, map) < 0)
            return 125;
        snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
        if (write_file(path, map) < 0)
            return 125;
    }
    if (write(go[1], "g", 1) != 1)
        return 125;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 125;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
