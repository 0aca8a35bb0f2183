/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — running a plugin under a policy.
 *
 * Lifecycle of a qfs_sandbox:
 *
 *   qfs_sandbox_new(loop, policy)   copies and validates the policy
 *   qfs_sandbox_set_callbacks()     optional; one table plus one userdata
 *   qfs_sandbox_set_stdio()         optional; default: /dev/null in, output captured
 *   qfs_sandbox_start()             builds the plan, starts the plugin, returns
 *                                   once it has exec'd (or failed to)
 *   ... dispatch the loop: usage_updated, limit_exceeded,
 *       security_violation callbacks; finally exited ...
 *   qfs_sandbox_report_json()       the whole story as one JSON object
 *   qfs_sandbox_free()              ends the plugin if it still runs and
 *                                   removes everything the sandbox created
 *
 * A sandbox runs one plugin at a time; after `exited` it may be started
 * again.  A later run joins the user and network namespaces its sandbox
 * created before (both made for this sandbox alone, in which no plugin
 * ever held a capability), copies the read-only part of the private root
 * its first run built (the runtime paths, /etc, /dev: a mount namespace
 * the supervisor keeps, in which no plugin ever ran, for at most 5 s after
 * the last run started; an idle sandbox gives up its plan and cgroups
 * then too) and takes its cgroups
 * again (empty, the peaks reset, the counters from zero); the pid, ipc,
 * uts and cgroup namespaces, /tmp, /proc, the plugin's and the allowed
 * directories' binds, Landlock and seccomp are new for each run.
 * qfs_sandbox_update_policy() forgets them.  The supervisor's plan of a run
 * (the plugin's command line, the private root's operations, the Landlock rules) is kept for the
 * next run that asks for the same plugin, arguments and policy, as long as every file it examined
 * is still the same inode (and, for files whose bytes it holds, of the same size and times); the
 * report says so (enforcement.reused_plan).  Everything the plugin starts lives
 * and dies with it: when its main process exits, when it is killed, when the sandbox is freed, and
 * when the supervisor itself dies (PR_SET_PDEATHSIG, pid namespace and cgroup kill).
 *
 * Enforcement is done by the kernel (namespaces, private root, Landlock,
 * seccomp, cgroups, rlimits, no_new_privs, an unprivileged uid).  The
 * supervisor observes and reports.  If the host lacks a layer the policy's
 * level needs, qfs_sandbox_start() fails with -ENOTSUP naming it, unless the
 * policy's enforcement is "best_effort"; the report then says what engaged.
 *
 * What the plugin starts with, at every level: its own session (no
 * controlling terminal), default signal dispositions and an empty signal
 * mask, stdin/stdout/stderr as set with qfs_sandbox_set_stdio() and no
 * other descriptor, RLIMIT_NOFILE = max_file_handles, RLIMIT_FSIZE =
 * disk_space_limit_mb, RLIMIT_CORE = 0, RLIMIT_CPU = cpu_time_limit in
 * whole seconds (a backstop; SIGXCPU, then SIGKILL a second later).
 * From Limited up, started by root it runs as uid/gid 65534 (nobody), so
 * the plugin file and the allowed directories must be usable by nobody;
 * otherwise as the caller's uid/gid.  Either way without capabilities
 * (bounding and ambient sets cleared where possible) and with
 * no_new_privs.  Its environment is the caller's with
 * allow_environment_access, else only PATH=/usr/local/bin:/usr/bin:/bin,
 * HOME and TMPDIR (/tmp inside a private root, the caller's own
 * otherwise, when set), and LANG, LANGUAGE, LC_ALL, LC_CTYPE, LC_MESSAGES,
 * LC_NUMERIC, LC_TIME, TERM and TZ when set.  In a pid namespace the
 * plugin is pid 2: pid 1 is the sandbox's own init, which reaps orphans
 * and passes the plugin's real exit status on.  Without one (Limited) the
 * plugin is the child of the sandbox's init all the same: a subreaper,
 * which becomes the parent of whatever the plugin orphans and, when the
 * plugin's main process ends or the supervisor goes, kills it all before
 * it exits; the plugin cannot signal it (a nested Landlock domain).
 *
 * Threading: a sandbox belongs to the thread that dispatches its loop.
 * The plugin's parent-death signal is tied to the thread that called
 * qfs_sandbox_start(): if that thread exits, the plugin is killed.
 */
