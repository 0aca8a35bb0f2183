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

#include "loop_internal.h"
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
static void kept_ns_drop(qfs_sandbox *sb)
{
	sb->kept_userns = close_safe(sb->kept_userns);
	sb->kept_netns = close_safe(sb->kept_netns);
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
	sb->notify = notify_free(sb->notify);
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
		violation_free_strings(&sb->violations[i]);
	free(sb->violations);
	sb->violations = NULL;
	sb->n_violations = sb->violations_head = 0;
	sb->violations_dropped = 0;
}

/* Kills every process of the sandbox.  Outside a pid namespace the plugin
 * leads its own session and process group; the group's id stays reserved
 * until we reap the leader, so kill(-pid) cannot hit a stranger. */
static void kill_all(qfs_sandbox *sb)
{
	if (sb->pidfd >= 0 && !sb->reaped)
		syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
	if (!sb->own_pid_ns && sb->pid > 0 && !sb->reaped)
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

/* Violations. */

static char *dup_opt(const char *s, bool *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*failed = true;
	return d;
}

static bool same_violation(const qfs_violation *a, const qfs_violation *b)
{
	return a->type == b->type && a->pid == b->pid &&
	       !strcmp(a->syscall ? a->syscall : "", b->syscall ? b->syscall : "") &&
	       !strcmp(a->detail ? a->detail : "", b->detail ? b->detail : "") &&
	       !strcmp(a->path ? a->path : "", b->path ? b->path : "");
}

bool sandbox_violation(qfs_sandbox *sb, const qfs_violation *v)
{
	struct sandbox_guard g;
	qfs_violation *kept = NULL;

	/* Repeats of the newest are coalesced with a count. */
	if (sb->n_violations) {
		size_t newest =
			(sb->violations_head + sb->n_violations - 1) % SANDBOX_VIOLATIONS_KEPT;
		if (same_violation(&sb->violations[newest], v)) {
			kept = &sb->violations[newest];
			kept->count++;
		}
	}
	if (!kept) {
		if (!sb->violations) {
			sb->violations = calloc(SANDBOX_VIOLATIONS_KEPT, sizeof(*sb->violations));
			if (!sb->violations)
				return true;
		}
		size_t slot;
		if (sb->n_violations == SANDBOX_VIOLATIONS_KEPT) {
			slot = sb->violations_head;
			violation_free_strings(&sb->violations[slot]);
			sb->violations_head = (sb->violations_head + 1) % SANDBOX_VIOLATIONS_KEPT;
			sb->violations_dropped++;
		} else {
			slot = (sb->violations_head + sb->n_violations) % SANDBOX_VIOLATIONS_KEPT;
			sb->n_violations++;
		}
		bool failed = false;
		kept = &sb->violations[slot];
		*kept = *v;
		kept->detail = dup_opt(v->detail, &failed);
		kept->syscall = dup_opt(v->syscall, &failed);
		kept->path = dup_opt(v->path, &failed);
		kept->host = dup_opt(v->host, &failed);
		kept->address = dup_opt(v->address, &failed);
		kept->api = dup_opt(v->api, &failed);
		kept->count = v->count ? v->count : 1;
	}
	if (sb->cb.security_violation) {
		guard_push(sb, &g);
		sb->cb.security_violation(sb, kept, sb->userdata);
		guard_pop(sb, &g);
		if (g.freed)
			return false;
	}
	if (qfs_policy_get_level(sb->policy) >= QFS_LEVEL_STRICT)
		sandbox_kill(sb, QFS_STATUS_VIOLATION, -1);
	return true;
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
	return &sb->violations[(sb->violations_head + index) % SANDBOX_VIOLATIONS_KEPT];
}

/* A syscall the listener refused: today only exec after the start. */
static void on_denied(const struct seccomp_notif *req, int error, void *userdata)
{
	qfs_sandbox *sb = userdata;
	char name[64];
	char detail[160];
	const char *sys = notify_syscall_name(req->data.nr, name, sizeof(name));
	bool exec = sys && (!strcmp(sys, "execve") || !strcmp(sys, "execveat"));

	snprintf(detail, sizeof(detail), "%s refused: %s", sys ? sys : "syscall",
		 exec ? "no program may be executed after the plugin's start"
		      : "the policy forbids it");
	qfs_violation v = {
		.type = exec ? QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION
			     : QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL,
		.detail = detail,
		.syscall = sys,
		.port = -1,
		.pid = (pid_t)req->pid,
		.time_ms = sandbox_elapsed_ms(sb),
		.count = 1,
	};
	sandbox_violation(sb, &v);
}

static void on_listener(struct loop_source *src, uint32_t revents, void *userdata)
{
	qfs_sandbox *sb = userdata;

	if (revents & EPOLLIN) {
		/* May free sb through the violation callback; nothing after. */
		notify_handle(sb->notify);
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
	for (int i = 0; i < 2; i++) {
		free(sb->out[i].buf);
		sb->out[i] = (struct sandbox_output){.fd = -1};
	}
	violations_clear(sb);
	memset(&sb->usage, 0, sizeof(sb->usage));
	memset(&sb->enf, 0, sizeof(sb->enf));
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

/* Plans and spawns; under best_effort, again without user namespaces when
 * they cannot be created. */
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
	for (int attempt = 0; attempt < 3; attempt++) {
		struct launch_plan *plan = NULL;
		cfg.join_userns = sb->kept_userns;
		cfg.join_netns = sb->kept_netns;
		r = launch_plan_new(&cfg, &plan, err);
		if (r < 0)
			return r;
		r = launch_spawn(plan, timeout, child, err);
		sb->enf = *launch_plan_enforcement(plan);
		sb->enf_valid = true;
		launch_plan_free(plan);
		if (r >= 0 && child->userns >= 0) {
			kept_ns_drop(sb);
			sb->kept_userns = child->userns;
			sb->kept_netns = child->netns;
			sb->kept_uid = geteuid();
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

int qfs_sandbox_start(qfs_sandbox *sb, qfs_plugin_type type, const char *path,
		      const char *const *argv, qfs_error *err)
{
	int fds[3] = {-1, -1, -1}, close_after[3] = {-1, -1, -1};
	struct launch_child child = {0};
	int r;

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
	if (sb->exit_pipe >= 0)
		fcntl(sb->exit_pipe, F_SETFL, O_NONBLOCK);
	sb->running = true;
	loop_running_inc(sb->loop);

	r = loop_source_new(sb->loop, sb->pidfd, EPOLLIN, on_exit_event, sb, &sb->pidfd_src);
	for (int i = 0; r >= 0 && i < 2; i++)
		if (sb->out[i].fd >= 0)
			r = loop_source_new(sb->loop, sb->out[i].fd, EPOLLIN, on_output, sb,
					    &sb->out[i].src);
	if (r >= 0 && sb->listener >= 0) {
		r = notify_new(sb->listener, &sb->notify);
		if (r >= 0) {
			notify_set_denied(sb->notify, on_denied, sb);
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
