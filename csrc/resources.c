/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup backends and the monitor, wired into a sandbox's run (see
 * resources.h).
 */
#include <sched.h>
#include <stdio.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cgroup.h"
#include "loop_internal.h"
#include "monitor_internal.h"
#include "net.h"
#include "resources.h"
#include "sandbox_internal.h"
#include "util.h"

/* The CPU budget timer never re-arms closer than this. */
#define CPU_TIMER_MIN_USEC 1000
/* Directory entries walked for the disk baseline before the launch. */
#define BASELINE_ENTRIES 20000

struct resources {
	qfs_sandbox *sb;
	struct cgroup *cg;
	struct monitor *mon;
	struct loop_timer *sample_timer, *cpu_timer;
	struct loop_source *oom_src, *pids_src;
	uint64_t interval_usec;
	uint64_t next_sample_usec;
	uint64_t cpu_budget_usec;
	unsigned ncpu;
	bool pids_polled; /* v1: refused forks are read per sample */

	/* What the last run had, for the report (kept after release). */
	bool prepared;
	enum cgroup_backend backend[CGROUP_RESOURCE_COUNT];
	enum cgroup_backend kill;
	char describe[512];
};

static struct resources *resources_get(qfs_sandbox *sb)
{
	if (!sb->resources_state) {
		sb->resources_state = calloc(1, sizeof(*sb->resources_state));
		if (sb->resources_state)
			sb->resources_state->sb = sb;
	}
	return sb->resources_state;
}

static void kill_hook(qfs_sandbox *sb, void *userdata)
{
	struct resources *rs = userdata;

	if (rs->cg)
		cgroup_kill(rs->cg);
}

/* CPUs the plugin may run on: it inherits the supervisor's affinity. */
static unsigned usable_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? (unsigned)n : 1;
}

/*
 * The sandbox's private /tmp, seen through the plugin's root: under a pid
 * namespace the main process is the init, whose root is still the host's,
 * so look through its child.  Counted only if it is a tmpfs of its own, so
 * that a misreading can never charge the host's /tmp to the plugin.
 */
static void private_tmp(struct resources *rs)
{
	qfs_sandbox *sb = rs->sb;
	pid_t pid = sb->pid;
	char path[64], buf[64];
	struct statfs sf;
	struct stat st, host;

	if (sb->own_pid_ns) {
		uint64_t child = 0;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
		if (read_text_at(AT_FDCWD, path, buf, sizeof(buf)) > 0)
			child = strtoull(buf, NULL, 10);
		if (!child)
			return;
		pid = (pid_t)child;
	}
	snprintf(path, sizeof(path), "/proc/%d/root/tmp", (int)pid);
	if (statfs(path, &sf) < 0 || sf.f_type != TMPFS_MAGIC || stat(path, &st) < 0 ||
	    (stat("/tmp", &host) == 0 && host.st_dev == st.st_dev))
		return;
	monitor_add_disk_fs(rs->mon, path);
}

/*
 * The allowed directories the plugin may write to count by their growth:
 * they hold the host's files too.  The baseline is walked before the
 * launch, so that nothing the plugin writes can hide in it (a tree larger
 * than BASELINE_ENTRIES finishes its baseline at the next samples).
 */
static void writable_dirs(struct resources *rs)
{
	const qfs_policy *p = rs->sb->policy;
	bool dirs = false;

	if (!qfs_policy_get_permission(p, QFS_PERM_FILE_SYSTEM_WRITE))
		return;
	for (size_t i = 0; i < qfs_policy_list_count(p, QFS_LIST_ALLOWED_DIRECTORIES); i++)
		dirs |= monitor_add_disk_dir(
				rs->mon, qfs_policy_list_get(p, QFS_LIST_ALLOWED_DIRECTORIES, i)) ==
			0;
	if (dirs)
		monitor_disk_baseline(rs->mon, BASELINE_ENTRIES);
}

