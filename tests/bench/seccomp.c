/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cost of the enforcer's filter and listener, per syscall, all in the
 * same run: a hot allowed syscall (getppid), an allowed open for reading,
 * an allowed open for writing and an open the enforcer refuses, each timed
 * by qfs-bench-syscalls
 *   - with no filter at all,
 *   - under a filter of one instruction (RET ALLOW): the baseline,
 *   - under each level, inside a real sandbox whose supervisor is this
 *     process (reads are reported, so every open reaches the listener),
 *   - under Sandboxed without allowed_directories (reads not reported: only
 *     the open for writing reaches the listener).
 * Prints nanoseconds per call, and what each level adds to the baseline:
 * the targets are < 20 us per open, and nothing measurable for a
 * hot allowed syscall (the kernel's seccomp cache allows it without running
 * the filter).
 *
 *   seccomp [N_HOT [N_OPEN]]    (default 2000000 and 20000)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

struct figures
{
    double getppid, read, write, denied; /* wall ns per call */
    double cpu[4]; /* the plugin's CPU ns per call, same order */
    double supervisor; /* the supervisor's CPU ns per notification */
};

static int parse(const char *text, struct figures *f)
{
    f->supervisor = -1;
    int n = sscanf(text, "%lf %lf %lf %lf %lf %lf %lf %lf", &f->getppid, &f->read, &f->write,
        &f->denied, &f->cpu[0], &f->cpu[1], &f->cpu[2], &f->cpu[3]);
    return n == 8 ? 0 : -1;
}

static double cpu_self_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9
        + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* Runs the helper outside any sandbox. */
static int run_plain(char *const argv[], struct figures *f)
{
    int p[2];
    char buf[256] = { 0 };

    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return parse(buf, f);
}

/* Runs the helper inside a sandbox of @policy; this process supervises. */
static int run_sandboxed(const qfs_policy *policy, const char *const *args, struct figures *f,
    uint64_t *violations, long notifications)
{
    qfs_loop *loop = NULL;
    qfs_sandbox *sb = NULL;
    qfs_error err = { 0 };
    double c0 = cpu_self_ns();
    int r = qfs_loop_new(&loop);

    if (r == 0)
        r = qfs_sandbox_new(loop, policy, &sb, &err);
    if (r == 0)
        r = qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_BENCH_SYSCALLS, args, &err);
    if (r == 0)
        r = qfs_sandbox_wait(sb, 120000);
    if (r < 0) {
        fprintf(stderr, "seccomp: sandbox: %s\n", err.message[0] ? err.message : strerror(-r));
    } else {
        const char *out = NULL;
        size_t len = 0;
        char buf[256] = { 0 };
        qfs_sandbox_get_output(sb, 1, &out, &len, NULL);
        memcpy(buf, out, len < sizeof(buf) - 1 ? len : sizeof(buf) - 1);
        r = parse(buf, f);
        /* Setting the sandbox up is in there too, a few milliseconds
         * against tens of thousands of notifications. */
        f->supervisor = (cpu_self_ns() - c0) / (double)notifications;
        if (r < 0) {
            const char *e = NULL;
            size_t elen = 0;
            qfs_sandbox_get_output(sb, 2, &e, &elen, NULL);
            fprintf(stderr, "seccomp: the helper said: %.*s\n", (int)elen, e);
        }
        *violations = 0;
        for (size_t i = 0; i < qfs_sandbox_violation_count(sb, NULL); i++)
            *violations += qfs_sandbox_get_violation(sb, i)->count;
    }
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
    return r;
}

static void cpu_row(const char *name, const struct figures *f)
{
    printf("%-34s %9.1f %11.1f %11.1f %12.1f", name, f->cpu[0], f->cpu[1], f->cpu[2], f->cpu[3]);
    if (f->supervisor >= 0)
        printf("   %8.2f us", f->supervisor / 1e3);
    printf("\n");
}

