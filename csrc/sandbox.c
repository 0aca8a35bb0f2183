/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sandbox: one plugin at a time, started by the launcher, watched by the
 * loop through its pidfd, its output pipes and its seccomp listener.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <qfsandbox/probe.h>
#include <qfsandbox/sandbox.h>

#include "enforcer_internal.h"
#include "loop_internal.h"
#include "net.h"
#include "notify.h"
#include "resources.h"
#include "sandbox_internal.h"
#include "util.h"

/* How long captured output may still arrive after the main process died
 * (from processes the kill is still reaching, outside a pid namespace). */
#define OUTPUT_GRACE_USEC (200 * 1000)

static void guard_push(qfs_sandbox *sb, struct sandbox_guard *g)
{
	g->freed = false;
	g->next = sb->guards;
	sb->guards = g;
}

static void guard_pop(qfs_sandbox *sb, struct sandbox_guard *g)
{
	if (!g->freed)
		sb->guards = g->next;
}

uint64_t sandbox_elapsed_ms(const qfs_sandbox *sb)
{
	if (!sb->start_usec)
		return 0;
	return (loop_now_usec() - sb->start_usec) / 1000u;
}

int qfs_sandbox_new(qfs_loop *loop, const qfs_policy *policy, qfs_sandbox **ret, qfs_error *err)
{
	qfs_sandbox *sb;
	int r;

	if (!loop || !policy || !ret)
		return error_set(err, "", EINVAL, "qfs_sandbox_new needs a loop, a policy and ret");
	r = qfs_policy_validate(policy, err);
	if (r < 0)
		return r;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	r = qfs_policy_copy(policy, &sb->policy);
	if (r < 0) {
		free(sb);
		return r;
	}
	sb->loop = loop_ref(loop);
	sb->stdio[0] = QFS_STDIO_NULL;
	sb->stdio[1] = sb->stdio[2] = QFS_STDIO_CAPTURE;
	sb->pidfd = sb->listener = sb->exit_pipe = -1;
	sb->kept_userns = sb->kept_netns = -1;
	sb->out[0].fd = sb->out[1].fd = -1;
	sb->exit_code = -1;
	sb->limit = -1;
	launch_resources_init(&sb->resources);
	*ret = sb;
	return 0;
}

/* Forgets the namespaces kept from an earlier run. */
/* How long a sandbox keeps what makes its next run quick after a run
 * starts.  The private root's template holds a copy of the host's mount
 * tree: a file system the host unmounts (a removable disk) stays alive
 * while it does.  The plan holds descriptors of the system paths, the
 * cgroups a few more: some thirty per sandbox in all.  Runs that follow
 * each other quickly share them; a sandbox left idle gives them up (the
 * template also while one long plugin runs). */
#define TEMPLATE_KEEP_USEC (5u * 1000u * 1000u)

static void on_template_idle(struct loop_timer *t, void *userdata)
{
	qfs_sandbox *sb = userdata;

	(void)t;
	launch_plan_drop_template(sb->plan);
	if (!sb->running) {
		sb->plan = launch_plan_free(sb->plan);
		resources_idle(sb);
	}
}

static void kept_ns_drop(qfs_sandbox *sb)
{
	sb->kept_userns = close_safe(sb->kept_userns);
	sb->kept_netns = close_safe(sb->kept_netns);
	/* The root's template belongs to that user namespace. */
	launch_plan_drop_template(sb->plan);
}

static void output_close(struct sandbox_output *o)
{
	o->src = loop_source_free(o->src);
	o->fd = close_safe(o->fd);
}

/* Releases what a run holds, without touching its results. */
static void run_release(qfs_sandbox *sb)
{
	sb->pidfd_src = loop_source_free(sb->pidfd_src);
	sb->listener_src = loop_source_free(sb->listener_src);
	if (sb->net) {
		net_usage_refresh(sb->net);
		net_get_stats(sb->net, &sb->net_stats);
	}
	sb->net = net_free(sb->net);
	sb->notify = notify_free(sb->notify);
	sb->enforcer = enforcer_free(sb->enforcer);
	sb->violation_timer = loop_timer_free(sb->violation_timer);
	sb->listener = close_safe(sb->listener);
	sb->pidfd = close_safe(sb->pidfd);
	sb->exit_pipe = close_safe(sb->exit_pipe);
	sb->timeout_timer = loop_timer_free(sb->timeout_timer);
	sb->grace_timer = loop_timer_free(sb->grace_timer);
	for (int i = 0; i < 2; i++)
		output_close(&sb->out[i]);
	resources_release(sb);
}

static void violation_free_strings(qfs_violation *v)
{
	free((char *)v->detail);
	free((char *)v->syscall);
	free((char *)v->path);
	free((char *)v->host);
	free((char *)v->address);
	free((char *)v->api);
}

static void violations_clear(qfs_sandbox *sb)
{
	for (size_t i = 0; i < sb->n_violations; i++)
		violation_free_strings(
			&sb->violations[(sb->violations_head + i) % SANDBOX_VIOLATIONS_KEPT].v);
	free(sb->violations);
	sb->violations = NULL;
	sb->n_violations = sb->violations_head = 0;
	sb->violations_dropped = 0;
	sb->violations_pending = 0;
	sb->violation_callbacks_missed = 0;
}

