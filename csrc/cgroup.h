/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-sandbox resource control: cgroup v2, cgroup v1, rlimits.
 *
 * Lifecycle, one struct cgroup per sandbox, kept from run to run:
 *
 *   cgroup_new()          before the first launch: picks the best backend for
 *                         each resource, creates the sandbox's cgroups
 *                         ("qfs-<supervisor pid>-<n>") and writes the limits.
 *   cgroup_reuse()        before each later launch: checks that the cgroups
 *                         are empty and the limits the same, resets the
 *                         memory peak and takes the cumulative counters as
 *                         the run's baseline.  Creating and removing a
 *                         directory in three hierarchies per run cost about
 *                         half a millisecond of every launch; a refusal
 *                         means: cgroup_free() and cgroup_new().
 *                         Never fails for lack of a backend: what no cgroup
 *                         can hold falls to rlimits, and cgroup_backend()
 *                         says which rung holds each resource.
 *   cgroup_clone_fd()     the v2 directory for clone3(CLONE_INTO_CGROUP).
 *   cgroup_attach_fds()   v1 cgroup.procs descriptors; the child writes "0"
 *                         into each as its first step, before it unshares
 *                         anything (a cgroup namespace hides them, a dropped
 *                         uid may no longer write them).
 *   cgroup_rlimits()      the rlimits the child applies.
 *   cgroup_stat(), cgroup_procs(), cgroup_event_fd(), cgroup_oom_kills(),
 *   cgroup_pids_refused() while it runs.
 *   cgroup_kill()         every process in the sandbox, now.
 *   cgroup_free()         kills what is left, removes the directories (a
 *                         directory that stays busy is retried at the next
 *                         cgroup_new() or cgroup_free() of this process).
 *
 * Choice of backends, per resource:
 *
 *   membership and kill   cgroup v2 whenever the caller's own v2 cgroup lets
 *                         us create a child: cgroup.kill is atomic, and v2
 *                         needs no controller for it, so even a v2 hierarchy
 *                         without controllers (hybrid hosts) is used for
 *                         placement, kill and CPU accounting (cpu.stat exists
 *                         with or without the cpu controller).  Otherwise the
 *                         first writable v1 hierarchy, with the v1 freezer
 *                         to stop forking while we kill when it is writable.
 *   memory                v2 memory controller, else v1 memory, else
 *                         RLIMIT_DATA as a backstop (per process, of
 *                         writable private mappings, with room for thread
 *                         stacks; see rlimit_data()), the limit itself then
 *                         held by sampling the resident memory of the
 *                         processes.  Not RLIMIT_AS: node cannot start
 *                         under an address-space limit of a few hundred MiB.
 *   processes             v2 pids, else v1 pids, else RLIMIT_NPROC when the
 *                         plugin has a user namespace of its own (then the
 *                         count is of the sandbox's processes alone; outside
 *                         one it counts every process of the uid, shared with
 *                         other sandboxes and daemons, so it is not set).
 *                         Both pids.max and RLIMIT_NPROC count threads too.
 *   cpu time              v2 cpu.stat, else v1 cpuacct, else the process
 *                         tree from /proc; RLIMIT_CPU is always set a second
 *                         above the budget as a backstop per process.
 *   file handles, disk    RLIMIT_NOFILE and RLIMIT_FSIZE, always.
 *
 * cgroup v2 and "no internal processes": a cgroup that holds processes
 * cannot give controllers to its children.  When the caller's own cgroup is
 * delegated to it (it may write cgroup.procs and cgroup.subtree_control and
 * create directories) but holds processes, and it offers the memory or pids
 * controller that no v1 hierarchy has, the supervisor moves itself (its
 * whole process) into the leaf "<own>/qfs-supervisor" once, enables
 * "+memory +pids +cpu" in "<own>/cgroup.subtree_control", and creates the
 * sandboxes as "<own>/qfs-<pid>-<n>", the way container runtimes behave in
 * a delegated scope.  This is the only way to get memory and process limits
 * there, so it is done by default (CGROUP_LEAF_AUTO) only when it is needed
 * and would help; CGROUP_LEAF_NEVER forbids it, CGROUP_LEAF_ALWAYS does it
 * even when only accounting would be gained.  If other processes share the
 * caller's cgroup, enabling the controllers still fails and the resources
 * fall to the next rung.
 *
 * Stale cgroups: a "qfs-<pid>-<n>" whose pid is dead was left by a crashed
 * supervisor; its processes are killed and it is removed at the next
 * cgroup_new() in the same parent.  Supervisors that share a parent cgroup
 * must share a pid namespace (the pid in the name is checked with kill 0).
 *
 * What a plugin could do to its own cgroup: its files belong to the
 * supervisor's uid.  A plugin that runs under that same uid with the cgroup
 * file system reachable (Unrestricted level, unprivileged supervisor) could
 * raise its limits or move itself out; Limited denies the write with
 * Landlock, Sandboxed and Strict add a cgroup namespace and no /sys, and a
 * root supervisor runs plugins under another uid.
 *
 * Threading: a struct cgroup belongs to one thread at a time; distinct ones
 * are independent.  The process-wide parts (the name counter, the leaf
 * move, the list of directories to retry) are locked.
 */
