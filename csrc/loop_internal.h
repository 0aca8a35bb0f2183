/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the supervision loop: descriptor sources and deadlines.
 *
 * A source is one descriptor in the loop's epoll set with a handler.  A
 * timer is one deadline on CLOCK_MONOTONIC; all timers share the loop's one
 * timerfd, which is armed for the earliest of them (a binary min-heap).
 *
 * Handlers run only inside qfs_loop_dispatch().  A handler may free any
 * source or timer, its own included: a freed source is taken out of the
 * epoll set at once and its memory is released only after the current
 * dispatch, so that events already fetched for it in the same batch are
 * recognised and skipped.  A freed timer leaves the heap at once and is
 * never touched by the loop again.
 *
 * Sandboxes, the monitor and the cgroup watches plug in here.
 */
#ifndef QFS_LOOP_INTERNAL_H
#define QFS_LOOP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <qfsandbox/loop.h>

struct loop_source;
struct loop_timer;

/* @revents: the epoll events that fired (EPOLLIN, EPOLLHUP, ...). */
typedef void (*loop_source_fn)(struct loop_source *src, uint32_t revents, void *userdata);
typedef void (*loop_timer_fn)(struct loop_timer *timer, void *userdata);

/*
 * loop_source_new() - watch @fd for @events (EPOLLIN ...).  The descriptor
 * stays the caller's: the loop never closes it, and the caller must free the
 * source before closing it.
 * Return: 0 with *ret, -ENOMEM, or the epoll_ctl() error.
 */
int loop_source_new(qfs_loop *loop, int fd, uint32_t events, loop_source_fn fn, void *userdata,
		    struct loop_source **ret);
/* Stops watching.  NULL-safe; returns NULL. */
struct loop_source *loop_source_free(struct loop_source *src);
int loop_source_fd(const struct loop_source *src);
/* Watch for @events instead.  Return: 0 or the epoll_ctl() error. */
int loop_source_set_events(struct loop_source *src, uint32_t events);

/* loop_timer_new() - a disarmed timer.  Return: 0 with *ret, -ENOMEM. */
int loop_timer_new(qfs_loop *loop, loop_timer_fn fn, void *userdata, struct loop_timer **ret);
/* Fires once when CLOCK_MONOTONIC reaches @deadline_usec (re-arming moves it). */
int loop_timer_arm(struct loop_timer *timer, uint64_t deadline_usec);
void loop_timer_disarm(struct loop_timer *timer);
bool loop_timer_armed(const struct loop_timer *timer);
/* Disarms and frees.  NULL-safe; returns NULL. */
struct loop_timer *loop_timer_free(struct loop_timer *timer);

/* Reference counting by the objects attached to the loop (sandboxes). */
qfs_loop *loop_ref(qfs_loop *loop);
qfs_loop *loop_unref(qfs_loop *loop);

/* How many attached objects are running; qfs_loop_run() returns at zero. */
void loop_running_inc(qfs_loop *loop);
void loop_running_dec(qfs_loop *loop);

/*
 * loop_run_while() - poll and dispatch while @keep_going(@userdata) holds,
 * for at most @timeout_ms (-1: no limit).  @keep_going is asked before
 * every round, after the callbacks of the last one.
 * Return: 0, -ETIMEDOUT, or -errno from polling or dispatch.
 */
int loop_run_while(qfs_loop *loop, int timeout_ms, bool (*keep_going)(void *userdata),
		   void *userdata);

/* CLOCK_MONOTONIC now, in microseconds. */
uint64_t loop_now_usec(void);

#endif /* QFS_LOOP_INTERNAL_H */