static void row(const char *name, const struct figures *f, const struct figures *base)
{
    printf("%-34s %9.1f %11.1f %11.1f %12.1f", name, f->getppid, f->read, f->write, f->denied);
    if (base && f != base)
        printf("   %+7.1f ns %+8.2f us %+8.2f us %+8.2f us", f->getppid - base->getppid,
            (f->read - base->read) / 1e3, (f->write - base->write) / 1e3,
            f->denied < 0 ? 0.0 : (f->denied - base->denied) / 1e3);
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *hot = argc > 1 ? argv[1] : "2000000";
    const char *n = argc > 2 ? argv[2] : "20000";
    char dir[] = "/var/tmp/qfs-bench-seccomp-XXXXXX";
    char allowed[128], rd[256], wr[256], denied[256];

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    chmod(dir, 0755);
    snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
    mkdir(allowed, 0777);
    chmod(allowed, 0777);
    snprintf(rd, sizeof(rd), "%s/read.txt", allowed);
    snprintf(wr, sizeof(wr), "%s/write.txt", allowed);
    /* In no directory at all: the kernel says ENOENT where there is no
     * filter, the enforcer says EACCES (and reports) where there is. */
    snprintf(denied, sizeof(denied), "%s/missing/denied.txt", dir);
    /* The plugin runs as nobody when we are root: both open for all. */
    for (const char *f = rd; f; f = f == rd ? wr : NULL) {
        int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd >= 0)
            close(fd);
        chmod(f, 0666);
    }

    struct figures none, one;
    char *plain[] = { (char *)QFS_BENCH_SYSCALLS, (char *)hot, (char *)n, rd, wr, denied, NULL };
    char *insn[] = { (char *)QFS_BENCH_SYSCALLS, (char *)"--one-insn", (char *)hot, (char *)n, rd,
        wr, denied, NULL };
    if (run_plain(plain, &none) < 0 || run_plain(insn, &one) < 0) {
        fprintf(stderr, "seccomp: the helper failed\n");
        return 1;
    }

    printf("seccomp cost per call (ns; %s getppid, %s of each open+close), same run\n", hot, n);
    printf("%-34s %9s %11s %11s %12s   %s\n", "", "getppid", "open(read)", "open(write)",
        "open(denied)", "added to the 1-insn filter");
    row("no filter", &none, NULL);
    row("1-instruction filter (baseline)", &one, NULL);

    static const struct
    {
        int level;
        bool dirs;
        const char *name;
    } configs[] = {
        { QFS_LEVEL_LIMITED, true, "limited (reads reported)" },
        { QFS_LEVEL_SANDBOXED, true, "sandboxed (reads reported)" },
        { QFS_LEVEL_SANDBOXED, false, "sandboxed (writes reported only)" },
        { QFS_LEVEL_STRICT, true, "strict (reads reported)" },
    };
    int rc = 0;
    struct figures results[sizeof(configs) / sizeof(configs[0])];
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        qfs_policy *p = NULL;
        struct figures f;
        uint64_t violations = 0;
        if (qfs_policy_new_builtin(qfs_level_name(configs[i].level), &p) < 0)
            return 1;
        qfs_policy_list_clear(p, QFS_LIST_ALLOWED_DIRECTORIES);
        qfs_policy_list_clear(p, QFS_LIST_BLOCKED_APIS);
        qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_READ, true);
        qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_WRITE, true);
        const char *r = rd, *w = wr;
        if (configs[i].dirs)
            qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, allowed);
        else {
            r = "/etc/ld.so.cache"; /* a runtime path: readable everywhere */
            w = "/tmp/write.txt"; /* the private /tmp */
        }
        /* Under Strict the first refused open would end the helper. */
        const char *d = configs[i].level == QFS_LEVEL_STRICT ? "-" : denied;
        const char *args[] = { hot, n, r, w, d, NULL };
        /* What reaches the listener: the opens (and the warm-up's) that
         * are reported. */
        long notified = (configs[i].dirs ? 2 * (atol(n) + 100) : atol(n) + 100)
            + (strcmp(d, "-") ? atol(n) : 0);
        results[i].supervisor = -1;
        if (run_sandboxed(p, args, &f, &violations, notified) < 0) {
            rc = 1;
        } else {
            results[i] = f;
            row(configs[i].name, &f, &one);
            if (strcmp(d, "-") && violations != (uint64_t)atol(n) + 0)
                fprintf(stderr, "seccomp: %s: %llu violations recorded, expected %s\n",
                    configs[i].name, (unsigned long long)violations, n);
        }
        qfs_policy_free(p);
    }
    printf("target: < 20 us added per open; getppid: the kernel's seccomp cache allows it "
           "without running the filter\n");

    /* CPU time: what the plugin's thread and the supervisor spend, which a
     * busy machine (waiting for a CPU) does not inflate. */
    printf("\nCPU ns per call in the plugin's thread, and the supervisor's CPU per "
           "notification\n");
    printf("%-34s %9s %11s %11s %12s   %s\n", "", "getppid", "open(read)", "open(write)",
        "open(denied)", "supervisor");
    cpu_row("no filter", &none);
    cpu_row("1-instruction filter (baseline)", &one);
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
        if (results[i].supervisor >= 0)
            cpu_row(configs[i].name, &results[i]);

    unlink(rd);
    unlink(wr);
    rmdir(allowed);
    rmdir(dir);
    return rc;
}