#ifndef QFS_CGROUP_H
#define QFS_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <qfsandbox/common.h>
#include <qfsandbox/policy.h>

#define CGROUP_RESOURCE_COUNT 6

struct cgroup;

/** Who holds a resource; ordered from worst to best. */
enum cgroup_backend {
	CGROUP_BACKEND_NONE = 0, /* nothing: measured at most */
	CGROUP_BACKEND_RLIMIT,	 /* a per-process rlimit */
	CGROUP_BACKEND_V1,	 /* a cgroup v1 controller */
	CGROUP_BACKEND_V2,	 /* a cgroup v2 controller */
};

/** "none", "rlimit", "cgroup1", "cgroup2". */
const char *cgroup_backend_string(enum cgroup_backend backend);

/**
 * struct cgroup_limits - what to hold the sandbox to, in plain units.
 * A zero limit means "none".
 * @private_user_ns: the launcher gives the plugin a user namespace of its
 *                   own (decides whether RLIMIT_NPROC means anything).
 */
struct cgroup_limits {
	uint64_t memory_bytes;
	uint64_t cpu_time_ms;
	uint64_t max_processes;
	uint64_t max_file_handles;
	uint64_t disk_bytes;
	bool private_user_ns;
};

/** The v2 supervisor-leaf rule, see the header comment. */
enum cgroup_leaf_mode {
	CGROUP_LEAF_AUTO = 0,
	CGROUP_LEAF_NEVER,
	CGROUP_LEAF_ALWAYS,
};

/**
 * struct cgroup_config - where to look, for tests and benchmarks; NULL or
 * zero fields take the real values.
 * @proc_self_cgroup:    "/proc/self/cgroup".
 * @proc_self_mountinfo: "/proc/self/mountinfo".
 * @v2_parent:           use this directory as the parent of v2 sandboxes
 *                       instead of the caller's own cgroup.
 * @v1_parent:           the same for v1: sandboxes of controller C go into
 *                       "<v1_parent>/C".
 * @self:                the supervisor pid used in names and for the leaf move.
 * @leaf:                the supervisor-leaf rule.
 * @no_v2, @no_v1:       ignore a hierarchy.
 * @populate:            called after each mkdir with the new directory
 *                       (a fake tree creates the files the kernel would).
 * @remove:              removes a directory (default rmdir(2); a fake tree
 *                       holds regular files and needs a recursive remove).
 */
struct cgroup_config {
	const char *proc_self_cgroup;
	const char *proc_self_mountinfo;
	const char *v2_parent;
	const char *v1_parent;
	pid_t self;
	enum cgroup_leaf_mode leaf;
	bool no_v2;
	bool no_v1;
	int (*populate)(const char *path, void *userdata);
	int (*remove)(const char *path, void *userdata);
	void *userdata;
};

/** cgroup_limits_from_policy() - the limits of @policy in plain units. */
void cgroup_limits_from_policy(const qfs_policy *policy, bool private_user_ns,
			       struct cgroup_limits *ret);

