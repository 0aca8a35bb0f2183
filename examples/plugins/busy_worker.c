/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An example plugin that keeps a sandbox busy: every 100 ms it allocates
 * (and touches) "step_mb" MiB more and burns about 20 ms of CPU, for
 * "seconds" seconds (0: forever).  With "max_mb", it frees everything when it
 * holds that much and grows again (a saw tooth for dashboards).  Arguments
 * arrive as the facade passes them: `--args {"seconds":4,"step_mb":2}`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long number(const char *json, const char *name, long fallback)
{
    char key[64];
    snprintf(key, sizeof(key), "\"%s\":", name);
    const char *at = json ? strstr(json, key) : NULL;
    return at ? strtol(at + strlen(key), NULL, 10) : fallback;
}

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *json = argc == 3 && strcmp(argv[1], "--args") == 0 ? argv[2] : NULL;
    const long seconds = number(json, "seconds", 10);
    const size_t step = (size_t)number(json, "step_mb", 1) << 20;
    const size_t max = (size_t)number(json, "max_mb", 0) << 20;
    const double start = now(CLOCK_MONOTONIC);
    char *blocks[4096];
    size_t n = 0, total = 0, peak = 0;

    while (seconds == 0 || now(CLOCK_MONOTONIC) - start < seconds) {
        if ((max && total + step > max) || n == sizeof(blocks) / sizeof(blocks[0])) {
            while (n)
                free(blocks[--n]);
            total = 0;
        }
        char *block = malloc(step);
        if (block) {
            memset(block, 1, step); /* kept: the point is to grow */
            blocks[n++] = block;
            total += step;
            peak = total > peak ? total : peak;
        }
        const double spin = now(CLOCK_PROCESS_CPUTIME_ID);
        while (now(CLOCK_PROCESS_CPUTIME_ID) - spin < 0.02) { }
        struct timespec pause = { 0, 80 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    printf("peak %zu MiB\n", peak >> 20);
    return 0;
}
