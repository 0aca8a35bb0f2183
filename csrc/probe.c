/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What this host offers, asked of the kernel itself rather than inferred
 * from version numbers or sysctls: namespaces are created in a throw-away
 * child, Landlock and seccomp answer their own version/availability
 * queries, pidfd_open and clone3 are called.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <jansson.h>

#include <qfsandbox/probe.h>
#include <qfsandbox/policy.h>

#include "util.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* Landlock ABI that added scoping of abstract Unix sockets and signals. */
#define LANDLOCK_ABI_SCOPING 6

enum probe_ns {
	PROBE_NS_USER,
	PROBE_NS_PID,
	PROBE_NS_MOUNT,
	PROBE_NS_NET,
	PROBE_NS_IPC,
	PROBE_NS_UTS,
	PROBE_NS_CGROUP,
	PROBE_NS_COUNT,
};

static const struct {
	const char *name;
	int flag;
} probe_ns[PROBE_NS_COUNT] = {
	[PROBE_NS_USER] = {"user", CLONE_NEWUSER},	 [PROBE_NS_PID] = {"pid", CLONE_NEWPID},
	[PROBE_NS_MOUNT] = {"mount", CLONE_NEWNS},	 [PROBE_NS_NET] = {"net", CLONE_NEWNET},
	[PROBE_NS_IPC] = {"ipc", CLONE_NEWIPC},		 [PROBE_NS_UTS] = {"uts", CLONE_NEWUTS},
	[PROBE_NS_CGROUP] = {"cgroup", CLONE_NEWCGROUP},
};

struct cgroup_v1 {
	const char *controller;
	char mount[PATH_MAX];
	char path[PATH_MAX];
	bool writable;
};

struct probe {
	char kernel[128];
	unsigned ns_ok; /* bit per enum probe_ns, as created inside a new user namespace */
	long max_user_namespaces;
	int unprivileged_userns_clone; /* -1: the sysctl does not exist */
	int landlock_abi;	       /* 0: none */
	bool seccomp_filter, seccomp_user_notif, seccomp_kill_process;
	bool no_new_privs;
	bool pidfd, clone3;
	char v2_mount[PATH_MAX];
	char v2_path[PATH_MAX];
	bool v2_writable;
	char v2_controllers[256];
	char v2_subtree[256];
	struct cgroup_v1 v1[3];
};

/*
 * Namespaces: a child unshares a user namespace first (as an unprivileged
 * launcher must), then each other namespace in turn inside it, and reports
 * a bitmask as its exit status.  The child makes raw syscalls only, so this
 * is safe in a multi-threaded process; it is reaped by pid, never by
 * waitpid(-1).
 */
static unsigned probe_namespaces(void)
{
	int status;
	pid_t pid;

	/* A raw clone without an exit signal: no atfork handlers run, and the
	 * host's SIGCHLD handling (QProcess's among others) never sees it. */
	pid = (pid_t)syscall(SYS_clone, 0, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return 0;
	if (pid == 0) {
		unsigned ok = 0;

		if (unshare(CLONE_NEWUSER) == 0)
			ok |= 1u << PROBE_NS_USER;
		else
			_exit(0);
		for (int i = PROBE_NS_PID; i < PROBE_NS_COUNT; i++)
			if (unshare(probe_ns[i].flag) == 0)
				ok |= 1u << i;
		_exit(ok);
	}
	while (waitpid(pid, &status, __WALL) < 0)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) ? (unsigned)WEXITSTATUS(status) : 0;
}

static long read_long_file(const char *path, long fallback)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long v;

	if (!f || fscanf(f, "%ld", &v) != 1)
		return fallback;
	return v;
}

