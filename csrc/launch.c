/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Planning a launch in the supervisor, and walking the plan in the child.
 *
 * The child is created by a raw clone3() from a thread of a possibly
 * multi-threaded program.  glibc does not know about it: its copy of the
 * thread list, of malloc's locks and of stdio's state is stale.  So the
 * child calls no libc function that could take a lock or touch another
 * thread (no malloc, no stdio, no setuid() wrappers, which broadcast to the
 * threads glibc believes exist): it uses plain syscall wrappers and
 * syscall() only, and reads the plan from its copy-on-write memory.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <qfsandbox/enforcer.h>

#include "apis.h"
#include "decide.h"
#include "enforcer_internal.h"
#include "landlock.h"
#include "launch.h"
#include "loop_internal.h"
#include "net.h"
#include "notify.h"
#include "plugin.h"
#include "policy.h"
#include "rootfs.h"
#include "util.h"

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define NOBODY 65534

/* Stack of the init's vfork child: the filter and the exec only. */
#define LAUNCH_INIT_STACK (64 * 1024)
/* Stack of the init a joining child starts: the whole setup runs on it. */
#define LAUNCH_JOIN_STACK (256 * 1024)

/* The child's descriptors, at fixed numbers after the shuffle. */
enum {
	FD_STATUS = 3,	/* socket to the supervisor: errors, listener; EOF = exec'd */
	FD_RULESET = 4, /* Landlock ruleset */
	FD_EXIT = 5,	/* the init's report of the plugin's wait status */
	FD_USERNS = 6,	/* user namespace to join */
	FD_NETNS = 7,	/* network namespace to join */
	FD_MNTNS = 8,	/* the private root's template (rootfs.h), to copy */
	FD_FIRST_FREE = 9,
};

const char *const launch_env_kept[] = {"LANG",	      "LANGUAGE",   "LC_ALL",  "LC_CTYPE",
				       "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "TERM",
				       "TZ",	      NULL};

/* Child steps; the table below names them in error sentences. */
enum step {
	STEP_CGROUP,
	STEP_PDEATHSIG,
	STEP_SIGNALS,
	STEP_FDS,
	STEP_JOIN,
	STEP_SETSID,
	STEP_IDS,
	STEP_ROOTFS,
	STEP_TEMPLATE,
	STEP_LOOPBACK,
	STEP_HOSTNAME,
	STEP_NET_SERVICES,
	STEP_CHDIR,
	STEP_LANDLOCK_RULES,
	STEP_BOUNDING,
	STEP_CAPS,
	STEP_RLIMIT,
	STEP_PRIORITY,
	STEP_NNP,
	STEP_MDWE,
	STEP_LANDLOCK,
	STEP_SECCOMP,
	STEP_INIT,
	STEP_EXEC,
	STEP__MAX,
};

static const struct {
	const char *field;
	const char *what;
} steps[STEP__MAX] = {
	[STEP_CGROUP] = {"cgroup", "joining the sandbox's cgroup"},
	[STEP_PDEATHSIG] = {"pdeathsig", "setting the parent-death signal"},
	[STEP_SIGNALS] = {"signals", "resetting signal handlers"},
	[STEP_FDS] = {"fds", "closing inherited descriptors"},
	[STEP_JOIN] = {"namespaces", "joining the namespaces of the previous run"},
	[STEP_SETSID] = {"setsid", "starting a new session"},
	[STEP_IDS] = {"uid", "switching to the plugin's user and group"},
	[STEP_ROOTFS] = {"rootfs", "building the private root"},
	[STEP_TEMPLATE] = {"rootfs", "keeping the private root's template"},
	[STEP_LOOPBACK] = {"network", "bringing up the loopback interface"},
	[STEP_HOSTNAME] = {"hostname", "setting the host name"},
	[STEP_NET_SERVICES] = {"network",
			       "creating the sockets of the sandbox's DNS resolver and proxies"},
	[STEP_CHDIR] = {"cwd", "changing to the working directory"},
	[STEP_LANDLOCK_RULES] = {"landlock", "adding Landlock rules for the private root"},
	[STEP_BOUNDING] = {"capabilities", "clearing the capability bounding set"},
	[STEP_CAPS] = {"capabilities", "dropping capabilities"},
	[STEP_RLIMIT] = {"rlimit", "setting resource limits"},
	[STEP_PRIORITY] = {"priority", "lowering the priority to a normal process's"},
	[STEP_NNP] = {"no_new_privs", "setting no_new_privs"},
	[STEP_MDWE] = {"mdwe", "refusing writable executable memory (PR_SET_MDWE)"},
	[STEP_LANDLOCK] = {"landlock", "setting up Landlock"},
	[STEP_SECCOMP] = {"seccomp", "loading the seccomp filter"},
	[STEP_INIT] = {"init", "starting the sandbox's init"},
	[STEP_EXEC] = {"exec", "executing the plugin"},
};

/* Child -> supervisor. */
enum { MSG_ERROR = 1, MSG_LISTENER = 2, MSG_INIT = 3, MSG_NET = 4, MSG_TEMPLATE = 5 };
struct launch_msg {
	int32_t kind;
	int32_t step;
	int32_t error; /* positive errno */
	int32_t arg;   /* failed rootfs op or rlimit resource; listener fd; init pid */
};

struct child_rule {
	const char *path;
	uint64_t access;
};

/* What a plan was made for: a later run asking for the same may reuse it. */
struct plan_key {
	const qfs_policy *policy; /* the sandbox's; replacing it drops the plan */
	uint64_t generation;	  /* bumped by every setter of the policy */
	qfs_plugin_type type;
	char *path;
	char **argv; /* NULL-terminated, NULL for none */
	unsigned flags;
	uid_t euid;
	gid_t egid;
	uint64_t caps; /* effective capabilities: have_cap() decided with them */
};

/* What lstat() (and stat(), through a symlink) said of a path. */
struct ident {
	int error; /* 0, or the errno of the look-up */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
};

/*
 * A path the plan examined.  The plan holds what it found there: an inode
 * (Landlock rules, verified binds, a symlink's target), or with `content`
 * something derived from the bytes (a plugin's kind, a file copied into the
 * private root).  A later run reuses the plan only when every path still
 * says the same; the identity is taken before the plan looks, so that a
 * change while it is made shows too.
 */
struct watch {
	char *path;
	bool content;
	struct ident node;   /* lstat */
	struct ident target; /* stat, when node is a symlink */
};

struct launch_plan {
	struct launch_enforcement enf;
	struct plugin_cmd *cmd;
	char **envp;

	uint64_t clone_flags;  /* CLONE_NEW* the plugin ends up in */
	uint64_t clone3_flags; /* CLONE_NEW* clone3 creates (none when joining) */
	int join_userns;       /* reuse: namespaces of the previous run, or -1 */
	int join_netns;
	bool keep_ns;	  /* hand the new user and network namespaces back */
	char *join_stack; /* LAUNCH_JOIN_STACK bytes for the joining child's init */
	int cgroup_fd;
	int cgroup_procs_fds[LAUNCH_MAX_CGROUP_PROCS];
	size_t n_cgroup_procs;
	struct launch_rlimit rlimits[LAUNCH_MAX_RLIMITS];
	size_t n_rlimits;

	/* ids */
	bool root_parent; /* started by root: the plugin runs as nobody */
	uid_t uid;
	gid_t gid;
	char uid_map[32], gid_map[32];
	bool deny_setgroups;
	bool setid_early; /* in a user namespace: switch before the mounts */
	bool setid_late;  /* without one: switch after them */
	bool drop_bounding;
	bool drop_caps;
	int cap_last;

	struct rootfs_plan *rootfs;
	bool loopback, hostname;
	bool net_services;		  /* create the mediated network's sockets (net.h) */
	struct net_addr dns[NET_MAX_DNS]; /* where its resolver listens */
	size_t n_dns;
	char *cwd; /* NULL: keep the supervisor's */

	int landlock_fd;
	struct child_rule child_rules[LAUNCH_MAX_CHILD_RULES];
	size_t n_child_rules;

	bool nnp, mdwe;
	bool normal_priority; /* no real-time class, negative nice or RT I/O */
	struct seccomp_program *seccomp;
	bool init;	   /* our own pid 1 in a pid namespace, or the reaper */
	bool reaper;	   /* no pid namespace: the init is a subreaper that kills (Limited) */
	bool reaper_scope; /* the plugin in a nested Landlock domain: it cannot signal the init */
	char *init_stack;  /* LAUNCH_INIT_STACK bytes for the plugin's vfork */
	const struct sock_fprog *init_filter;
	bool handshake; /* wait for the supervisor after clone (id maps; getppid is 0) */
	/* The private root's template (rootfs.h): a mount namespace of the
	 * kept user namespace, owned by the plan, or -1; this run copies it,
	 * or builds it for the supervisor to keep. */
	int template_mnt;
	bool use_template;
	bool build_template;

	/* The parent's Landlock rules, a new ruleset from them each run: the
	 * child adds the rules of its own mounts to the ruleset it gets, so
	 * one ruleset cannot serve two runs.  The system paths' descriptors
	 * are kept from run to run (they pin nothing that is ever unmounted);
	 * allowed directories and the plugin are opened each time. */
	struct landlock_rule *rules;
	size_t n_rules;
	bool landlock;

	/* Reuse (launch_plan_new()). */
	struct plan_key key;
	struct watch *watch;
	size_t n_watch, cap_watch;
	bool reusable; /* false: something changed while the plan was made */
	char **strings;
	size_t n_strings, cap_strings;

	/* filled by launch_spawn() just before clone3 */
	pid_t parent_pid;
	int stdio[3];
	int status_fd;
	int exit_fd;
	int timeout_ms;
};

void launch_resources_init(struct launch_resources *res)
{
	memset(res, 0, sizeof(*res));
	res->cgroup_fd = -1;
}

static void missing_add(struct launch_enforcement *enf, const char *what)
{
	size_t len = strlen(enf->missing);

	snprintf(enf->missing + len, sizeof(enf->missing) - len, "%s%s", len ? "; " : "", what);
}

static int rlimit_set(struct launch_plan *p, int resource, rlim_t soft, rlim_t hard)
{
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (p->rlimits[i].resource == resource) {
			p->rlimits[i].limit = (struct rlimit){soft, hard};
			return 0;
		}
	if (p->n_rlimits == LAUNCH_MAX_RLIMITS)
		return -E2BIG;
	p->rlimits[p->n_rlimits++] =
		(struct launch_rlimit){.resource = resource, .limit = {soft, hard}};
	return 0;
}

static bool have_cap(int cap)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

static int cap_last_cap(void)
{
	static int cached = -1;
	char buf[16] = {0};
	int last = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (last >= 0)
		return last;
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	last = fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 ? atoi(buf) : CAP_LAST_CAP;
	__atomic_store_n(&cached, last, __ATOMIC_RELAXED);
	return last;
}

