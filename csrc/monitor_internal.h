/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resource monitor: what a sandbox uses, sampled cheaply.
 *
 * Lifecycle, one struct monitor per run:
 *
 *   monitor_new(cg, pid)       after the plugin has started; @cg may be NULL
 *   monitor_add_disk_dir()     directories whose files count as disk usage
 *   monitor_add_disk_fs()      a file system that belongs to the sandbox
 *                              alone (its private /tmp tmpfs): statfs()
 *   monitor_sample()           on the loop's sampling timer
 *   monitor_set_connections()  by the network mediator
 *   monitor_free()
 *
 * Where each figure comes from:
 *
 *   cpu time      the cgroup (cpu.stat usage_usec, cpuacct.usage), else the
 *                 process tree: each live process's CPU clock plus the
 *                 cutime/cstime of the children it reaped.
 *   memory        the cgroup's charge (memory.current, usage_in_bytes) and
 *                 its peak (memory.peak, max_usage_in_bytes), else the sum
 *                 of resident sets over the processes, peak = highest sum.
 *   processes     the pids of the cgroup's cgroup.procs, else the tree below
 *                 the main pid (/proc/PID/task/TID/children).  Without a
 *                 cgroup, a process that double-forks away from the tree is
 *                 no longer seen.
 *   descriptors   per process, stat("/proc/PID/fd").st_size (Linux >= 6.2
 *                 returns the count), or reading the directory when it is 0.
 *   disk          statfs() of the sandbox's own file systems, plus the
 *                 allocated blocks (st_blocks) of every file under the
 *                 directories, walked at most monitor_disk_budget entries
 *                 per sample; a walk that does not finish carries on at the
 *                 next sample, and until it ends the larger of the last
 *                 complete walk and the partial one is reported.  The walk
 *                 stays on the directory's file system, follows no symlink,
 *                 and counts a file with several hard links once per link.
 *   connections   what the mediator reports.
 *
 * Cost: the cgroup counters are descriptors opened once and read with
 * pread(); /proc/PID of the main process is held open.  The walk holds one
 * descriptor per directory level it is inside (at most 64).
 *
 * Threading: a monitor belongs to one thread at a time.
 */
#ifndef QFS_MONITOR_INTERNAL_H
#define QFS_MONITOR_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include <qfsandbox/sandbox.h>

#include "cgroup.h"

struct monitor;

/* Entries the disk walk visits per sample, by default. */
#define MONITOR_DISK_BUDGET 256
#define MONITOR_DISK_DEPTH  64

/**
 * monitor_new() - a monitor for the sandbox whose main process is @pid.
 * @cg:  the sandbox's cgroup, borrowed (must outlive the monitor), or NULL.
 * @pid: the main process, or 0 to give it later with monitor_set_pid()
 *       (disk baselines can be taken before the plugin starts).
 * @ret: receives the monitor; the caller owns it.
 * Return: 0, -ESRCH (no such process), -ENOMEM, -EINVAL.
 */
int monitor_new(struct cgroup *cg, pid_t pid, struct monitor **ret);

/**
 * monitor_set_pid() - the main process, once it runs; wall time counts
 * from here.  Return: 0, -ESRCH, -EINVAL.
 */
int monitor_set_pid(struct monitor *m, pid_t pid);

/** monitor_free() - NULL-safe; returns NULL. */
struct monitor *monitor_free(struct monitor *m);

/**
 * monitor_add_disk_dir() - count the files under @path (copied).
 * Return: 0, -errno when @path cannot be opened as a directory, -ENOMEM.
 */
int monitor_add_disk_dir(struct monitor *m, const char *path);

/**
 * monitor_add_disk_fs() - count the used blocks of the file system at
 * @path, which must belong to the sandbox alone.  Return: 0, -errno.
 */
int monitor_add_disk_fs(struct monitor *m, const char *path);

/** monitor_set_disk_budget() - entries walked per sample (>= 1). */
void monitor_set_disk_budget(struct monitor *m, unsigned entries);

/**
 * monitor_set_disk_growth() - count, for the walked directories, only what
 * they grew since the first complete pass (host directories the plugin may
 * write to hold the host's files too).  Until that pass ends they count 0;
 * what the plugin writes during it becomes part of the baseline.
 */
void monitor_set_disk_growth(struct monitor *m, bool on);

/**
 * monitor_disk_baseline() - turn growth counting on and walk the
 * directories now, up to @budget entries, so that the baseline is taken
 * before the plugin writes anything.  A walk that does not finish within
 * @budget carries on at the next samples and the baseline is taken then.
 * Return: 0 when the baseline is set, -EAGAIN when the walk goes on.
 */
int monitor_disk_baseline(struct monitor *m, unsigned budget);

/** monitor_set_connections() - open mediated connections now. */
void monitor_set_connections(struct monitor *m, uint32_t open);

/* Flags for monitor_sample(). */
#define MONITOR_SAMPLE_FULL (1u << 0) /* no idle fast path: look at everything */
/* An idle sandbox is looked at fully at least every this many samples. */
#define MONITOR_FULL_EVERY 16

/**
 * monitor_sample() - measure now.
 *
 * With a cgroup that accounts CPU time, a sandbox that used none since the
 * last full sample is idle: only its CPU counter and disk are read, and the
 * processes, descriptors and memory of the last full sample are kept (an
 * idle sandbox cannot have changed them, except memory shrinking under
 * reclaim).  Every MONITOR_FULL_EVERY-th sample, and any sample with
 * MONITOR_SAMPLE_FULL, looks at everything.
 *
 * @flags: 0 or MONITOR_SAMPLE_FULL.
 * @ret:   receives the sample (peaks are over the monitor's life).
 * Return: 0; -ESRCH when no process of the sandbox is left to look at
 * (@ret then holds the last figures with processes 0), -EINVAL.
 */
int monitor_sample(struct monitor *m, unsigned flags, qfs_usage *ret);

/** monitor_last() - the latest sample, without measuring. */
const qfs_usage *monitor_last(const struct monitor *m);

/** Byte-precise figures of the latest sample. */
uint64_t monitor_disk_bytes(const struct monitor *m);
uint64_t monitor_memory_bytes(const struct monitor *m);

/**
 * monitor_cpu_usec() - CPU time of the sandbox now, the cheapest way (for
 * the CPU budget timer).  Return: microseconds, or -errno.
 */
int64_t monitor_cpu_usec(struct monitor *m);

/* ---- /proc parsing, exposed for the unit tests ---- */

struct proc_stat {
	char state;
	pid_t ppid;
	uint64_t utime, stime, cutime, cstime; /* clock ticks */
	uint64_t num_threads;
	uint64_t starttime; /* clock ticks after boot */
	uint64_t vsize;	    /* bytes */
	uint64_t rss;	    /* pages */
};

/**
 * monitor_parse_proc_stat() - /proc/PID/stat.  The command name may hold
 * spaces and parentheses; it ends at the last ')'.
 * Return: 0, -EINVAL.
 */
int monitor_parse_proc_stat(const char *buf, size_t len, struct proc_stat *ret);

/** monitor_parse_meminfo() - "Key:   123 kB" in /proc/meminfo or status, in bytes. */
int monitor_parse_meminfo(const char *buf, size_t len, const char *key, uint64_t *ret);

/** monitor_parse_cpu_busy() - busy clock ticks of the "cpu " line of /proc/stat. */
int monitor_parse_cpu_busy(const char *buf, size_t len, uint64_t *ret);

#endif /* QFS_MONITOR_INTERNAL_H */