static void read_line_file(const char *path, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f || !fgets(buf, size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void probe_seccomp(struct probe *p)
{
	uint32_t action;

	/* PR_GET_SECCOMP fails with EINVAL when the kernel lacks seccomp. */
	p->seccomp_filter = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	action = SECCOMP_RET_USER_NOTIF;
	p->seccomp_user_notif = p->seccomp_filter &&
				syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
	action = SECCOMP_RET_KILL_PROCESS;
	p->seccomp_kill_process = p->seccomp_filter &&
				  syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
	p->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) >= 0;
}

static void probe_process_calls(struct probe *p)
{
	int fd = syscall(SYS_pidfd_open, getpid(), 0);

	p->pidfd = fd >= 0;
	close_safe(fd);
	/* clone3 with a NULL argument of size 0: EINVAL where it exists,
	 * ENOSYS where it does not; no process is created either way. */
	p->clone3 = syscall(SYS_clone3, NULL, 0) < 0 && errno != ENOSYS;
}

static bool writable(const char *dir)
{
	return faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == 0;
}

/* Whether the comma-separated @opts names @word. */
static bool has_word(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *s = opts; (s = strstr(s, word)); s += n)
		if ((s == opts || s[-1] == ',' || s[-1] == ':') &&
		    (s[n] == ',' || s[n] == '\0' || s[n] == ':' || s[n] == ' '))
			return true;
	return false;
}

/* Joins @mount, the cgroup path and strips the mount's own root. */
static void join_cgroup(char *out, size_t size, const char *mount, const char *root,
			const char *path)
{
	size_t rl = strlen(root);

	if (rl > 1 && strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	snprintf(out, size, "%s%s", mount, streq(path, "/") ? "" : path);
}

/*
 * cgroups: mount points from /proc/self/mountinfo, our own cgroup from
 * /proc/self/cgroup ("0::/path" for v2, "N:ctrl,ctrl:/path" for v1).
 */
static void probe_cgroups(struct probe *p)
{
	static const char *const v1_controllers[] = {"memory", "pids", "cpuacct"};
	char v2_root[PATH_MAX] = "/", v1_root[3][PATH_MAX], v1_own[3][PATH_MAX];
	_cleanup_free_ char *line = NULL;
	char v2_own[PATH_MAX] = "";
	size_t cap = 0;
	FILE *f;

	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		p->v1[i].controller = v1_controllers[i];
		v1_root[i][0] = v1_own[i][0] = '\0';
	}

	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[64], source[256], opts[1024];
		const char *sep = strstr(line, " - ");

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS" */
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%63s %255s %1023s", fstype, source, opts) != 3)
			continue;
		if (streq(fstype, "cgroup2") && !p->v2_mount[0]) {
			snprintf(p->v2_mount, sizeof(p->v2_mount), "%s", mnt);
			snprintf(v2_root, sizeof(v2_root), "%s", root);
		} else if (streq(fstype, "cgroup")) {
			for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
				if (!p->v1[i].mount[0] && has_word(opts, v1_controllers[i])) {
					snprintf(p->v1[i].mount, PATH_MAX, "%s", mnt);
					snprintf(v1_root[i], PATH_MAX, "%s", root);
				}
		}
	}
	if (f)
		fclose(f);

	f = fopen("/proc/self/cgroup", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char *ctrl, *path;

		line[strcspn(line, "\n")] = '\0';
		ctrl = strchr(line, ':');
		path = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!path)
			continue;
		*ctrl++ = '\0';
		*path++ = '\0';
		if (strncmp(line, "0", 2) == 0 && ctrl[0] == '\0')
			snprintf(v2_own, sizeof(v2_own), "%s", path);
		for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
			if (has_word(ctrl, v1_controllers[i]))
				snprintf(v1_own[i], PATH_MAX, "%s", path);
	}
	if (f)
		fclose(f);

	if (p->v2_mount[0] && v2_own[0]) {
		char file[PATH_MAX + 32];

		join_cgroup(p->v2_path, sizeof(p->v2_path), p->v2_mount, v2_root, v2_own);
		p->v2_writable = writable(p->v2_path);
		snprintf(file, sizeof(file), "%s/cgroup.controllers", p->v2_path);
		read_line_file(file, p->v2_controllers, sizeof(p->v2_controllers));
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", p->v2_path);
		read_line_file(file, p->v2_subtree, sizeof(p->v2_subtree));
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		if (!p->v1[i].mount[0] || !v1_own[i][0])
			continue;
		join_cgroup(p->v1[i].path, PATH_MAX, p->v1[i].mount, v1_root[i], v1_own[i]);
		p->v1[i].writable = writable(p->v1[i].path);
	}
}