static bool seccomp_available(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static bool mdwe_available(void)
{
	return prctl(PR_GET_MDWE, 0, 0, 0, 0) >= 0;
}

/* The environment: the caller's, or the documented minimum. */
static int env_build(struct launch_plan *p, const qfs_policy *policy)
{
	extern char **environ;
	size_t n = 0, k = 0;

	if (qfs_policy_get_permission(policy, QFS_PERM_ENVIRONMENT_ACCESS)) {
		while (environ && environ[n])
			n++;
		p->envp = calloc(n + 1, sizeof(char *));
		if (!p->envp)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!(p->envp[k++] = strdup(environ[i])))
				return -ENOMEM;
		return 0;
	}
	p->envp = calloc(ARRAY_SIZE(launch_env_kept) + 4, sizeof(char *));
	if (!p->envp)
		return -ENOMEM;
	const bool private_root = p->rootfs != NULL;
	const char *home = private_root ? "/tmp" : getenv("HOME");
	const char *tmpdir = private_root ? "/tmp" : getenv("TMPDIR");
	if (asprintf(&p->envp[k++], "PATH=/usr/local/bin:/usr/bin:/bin") < 0 ||
	    (home && asprintf(&p->envp[k++], "HOME=%s", home) < 0) ||
	    (tmpdir && asprintf(&p->envp[k++], "TMPDIR=%s", tmpdir) < 0))
		return -ENOMEM;
	for (const char *const *name = launch_env_kept; *name; name++) {
		const char *v = getenv(*name);
		if (v && asprintf(&p->envp[k++], "%s=%s", *name, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A string the plan keeps (a path the policy named: the policy may change
 * while the plan is kept, and the plan is then dropped, but not freed
 * before it). */
static const char *plan_keep(struct launch_plan *p, const char *s)
{
	if (!s)
		return NULL;
	if (p->n_strings == p->cap_strings) {
		size_t cap = p->cap_strings ? p->cap_strings * 2 : 16;
		char **v = realloc(p->strings, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->strings = v;
		p->cap_strings = cap;
	}
	char *d = strdup(s);
	if (d)
		p->strings[p->n_strings++] = d;
	return d;
}

static void ident_get(struct ident *id, int r, const struct stat *st)
{
	*id = (struct ident){.error = r < 0 ? errno : 0};
	if (r < 0)
		return;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->mode = st->st_mode;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

static void ident_read(const char *path, struct ident *node, struct ident *target)
{
	struct stat st;

	ident_get(node, lstat(path, &st), &st);
	if (!node->error && S_ISLNK(node->mode))
		ident_get(target, stat(path, &st), &st);
	else
		*target = (struct ident){0};
}

static bool ident_same(const struct ident *a, const struct ident *b, bool content)
{
	if (a->error || b->error)
		return a->error == b->error;
	if (a->dev != b->dev || a->ino != b->ino || a->mode != b->mode)
		return false;
	return !content ||
	       (a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
		a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
		a->ctime.tv_nsec == b->ctime.tv_nsec);
}

/* The inode a path names, through a final symlink. */
static const struct ident *watch_followed(const struct watch *w)
{
	return !w->node.error && S_ISLNK(w->node.mode) ? &w->target : &w->node;
}

static struct watch *watch_find(const struct launch_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_watch; i++)
		if (streq(p->watch[i].path, path))
			return &p->watch[i];
	return NULL;
}

/*
 * A file changed within the timestamps' granularity of our look at it
 * could change again without its times moving: a plan holding its bytes is
 * only kept once the file has been still for a while (as git does with
 * its index).
 */
static bool ident_racy(const struct ident *id)
{
	struct timespec now;

	if (id->error || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return false;
	return id->ctime.tv_sec >= now.tv_sec - 2 || id->mtime.tv_sec >= now.tv_sec - 2;
}

/* Records what @path names now, before the plan looks at it. */
static int watch_add(struct launch_plan *p, const char *path, bool content)
{
	struct watch *w = watch_find(p, path);

	if (!w) {
		if (p->n_watch == p->cap_watch) {
			size_t cap = p->cap_watch ? p->cap_watch * 2 : 64;
			struct watch *v = realloc(p->watch, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			p->watch = v;
			p->cap_watch = cap;
		}
		w = &p->watch[p->n_watch];
		*w = (struct watch){.path = strdup(path)};
		if (!w->path)
			return -ENOMEM;
		p->n_watch++;
		ident_read(path, &w->node, &w->target);
	}
	if (content && ident_racy(watch_followed(w)))
		p->reusable = false;
	w->content |= content;
	return 0;
}

static bool watch_unchanged(const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_watch; i++) {
		const struct watch *w = &p->watch[i];
		struct ident node, target;
		ident_read(w->path, &node, &target);
		if (!ident_same(&node, &w->node, w->content))
			return false;
		if (!node.error && S_ISLNK(node.mode) &&
		    !ident_same(&target, &w->target, w->content))
			return false;
	}
	return true;
}

/* Whether @fd is the inode the watch of @path recorded.  The plan's own
 * look (a descriptor opened, a bind's inode) came after the watch's: a
 * difference means the path changed meanwhile. */
static bool watch_agrees(const struct launch_plan *p, const char *path, dev_t dev, ino_t ino)
{
	const struct watch *w = watch_find(p, path);
	const struct ident *id = w ? watch_followed(w) : NULL;

	return id && !id->error && id->dev == dev && id->ino == ino;
}

static uint64_t caps_effective(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

static bool argv_same(char *const *a, const char *const *b)
{
	static const char *const none[] = {NULL};

	if (!b)
		b = none;
	for (; *a && *b; a++, b++)
		if (!streq(*a, *b))
			return false;
	return !*a && !*b;
}

static bool key_matches(const struct plan_key *k, const struct launch_config *cfg)
{
	return k->policy == cfg->policy && k->generation == cfg->policy->generation &&
	       k->type == cfg->type && streq(k->path, cfg->path) && argv_same(k->argv, cfg->argv) &&
	       k->flags == cfg->flags && k->euid == geteuid() && k->egid == getegid() &&
	       k->caps == caps_effective();
}

static int key_init(struct plan_key *k, const struct launch_config *cfg)
{
	size_t n = 0;

	*k = (struct plan_key){
		.policy = cfg->policy,
		.generation = cfg->policy->generation,
		.type = cfg->type,
		.path = strdup(cfg->path),
		.flags = cfg->flags,
		.euid = geteuid(),
		.egid = getegid(),
		.caps = caps_effective(),
	};
	if (!k->path)
		return -ENOMEM;
	while (cfg->argv && cfg->argv[n])
		n++;
	k->argv = calloc(n + 1, sizeof(char *));
	if (!k->argv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(k->argv[i] = strdup(cfg->argv[i])))
			return -ENOMEM;
	return 0;
}

static void key_clear(struct plan_key *k)
{
	free(k->path);
	for (char **a = k->argv; a && *a; a++)
		free(*a);
	free(k->argv);
}

struct rules {
	struct landlock_rule *v;
	size_t n, cap;
	int error;
};

/* @keep: a system path, whose descriptor the plan keeps from run to run. */
static void rule_add(struct rules *r, const char *path, unsigned grant, bool optional, bool keep)
{
	int fd = -1;

	if (r->error || !path)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct landlock_rule *v = realloc(r->v, cap * sizeof(*v));
		if (!v) {
			r->error = -ENOMEM;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	if (keep) {
		fd = open(path, O_PATH | O_CLOEXEC);
		/* Watched: should it appear, the plan is made anew. */
		if (fd < 0 && optional && (errno == ENOENT || errno == ENOTDIR))
			return;
	}
	r->v[r->n++] = (struct landlock_rule){
		.path = path, .grant = grant, .optional = optional, .fd = fd};
}

/* What the allowed directories grant. */
static unsigned dir_grant(const qfs_policy *policy, unsigned effects)
{
	bool read = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_READ);
	bool write = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_WRITE);
	unsigned g = 0;

	if (read)
		g |= LANDLOCK_GRANT_READ | LANDLOCK_GRANT_EXECUTE;
	if (write)
		g |= LANDLOCK_GRANT_WRITE;
	/* What the plugin can write must not become code it can run. */
	if (write && (effects & APIS_NOEXEC_WRITABLE))
		g &= ~LANDLOCK_GRANT_EXECUTE;
	return g;
}

/* What a mediated network's private root shows instead of the host's. */
static const struct rootfs_file net_files[] = {
	{"/etc/resolv.conf", net_resolv_conf},
	{"/etc/hosts", net_hosts},
};

static bool rootfs_writes(const struct rootfs_plan *plan, const char *path)
{
	for (size_t i = 0; plan && i < plan->n_ops; i++)
		if (plan->ops[i].kind == ROOTFS_WRITE && streq(plan->ops[i].dst, path))
			return true;
	return false;
}

/*
 * The files the child writes into its root need rules of the child's: a
 * runtime file copied gets what its host rule gave (read and execute), a
 * mediated network's file read.  When they are all in /etc and nothing in
 * the root's /etc is from an allowed directory or bound for the plugin,
 * one rule on /etc with the rights of a file (no listing of /etc itself)
 * grants exactly that to the copies and nothing new to the rest of /etc
 * (runtime directories, whose host rules already grant more); it costs the
 * child one rule instead of one per file.
 */
static void plan_child_file_rules(struct launch_plan *p, int abi)
{
	const struct rootfs_plan *rp = p->rootfs;
	const uint64_t rx =
		landlock_access(abi, LANDLOCK_GRANT_READ | LANDLOCK_GRANT_EXECUTE, false);
	bool any = false, etc = true;

	for (size_t i = 0; i < rp->n_ops; i++) {
		const struct rootfs_op *op = &rp->ops[i];
		bool in_etc = qfs_path_is_within(op->dst, "/etc") == 1;
		if (op->kind == ROOTFS_WRITE) {
			any = true;
			etc &= in_etc;
		} else if (op->kind == ROOTFS_BIND && op->verify && in_etc) {
			etc = false;
		}
	}
	if (any && etc) {
		p->child_rules[p->n_child_rules++] = (struct child_rule){"/etc", rx};
		return;
	}
	for (size_t i = 0; i < rp->n_ops && p->n_child_rules < LAUNCH_MAX_CHILD_RULES; i++) {
		const struct rootfs_op *op = &rp->ops[i];
		bool net = false;
		if (op->kind != ROOTFS_WRITE)
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(net_files); j++)
			net |= p->enf.net_mode == NET_MODE_MEDIATED &&
			       streq(net_files[j].path, op->dst);
		p->child_rules[p->n_child_rules++] = (struct child_rule){
			op->dst, net ? landlock_access(abi, LANDLOCK_GRANT_READ, false) : rx};
	}
}

/* The rules; the ruleset itself is made for each run (run_landlock()). */
static int plan_landlock(struct launch_plan *p, const qfs_policy *policy, unsigned effects, int abi)
{
	struct rules r = {0};
	size_t n_dirs = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);
	unsigned grant = dir_grant(policy, effects);

	/* A runtime file copied into the private root is not the host's
	 * inode: its rule is the child's (below). */
	for (size_t i = 0; i < decide_runtime_path_count(); i++)
		if (!rootfs_writes(p->rootfs, decide_runtime_path(i)))
			rule_add(&r, decide_runtime_path(i),
				 LANDLOCK_GRANT_READ | LANDLOCK_GRANT_EXECUTE, true, true);
	for (size_t i = 0; grant && i < n_dirs; i++) {
		const char *dir =
			plan_keep(p, qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i));
		if (!dir)
			r.error = -ENOMEM;
		rule_add(&r, dir, grant, false, false);
	}
	rule_add(&r, p->cmd->file, LANDLOCK_GRANT_READ | LANDLOCK_GRANT_EXECUTE, false, false);
	rule_add(&r, p->cmd->interpreter, LANDLOCK_GRANT_READ | LANDLOCK_GRANT_EXECUTE, false,
		 false);
	for (size_t i = 0; i < decide_device_path_count(); i++)
		rule_add(&r, decide_device_path(i), LANDLOCK_GRANT_DEVICE, true, true);
	/* Without a private root the host's /proc is what there is; signals
	 * and ptrace towards other processes stay denied by Landlock's own
	 * scoping of ptrace and, from ABI 6, of signals. */
	if (!p->rootfs)
		rule_add(&r, "/proc", LANDLOCK_GRANT_READ, true, true);
	p->rules = r.v;
	p->n_rules = r.n;
	if (r.error)
		return r.error;
	/* A kept descriptor must be of the inode the watch saw. */
	for (size_t i = 0; i < p->n_rules; i++) {
		struct stat st;
		if (p->rules[i].fd < 0)
			continue;
		if (fstat(p->rules[i].fd, &st) < 0 ||
		    !watch_agrees(p, p->rules[i].path, st.st_dev, st.st_ino))
			p->reusable = false;
		else /* kept, and what it is never changes: no fstat per run */
			p->rules[i].kind =
				S_ISDIR(st.st_mode) ? LANDLOCK_KIND_DIR : LANDLOCK_KIND_OTHER;
	}
	p->landlock = true;

	if (p->rootfs) {
		/* Mounts of the child's own: rules are added there. */
		unsigned tmp = LANDLOCK_GRANT_READ | LANDLOCK_GRANT_WRITE | LANDLOCK_GRANT_EXECUTE;
		if (effects & APIS_NOEXEC_WRITABLE)
			tmp &= ~LANDLOCK_GRANT_EXECUTE;
		p->child_rules[p->n_child_rules++] =
			(struct child_rule){"/tmp", landlock_access(abi, tmp, true)};
		p->child_rules[p->n_child_rules++] = (struct child_rule){
			"/proc", landlock_access(abi, LANDLOCK_GRANT_READ, true)};
		plan_child_file_rules(p, abi);
	}
	return 0;
}

static int run_landlock(struct launch_plan *p, qfs_error *err)
{
	struct landlock_spec spec = {
		.abi = p->enf.landlock_abi,
		.rules = p->rules,
		.n_rules = p->n_rules,
		.deny_tcp = p->enf.landlock_tcp,
		.deny_tcp_connect = p->enf.landlock_tcp_connect,
		.scope = p->enf.landlock_scoped,
	};
	int fd = landlock_ruleset_new(&spec, err);

	if (fd < 0)
		return fd;
	p->landlock_fd = fd;
	return 0;
}

/* Every path the plan may look at, before it looks. */
static int plan_watch(struct launch_plan *p, const qfs_policy *policy)
{
	size_t n_dirs = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);
	int r = 0;

	for (size_t i = 0; r >= 0 && i < decide_runtime_path_count(); i++)
		r = watch_add(p, decide_runtime_path(i), false);
	for (size_t i = 0; r >= 0 && i < decide_device_path_count(); i++)
		r = watch_add(p, decide_device_path(i), false);
	for (size_t i = 0; r >= 0 && i < n_dirs; i++)
		r = watch_add(p, qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i),
			      false);
	if (r >= 0)
		r = watch_add(p, "/proc", false);
	return r;
}

/* The verified binds must be of the inodes the watches saw; their sources
 * are resolved paths, which may differ from the paths the policy named. */
static int rootfs_watch(struct launch_plan *p)
{
	for (size_t i = 0; i < p->rootfs->n_ops; i++) {
		const struct rootfs_op *op = &p->rootfs->ops[i];
		if (!op->verify)
			continue;
		const char *host = op->src + strlen(ROOTFS_OLD_ROOT);
		int r = watch_add(p, host, false);
		if (r < 0)
			return r;
		if (!watch_agrees(p, host, op->dev, op->ino))
			p->reusable = false;
	}
	return 0;
}

/*
 * Small runtime files are copied into the private root rather than bound:
 * a bind costs the child a mount point, a mount and its attributes (about
 * 11 us each on a test machine), a copy the same new file and a write
 * (about 8 us up to a page, and 1 us more per further KiB: /etc/ld.so.cache
 * costs more copied than bound).  Only regular files anyone may read (the
 * plugin could read them through a bind: no file the supervisor alone may
 * read is handed over), with their permission bits but no set-id bit and
 * no write bit beyond the owner's (the owner is the plugin, which cannot
 * write them on the read-only root).  The plan holds their bytes, so their
 * watches compare sizes and times too.
 */
#define COPY_FILE_MAX  4096
#define COPY_TOTAL_MAX (64 * 1024)
#define COPY_FILES_MAX 16

/* Return: 1 with @ret filled and *buf to free, 0 when @path is to be bound
 * instead, -ENOMEM. */
static int copy_runtime_file(struct launch_plan *p, const char *path, struct rootfs_file *ret,
			     char **buf, size_t *total)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	struct stat st;
	size_t done = 0;
	int r = watch_add(p, path, true);

	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(path, flags);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH) ||
	    st.st_size > COPY_FILE_MAX || *total + (size_t)st.st_size > COPY_TOTAL_MAX)
		return 0;
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, *buf + done, (size_t)st.st_size + 1 - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(*buf);
			*buf = NULL;
			return 0;
		}
		if (n == 0)
			break;
		done += (size_t)n;
		if (done > (size_t)st.st_size)
			break;
	}
	/* Changing while we read: the watch has the older times, so the
	 * next run makes the plan anew; this one gets what we read. */
	if (done != (size_t)st.st_size)
		p->reusable = false;
	if (done > (size_t)st.st_size)
		done = (size_t)st.st_size;
	*ret = (struct rootfs_file){
		.path = path, .content = done ? *buf : "", .size = done, .mode = st.st_mode & 0755};
	*total += done;
	return 1;
}

