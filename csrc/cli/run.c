/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox run: run one program under a policy.
 *
 * Exit status: the plugin's own exit code; 128+N when it died of signal N
 * (a limit kill is 137); 124 when the execution timeout ended it; 125 when
 * the sandbox could not be set up or the policy is invalid (with a one-line
 * reason on stderr); 126 when the program cannot be executed; 127 when it
 * does not exist.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define EXIT_TIMEOUT	 124
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND	 127

static const char usage_text[] =
	"Usage: qfsandbox run [OPTIONS] -- PROGRAM [ARGS...]\n"
	"\n"
	"Run PROGRAM under a security policy (default: the built-in `strict`).\n"
	"Options override the policy's fields:\n"
	"  --policy NAME|FILE         built-in policy name or JSON policy file\n"
	"  --level LEVEL              unrestricted, limited, sandboxed or strict\n"
	"  --memory MB                memory_limit_mb\n"
	"  --cpu-time MS              cpu_time_limit\n"
	"  --timeout MS               execution_timeout\n"
	"  --disk MB                  disk_space_limit_mb\n"
	"  --max-fds N                max_file_handles\n"
	"  --max-connections N        max_network_connections\n"
	"  --max-processes N          max_processes\n"
	"  --allow-read DIR           add DIR to allowed_directories, allow reading\n"
	"  --allow-write DIR          add DIR to allowed_directories, allow writing\n"
	"  --allow-network            allow_network_access\n"
	"  --allow-host HOST          add HOST to allowed_hosts (and allow the network)\n"
	"  --nameserver ADDR[:PORT]   DNS server the supervisor asks for the plugin\n"
	"                             (repeatable; default: /etc/resolv.conf's)\n"
	"  --allow-process-creation   allow_process_creation\n"
	"  --allow-env                pass the environment (allow_environment_access)\n"
	"  --block-api NAME           add NAME to blocked_apis\n"
	"  --type TYPE                native (default), python, javascript or lua\n"
	"  --report FILE              write the run's report (JSON) to FILE\n"
	"  --events                   print events as JSON lines on stderr\n"
	"  --quiet                    no summary line\n"
	"\n"
	"Permissions (read, write) apply to every allowed directory alike.\n"
	"Exit status: the program's own; 128+N when it died of signal N; 124 on\n"
	"timeout; 125 when the sandbox could not be set up or the policy is invalid;\n"
	"126 when PROGRAM cannot be executed; 127 when it does not exist.\n";

struct run_state {
	const char *const *nameservers; /* NULL-terminated, or NULL */
	bool events;
	bool quiet;
	bool done;
	qfs_status status;
	int exit_code;
	int signal;
	int limit;
};

/* Prints one event as a JSON line on stderr. */
static void print_event(const char *name, const char *key, const char *json, json_t *extra)
{
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(name));
	if (extra)
		json_object_update(o, extra);
	if (key && json) {
		json_t *v = json_loads(json, 0, NULL);
		if (v)
			json_object_set_new(o, key, v);
	}
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fprintf(stderr, "%s\n", line);
		free(line);
	}
	json_decref(o);
	json_decref(extra);
}

static void on_usage(qfs_sandbox *sb, const qfs_usage *usage, void *userdata)
{
	struct run_state *st = userdata;
	char *json = NULL;

	if (!st->events || qfs_usage_to_json(usage, QFS_JSON_COMPACT, &json) < 0)
		return;
	print_event("usage", "usage", json, NULL);
	free(json);
}

static void on_limit(qfs_sandbox *sb, qfs_resource resource, const qfs_usage *usage, void *userdata)
{
	struct run_state *st = userdata;
	char *json = NULL;

	if (!st->events || qfs_usage_to_json(usage, QFS_JSON_COMPACT, &json) < 0)
		return;
	print_event("limit_exceeded", "usage", json,
		    json_pack("{s:s}", "resource", qfs_resource_name(resource)));
	free(json);
}