/* Kills every process of the sandbox.  In a pid namespace, killing its
 * init does.  Without one the init is a subreaper that kills the rest on
 * SIGTERM before it exits (launch.c); a SIGKILL would leave the rest to
 * the host's init.  Outside a pid namespace and without that init (a
 * plugin of Unrestricted) the plugin leads its own session and process
 * group; the group's id stays reserved until we reap the leader, so
 * kill(-pid) cannot hit a stranger. */
static void kill_all(qfs_sandbox *sb)
{
	if (sb->pidfd >= 0 && !sb->reaped)
		syscall(SYS_pidfd_send_signal, sb->pidfd, sb->reaper ? SIGTERM : SIGKILL, NULL, 0);
	if (!sb->own_pid_ns && !sb->reaper && sb->pid > 0 && !sb->reaped)
		kill(-sb->pid, SIGKILL);
	if (sb->kill_hook)
		sb->kill_hook(sb, sb->kill_hook_userdata);
}

qfs_sandbox *qfs_sandbox_free(qfs_sandbox *sb)
{
	if (!sb)
		return NULL;
	for (struct sandbox_guard *g = sb->guards; g; g = g->next)
		g->freed = true;
	if (sb->running) {
		if (!sb->reaped) {
			siginfo_t si;
			kill_all(sb);
			while (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED | __WALL) < 0 &&
			       errno == EINTR)
				;
		}
		loop_running_dec(sb->loop);
	}
	run_release(sb);
	resources_free(sb);
	kept_ns_drop(sb);
	sb->template_timer = loop_timer_free(sb->template_timer);
	sb->plan = launch_plan_free(sb->plan);
	for (int i = 0; i < 2; i++)
		free(sb->out[i].buf);
	violations_clear(sb);
	qfs_policy_free(sb->policy);
	loop_unref(sb->loop);
	free(sb);
	return NULL;
}

int qfs_sandbox_set_callbacks(qfs_sandbox *sb, const qfs_sandbox_callbacks *cb, void *userdata)
{
	if (!sb)
		return -EINVAL;
	if (cb)
		sb->cb = *cb;
	else
		memset(&sb->cb, 0, sizeof(sb->cb));
	sb->userdata = userdata;
	return 0;
}

int qfs_sandbox_set_stdio(qfs_sandbox *sb, int in_fd, int out_fd, int err_fd)
{
	if (!sb || in_fd < QFS_STDIO_NULL || out_fd < QFS_STDIO_CAPTURE ||
	    err_fd < QFS_STDIO_CAPTURE)
		return -EINVAL;
	if (sb->running)
		return -EBUSY;
	sb->stdio[0] = in_fd;
	sb->stdio[1] = out_fd;
	sb->stdio[2] = err_fd;
	return 0;
}

bool qfs_sandbox_is_running(const qfs_sandbox *sb)
{
	return sb && sb->running;
}

pid_t qfs_sandbox_get_pid(const qfs_sandbox *sb)
{
	return sb ? sb->pid : 0;
}

const qfs_policy *qfs_sandbox_get_policy(const qfs_sandbox *sb)
{
	return sb ? sb->policy : NULL;
}

int qfs_sandbox_update_policy(qfs_sandbox *sb, const qfs_policy *policy, qfs_error *err)
{
	qfs_policy *copy;
	int r;

	if (!sb || !policy)
		return -EINVAL;
	if (sb->running)
		return error_set(err, "", EBUSY, "the policy cannot change while the plugin runs");
	r = qfs_policy_validate(policy, err);
	if (r < 0)
		return r;
	r = qfs_policy_copy(policy, &copy);
	if (r < 0)
		return r;
	qfs_policy_free(sb->policy);
	sb->policy = copy;
	/* The network permission decides the network namespace. */
	kept_ns_drop(sb);
	/* The plan was made for the old policy (and a new one may be
	 * allocated where the old one was). */
	sb->plan = launch_plan_free(sb->plan);
	return 0;
}

/* Output capture. */

static void output_read(struct sandbox_output *o)
{
	char scratch[16384];

	for (;;) {
		char *dst = scratch;
		size_t room = sizeof(scratch);
		if (!o->truncated && o->len < SANDBOX_OUTPUT_CAP) {
			if (o->len == o->cap) {
				size_t cap = o->cap ? o->cap * 2 : 4096;
				if (cap > SANDBOX_OUTPUT_CAP)
					cap = SANDBOX_OUTPUT_CAP;
				char *b = realloc(o->buf, cap);
				if (!b)
					return; /* try again on the next event */
				o->buf = b;
				o->cap = cap;
			}
			dst = o->buf + o->len;
			room = o->cap - o->len;
		}
		ssize_t n = read(o->fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			output_close(o);
			return;
		}
		if (dst == scratch)
			o->truncated = true; /* over the cap: drained and dropped */
		else
			o->len += (size_t)n;
	}
}

static bool outputs_done(const qfs_sandbox *sb)
{
	return sb->out[0].fd < 0 && sb->out[1].fd < 0;
}

static void finish(qfs_sandbox *sb);
static bool violations_deliver(qfs_sandbox *sb, unsigned max);

static void on_output(struct loop_source *src, uint32_t revents, void *userdata)
{
	qfs_sandbox *sb = userdata;
	struct sandbox_output *o = loop_source_fd(src) == sb->out[0].fd ? &sb->out[0] : &sb->out[1];

	output_read(o);
	if (sb->reaped && outputs_done(sb))
		finish(sb);
}