static int plan_rootfs(struct launch_plan *p, const qfs_policy *policy, unsigned effects,
		       qfs_error *err)
{
	struct rootfs_file written[ARRAY_SIZE(net_files) + COPY_FILES_MAX];
	char *bufs[COPY_FILES_MAX] = {0};
	size_t n_written = 0, n_bufs = 0, total = 0;
	size_t n_dirs = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);
	size_t n_rt = decide_runtime_path_count();
	_cleanup_free_ const char **rt = calloc(n_rt + 1, sizeof(char *));
	_cleanup_free_ struct rootfs_dir *dirs = calloc(n_dirs + 1, sizeof(*dirs));
	const char *files[2];
	size_t n_files = 0, k = 0;
	bool read = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_READ);
	bool write = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_WRITE);

	if (!rt || !dirs)
		return -ENOMEM;
	for (size_t i = 0; i < n_rt; i++)
		rt[i] = decide_runtime_path(i);
	/* Allowed directories are only there when a permission uses them. */
	for (size_t i = 0; (read || write) && i < n_dirs; i++)
		dirs[k++] = (struct rootfs_dir){
			qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i), write};
	files[n_files++] = p->cmd->file;
	if (p->cmd->interpreter)
		files[n_files++] = p->cmd->interpreter;

	struct rootfs_spec spec = {
		.runtime_paths = rt,
		.n_runtime = n_rt,
		.dirs = dirs,
		.n_dirs = k,
		.files = files,
		.n_files = n_files,
		.tmp_size_mb = (uint64_t)qfs_policy_get_limit(policy, QFS_LIMIT_DISK_SPACE_MB),
		.noexec_writable = effects & APIS_NOEXEC_WRITABLE,
	};
	if (p->enf.net_mode == NET_MODE_MEDIATED)
		for (size_t i = 0; i < ARRAY_SIZE(net_files); i++)
			written[n_written++] = net_files[i];
	int r = 0;
	for (size_t i = 0; i < n_rt && n_bufs < COPY_FILES_MAX && r >= 0; i++) {
		bool replaced = false;
		for (size_t j = 0; j < n_written; j++)
			replaced |= streq(written[j].path, rt[i]);
		if (replaced)
			continue;
		r = copy_runtime_file(p, rt[i], &written[n_written], &bufs[n_bufs], &total);
		if (r > 0) {
			n_written++;
			n_bufs++;
		}
	}
	spec.written = written;
	spec.n_written = n_written;
	if (r >= 0)
		r = rootfs_plan_new(&spec, &p->rootfs, err);
	for (size_t i = 0; i < n_bufs; i++)
		free(bufs[i]);
	if (r < 0)
		return r;
	return rootfs_watch(p);
}

/* Keep the working directory when the sandbox shows it; the caller may
 * have changed it since the last run. */
static int run_cwd(struct launch_plan *p, const qfs_policy *policy)
{
	size_t n_dirs = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);
	bool shown = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_READ) ||
		     qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_WRITE);
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	const char *keep = "/";

	for (size_t i = 0; cwd && shown && i < n_dirs; i++)
		if (qfs_path_is_within(
			    cwd, qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i)) == 1)
			keep = cwd;
	free(p->cwd);
	p->cwd = strdup(keep);
	return p->cwd ? 0 : -ENOMEM;
}

static int plan_limits(struct launch_plan *p, const qfs_policy *policy,
		       const struct launch_resources *res)
{
	int64_t fds = qfs_policy_get_limit(policy, QFS_LIMIT_FILE_HANDLES);
	int64_t disk = qfs_policy_get_limit(policy, QFS_LIMIT_DISK_SPACE_MB);
	int64_t cpu = qfs_policy_get_limit(policy, QFS_LIMIT_CPU_TIME_MS);
	int r = 0;

	if (fds > 0) {
		r = rlimit_set(p, RLIMIT_NOFILE, (rlim_t)fds, (rlim_t)fds);
		p->enf.rlimit_nofile = r >= 0;
	}
	if (r >= 0 && disk > 0) {
		r = rlimit_set(p, RLIMIT_FSIZE, (rlim_t)disk << 20, (rlim_t)disk << 20);
		p->enf.rlimit_fsize = r >= 0;
	}
	if (r >= 0)
		r = rlimit_set(p, RLIMIT_CORE, 0, 0);
	/* A backstop in whole seconds: SIGXCPU at the soft limit, SIGKILL a
	 * second later.  The precise budget is the monitor's. */
	if (r >= 0 && cpu > 0) {
		rlim_t s = (rlim_t)((cpu + 999) / 1000);
		r = rlimit_set(p, RLIMIT_CPU, s, s + 1);
		p->enf.rlimit_cpu = r >= 0;
	}
	for (size_t i = 0; r >= 0 && res && i < res->n_rlimits; i++)
		r = rlimit_set(p, res->rlimits[i].resource, res->rlimits[i].limit.rlim_cur,
			       res->rlimits[i].limit.rlim_max);
	return r;
}

