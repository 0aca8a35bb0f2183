/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside a qfs_sandbox: shared by sandbox.c (lifecycle, events), report.c
 * (JSON) and, later, the monitor, the cgroup backend and the enforcer.
 */
#ifndef QFS_SANDBOX_INTERNAL_H
#define QFS_SANDBOX_INTERNAL_H

#include <qfsandbox/sandbox.h>

#include "launch.h"
#include "net.h"

#define SANDBOX_OUTPUT_CAP	(1u << 20) /* bytes kept per captured stream */
#define SANDBOX_VIOLATIONS_KEPT 1000
/* Notifications handled per round of the loop: the listener is
 * level-triggered, so the rest waits for the next round while the loop
 * serves its other sources (another sandbox, a timer). */
#define SANDBOX_NOTIFICATIONS_PER_ROUND 64
/* security_violation callbacks per round; the rest follow in later rounds. */
#define SANDBOX_CALLBACKS_PER_ROUND 16
/* A repeat of an event already delivered is delivered again, with its new
 * count, at most this often. */
#define SANDBOX_REPEAT_INTERVAL_USEC (100 * 1000)

struct enforcer;
struct loop_source;
struct loop_timer;
struct notify;

/* One kept violation. */
struct sandbox_violation {
	qfs_violation v;	 /* strings owned */
	bool pending;		 /* the callback has not yet seen it (or its latest count) */
	uint64_t delivered_usec; /* when the callback last saw it; 0: never */
};

struct sandbox_output {
	int fd; /* read end, -1 once at EOF or not captured */
	struct loop_source *src;
	char *buf;
	size_t len, cap;
	bool captured, truncated;
};

/* Set while a callback runs; qfs_sandbox_free() raises `freed` in every
 * guard, so the code that called back knows not to touch the sandbox. */
struct sandbox_guard {
	bool freed;
	struct sandbox_guard *next;
};

/* A hook that ends every process of the sandbox besides what the launcher
 * does itself (pid-namespace teardown, process-group kill): cgroup.kill. */
typedef void (*sandbox_kill_fn)(qfs_sandbox *sb, void *userdata);

struct qfs_sandbox {
	qfs_loop *loop;
	qfs_policy *policy;
	qfs_sandbox_callbacks cb;
	void *userdata;
	int stdio[3]; /* as configured: >= 0, QFS_STDIO_NULL, QFS_STDIO_CAPTURE */

	/* the current or last run */
	bool running; /* from start until the `exited` callback */
	bool reaped;  /* the main process is gone; waiting for output EOF */
	pid_t pid;
	int pidfd;
	bool own_pid_ns;
	bool reaper; /* no pid namespace: SIGTERM to the init ends the sandbox */
	int listener;
	struct notify *notify;
	struct enforcer *enforcer;
	int exit_pipe;
	struct loop_source *pidfd_src, *listener_src;
	struct loop_timer *timeout_timer, *grace_timer;
	struct sandbox_output out[2]; /* stdout, stderr */
	uint64_t start_usec;
	qfs_usage usage;
	struct launch_enforcement enf;
	bool enf_valid;
	qfs_error setup_error;
	bool setup_failed;

	/* how it ended */
	bool kill_requested;
	bool limit_reported;	/* the limit_exceeded callback fired for this run */
	qfs_status kill_status; /* why we killed: TIMEOUT, LIMIT_EXCEEDED ... */
	int kill_limit;
	qfs_status status;
	int exit_code;
	int signal;
	int limit;

	/* violations: a ring of the newest SANDBOX_VIOLATIONS_KEPT, repeats
	 * coalesced; callbacks are delivered in rounds (see sandbox.c) */
	struct sandbox_violation *violations;
	size_t n_violations, violations_head;
	uint64_t violations_dropped;
	size_t violations_pending;	     /* slots with .pending set */
	uint64_t violation_callbacks_missed; /* dropped from the ring before delivery */
	struct loop_timer *violation_timer;

	/* The user and network namespaces of the last run, which the next one
	 * joins rather than builds anew (-1: none). */
	int kept_userns, kept_netns;
	uid_t kept_uid;

	/* The plan of the last good run, which the next one reuses when it
	 * asks for the same and the files it examined did not change
	 * (launch_plan_new()). */
	struct launch_plan *plan;
	/* When the plan's private-root template is given up unless another
	 * run starts first (it holds the host's mount tree), and the timer
	 * that does it while the loop runs. */
	uint64_t template_until_usec;
	struct loop_timer *template_timer;

	/* The network mediator of the run (net.h), and the nameservers it
	 * asks (none set: the system's, read at each start). */
	struct net *net;
	struct net_stats net_stats; /* kept when the mediator is gone */
	struct net_nameserver nameservers[NET_MAX_NAMESERVERS];
	size_t n_nameservers;

	struct sandbox_guard *guards;
	unsigned run_id; /* bumped by every start */
	sandbox_kill_fn kill_hook;
	void *kill_hook_userdata;
	struct launch_resources resources;
	struct resources *resources_state; /* resources.c: cgroups, monitor */
};

/* Ends every process of the running sandbox with SIGKILL; the status the
 * run will report is @status (with @limit for LIMIT_EXCEEDED). */
void sandbox_kill(qfs_sandbox *sb, qfs_status status, int limit);

/*
 * A limit was reached: fires limit_exceeded (once per run) and ends the
 * sandbox with status LIMIT_EXCEEDED.  May free @sb through the callback:
 * returns false then.
 */
bool sandbox_limit_exceeded(qfs_sandbox *sb, qfs_resource resource);

/*
 * A limit refused an attempt without ending the sandbox (a connection over
 * max_network_connections below Strict): fires limit_exceeded.  May free
 * @sb through the callback: returns false then.
 */
bool sandbox_limit_refused(qfs_sandbox *sb, qfs_resource resource);

/*
 * Records a violation (copying its strings; a repeat of one of the newest
 * events only raises that event's count), and under Strict ends the sandbox
 * with status VIOLATION.  Calls no callback, so it is safe anywhere,
 * including in a seccomp notification handler.
 */
void sandbox_violation_record(qfs_sandbox *sb, const qfs_violation *v);

/* Records as above and delivers the pending callbacks (a bounded number).
 * May free @sb through the callback: returns false then. */
bool sandbox_violation(qfs_sandbox *sb, const qfs_violation *v);

/* Fires usage_updated with sb->usage.  Return: false when the callback
 * freed @sb. */
bool sandbox_usage_updated(qfs_sandbox *sb);

/* Milliseconds since the plugin started. */
uint64_t sandbox_elapsed_ms(const qfs_sandbox *sb);

/* report.c */
int report_json(const qfs_sandbox *sb, unsigned flags, char **ret);

#endif /* QFS_SANDBOX_INTERNAL_H */