/**
 * cgroup_new() - create the sandbox's cgroups and write @limits.
 * @cfg:    NULL for the real system.  Not copied: must outlive the cgroup.
 * @limits: copied.
 * @ret:    receives the cgroup, owned by the caller (cgroup_free()).
 * @err:    field "cgroup" and a sentence when an error is returned.
 * Return: 0; -ENOMEM; -EINVAL.  A missing or unusable hierarchy is not an
 * error: the resource falls to the next rung (see cgroup_backend(),
 * cgroup_describe()).
 */
int cgroup_new(const struct cgroup_config *cfg, const struct cgroup_limits *limits,
	       struct cgroup **ret, qfs_error *err);

/**
 * cgroup_reuse() - make @cg ready for another run with @limits instead of
 * creating new cgroups: the limits must be the ones @cg was made with and no
 * process may be left in it.  Resets the memory peak (v2 memory.peak through
 * our descriptor, kernel 6.12 and later; v1 memory.max_usage_in_bytes) and
 * makes cgroup_cpu_usec(), cgroup_oom_kills() and cgroup_pids_refused()
 * count from now; drains the v1 OOM eventfd and re-primes the v2 event files.
 * Return: 0; -ESTALE (other limits, a v2 cgroup that cgroup_kill() killed,
 * or a peak that cannot be reset: older kernels), -EBUSY (a process is still there), -errno on a
 * read error.  On an error @cg is unchanged: free it and create new cgroups.
 */
int cgroup_reuse(struct cgroup *cg, const struct cgroup_limits *limits);

/**
 * cgroup_free() - kill what is left in the sandbox's cgroups and remove
 * them.  A directory that stays busy for ~20 ms is queued and retried by
 * later calls.  NULL-safe; returns NULL.
 */
struct cgroup *cgroup_free(struct cgroup *cg);

/** cgroup_backend() - who holds @resource (a qfs_resource). */
enum cgroup_backend cgroup_backend(const struct cgroup *cg, qfs_resource resource);

/** cgroup_backend_name() - cgroup_backend_string() of cgroup_backend(). */
const char *cgroup_backend_name(const struct cgroup *cg, qfs_resource resource);

/** cgroup_kill_backend() - who kills the whole sandbox: V2, V1 or NONE. */
enum cgroup_backend cgroup_kill_backend(const struct cgroup *cg);

/**
 * cgroup_describe() - one line saying what engaged and why a rung was
 * skipped ("cgroup2 /sys/fs/cgroup/unified/qfs-12-1 (no memory, pids
 * controllers); cgroup1 memory, pids; ...").  Valid while @cg lives.
 */
const char *cgroup_describe(const struct cgroup *cg);

/** cgroup_name() - "qfs-<pid>-<n>", or NULL when no cgroup was created. */
const char *cgroup_name(const struct cgroup *cg);

/** cgroup_v2_path(), cgroup_v1_path() - the directories, or NULL. */
const char *cgroup_v2_path(const struct cgroup *cg);
const char *cgroup_v1_path(const struct cgroup *cg, const char *controller);

/**
 * cgroup_clone_fd() - the v2 directory, opened O_DIRECTORY, for
 * clone_args.cgroup with CLONE_INTO_CGROUP; -1 when there is no v2 cgroup.
 * Owned by @cg.  When it is >= 0 the
 * launcher must place the child with it: membership, kill and CPU time are
 * then read from the v2 cgroup alone.
 */
int cgroup_clone_fd(const struct cgroup *cg);

/**
 * cgroup_attach_fds() - the v1 cgroup.procs descriptors (opened O_RDWR,
 * O_CLOEXEC) into which the child writes "0" as its first step.  Owned by
 * @cg.
 * Return: how many there are (may exceed @max; only @max are stored).
 */
size_t cgroup_attach_fds(const struct cgroup *cg, int *fds, size_t max);

/** One rlimit for the child to apply with setrlimit()/prlimit(). */
struct cgroup_rlimit {
	int resource;
	struct rlimit limit;
};
#define CGROUP_RLIMIT_MAX 8