#ifndef QFSANDBOX_SANDBOX_H
#define QFSANDBOX_SANDBOX_H

#include <sys/types.h>

#include <qfsandbox/common.h>
#include <qfsandbox/loop.h>
#include <qfsandbox/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qfs_sandbox qfs_sandbox;

/** How a run ended; names are the report's "status" strings. */
typedef enum qfs_status {
	QFS_STATUS_EXITED = 0,	       /* "exited": the plugin exited by itself */
	QFS_STATUS_SIGNALED = 1,       /* "signaled": killed by a signal not of our making */
	QFS_STATUS_TIMEOUT = 2,	       /* "timeout": execution_timeout ended it */
	QFS_STATUS_LIMIT_EXCEEDED = 3, /* "limit_exceeded": a resource limit ended it */
	QFS_STATUS_VIOLATION = 4,      /* "violation": a violation under Strict ended it */
	QFS_STATUS_SETUP_FAILED = 5,   /* "setup_failed": the sandbox could not be built */
} qfs_status;

QFS_EXPORT const char *qfs_status_name(int status);

/**
 * qfs_usage - one measurement of everything the sandbox's processes use.
 * MB figures are MiB, rounded down.  Times are milliseconds.
 */
typedef struct qfs_usage {
	uint64_t cpu_time_used_ms;	   /* user + system, all processes, dead ones included */
	uint64_t memory_used_mb;	   /* current charge (cgroup) or summed RSS */
	uint64_t memory_peak_mb;	   /* highest charge seen */
	uint64_t disk_space_used_mb;	   /* private /tmp plus writable allowed directories */
	uint32_t file_handles_used;	   /* open descriptors of all processes */
	uint32_t network_connections_used; /* open mediated connections */
	uint32_t network_connections_peak;
	uint32_t processes; /* live processes */
	uint32_t processes_peak;
	uint64_t wall_time_ms;	/* since the plugin started */
	uint64_t start_time_ms; /* CLOCK_MONOTONIC at start, in ms */
} qfs_usage;

/**
 * qfs_violation - one forbidden attempt.  Pointers are NULL when they do not
 * apply; everything is valid only during the callback (copy what you keep).
 */
typedef struct qfs_violation {
	qfs_violation_type type;
	const char *detail;  /* what was attempted, in words */
	const char *syscall; /* syscall name, e.g. "ptrace" */
	const char *path;    /* file path as the plugin gave it (resolved when possible) */
	const char *host;    /* host name, if known */
	const char *address; /* numeric destination address */
	int port;	     /* destination port, or -1 */
	const char *api;     /* the blocked_apis entry that matched */
	pid_t pid;	     /* host pid of the offending process, 0 if unknown */
	uint64_t time_ms;    /* since the plugin started */
	uint64_t count;	     /* identical attempts coalesced into this event (>= 1) */
} qfs_violation;

/** qfs_exit - how a run ended; valid only during the `exited` callback. */
typedef struct qfs_exit {
	qfs_status status;
	int exit_code;		/* exit status when EXITED, else -1 */
	int signal;		/* the killing signal when the plugin died of one, else 0 */
	int limit;		/* qfs_resource when LIMIT_EXCEEDED, else -1 */
	const qfs_usage *usage; /* final usage */
} qfs_exit;

/**
 * qfs_sandbox_callbacks - all optional (NULL).  Called only from
 * qfs_loop_dispatch() on the loop's thread.  A callback may free the sandbox
 * it is called for; no further callback fires for it then.  `exited` is the
 * last callback of a run.
 *
 * security_violation fires once per event of the sandbox's log
 * (qfs_sandbox_get_violation()), at most 16 times per round of the loop;
 * when identical attempts raise an event's count, it fires again for that
 * event with the new count, at most every 100 ms, and with the final count
 * before `exited`.  Under Strict the plugin is already being killed.
 */
typedef struct qfs_sandbox_callbacks {
	void (*usage_updated)(qfs_sandbox *sb, const qfs_usage *usage, void *userdata);
	void (*limit_exceeded)(qfs_sandbox *sb, qfs_resource resource, const qfs_usage *usage,
			       void *userdata);
	void (*security_violation)(qfs_sandbox *sb, const qfs_violation *violation, void *userdata);
	void (*exited)(qfs_sandbox *sb, const qfs_exit *exit, void *userdata);
} qfs_sandbox_callbacks;

