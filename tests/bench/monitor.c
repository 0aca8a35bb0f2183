/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resource monitor's cost, in one run:
 *
 *  1. CPU us per sample per sandbox: monitor_sample() over 1000 sandboxes, each
 *     a sleeping process in cgroups of its own, idle (the fast path: CPU
 *     counter and disk only) and full (everything), next to the naive
 *     open/read/close of /proc/PID/{stat,status} and a readdir of
 *     /proc/PID/fd for the same processes.  Target <= 5 us.
 *  2. The CPU share of supervising those 1000 idle sandboxes at 1 Hz: a
 *     timerfd loop samples all of them once a second for a few seconds; CPU
 *     time of this process over wall time.  Target <= 0.5 % of a core.
 *  3. Supervisor memory per sandbox: heap (mallinfo2), descriptors, and the
 *     charge of this process's own memory cgroup (kernel objects of the open
 *     files included) per sandbox created and sampled.  Target <= 64 KiB.
 *
 * Needs root (cgroup directories) for 1-3 as measured here; without it the
 * sandboxes fall to rlimits and the figures say so.  Raises RLIMIT_NOFILE:
 * a sandbox holds several descriptors (printed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "monitor_internal.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define N_SANDBOXES 1000
#define ROUNDS 5 /* < MONITOR_FULL_EVERY: an idle pass stays idle */
#define REPEATS 7
#define HZ_SECONDS MONITOR_FULL_EVERY /* one forced full sample per sandbox */

struct clone_args_v2
{
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

struct box
{
    struct cgroup *cg;
    struct monitor *m;
    pid_t pid;
};

static double now_s(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, REPEATS, sizeof(*v), cmp_double);
    return v[REPEATS / 2];
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = -1; /* the directory's own descriptor */

    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* A sleeping process placed as the launcher places plugins. */
static pid_t spawn_sleeper(struct cgroup *cg)
{
    struct clone_args_v2 ca = { .exit_signal = SIGCHLD };
    int fds[8], cfd = cgroup_clone_fd(cg);
    size_t n = cgroup_attach_fds(cg, fds, 8);
    long pid;

    if (cfd >= 0) {
        ca.flags = CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cfd;
    }
    pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
        for (size_t i = 0; i < n && i < 8; i++)
            if (write(fds[i], "0", 1) != 1)
                _exit(100);
        /* As the launcher does: nothing of the supervisor's stays open. */
        syscall(SYS_close_range, 3, ~0u, 0);
        for (;;)
            pause();
    }
    return (pid_t)pid;
}

static void naive_sample(pid_t pid)
{
    static const char *const files[] = { "stat", "status" };
    char path[64], buf[4096];
    DIR *d;

    for (int i = 0; i < 2; i++) {
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, buf, sizeof(buf)) < 0)
                buf[0] = 0;
            close(fd);
        }
    }
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (d) {
        while (readdir(d))
            ;
        closedir(d);
    }
}

static uint64_t read_u64_file(const char *path)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? strtoull(buf, NULL, 10) : 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, text, strlen(text));
    close(fd);
    return n < 0 ? -errno : 0;
}

static struct cgroup_limits bench_limits(void)
{
    struct cgroup_limits l = { .memory_bytes = 64ull << 20,
        .cpu_time_ms = 60000,
        .max_processes = 64,
        .max_file_handles = 50,
        .disk_bytes = 100ull << 20 };
    return l;
}

