/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervision loop: one epoll set, one timerfd, no threads, no signals.
 */
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

#include <qfsandbox/loop.h>

#include "loop_internal.h"
#include "util.h"

struct loop_source {
	qfs_loop *loop;
	int fd;
	loop_source_fn fn;
	void *userdata;
	bool dead;
	struct loop_source *next_dead;
};

struct loop_timer {
	qfs_loop *loop;
	uint64_t deadline_usec;
	size_t heap_index; /* SIZE_MAX while disarmed */
	loop_timer_fn fn;
	void *userdata;
};

struct qfs_loop {
	unsigned refs;
	int epoll_fd;
	int timer_fd;
	uint64_t timer_fd_deadline; /* what timer_fd is armed for, 0 = disarmed */
	unsigned running;
	bool dispatching;
	struct loop_source *dead; /* freed during dispatch, released after it */
	struct loop_timer **heap;
	size_t heap_len, heap_cap;
};

/* The timerfd's epoll entry carries this marker instead of a source. */
static char timer_marker;

uint64_t loop_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int qfs_loop_new(qfs_loop **ret)
{
	qfs_loop *loop;

	if (!ret)
		return -EINVAL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->refs = 1;
	loop->timer_fd = -1;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0)
		goto fail;
	loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (loop->timer_fd < 0)
		goto fail;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &timer_marker};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->timer_fd, &ev) < 0)
		goto fail;
	*ret = loop;
	return 0;
fail:;
	int r = -errno;
	close_safe(loop->timer_fd);
	close_safe(loop->epoll_fd);
	free(loop);
	return r;
}

static void loop_release_dead(qfs_loop *loop)
{
	while (loop->dead) {
		struct loop_source *s = loop->dead;
		loop->dead = s->next_dead;
		free(s);
	}
}

static void loop_destroy(qfs_loop *loop)
{
	loop_release_dead(loop);
	close_safe(loop->timer_fd);
	close_safe(loop->epoll_fd);
	/* Timers still in the heap belong to objects that outlive the loop
	 * only through a bug; detach them so that their free is harmless. */
	for (size_t i = 0; i < loop->heap_len; i++)
		loop->heap[i]->heap_index = SIZE_MAX;
	free(loop->heap);
	free(loop);
}

qfs_loop *loop_ref(qfs_loop *loop)
{
	loop->refs++;
	return loop;
}

qfs_loop *loop_unref(qfs_loop *loop)
{
	if (loop && --loop->refs == 0)
		loop_destroy(loop);
	return NULL;
}

qfs_loop *qfs_loop_free(qfs_loop *loop)
{
	return loop_unref(loop);
}

int qfs_loop_get_fd(const qfs_loop *loop)
{
	return loop ? loop->epoll_fd : -EINVAL;
}

void loop_running_inc(qfs_loop *loop)
{
	loop->running++;
}

void loop_running_dec(qfs_loop *loop)
{
	if (loop->running > 0)
		loop->running--;
}

/* Sources */

int loop_source_new(qfs_loop *loop, int fd, uint32_t events, loop_source_fn fn, void *userdata,
		    struct loop_source **ret)
{
	struct loop_source *src = calloc(1, sizeof(*src));

	if (!src)
		return -ENOMEM;
	*src = (struct loop_source){.loop = loop, .fd = fd, .fn = fn, .userdata = userdata};
	struct epoll_event ev = {.events = events, .data.ptr = src};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;
		free(src);
		return r;
	}
	*ret = src;
	return 0;
}

struct loop_source *loop_source_free(struct loop_source *src)
{
	if (!src)
		return NULL;
	qfs_loop *loop = src->loop;
	/* The descriptor may already be closed by a careless caller; the
	 * epoll entry then vanished with it, so an error here is harmless. */
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, src->fd, NULL);
	if (loop->dispatching) {
		src->dead = true;
		src->next_dead = loop->dead;
		loop->dead = src;
	} else {
		free(src);
	}
	return NULL;
}

int loop_source_fd(const struct loop_source *src)
{
	return src->fd;
}

int loop_source_set_events(struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = src};

	if (epoll_ctl(src->loop->epoll_fd, EPOLL_CTL_MOD, src->fd, &ev) < 0)
		return -errno;
	return 0;
}

/* Timers: a binary min-heap ordered by deadline. */

static void heap_swap(qfs_loop *loop, size_t a, size_t b)
{
	struct loop_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_index = a;
	loop->heap[b]->heap_index = b;
}

static void heap_up(qfs_loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->deadline_usec <= loop->heap[i]->deadline_usec)
			break;
		heap_swap(loop, parent, i);
		i = parent;
	}
}

static void heap_down(qfs_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < loop->heap_len &&
		    loop->heap[l]->deadline_usec < loop->heap[min]->deadline_usec)
			min = l;
		if (r < loop->heap_len &&
		    loop->heap[r]->deadline_usec < loop->heap[min]->deadline_usec)
			min = r;
		if (min == i)
			return;
		heap_swap(loop, i, min);
		i = min;
	}
}

static void heap_remove(qfs_loop *loop, struct loop_timer *t)
{
	size_t i = t->heap_index;

	if (i == SIZE_MAX)
		return;
	loop->heap_len--;
	if (i != loop->heap_len) {
		loop->heap[i] = loop->heap[loop->heap_len];
		loop->heap[i]->heap_index = i;
		heap_down(loop, i);
		heap_up(loop, i);
	}
	t->heap_index = SIZE_MAX;
}

