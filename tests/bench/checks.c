/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path decisions per second: warm (the same 64 paths asked again and again,
 * answered from the policy's cache) against cold (every path new, so every
 * answer is computed: normalisation, the runtime table, the allowed
 * directories), in the same run.  Target: >= 5 million warm checks/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <qfsandbox/enforcer.h>

#define WARM_PATHS 64

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static qfs_policy *bench_policy(void)
{
    static const char *const dirs[] = { "/srv/plugins/data", "/var/cache/plugin",
        "/home/user/.cache/plugin", "/opt/plugin/share" };
    qfs_policy *p;

    if (qfs_policy_new_builtin("sandboxed", &p) < 0)
        exit(1);
    qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_READ, true);
    qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_WRITE, true);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, dirs[i]);
    return p;
}

int main(void)
{
    static char warm[WARM_PATHS][96];
    const long warm_n = 20000000, cold_n = 1000000;
    qfs_policy *p = bench_policy();
    volatile long allowed = 0;
    double t0, warm_s, cold_s;
    char path[96];

    for (int i = 0; i < WARM_PATHS; i++)
        snprintf(warm[i], sizeof(warm[i]), "%s/file-%02d.dat",
            i % 2 ? "/srv/plugins/data/sub" : "/usr/lib/x86_64-linux-gnu", i);

    t0 = now_s();
    for (long i = 0; i < warm_n; i++)
        allowed += qfs_policy_check_path(p, warm[i % WARM_PATHS], i & 1);
    warm_s = now_s() - t0;

    t0 = now_s();
    for (long i = 0; i < cold_n; i++) {
        snprintf(path, sizeof(path), "/srv/plugins/data/sub/./dir-%ld/../file-%ld", i, i);
        allowed += qfs_policy_check_path(p, path, i & 1);
    }
    cold_s = now_s() - t0;

    printf("path checks, warm cache: %.2f million/s (%ld checks, %.3f s)\n", warm_n / warm_s / 1e6,
        warm_n, warm_s);
    printf("path checks, cold (every path new): %.2f million/s (%ld checks, %.3f s)\n",
        cold_n / cold_s / 1e6, cold_n, cold_s);
    printf("warm/cold ratio: %.1fx; target warm >= 5 million/s: %s\n",
        (warm_n / warm_s) / (cold_n / cold_s), warm_n / warm_s >= 5e6 ? "met" : "NOT met");
    qfs_policy_free(p);
    return allowed < 0;
}