/* The end of a run. */

static void status_from_wait(qfs_sandbox *sb, int code, int status)
{
	int sig = code == CLD_EXITED ? 0 : status;

	/* Once we decided to end the run, its status is our reason, even
	 * when the plugin beat the kill by exiting on its own (it typically
	 * does after a refused call): the report must not depend on that
	 * race.  For the same reason the signal is the SIGKILL we sent, not
	 * whatever the plugin managed to do first. */
	if (sb->kill_requested) {
		sb->status = sb->kill_status;
		sb->exit_code = -1;
		sb->signal = SIGKILL;
		sb->limit = sb->kill_status == QFS_STATUS_LIMIT_EXCEEDED ? sb->kill_limit : -1;
		return;
	}
	if (code == CLD_EXITED) {
		sb->status = QFS_STATUS_EXITED;
		sb->exit_code = status;
		sb->signal = 0;
		return;
	}
	sb->exit_code = -1;
	sb->signal = sig;
	/* The rlimit backstops: SIGXCPU at the soft CPU limit, SIGKILL at the
	 * hard one, SIGXFSZ past the file size limit. */
	uint64_t cpu_limit_ms = (uint64_t)qfs_policy_get_limit(sb->policy, QFS_LIMIT_CPU_TIME_MS);
	if (sig == SIGXCPU ||
	    (sig == SIGKILL && sb->enf.rlimit_cpu && sb->usage.cpu_time_used_ms >= cpu_limit_ms)) {
		sb->status = QFS_STATUS_LIMIT_EXCEEDED;
		sb->limit = QFS_RESOURCE_CPU_TIME;
	} else if (sig == SIGXFSZ && sb->enf.rlimit_fsize) {
		sb->status = QFS_STATUS_LIMIT_EXCEEDED;
		sb->limit = QFS_RESOURCE_DISK_SPACE;
	} else {
		sb->status = QFS_STATUS_SIGNALED;
	}
}

static void finish(qfs_sandbox *sb)
{
	struct sandbox_guard g;

	if (!sb->running)
		return;
	sb->usage.wall_time_ms = sandbox_elapsed_ms(sb);
	run_release(sb);
	sb->running = false;
	loop_running_dec(sb->loop);

	/* Every event's last count before the end: nothing waits any more. */
	if (!violations_deliver(sb, 0))
		return;

	/* A limit only the exit told us about (the rlimit backstops). */
	if (sb->status == QFS_STATUS_LIMIT_EXCEEDED && !sb->limit_reported) {
		sb->limit_reported = true;
		if (sb->cb.limit_exceeded) {
			guard_push(sb, &g);
			sb->cb.limit_exceeded(sb, (qfs_resource)sb->limit, &sb->usage,
					      sb->userdata);
			guard_pop(sb, &g);
			if (g.freed)
				return;
		}
	}
	qfs_exit ex = {
		.status = sb->status,
		.exit_code = sb->status == QFS_STATUS_EXITED ? sb->exit_code : -1,
		.signal = sb->signal,
		.limit = sb->limit,
		.usage = &sb->usage,
	};
	if (sb->cb.exited) {
		guard_push(sb, &g);
		sb->cb.exited(sb, &ex, sb->userdata);
		guard_pop(sb, &g);
	}
}

static void on_grace(struct loop_timer *t, void *userdata)
{
	qfs_sandbox *sb = userdata;

	/* Whatever still holds the pipes is past its kill; stop waiting. */
	for (int i = 0; i < 2; i++)
		if (sb->out[i].fd >= 0) {
			output_read(&sb->out[i]);
			output_close(&sb->out[i]);
		}
	finish(sb);
}

static void on_exit_event(struct loop_source *src, uint32_t revents, void *userdata)
{
	qfs_sandbox *sb = userdata;
	siginfo_t si = {0};
	struct rusage ru = {0};

	/* A limit the kernel enforced may be why it ended: that decides the
	 * status.  May free sb through the limit_exceeded callback. */
	if (!resources_exit(sb))
		return;
	/* Outside a pid namespace, end the rest of the group while the
	 * leader's zombie still reserves its id. */
	if (!sb->own_pid_ns)
		kill(-sb->pid, SIGKILL);
	if (sb->kill_hook)
		sb->kill_hook(sb, sb->kill_hook_userdata);
	/* glibc's waitid() has no rusage argument; the syscall does. */
	if (syscall(SYS_waitid, P_PIDFD, sb->pidfd, &si, WEXITED | WNOHANG | __WALL, &ru) < 0 ||
	    si.si_pid == 0)
		return;
	sb->reaped = true;
	sb->pidfd_src = loop_source_free(sb->pidfd_src);
	/* The cgroup counted every process, orphans included; rusage only
	 * the main process and the children it reaped. */
	uint64_t ru_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000u +
			 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000u;
	if (ru_ms > sb->usage.cpu_time_used_ms)
		sb->usage.cpu_time_used_ms = ru_ms;
	/* A memory cgroup's peak is the figure its limit holds; a resident
	 * set also counts pages charged elsewhere (shared libraries). */
	if (!resources_memory_from_cgroup(sb) &&
	    sb->usage.memory_peak_mb < (uint64_t)ru.ru_maxrss / 1024u)
		sb->usage.memory_peak_mb = (uint64_t)ru.ru_maxrss / 1024u;

	int code = si.si_code, status = si.si_status;
	if (sb->exit_pipe >= 0) {
		/* The init's report: the plugin's own wait status, since
		 * the init itself always exits 0. */
		struct launch_exit_record rec;
		if (read(sb->exit_pipe, &rec, sizeof(rec)) == (ssize_t)sizeof(rec) &&
		    rec.magic == LAUNCH_EXIT_MAGIC) {
			if (WIFEXITED(rec.wait_status)) {
				code = CLD_EXITED;
				status = WEXITSTATUS(rec.wait_status);
			} else {
				code = CLD_KILLED;
				status = WTERMSIG(rec.wait_status);
			}
		}
	}
	status_from_wait(sb, code, status);

	for (int i = 0; i < 2; i++)
		if (sb->out[i].fd >= 0)
			output_read(&sb->out[i]);
	if (outputs_done(sb)) {
		finish(sb);
		return;
	}
	if (loop_timer_new(sb->loop, on_grace, sb, &sb->grace_timer) < 0 ||
	    loop_timer_arm(sb->grace_timer, loop_now_usec() + OUTPUT_GRACE_USEC) < 0)
		on_grace(NULL, sb);
}