/**
 * cgroup_rlimits() - the rlimits of this sandbox: RLIMIT_NOFILE,
 * RLIMIT_FSIZE, RLIMIT_CPU (backstop), RLIMIT_CORE 0 always; RLIMIT_DATA (backstop) when
 * no memory controller holds memory; RLIMIT_NPROC when no pids controller
 * does and the plugin has its own user namespace.
 * Return: the number of entries (at most CGROUP_RLIMIT_MAX); only @max are
 * stored.
 */
size_t cgroup_rlimits(const struct cgroup *cg, struct cgroup_rlimit *ret, size_t max);

/**
 * cgroup_event_fd() - a descriptor that becomes ready when the sandbox hits
 * its memory limit (v2: memory.events, ready for EPOLLPRI; v1: an eventfd
 * registered on memory.oom_control, ready for EPOLLIN), or -1.  Owned by
 * @cg.  After it fires call cgroup_oom_kills(), which also re-arms it.
 * @events: receives the epoll events to wait for.
 * Note: v1 also signals the eventfd when the cgroup is removed; remove the
 * fd from the epoll set before cgroup_free().
 */
int cgroup_event_fd(const struct cgroup *cg, uint32_t *events);

/**
 * cgroup_pids_event_fd() - v2 pids.events (ready for EPOLLPRI when a fork
 * was refused at pids.max), or -1.  cgroup v1 keeps the count but sends no
 * notification: without this fd, check cgroup_pids_refused() per sample.
 * Owned by @cg; cgroup_pids_refused() re-arms.
 */
int cgroup_pids_event_fd(const struct cgroup *cg);

/**
 * cgroup_oom_kills() - processes the OOM killer has killed in the sandbox
 * (v2 memory.events oom_kill, v1 memory.oom_control oom_kill, or the count
 * of OOM notifications on kernels without that field) since the run began
 * (cgroup_new() or cgroup_reuse()).
 * Return: the count (>= 0), or -errno; 0 without a memory controller.
 */
int64_t cgroup_oom_kills(struct cgroup *cg);

/**
 * cgroup_pids_refused() - forks refused because of pids.max ("max" in
 * pids.events) since the run began.  Return: the count, or -errno; 0
 * without a pids controller.
 */
int64_t cgroup_pids_refused(struct cgroup *cg);

/** A reading of the sandbox's cgroup counters; *_valid say what was read. */
struct cgroup_stat {
	uint64_t memory_bytes; /* memory.current / memory.usage_in_bytes */
	uint64_t memory_peak_bytes;
	uint64_t cpu_usec; /* cpu.stat usage_usec / cpuacct.usage */
	uint64_t tasks;	   /* pids.current: threads included */
	bool memory_valid;
	bool memory_peak_valid;
	bool cpu_valid;
	bool tasks_valid;
};

#define CGROUP_STAT_CPU	   (1u << 0)
#define CGROUP_STAT_MEMORY (1u << 1) /* current and peak */
#define CGROUP_STAT_TASKS  (1u << 2)
#define CGROUP_STAT_ALL	   (CGROUP_STAT_CPU | CGROUP_STAT_MEMORY | CGROUP_STAT_TASKS)

/**
 * cgroup_stat() - read the counters in @what (CGROUP_STAT_*) with pread()
 * on descriptors kept open.
 * Return: 0 (fields not asked for or not readable are marked invalid),
 * -EINVAL.
 */
int cgroup_stat(struct cgroup *cg, unsigned what, struct cgroup_stat *ret);

/**
 * cgroup_cpu_usec() - CPU time of the sandbox only (the cheapest counter),
 * since the run began.
 * Return: microseconds, or -errno (-ENODATA without a cgroup holding it).
 */
int64_t cgroup_cpu_usec(struct cgroup *cg);

/**
 * cgroup_procs() - the pids of the sandbox's processes (its membership
 * cgroup's cgroup.procs).
 * Return: the number of pids (may exceed @max; only @max are stored), or
 * -ENODATA when no cgroup tracks membership, -errno on a read error.
 */
