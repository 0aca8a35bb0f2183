/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — usage of processes that are not sandboxed.
 *
 * Sandboxes measure themselves (qfs_sandbox_sample()).  These functions
 * measure any process or the whole system, for the Qt
 * SandboxResourceMonitor.  Stateless; safe from any thread.
 */
#ifndef QFSANDBOX_MONITOR_H
#define QFSANDBOX_MONITOR_H

#include <sys/types.h>

#include <qfsandbox/sandbox.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * qfs_process_usage() - CPU time, resident memory, open descriptors and
 * process start time (CLOCK_MONOTONIC ms) of @pid, from /proc.  Fields that
 * do not apply to a single process are 0.
 * Return: 0, -ESRCH (no such process), -EACCES, -EIO.
 */
QFS_EXPORT int qfs_process_usage(pid_t pid, qfs_usage *ret);

/**
 * qfs_system_usage() - the system as a whole: CPU time of all CPUs since
 * boot, memory in use, disk space used on the file system holding /tmp.
 * Return: 0, -EIO.
 */
QFS_EXPORT int qfs_system_usage(qfs_usage *ret);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_MONITOR_H */