void sandbox_kill(qfs_sandbox *sb, qfs_status status, int limit)
{
	if (!sb->running || sb->reaped)
		return;
	if (!sb->kill_requested) {
		sb->kill_requested = true;
		sb->kill_status = status;
		sb->kill_limit = limit;
	}
	kill_all(sb);
}

bool sandbox_usage_updated(qfs_sandbox *sb)
{
	struct sandbox_guard g;

	if (!sb->cb.usage_updated)
		return true;
	guard_push(sb, &g);
	sb->cb.usage_updated(sb, &sb->usage, sb->userdata);
	guard_pop(sb, &g);
	return !g.freed;
}

bool sandbox_limit_exceeded(qfs_sandbox *sb, qfs_resource resource)
{
	struct sandbox_guard g;

	if (!sb->running || sb->reaped || sb->kill_requested)
		return true;
	sb->limit_reported = true;
	if (sb->cb.limit_exceeded) {
		guard_push(sb, &g);
		sb->cb.limit_exceeded(sb, resource, &sb->usage, sb->userdata);
		guard_pop(sb, &g);
		if (g.freed)
			return false;
	}
	sandbox_kill(sb, QFS_STATUS_LIMIT_EXCEEDED, (int)resource);
	return true;
}

bool sandbox_limit_refused(qfs_sandbox *sb, qfs_resource resource)
{
	struct sandbox_guard g;

	if (!sb->running || sb->reaped || !sb->cb.limit_exceeded)
		return true;
	guard_push(sb, &g);
	sb->cb.limit_exceeded(sb, resource, &sb->usage, sb->userdata);
	guard_pop(sb, &g);
	return !g.freed;
}

int qfs_sandbox_kill(qfs_sandbox *sb)
{
	if (!sb)
		return -EINVAL;
	if (!sb->running || sb->reaped)
		return -EBUSY;
	sandbox_kill(sb, QFS_STATUS_SIGNALED, -1);
	return 0;
}

static void on_timeout(struct loop_timer *t, void *userdata)
{
	sandbox_kill(userdata, QFS_STATUS_TIMEOUT, -1);
}

/*
 * Violations.
 *
 * Recording and delivering are apart.  A violation is recorded where it is
 * found (inside the seccomp notification handler, before the plugin gets
 * its answer), which must not call back into the application: a callback
 * may free the sandbox.  Callbacks are delivered afterwards, at the end of
 * the listener's round, at most SANDBOX_CALLBACKS_PER_ROUND at a time.
 *
 * A plugin that makes one forbidden call a million times must cost neither
 * memory nor the application's attention: an attempt identical to one of
 * the newest events (type, syscall, detail, path, destination, api, pid)
 * only raises that event's count, and a count that changed is delivered
 * again at most every SANDBOX_REPEAT_INTERVAL_USEC (a timer delivers the
 * last one).  Distinct events beyond SANDBOX_VIOLATIONS_KEPT push out the
 * oldest (counted in violations_dropped).  So memory is bounded by the
 * ring, and the callbacks by the rounds and the interval.
 */

/* How many of the newest events a repeat is compared with. */
#define COALESCE_RECENT 8
/* Longest strings kept per event; longer ones are cut. */
#define KEPT_DETAIL_MAX 512
#define KEPT_PATH_MAX	1024
#define KEPT_TEXT_MAX	256

static char *dup_opt(const char *s, size_t max, bool *failed)
{
	if (!s)
		return NULL;
	char *d = strndup(s, max);
	if (!d)
		*failed = true;
	return d;
}