static void phase_sampling(void)
{
    static struct box boxes[N_SANDBOXES];
    struct cgroup_limits limits = bench_limits();
    int fds_before = count_fds(), fds_after;
    double t0, mine_s, full_s, naive_s, cpu0, wall0, cpu_s, wall_s, per;
    double full[REPEATS], idle[REPEATS], naive[REPEATS];
    qfs_usage u;
    int tfd;

    for (int i = 0; i < N_SANDBOXES; i++) {
        struct box *b = &boxes[i];

        if (cgroup_new(NULL, &limits, &b->cg, NULL) < 0) {
            fprintf(stderr, "cgroup_new failed at %d\n", i);
            exit(1);
        }
        b->pid = spawn_sleeper(b->cg);
        if (b->pid < 0 || monitor_new(b->cg, b->pid, &b->m) < 0) {
            fprintf(stderr, "spawn/monitor failed at %d: %s\n", i, strerror(errno));
            exit(1);
        }
        /* Stands in for the sandbox's private /tmp: one statfs a sample. */
        monitor_add_disk_fs(b->m, "/dev/shm");
    }
    fds_after = count_fds();
    printf("sandboxes: %d, %s\n", N_SANDBOXES, cgroup_describe(boxes[0].cg));
    printf("  memory held by %s, processes by %s, cpu time by %s, kill by %s\n",
        cgroup_backend_name(boxes[0].cg, QFS_RESOURCE_MEMORY),
        cgroup_backend_name(boxes[0].cg, QFS_RESOURCE_PROCESSES),
        cgroup_backend_name(boxes[0].cg, QFS_RESOURCE_CPU_TIME),
        cgroup_backend_string(cgroup_kill_backend(boxes[0].cg)));
    printf("  descriptors per sandbox while running: %.1f\n",
        (double)(fds_after - fds_before) / N_SANDBOXES);

    /* Warm up: the first read of each counter allocates its buffer. */
    for (int i = 0; i < N_SANDBOXES; i++)
        monitor_sample(boxes[i].m, MONITOR_SAMPLE_FULL, &u);

    /*
     * The machine may be shared: each figure is this thread's CPU time (not
     * wall time, which counts other processes' turns), the median of
     * REPEATS passes of ROUNDS samples per sandbox.  Each idle pass starts after a
     * full one, so that it never reaches the forced full sample.
     */
    for (int k = 0; k < REPEATS; k++) {
        t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < N_SANDBOXES; i++)
                monitor_sample(boxes[i].m, MONITOR_SAMPLE_FULL, &u);
        full[k] = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;

        t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < N_SANDBOXES; i++)
                monitor_sample(boxes[i].m, 0, &u);
        idle[k] = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;

        t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < N_SANDBOXES; i++)
                naive_sample(boxes[i].pid);
        naive[k] = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;
    }
    full_s = median(full);
    mine_s = median(idle);
    naive_s = median(naive);

    per = 1e6 / (N_SANDBOXES * ROUNDS);
    printf("\n1. per sample per sandbox (%d sandboxes x %d rounds, median of %d)\n", N_SANDBOXES,
        ROUNDS, REPEATS);
    printf("  monitor_sample, idle sandbox:        %7.2f us  (target <= 5 us)\n", mine_s * per);
    printf("  monitor_sample, full (every %dth):   %7.2f us\n", MONITOR_FULL_EVERY, full_s * per);
    printf("  amortised over %d samples:           %7.2f us\n", MONITOR_FULL_EVERY,
        (full_s + (MONITOR_FULL_EVERY - 1) * mine_s) / MONITOR_FULL_EVERY * per);
    printf("  naive /proc/PID/{stat,status,fd}:    %7.2f us\n", naive_s * per);
    printf("  ratio naive / idle:                  %7.2f x\n", naive_s / mine_s);
    printf("  ratio naive / full:                  %7.2f x\n", naive_s / full_s);
    printf("  last sample of sandbox 0: cpu %llu ms, memory %llu MiB, fds %u, processes %u\n",
        (unsigned long long)u.cpu_time_used_ms, (unsigned long long)u.memory_used_mb,
        u.file_handles_used, u.processes);

    /* 2. 1 Hz for MONITOR_FULL_EVERY seconds, as a supervisor's loop would:
     * after a full pass, every sandbox gets exactly one forced full sample. */
    for (int i = 0; i < N_SANDBOXES; i++)
        monitor_sample(boxes[i].m, MONITOR_SAMPLE_FULL, &u);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    {
        struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 0, 1 } };
        uint64_t ticks;

        timerfd_settime(tfd, 0, &its, NULL);
        cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        wall0 = now_s(CLOCK_MONOTONIC);
        for (int s = 0; s < HZ_SECONDS; s++) {
            if (read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
                break;
            for (int i = 0; i < N_SANDBOXES; i++)
                monitor_sample(boxes[i].m, 0, &u);
        }
        /* Count the idle tail of the last second too. */
        if (read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
            ticks = 0;
        cpu_s = now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        wall_s = now_s(CLOCK_MONOTONIC) - wall0;
        close(tfd);
    }
    printf("\n2. supervising %d idle sandboxes at 1 Hz for %.1f s\n", N_SANDBOXES, wall_s);
    printf("  CPU time %.1f ms over %.2f s wall: %.3f %% of a core  (target <= 0.5 %%)\n",
        cpu_s * 1e3, wall_s, cpu_s / wall_s * 100);
    printf("  naive sampling would cost about      %.3f %% of a core (%.1f x)\n",
        naive_s / ROUNDS * 100, naive_s / ROUNDS / (cpu_s / wall_s));

    for (int i = 0; i < N_SANDBOXES; i++) {
        monitor_free(boxes[i].m);
        cgroup_free(boxes[i].cg);
        waitpid(boxes[i].pid, NULL, 0);
    }
}

/*
 * Memory per sandbox, charged to this process: it moves into a leaf memory
 * cgroup of its own while the sandbox cgroups are created as its siblings
 * (through a directory of symlinks given as the v1 parent), so that the
 * leaf's charge is the supervisor's alone.
 */
