/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-hog: uses one resource without bound, for the limit tests.  The tests
 * judge from the host (the report, the cgroup, /proc); what the hog prints
 * only says how far it got.
 *
 *   alloc MB [hold]     touch MB MiB of anonymous memory; then wait (hold)
 *                       or exit 0
 *   spin                burn CPU forever
 *   sleep MS            sleep, then exit 0
 *   exit MS CODE        sleep MS, then exit with CODE
 *   forkbomb            every process forks until refused, then waits
 *   daemon NAME         a double-forked setsid daemon called NAME that waits
 *                       forever; the main process exits 0 at once
 *   fds CHILDREN N      CHILDREN processes (and this one) hold N more
 *                       descriptors each, then wait
 *   disk DIR FILES MB   FILES files of MB MiB each in DIR, then wait
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void wait_forever(void)
{
    for (;;)
        pause();
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int alloc(long mb, int hold)
{
    size_t len = (size_t)mb << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    printf("allocated %ld MiB\n", mb);
    fflush(stdout);
    if (hold)
        wait_forever();
    return 0;
}

static void forkbomb(void)
{
    for (;;) {
        pid_t pid = fork();

        if (pid < 0) {
            if (errno != EAGAIN)
                perror("fork");
            wait_forever();
        }
    }
}

static int daemonize(const char *name)
{
    pid_t pid = fork();

    if (pid < 0)
        return 1;
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            prctl(PR_SET_NAME, name, 0, 0, 0);
            wait_forever();
        }
        _exit(0);
    }
    /* Reap the middle process; the daemon is the init's (or nobody's). */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

static int fds(int children, int n)
{
    for (int c = 0; c < children; c++)
        if (fork() == 0)
            break;
    for (int i = 0; i < n; i++)
        if (open("/dev/null", O_RDONLY) < 0) {
            perror("open");
            break;
        }
    wait_forever();
    return 0;
}

static int disk(const char *dir, int files, long mb)
{
    static char chunk[1 << 16];
    char path[4096];

    memset(chunk, 'd', sizeof(chunk));
    for (int f = 0; f < files; f++) {
        int fd;

        snprintf(path, sizeof(path), "%s/hog-%d", dir, f);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        for (long done = 0; done < mb << 20; done += (long)sizeof(chunk))
            if (write(fd, chunk, sizeof(chunk)) < 0) {
                perror("write");
                return 1;
            }
        fsync(fd);
        close(fd);
    }
    printf("wrote %d x %ld MiB\n", files, mb);
    fflush(stdout);
    wait_forever();
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    if (!strcmp(cmd, "alloc") && argc > 2)
        return alloc(atol(argv[2]), argc > 3 && !strcmp(argv[3], "hold"));
    if (!strcmp(cmd, "spin"))
        for (volatile unsigned long i = 0;; i++)
            ;
    if (!strcmp(cmd, "sleep") && argc > 2) {
        sleep_ms(atol(argv[2]));
        return 0;
    }
    if (!strcmp(cmd, "exit") && argc > 3) {
        sleep_ms(atol(argv[2]));
        return atoi(argv[3]);
    }
    if (!strcmp(cmd, "forkbomb"))
        forkbomb();
    if (!strcmp(cmd, "daemon") && argc > 2)
        return daemonize(argv[2]);
    if (!strcmp(cmd, "fds") && argc > 3)
        return fds(atoi(argv[2]), atoi(argv[3]));
    if (!strcmp(cmd, "disk") && argc > 4)
        return disk(argv[2], atoi(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: qfs-hog alloc|spin|sleep|exit|forkbomb|daemon|fds|disk ...\n");
    return 2;
}
