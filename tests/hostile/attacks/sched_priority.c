/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: take the CPUs and the disk from the host by priority: a real-time
 * scheduling class (SCHED_FIFO at the top priority would starve everything
 * else on its CPU), a negative nice value, the real-time I/O class.
 * Why it fails: each needs CAP_SYS_NICE / CAP_SYS_ADMIN (RLIMIT_RTPRIO is
 * 0 for unprivileged processes).  The runner reads the scheduling policy
 * and nice value of the plugin from /proc/PID/stat while it holds.
 */
#include "../hostile.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    struct sched_param sp = { .sched_priority = 99 };
    attempt("SCHED_FIFO 99", sched_setscheduler(0, SCHED_FIFO, &sp));
    attempt("SCHED_RR 1", sched_setscheduler(0, SCHED_RR, &(struct sched_param) { 1 }));
    attempt("nice -20", setpriority(PRIO_PROCESS, 0, -20));
    attempt("ioprio RT", syscall(SYS_ioprio_set, 1 /* WHO_PROCESS */, 0, (1 << 13) | 0));
    return finish();
}
