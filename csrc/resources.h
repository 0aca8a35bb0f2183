/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sandbox's resources during a run: the cgroup backends (cgroup.c) and the
 * monitor (monitor.c) wired into the sandbox and its loop.
 *
 * Per run, called by sandbox.c:
 *
 *   resources_prepare()   before the launch: creates the cgroups (or takes
 *                         the last run's, see cgroup_reuse()), hands the
 *                         launcher the CLONE_INTO_CGROUP directory, the v1
 *                         cgroup.procs descriptors and the rlimits, and
 *                         installs the kill hook (cgroup.kill).
 *   resources_started()   once the plugin runs: the monitor, the sampling
 *                         timer (policy monitor_interval_ms), the CPU budget
 *                         timer, the OOM and pids.max event sources.
 *   resources_exit()      when the main process has ended, before its status
 *                         is decided: a limit the kernel enforced (an OOM
 *                         kill, a refused fork) becomes the run's status, and
 *                         a last full sample fixes the final usage.
 *   resources_release()   at the end of the run: kills what is left in the
 *                         cgroups, which stay for the next run.
 *   resources_free()      with the sandbox: removes the cgroups.
 *
 * Limits and how they end a run (each with one limit_exceeded event):
 *   memory        the cgroup holds it (no overshoot); the OOM event ends the
 *                 whole sandbox.  Without a memory controller, sampled
 *                 resident memory above the limit ends it (overshoot up to
 *                 one interval), RLIMIT_DATA far behind as a backstop.
 *   processes     pids.max refuses the fork; the refusal ends the sandbox
 *                 (v2: pids.events notifies; v1: checked every sample).
 *                 Without a pids controller, RLIMIT_NPROC in the plugin's
 *                 own user namespace refuses it and a sample that finds
 *                 the sandbox at its limit ends it.
 *   cpu_time      a timer armed for the earliest moment the budget could be
 *                 spent (remaining / CPUs usable), re-armed until it is;
 *                 RLIMIT_CPU a second later per process as a backstop.
 *   disk_space    the private /tmp is a tmpfs of that size and RLIMIT_FSIZE
 *                 bounds each file; sampled usage above the limit (private
 *                 /tmp plus the growth of writable allowed directories) ends
 *                 the sandbox.
 *   file_handles  RLIMIT_NOFILE per process; sampled descriptors of all
 *                 processes above the limit end the sandbox.
 *
 * A host without usable cgroups is not refused: each limit falls to the
 * next rung and the report says which backend held it (the probe does not
 * count cgroups among the layers a level needs).
 */
#ifndef QFS_RESOURCES_H
#define QFS_RESOURCES_H

#include <stdbool.h>

#include <qfsandbox/sandbox.h>

struct resources;

/* Return: 0, -ENOMEM, with @err. */
int resources_prepare(qfs_sandbox *sb, qfs_error *err);

/* The launcher goes on without a user namespace: RLIMIT_NPROC would then
 * count every process of the uid, so it is dropped from the plan. */
void resources_no_user_ns(qfs_sandbox *sb);

/* Return: 0, or -errno when a timer or source could not be set up (the
 * caller then ends the run: nothing may run unwatched). */
int resources_started(qfs_sandbox *sb);

/* Return: false when a callback freed @sb. */
bool resources_exit(qfs_sandbox *sb);

/* resources_sample() - a full sample now into sb->usage (no callback). */
void resources_sample(qfs_sandbox *sb);

/* Whether a cgroup holds the memory figures (then they are the cgroup's
 * charge and peak, not resident set sizes). */
bool resources_memory_from_cgroup(const qfs_sandbox *sb);

void resources_release(qfs_sandbox *sb);
/* resources_idle() - between runs: gives up the cgroups kept for the next
 * run (it makes new ones); no-op while a run is on. */
void resources_idle(qfs_sandbox *sb);
void resources_free(qfs_sandbox *sb);

/* For the report: who held @resource in the last run ("cgroup2" ...), or
 * NULL when nothing was prepared; and what engaged, in words. */
const char *resources_backend(const qfs_sandbox *sb, qfs_resource resource);
const char *resources_kill_backend(const qfs_sandbox *sb);
const char *resources_describe(const qfs_sandbox *sb);

#endif /* QFS_RESOURCES_H */