static bool same_string(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool same_violation(const qfs_violation *a, const qfs_violation *b)
{
	return a->type == b->type && a->pid == b->pid && a->port == b->port &&
	       same_string(a->syscall, b->syscall) && same_string(a->detail, b->detail) &&
	       same_string(a->path, b->path) && same_string(a->host, b->host) &&
	       same_string(a->address, b->address) && same_string(a->api, b->api);
}

static struct sandbox_violation *slot_at(const qfs_sandbox *sb, size_t index)
{
	return &sb->violations[(sb->violations_head + index) % SANDBOX_VIOLATIONS_KEPT];
}

static void slot_mark(qfs_sandbox *sb, struct sandbox_violation *s)
{
	if (!s->pending) {
		s->pending = true;
		sb->violations_pending++;
	}
}

void sandbox_violation_record(qfs_sandbox *sb, const qfs_violation *v)
{
	struct sandbox_violation *s = NULL;
	uint64_t count = v->count ? v->count : 1;

	for (size_t k = 0; k < sb->n_violations && k < COALESCE_RECENT; k++) {
		struct sandbox_violation *c = slot_at(sb, sb->n_violations - 1 - k);
		if (same_violation(&c->v, v)) {
			c->v.count += count;
			slot_mark(sb, c);
			s = c;
			break;
		}
	}
	if (!s) {
		if (!sb->violations) {
			sb->violations = calloc(SANDBOX_VIOLATIONS_KEPT, sizeof(*sb->violations));
			if (!sb->violations)
				goto strict;
		}
		if (sb->n_violations == SANDBOX_VIOLATIONS_KEPT) {
			s = slot_at(sb, 0);
			if (s->pending) {
				sb->violations_pending--;
				sb->violation_callbacks_missed++;
			}
			violation_free_strings(&s->v);
			sb->violations_head = (sb->violations_head + 1) % SANDBOX_VIOLATIONS_KEPT;
			sb->violations_dropped++;
		} else {
			sb->n_violations++;
		}
		s = slot_at(sb, sb->n_violations - 1);
		bool failed = false;
		*s = (struct sandbox_violation){.v = *v};
		s->v.detail = dup_opt(v->detail, KEPT_DETAIL_MAX, &failed);
		s->v.syscall = dup_opt(v->syscall, KEPT_TEXT_MAX, &failed);
		s->v.path = dup_opt(v->path, KEPT_PATH_MAX, &failed);
		s->v.host = dup_opt(v->host, KEPT_TEXT_MAX, &failed);
		s->v.address = dup_opt(v->address, KEPT_TEXT_MAX, &failed);
		s->v.api = dup_opt(v->api, KEPT_TEXT_MAX, &failed);
		s->v.count = count;
		slot_mark(sb, s);
	}
strict:
	if (qfs_policy_get_level(sb->policy) >= QFS_LEVEL_STRICT)
		sandbox_kill(sb, QFS_STATUS_VIOLATION, -1);
}

static void on_violation_timer(struct loop_timer *t, void *userdata);

/*
 * Delivers pending callbacks, oldest first, at most @max (0: all, and
 * repeats without waiting for their interval).  Arms the timer for what
 * has to wait.  Return: false when a callback freed @sb.
 */
static bool violations_deliver(qfs_sandbox *sb, unsigned max)
{
	uint64_t now = loop_now_usec(), due = 0;
	unsigned delivered = 0;

	for (size_t i = 0; i < sb->n_violations && sb->violations_pending; i++) {
		struct sandbox_violation *s = slot_at(sb, i);
		if (!s->pending)
			continue;
		if (max && s->delivered_usec &&
		    now < s->delivered_usec + SANDBOX_REPEAT_INTERVAL_USEC) {
			uint64_t at = s->delivered_usec + SANDBOX_REPEAT_INTERVAL_USEC;
			due = due && due < at ? due : at;
			continue;
		}
		if (max && delivered == max) {
			due = now;
			break;
		}
		s->pending = false;
		sb->violations_pending--;
		s->delivered_usec = now;
		delivered++;
		if (sb->cb.security_violation) {
			struct sandbox_guard g;
			unsigned run = sb->run_id;
			guard_push(sb, &g);
			sb->cb.security_violation(sb, &s->v, sb->userdata);
			guard_pop(sb, &g);
			if (g.freed)
				return false;
			/* A callback that started the next run emptied the
			 * ring under us. */
			if (sb->run_id != run)
				return true;
		}
	}
	if (due && sb->running) {
		if (!sb->violation_timer &&
		    loop_timer_new(sb->loop, on_violation_timer, sb, &sb->violation_timer) < 0)
			return true;
		loop_timer_arm(sb->violation_timer, due);
	}
	return true;
}

static void on_violation_timer(struct loop_timer *t, void *userdata)
{
	violations_deliver(userdata, SANDBOX_CALLBACKS_PER_ROUND);
}

bool sandbox_violation(qfs_sandbox *sb, const qfs_violation *v)
{
	sandbox_violation_record(sb, v);
	return violations_deliver(sb, SANDBOX_CALLBACKS_PER_ROUND);
}

size_t qfs_sandbox_violation_count(const qfs_sandbox *sb, uint64_t *dropped)
{
	if (dropped)
		*dropped = sb ? sb->violations_dropped : 0;
	return sb ? sb->n_violations : 0;
}

const qfs_violation *qfs_sandbox_get_violation(const qfs_sandbox *sb, size_t index)
{
	if (!sb || index >= sb->n_violations)
		return NULL;
	return &slot_at(sb, index)->v;
}

/* The enforcer found a violation; the plugin's thread still waits for its
 * answer.  Under Strict it never gets one: killed first, so that not one
 * more instruction of the plugin runs after the forbidden call. */
static void on_notify_violation(struct notify_call *call, void *userdata)
{
	qfs_sandbox *sb = userdata;

	call->violation.time_ms = sandbox_elapsed_ms(sb);
	if (qfs_policy_get_level(sb->policy) >= QFS_LEVEL_STRICT)
		notify_kill_caller(call);
	sandbox_violation_record(sb, &call->violation);
}

static void on_listener(struct loop_source *src, uint32_t revents, void *userdata)
{
	qfs_sandbox *sb = userdata;

	if (revents & EPOLLIN) {
		int r = notify_dispatch(sb->notify, SANDBOX_NOTIFICATIONS_PER_ROUND);
		if (r < 0 && r != -EINTR) {
			/* The listener broke: stop watching rather than spin.
			 * Waiting threads stay blocked until the run ends. */
			sb->listener_src = loop_source_free(sb->listener_src);
		}
		/* May free sb through the callback; nothing after. */
		violations_deliver(sb, SANDBOX_CALLBACKS_PER_ROUND);
		return;
	}
	/* POLLHUP: no task uses the filter any more. */
	sb->listener_src = loop_source_free(sb->listener_src);
}

/* Starting. */

static int stdio_prepare(qfs_sandbox *sb, int fds[3], int close_after[3], qfs_error *err)
{
	for (int i = 0; i < 3; i++) {
		int want = sb->stdio[i];
		if (want >= 0) {
			fds[i] = want;
			continue;
		}
		if (want == QFS_STDIO_CAPTURE && i > 0) {
			int p[2];
			if (pipe2(p, O_CLOEXEC) < 0)
				return error_set(err, "stdio", errno,
						 "creating an output pipe failed");
			fcntl(p[0], F_SETFL, O_NONBLOCK);
			struct sandbox_output *o = &sb->out[i - 1];
			o->fd = p[0];
			o->captured = true;
			fds[i] = close_after[i] = p[1];
			continue;
		}
		fds[i] = close_after[i] = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fds[i] < 0)
			return error_set(err, "stdio", errno, "opening /dev/null failed");
	}
	return 0;
}

