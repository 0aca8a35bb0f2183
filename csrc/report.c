/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report of a run as JSON: what happened (status, exit code, signal,
 * limit), what it used, what it tried that the policy forbids, the policy
 * itself, and which layer enforced what.
 */
#include <jansson.h>
#include <sched.h>

#include <qfsandbox/sandbox.h>

#include "apis.h"
#include "enforcer_internal.h"
#include "resources.h"
#include "sandbox_internal.h"
#include "util.h"

static const char *const status_names[] = {"exited",	     "signaled",  "timeout",
					   "limit_exceeded", "violation", "setup_failed"};

const char *qfs_status_name(int status)
{
	return status >= 0 && (size_t)status < ARRAY_SIZE(status_names) ? status_names[status]
									: NULL;
}

static int dump(json_t *root, unsigned flags, char **ret)
{
	if (!root)
		return -ENOMEM;
	size_t f =
		JSON_PRESERVE_ORDER | ((flags & QFS_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2));
	char *s = json_dumps(root, f);
	json_decref(root);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static json_t *usage_json(const qfs_usage *u)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "cpu_time_used",
		(json_int_t)u->cpu_time_used_ms, "memory_used_mb", (json_int_t)u->memory_used_mb,
		"memory_peak_mb", (json_int_t)u->memory_peak_mb, "disk_space_used_mb",
		(json_int_t)u->disk_space_used_mb, "file_handles_used",
		(json_int_t)u->file_handles_used, "network_connections_used",
		(json_int_t)u->network_connections_used, "network_connections_peak",
		(json_int_t)u->network_connections_peak, "processes_peak",
		(json_int_t)u->processes_peak, "wall_time_ms", (json_int_t)u->wall_time_ms);
}

static void set_opt_string(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *violation_json(const qfs_violation *v)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	set_opt_string(o, "type", qfs_violation_type_name(v->type));
	set_opt_string(o, "detail", v->detail);
	set_opt_string(o, "syscall", v->syscall);
	set_opt_string(o, "path", v->path);
	set_opt_string(o, "host", v->host);
	set_opt_string(o, "address", v->address);
	if (v->port >= 0 && (v->host || v->address))
		json_object_set_new(o, "port", json_integer(v->port));
	set_opt_string(o, "api", v->api);
	json_object_set_new(o, "pid", json_integer(v->pid));
	json_object_set_new(o, "time_ms", json_integer((json_int_t)v->time_ms));
	json_object_set_new(o, "count", json_integer((json_int_t)(v->count ? v->count : 1)));
	return o;
}

int qfs_usage_to_json(const qfs_usage *usage, unsigned flags, char **ret)
{
	if (!usage || !ret)
		return -EINVAL;
	return dump(usage_json(usage), flags, ret);
}

int qfs_violation_to_json(const qfs_violation *v, unsigned flags, char **ret)
{
	if (!v || !ret)
		return -EINVAL;
	return dump(violation_json(v), flags, ret);
}

static const struct {
	uint64_t flag;
	const char *name;
} ns_names[] = {
	{CLONE_NEWUSER, "user"}, {CLONE_NEWPID, "pid"}, {CLONE_NEWNS, "mount"},
	{CLONE_NEWIPC, "ipc"},	 {CLONE_NEWUTS, "uts"}, {CLONE_NEWCGROUP, "cgroup"},
	{CLONE_NEWNET, "net"},
};

static json_t *missing_json(const char *missing)
{
	json_t *a = json_array();
	_cleanup_free_ char *copy = strdup(missing);
	char *save = NULL;

	if (!a || !copy)
		return a;
	for (char *w = strtok_r(copy, ";", &save); w; w = strtok_r(NULL, ";", &save)) {
		while (*w == ' ')
			w++;
		json_array_append_new(a, json_string(w));
	}
	return a;
}

/* Network policy (net.h): what the network became, and what the mediator
 * did in the run. */
static const char *network_limit_backend(const struct launch_enforcement *e)
{
	if (e->net_mode == NET_MODE_MEDIATED)
		return "mediator";
	if (e->net_mode == NET_MODE_COUNTED)
		return e->landlock_tcp_connect ? "mediator"
					       : "mediator (without Landlock's TCP rules a "
						 "racing plugin may escape the count)";
	return "none";
}