static void on_violation(qfs_sandbox *sb, const qfs_violation *v, void *userdata)
{
	struct run_state *st = userdata;
	char *json = NULL;

	if (!st->events || qfs_violation_to_json(v, QFS_JSON_COMPACT, &json) < 0)
		return;
	print_event("violation", "violation", json, NULL);
	free(json);
}

static void on_exited(qfs_sandbox *sb, const qfs_exit *ex, void *userdata)
{
	struct run_state *st = userdata;

	st->done = true;
	st->status = ex->status;
	st->exit_code = ex->exit_code;
	st->signal = ex->signal;
	st->limit = ex->limit;
	if (st->events) {
		char *json = NULL;
		qfs_usage_to_json(ex->usage, QFS_JSON_COMPACT, &json);
		json_t *extra = json_pack(
			"{s:s, s:o, s:o, s:o}", "status", qfs_status_name(ex->status), "exit_code",
			ex->status == QFS_STATUS_EXITED ? json_integer(ex->exit_code) : json_null(),
			"signal", ex->signal ? json_integer(ex->signal) : json_null(), "limit",
			ex->limit >= 0 ? json_string(qfs_resource_name(ex->limit)) : json_null());
		print_event("exited", "usage", json, extra);
		free(json);
	}
}

static int write_report(const qfs_sandbox *sb, const char *path)
{
	char *json = NULL;
	int r = qfs_sandbox_report_json(sb, 0, &json);

	if (r < 0) {
		fprintf(stderr, "qfsandbox: building the report failed: %s\n", strerror(-r));
		return r;
	}
	FILE *f = fopen(path, "we");
	if (!f) {
		r = -errno;
		fprintf(stderr, "qfsandbox: cannot write the report to %s: %s\n", path,
			strerror(errno));
		free(json);
		return r;
	}
	fprintf(f, "%s\n", json);
	free(json);
	if (fclose(f) != 0) {
		fprintf(stderr, "qfsandbox: cannot write the report to %s: %s\n", path,
			strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Adds @dir (made absolute) to allowed_directories, once. */
static int add_directory(qfs_policy *policy, const char *flag, const char *dir)
{
	char abs[PATH_MAX];

	if (!realpath(dir, abs)) {
		fprintf(stderr, "qfsandbox: %s %s: %s\n", flag, dir, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	size_t n = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i), abs))
			return 0;
	return qfs_policy_list_add(policy, QFS_LIST_ALLOWED_DIRECTORIES, abs) < 0 ? CLI_EXIT_FAILURE
										  : 0;
}

/* Applies the options to @policy.  Return 0 or an exit status. */
static int apply_args(qfs_policy *policy, const struct cli_run_args *args)
{
	if (args->level >= 0)
		qfs_policy_set_level(policy, args->level);
	for (int l = 0; l < QFS_LIMIT_COUNT; l++)
		if (args->limits[l] >= 0)
			qfs_policy_set_limit(policy, l, args->limits[l]);
	for (size_t i = 0; i < args->n_dirs; i++) {
		const struct cli_run_dir *d = &args->dirs[i];
		int r = add_directory(policy, d->write ? "--allow-write" : "--allow-read", d->path);
		if (r)
			return r;
		qfs_policy_set_permission(
			policy, d->write ? QFS_PERM_FILE_SYSTEM_WRITE : QFS_PERM_FILE_SYSTEM_READ,
			true);
	}
	for (size_t i = 0; i < args->n_hosts; i++)
		qfs_policy_list_add(policy, QFS_LIST_ALLOWED_HOSTS, args->hosts[i]);
	if (args->allow_network)
		qfs_policy_set_permission(policy, QFS_PERM_NETWORK_ACCESS, true);
	if (args->allow_process_creation)
		qfs_policy_set_permission(policy, QFS_PERM_PROCESS_CREATION, true);
	if (args->allow_env)
		qfs_policy_set_permission(policy, QFS_PERM_ENVIRONMENT_ACCESS, true);
	for (size_t i = 0; i < args->n_apis; i++)
		qfs_policy_list_add(policy, QFS_LIST_BLOCKED_APIS, args->apis[i]);
	return 0;
}

/* The exit status for a run that ended. */
static int exit_status(const struct run_state *st)
{
	if (st->status == QFS_STATUS_EXITED)
		return st->exit_code & 0xff;
	if (st->status == QFS_STATUS_TIMEOUT)
		return EXIT_TIMEOUT;
	return 128 + (st->signal ? st->signal : SIGKILL);
}

/* The violations, newest last, at most a screenful; --report has them all. */
#define SUMMARY_VIOLATIONS 10

static void print_violations(const qfs_sandbox *sb)
{
	uint64_t dropped = 0;
	size_t n = qfs_sandbox_violation_count(sb, &dropped);
	size_t first = n > SUMMARY_VIOLATIONS ? n - SUMMARY_VIOLATIONS : 0;

	if (!n)
		return;
	if (first || dropped)
		fprintf(stderr,
			"qfsandbox: %llu earlier violations not shown (the report lists %zu)\n",
			(unsigned long long)(first + dropped), n);
	for (size_t i = first; i < n; i++) {
		const qfs_violation *v = qfs_sandbox_get_violation(sb, i);
		fprintf(stderr, "qfsandbox: violation: %s: %s", qfs_violation_type_name(v->type),
			v->detail ? v->detail : "");
		if (v->count > 1)
			fprintf(stderr, " (%llu times)", (unsigned long long)v->count);
		fputc('\n', stderr);
	}
}

static void print_summary(const struct run_state *st, const qfs_sandbox *sb)
{
	if (st->quiet)
		return;
	/* With --events they were printed as they happened. */
	if (!st->events)
		print_violations(sb);
	if (st->status == QFS_STATUS_EXITED)
		return;
	const qfs_policy *p = qfs_sandbox_get_policy(sb);
	switch (st->status) {
	case QFS_STATUS_TIMEOUT:
		fprintf(stderr, "qfsandbox: timeout: the execution timeout of %lld ms ended it\n",
			(long long)qfs_policy_get_limit(p, QFS_LIMIT_EXECUTION_TIMEOUT_MS));
		break;
	case QFS_STATUS_LIMIT_EXCEEDED:
		fprintf(stderr, "qfsandbox: limit exceeded: %s\n", qfs_resource_name(st->limit));
		break;
	case QFS_STATUS_VIOLATION:
		fprintf(stderr, "qfsandbox: ended for a security violation\n");
		break;
	default:
		fprintf(stderr, "qfsandbox: killed by signal %d (%s)\n", st->signal,
			strsignal(st->signal));
		break;
	}
}

/* Polls the loop and our signalfd until the run ends; a signal to us ends
 * the sandbox and becomes our exit status. */
static int run_loop(qfs_loop *loop, qfs_sandbox *sb, int sigfd, struct run_state *st,
		    int *got_signal)
{
	while (!st->done) {
		struct pollfd p[2] = {{.fd = qfs_loop_get_fd(loop), .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN}};
		int n = poll(p, sigfd >= 0 ? 2 : 1, qfs_loop_get_timeout(loop));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (sigfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !*got_signal) {
				*got_signal = (int)si.ssi_signo;
				qfs_sandbox_kill(sb);
			}
		}
		int r = qfs_loop_dispatch(loop);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The run happens in a child of the process that was started (the front),
 * which only passes signals on and returns the child's exit status.  So
 * `kill -9` of the tool, the usual way a script ends a stuck command,
 * still ends the sandbox cleanly: the child's parent-death signal is
 * SIGTERM, on which it ends the plugin, writes the report and removes the
 * sandbox's cgroups, as for a ^C.  (Killing the child itself with SIGKILL
 * still ends every plugin process, and leaves its cgroup directories to
 * the sweep of the next supervisor's start.)
 *
 * Return: -1 in the child, which goes on to run (also when fork fails:
 * the front then runs itself); otherwise the exit status for the front.
 */
static int run_detached(void)
{
	sigset_t relay, old;
	pid_t front = getpid();
	int status;

	sigemptyset(&relay);
	for (const int *s = (const int[]){SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, 0}; *s; s++)
		sigaddset(&relay, *s);
	sigprocmask(SIG_BLOCK, &relay, &old);
	pid_t pid = fork();
	if (pid <= 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (pid == 0 &&
		    (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 || getppid() != front))
			_exit(128 + SIGTERM);
		return -1;
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&relay, &si);
		if (sig == SIGCHLD || (sig < 0 && errno != EINTR)) {
			pid_t got = waitpid(pid, &status, sig < 0 ? 0 : WNOHANG);
			if (got == pid)
				break;
			if (got < 0 && errno != EINTR)
				return CLI_EXIT_FAILURE;
		} else if (sig > 0) {
			kill(pid, sig);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cli_run(int argc, char **argv)
{
	struct run_state st = {.limit = -1};
	struct cli_parse_error perr;
	struct cli_run_args args;
	qfs_policy *policy = NULL;
	qfs_loop *loop = NULL;
	qfs_sandbox *sb = NULL;
	qfs_error err = {0};
	const char *report;
	int rc, type, program, sigfd = -1, got_signal = 0;

	if (cli_run_parse(argc, argv, &args, &perr) < 0)
		return cli_usage_error("%s", perr.message);
	if (args.help) {
		fputs(usage_text, stdout);
		cli_run_args_free(&args);
		return 0;
	}
	st.events = args.events;
	st.quiet = args.quiet;
	st.nameservers = args.n_nameservers ? args.nameservers : NULL;
	type = args.type;
	program = args.program;
	report = args.report;
	/* The policy first, so that the other options override it. */
	rc = cli_load_policy(args.policy, true, &policy);
	if (rc == 0)
		rc = apply_args(policy, &args);
	cli_run_args_free(&args);
	if (rc) {
		qfs_policy_free(policy);
		return rc;
	}
	if (qfs_policy_validate(policy, &err) < 0) {
		cli_print_error(&err);
		qfs_policy_free(policy);
		return CLI_EXIT_FAILURE;
	}
	rc = run_detached();
	if (rc >= 0) {
		qfs_policy_free(policy);
		return rc;
	}

	rc = qfs_loop_new(&loop);
	if (rc == 0)
		rc = qfs_sandbox_new(loop, policy, &sb, &err);
	qfs_policy_free(policy);
	if (rc < 0) {
		if (err.message[0])
			cli_print_error(&err);
		else
			fprintf(stderr, "qfsandbox: %s\n", strerror(-rc));
		qfs_loop_free(loop);
		return CLI_EXIT_FAILURE;
	}
	const qfs_sandbox_callbacks cb = {
		.usage_updated = on_usage,
		.limit_exceeded = on_limit,
		.security_violation = on_violation,
		.exited = on_exited,
	};
	qfs_sandbox_set_callbacks(sb, &cb, &st);
	qfs_sandbox_set_stdio(sb, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO);
	if (st.nameservers && qfs_sandbox_set_nameservers(sb, st.nameservers, &err) < 0) {
		cli_print_error(&err);
		qfs_sandbox_free(sb);
		qfs_loop_free(loop);
		return CLI_EXIT_FAILURE;
	}

	/* The plugin leads its own session, so the terminal's ^C reaches us
	 * alone; we end the sandbox and report the signal. */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	rc = qfs_sandbox_start(sb, type, argv[program], (const char *const *)argv + program + 1,
			       &err);
	if (rc < 0) {
		fprintf(stderr, "qfsandbox: %s\n", err.message[0] ? err.message : strerror(-rc));
		rc = rc == -ENOENT   ? EXIT_NOT_FOUND
		     : rc == -EACCES ? EXIT_CANNOT_EXEC
				     : CLI_EXIT_FAILURE;
		if (report && write_report(sb, report) < 0 && rc == 0)
			rc = CLI_EXIT_FAILURE;
		goto out;
	}
	rc = run_loop(loop, sb, sigfd, &st, &got_signal);
	if (rc < 0) {
		fprintf(stderr, "qfsandbox: supervising the plugin failed: %s\n", strerror(-rc));
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	if (report)
		write_report(sb, report);
	print_summary(&st, sb);
	rc = got_signal ? 128 + got_signal : exit_status(&st);
out:
	qfs_sandbox_free(sb);
	qfs_loop_free(loop);
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