/**
 * qfs_sandbox_new() - a sandbox for @policy on @loop.
 * @loop:   takes a reference to the loop.
 * @policy: copied; the caller keeps ownership of its own.
 * @ret:    receives the sandbox; the caller owns it (qfs_sandbox_free()).
 * @err:    why the policy is invalid.
 * Return: 0, -EINVAL (invalid policy, with @err), -ENOMEM.
 */
QFS_EXPORT int qfs_sandbox_new(qfs_loop *loop, const qfs_policy *policy, qfs_sandbox **ret,
			       qfs_error *err);

/**
 * qfs_sandbox_free() - ends the plugin if it runs (SIGKILL to every process
 * of the sandbox, reaped), removes cgroups and other host state, drops the
 * loop reference.  Fires no callbacks.  NULL-safe; returns NULL.
 */
QFS_EXPORT qfs_sandbox *qfs_sandbox_free(qfs_sandbox *sb);

/**
 * qfs_sandbox_set_callbacks() - @cb is copied; @userdata is passed back.
 * Return: 0, -EINVAL.
 */
QFS_EXPORT int qfs_sandbox_set_callbacks(qfs_sandbox *sb, const qfs_sandbox_callbacks *cb,
					 void *userdata);

/** Pass as a descriptor to qfs_sandbox_set_stdio(). */
#define QFS_STDIO_NULL (-1) /* /dev/null */
#define QFS_STDIO_CAPTURE                                                                          \
	(-2) /* a pipe read by the loop, kept up to 1 MiB (stdout/stderr only)                     \
	      */

/**
 * qfs_sandbox_set_stdio() - where the plugin's standard descriptors go.
 * Descriptors >= 0 are duplicated into the plugin at start; the caller keeps
 * its own.  Default: QFS_STDIO_NULL, QFS_STDIO_CAPTURE, QFS_STDIO_CAPTURE.
 * Return: 0, -EINVAL, -EBUSY while running.
 */
QFS_EXPORT int qfs_sandbox_set_stdio(qfs_sandbox *sb, int in_fd, int out_fd, int err_fd);

/**
 * qfs_sandbox_set_nameservers() - the DNS servers the supervisor asks for a
 * plugin whose network it mediates (Sandboxed and Strict with
 * allow_network_access, Limited with allowed_hosts; see the README's
 * network section).  The plugin itself asks only the sandbox's resolver,
 * which the supervisor serves and which answers only names the policy
 * admits; this sets where the supervisor takes the answers from.
 * @servers: NULL-terminated, copied; each "ADDRESS" or "ADDRESS:PORT"
 *           ("1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353"), at most 8,
 *           asked in turn.  NULL or empty: the nameservers of the
 *           system's /etc/resolv.conf, read at every start (127.0.0.1
 *           when it names none).
 * Takes effect at the next start.
 * Return: 0; -EINVAL (a malformed entry, named in @err); -EBUSY while
 * running.
 */
QFS_EXPORT int qfs_sandbox_set_nameservers(qfs_sandbox *sb, const char *const *servers,
					   qfs_error *err);

/**
 * qfs_sandbox_start() - start @path under the sandbox's policy.
 *
 * Native plugins are executables, or shared libraries that export
 * `int qfs_plugin_main(int argc, char **argv)` and are run by qfsandbox-host
 * (argv[0] is the library's path; the return value is the exit status);
 * the ELF header decides which (PT_INTERP, ET_EXEC or DF_1_PIE: an
 * executable).  Python, JavaScript and Lua plugins run under
 * /usr/bin/python3, /usr/bin/node (with --jitless when W^X is enforced)
 * and /usr/bin/lua resolved through /etc/alternatives, never through PATH.
 * The interpreter and @path are visible read-only inside the sandbox
 * whatever allowed_directories says.
 *
 * Returns once the plugin has been exec'd, or once setup failed (then
 * nothing is left running; @err names the failed step and its errno).
 *
 * @path: the plugin file, absolute or relative to the current directory.
 * @argv: arguments after the program, NULL-terminated; NULL for none.
 * Return: 0; -EBUSY if running; -ENOENT (no such file); -EACCES (cannot be
 * executed); -ENOTSUP with @err->field "plugin" (the type cannot run here:
 * interpreter or plugin host not installed, unknown type); -ENOTSUP with
 * @err->field "enforcement" (a layer the level requires is missing);
 * -ECHILD (setup failed inside the child, @err->field names the step);
 * -ENOMEM; -EINVAL.
 */