/* A stack for a child started with clone(): allocated now, in the
 * supervisor, since the child may not allocate. */
static char *stack_new(size_t size)
{
	void *s = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		       -1, 0);
	return s == MAP_FAILED ? NULL : s;
}

/*
 * The network (net.h).  A mediated network needs a namespace of its own,
 * which Limited gets only for this (a host list cannot hold on the host's
 * network); without one, connections are still counted but allowed_hosts
 * cannot be enforced, and the report says so.
 */
static void plan_network(struct launch_plan *p, const qfs_policy *policy, unsigned flags,
			 int landlock_abi)
{
	enum net_mode mode = net_mode_of(policy);

	if (mode == NET_MODE_MEDIATED && p->enf.level == QFS_LEVEL_LIMITED) {
		if (!(flags & LAUNCH_NO_USERNS))
			p->clone_flags |= CLONE_NEWUSER | CLONE_NEWNET;
		else if (have_cap(CAP_SYS_ADMIN))
			p->clone_flags |= CLONE_NEWNET;
	}
	if (mode == NET_MODE_MEDIATED && !(p->clone_flags & CLONE_NEWNET)) {
		missing_add(&p->enf,
			    "a network namespace for the mediated network (allowed_hosts)");
		mode = NET_MODE_COUNTED;
	}
	if (mode == NET_MODE_COUNTED || mode == NET_MODE_MEDIATED) {
		if (!seccomp_policy_notify_available())
			missing_add(&p->enf, "seccomp user notification (network mediation)");
		/* Without Landlock's TCP rules a plugin racing the supervisor
		 * could connect a TCP socket itself: that defeats a host list,
		 * while a count it only makes inexact (the report says
		 * which). */
		if (landlock_abi < 4 && mode == NET_MODE_MEDIATED)
			missing_add(&p->enf, "Landlock TCP rules (ABI 4) for the mediated network");
		p->enf.landlock_tcp_connect = landlock_abi >= 4;
	}
	p->enf.net_mode = mode;
}

/* What does not change from run to run, for the inputs of @cfg. */
static int plan_build(const struct launch_config *cfg, struct launch_plan **ret, qfs_error *err)
{
	const qfs_policy *policy = cfg->policy;
	const int level = qfs_policy_get_level(policy);
	const bool restricted = level >= QFS_LEVEL_LIMITED;
	const bool network = qfs_policy_get_permission(policy, QFS_PERM_NETWORK_ACCESS);
	struct launch_plan *p;
	unsigned effects = restricted ? decide_api_effects(policy) : 0;
	const char *interpreter = plugin_interpreter_path(cfg->type);
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->landlock_fd = -1;
	p->template_mnt = -1;
	p->cgroup_fd = -1;
	p->join_userns = p->join_netns = -1;
	p->enf.level = level;
	p->reusable = true;
	*ret = p;
	r = key_init(&p->key, cfg);
	/* The plugin's kind comes from its bytes. */
	if (r >= 0)
		r = watch_add(p, cfg->path, true);
	if (r >= 0 && interpreter)
		r = watch_add(p, interpreter, false);
	if (r >= 0 && restricted)
		r = plan_watch(p, policy);
	if (r < 0)
		return r;

	/* Ids: started by root, the plugin runs as nobody. */
	p->root_parent = restricted && geteuid() == 0;
	p->uid = p->root_parent ? NOBODY : geteuid();
	p->gid = p->root_parent ? NOBODY : getegid();
	p->enf.uid = p->uid;
	p->enf.gid = p->gid;

	/* Namespaces. */
	if (level >= QFS_LEVEL_SANDBOXED) {
		uint64_t others = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
				  CLONE_NEWCGROUP | CLONE_NEWNET;
		if (!(cfg->flags & LAUNCH_NO_USERNS)) {
			p->clone_flags = CLONE_NEWUSER | others;
		} else {
			missing_add(&p->enf, "user namespaces");
			/* A privileged supervisor can still isolate without
			 * one, as a setuid bubblewrap does. */
			if (have_cap(CAP_SYS_ADMIN))
				p->clone_flags = others;
			else
				missing_add(&p->enf, "pid, mount, ipc, uts, cgroup and network "
						     "namespaces and the private root");
		}
	}

	/* Plugin and command line; W^X makes JIT engines run without JIT. */
	r = plugin_cmd_new(cfg->type, cfg->path, cfg->argv, effects & APIS_WX, &p->cmd, err);
	if (r >= 0)
		r = watch_add(p, p->cmd->file, true);
	if (r >= 0 && p->cmd->interpreter)
		r = watch_add(p, p->cmd->interpreter, false);
	if (r < 0)
		return r;

	/* Layers and their availability. */
	int abi = restricted ? landlock_abi() : 0;
	plan_network(p, policy, cfg->flags, abi);
	p->enf.namespaces = p->clone_flags;
	if (restricted && abi < 1)
		missing_add(&p->enf, "Landlock");
	if (level == QFS_LEVEL_LIMITED && abi >= 1 && abi < 6)
		missing_add(&p->enf, "Landlock scoping of signals and abstract sockets (ABI 6)");
	p->enf.landlock_scoped = abi >= 6;
	p->enf.landlock_tcp =
		abi >= 4 && restricted && !network && !(p->clone_flags & CLONE_NEWNET);
	if (restricted && !seccomp_available()) {
		missing_add(&p->enf, "seccomp");
		effects = 0;
	}
	if ((effects & APIS_NO_EXEC) && !seccomp_policy_notify_available()) {
		missing_add(&p->enf, "seccomp user notification (exec after the start)");
		effects &= ~(unsigned)APIS_NO_EXEC;
	}
	/* Without a private root nothing can be remounted noexec.  That only
	 * matters when Landlock lets the plugin write somewhere: it stops
	 * execve there but not mmap(PROT_EXEC). */
	bool writes = qfs_policy_get_permission(policy, QFS_PERM_FILE_SYSTEM_WRITE) &&
		      qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES) > 0;
	if ((effects & APIS_NOEXEC_WRITABLE) && !(p->clone_flags & CLONE_NEWNS) && writes) {
		missing_add(&p->enf,
			    "noexec writable mounts for blocked dlopen (needs a private root)");
		effects &= ~(unsigned)APIS_NOEXEC_WRITABLE;
	}
	if (p->enf.missing[0] && qfs_policy_get_enforcement(policy) != QFS_ENFORCE_BEST_EFFORT) {
		r = error_set(err, "enforcement", ENOTSUP,
			      "this host cannot enforce level %s: missing %s",
			      qfs_level_name(level), p->enf.missing);
		return r;
	}
	p->enf.effects = effects;
	/* What only namespaces could hide is refused by the filter. */
	if (restricted && !(p->clone_flags & CLONE_NEWNS))
		effects |= SECCOMP_NO_UNIX_SOCKETS;
	if (restricted && !network && !(p->clone_flags & CLONE_NEWNET))
		effects |= SECCOMP_NO_INET_SOCKETS;
	if (restricted)
		effects |= SECCOMP_SOCKET_FAMILIES;
	if (restricted && !(p->clone_flags & CLONE_NEWIPC))
		effects |= SECCOMP_NO_HOST_IPC;
	if (restricted && !(p->clone_flags & CLONE_NEWPID))
		effects |= SECCOMP_OWN_TASK_ONLY;
	p->enf.host = effects & (SECCOMP_NO_HOST_IPC | SECCOMP_OWN_TASK_ONLY);
	if (p->enf.net_mode == NET_MODE_COUNTED || p->enf.net_mode == NET_MODE_MEDIATED)
		effects |= SECCOMP_MEDIATE_NETWORK;
	p->enf.sockets = effects & (SECCOMP_NO_UNIX_SOCKETS | SECCOMP_NO_INET_SOCKETS |
				    SECCOMP_SOCKET_FAMILIES | SECCOMP_MEDIATE_NETWORK);

	if (p->clone_flags & CLONE_NEWNS) {
		r = plan_rootfs(p, policy, effects, err);
		if (r < 0)
			return r;
		p->enf.private_root = true;
		p->enf.tmpfs_disk = true;
	}
	p->hostname = p->clone_flags & CLONE_NEWUTS;
	p->net_services = p->enf.net_mode == NET_MODE_MEDIATED;

	if (abi >= 1) {
		r = plan_landlock(p, policy, effects, abi);
		if (r < 0)
			return r;
		p->enf.landlock_abi = abi;
	} else {
		p->enf.landlock_scoped = p->enf.landlock_tcp = p->enf.landlock_tcp_connect = false;
	}

	if (restricted && seccomp_available()) {
		/* Refusals go to the supervisor, which reports them, wherever
		 * the kernel can deliver notifications; elsewhere the kernel
		 * refuses them alone and nobody hears of it. */
		struct seccomp_policy_actions actions;
		if (seccomp_policy_notify_available()) {
			seccomp_policy_default_actions(&actions);
			p->enf.reports = true;
			p->enf.files = enforcer_files_of(policy);
		} else {
			seccomp_policy_kernel_actions(&actions);
		}
		if (p->enf.files & ENFORCER_FILE_WRITES)
			effects |= SECCOMP_REPORT_FILE_WRITES;
		if (p->enf.files & ENFORCER_FILE_READS)
			effects |= SECCOMP_REPORT_FILE_READS;
		/* Without a private root nothing but the supervisor governs
		 * a file's mode, owner, times and extended attributes. */
		if (!p->enf.private_root)
			effects |= SECCOMP_EMULATE_METADATA;
		r = seccomp_policy_build(policy, effects, &actions, &p->seccomp, err);
		if (r < 0)
			return r;
		p->enf.seccomp = p->seccomp->mode;
		p->enf.exec_notify = effects & APIS_NO_EXEC;
	}
	p->mdwe = (effects & APIS_WX) && mdwe_available();
	p->enf.mdwe = p->mdwe;
	p->nnp = restricted;
	p->enf.no_new_privs = p->nnp;
	p->normal_priority = restricted;

	/* Identity and capabilities. */
	if (restricted) {
		bool userns = p->clone_flags & CLONE_NEWUSER;
		p->setid_early = userns && p->root_parent;
		p->setid_late = !userns && p->root_parent;
		p->drop_bounding = userns || have_cap(CAP_SETPCAP);
		p->drop_caps = true;
		p->cap_last = cap_last_cap();
		p->enf.caps_dropped = true;
		if (userns) {
			/* Unprivileged, only the caller's own ids can be
			 * mapped, and setgroups must be denied first. */
			snprintf(p->uid_map, sizeof(p->uid_map), "%u %u 1\n", p->uid, p->uid);
			snprintf(p->gid_map, sizeof(p->gid_map), "%u %u 1\n", p->gid, p->gid);
			p->deny_setgroups = !p->root_parent;
		}
	}
	/* Without a pid namespace nothing would end what the plugin leaves
	 * behind once its main process is gone (a double-forked daemon has
	 * left its process group, and there may be no cgroup): the init is
	 * then a subreaper that kills it.  The plugin runs in a nested
	 * Landlock domain, so that it cannot signal the init away first. */
	p->reaper = restricted && !(p->clone_flags & CLONE_NEWPID);
	p->reaper_scope = p->reaper && p->enf.landlock_scoped;
	p->init = (p->clone_flags & CLONE_NEWPID) || p->reaper;
	p->enf.init = p->init;
	if (p->init && p->seccomp)
		p->init_filter = seccomp_init_program(p->reaper);
	if (p->init) {
		p->init_stack = stack_new(LAUNCH_INIT_STACK);
		if (!p->init_stack) {
			r = -ENOMEM;
			return r;
		}
	}

	return 0;
}