static json_t *network_json(const qfs_sandbox *sb)
{
	const struct launch_enforcement *e = &sb->enf;
	struct net_stats st;
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (sb->net)
		net_get_stats(sb->net, &st);
	else
		st = sb->net_stats;
	json_object_set_new(o, "mode", json_string(net_mode_name(e->net_mode)));
	json_object_set_new(o, "landlock_tcp_connect", json_boolean(e->landlock_tcp_connect));
	if (e->net_mode == NET_MODE_MEDIATED || e->net_mode == NET_MODE_COUNTED) {
		json_object_set_new(o, "connections", json_integer((json_int_t)st.connections));
		json_object_set_new(o, "refused_by_policy",
				    json_integer((json_int_t)st.refused_policy));
		json_object_set_new(o, "refused_by_limit",
				    json_integer((json_int_t)st.refused_limit));
	}
	if (e->net_mode == NET_MODE_MEDIATED) {
		json_object_set_new(o, "dns_queries", json_integer((json_int_t)st.dns_queries));
		json_object_set_new(o, "dns_refused", json_integer((json_int_t)st.dns_refused));
		json_object_set_new(o, "proxy_sessions",
				    json_integer((json_int_t)st.proxy_sessions));
	}
	return o;
}

static json_t *enforcement_json(const qfs_sandbox *sb)
{
	const struct launch_enforcement *e = &sb->enf;
	const bool restricted = e->level >= QFS_LEVEL_LIMITED;
	json_t *o = json_object(), *ns = json_array(), *limits = json_object(), *effects;

	if (!o || !ns || !limits) {
		json_decref(o);
		json_decref(ns);
		json_decref(limits);
		return NULL;
	}
	json_object_set_new(o, "level", json_string(qfs_level_name(e->level)));
	json_object_set_new(
		o, "mode",
		json_string(qfs_policy_get_enforcement(sb->policy) == QFS_ENFORCE_BEST_EFFORT
				    ? "best_effort"
				    : "require"));
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (e->namespaces & ns_names[i].flag)
			json_array_append_new(ns, json_string(ns_names[i].name));
	json_object_set_new(o, "namespaces", ns);
	json_t *reused = json_array();
	if (reused && e->joined) {
		json_array_append_new(reused, json_string("user"));
		json_array_append_new(reused, json_string("net"));
	}
	json_object_set_new(o, "reused_namespaces", reused);
	json_object_set_new(o, "reused_plan", json_boolean(e->plan_reused));
	json_object_set_new(o, "private_root", json_boolean(e->private_root));
	json_object_set_new(o, "private_root_template", json_boolean(e->root_template));
	json_object_set_new(o, "landlock",
			    e->landlock_abi
				    ? json_pack("{s:i, s:b, s:b}", "abi", e->landlock_abi, "scoped",
						e->landlock_scoped, "tcp", e->landlock_tcp)
				    : json_null());
	const char *mode = e->seccomp == SECCOMP_POLICY_ALLOW_LIST  ? "allow-list"
			   : e->seccomp == SECCOMP_POLICY_DENY_LIST ? "deny-list"
								    : NULL;
	json_t *seccomp = NULL, *files = json_array();
	if (mode && files) {
		if (e->files & ENFORCER_FILE_WRITES)
			json_array_append_new(files, json_string("writes"));
		if (e->files & ENFORCER_FILE_READS)
			json_array_append_new(files, json_string("reads"));
		seccomp = json_pack("{s:s, s:s, s:s, s:O}", "mode", mode, "exec_after_start",
				    e->exec_notify ? "refused" : "allowed", "violations",
				    e->reports ? "reported" : "refused unreported",
				    "file_access_reported", files);
	}
	json_decref(files);
	json_object_set_new(o, "seccomp", seccomp ? seccomp : json_null());
	effects = json_array();
	if (effects) {
		if (e->effects & APIS_NO_EXEC)
			json_array_append_new(effects, json_string("no_exec"));
		if (e->effects & APIS_NO_PROCESS_CREATION)
			json_array_append_new(effects, json_string("no_process_creation"));
		if (e->effects & APIS_WX)
			json_array_append_new(effects, json_string("w^x"));
		if (e->effects & APIS_NOEXEC_WRITABLE)
			json_array_append_new(effects, json_string("noexec_writable"));
		if (e->sockets & SECCOMP_NO_UNIX_SOCKETS)
			json_array_append_new(effects, json_string("no_unix_sockets"));
		if (e->sockets & SECCOMP_NO_INET_SOCKETS)
			json_array_append_new(effects, json_string("no_inet_sockets"));
		if (e->sockets & SECCOMP_SOCKET_FAMILIES)
			json_array_append_new(effects, json_string("socket_families"));
		if (e->host & SECCOMP_NO_HOST_IPC)
			json_array_append_new(effects, json_string("no_host_ipc"));
		if (e->host & SECCOMP_OWN_TASK_ONLY)
			json_array_append_new(effects, json_string("own_task_only"));
	}
	json_object_set_new(o, "effects", effects);
	json_object_set_new(o, "mdwe", json_boolean(e->mdwe));
	json_object_set_new(o, "no_new_privs", json_boolean(e->no_new_privs));
	json_object_set_new(o, "capabilities", json_string(e->caps_dropped ? "none" : "kept"));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "gid", json_integer(e->gid));
	json_object_set_new(o, "init", json_boolean(e->init));

	/* Which backend holds each limit (resources.c chose the cgroup rung). */
	const char *cpu = resources_backend(sb, QFS_RESOURCE_CPU_TIME);
	const char *mem = resources_backend(sb, QFS_RESOURCE_MEMORY);
	const char *procs = resources_backend(sb, QFS_RESOURCE_PROCESSES);
	char cpu_text[64];

	/* CPU time: who counts it, the budget timer, the RLIMIT_CPU backstop. */
	snprintf(cpu_text, sizeof(cpu_text), "%s+timer%s",
		 cpu && strncmp(cpu, "cgroup", 6) == 0 ? cpu : "proc",
		 e->rlimit_cpu ? "+rlimit" : "");
	json_object_set_new(limits, "cpu_time",
			    json_string(cpu		? cpu_text
					: e->rlimit_cpu ? "rlimit (whole seconds)"
							: "none"));
	json_object_set_new(limits, "memory",
			    json_string(!mem		       ? "none"
					: streq(mem, "rlimit") ? "sampling+rlimit (data, backstop)"
							       : mem));
	json_object_set_new(limits, "disk_space",
			    json_string(e->tmpfs_disk && e->rlimit_fsize ? "tmpfs+rlimit+sampling"
					: e->rlimit_fsize		 ? "rlimit+sampling"
									 : "sampling"));
	json_object_set_new(limits, "file_handles",
			    json_string(e->rlimit_nofile ? "rlimit" : "none"));
	json_object_set_new(limits, "network_connections", json_string(network_limit_backend(e)));
	json_object_set_new(limits, "processes",
			    json_string(restricted && (e->effects & APIS_NO_PROCESS_CREATION)
						? "seccomp (no process creation)"
					: procs ? procs
						: "none"));
	const char *kill = resources_kill_backend(sb), *cg = resources_describe(sb);
	json_object_set_new(o, "cgroup",
			    cg ? json_pack("{s:s, s:s}", "kill", kill, "detail", cg) : json_null());
	json_object_set_new(limits, "execution_timeout", json_string("timerfd"));
	json_object_set_new(o, "limits", limits);
	json_object_set_new(o, "network", network_json(sb));
	json_object_set_new(o, "missing", missing_json(e->missing));
	return o;
}

