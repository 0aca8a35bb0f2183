/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network mediation: what a mediated connect() adds to a direct one, and
 * the throughput of a mediated connection against a direct one, measured
 * in the same run, in a network namespace of the benchmark's own (only lo,
 * with 198.18.0.1 on it; see tests/common/testnet_ns.h).
 *
 * "Direct" is qfs-netprobe run Unrestricted (no filter, the same
 * namespace); "mediated" is the same program in a Sandboxed sandbox with
 * the network allowed and allowed_hosts ["198.18.0.1"]: its connect() goes
 * to the supervisor, which checks the destination, connects from the host
 * side and installs the connected socket in the plugin.  Targets: at most
 * 100 µs added per connect(), at least 0.95 of the direct throughput.
 *
 * Wall times on a shared machine depend on how soon the scheduler runs
 * the other side of each hand-over (a mediated connect has four: to the
 * supervisor, to the plugin to take the descriptor, back, and the answer);
 * so the supervisor's own CPU time per mediated connect is printed too,
 * and the load average the run saw.
 *
 *   net [ROUNDS]    (default 5; medians over the rounds are printed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

#include "testnet_ns.h"

#define CONNECTS 2000 /* per round and side */
#define STREAM_MIB 1024

static const char server_addr[] = "198.18.0.1";

static int listen_on(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof(a);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    inet_pton(AF_INET, server_addr, &a.sin_addr);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1024) < 0
        || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

/* Accepts and closes. */
static void *acceptor(void *arg)
{
    int l = *(int *)arg;

    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            close(c);
    }
    return NULL;
}

/* Reads everything, then closes (the client waits for that EOF). */
static void *sink(void *arg)
{
    static char buf[1 << 18];
    int l = *(int *)arg;

    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        while (read(c, buf, sizeof(buf)) > 0)
            ;
        close(c);
    }
    return NULL;
}

/* Runs qfs-netprobe @args at @level; its stdout is one number. */
static int probe(int level, const char *const *args, double *ret)
{
    qfs_policy *p = NULL;
    qfs_loop *loop = NULL;
    qfs_sandbox *sb = NULL;
    qfs_error err = { 0 };
    const char *out;
    size_t len;
    int r;

    r = qfs_policy_new_builtin(qfs_level_name(level), &p);
    if (r < 0)
        return r;
    qfs_policy_set_permission(p, QFS_PERM_NETWORK_ACCESS, true);
    if (level > QFS_LEVEL_UNRESTRICTED)
        qfs_policy_list_add(p, QFS_LIST_ALLOWED_HOSTS, server_addr);
    qfs_policy_set_limit(p, QFS_LIMIT_EXECUTION_TIMEOUT_MS, 600000);
    qfs_policy_set_limit(p, QFS_LIMIT_CPU_TIME_MS, 600000);
    r = qfs_loop_new(&loop);
    if (r >= 0)
        r = qfs_sandbox_new(loop, p, &sb, &err);
    if (r >= 0)
        r = qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_NETPROBE, args, &err);
    if (r >= 0)
        r = qfs_sandbox_wait(sb, -1);
    if (r >= 0)
        r = qfs_sandbox_get_output(sb, 1, &out, &len, NULL);
    if (r >= 0) {
        char text[64] = "";
        memcpy(text, out, len < sizeof(text) - 1 ? len : sizeof(text) - 1);
        r = sscanf(text, "%lf", ret) == 1 ? 0 : -EIO;
        if (r < 0) {
            const char *e;
            size_t elen;
            qfs_sandbox_get_output(sb, 2, &e, &elen, NULL);
            fprintf(stderr, "net: the probe said: %.*s\n", (int)elen, e);
        }
    } else if (err.message[0]) {
        fprintf(stderr, "net: %s\n", err.message);
    }
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
    qfs_policy_free(p);
    return r;
}

/* This process's CPU time (the supervisor's), in microseconds. */
static double self_cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6
        + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return v[n / 2];
}