static void phase_memory(void)
{
    static struct box boxes[N_SANDBOXES];
    struct cgroup_limits limits = bench_limits();
    struct cgroup_config cfg = { 0 };
    char own[512], leaf[600], links[64], path[700], pidbuf[32];
    struct cgroup *probe = NULL;
    const char *mem;
    uint64_t charge0, charge1, charge2;
    size_t heap0, heap1, heap2;
    int fds0, fds1;
    qfs_usage u;

    if (cgroup_new(NULL, &limits, &probe, NULL) < 0)
        return;
    mem = cgroup_v1_path(probe, "memory");
    if (!mem) {
        printf("\n3. memory per sandbox: no v1 memory cgroup to charge (%s)\n",
            cgroup_describe(probe));
        cgroup_free(probe);
        return;
    }
    snprintf(own, sizeof(own), "%s", mem);
    *strrchr(own, '/') = '\0';
    snprintf(links, sizeof(links), "/tmp/qfs-bench-%d", (int)getpid());
    mkdir(links, 0700);
    snprintf(path, sizeof(path), "%s/memory", links);
    if (symlink(own, path) < 0)
        perror("symlink");
    if (cgroup_v1_path(probe, "pids")) {
        char pids[512];

        snprintf(pids, sizeof(pids), "%s", cgroup_v1_path(probe, "pids"));
        *strrchr(pids, '/') = '\0';
        snprintf(path, sizeof(path), "%s/pids", links);
        if (symlink(pids, path) < 0)
            perror("symlink");
    }
    if (cgroup_v2_path(probe)) {
        static char v2[512];

        snprintf(v2, sizeof(v2), "%s", cgroup_v2_path(probe));
        *strrchr(v2, '/') = '\0';
        cfg.v2_parent = v2;
    }
    cgroup_free(probe);
    cfg.v1_parent = links;

    snprintf(leaf, sizeof(leaf), "%s/qfs-bench-supervisor", own);
    if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
        perror(leaf);
        return;
    }
    snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
    snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
    if (write_file(path, pidbuf) < 0) {
        perror(path);
        return;
    }
    snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", leaf);

    malloc_trim(0);
    heap0 = mallinfo2().uordblks;
    fds0 = count_fds();
    charge0 = read_u64_file(path);
    for (int i = 0; i < N_SANDBOXES; i++) {
        if (cgroup_new(&cfg, &limits, &boxes[i].cg, NULL) < 0
            || monitor_new(boxes[i].cg, getpid(), &boxes[i].m) < 0)
            exit(1);
        monitor_add_disk_fs(boxes[i].m, "/dev/shm");
    }
    heap1 = mallinfo2().uordblks;
    fds1 = count_fds();
    charge1 = read_u64_file(path);
    for (int i = 0; i < N_SANDBOXES; i++)
        monitor_sample(boxes[i].m, MONITOR_SAMPLE_FULL, &u);
    heap2 = mallinfo2().uordblks;
    charge2 = read_u64_file(path);

    printf("\n3. supervisor memory per sandbox (%d sandboxes, %s)\n", N_SANDBOXES,
        cgroup_describe(boxes[0].cg));
    printf("  heap (struct cgroup, struct monitor, paths, pid buffer): %7.0f B\n",
        (double)(heap2 - heap0) / N_SANDBOXES);
    printf("  descriptors: %.1f per sandbox (raise RLIMIT_NOFILE accordingly)\n",
        (double)(fds1 - fds0) / N_SANDBOXES);
    printf("  memory cgroup charge after creation:  %7.0f B  (mkdir'd cgroups, open files)\n",
        (double)(charge1 - charge0) / N_SANDBOXES);
    printf("  memory cgroup charge after a sample:  %7.0f B  (target <= 65536 B)\n",
        (double)(charge2 - charge0) / N_SANDBOXES);
    printf("    of which the first read of the counters: %5.0f B\n",
        (double)(charge2 - charge1) / N_SANDBOXES);
    (void)heap1;

    for (int i = 0; i < N_SANDBOXES; i++) {
        monitor_free(boxes[i].m);
        cgroup_free(boxes[i].cg);
    }
    /* Back to where we came from; remove the leaf and the links. */
    snprintf(path, sizeof(path), "%s/cgroup.procs", own);
    write_file(path, pidbuf);
    rmdir(leaf);
    snprintf(path, sizeof(path), "%s/memory", links);
    unlink(path);
    snprintf(path, sizeof(path), "%s/pids", links);
    unlink(path);
    rmdir(links);
}

int main(void)
{
    struct rlimit rl = { 65536, 65536 };

    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (geteuid() != 0)
        printf("(not root: cgroups are not writable, the figures are for rlimits only)\n");
    phase_sampling();
    phase_memory();
    return 0;
}