static void probe_run(struct probe *p)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0)
		snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	p->ns_ok = probe_namespaces();
	p->max_user_namespaces = read_long_file("/proc/sys/user/max_user_namespaces", -1);
	p->unprivileged_userns_clone =
		(int)read_long_file("/proc/sys/kernel/unprivileged_userns_clone", -1);
	{
		long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
				   LANDLOCK_CREATE_RULESET_VERSION);
		p->landlock_abi = abi > 0 ? (int)abi : 0;
	}
	probe_seccomp(p);
	probe_process_calls(p);
	probe_cgroups(p);
}

/* The layers @level needs that this host lacks, as a JSON array of names. */
static json_t *missing_layers(const struct probe *p, int level)
{
	json_t *missing = json_array();

	if (!missing)
		return NULL;
	if (level >= QFS_LEVEL_LIMITED) {
		if (p->landlock_abi < 1)
			json_array_append_new(missing, json_string("landlock"));
		if (!p->seccomp_filter)
			json_array_append_new(missing, json_string("seccomp"));
	}
	/* Without namespaces, only Landlock's scoping keeps a Limited plugin
	 * from the session bus and from signalling the user's processes. */
	if (level == QFS_LEVEL_LIMITED && p->landlock_abi >= 1 &&
	    p->landlock_abi < LANDLOCK_ABI_SCOPING)
		json_array_append_new(missing, json_string("landlock scoping (ABI 6)"));
	if (level >= QFS_LEVEL_SANDBOXED)
		for (int i = 0; i < PROBE_NS_COUNT; i++)
			if (!(p->ns_ok & (1u << i))) {
				char name[32];
				snprintf(name, sizeof(name), "%s namespace", probe_ns[i].name);
				json_array_append_new(missing, json_string(name));
			}
	if (level >= QFS_LEVEL_STRICT && !p->seccomp_user_notif)
		json_array_append_new(missing, json_string("seccomp user notification"));
	return missing;
}

/* Which backend would hold a limit: "cgroup2", "cgroup1" or "rlimit". */
static const char *backend(const struct probe *p, const char *v2_controller, int v1_index)
{
	if (p->v2_writable && (!v2_controller || has_word(p->v2_controllers, v2_controller)))
		return "cgroup2";
	if (v1_index >= 0 && p->v1[v1_index].writable)
		return "cgroup1";
	return "rlimit";
}

static json_t *words_array(const char *words)
{
	_cleanup_free_ char *copy = strdup(words);
	json_t *arr = json_array();
	char *save = NULL;

	if (!copy || !arr)
		return arr;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_array_append_new(arr, json_string(w));
	return arr;
}