/*
 * What is new for each run: the namespaces to join, the descriptors, the
 * limits the resource backends chose, the environment and working
 * directory (the caller may have changed them), the Landlock ruleset.
 */
static int plan_run(struct launch_plan *p, const struct launch_config *cfg, qfs_error *err)
{
	const qfs_policy *policy = cfg->policy;
	int r;

	p->status_fd = p->exit_fd = -1;
	p->parent_pid = 0;
	p->timeout_ms = -1;
	p->landlock_fd = close_safe(p->landlock_fd);

	p->loopback = p->clone_flags & CLONE_NEWNET;
	p->clone3_flags = p->clone_flags;
	p->join_userns = p->join_netns = -1;
	p->keep_ns = false;
	p->enf.joined = false;
	/* Join the previous run's user and network namespaces rather than
	 * build new ones; they were made for this sandbox alone, no plugin
	 * held a capability in them, and a network namespace keeps nothing of
	 * an unprivileged process once it is gone. */
	const uint64_t user_net = CLONE_NEWUSER | CLONE_NEWNET;
	if ((p->clone_flags & user_net) == user_net && cfg->join_userns >= 0 &&
	    cfg->join_netns >= 0) {
		p->join_userns = cfg->join_userns;
		p->join_netns = cfg->join_netns;
		p->clone3_flags = 0;
		p->loopback = false; /* up since the namespace's first run */
		p->enf.joined = true;
		if (!p->join_stack)
			p->join_stack = stack_new(LAUNCH_JOIN_STACK);
		if (!p->join_stack)
			return -ENOMEM;
	} else if ((p->clone_flags & user_net) == user_net) {
		p->keep_ns = true;
	}
	p->handshake = p->clone3_flags & (CLONE_NEWUSER | CLONE_NEWPID);
	/* A template belongs to the user namespace that made it: usable when
	 * that one is joined, made when the run's namespaces are kept (new or
	 * joined) and the plan itself will be. */
	p->use_template = p->template_mnt >= 0 && p->join_userns >= 0;
	if (!p->use_template)
		p->template_mnt = close_safe(p->template_mnt);
	p->build_template = !p->use_template && p->rootfs && p->rootfs->n_static > 0 &&
			    p->reusable && (p->keep_ns || p->join_userns >= 0);
	p->enf.root_template = p->use_template;
	/* Without a private root the resolver's addresses are the host's. */
	if (p->net_services)
		p->n_dns = net_resolver_addresses(p->rootfs != NULL, p->dns);

	p->n_rlimits = 0;
	p->enf.rlimit_cpu = p->enf.rlimit_fsize = p->enf.rlimit_nofile = false;
	r = plan_limits(p, policy, cfg->resources);
	if (r < 0)
		return error_set(err, "rlimit", -r, "too many resource limits");
	p->cgroup_fd = -1;
	p->n_cgroup_procs = 0;
	if (cfg->resources) {
		p->cgroup_fd = cfg->resources->cgroup_fd;
		p->n_cgroup_procs = cfg->resources->n_cgroup_procs;
		for (size_t i = 0; i < p->n_cgroup_procs; i++)
			p->cgroup_procs_fds[i] = cfg->resources->cgroup_procs_fds[i];
	}
	for (char **e = p->envp; e && *e; e++)
		free(*e);
	free(p->envp);
	p->envp = NULL;
	r = env_build(p, policy);
	if (r >= 0 && p->net_services)
		r = net_env_apply(&p->envp);
	if (r >= 0 && p->rootfs)
		r = run_cwd(p, policy);
	if (r < 0)
		return r;
	for (int i = 0; i < 3; i++)
		p->stdio[i] = cfg->stdio[i];
	if (p->landlock)
		return run_landlock(p, err);
	return 0;
}

int launch_plan_new(const struct launch_config *cfg, struct launch_plan *reuse,
		    struct launch_plan **ret, qfs_error *err)
{
	struct launch_plan *p = NULL;
	int r;

	if (reuse && reuse->reusable && key_matches(&reuse->key, cfg) && watch_unchanged(reuse)) {
		p = reuse;
		p->enf.plan_reused = true;
		r = 0;
	} else {
		launch_plan_free(reuse);
		r = plan_build(cfg, &p, err);
	}
	if (r >= 0)
		r = plan_run(p, cfg, err);
	if (r < 0) {
		if (r == -ENOMEM && !(err && err->message[0]))
			error_set(err, "", ENOMEM, "out of memory while planning the sandbox");
		launch_plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

bool launch_plan_reusable(const struct launch_plan *p)
{
	return p->reusable;
}

void launch_plan_keep_template(struct launch_plan *p, int mntns)
{
	if (!p) {
		close_safe(mntns);
		return;
	}
	close_safe(p->template_mnt);
	p->template_mnt = mntns;
}

void launch_plan_drop_template(struct launch_plan *p)
{
	if (p)
		p->template_mnt = close_safe(p->template_mnt);
}

struct launch_plan *launch_plan_free(struct launch_plan *p)
{
	if (!p)
		return NULL;
	plugin_cmd_free(p->cmd);
	for (char **e = p->envp; e && *e; e++)
		free(*e);
	free(p->envp);
	rootfs_plan_free(p->rootfs);
	close_safe(p->landlock_fd);
	for (size_t i = 0; i < p->n_rules; i++)
		close_safe(p->rules[i].fd);
	free(p->rules);
	for (size_t i = 0; i < p->n_watch; i++)
		free(p->watch[i].path);
	free(p->watch);
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i]);
	free(p->strings);
	key_clear(&p->key);
	seccomp_program_unref(p->seccomp);
	close_safe(p->template_mnt);
	free(p->cwd);
	if (p->init_stack)
		munmap(p->init_stack, LAUNCH_INIT_STACK);
	if (p->join_stack)
		munmap(p->join_stack, LAUNCH_JOIN_STACK);
	free(p);
	return NULL;
}

const struct launch_enforcement *launch_plan_enforcement(const struct launch_plan *plan)
{
	return &plan->enf;
}

const char *launch_plan_file(const struct launch_plan *plan)
{
	return plan->cmd->file;
}

const char *launch_plan_interpreter(const struct launch_plan *plan)
{
	return plan->cmd->interpreter;
}

/*
 * The child.  Everything below until launch_spawn() runs between clone3 and
 * execve: syscalls only.
 */

static _Noreturn void child_fail(int step, int error, int arg)
{
	struct launch_msg m = {.kind = MSG_ERROR, .step = step, .error = error, .arg = arg};

	if (write(FD_STATUS, &m, sizeof(m)) < 0) {
		/* nobody to tell */
	}
	_exit(127);
}

/* Before the descriptor shuffle the status socket is not at FD_STATUS. */
static _Noreturn void child_fail_early(int fd, int step, int error)
{
	struct launch_msg m = {.kind = MSG_ERROR, .step = step, .error = error};

	if (write(fd, &m, sizeof(m)) < 0) {
		/* nobody to tell */
	}
	_exit(127);
}

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* Default dispositions for every signal, then an empty mask.  Dispositions
 * set to SIG_IGN (SIGPIPE in many applications) would otherwise survive
 * exec, and the mask always does.  Raw syscalls: glibc refuses to touch the
 * signals it reserves for itself. */
static int child_reset_signals(void)
{
	struct kernel_sigaction dfl = {.handler = SIG_DFL};
	uint64_t empty = 0;

	for (int sig = 1; sig < 65; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t)) < 0 &&
		    errno != EINVAL)
			return -errno;
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(empty)) < 0)
		return -errno;
	return 0;
}

/* Moves the descriptors the child keeps to their fixed numbers and closes
 * everything else.  Two passes, so that a target number that is currently a
 * source is not overwritten before it was copied. */
static int child_fds(const struct launch_plan *p)
{
	struct {
		int from, to;
		bool cloexec;
	} map[] = {
		{p->stdio[0], 0, false},
		{p->stdio[1], 1, false},
		{p->stdio[2], 2, false},
		{p->status_fd, FD_STATUS, true},
		{p->landlock_fd, FD_RULESET, true},
		{p->exit_fd, FD_EXIT, true},
		{p->join_userns, FD_USERNS, true},
		{p->join_netns, FD_NETNS, true},
		{p->use_template ? p->template_mnt : -1, FD_MNTNS, true},
	};
	int base = FD_FIRST_FREE;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].from >= base)
			base = map[i].from + 1;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].from < 0)
			continue;
		int fd = fcntl(map[i].from, F_DUPFD_CLOEXEC, base);
		if (fd < 0)
			return -errno;
		map[i].from = fd;
	}
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		/* A slot we do not use may hold an inherited descriptor. */
		if (map[i].from < 0) {
			close(map[i].to);
			continue;
		}
		if (dup3(map[i].from, map[i].to, map[i].cloexec ? O_CLOEXEC : 0) < 0)
			return -errno;
	}
	if (syscall(SYS_close_range, FD_FIRST_FREE, ~0U, 0) < 0) {
		if (errno != ENOSYS)
			return -errno;
		struct rlimit rl;
		if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) < 0)
			return -errno;
		for (rlim_t fd = FD_FIRST_FREE; fd < rl.rlim_cur && fd < (1u << 20); fd++)
			close((int)fd);
	}
	return 0;
}

static int child_setids(const struct launch_plan *p)
{
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return -errno;
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return -errno;
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return -errno;
	return 0;
}