/* Points the timerfd at the earliest deadline (or disarms it). */
static void loop_rearm(qfs_loop *loop)
{
	uint64_t next = loop->heap_len ? loop->heap[0]->deadline_usec : 0;

	if (next == loop->timer_fd_deadline)
		return;
	/* An absolute deadline of 0 would disarm the timer; a deadline in
	 * the past makes the timerfd readable at once, as wanted. */
	struct itimerspec its = {0};
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000000u);
		its.it_value.tv_nsec = (long)(next % 1000000u) * 1000;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(loop->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		loop->timer_fd_deadline = next;
}

int loop_timer_new(qfs_loop *loop, loop_timer_fn fn, void *userdata, struct loop_timer **ret)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*t = (struct loop_timer){
		.loop = loop, .heap_index = SIZE_MAX, .fn = fn, .userdata = userdata};
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, uint64_t deadline_usec)
{
	qfs_loop *loop = t->loop;

	if (t->heap_index == SIZE_MAX) {
		if (loop->heap_len == loop->heap_cap) {
			size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
			struct loop_timer **h = realloc(loop->heap, cap * sizeof(*h));
			if (!h)
				return -ENOMEM;
			loop->heap = h;
			loop->heap_cap = cap;
		}
		t->deadline_usec = deadline_usec;
		t->heap_index = loop->heap_len;
		loop->heap[loop->heap_len++] = t;
		heap_up(loop, t->heap_index);
	} else {
		t->deadline_usec = deadline_usec;
		heap_down(loop, t->heap_index);
		heap_up(loop, t->heap_index);
	}
	if (!loop->dispatching)
		loop_rearm(loop);
	return 0;
}

void loop_timer_disarm(struct loop_timer *t)
{
	if (!t || t->heap_index == SIZE_MAX)
		return;
	heap_remove(t->loop, t);
	if (!t->loop->dispatching)
		loop_rearm(t->loop);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t && t->heap_index != SIZE_MAX;
}

struct loop_timer *loop_timer_free(struct loop_timer *t)
{
	if (t) {
		loop_timer_disarm(t);
		free(t);
	}
	return NULL;
}

int qfs_loop_get_timeout(const qfs_loop *loop)
{
	if (!loop)
		return -EINVAL;
	if (!loop->heap_len)
		return -1;
	uint64_t now = loop_now_usec(), next = loop->heap[0]->deadline_usec;
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + 999) / 1000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* Fires every timer whose deadline has passed.  A timer is taken out of the
 * heap before its handler runs, so the handler may re-arm or free it. */
static int loop_run_timers(qfs_loop *loop)
{
	int n = 0;
	uint64_t now = loop_now_usec();

	while (loop->heap_len && loop->heap[0]->deadline_usec <= now) {
		struct loop_timer *t = loop->heap[0];
		heap_remove(loop, t);
		t->fn(t, t->userdata);
		n++;
	}
	return n;
}

int qfs_loop_dispatch(qfs_loop *loop)
{
	struct epoll_event events[32];
	int n, handled = 0;

	if (!loop)
		return -EINVAL;
	if (loop->dispatching)
		return -EBUSY;
	/* Hold the loop: a handler may free the last sandbox on it. */
	loop_ref(loop);
	loop->dispatching = true;
	n = epoll_wait(loop->epoll_fd, events, (int)ARRAY_SIZE(events), 0);
	if (n < 0 && errno != EINTR) {
		handled = -errno;
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		if (events[i].data.ptr == &timer_marker) {
			uint64_t expirations;
			if (read(loop->timer_fd, &expirations, sizeof(expirations)) < 0) {
				/* EAGAIN: already drained; nothing else can fail */
			}
			/* The timerfd fired for the deadline it was armed for;
			 * forget it so that rearming is not skipped. */
			loop->timer_fd_deadline = 0;
			continue;
		}
		struct loop_source *src = events[i].data.ptr;
		if (src->dead)
			continue;
		src->fn(src, events[i].events, src->userdata);
		handled++;
	}
	if (handled >= 0)
		handled += loop_run_timers(loop);
	loop->dispatching = false;
	loop_release_dead(loop);
	loop_rearm(loop);
	loop_unref(loop);
	return handled;
}

int loop_run_while(qfs_loop *loop, int timeout_ms, bool (*keep_going)(void *userdata),
		   void *userdata)
{
	uint64_t end = timeout_ms < 0 ? UINT64_MAX : loop_now_usec() + (uint64_t)timeout_ms * 1000u;
	int r = 0;

	loop_ref(loop);
	while (keep_going(userdata)) {
		int t = qfs_loop_get_timeout(loop);
		if (end != UINT64_MAX) {
			uint64_t now = loop_now_usec();
			if (now >= end) {
				r = -ETIMEDOUT;
				break;
			}
			int left = (int)((end - now + 999) / 1000);
			if (t < 0 || left < t)
				t = left;
		}
		struct pollfd p = {.fd = loop->epoll_fd, .events = POLLIN};
		if (poll(&p, 1, t) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		r = qfs_loop_dispatch(loop);
		if (r < 0)
			break;
		r = 0;
	}
	loop_unref(loop);
	return r;
}

static bool loop_has_running(void *userdata)
{
	return ((qfs_loop *)userdata)->running > 0;
}

int qfs_loop_run_for(qfs_loop *loop, int timeout_ms)
{
	if (!loop)
		return -EINVAL;
	return loop_run_while(loop, timeout_ms, loop_has_running, loop);
}

int qfs_loop_run(qfs_loop *loop)
{
	return qfs_loop_run_for(loop, -1);
}
