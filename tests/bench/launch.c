/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Launch latency: the wall time from asking for a trivial static program to
 * run until its exit has been collected, under each level, next to a bare
 * fork+exec+wait and, when installed, bubblewrap with every namespace and a
 * read-only root, all measured in the same run.  Median and p90 of N runs
 * (after a warm-up), and the ratios the issue targets: strict <= 0.5x
 * bwrap and <= 3x bare.  Also the CPU time (supervisor and reaped
 * children, user + system) per launch, which a loaded machine disturbs
 * less than wall time.
 *
 *   launch [N]    (default 200)
 */
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

#define WARMUP 10

extern char **environ;

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* CPU time of this process and its reaped children, in microseconds: on a
 * shared machine wall time includes waiting for a CPU, CPU time does not
 * (work the kernel defers to its own threads is in neither). */
static double cpu_us(void)
{
    struct rusage self, kids;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec
               + kids.ru_stime.tv_sec)
        * 1e6
        + (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec
            + kids.ru_stime.tv_usec);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats
{
    double median, p90;
};

static struct stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return (struct stats) { v[n / 2], v[(n * 9) / 10] };
}

/* fork + exec + wait, as the plainest supervisor would. */
static double run_bare(char *const argv[])
{
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, environ);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "launch: %s failed (status %d)\n", argv[0], status);
        exit(1);
    }
    return now_us() - t0;
}

static double run_level(qfs_sandbox *sb)
{
    qfs_error err;
    double t0 = now_us();

    if (qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_BENCH_TRUE, NULL, &err) < 0) {
        fprintf(stderr, "launch: %s\n", err.message);
        exit(1);
    }
    if (qfs_sandbox_wait(sb, 10000) < 0) {
        fprintf(stderr, "launch: the plugin did not end\n");
        exit(1);
    }
    return now_us() - t0;
}

int main(int argc, char **argv)
{
    enum { BARE, UNRESTRICTED, LIMITED, SANDBOXED, STRICT, BWRAP, ROWS };
    static const char *const names[ROWS] = { "bare fork+exec+wait", "unrestricted", "limited",
        "sandboxed", "strict", "bwrap --unshare-all, ro /" };
    int n = argc > 1 ? atoi(argv[1]) : 200;
    char *bare_argv[] = { (char *)QFS_BENCH_TRUE, NULL };
    char *bwrap_argv[] = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev",
        "/dev", "--proc", "/proc", (char *)QFS_BENCH_TRUE, NULL };
    const bool bwrap = access(bwrap_argv[0], X_OK) == 0;
    qfs_sandbox *sb[ROWS] = { NULL };
    double *v[ROWS], cpu[ROWS] = { 0 };
    struct stats st[ROWS];
    qfs_loop *loop;

    if (n < 10 || qfs_loop_new(&loop) < 0)
        return 2;
    for (int row = 0; row < ROWS; row++)
        if (!(v[row] = calloc((size_t)n, sizeof(double))))
            return 1;
    for (int level = QFS_LEVEL_UNRESTRICTED; level <= QFS_LEVEL_STRICT; level++) {
        qfs_policy *p;
        qfs_error err;
        if (qfs_policy_new_builtin(qfs_level_name(level), &p) < 0
            || qfs_sandbox_new(loop, p, &sb[UNRESTRICTED + level], &err) < 0) {
            fprintf(stderr, "launch: %s\n", err.message);
            return 1;
        }
        qfs_policy_free(p);
    }

    /* Interleaved: one launch of each kind per round, so that the load of
     * a shared machine falls on all of them alike. */
    for (int i = -WARMUP; i < n; i++)
        for (int row = 0; row < ROWS; row++) {
            double t, c0 = cpu_us();
            if (row == BARE)
                t = run_bare(bare_argv);
            else if (row == BWRAP)
                t = bwrap ? run_bare(bwrap_argv) : 0;
            else
                t = run_level(sb[row]);
            if (i >= 0) {
                v[row][i] = t;
                cpu[row] += cpu_us() - c0;
            }
        }
    for (int row = 0; row < ROWS; row++) {
        st[row] = summarize(v[row], n);
        qfs_sandbox_free(sb[row]);
        free(v[row]);
    }
    qfs_loop_free(loop);

    printf("launching a trivial static program to exit, %d interleaved rounds (uid %u)\n\n", n,
        (unsigned)getuid());
    printf("%-28s %10s %10s %10s %10s\n", "", "median us", "p90 us", "x bare", "cpu us");
    for (int row = 0; row < ROWS; row++)
        if (row != BWRAP || bwrap)
            printf("%-28s %10.0f %10.0f %10.2f %10.0f\n", names[row], st[row].median, st[row].p90,
                st[row].median / st[BARE].median, cpu[row] / n);
    printf("\nstrict / bare  = %.2f (target <= 3)\n", st[STRICT].median / st[BARE].median);
    if (bwrap) {
        printf("strict / bwrap = %.2f (target <= 0.5)\n", st[STRICT].median / st[BWRAP].median);
        printf("cpu time: strict / bare = %.2f, strict / bwrap = %.2f\n", cpu[STRICT] / cpu[BARE],
            cpu[STRICT] / cpu[BWRAP]);
    } else
        printf("strict / bwrap: bwrap not installed\n");
    return 0;
}