static void run_reset(qfs_sandbox *sb)
{
	sb->run_id++;
	for (int i = 0; i < 2; i++) {
		free(sb->out[i].buf);
		sb->out[i] = (struct sandbox_output){.fd = -1};
	}
	violations_clear(sb);
	memset(&sb->usage, 0, sizeof(sb->usage));
	memset(&sb->enf, 0, sizeof(sb->enf));
	memset(&sb->net_stats, 0, sizeof(sb->net_stats));
	memset(&sb->setup_error, 0, sizeof(sb->setup_error));
	sb->enf_valid = sb->setup_failed = false;
	sb->reaped = sb->kill_requested = sb->limit_reported = false;
	sb->status = QFS_STATUS_EXITED;
	sb->exit_code = -1;
	sb->signal = 0;
	sb->limit = -1;
	sb->pid = 0;
	sb->start_usec = 0;
}

/* The enforcer of the run @plan describes: it answers the listener. */
static int enforcer_plan(qfs_sandbox *sb, const struct launch_plan *plan, qfs_error *err)
{
	const struct launch_enforcement *enf = launch_plan_enforcement(plan);
	struct enforcer_view view = {
		.policy = sb->policy,
		.private_root = enf->private_root,
		.strict = enf->level >= QFS_LEVEL_STRICT,
		.effects = enf->effects,
		.sockets = enf->sockets,
		.host = enf->host,
		.files = enf->files,
		.uid = enf->uid,
		.gid = enf->gid,
		.plugin_file = launch_plan_file(plan),
		.interpreter = launch_plan_interpreter(plan),
	};

	sb->enforcer = enforcer_free(sb->enforcer);
	if (enf->seccomp == SECCOMP_POLICY_NONE)
		return 0;
	int r = enforcer_new(&view, &sb->enforcer);
	if (r < 0)
		return error_set(err, "seccomp", -r, "setting up the enforcer failed");
	return 0;
}

/* Plans and spawns.  Under best_effort, again without user namespaces when
 * they cannot be created; when joining the previous run's namespaces
 * fails, again with new ones. */