int resources_prepare(qfs_sandbox *sb, qfs_error *err)
{
	struct resources *rs = resources_get(sb);
	struct cgroup_limits limits;
	struct cgroup_rlimit rl[CGROUP_RLIMIT_MAX];
	size_t n;
	int r;

	if (!rs)
		return error_set(err, "cgroup", ENOMEM, "out of memory");
	resources_release(sb);
	/* Sandboxed and Strict give the plugin a user namespace of its own. */
	cgroup_limits_from_policy(sb->policy,
				  qfs_policy_get_level(sb->policy) >= QFS_LEVEL_SANDBOXED, &limits);
	/* The last run's cgroups when they are empty and hold the same
	 * limits; new ones otherwise. */
	r = 0;
	if (rs->cg && cgroup_reuse(rs->cg, &limits) < 0)
		rs->cg = cgroup_free(rs->cg);
	if (!rs->cg)
		r = cgroup_new(NULL, &limits, &rs->cg, err);
	if (r >= 0)
		r = monitor_new(rs->cg, 0, &rs->mon);
	if (r < 0) {
		resources_release(sb);
		return error_set(err, "cgroup", -r, "preparing the resource limits: %s",
				 strerror(-r));
	}
	writable_dirs(rs);
	rs->prepared = true;
	for (int i = 0; i < CGROUP_RESOURCE_COUNT; i++)
		rs->backend[i] = cgroup_backend(rs->cg, (qfs_resource)i);
	rs->kill = cgroup_kill_backend(rs->cg);
	snprintf(rs->describe, sizeof(rs->describe), "%s", cgroup_describe(rs->cg));

	launch_resources_init(&sb->resources);
	sb->resources.cgroup_fd = cgroup_clone_fd(rs->cg);
	n = cgroup_attach_fds(rs->cg, sb->resources.cgroup_procs_fds, LAUNCH_MAX_CGROUP_PROCS);
	sb->resources.n_cgroup_procs = n < LAUNCH_MAX_CGROUP_PROCS ? n : LAUNCH_MAX_CGROUP_PROCS;
	n = cgroup_rlimits(rs->cg, rl, CGROUP_RLIMIT_MAX);
	for (size_t i = 0; i < n && i < CGROUP_RLIMIT_MAX && i < LAUNCH_MAX_RLIMITS; i++) {
		sb->resources.rlimits[i].resource = rl[i].resource;
		sb->resources.rlimits[i].limit = rl[i].limit;
		sb->resources.n_rlimits++;
	}
	sb->kill_hook = kill_hook;
	sb->kill_hook_userdata = rs;
	return 0;
}

void resources_no_user_ns(qfs_sandbox *sb)
{
	struct launch_resources *res = &sb->resources;
	struct resources *rs = sb->resources_state;
	size_t k = 0;

	for (size_t i = 0; i < res->n_rlimits; i++)
		if (res->rlimits[i].resource != RLIMIT_NPROC)
			res->rlimits[k++] = res->rlimits[i];
	if (k != res->n_rlimits && rs)
		rs->backend[QFS_RESOURCE_PROCESSES] = CGROUP_BACKEND_NONE;
	res->n_rlimits = k;
}

bool resources_memory_from_cgroup(const qfs_sandbox *sb)
{
	const struct resources *rs = sb->resources_state;

	return rs && rs->prepared && rs->backend[QFS_RESOURCE_MEMORY] >= CGROUP_BACKEND_V1;
}

/* ---- samples ---- */

/* Copies a sample into the sandbox's usage; connections stay the
 * mediator's, times the sandbox's. */
static void usage_merge(qfs_sandbox *sb, const qfs_usage *u)
{
	qfs_usage *s = &sb->usage;

	if (u->cpu_time_used_ms > s->cpu_time_used_ms)
		s->cpu_time_used_ms = u->cpu_time_used_ms;
	if (u->memory_peak_mb > s->memory_peak_mb)
		s->memory_peak_mb = u->memory_peak_mb;
	if (u->processes_peak > s->processes_peak)
		s->processes_peak = u->processes_peak;
	s->disk_space_used_mb = u->disk_space_used_mb;
	s->wall_time_ms = sandbox_elapsed_ms(sb);
	/* A sample that found no process left (the final one, after a kill)
	 * keeps the figures of the last one that did. */
	if (u->processes) {
		s->memory_used_mb = u->memory_used_mb;
		s->file_handles_used = u->file_handles_used;
		s->processes = u->processes;
	}
}

static void sample(struct resources *rs, unsigned flags)
{
	qfs_usage u;

	if (!rs->mon)
		return;
	/* The mediator notices closed connections when asked (net.h). */
	net_usage_refresh(rs->sb->net);
	monitor_set_connections(rs->mon, rs->sb->usage.network_connections_used);
	monitor_sample(rs->mon, flags, &u);
	usage_merge(rs->sb, &u);
}

void resources_sample(qfs_sandbox *sb)
{
	struct resources *rs = sb->resources_state;

	if (rs && sb->running && !sb->reaped)
		sample(rs, MONITOR_SAMPLE_FULL);
}

/*
 * The limits a sample can show: disk and descriptors (the kernel holds
 * them per file and per process only), and forks refused by a v1 pids
 * controller, which does not notify.  Return: false when @sb was freed.
 */
