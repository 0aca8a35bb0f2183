/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — the supervision loop.
 *
 * The library owns no threads.  A qfs_loop is one epoll descriptor that
 * gathers, for every sandbox attached to it, the plugin's pidfd (exit), the
 * seccomp notification descriptor (violations, network mediation), cgroup
 * event watches (OOM), the pipes of captured output, and one timerfd for all
 * deadlines (sampling, CPU budget, execution timeout).
 *
 * Embedding in a foreign loop takes three calls:
 *
 *     int fd = qfs_loop_get_fd(loop);          // poll it for POLLIN
 *     int ms = qfs_loop_get_timeout(loop);     // or rely on the fd alone
 *     qfs_loop_dispatch(loop);                 // when readable or timed out
 *
 * qfs_loop_dispatch() never blocks.  Sandbox callbacks fire only inside it.
 * Children are reaped with waitid(P_PIDFD): the library installs no SIGCHLD
 * handler and never calls waitpid(-1), so it lives beside QProcess, GLib or
 * any other code that has children of its own.
 *
 * Lifecycle: qfs_loop_new(), attach sandboxes (qfs_sandbox_new() takes the
 * loop), dispatch, qfs_loop_free().  The loop is reference-counted by its
 * sandboxes: qfs_loop_free() drops the caller's reference, and the loop is
 * destroyed when its last sandbox is freed.
 *
 * Threading: a loop and its sandboxes belong to one thread at a time; none of
 * these calls may run concurrently on the same loop.  Distinct loops are
 * independent.
 */
#ifndef QFSANDBOX_LOOP_H
#define QFSANDBOX_LOOP_H

#include <qfsandbox/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qfs_loop qfs_loop;

/**
 * qfs_loop_new() - an empty loop.
 * @ret: receives the loop; the caller holds one reference (qfs_loop_free()).
 * Return: 0, -ENOMEM, -EMFILE.
 */
QFS_EXPORT int qfs_loop_new(qfs_loop **ret);

/** qfs_loop_free() - drop the caller's reference.  NULL-safe; returns NULL. */
QFS_EXPORT qfs_loop *qfs_loop_free(qfs_loop *loop);

/**
 * qfs_loop_get_fd() - the descriptor to poll for input.  Owned by the loop;
 * do not close it.  Valid until the loop is destroyed.
 */
QFS_EXPORT int qfs_loop_get_fd(const qfs_loop *loop);

/**
 * qfs_loop_get_timeout() - milliseconds until the loop's next deadline
 * (rounded up), 0 when work is already pending, -1 when there is none.  The
 * fd also becomes readable at every deadline, so hosts may ignore this.
 */
QFS_EXPORT int qfs_loop_get_timeout(const qfs_loop *loop);

/**
 * qfs_loop_dispatch() - handle everything that is ready, firing callbacks.
 * Never blocks.  A callback may free any sandbox, including its own.
 * Return: the number of events handled (>= 0), or -errno on a failure of the
 * loop itself (not of a sandbox).
 */
QFS_EXPORT int qfs_loop_dispatch(qfs_loop *loop);

/**
 * qfs_loop_run() - for programs without a loop of their own: poll and
 * dispatch until no sandbox attached to @loop is running.
 * Return: 0, or -errno from polling or dispatch.
 */
QFS_EXPORT int qfs_loop_run(qfs_loop *loop);

/**
 * qfs_loop_run_for() - as qfs_loop_run(), but return after at most
 * @timeout_ms (then with -ETIMEDOUT if sandboxes still run).
 */
QFS_EXPORT int qfs_loop_run_for(qfs_loop *loop, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_LOOP_H */
