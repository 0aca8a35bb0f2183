/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Launch latency: the wall time from asking for a trivial static program to
 * run until its exit has been collected, under each level, next to a bare
 * fork+exec+wait and, when installed, bubblewrap with every namespace and a
 * read-only root, all measured in the same run.  Median and p90 of N runs
 * (after a warm-up), and the ratios the issue targets: strict <= 0.5x
 * bwrap and <= 3x bare.
 *
 *   launch [N]    (default 200)
 */
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    int n = argc > 1 ? atoi(argv[1]) : 200;
    const char *names[6];
    struct stats st[6];
    int rows = 0;
    double *v = calloc((size_t)n, sizeof(double));
    char *bare_argv[] = { (char *)QFS_BENCH_TRUE, NULL };
    char *bwrap_argv[] = { "/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev",
        "/dev", "--proc", "/proc", (char *)QFS_BENCH_TRUE, NULL };

    if (!v || n < 10)
        return 2;

    for (int i = 0; i < WARMUP; i++)
        run_bare(bare_argv);
    for (int i = 0; i < n; i++)
        v[i] = run_bare(bare_argv);
    names[rows] = "bare fork+exec+wait";
    st[rows++] = summarize(v, n);

    qfs_loop *loop;
    if (qfs_loop_new(&loop) < 0)
        return 1;
    for (int level = QFS_LEVEL_UNRESTRICTED; level <= QFS_LEVEL_STRICT; level++) {
        qfs_policy *p;
        qfs_sandbox *sb;
        qfs_error err;
        if (qfs_policy_new_builtin(qfs_level_name(level), &p) < 0
            || qfs_sandbox_new(loop, p, &sb, &err) < 0) {
            fprintf(stderr, "launch: %s\n", err.message);
            return 1;
        }
        qfs_policy_free(p);
        for (int i = 0; i < WARMUP; i++)
            run_level(sb);
        for (int i = 0; i < n; i++)
            v[i] = run_level(sb);
        qfs_sandbox_free(sb);
        names[rows] = qfs_level_name(level);
        st[rows++] = summarize(v, n);
    }
    qfs_loop_free(loop);

    int bwrap = access(bwrap_argv[0], X_OK) == 0 ? rows : -1;
    if (bwrap >= 0) {
        for (int i = 0; i < WARMUP; i++)
            run_bare(bwrap_argv);
        for (int i = 0; i < n; i++)
            v[i] = run_bare(bwrap_argv);
        names[rows] = "bwrap --unshare-all, ro /";
        st[rows++] = summarize(v, n);
    }

    printf("launching a trivial static program to exit, %d runs each (uid %u)\n\n", n,
        (unsigned)getuid());
    printf("%-28s %10s %10s %10s\n", "", "median us", "p90 us", "x bare");
    for (int i = 0; i < rows; i++)
        printf("%-28s %10.0f %10.0f %10.2f\n", names[i], st[i].median, st[i].p90,
            st[i].median / st[0].median);
    const struct stats *strict = &st[4];
    printf("\nstrict / bare  = %.2f (target <= 3)\n", strict->median / st[0].median);
    if (bwrap >= 0)
        printf("strict / bwrap = %.2f (target <= 0.5)\n", strict->median / st[bwrap].median);
    else
        printf("strict / bwrap: bwrap not installed\n");
    free(v);
    return 0;
}
