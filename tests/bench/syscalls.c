/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the seccomp benchmark times, inside and outside sandboxes: a hot
 * allowed syscall (getppid) and three kinds of open, each followed by its
 * close.  Static, so that it runs inside a private root unchanged.
 *
 *   qfs-bench-syscalls [--one-insn] N_HOT N_OPEN READ WRITE DENIED
 *
 * READ is opened O_RDONLY, WRITE O_WRONLY (created first if missing, not
 * timed), DENIED O_WRONLY|O_CREAT where it must fail ("-": skipped).  With
 * --one-insn it first installs a filter of one instruction, RET ALLOW: the
 * baseline the issue measures against.  Prints one line: wall nanoseconds
 * per getppid, per open(read), per open(write), per open(denied) (-1 when
 * skipped or when a call did not behave as expected), then the same four in
 * this thread's CPU time, which waiting for a CPU on a busy machine does
 * not inflate.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall, no filter */
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* a syscall, once per phase */
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct timing
{
    double wall, cpu;
};

static int one_insn_filter(void)
{
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = { .len = 1, .filter = &allow };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* ns per open+close of @path with @flags; -1 when an open did not end as
 * @expect_ok says. */
static struct timing time_open(const char *path, int flags, long n, int expect_ok)
{
    double t0 = now_ns(), c0 = cpu_ns();

    for (long i = 0; i < n; i++) {
        int fd = open(path, flags | O_CLOEXEC, 0644);
        if ((fd >= 0) != expect_ok)
            return (struct timing) { -1, -1 };
        if (fd >= 0)
            close(fd);
    }
    return (struct timing) { (now_ns() - t0) / (double)n, (cpu_ns() - c0) / (double)n };
}

int main(int argc, char **argv)
{
    int a = 1;

    if (argc > 1 && !strcmp(argv[1], "--one-insn")) {
        if (one_insn_filter() < 0) {
            perror("seccomp");
            return 1;
        }
        a++;
    }
    if (argc - a != 5) {
        fprintf(stderr, "usage: %s [--one-insn] N_HOT N_OPEN READ WRITE DENIED\n", argv[0]);
        return 2;
    }
    long hot = atol(argv[a]), n = atol(argv[a + 1]);
    const char *rd = argv[a + 2], *wr = argv[a + 3], *denied = argv[a + 4];

    int fd = open(wr, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);

    /* Warm up the paths and the caches (the kernel's, the supervisor's). */
    time_open(rd, O_RDONLY, 100, 1);
    time_open(wr, O_WRONLY, 100, 1);

    double t0 = now_ns(), c0 = cpu_ns();
    for (long i = 0; i < hot; i++)
        syscall(SYS_getppid);
    struct timing getppid = { (now_ns() - t0) / (double)hot, (cpu_ns() - c0) / (double)hot };

    struct timing rd_t = time_open(rd, O_RDONLY, n, 1);
    struct timing wr_t = time_open(wr, O_WRONLY, n, 1);
    struct timing de_t = { -1, -1 };
    if (strcmp(denied, "-"))
        de_t = time_open(denied, O_WRONLY | O_CREAT, n, 0);
    printf("%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", getppid.wall, rd_t.wall, wr_t.wall,
        de_t.wall, getppid.cpu, rd_t.cpu, wr_t.cpu, de_t.cpu);
    return 0;
}