static int caps_set(bool keep_permitted)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};

	if (keep_permitted) {
		if (syscall(SYS_capget, &h, d) < 0)
			return -errno;
		for (int i = 0; i < 2; i++)
			d[i].effective = d[i].permitted;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

/* In a user namespace, switch to the plugin's ids before the private root
 * is built: files the child creates there get ids mapped in the namespace
 * (creating them as an unmapped uid fails with EOVERFLOW).  KEEPCAPS keeps
 * the namespace's capabilities across the switch for the mounts. */
static int child_setids_early(const struct launch_plan *p)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	int r = child_setids(p);
	if (r < 0)
		return r;
	r = caps_set(true);
	if (r < 0)
		return r;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static int child_loopback(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

/*
 * The mediated network's services listen in the sandbox's network
 * namespace, on ports only a privileged process may bind there: we make
 * the sockets while we still hold the namespace's capabilities and send
 * them to the supervisor in the message itself (SCM_RIGHTS), so that they
 * are the supervisor's whatever we do next.
 */
static int child_net_services(const struct launch_plan *p)
{
	int fds[NET_SOCK__MAX];
	size_t n = 0;
	struct launch_msg m = {.kind = MSG_NET};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(fds))];
	} control;
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	int r = net_child_sockets(p->dns, p->n_dns, fds, &n);

	if (r < 0)
		return r;
	memset(control.buf, 0, sizeof(control.buf));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	m.arg = (int32_t)n;
	r = sendmsg(FD_STATUS, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -EIO;
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

static int child_drop_bounding(const struct launch_plan *p)
{
	for (int cap = 0; cap <= p->cap_last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

/*
 * fork() passes the scheduling class, the nice value and the I/O priority
 * on: an application running at a real-time class or a negative nice value
 * would lend it to its plugins, and a plugin spinning under SCHED_FIFO owns
 * its CPU.  A plugin gets a normal process's priority at most; a lower one
 * (SCHED_BATCH, SCHED_IDLE, a positive nice value, the idle I/O class) is
 * kept.  Lowering one's own priority needs no privilege.
 */
static int child_normal_priority(void)
{
	int policy = sched_getscheduler(0);

	if (policy < 0)
		return -errno;
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy == SCHED_FIFO || policy == SCHED_RR) {
		struct sched_param sp = {.sched_priority = 0};
		if (sched_setscheduler(0, SCHED_OTHER, &sp) < 0)
			return -errno;
	}
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (nice == -1 && errno)
		return -errno;
	if (nice < 0 && setpriority(PRIO_PROCESS, 0, 0) < 0)
		return -errno;
	long io = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	if (io < 0)
		return -errno;
	/* Back to "none": the I/O priority follows the nice value again. */
	if (IOPRIO_PRIO_CLASS(io) == IOPRIO_CLASS_RT &&
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, 0) < 0)
		return -errno;
	return 0;
}

static int child_drop_caps(void)
{
	/* EINVAL: a kernel without ambient capabilities has none to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return caps_set(false);
}

static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * The plugin's last steps: its filter, then the exec.  Under an init this
 * runs in a vfork child on the plan's stack, sharing the init's memory
 * while the init waits; it touches nothing but its own stack.
 */
static _Noreturn void child_exec(const struct launch_plan *p)
{
	if (p->seccomp) {
		/* Installed last: every later step passes through it, and
		 * those are only write and execve. */
		int listener = seccomp_program_load(p->seccomp, p->seccomp->needs_listener);
		if (listener < 0)
			child_fail(STEP_SECCOMP, -listener, 0);
		if (listener > 0) {
			/* The supervisor learns our pid from the socket
			 * (SO_PASSCRED) and copies the listener with
			 * pidfd_getfd() before the exec below closes it (it
			 * is CLOEXEC).  Where the filter refers that exec to
			 * the listener, it stops there, descriptors intact,
			 * until the supervisor holds the listener and answers:
			 * no need to wait here.  Elsewhere we wait for the
			 * supervisor to say it has it.  Plain write and read:
			 * the filter already judges us, and may send
			 * sendmsg() to a listener nobody holds yet. */
			struct launch_msg m = {.kind = MSG_LISTENER, .arg = listener};
			char ack;
			if (write(FD_STATUS, &m, sizeof(m)) != (ssize_t)sizeof(m) ||
			    (!p->enf.exec_notify && read_retry(FD_STATUS, &ack, 1) != 1))
				_exit(127);
		}
	}
	execve(p->cmd->exec_path, p->cmd->argv, p->envp);
	child_fail(STEP_EXEC, errno, 0);
}

static int child_exec_fn(void *arg)
{
	const struct launch_plan *p = arg;

	close(FD_EXIT);
	if (p->reaper) {
		/* The reaper waits for signals it blocked; the plugin starts
		 * with none blocked.  Should the reaper die, so does the
		 * plugin.  In a domain of its own it cannot signal the
		 * reaper, which can still signal it. */
		uint64_t none = 0;
		if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none)) < 0)
			child_fail(STEP_SIGNALS, errno, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			child_fail(STEP_PDEATHSIG, errno, 0);
		if (p->reaper_scope) {
			int r = landlock_child_scope();
			if (r < 0)
				child_fail(STEP_LANDLOCK, -r, 0);
		}
	}
	child_exec(p);
}

/*
 * The reaper's teardown: SIGKILL to every child, which, as it is their
 * subreaper, is every process the plugin left, then reap them; again until
 * none is left.  A child killed cannot fork any more, so each round leaves
 * at most what was forked during it.
 */
static void reaper_kill_all(void)
{
	for (;;) {
		char buf[4096];
		pid_t pid = 0;
		bool any = false;
		int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
		ssize_t n;

		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] >= '0' && buf[i] <= '9') {
					pid = pid * 10 + (buf[i] - '0');
					continue;
				}
				if (pid > 0) {
					kill(pid, SIGKILL);
					any = true;
				}
				pid = 0;
			}
		if (pid > 0) {
			kill(pid, SIGKILL);
			any = true;
		}
		if (fd >= 0)
			close(fd);
		int status;
		pid_t w = (pid_t)syscall(SYS_wait4, -1, &status, any ? 0 : WNOHANG, NULL);
		if (w < 0 && errno == ECHILD)
			return;
		if (w == 0 && !any)
			return; /* nothing listed and nothing ended: /proc unreadable */
	}
}

/*
 * The init of a run without a pid namespace: a subreaper, so that what the
 * plugin orphans (a double-forked daemon in a session of its own) becomes
 * its child rather than the host init's.  It reports the plugin's wait
 * status like the init of a pid namespace, then kills whatever is left and
 * exits.  Its parent-death signal, and the supervisor's way of ending the
 * sandbox, is SIGTERM, which it waits for: it is never killed before it
 * has killed the rest.
 */
static _Noreturn void child_reaper(pid_t plugin)
{
	uint64_t set = (1ULL << (SIGCHLD - 1)) | (1ULL << (SIGTERM - 1));

	for (;;) {
		siginfo_t si;
		long sig = syscall(SYS_rt_sigtimedwait, &set, &si, NULL, sizeof(set));
		if (sig == SIGTERM)
			break;
		int status;
		pid_t pid;
		bool done = false;
		while ((pid = (pid_t)syscall(SYS_wait4, -1, &status, WNOHANG, NULL)) > 0)
			if (pid == plugin) {
				struct launch_exit_record rec = {.magic = LAUNCH_EXIT_MAGIC,
								 .wait_status = status};
				if (write(FD_EXIT, &rec, sizeof(rec)) < 0) {
					/* the supervisor is gone: end the rest all the same */
				}
				done = true;
			}
		if (done || (pid < 0 && errno == ECHILD))
			break;
	}
	reaper_kill_all();
	_exit(0);
}

/*
 * pid 1 of the sandbox's pid namespace.  The plugin never is: the kernel
 * ignores signals with a default action that reach a namespace's init from
 * inside it, so a plugin as pid 1 would survive its own raise(), abort()
 * or kill(getpid(), ...) and its exit status would lie.  The init runs
 * under the same restrictions (it forks after Landlock, the ids and the
 * capabilities) and a filter stricter than the plugin's (it may only wait,
 * write its record, close and exit), reaps whatever the plugin
 * orphans, reports the plugin's own wait status, and exits, which
 * takes every other process of the namespace along.
 */
static _Noreturn void child_init(const struct launch_plan *p, pid_t plugin)
{
	if (p->init_filter) {
		int r = seccomp_fprog_load(p->init_filter);
		if (r < 0) {
			kill(plugin, SIGKILL);
			child_fail(STEP_INIT, -r, 0);
		}
	}
	/* Keep only the report descriptor, so that the plugin's EOFs (status
	 * socket, output pipes) are its own. */
	close(FD_STATUS);
	close(0);
	close(1);
	close(2);
	if (p->reaper)
		child_reaper(plugin);
	for (;;) {
		int status;
		pid_t pid = (pid_t)syscall(SYS_wait4, -1, &status, 0, NULL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			_exit(0);
		}
		if (pid == plugin) {
			struct launch_exit_record rec = {.magic = LAUNCH_EXIT_MAGIC,
							 .wait_status = status};
			if (write(FD_EXIT, &rec, sizeof(rec)) < 0) {
				/* the supervisor is gone; so are we, now */
			}
			_exit(0);
		}
	}
}

static _Noreturn void child_join(struct launch_plan *p);
static _Noreturn void child_setup(struct launch_plan *p);

/*
 * The template is built: the supervisor takes our mount namespace as it is
 * (learning our pid from the socket), says so, and we go on in a copy of
 * our own, where this run's mounts stay.
 */
static int child_hand_template(void)
{
	struct launch_msg m = {.kind = MSG_TEMPLATE};
	char ack;

	if (write(FD_STATUS, &m, sizeof(m)) != (ssize_t)sizeof(m) ||
	    read_retry(FD_STATUS, &ack, 1) != 1)
		_exit(127);
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	return 0;
}