static int start_plan(qfs_sandbox *sb, const struct launch_config *base, struct launch_child *child,
		      qfs_error *err)
{
	struct launch_config cfg = *base;
	int timeout = (int)qfs_policy_get_limit(sb->policy, QFS_LIMIT_EXECUTION_TIMEOUT_MS);
	int r;

	/* The kept namespaces map the ids of the supervisor that made them. */
	if (sb->kept_userns >= 0 && sb->kept_uid != geteuid())
		kept_ns_drop(sb);
	/* A template kept too long goes even if the loop never ran. */
	if (loop_now_usec() >= sb->template_until_usec)
		launch_plan_drop_template(sb->plan);
	for (int attempt = 0; attempt < 3; attempt++) {
		struct launch_plan *plan = NULL;
		cfg.join_userns = sb->kept_userns;
		cfg.join_netns = sb->kept_netns;
		r = launch_plan_new(&cfg, TAKE_PTR(sb->plan), &plan, err);
		if (r < 0)
			return r;
		r = enforcer_plan(sb, plan, err);
		if (r < 0) {
			launch_plan_free(plan);
			return r;
		}
		r = launch_spawn(plan, timeout, child, err);
		sb->enf = *launch_plan_enforcement(plan);
		sb->enf_valid = true;
		/* Kept for the next run only after a good one: a failed
		 * setup may have been the plan's fault. */
		if (r >= 0 && launch_plan_reusable(plan))
			sb->plan = plan;
		else
			launch_plan_free(plan);
		if (r >= 0 && child->userns >= 0) {
			kept_ns_drop(sb);
			sb->kept_userns = child->userns;
			sb->kept_netns = child->netns;
			sb->kept_uid = geteuid();
		}
		if (r >= 0 && child->mntns >= 0)
			launch_plan_keep_template(sb->plan, child->mntns);
		if (r >= 0) {
			sb->template_until_usec = loop_now_usec() + TEMPLATE_KEEP_USEC;
			if (!sb->template_timer &&
			    loop_timer_new(sb->loop, on_template_idle, sb, &sb->template_timer) < 0)
				launch_plan_drop_template(sb->plan);
			if (sb->template_timer &&
			    loop_timer_arm(sb->template_timer, sb->template_until_usec) < 0)
				launch_plan_drop_template(sb->plan);
		}
		if (r == -ECHILD && sb->enf.joined && err && !strcmp(err->field, "namespaces")) {
			kept_ns_drop(sb);
			continue;
		}
		if (r != -ENOTSUP || (cfg.flags & LAUNCH_NO_USERNS))
			return r;
		if (qfs_policy_get_enforcement(sb->policy) == QFS_ENFORCE_BEST_EFFORT) {
			cfg.flags |= LAUNCH_NO_USERNS;
			resources_no_user_ns(sb);
			continue;
		}
		/* Let the probe name the missing layer; keep the launcher's
		 * own words when it finds nothing. */
		qfs_error probe_err = {0};
		if (qfs_probe_level(qfs_policy_get_level(sb->policy), &probe_err) == -ENOTSUP &&
		    err)
			*err = probe_err;
		return -ENOTSUP;
	}
	return r;
}

int qfs_sandbox_set_nameservers(qfs_sandbox *sb, const char *const *servers, qfs_error *err)
{
	struct net_nameserver parsed[NET_MAX_NAMESERVERS];
	size_t n = 0;

	if (!sb)
		return error_set(err, "", EINVAL, "qfs_sandbox_set_nameservers needs a sandbox");
	if (sb->running)
		return error_set(err, "", EBUSY,
				 "the nameservers cannot change while the plugin "
				 "runs");
	for (; servers && servers[n]; n++) {
		if (n == NET_MAX_NAMESERVERS)
			return error_set(err, "nameservers", EINVAL,
					 "at most %d nameservers can be set", NET_MAX_NAMESERVERS);
		if (net_nameserver_parse(servers[n], &parsed[n]) < 0)
			return error_set(err, "nameservers", EINVAL,
					 "'%s' is not an address with an optional port "
					 "(1.2.3.4, 1.2.3.4:53, ::1, [::1]:53)",
					 servers[n]);
	}
	memcpy(sb->nameservers, parsed, n * sizeof(parsed[0]));
	sb->n_nameservers = n;
	return 0;
}

/* The network mediator of a run whose network is counted or mediated. */
static int net_start(qfs_sandbox *sb, struct launch_child *child, qfs_error *err)
{
	struct net_nameserver system[NET_MAX_NAMESERVERS];
	struct net_config cfg = {
		.sb = sb,
		.policy = sb->policy,
		.mode = sb->enf.net_mode,
		.listener = sb->listener,
		.nameservers = sb->nameservers,
		.n_nameservers = sb->n_nameservers,
	};
	int r;

	for (int i = 0; i < NET_SOCK__MAX; i++) {
		cfg.fds[i] = child->net_fds[i];
		child->net_fds[i] = -1;
	}
	if (cfg.mode != NET_MODE_COUNTED && cfg.mode != NET_MODE_MEDIATED) {
		for (int i = 0; i < NET_SOCK__MAX; i++)
			close_safe(cfg.fds[i]);
		return 0;
	}
	if (sb->listener < 0) {
		for (int i = 0; i < NET_SOCK__MAX; i++)
			close_safe(cfg.fds[i]);
		return error_set(err, "network", ENOTSUP,
				 "the network is mediated but the sandbox has no seccomp listener");
	}
	if (!cfg.n_nameservers) {
		cfg.n_nameservers =
			net_system_nameservers("/etc/resolv.conf", system, NET_MAX_NAMESERVERS);
		cfg.nameservers = system;
	}
	r = net_new(sb->loop, &cfg, &sb->net);
	if (r < 0)
		return error_set(err, "network", -r, "starting the network mediator failed");
	return 0;
}