static bool check_sampled_limits(struct resources *rs)
{
	qfs_sandbox *sb = rs->sb;
	int64_t disk_mb = qfs_policy_get_limit(sb->policy, QFS_LIMIT_DISK_SPACE_MB);
	int64_t fds = qfs_policy_get_limit(sb->policy, QFS_LIMIT_FILE_HANDLES);
	int64_t procs = qfs_policy_get_limit(sb->policy, QFS_LIMIT_MAX_PROCESSES);
	int64_t mem_mb = qfs_policy_get_limit(sb->policy, QFS_LIMIT_MEMORY_MB);

	/* Without a memory controller the limit is held here, with a
	 * backstop rlimit far behind. */
	if (rs->backend[QFS_RESOURCE_MEMORY] == CGROUP_BACKEND_RLIMIT && mem_mb > 0 &&
	    monitor_memory_bytes(rs->mon) > (uint64_t)mem_mb << 20)
		return sandbox_limit_exceeded(sb, QFS_RESOURCE_MEMORY);
	/* QtForge's rule: a limit is exceeded when usage is above it. */
	if (disk_mb > 0 && monitor_disk_bytes(rs->mon) > (uint64_t)disk_mb << 20)
		return sandbox_limit_exceeded(sb, QFS_RESOURCE_DISK_SPACE);
	if (fds > 0 && sb->usage.file_handles_used > (uint64_t)fds)
		return sandbox_limit_exceeded(sb, QFS_RESOURCE_FILE_HANDLES);
	if (rs->pids_polled && cgroup_pids_refused(rs->cg) > 0)
		return sandbox_limit_exceeded(sb, QFS_RESOURCE_PROCESSES);
	/* RLIMIT_NPROC refuses forks silently: a sandbox found at its limit
	 * has reached it. */
	if (rs->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_RLIMIT && procs > 0 &&
	    sb->usage.processes >= (uint64_t)procs)
		return sandbox_limit_exceeded(sb, QFS_RESOURCE_PROCESSES);
	return true;
}

static void on_sample(struct loop_timer *t, void *userdata)
{
	struct resources *rs = userdata;
	qfs_sandbox *sb = rs->sb;
	uint64_t now = loop_now_usec();

	if (!sb->running || sb->reaped || sb->kill_requested)
		return;
	sample(rs, 0);
	/* Keep the cadence; after a stall, start again from now. */
	rs->next_sample_usec += rs->interval_usec;
	if (rs->next_sample_usec <= now)
		rs->next_sample_usec = now + rs->interval_usec;
	loop_timer_arm(rs->sample_timer, rs->next_sample_usec);
	if (!check_sampled_limits(rs) || sb->kill_requested)
		return;
	sandbox_usage_updated(sb);
}

/* ---- the CPU budget ---- */

/*
 * Fires no earlier than the budget could be spent: with n CPUs, the
 * sandbox spends at most n microseconds of CPU time per microsecond.  So
 * the remaining budget over n is a lower bound of the time left, and each
 * firing either finds the budget spent or re-arms closer to it.
 */
static void on_cpu(struct loop_timer *t, void *userdata)
{
	struct resources *rs = userdata;
	qfs_sandbox *sb = rs->sb;
	int64_t used;
	uint64_t wait;

	if (!sb->running || sb->reaped || sb->kill_requested)
		return;
	used = monitor_cpu_usec(rs->mon);
	if (used >= 0 && (uint64_t)used >= rs->cpu_budget_usec) {
		if ((uint64_t)used / 1000u > sb->usage.cpu_time_used_ms)
			sb->usage.cpu_time_used_ms = (uint64_t)used / 1000u;
		sandbox_limit_exceeded(sb, QFS_RESOURCE_CPU_TIME);
		return;
	}
	wait = used >= 0 ? (rs->cpu_budget_usec - (uint64_t)used) / rs->ncpu : rs->interval_usec;
	if (wait < CPU_TIMER_MIN_USEC)
		wait = CPU_TIMER_MIN_USEC;
	loop_timer_arm(rs->cpu_timer, loop_now_usec() + wait);
}

/* ---- kernel events ---- */

static void on_oom(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct resources *rs = userdata;

	/* Reading re-arms the notification; a removal (v1) or a charge that
	 * failed without a kill shows no OOM kill and ends nothing. */
	if (cgroup_oom_kills(rs->cg) > 0)
		sandbox_limit_exceeded(rs->sb, QFS_RESOURCE_MEMORY);
}

static void on_pids(struct loop_source *src, uint32_t revents, void *userdata)
{
	struct resources *rs = userdata;

	if (cgroup_pids_refused(rs->cg) > 0)
		sandbox_limit_exceeded(rs->sb, QFS_RESOURCE_PROCESSES);
}