int cgroup_procs(struct cgroup *cg, pid_t *pids, size_t max);

/**
 * cgroup_kill() - SIGKILL every process in the sandbox: cgroup.kill (v2),
 * else freeze + kill + thaw (v1 freezer), else kill the listed pids until
 * none is left (bounded).  Does not wait for them to be reaped.  An empty
 * sandbox is left alone; a v2 cgroup once killed is not reused
 * (cgroup_reuse() refuses it).
 * Return: 0, -ENODATA when no cgroup tracks membership, -errno.
 */
int cgroup_kill(struct cgroup *cg);

/**
 * cgroup_pid_exited() - whether @pid has exited: gone, or a zombie waiting
 * to be reaped (cgroup v1 still lists those in cgroup.procs).
 */
bool cgroup_pid_exited(pid_t pid);

/* ---- parsing, exposed for the unit tests ---- */

/** cgroup_parse_u64() - "123\n" or "max\n" (UINT64_MAX).  Return 0 or -EINVAL. */
int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret);

/**
 * cgroup_parse_keyed() - the value of @key in a flat-keyed file
 * ("key value\n" lines: memory.events, memory.stat, cpu.stat, pids.events,
 * memory.oom_control).  Return 0, -ENOENT (no such key), -EINVAL.
 */
int cgroup_parse_keyed(const char *buf, size_t len, const char *key, uint64_t *ret);

/**
 * cgroup_parse_pids() - the pids of a cgroup.procs text.
 * Return: how many (may exceed @max), or -EINVAL.
 */
int cgroup_parse_pids(const char *buf, size_t len, pid_t *pids, size_t max);

/** cgroup_parse_has_word() - whether a space-separated list has @word. */
bool cgroup_parse_has_word(const char *buf, size_t len, const char *word);

/**
 * cgroup_parse_self() - the path of the hierarchy that has @controller in
 * /proc/self/cgroup text (@controller "" means the v2 line "0::").
 * @ret: receives a malloc'd path.
 * Return: 0, -ENOENT, -ENOMEM.
 */
int cgroup_parse_self(const char *buf, size_t len, const char *controller, char **ret);

/**
 * cgroup_parse_mount() - the mount point and mount root of the hierarchy
 * with @controller ("" for cgroup2) in /proc/self/mountinfo text.
 * Return: 0, -ENOENT, -ENOMEM.
 */
int cgroup_parse_mount(const char *buf, size_t len, const char *controller, char **mountpoint,
		       char **root);

/**
 * cgroup_parse_name() - whether @name is "qfs-<pid>-<n>"; the pid goes to
 * @pid.  Return true or false.
 */
bool cgroup_parse_name(const char *name, pid_t *pid);

/** What cgroup_v2_plan() decides from a v2 parent's files. */
struct cgroup_v2_facts {
	bool writable;	      /* cgroup.procs, subtree_control and the dir */
	bool is_root;	      /* the hierarchy root: exempt from the rule */
	bool has_processes;   /* cgroup.procs not empty */
	bool is_leaf_already; /* we are "<own>/qfs-supervisor" */
	uint32_t available;   /* controllers in cgroup.controllers */
	uint32_t enabled;     /* controllers in cgroup.subtree_control */
	uint32_t needed;      /* controllers the limits want */
	uint32_t v1_has;      /* controllers a writable v1 hierarchy has */
	enum cgroup_leaf_mode leaf;
};
#define CGROUP_CTRL_MEMORY (1u << 0)
#define CGROUP_CTRL_PIDS   (1u << 1)
#define CGROUP_CTRL_CPU	   (1u << 2)

struct cgroup_v2_plan {
	bool use;	   /* create the sandbox cgroup in v2 at all */
	bool move_to_leaf; /* move the supervisor to <own>/qfs-supervisor first */
	uint32_t enable;   /* controllers to write into subtree_control */
};

/** cgroup_v2_plan() - the v2 decision, pure; see the header comment. */
void cgroup_v2_plan(const struct cgroup_v2_facts *facts, struct cgroup_v2_plan *ret);

#endif /* QFS_CGROUP_H */
