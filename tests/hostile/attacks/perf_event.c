/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: perf_event_open, a large kernel interface with a history of
 * privilege escalations and a side channel into other processes: a
 * counter on itself, one on every process of a CPU, one on the victim,
 * and a kernel-space one; the descriptors are kept for the runner.
 * Why it fails: perf_event_open is in the baseline deny-list from Limited
 * up.  The control run (Unrestricted) gets the counter on itself.
 */
#include "../hostile.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>

static void open_event(const char *what, pid_t pid, int cpu, int exclude_kernel)
{
    struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE,
        .size = sizeof(a),
        .config = PERF_COUNT_SW_CPU_CLOCK,
        .exclude_kernel = (unsigned)exclude_kernel,
        .exclude_hv = 1 };
    attempt(what, syscall(SYS_perf_event_open, &a, pid, cpu, -1, 0));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    open_event("perf on itself", 0, -1, 1);
    open_event("perf on cpu 0, every process", -1, 0, 1);
    open_event("perf on the victim", (pid_t)arg_num("victim", 1), -1, 1);
    open_event("perf in kernel space", 0, -1, 0);
    return finish();
}