int report_json(const qfs_sandbox *sb, unsigned flags, char **ret)
{
	json_t *root = json_object(), *violations = json_array(), *policy = NULL;
	_cleanup_free_ char *policy_text = NULL;

	if (!root || !violations)
		goto oom;
	if (sb->running)
		json_object_set_new(root, "status", json_string("running"));
	else
		json_object_set_new(root, "status", json_string(qfs_status_name(sb->status)));
	bool ended = !sb->running && !sb->setup_failed && sb->pid > 0;
	json_object_set_new(root, "exit_code",
			    ended && sb->status == QFS_STATUS_EXITED ? json_integer(sb->exit_code)
								     : json_null());
	json_object_set_new(root, "signal",
			    ended && sb->signal ? json_integer(sb->signal) : json_null());
	json_object_set_new(root, "limit",
			    sb->limit >= 0 ? json_string(qfs_resource_name(sb->limit))
					   : json_null());
	if (sb->setup_failed)
		json_object_set_new(root, "error", json_string(sb->setup_error.message));
	json_object_set_new(root, "pid", json_integer(sb->pid));
	json_object_set_new(root, "usage", usage_json(&sb->usage));
	for (size_t i = 0; i < sb->n_violations; i++)
		json_array_append_new(violations, violation_json(qfs_sandbox_get_violation(sb, i)));
	json_object_set_new(root, "violations", violations);
	violations = NULL;
	json_object_set_new(root, "violations_dropped",
			    json_integer((json_int_t)sb->violations_dropped));
	json_object_set_new(root, "violation_callbacks_missed",
			    json_integer((json_int_t)sb->violation_callbacks_missed));
	if (qfs_policy_save_string(sb->policy, QFS_JSON_COMPACT, &policy_text) < 0)
		goto oom;
	policy = json_loads(policy_text, 0, NULL);
	json_object_set_new(root, "policy", policy ? policy : json_null());
	json_object_set_new(root, "enforcement",
			    sb->enf_valid ? enforcement_json(sb) : json_null());
	return dump(root, flags, ret);
oom:
	json_decref(violations);
	json_decref(root);
	return -ENOMEM;
}