static json_t *probe_to_json(const struct probe *p)
{
	json_t *root, *ns, *v1, *levels, *backends;

	ns = json_object();
	for (int i = 0; i < PROBE_NS_COUNT; i++)
		json_object_set_new(ns, probe_ns[i].name, json_boolean(p->ns_ok & (1u << i)));
	v1 = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(p->v1); i++) {
		const struct cgroup_v1 *c = &p->v1[i];
		json_object_set_new(v1, c->controller,
				    c->mount[0]
					    ? json_pack("{s:s, s:s, s:b}", "mount", c->mount,
							"path", c->path, "writable", c->writable)
					    : json_null());
	}
	levels = json_array();
	for (int level = QFS_LEVEL_UNRESTRICTED; level <= QFS_LEVEL_STRICT; level++) {
		json_t *missing = missing_layers(p, level);
		json_t *notes = json_array();

		/* Not a missing layer: Landlock below ABI 6 still confines
		 * files, but cannot scope abstract sockets and signals. */
		if (notes && level >= QFS_LEVEL_LIMITED && p->landlock_abi >= 1 &&
		    p->landlock_abi < LANDLOCK_ABI_SCOPING)
			json_array_append_new(notes,
					      json_string("Landlock ABI below 6: abstract Unix "
							  "sockets and signals are not scoped"));
		json_array_append_new(levels,
				      json_pack("{s:i, s:s, s:b, s:o*, s:o*}", "level", level,
						"name", qfs_level_name(level), "enforceable",
						missing && !json_array_size(missing), "missing",
						missing, "notes", notes));
	}
	backends = json_pack("{s:s, s:s, s:s, s:s, s:s}", "memory", backend(p, "memory", 0),
			     "processes", backend(p, "pids", 1), "cpu_time", backend(p, NULL, 2),
			     "file_handles", "rlimit", "disk_space", "tmpfs");

	root = json_pack(
		"{s:s, s:{s:b, s:I, s:i, s:o*}, s:{s:i, s:b}, s:{s:b, s:b, s:b}, s:b, s:b, s:b,"
		" s:o*, s:o*, s:o*, s:o*}",
		"kernel", p->kernel, "user_namespaces", "available",
		(bool)(p->ns_ok & (1u << PROBE_NS_USER)), "max_user_namespaces",
		(json_int_t)p->max_user_namespaces, "unprivileged_userns_clone",
		p->unprivileged_userns_clone, "namespaces", ns, "landlock", "abi", p->landlock_abi,
		"scoping", p->landlock_abi >= LANDLOCK_ABI_SCOPING, "seccomp", "filter",
		p->seccomp_filter, "user_notification", p->seccomp_user_notif, "kill_process",
		p->seccomp_kill_process, "no_new_privs", p->no_new_privs, "pidfd", p->pidfd,
		"clone3", p->clone3, "cgroup_v2",
		p->v2_mount[0] ? json_pack("{s:s, s:s, s:b, s:o*, s:o*}", "mount", p->v2_mount,
					   "path", p->v2_path, "writable", p->v2_writable,
					   "controllers", words_array(p->v2_controllers),
					   "subtree_control", words_array(p->v2_subtree))
			       : json_null(),
		"cgroup_v1", v1, "resource_backends", backends, "levels", levels);
	return root;
}

int qfs_probe_json(unsigned flags, char **ret)
{
	struct probe *p;
	json_t *root;
	char *text;

	if (!ret || (flags & ~QFS_JSON_COMPACT))
		return -EINVAL;
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	probe_run(p);
	root = probe_to_json(p);
	free(p);
	if (!root)
		return -ENOMEM;
	text = json_dumps(root, JSON_PRESERVE_ORDER |
					(flags & QFS_JSON_COMPACT ? JSON_COMPACT : JSON_INDENT(2)));
	json_decref(root);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

int qfs_probe_level(int level, qfs_error *err)
{
	char list[400] = "";
	size_t len = 0, i;
	struct probe *p;
	json_t *missing, *v;

	if (level < QFS_LEVEL_UNRESTRICTED || level > QFS_LEVEL_STRICT)
		return error_set(err, "level", 0, "level must be 0..3, not %d", level);
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	probe_run(p);
	missing = missing_layers(p, level);
	free(p);
	if (!missing)
		return -ENOMEM;
	if (json_array_size(missing) == 0) {
		json_decref(missing);
		return 0;
	}
	json_array_foreach (missing, i, v)
		if (len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					json_string_value(v));
	json_decref(missing);
	return error_set(err, "enforcement", ENOTSUP,
			 "level %s cannot be fully enforced here: missing %s",
			 qfs_level_name(level), list);
}