enum { DIRECT, MEDIATED, ADDED, CPU, TDIRECT, TMEDIATED, RATIO, N_SERIES };

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    char why[256] = "", port_a[16], port_s[16], n_connects[16], mib[16];
    int pa, ps;
    pthread_t t;

    if (rounds < 1 || rounds > 100) {
        fprintf(stderr, "usage: net [ROUNDS]\n");
        return 2;
    }
    if (testnet_enter(why, sizeof(why)) < 0 || testnet_add_address(server_addr) < 0) {
        fprintf(stderr, "net: no network namespace of our own: %s\n", why);
        return 1;
    }
    int la = listen_on(&pa), ls = listen_on(&ps);
    if (la < 0 || ls < 0) {
        perror("net: listen");
        return 1;
    }
    pthread_create(&t, NULL, acceptor, &la);
    pthread_create(&t, NULL, sink, &ls);
    snprintf(port_a, sizeof(port_a), "%d", pa);
    snprintf(port_s, sizeof(port_s), "%d", ps);
    snprintf(n_connects, sizeof(n_connects), "%d", CONNECTS);
    snprintf(mib, sizeof(mib), "%d", STREAM_MIB);
    const char *connect_args[] = { "bench-connect", server_addr, port_a, n_connects, NULL };
    const char *stream_args[] = { "bench-stream", server_addr, port_s, mib, NULL };

    double *v[N_SERIES];
    for (int k = 0; k < N_SERIES; k++)
        v[k] = calloc((size_t)rounds, sizeof(double));
    for (int i = 0; i < rounds; i++) {
        /* Side by side in each round, so that a busy moment of the
         * machine hits both. */
        double c0 = self_cpu_us();
        int r = probe(QFS_LEVEL_UNRESTRICTED, connect_args, &v[DIRECT][i]);
        double c1 = self_cpu_us();
        if (r >= 0)
            r = probe(QFS_LEVEL_SANDBOXED, connect_args, &v[MEDIATED][i]);
        double c2 = self_cpu_us();
        if (r >= 0)
            r = probe(QFS_LEVEL_UNRESTRICTED, stream_args, &v[TDIRECT][i]);
        if (r >= 0)
            r = probe(QFS_LEVEL_SANDBOXED, stream_args, &v[TMEDIATED][i]);
        if (r < 0) {
            fprintf(stderr, "net: a probe failed\n");
            return 1;
        }
        v[ADDED][i] = v[MEDIATED][i] - v[DIRECT][i];
        /* The supervisor's CPU for the mediated run, less what a run
         * without mediation costs it (start, wait, reap). */
        v[CPU][i] = ((c2 - c1) - (c1 - c0)) / CONNECTS;
        v[RATIO][i] = v[TMEDIATED][i] / v[TDIRECT][i];
    }
    printf("connect(), mean of %d per run, median of %d runs:\n", CONNECTS, rounds);
    printf("  direct    %8.1f us\n", median(v[DIRECT], rounds));
    printf("  mediated  %8.1f us\n", median(v[MEDIATED], rounds));
    printf("  added     %8.1f us   (target <= 100 us)\n", median(v[ADDED], rounds));
    printf("  supervisor CPU per mediated connect: %.1f us\n", median(v[CPU], rounds));
    printf("throughput of %d MiB through one connection (1 MiB writes), median of %d runs:\n",
        STREAM_MIB, rounds);
    printf("  direct    %8.0f MiB/s\n", median(v[TDIRECT], rounds));
    printf("  mediated  %8.0f MiB/s\n", median(v[TMEDIATED], rounds));
    printf("  ratio     %8.3f        (target >= 0.95)\n", median(v[RATIO], rounds));
    char load[64] = "?";
    FILE *f = fopen("/proc/loadavg", "re");
    if (f && fgets(load, sizeof(load), f))
        load[strcspn(load, "\n")] = '\0';
    if (f)
        fclose(f);
    printf("load average during the run: %s (%ld CPUs)\n", load, sysconf(_SC_NPROCESSORS_ONLN));
    return 0;
}