int qfs_sandbox_start(qfs_sandbox *sb, qfs_plugin_type type, const char *path,
		      const char *const *argv, qfs_error *err)
{
	int fds[3] = {-1, -1, -1}, close_after[3] = {-1, -1, -1};
	struct launch_child child = {0};
	bool net_failed = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(child.net_fds); i++)
		child.net_fds[i] = -1;

	if (!sb || !path)
		return error_set(err, "", EINVAL, "qfs_sandbox_start needs a sandbox and a path");
	if (sb->running)
		return error_set(err, "", EBUSY, "a plugin is already running in this sandbox");
	run_reset(sb);

	r = stdio_prepare(sb, fds, close_after, err);
	if (r >= 0)
		r = resources_prepare(sb, err);
	if (r < 0)
		goto fail;
	struct launch_config cfg = {
		.policy = sb->policy,
		.type = type,
		.path = path,
		.argv = argv,
		.stdio = {fds[0], fds[1], fds[2]},
		.resources = &sb->resources,
	};
	r = start_plan(sb, &cfg, &child, err);
	for (int i = 0; i < 3; i++)
		close_after[i] = close_safe(close_after[i]);
	if (r < 0)
		goto fail;

	sb->start_usec = loop_now_usec();
	sb->usage.start_time_ms = sb->start_usec / 1000u;
	sb->pid = child.pid;
	sb->pidfd = child.pidfd;
	sb->listener = child.listener;
	sb->exit_pipe = child.exit_pipe;
	sb->own_pid_ns = child.own_pid_ns;
	sb->reaper = child.reaper;
	if (sb->exit_pipe >= 0)
		fcntl(sb->exit_pipe, F_SETFL, O_NONBLOCK);
	sb->running = true;
	loop_running_inc(sb->loop);

	r = net_start(sb, &child, err);
	net_failed = r < 0;
	if (r >= 0)
		r = loop_source_new(sb->loop, sb->pidfd, EPOLLIN, on_exit_event, sb,
				    &sb->pidfd_src);
	for (int i = 0; r >= 0 && i < 2; i++)
		if (sb->out[i].fd >= 0)
			r = loop_source_new(sb->loop, sb->out[i].fd, EPOLLIN, on_output, sb,
					    &sb->out[i].src);
	if (r >= 0 && sb->listener >= 0) {
		r = notify_new(sb->listener, &sb->notify);
		if (r >= 0 && sb->enforcer)
			r = enforcer_attach(sb->enforcer, sb->notify);
		if (r >= 0 && sb->net)
			r = net_attach(sb->net, sb->notify, sb->enforcer);
		if (r >= 0) {
			notify_set_violation_hook(sb->notify, on_notify_violation, sb);
			r = loop_source_new(sb->loop, sb->listener, EPOLLIN, on_listener, sb,
					    &sb->listener_src);
		}
	}
	if (r >= 0)
		r = resources_started(sb);
	if (r >= 0)
		r = loop_timer_new(sb->loop, on_timeout, sb, &sb->timeout_timer);
	if (r >= 0) {
		uint64_t ms =
			(uint64_t)qfs_policy_get_limit(sb->policy, QFS_LIMIT_EXECUTION_TIMEOUT_MS);
		r = loop_timer_arm(sb->timeout_timer, sb->start_usec + ms * 1000u);
	}
	if (r < 0) {
		/* Nothing may run unwatched. */
		siginfo_t si;
		kill_all(sb);
		while (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED | __WALL) < 0 &&
		       errno == EINTR)
			;
		sb->reaped = true;
		sb->running = false;
		loop_running_dec(sb->loop);
		run_release(sb);
		if (!net_failed)
			error_set(err, "loop", -r, "watching the plugin failed");
		goto fail;
	}
	return 0;
fail:
	for (int i = 0; i < 3; i++)
		close_safe(close_after[i]);
	for (int i = 0; i < 2; i++)
		output_close(&sb->out[i]);
	resources_release(sb);
	sb->setup_failed = true;
	sb->status = QFS_STATUS_SETUP_FAILED;
	if (err)
		sb->setup_error = *err;
	return r;
}

struct wait_state {
	qfs_sandbox *sb;
	struct sandbox_guard guard;
};

static bool wait_keep_going(void *userdata)
{
	struct wait_state *w = userdata;

	return !w->guard.freed && w->sb->running;
}

int qfs_sandbox_wait(qfs_sandbox *sb, int timeout_ms)
{
	struct wait_state w = {.sb = sb};

	if (!sb)
		return -EINVAL;
	/* A callback may free the sandbox we wait for: the guard tells. */
	guard_push(sb, &w.guard);
	int r = loop_run_while(sb->loop, timeout_ms, wait_keep_going, &w);
	guard_pop(sb, &w.guard);
	return r;
}

int qfs_sandbox_sample(qfs_sandbox *sb, const qfs_usage **ret)
{
	if (!sb || !ret)
		return -EINVAL;
	if (sb->running && !sb->reaped) {
		net_usage_refresh(sb->net);
		resources_sample(sb);
		sb->usage.wall_time_ms = sandbox_elapsed_ms(sb);
	}
	*ret = &sb->usage;
	return 0;
}

int qfs_sandbox_get_output(const qfs_sandbox *sb, int fd, const char **data, size_t *len,
			   bool *truncated)
{
	if (!sb || (fd != 1 && fd != 2) || !data || !len)
		return -EINVAL;
	const struct sandbox_output *o = &sb->out[fd - 1];
	if (sb->stdio[fd] != QFS_STDIO_CAPTURE)
		return -EINVAL;
	*data = o->buf ? o->buf : "";
	*len = o->len;
	if (truncated)
		*truncated = o->truncated;
	return 0;
}

int qfs_sandbox_report_json(const qfs_sandbox *sb, unsigned flags, char **ret)
{
	if (!sb || !ret)
		return -EINVAL;
	return report_json(sb, flags, ret);
}
