/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The launcher: a plan computed in the supervisor, executed by the child.
 *
 * A Qt application is multi-threaded, so between clone and exec the child
 * may only make async-signal-safe calls.  Everything that allocates (the
 * seccomp program, the Landlock ruleset, mount operations, id maps, rlimits,
 * the environment and argv) is therefore prepared here, in a launch_plan,
 * before clone3(); the child walks the plan with plain syscalls and reports
 * a failure as {step, errno} on a CLOEXEC socket, whose EOF means that the
 * exec succeeded.
 *
 * Order of the child's steps (each step names itself in errors):
 *
 * A sandbox that ran before joins the user and network namespaces of its
 * previous run instead of creating them (a network namespace costs the
 * kernel about half a millisecond to build and more to tear down), and the
 * mount namespace its first run left as the private root's template
 * (rootfs.h), of which the unshare below makes this run's copy; the pid,
 * ipc, uts and cgroup namespaces, /tmp, /proc, the plugin's and the allowed
 * directories' binds, the filter and the ruleset are new each run.
 * Joining needs an extra process: the child joins, unshares the rest, and
 * starts the init with CLONE_PARENT (so the init is the supervisor's child
 * and pid 1 of the new pid namespace), then exits.
 *
 *   cgroup.procs (v1)   first, so that everything after is accounted
 *   pdeathsig           the supervisor's death kills us
 *   signals             default dispositions, empty mask
 *   descriptors         ours dup'ed to fixed low numbers, the rest closed
 *   wait                for the supervisor to write our id maps
 *   setsid              no controlling terminal
 *   ids (user ns)       switch to the plugin's uid keeping capabilities,
 *                       so that the mount points we create are mapped
 *   private root        rootfs.c
 *   loopback, hostname  inside the new network and UTS namespaces
 *   network services    a mediated sandbox's DNS and proxy sockets, made
 *                       in its network namespace and sent to the
 *                       supervisor (net.h)
 *   Landlock rules      for the mounts created above
 *   bounding set, ids (no user ns), capabilities
 *   rlimits, no_new_privs, MDWE
 *   Landlock            restrict_self
 *   seccomp             last: the filter also judges the steps after it
 *   listener            handed to the supervisor before the exec it judges
 *   init                in a pid namespace our pid 1 forks the plugin
 *                       (it reaps orphans and reports the plugin's status)
 *   exec
 */
#ifndef QFS_LAUNCH_H
#define QFS_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <qfsandbox/policy.h>
#include <qfsandbox/sandbox.h>

#include "net.h"
#include "seccomp_policy.h"

struct rootfs_plan;

#define LAUNCH_MAX_RLIMITS	16
#define LAUNCH_MAX_CGROUP_PROCS 4
#define LAUNCH_MAX_CHILD_RULES	24

struct launch_rlimit {
	int resource;
	struct rlimit limit;
};

/*
 * What the resource backends hand to the launcher (cgroup.c fills it; all
 * optional).  Descriptors stay the caller's.
 */
struct launch_resources {
	int cgroup_fd; /* v2 cgroup directory for CLONE_INTO_CGROUP, -1 = none */
	/* v1 cgroup.procs files the child writes "0" into as its first step */
	int cgroup_procs_fds[LAUNCH_MAX_CGROUP_PROCS];
	size_t n_cgroup_procs;
	/* further limits (RLIMIT_AS, RLIMIT_NPROC ...); they replace the
	 * launcher's own for the same resource */
	struct launch_rlimit rlimits[LAUNCH_MAX_RLIMITS];
	size_t n_rlimits;
};

void launch_resources_init(struct launch_resources *res);

/* Which layers engaged, for the report.  Filled while planning and
 * starting. */
struct launch_enforcement {
	int level;
	uint64_t namespaces; /* CLONE_NEW* flags that engaged */
	bool private_root;
	int landlock_abi; /* 0: Landlock did not engage */
	bool landlock_scoped;
	bool landlock_tcp;
	bool landlock_tcp_connect; /* TCP connect only: the supervisor's (net.h) */
	enum net_mode net_mode;	   /* what the network became */
	enum seccomp_policy_mode seccomp;
	bool exec_notify; /* exec after the start is refused through the listener */
	bool reports;	  /* refusals go to the listener, which reports them */
	unsigned files;	  /* enum enforcer_files: file syscalls sent to the listener */
	unsigned effects; /* enum apis_effect enforced */
	unsigned sockets; /* SECCOMP_NO_*_SOCKETS */
	unsigned host;	  /* SECCOMP_NO_HOST_IPC, SECCOMP_OWN_TASK_ONLY */
	bool mdwe;
	bool no_new_privs;
	bool caps_dropped;
	bool init; /* our own pid 1 runs the plugin as its child */
	uid_t uid; /* ids of the plugin, as the host sees them */
	gid_t gid;
	bool rlimit_cpu, rlimit_fsize, rlimit_nofile;
	bool joined;	    /* user and network namespaces of an earlier run, reused */
	bool plan_reused;   /* the plan of an earlier run, its files unchanged */
	bool root_template; /* the private root copied from the sandbox's template */
	bool tmpfs_disk;
	char missing[512]; /* "; "-separated layers that did not engage */
};

/* Options of launch_plan_new(). */
enum launch_flags {
	LAUNCH_NO_USERNS = 1u << 0, /* user namespaces failed: do without */
};

struct launch_config {
	const qfs_policy *policy;
	qfs_plugin_type type;
	const char *path; /* the plugin file as the caller gave it */
	const char *const *argv;
	int stdio[3]; /* descriptors to become 0, 1, 2 */
	const struct launch_resources *resources;
	unsigned flags; /* enum launch_flags */
	/* The user and network namespaces of the sandbox's previous run, to
	 * be joined instead of created (-1: none).  Borrowed. */
	int join_userns;
	int join_netns;
};

struct launch_plan;

/*
 * launch_plan_new() - everything the child will need.
 * @reuse: the plan of the same sandbox's previous run, or NULL; always
 * consumed.  A sandbox runs plugin after plugin, and most of a plan (the
 * plugin's command line, the private root's operations, the Landlock rules'
 * paths and descriptors of the system paths) depends only on the inputs
 * and on what the files it examined were.  When @cfg asks for the same
 * thing as @reuse was made for (the same policy object at the same
 * generation, plugin type, path, argv, flags and ids), and every path the
 * plan looked at still names the same inode (and, where the plan holds
 * something derived from a file's bytes, the same size and times), @reuse
 * is brought up to date for this run (descriptors, namespaces to join,
 * limits, environment, working directory, a new Landlock ruleset) and
 * returned as *ret.  Otherwise it is freed and a new plan is made.
 * Return: 0 with *ret; -ENOENT, -EACCES (plugin file); -ENOTSUP (a required
 * layer is missing, or the interpreter is not installed); -EINVAL, -ENOMEM,
 * with @err.
 */
int launch_plan_new(const struct launch_config *cfg, struct launch_plan *reuse,
		    struct launch_plan **ret, qfs_error *err);
struct launch_plan *launch_plan_free(struct launch_plan *plan);
const struct launch_enforcement *launch_plan_enforcement(const struct launch_plan *plan);
/* The plugin file, and the program that runs it (NULL for a native
 * executable), resolved; valid until the plan is freed. */
const char *launch_plan_file(const struct launch_plan *plan);
const char *launch_plan_interpreter(const struct launch_plan *plan);

/* A started plugin.  The descriptors belong to the caller. */
struct launch_child {
	pid_t pid;
	int pidfd;
	int listener;  /* seccomp user notification descriptor, or -1 */
	int exit_pipe; /* the init's report of the plugin's wait status, or -1 */
	bool own_pid_ns;
	bool reaper;	    /* no pid namespace: the init ends the sandbox on SIGTERM */
	bool exec_consumed; /* the listener already let the plan's exec through */
	/* The user and network namespaces created for this run, for the next
	 * run of the same sandbox to join; -1 when none were created (or
	 * they were joined). */
	int userns;
	int netns;
	/* The private root's template this run built (rootfs.h), for
	 * launch_plan_keep_template(); -1 when none was built. */
	int mntns;
	/* MEDIATED: the sockets of the sandbox's services, made in its
	 * network namespace (enum net_child_socket); -1 otherwise. */
	int net_fds[NET_SOCK__MAX];
};

/*
 * launch_spawn() - clone3 and walk @plan; returns once the plugin has exec'd
 * or setup failed (the child is then reaped).
 * @timeout_ms: give up (killing the child) after this long, -1 = never.
 * Return: 0 with *ret; -ENOTSUP (namespaces could not be created; @err says
 * so), -ECHILD (a step failed in the child; @err names it), -ENOENT/-EACCES
 * (the exec failed), -ETIMEDOUT, -errno.
 */
int launch_spawn(struct launch_plan *plan, int timeout_ms, struct launch_child *ret,
		 qfs_error *err);

/* Whether @plan may serve the sandbox's next run (launch_plan_new()'s
 * @reuse): false when something it examined changed while it was made. */
bool launch_plan_reusable(const struct launch_plan *plan);

/* launch_plan_keep_template() - @plan takes @mntns (launch_child.mntns of
 * a run it served), the template its later runs copy while they join the
 * same user namespace.  launch_plan_drop_template(): when that user
 * namespace is given up.  NULL-safe. */
void launch_plan_keep_template(struct launch_plan *plan, int mntns);
void launch_plan_drop_template(struct launch_plan *plan);

/* The record the init writes to launch_child.exit_pipe. */
struct launch_exit_record {
	uint32_t magic;
	int32_t wait_status; /* as from wait4() */
};
#define LAUNCH_EXIT_MAGIC 0x71667365u

/* The environment a plugin gets without allow_environment_access, in
 * words, for documentation and tests. */
extern const char *const launch_env_kept[];

#endif /* QFS_LAUNCH_H */