static _Noreturn void child_main(struct launch_plan *p)
{
	int r;

	/* First: join the v1 cgroups, so that everything after is counted. */
	for (size_t i = 0; i < p->n_cgroup_procs; i++)
		if (write(p->cgroup_procs_fds[i], "0", 1) < 0)
			child_fail_early(p->status_fd, STEP_CGROUP, errno);

	/* The supervisor's death kills us.  It may have died before the
	 * prctl: then our parent is already someone else (checked here), or,
	 * in a pid namespace where getppid() is 0, the handshake below reads
	 * EOF. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail_early(p->status_fd, STEP_PDEATHSIG, errno);
	if (!p->handshake && getppid() != p->parent_pid)
		_exit(127);

	r = child_reset_signals();
	if (r < 0)
		child_fail_early(p->status_fd, STEP_SIGNALS, -r);
	r = child_fds(p);
	if (r < 0)
		child_fail_early(p->status_fd, STEP_FDS, -r);

	if (p->handshake) {
		char go;
		if (read_retry(FD_STATUS, &go, 1) != 1)
			_exit(127);
	}
	if (p->join_userns >= 0)
		child_join(p);
	child_setup(p);
}

/*
 * Joining the previous run's namespaces.  setns() into the user namespace
 * works because we still have the supervisor's credentials and it owns
 * that namespace; inside it we hold every capability, so we may join its
 * network namespace and unshare the others.  A pid namespace only takes
 * our children, so the init is started here, with CLONE_PARENT: it is the
 * supervisor's child (with our exit signal, none), pid 1 of the new
 * namespace, and shares our memory (CLONE_VM) on the plan's stack while we
 * tell the supervisor its pid and exit.
 */
static int child_join_init(void *arg);

static _Noreturn void child_join(struct launch_plan *p)
{
	if (setns(FD_USERNS, CLONE_NEWUSER) < 0 || setns(FD_NETNS, CLONE_NEWNET) < 0)
		child_fail(STEP_JOIN, errno, 0);
	close(FD_USERNS);
	close(FD_NETNS);
	/* The template's copy, made by the unshare below, is our root. */
	if (p->use_template) {
		if (setns(FD_MNTNS, CLONE_NEWNS) < 0)
			child_fail(STEP_JOIN, errno, 2);
		close(FD_MNTNS);
	}
	if (unshare((int)(p->clone_flags & ~(uint64_t)(CLONE_NEWUSER | CLONE_NEWNET))) < 0)
		child_fail(STEP_JOIN, errno, 1);
	pid_t init = clone(child_join_init, p->join_stack + LAUNCH_JOIN_STACK,
			   CLONE_VM | CLONE_PARENT, p);
	if (init < 0)
		child_fail(STEP_INIT, errno, 0);
	struct launch_msg m = {.kind = MSG_INIT, .arg = init};
	if (write(FD_STATUS, &m, sizeof(m)) < 0) {
		/* the init finds the supervisor gone and exits */
	}
	_exit(0);
}

static int child_join_init(void *arg)
{
	struct launch_plan *p = arg;
	struct pollfd pfd = {.fd = FD_STATUS, .events = POLLIN};

	/* Our parent is the supervisor's thread now.  Had it died before the
	 * prctl, its end of the socket would be closed: HUP. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(STEP_PDEATHSIG, errno, 0);
	if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLHUP | POLLERR)))
		_exit(127);
	child_setup(p);
}

static _Noreturn void child_setup(struct launch_plan *p)
{
	int r;
	size_t failed = 0;

	if (setsid() < 0)
		child_fail(STEP_SETSID, errno, 0);
	if (p->setid_early) {
		r = child_setids_early(p);
		if (r < 0)
			child_fail(STEP_IDS, -r, 0);
	}
	/* Still root on the host (a privileged supervisor without a user
	 * namespace): create the mount points with the plugin's ids, so that
	 * a symlink planted in a writable directory cannot make us create
	 * files where only root could.  Mounting needs capabilities, not the
	 * file system ids. */
	if (p->setid_late && p->rootfs) {
		/* setfsuid() reports the previous id, never an error: ask
		 * again to know whether it took. */
		syscall(SYS_setfsgid, p->gid);
		syscall(SYS_setfsuid, p->uid);
		if (syscall(SYS_setfsgid, -1) != (long)p->gid ||
		    syscall(SYS_setfsuid, -1) != (long)p->uid)
			child_fail(STEP_IDS, EPERM, 0);
	}
	if (p->rootfs) {
		size_t from = p->use_template ? p->rootfs->n_static : 0;
		size_t to = p->build_template ? p->rootfs->n_static : p->rootfs->n_ops;
		r = rootfs_child_setup(p->rootfs, from, to, &failed);
		if (r < 0)
			child_fail(STEP_ROOTFS, -r, (int)failed);
		if (p->build_template) {
			r = child_hand_template();
			if (r < 0)
				child_fail(STEP_TEMPLATE, -r, 0);
			r = rootfs_child_setup(p->rootfs, to, p->rootfs->n_ops, &failed);
			if (r < 0)
				child_fail(STEP_ROOTFS, -r, (int)failed);
		}
	}
	if (p->loopback) {
		r = child_loopback();
		if (r < 0)
			child_fail(STEP_LOOPBACK, -r, 0);
	}
	if (p->hostname && sethostname("qfsandbox", 9) < 0)
		child_fail(STEP_HOSTNAME, errno, 0);
	if (p->net_services) {
		r = child_net_services(p);
		if (r < 0)
			child_fail(STEP_NET_SERVICES, -r, 0);
	}
	if (p->cwd && chdir(p->cwd) < 0)
		child_fail(STEP_CHDIR, errno, 0);
	for (size_t i = 0; p->landlock_fd >= 0 && i < p->n_child_rules; i++) {
		r = landlock_child_add(FD_RULESET, p->child_rules[i].path,
				       p->child_rules[i].access);
		if (r < 0)
			child_fail(STEP_LANDLOCK_RULES, -r, (int)i);
	}
	if (p->drop_bounding) {
		r = child_drop_bounding(p);
		if (r < 0)
			child_fail(STEP_BOUNDING, -r, 0);
	}
	if (p->setid_late) {
		r = child_setids(p);
		if (r < 0)
			child_fail(STEP_IDS, -r, 0);
	}
	if (p->drop_caps) {
		r = child_drop_caps();
		if (r < 0)
			child_fail(STEP_CAPS, -r, 0);
	}
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (syscall(SYS_prlimit64, 0, p->rlimits[i].resource, &p->rlimits[i].limit, NULL) <
		    0)
			child_fail(STEP_RLIMIT, errno, p->rlimits[i].resource);
	if (p->normal_priority) {
		r = child_normal_priority();
		if (r < 0)
			child_fail(STEP_PRIORITY, -r, 0);
	}
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(STEP_NNP, errno, 0);
	if (p->mdwe && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0)
		child_fail(STEP_MDWE, errno, 0);
	if (p->landlock_fd >= 0) {
		r = landlock_child_restrict(FD_RULESET);
		if (r < 0)
			child_fail(STEP_LANDLOCK, -r, 0);
		close(FD_RULESET);
	}
	/* The kernel clears the parent-death signal whenever the effective
	 * or file-system ids change, as they just did for a root supervisor:
	 * set it again (SIGTERM for the reaper, which then ends the rest).
	 * The supervisor may have died meanwhile; its end of the status
	 * socket says so (HUP) even where getppid() is 0. */
	if (p->reaper) {
		uint64_t set = (1ULL << (SIGCHLD - 1)) | (1ULL << (SIGTERM - 1));
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			child_fail(STEP_INIT, errno, 0);
		if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, sizeof(set)) < 0)
			child_fail(STEP_SIGNALS, errno, 0);
	}
	if (prctl(PR_SET_PDEATHSIG, p->reaper ? SIGTERM : SIGKILL, 0, 0, 0) < 0)
		child_fail(STEP_PDEATHSIG, errno, 0);
	struct pollfd alive = {.fd = FD_STATUS, .events = POLLIN};
	if (poll(&alive, 1, 0) < 0 || (alive.revents & (POLLHUP | POLLERR)))
		_exit(127);
	if (p->init) {
		/* CLONE_VM | CLONE_VFORK: no copy of the address space (a
		 * whole copy of the supervisor's), and the init sleeps until
		 * the plugin has exec'd.  glibc's clone() runs child_exec_fn
		 * on the plan's stack and takes no lock. */
		pid_t pid = clone(child_exec_fn, p->init_stack + LAUNCH_INIT_STACK,
				  CLONE_VM | CLONE_VFORK | SIGCHLD, p);
		if (pid < 0)
			child_fail(STEP_INIT, errno, 0);
		child_init(p, pid);
	}
	child_exec(p);
}

/*
 * The supervisor's side.
 */

static int write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int write_id_maps(const struct launch_plan *p, pid_t pid, qfs_error *err)
{
	int r = 0;

	if (p->deny_setgroups)
		r = write_file(pid, "setgroups", "deny");
	if (r >= 0)
		r = write_file(pid, "uid_map", p->uid_map);
	if (r >= 0)
		r = write_file(pid, "gid_map", p->gid_map);
	if (r < 0)
		return error_set(err, "uid_map", -r, "writing the user namespace's id maps failed");
	return 0;
}

static const char *rlimit_name(int resource)
{
	static const char *const names[] = {
		[RLIMIT_CPU] = "RLIMIT_CPU",	     [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
		[RLIMIT_DATA] = "RLIMIT_DATA",	     [RLIMIT_STACK] = "RLIMIT_STACK",
		[RLIMIT_CORE] = "RLIMIT_CORE",	     [RLIMIT_RSS] = "RLIMIT_RSS",
		[RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
		[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
	};
	if (resource >= 0 && (size_t)resource < ARRAY_SIZE(names) && names[resource])
		return names[resource];
	return "a resource limit";
}

static void describe_failure(const struct launch_plan *p, const struct launch_msg *m,
			     qfs_error *err)
{
	int step = m->step >= 0 && m->step < STEP__MAX ? m->step : STEP_EXEC;
	char what[512];

	if (step == STEP_ROOTFS && p->rootfs) {
		rootfs_op_describe(p->rootfs, (size_t)m->arg, what, sizeof(what));
		error_set(err, steps[step].field, m->error,
			  "building the private root failed: %s: %s", what,
			  m->error == ESTALE ? "it was replaced while the sandbox was being set up"
					     : strerror(m->error));
		return;
	}
	if (step == STEP_RLIMIT) {
		error_set(err, steps[step].field, m->error, "setting %s failed: %s",
			  rlimit_name(m->arg), strerror(m->error));
		return;
	}
	if (step == STEP_EXEC) {
		error_set(err, steps[step].field, m->error, "executing %s failed: %s",
			  p->cmd->exec_path, strerror(m->error));
		return;
	}
	error_set(err, steps[step].field, m->error, "%s failed: %s", steps[step].what,
		  strerror(m->error));
}

static int remaining_ms(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return -1;
	uint64_t now = loop_now_usec();
	return now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
}

/*
 * Copies the listener descriptor @fd out of the process that wrote the
 * message: the plugin's process, which under an init is not the one we
 * cloned.  It waits for our acknowledgement, so its pid cannot be reused
 * before pidfd_open().
 */
static int listener_take(int pidfd, struct msghdr *mh, int fd, int *ret, qfs_error *err)
{
	_cleanup_close_ int owner = -1;
	int use = pidfd;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			owner = (int)syscall(SYS_pidfd_open, cred.pid, 0);
			if (owner < 0)
				return error_set(err, "seccomp", errno,
						 "finding the process that holds the seccomp "
						 "listener failed");
			use = owner;
		}
	int l = (int)syscall(SYS_pidfd_getfd, use, fd, 0);
	if (l < 0)
		return error_set(err, "seccomp", errno,
				 "obtaining the seccomp listener with pidfd_getfd failed");
	*ret = l;
	return 0;
}

/* The mount namespace of the process that sent @mh: the template it built. */
static int template_take(struct msghdr *mh, int *ret, qfs_error *err)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			char path[64];
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)cred.pid);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return error_set(err, "rootfs", errno,
						 "keeping the private root's template failed");
			*ret = fd;
			return 0;
		}
	return error_set(err, "rootfs", EIO, "the private root's template came without a sender");
}