int resources_started(qfs_sandbox *sb)
{
	struct resources *rs = sb->resources_state;
	int64_t interval_ms = qfs_policy_get_monitor_interval_ms(sb->policy);
	int64_t cpu_ms = qfs_policy_get_limit(sb->policy, QFS_LIMIT_CPU_TIME_MS);
	uint32_t events = 0;
	int fd, r;

	if (!rs || !rs->cg || !rs->mon)
		return 0;
	launch_resources_init(&sb->resources);
	r = monitor_set_pid(rs->mon, sb->pid);
	if (r < 0)
		return r;
	if (sb->enf.private_root && sb->enf.tmpfs_disk)
		private_tmp(rs);
	/* A first look, so that even a run shorter than the interval has a
	 * process count and a baseline for the directories. */
	sample(rs, MONITOR_SAMPLE_FULL);
	rs->ncpu = usable_cpus();
	rs->interval_usec = (uint64_t)(interval_ms > 0 ? interval_ms : 1000) * 1000u;
	rs->next_sample_usec = sb->start_usec + rs->interval_usec;
	r = loop_timer_new(sb->loop, on_sample, rs, &rs->sample_timer);
	if (r >= 0)
		r = loop_timer_arm(rs->sample_timer, rs->next_sample_usec);
	if (r >= 0 && cpu_ms > 0) {
		rs->cpu_budget_usec = (uint64_t)cpu_ms * 1000u;
		r = loop_timer_new(sb->loop, on_cpu, rs, &rs->cpu_timer);
		if (r >= 0)
			r = loop_timer_arm(rs->cpu_timer,
					   sb->start_usec + rs->cpu_budget_usec / rs->ncpu);
	}
	fd = cgroup_event_fd(rs->cg, &events);
	if (r >= 0 && fd >= 0)
		r = loop_source_new(sb->loop, fd, events, on_oom, rs, &rs->oom_src);
	fd = cgroup_pids_event_fd(rs->cg);
	if (r >= 0 && fd >= 0)
		r = loop_source_new(sb->loop, fd, EPOLLPRI, on_pids, rs, &rs->pids_src);
	rs->pids_polled = fd < 0 && rs->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_V1;
	return r < 0 ? r : 0;
}

bool resources_exit(qfs_sandbox *sb)
{
	struct resources *rs = sb->resources_state;

	if (!rs || !rs->cg)
		return true;
	/*
	 * The OOM or pids event may sit behind the pidfd in the same batch of
	 * events: ask the cgroup now, so that a kill the kernel made for a
	 * limit is reported as that limit rather than as a bare SIGKILL.
	 */
	if (!sb->kill_requested && cgroup_oom_kills(rs->cg) > 0 &&
	    !sandbox_limit_exceeded(sb, QFS_RESOURCE_MEMORY))
		return false;
	if (!sb->kill_requested && rs->backend[QFS_RESOURCE_PROCESSES] >= CGROUP_BACKEND_V1 &&
	    cgroup_pids_refused(rs->cg) > 0 && !sandbox_limit_exceeded(sb, QFS_RESOURCE_PROCESSES))
		return false;
	/* The CPU budget is the timer's: a run that ended before it fired
	 * ended within the budget. */
	sample(rs, MONITOR_SAMPLE_FULL);
	return true;
}

void resources_release(qfs_sandbox *sb)
{
	struct resources *rs = sb->resources_state;

	if (!rs)
		return;
	/* The v1 eventfd fires when its cgroup is removed: out of the loop first. */
	rs->oom_src = loop_source_free(rs->oom_src);
	rs->pids_src = loop_source_free(rs->pids_src);
	rs->sample_timer = loop_timer_free(rs->sample_timer);
	rs->cpu_timer = loop_timer_free(rs->cpu_timer);
	rs->mon = monitor_free(rs->mon);
	/* The cgroups stay for the next run (cgroup_reuse()); nothing of
	 * this one may outlive it. */
	if (rs->cg)
		cgroup_kill(rs->cg);
	rs->cpu_budget_usec = 0;
	rs->pids_polled = false;
	if (sb->kill_hook == kill_hook)
		sb->kill_hook = NULL;
	launch_resources_init(&sb->resources);
}

void resources_idle(qfs_sandbox *sb)
{
	struct resources *rs = sb->resources_state;

	if (rs && !sb->running)
		rs->cg = cgroup_free(rs->cg);
}

void resources_free(qfs_sandbox *sb)
{
	resources_release(sb);
	if (sb->resources_state)
		sb->resources_state->cg = cgroup_free(sb->resources_state->cg);
	free(sb->resources_state);
	sb->resources_state = NULL;
}

const char *resources_backend(const qfs_sandbox *sb, qfs_resource resource)
{
	const struct resources *rs = sb->resources_state;

	if (!rs || !rs->prepared || (int)resource < 0 || resource >= CGROUP_RESOURCE_COUNT)
		return NULL;
	return cgroup_backend_string(rs->backend[resource]);
}

const char *resources_kill_backend(const qfs_sandbox *sb)
{
	const struct resources *rs = sb->resources_state;

	return rs && rs->prepared ? cgroup_backend_string(rs->kill) : NULL;
}

const char *resources_describe(const qfs_sandbox *sb)
{
	const struct resources *rs = sb->resources_state;

	return rs && rs->prepared ? rs->describe : NULL;
}