QFS_EXPORT int qfs_sandbox_start(qfs_sandbox *sb, qfs_plugin_type type, const char *path,
				 const char *const *argv, qfs_error *err);

/**
 * qfs_sandbox_kill() - end the whole sandbox now (every process, SIGKILL).
 * The `exited` callback follows from dispatch with status "signaled".
 * Return: 0, -EBUSY when not running.
 */
QFS_EXPORT int qfs_sandbox_kill(qfs_sandbox *sb);

/**
 * qfs_sandbox_wait() - dispatch @sb's loop (other sandboxes' callbacks fire
 * too) until @sb is no longer running or @timeout_ms passes (-1: no limit).
 * Return: 0 when not running, -ETIMEDOUT, or a loop error.
 */
QFS_EXPORT int qfs_sandbox_wait(qfs_sandbox *sb, int timeout_ms);

QFS_EXPORT bool qfs_sandbox_is_running(const qfs_sandbox *sb);

/**
 * Host pid of the sandbox's main process, 0 before start; stays valid after
 * exit.  From Limited up that is the sandbox's init, whose only child runs
 * the plugin; in a pid namespace (Sandboxed, Strict) killing it ends every
 * process inside, without one (Limited) SIGTERM makes it end them all
 * first (SIGKILL would leave them to the host's init).
 */
QFS_EXPORT pid_t qfs_sandbox_get_pid(const qfs_sandbox *sb);

/** The sandbox's own copy of the policy.  Valid until the sandbox is freed. */
QFS_EXPORT const qfs_policy *qfs_sandbox_get_policy(const qfs_sandbox *sb);

/**
 * qfs_sandbox_update_policy() - replace the policy between runs (copied and
 * validated).  Return: 0, -EBUSY while running, -EINVAL with @err.
 */
QFS_EXPORT int qfs_sandbox_update_policy(qfs_sandbox *sb, const qfs_policy *policy, qfs_error *err);

/**
 * qfs_sandbox_sample() - measure usage now (does not fire usage_updated).
 * @ret: receives a pointer to the sandbox's latest sample, valid until the
 *       next call that takes @sb.  After exit: the final usage.
 * Return: 0, -EINVAL.
 */
QFS_EXPORT int qfs_sandbox_sample(qfs_sandbox *sb, const qfs_usage **ret);

/**
 * qfs_sandbox_get_output() - captured stdout (@fd 1) or stderr (@fd 2).
 * @data, @len: the bytes (not NUL-terminated), valid until the next start or
 *              free.
 * @truncated:  whether more than 1 MiB was written and the rest dropped.
 * Return: 0, -EINVAL (bad @fd, or that stream was not captured).
 */
QFS_EXPORT int qfs_sandbox_get_output(const qfs_sandbox *sb, int fd, const char **data, size_t *len,
				      bool *truncated);

/**
 * qfs_sandbox_violation_count() - violations kept from the current or last
 * run (at most 1000, the newest; repeats are coalesced with a count).
 * @dropped: receives how many older ones were dropped (may be NULL).
 */
QFS_EXPORT size_t qfs_sandbox_violation_count(const qfs_sandbox *sb, uint64_t *dropped);
/** Violation @index (0 = oldest kept), valid until the next start or free. */
QFS_EXPORT const qfs_violation *qfs_sandbox_get_violation(const qfs_sandbox *sb, size_t index);

/**
 * qfs_sandbox_report_json() - the run as one JSON object: status, exit_code,
 * signal, limit, usage, violations (with violations_dropped), policy (the
 * effective policy), enforcement (which layer enforced what).  Before the
 * run ends, status is "running".
 * @ret: receives a string the caller frees with free().
 * Return: 0, -ENOMEM, -EINVAL.
 */
QFS_EXPORT int qfs_sandbox_report_json(const qfs_sandbox *sb, unsigned flags, char **ret);

/* JSON forms of callback data, in the same shape the report uses; for the
 * CLI's --events and the Qt facade.  @ret is freed with free(). */
QFS_EXPORT int qfs_usage_to_json(const qfs_usage *usage, unsigned flags, char **ret);
QFS_EXPORT int qfs_violation_to_json(const qfs_violation *v, unsigned flags, char **ret);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_SANDBOX_H */