static void child_reap(int pidfd)
{
	siginfo_t si;

	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
}

/* Kills and reaps a child that did not make it to exec. */
static void child_abort(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	child_reap(pidfd);
}

/* A step failed in the child: name it, end and reap the child. */
static int spawn_failed(const struct launch_plan *p, const struct launch_msg *m, int pidfd,
			struct notify **notify, qfs_error *err)
{
	describe_failure(p, m, err);
	child_abort(pidfd);
	*notify = notify_free(*notify);
	if (m->step == STEP_EXEC)
		return m->error == ENOENT || m->error == ENOTDIR ? -ENOENT : -EACCES;
	return -ECHILD;
}

/* The descriptors a message carried (SCM_RIGHTS), at most @max; the rest
 * are closed.  Return: how many. */
static size_t msg_take_fds(struct msghdr *mh, int *fds, size_t max)
{
	size_t n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n < max)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

struct fd_set_ {
	int fd[NET_SOCK__MAX];
};

static void fd_set_close(struct fd_set_ *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(s->fd); i++)
		s->fd[i] = close_safe(s->fd[i]);
}

static int ns_open(pid_t pid, const char *name, int *ret)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret = fd;
	return 0;
}

static int spawn(struct launch_plan *p, int timeout_ms, struct launch_child *ret, qfs_error *err)
{
	_cleanup_close_ int parent_end = -1, child_end = -1, exit_rd = -1, exit_wr = -1;
	_cleanup_close_ int pidfd = -1, listener = -1, userns = -1, netns = -1, mntns = -1;
	_cleanup_(fd_set_close) struct fd_set_ net_fds;
	struct launch_msg failure = {0};
	bool init_known = false;
	struct notify *notify = NULL;
	sigset_t all, old;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(net_fds.fd); i++)
		net_fds.fd[i] = -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set(err, "", errno, "creating the launch socket failed");
	parent_end = sv[0];
	child_end = sv[1];
	/* The kernel then attaches the writer's pid, in our pid namespace, to
	 * everything the child writes: that is how we find the process that
	 * holds the seccomp listener, with nothing but write() in the child. */
	int one = 1;
	if (setsockopt(parent_end, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return error_set(err, "", errno, "preparing the launch socket failed");
	if (p->init) {
		int pp[2];
		if (pipe2(pp, O_CLOEXEC) < 0)
			return error_set(err, "", errno, "creating the exit pipe failed");
		exit_rd = pp[0];
		exit_wr = pp[1];
	}
	p->status_fd = child_end;
	p->exit_fd = exit_wr;
	p->parent_pid = getpid();

	struct clone_args args = {
		.flags = p->clone3_flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		/* No exit signal: a foreign waitpid(-1) (Qt, GLib) cannot
		 * reap this child, and SIGCHLD set to SIG_IGN cannot make
		 * the kernel auto-reap it before we read its status. */
		.exit_signal = 0,
	};
	if (p->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)p->cgroup_fd;
	}

	/* The child starts with every signal blocked, so that none of the
	 * host's handlers runs in it before it resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	/* Kernels before 5.3 (and valgrind) lack clone3; clone() has
	 * CLONE_PIDFD since 5.2, its pidfd coming back through parent_tid.
	 * Only CLONE_INTO_CGROUP needs clone3. */
	if (pid < 0 && errno == ENOSYS && p->cgroup_fd < 0)
		pid = syscall(SYS_clone, (unsigned long)(p->clone3_flags | CLONE_PIDFD), NULL,
			      &pidfd, NULL, 0);
	if (pid == 0)
		child_main(p);
	int clone_errno = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		if (p->clone3_flags &&
		    (clone_errno == EPERM || clone_errno == ENOSPC || clone_errno == EUSERS ||
		     clone_errno == EINVAL || clone_errno == EACCES))
			return error_set(err, "namespaces", ENOTSUP,
					 "creating the sandbox's namespaces failed: %s",
					 strerror(clone_errno));
		return error_set(err, "clone", clone_errno,
				 "starting the sandbox process failed: %s", strerror(clone_errno));
	}
	child_end = close_safe(child_end);
	exit_wr = close_safe(exit_wr);

	if (p->clone3_flags & CLONE_NEWUSER) {
		r = write_id_maps(p, (pid_t)pid, err);
		if (r < 0)
			goto abort;
	}
	/* The child waits for us: its namespaces can be taken now, for the
	 * sandbox's next run to join. */
	if (p->keep_ns) {
		r = ns_open((pid_t)pid, "user", &userns);
		if (r >= 0)
			r = ns_open((pid_t)pid, "net", &netns);
		if (r < 0) {
			error_set(err, "namespaces", -r, "keeping the sandbox's namespaces failed");
			goto abort;
		}
	}
	if (p->handshake && write(parent_end, "g", 1) != 1) {
		r = error_set(err, "", errno, "releasing the sandbox process failed");
		goto abort;
	}

	uint64_t deadline =
		timeout_ms < 0 ? UINT64_MAX : loop_now_usec() + (uint64_t)timeout_ms * 1000u;
	bool exec_consumed = false;
	for (;;) {
		/* Once the plan's exec went through, later notifications are
		 * the plugin's own: they are left for the loop, which reports
		 * them. */
		bool watch = listener >= 0 && p->enf.exec_notify && !notify_exec_consumed(notify);
		struct pollfd pfd[2] = {{.fd = parent_end, .events = POLLIN},
					{.fd = listener, .events = POLLIN}};
		int n = poll(pfd, watch ? 2 : 1, remaining_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_set(err, "", errno, "waiting for the sandbox process failed");
			goto abort;
		}
		if (n == 0) {
			r = error_set(err, "timeout", ETIMEDOUT,
				      "setting up the sandbox took longer than the execution "
				      "timeout");
			goto abort;
		}
		if (watch && (pfd[1].revents & POLLIN)) {
			r = notify_handle(notify);
			if (r < 0 && r != -ENOENT) {
				error_set(err, "seccomp", -r,
					  "answering the seccomp listener failed");
				goto abort;
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		struct launch_msg m;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred)) +
				 CMSG_SPACE(NET_SOCK__MAX * sizeof(int))];
		} control;
		struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &control,
				    .msg_controllen = sizeof(control)};
		ssize_t got = recvmsg(parent_end, &mh, MSG_CMSG_CLOEXEC);
		if (got < 0 && errno == EINTR)
			continue;
		int fds[NET_SOCK__MAX];
		size_t n_fds = got > 0 ? msg_take_fds(&mh, fds, NET_SOCK__MAX) : 0;
		if (got == (ssize_t)sizeof(m) && m.kind == MSG_NET) {
			if (n_fds != (size_t)m.arg || n_fds <= NET_SOCK_DNS || net_fds.fd[0] >= 0 ||
			    (mh.msg_flags & MSG_CTRUNC)) {
				for (size_t i = 0; i < n_fds; i++)
					close(fds[i]);
				r = error_set(err, "network", EIO,
					      "receiving the sockets of the sandbox's network "
					      "services failed");
				goto abort;
			}
			memcpy(net_fds.fd, fds, n_fds * sizeof(int));
			continue;
		}
		for (size_t i = 0; i < n_fds; i++)
			close(fds[i]);
		if (got == 0 && failure.kind)
			return spawn_failed(p, &failure, pidfd, &notify, err);
		if (got == 0)
			break; /* EOF: the exec succeeded */
		if (got != (ssize_t)sizeof(m)) {
			r = error_set(err, "", got < 0 ? errno : EIO,
				      "reading from the sandbox process failed");
			goto abort;
		}
		if (m.kind == MSG_INIT && p->join_userns >= 0 && !init_known) {
			/* The joining child started the init and exits: from
			 * now on the init is the process we watch. */
			int fd = (int)syscall(SYS_pidfd_open, m.arg, 0);
			if (fd < 0) {
				r = error_set(err, "init", errno,
					      "finding the sandbox's init failed");
				goto abort;
			}
			child_reap(pidfd);
			close(pidfd);
			pidfd = fd;
			pid = m.arg;
			init_known = true;
			if (failure.kind)
				return spawn_failed(p, &failure, pidfd, &notify, err);
			continue;
		}
		if (m.kind == MSG_TEMPLATE && p->build_template && mntns < 0) {
			r = template_take(&mh, &mntns, err);
			if (r < 0)
				goto abort;
			if (write(parent_end, "t", 1) != 1) {
				r = error_set(err, "", errno,
					      "releasing the sandbox process failed");
				goto abort;
			}
			continue;
		}
		if (m.kind == MSG_LISTENER && listener < 0) {
			r = listener_take(pidfd, &mh, m.arg, &listener, err);
			if (r < 0)
				goto abort;
			r = notify_new(listener, &notify);
			if (r < 0) {
				error_set(err, "seccomp", -r,
					  "setting up the seccomp listener failed");
				goto abort;
			}
			notify_allow_exec_once(notify);
			if (!p->enf.exec_notify && write(parent_end, "k", 1) != 1) {
				r = error_set(err, "", errno,
					      "releasing the sandbox process failed");
				goto abort;
			}
			continue;
		}
		if (m.kind == MSG_ERROR) {
			/* When joining, the init may fail before the joining
			 * child has told us its pid (they run side by side):
			 * wait for that, or for EOF, so that neither is left
			 * unreaped. */
			if (p->join_userns >= 0 && !init_known) {
				if (!failure.kind)
					failure = m;
				continue;
			}
			return spawn_failed(p, &m, pidfd, &notify, err);
		}
		r = error_set(err, "", EIO, "unexpected message from the sandbox process");
		goto abort;
	}
	exec_consumed = notify && notify_exec_consumed(notify);
	notify = notify_free(notify);
	*ret = (struct launch_child){
		.pid = (pid_t)pid,
		.pidfd = TAKE_FD(pidfd),
		.listener = TAKE_FD(listener),
		.exit_pipe = TAKE_FD(exit_rd),
		.own_pid_ns = p->clone_flags & CLONE_NEWPID,
		.reaper = p->reaper,
		.exec_consumed = exec_consumed,
		.userns = TAKE_FD(userns),
		.netns = TAKE_FD(netns),
		.mntns = TAKE_FD(mntns),
	};
	for (size_t i = 0; i < NET_SOCK__MAX; i++)
		ret->net_fds[i] = TAKE_FD(net_fds.fd[i]);
	return 0;
abort:
	child_abort(pidfd);
	notify = notify_free(notify);
	return r;
}

int launch_spawn(struct launch_plan *p, int timeout_ms, struct launch_child *ret, qfs_error *err)
{
	int r = spawn(p, timeout_ms, ret, err);

	/* The child added the rules of its own mounts to the ruleset: it
	 * served this run only. */
	p->landlock_fd = close_safe(p->landlock_fd);
	return r;
}
