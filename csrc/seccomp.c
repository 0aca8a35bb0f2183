/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compiling a policy into a seccomp filter.
 *
 * libseccomp builds the filter; a short hand-written prefix in front of it
 * checks what libseccomp cannot express safely:
 *  - the ioctls that reach into a terminal the plugin shares with the host:
 *    TIOCSTI (injecting input), TIOCLINUX (the console's selection and
 *    more) and TIOCSETD (replacing the terminal's line discipline, which
 *    leaves the user's terminal deaf under N_NULL and, where modules
 *    load on demand, reaches disciplines such as n_gsm that privilege
 *    escalations have come through), compared on the low 32 bits of the
 *    request only.  The kernel truncates the request to an unsigned int,
 *    while libseccomp (2.5) compares all 64 bits even with SCMP_A1_32(), so
 *    a request with garbage in the upper half would slip past it;
 *  - personality(), allowed only to query (0xffffffff) and to set PER_LINUX,
 *    again on the low 32 bits.  libseccomp cannot say "anything but these
 *    two values" (it refuses two comparisons of one argument in a rule, and
 *    an unconditional rule for a syscall silently absorbs its conditional
 *    ones).
 *  - syscalls newer than the tables (Linux 6.5 on), under either list:
 *    ENOSYS in the kernel, the answer of a kernel that lacks them, so
 *    that a newer libc that probes one falls back quietly instead of being
 *    reported (and, under Strict, ended) for it, and so that a deny-list
 *    never lets through a call nobody judged.
 * The prefix falls through to libseccomp's program for everything else, and
 * that program starts over by checking the architecture itself.
 *
 * Cost: every syscall of the plugin runs the filter, so what is allowed
 * whatever its arguments must stay cheap.  libseccomp builds a binary tree
 * over the syscall numbers (SCMP_FLTATR_CTL_OPTIMIZE 2), and along the path
 * of such a syscall the program loads nothing but the architecture and the
 * number; the kernel sees that, proves the result constant, and caches
 * ALLOW for that number (Linux 5.11), so that a hot allowed syscall such as
 * getppid() does not run the filter at all.  Only refused syscalls and the
 * file syscalls being reported reach the supervisor (SCMP_ACT_NOTIFY).
 *
 * Compiling an allow-list takes libseccomp a millisecond or more, so
 * compiled programs are cached process-wide, keyed by everything that
 * shapes them (mode, effects, actions, the set of refused syscalls).
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <qfsandbox/enforcer.h>

#include "apis.h"
#include "decide.h"
#include "enforcer_internal.h"
#include "seccomp_policy.h"
#include "util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

void seccomp_policy_default_actions(struct seccomp_policy_actions *ret)
{
	*ret = (struct seccomp_policy_actions){
		.baseline = SCMP_ACT_NOTIFY,
		.blocked = SCMP_ACT_NOTIFY,
		.effect = SCMP_ACT_NOTIFY,
		.args = SCMP_ACT_NOTIFY,
		.unlisted = SCMP_ACT_NOTIFY,
		.exec = SCMP_ACT_NOTIFY,
		.file = SCMP_ACT_NOTIFY,
	};
}

void seccomp_policy_kernel_actions(struct seccomp_policy_actions *ret)
{
	*ret = (struct seccomp_policy_actions){
		.baseline = SCMP_ACT_ERRNO(EPERM),
		.blocked = SCMP_ACT_ERRNO(EPERM),
		.effect = SCMP_ACT_ERRNO(EPERM),
		.args = SCMP_ACT_ERRNO(EPERM),
		.unlisted = SCMP_ACT_ERRNO(EPERM),
		.exec = SCMP_ACT_ERRNO(EPERM),
		.file = SCMP_ACT_ALLOW,
	};
}

enum seccomp_policy_mode seccomp_policy_mode_of(const qfs_policy *policy)
{
	int level = qfs_policy_get_level(policy);

	if (level <= QFS_LEVEL_UNRESTRICTED)
		return SECCOMP_POLICY_NONE;
	if (decide_allow_list(policy))
		return SECCOMP_POLICY_ALLOW_LIST;
	return SECCOMP_POLICY_DENY_LIST;
}

/* The set of refused syscalls, by native number. */
#define NR_BITS 1024
struct nr_set {
	uint64_t bits[NR_BITS / 64];
};

static int nr_of(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	/* Negative: unknown, or a pseudo number for a syscall that exists
	 * only on other architectures. */
	return nr >= 0 && nr < NR_BITS ? nr : -1;
}

static void nr_set_add(struct nr_set *s, const char *name)
{
	int nr = nr_of(name);
	if (nr >= 0)
		s->bits[nr / 64] |= 1ull << (nr % 64);
}

static bool nr_set_has(const struct nr_set *s, int nr)
{
	return nr >= 0 && (s->bits[nr / 64] & (1ull << (nr % 64)));
}

/* Which category refused @nr; 0 when it is not refused. */
enum refusal { REFUSED_NOT = 0, REFUSED_BASELINE, REFUSED_BLOCKED };

struct refused {
	struct nr_set baseline; /* rows without an argument check */
	struct nr_set blocked;
};

/* The baseline as numbers, resolved once: libseccomp looks names up by a
 * linear search, and the baseline never changes. */
static struct nr_set baseline_set;
static pthread_once_t baseline_once = PTHREAD_ONCE_INIT;

static void baseline_resolve(void)
{
	for (size_t i = 0; i < apis_baseline_count(); i++) {
		const struct apis_deny *d = apis_baseline_get(i);
		if (!(d->flags & APIS_DENY_ARGS))
			nr_set_add(&baseline_set, d->syscall);
	}
}

static void blocked_add(const char *syscall, void *userdata)
{
	nr_set_add(userdata, syscall);
}

static void refused_collect(const qfs_policy *policy, struct refused *r)
{
	memset(r, 0, sizeof(*r));
	pthread_once(&baseline_once, baseline_resolve);
	r->baseline = baseline_set;
	/* The same enumeration the decisions use (decide.c), so that the
	 * filter refuses exactly what qfs_policy_check_api() says. */
	decide_blocked_syscalls(policy, blocked_add, &r->blocked);
}

static enum refusal refused_why(const struct refused *r, const char *name)
{
	int nr = nr_of(name);

	if (nr_set_has(&r->blocked, nr))
		return REFUSED_BLOCKED;
	if (nr_set_has(&r->baseline, nr))
		return REFUSED_BASELINE;
	return REFUSED_NOT;
}

/* The cache. */

struct cache_key {
	enum seccomp_policy_mode mode;
	unsigned effects;
	struct seccomp_policy_actions actions;
	struct refused refused;
};

struct cache_entry {
	struct cache_key key;
	struct seccomp_program *program;
	uint64_t last_used;
};

#define CACHE_SIZE 16
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry cache[CACHE_SIZE];
static uint64_t cache_clock;

struct seccomp_program *seccomp_program_ref(struct seccomp_program *p)
{
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

struct seccomp_program *seccomp_program_unref(struct seccomp_program *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(p->prog.filter);
		free(p);
	}
	return NULL;
}

void seccomp_policy_cache_flush(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SIZE; i++)
		cache[i].program = seccomp_program_unref(cache[i].program);
	pthread_mutex_unlock(&cache_lock);
}

static struct seccomp_program *cache_get(const struct cache_key *key)
{
	struct seccomp_program *p = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i].program && !memcmp(&cache[i].key, key, sizeof(*key))) {
			cache[i].last_used = ++cache_clock;
			p = seccomp_program_ref(cache[i].program);
			break;
		}
	pthread_mutex_unlock(&cache_lock);
	return p;
}

static void cache_put(const struct cache_key *key, struct seccomp_program *p)
{
	pthread_mutex_lock(&cache_lock);
	size_t victim = 0;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		if (!cache[i].program) {
			victim = i;
			break;
		}
		if (cache[i].last_used < cache[victim].last_used)
			victim = i;
	}
	seccomp_program_unref(cache[victim].program);
	cache[victim].key = *key;
	cache[victim].program = seccomp_program_ref(p);
	cache[victim].last_used = ++cache_clock;
	pthread_mutex_unlock(&cache_lock);
}

/* Building. */

struct builder {
	scmp_filter_ctx ctx;
	uint32_t default_action;
	bool needs_listener;
	const char *failed; /* syscall of the rule that could not be added */
	int error;
};

static void add(struct builder *b, uint32_t action, const char *name, unsigned n,
		const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (b->error || nr < 0 || action == b->default_action)
		return;
	int r = seccomp_rule_add_array(b->ctx, action, nr, n, cmp);
	if (r < 0) {
		b->error = r;
		b->failed = name;
		return;
	}
	if (action == SCMP_ACT_NOTIFY)
		b->needs_listener = true;
}

static void add_simple(struct builder *b, uint32_t action, const char *name)
{
	add(b, action, name, 0, NULL);
}

/* One masked comparison: rule fires when (arg & mask) == value.  libseccomp
 * compares the upper half as (hi & 0) == 0 for a 32-bit mask, which holds
 * whatever the caller put there, so the kernel's truncation cannot be used
 * to dodge it. */
static void add_masked(struct builder *b, uint32_t action, const char *name, unsigned arg,
		       uint32_t mask, uint32_t value)
{
	struct scmp_arg_cmp c = {
		.arg = arg, .op = SCMP_CMP_MASKED_EQ, .datum_a = mask, .datum_b = value};
	add(b, action, name, 1, &c);
}

static bool named(const struct refused *r, const char *name)
{
	return refused_why(r, name) != REFUSED_NOT;
}

static uint32_t refusal_action(const struct seccomp_policy_actions *a, const struct refused *r,
			       const char *name)
{
	return refused_why(r, name) == REFUSED_BLOCKED ? a->blocked : a->baseline;
}

/*
 * Deny-list mode: socket() refused for every family but AF_UNIX (1),
 * AF_INET (2), AF_INET6 (10) and AF_NETLINK (16).  The comparison above
 * AF_NETLINK is on all 64 bits: garbage in the upper half is refused too,
 * which is the safe side (the kernel would truncate it away).
 */
static void add_socket_families(struct builder *b, uint32_t refuse)
{
	struct scmp_arg_cmp above = {.arg = 0, .op = SCMP_CMP_GT, .datum_a = AF_NETLINK};

	for (uint32_t family = AF_UNSPEC; family < AF_NETLINK; family++)
		if (family != AF_UNIX && family != AF_INET && family != AF_INET6)
			add_masked(b, refuse, "socket", 0, 0xffffffffu, family);
	add(b, refuse, "socket", 1, &above);
}

/* The calls add_network_rules() decides; the generic passes skip them. */
static const char *const network_calls[] = {"connect", "listen", "sendto", "sendmsg", "sendmmsg"};

static bool is_network_rule(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(network_calls); i++)
		if (streq(network_calls[i], name))
			return true;
	return false;
}

/*
 * Network mediation: connect() and listen() are the supervisor's; sending
 * with MSG_FASTOPEN (a connect in disguise) is refused.  Without mediation
 * these calls are plain members of the allow-list.
 */
static void add_network_rules(struct builder *b, bool allow_list, unsigned effects,
			      const struct seccomp_policy_actions *a, const struct refused *r)
{
	const bool mediate = effects & SECCOMP_MEDIATE_NETWORK;
	static const struct {
		const char *name;
		unsigned flags_arg;
	} sends[] = {{"sendto", 3}, {"sendmsg", 2}, {"sendmmsg", 3}};

	for (const char *const *s = (const char *const[]){"connect", "listen", NULL}; *s; s++) {
		if (named(r, *s))
			add_simple(b, refusal_action(a, r, *s), *s);
		else
			add_simple(b, mediate ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW, *s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sends); i++) {
		const char *name = sends[i].name;
		if (named(r, name)) {
			add_simple(b, refusal_action(a, r, name), name);
		} else if (!mediate) {
			add_simple(b, SCMP_ACT_ALLOW, name);
		} else {
			add_masked(b, SCMP_ACT_ERRNO(EOPNOTSUPP), name, sends[i].flags_arg,
				   MSG_FASTOPEN, MSG_FASTOPEN);
			if (allow_list)
				add_masked(b, SCMP_ACT_ALLOW, name, sends[i].flags_arg,
					   MSG_FASTOPEN, 0);
		}
	}
}

/* The calls add_host_rules() decides; the generic passes skip them. */
static const char *const ipc_calls[] = {
	"shmget",    "shmat",	     "shmctl",		"msgget",     "msgsnd",	       "msgrcv",
	"msgctl",    "semget",	     "semop",		"semtimedop", "semctl",	       "mq_open",
	"mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",  "mq_getsetattr",
};
/* Calls naming a process in argument 0. */
static const char *const pid_calls[] = {"prlimit64", "sched_setaffinity", "sched_setscheduler",
					"sched_setparam", "sched_setattr"};
/* Calls naming a process, group or user by (which = arg 0, who = arg 1). */
static const struct {
	const char *name;
	uint32_t process, group, user; /* the values of `which` */
} which_calls[] = {
	{"setpriority", 0 /* PRIO_PROCESS */, 1 /* PRIO_PGRP */, 2 /* PRIO_USER */},
	{"ioprio_set", 1 /* IOPRIO_WHO_PROCESS */, 2 /* IOPRIO_WHO_PGRP */, 3 /* _USER */},
};

static bool is_host_rule(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipc_calls); i++)
		if (streq(ipc_calls[i], name))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(pid_calls); i++)
		if (streq(pid_calls[i], name))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(which_calls); i++)
		if (streq(which_calls[i].name, name))
			return true;
	return false;
}

const char *seccomp_policy_host_refusal(unsigned host, const char *name,
					const struct seccomp_data *data)
{
	if (host & SECCOMP_NO_HOST_IPC)
		for (size_t i = 0; i < ARRAY_SIZE(ipc_calls); i++)
			if (streq(ipc_calls[i], name))
				return "System V IPC or a message queue of the host's IPC "
				       "namespace (no IPC namespace at this level)";
	if (!(host & SECCOMP_OWN_TASK_ONLY))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pid_calls); i++)
		if (streq(pid_calls[i], name) && data->args[0] != 0)
			return "changing another process (no pid namespace at this level: only "
			       "the caller itself, as pid 0)";
	for (size_t i = 0; i < ARRAY_SIZE(which_calls); i++)
		if (streq(which_calls[i].name, name) &&
		    (data->args[1] != 0 || (uint32_t)data->args[0] == which_calls[i].user))
			return "changing other processes (no pid namespace at this level: only "
			       "the caller itself or its own process group, as 0)";
	return NULL;
}

/* What a run without IPC or pid namespace shares with the host (see
 * seccomp_policy.h).  Comparisons of a pid against 0 use all 64 bits
 * where they refuse, which errs on the safe side: the kernel reads an int,
 * so garbage in the upper half only makes a refusal of what it would have
 * read as 0. */
static void add_host_rules(struct builder *b, bool allow_list, unsigned effects,
			   const struct seccomp_policy_actions *a, const struct refused *r)
{
	const uint32_t allow = SCMP_ACT_ALLOW, act = a->effect;
	const bool no_ipc = effects & SECCOMP_NO_HOST_IPC;
	const bool own = effects & SECCOMP_OWN_TASK_ONLY;
	const struct scmp_arg_cmp other0 = {.arg = 0, .op = SCMP_CMP_NE, .datum_a = 0};
	const struct scmp_arg_cmp other1 = {.arg = 1, .op = SCMP_CMP_NE, .datum_a = 0};
#define ARG32_IS(n, v)                                                                             \
	{                                                                                          \
		.arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu, .datum_b = (v)       \
	}
	const struct scmp_arg_cmp self0 = ARG32_IS(0, 0), self1 = ARG32_IS(1, 0);

	for (size_t i = 0; i < ARRAY_SIZE(ipc_calls); i++) {
		const char *name = ipc_calls[i];
		if (named(r, name))
			add_simple(b, refusal_action(a, r, name), name);
		else if (no_ipc)
			add_simple(b, act, name);
		else if (allow_list && apis_allow_listed(name))
			add_simple(b, allow, name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pid_calls); i++) {
		const char *name = pid_calls[i];
		const bool listed = !allow_list || apis_allow_listed(name);
		if (named(r, name))
			add_simple(b, refusal_action(a, r, name), name);
		else if (!own && allow_list && listed)
			add_simple(b, allow, name);
		else if (own && allow_list && listed)
			add(b, allow, name, 1, &self0);
		else if (own && !allow_list)
			add(b, act, name, 1, &other0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(which_calls); i++) {
		const char *name = which_calls[i].name;
		const bool listed = !allow_list || apis_allow_listed(name);
		const struct scmp_arg_cmp process = ARG32_IS(0, which_calls[i].process),
					  group = ARG32_IS(0, which_calls[i].group),
					  user = ARG32_IS(0, which_calls[i].user);
		if (named(r, name)) {
			add_simple(b, refusal_action(a, r, name), name);
		} else if (!own) {
			if (allow_list && listed)
				add_simple(b, allow, name);
		} else if (allow_list) {
			/* Itself, or its own process group (the sandbox's). */
			if (listed) {
				add(b, allow, name, 2,
				    (const struct scmp_arg_cmp[]){process, self1});
				add(b, allow, name, 2, (const struct scmp_arg_cmp[]){group, self1});
			}
		} else {
			add(b, act, name, 1, &other1);
			add(b, act, name, 1, &user);
		}
	}
#undef ARG32_IS
}

/* The calls whose argument decides, in both modes. */
static void add_argument_rules(struct builder *b, enum seccomp_policy_mode mode, unsigned effects,
			       const struct seccomp_policy_actions *a, const struct refused *r)
{
	const bool allow_list = mode == SECCOMP_POLICY_ALLOW_LIST;
	const uint32_t allow = SCMP_ACT_ALLOW;

	/* execve, execveat: the plugin's own exec passes through the
	 * listener, which allows exactly that one. */
	bool no_exec = (effects & APIS_NO_EXEC) || named(r, "execve") || named(r, "execveat");
	add_simple(b, no_exec ? a->exec : allow, "execve");
	add_simple(b, no_exec ? a->exec : allow, "execveat");

	/* Process creation. */
	bool no_process = effects & APIS_NO_PROCESS_CREATION;
	for (const char *const *s = (const char *const[]){"fork", "vfork", NULL}; *s; s++) {
		if (named(r, *s))
			add_simple(b, refusal_action(a, r, *s), *s);
		else
			add_simple(b, no_process ? a->effect : allow, *s);
	}
	if (named(r, "clone")) {
		add_simple(b, refusal_action(a, r, "clone"), "clone");
	} else if (allow_list) {
		if (no_process)
			add_masked(b, allow, "clone", 0, CLONE_THREAD | SECCOMP_CLONE_NEW_MASK,
				   CLONE_THREAD);
		else
			add_masked(b, allow, "clone", 0, SECCOMP_CLONE_NEW_MASK, 0);
	} else {
		if (no_process)
			add_masked(b, a->effect, "clone", 0, CLONE_THREAD, 0);
		for (unsigned bit = 0; bit < 32; bit++)
			if (SECCOMP_CLONE_NEW_MASK & (1u << bit))
				add_masked(b, a->baseline, "clone", 0, 1u << bit, 1u << bit);
	}
	/* clone3 passes its flags in memory; ENOSYS makes libc use clone. */
	add_simple(b, SCMP_ACT_ERRNO(ENOSYS), "clone3");

	/* W^X: no mapping both writable and executable. */
	const uint32_t wx = PROT_WRITE | PROT_EXEC;
	for (const char *const *s =
		     (const char *const[]){"mmap", "mmap2", "mprotect", "pkey_mprotect", NULL};
	     *s; s++) {
		if (named(r, *s)) {
			add_simple(b, refusal_action(a, r, *s), *s);
		} else if (!(effects & APIS_WX)) {
			add_simple(b, allow, *s);
		} else if (allow_list) {
			add_masked(b, allow, *s, 2, PROT_WRITE, 0);
			add_masked(b, allow, *s, 2, PROT_EXEC, 0);
		} else {
			add_masked(b, a->effect, *s, 2, wx, wx);
		}
	}

	/* memfd files live on an internal mount that is never noexec; where
	 * writable mounts must be noexec, memfds must be sealed noexec. */
	if (named(r, "memfd_create")) {
		add_simple(b, refusal_action(a, r, "memfd_create"), "memfd_create");
	} else if (!(effects & APIS_NOEXEC_WRITABLE)) {
		add_simple(b, allow, "memfd_create");
	} else if (allow_list) {
		add_masked(b, allow, "memfd_create", 1, MFD_NOEXEC_SEAL, MFD_NOEXEC_SEAL);
	} else {
		add_masked(b, a->effect, "memfd_create", 1, MFD_NOEXEC_SEAL, 0);
	}

	/* socket() by domain (socketpair stays: it reaches nothing). */
	if (named(r, "socket")) {
		add_simple(b, refusal_action(a, r, "socket"), "socket");
	} else if (!(effects & (SECCOMP_NO_UNIX_SOCKETS | SECCOMP_NO_INET_SOCKETS |
				SECCOMP_SOCKET_FAMILIES))) {
		add_simple(b, allow, "socket");
	} else if (allow_list) {
		if (!(effects & SECCOMP_NO_UNIX_SOCKETS))
			add_masked(b, allow, "socket", 0, 0xffffffffu, AF_UNIX);
		if (!(effects & SECCOMP_NO_INET_SOCKETS)) {
			add_masked(b, allow, "socket", 0, 0xffffffffu, AF_INET);
			add_masked(b, allow, "socket", 0, 0xffffffffu, AF_INET6);
		}
		add_masked(b, allow, "socket", 0, 0xffffffffu, AF_NETLINK);
	} else {
		if (effects & SECCOMP_NO_UNIX_SOCKETS)
			add_masked(b, a->effect, "socket", 0, 0xffffffffu, AF_UNIX);
		if (effects & SECCOMP_NO_INET_SOCKETS) {
			add_masked(b, a->effect, "socket", 0, 0xffffffffu, AF_INET);
			add_masked(b, a->effect, "socket", 0, 0xffffffffu, AF_INET6);
		}
		if (effects & SECCOMP_SOCKET_FAMILIES)
			add_socket_families(b, a->effect);
	}

	/* ioctl and personality: allowed here, narrowed by the prefix. */
	for (const char *const *s = (const char *const[]){"ioctl", "personality", NULL}; *s; s++)
		add_simple(b, named(r, *s) ? refusal_action(a, r, *s) : allow, *s);

	add_network_rules(b, allow_list, effects, a, r);
	add_host_rules(b, allow_list, effects, a, r);
}

/*
 * The file syscalls whose paths the enforcer judges (enforcer.c).  Opens
 * are sent to the listener by their flags: only those that write (or
 * create, or truncate) when reads need no report, every one but O_PATH
 * (which opens nothing for reading or writing) when they do; openat2 keeps
 * its flags in memory and goes whenever files are reported.  Every other
 * call there modifies the tree and is sent whenever writes are reported.
 * Metadata queries (stat, access, readlink, getxattr) and calls on a
 * descriptor (fchmod, ftruncate) are not.
 */
static bool is_file_rule(const char *name)
{
	int arg;
	const char *f;

	for (size_t i = 0; (f = enforcer_file_call(i, &arg)); i++)
		if (streq(f, name))
			return true;
	return false;
}

static void add_file_rules(struct builder *b, unsigned effects,
			   const struct seccomp_policy_actions *a, const struct refused *r)
{
	const uint32_t allow = SCMP_ACT_ALLOW, act = a->file;
	const bool on = act != allow;
	const bool reads = on && (effects & SECCOMP_REPORT_FILE_READS);
	const bool writes =
		on && (effects & (SECCOMP_REPORT_FILE_WRITES | SECCOMP_REPORT_FILE_READS));
	const uint32_t write_bits = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;

	const char *name;
	int arg;
	for (size_t i = 0; (name = enforcer_file_call(i, &arg)); i++) {
		if ((effects & SECCOMP_EMULATE_METADATA) && enforcer_is_meta_call(name))
			continue; /* add_meta_rules() */
		if (named(r, name)) {
			add_simple(b, refusal_action(a, r, name), name);
		} else if (!writes) {
			add_simple(b, allow, name);
		} else if (arg < 0) {
			add_simple(b, act, name);
		} else if (reads) {
			add_masked(b, act, name, (unsigned)arg, O_PATH, 0);
			add_masked(b, allow, name, (unsigned)arg, O_PATH, O_PATH);
		} else {
			/* O_ACCMODE's two bits one by one: 3 (no access, ioctl
			 * only) has both. */
			for (uint32_t bit = 1; bit; bit <<= 1)
				if (write_bits & bit)
					add_masked(b, act, name, (unsigned)arg, bit, bit);
			add_masked(b, allow, name, (unsigned)arg, write_bits, 0);
		}
	}
}

/*
 * Without a private root, the calls that change a file's metadata go to the
 * supervisor, which makes them itself (SECCOMP_EMULATE_METADATA); where it
 * cannot hear of them (no user notification) they are refused, since no
 * layer would judge them.
 */
static void add_meta_rules(struct builder *b, unsigned effects,
			   const struct seccomp_policy_actions *a, const struct refused *r)
{
	const uint32_t act = a->file != SCMP_ACT_ALLOW ? a->file : SCMP_ACT_ERRNO(EPERM);
	const char *name;

	if (!(effects & SECCOMP_EMULATE_METADATA))
		return;
	for (size_t i = 0; (name = enforcer_meta_call(i)); i++)
		add_simple(b, named(r, name) ? refusal_action(a, r, name) : act, name);
}

static bool is_meta_rule(unsigned effects, const char *name)
{
	return (effects & SECCOMP_EMULATE_METADATA) && enforcer_is_meta_call(name);
}

/*
 * Where the allow-list's knowledge ends: the first syscall of Linux 6.5
 * (cachestat; every architecture numbers the syscalls since 5.1 alike),
 * or, with a libseccomp that does not know it, the first number it does
 * not know.  Syscalls from there on were added after the allow-list was
 * written; a libc that finds ENOSYS there (fchmodat2, map_shadow_stack,
 * the futex2 calls) falls back as on an older kernel.
 */
static int allow_list_end_nr(void)
{
	static int cached;
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (v)
		return v;
	v = seccomp_syscall_resolve_name("cachestat");
	if (v < 0) {
		v = 0;
		for (int nr = 0; nr < NR_BITS; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
			if (name)
				v = nr + 1;
			free(name);
		}
	}
	__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	return v;
}

/*
 * The prefix: see the top of this file.  @action is what a refused ioctl or
 * personality gets.  Jump offsets count from the next instruction.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif
#define PREFIX_LEN 16

/* @unknown: what a syscall numbered @first_unknown or above gets (any
 * number with the x32 bit goes on to libseccomp's architecture check). */
static int prefix_build(struct sock_filter *f, uint32_t action, uint32_t first_unknown,
			uint32_t unknown)
{
	int nr_ioctl = seccomp_syscall_resolve_name("ioctl");
	int nr_personality = seccomp_syscall_resolve_name("personality");
	uint32_t arch = seccomp_arch_native();

	if (nr_ioctl < 0 || nr_personality < 0)
		return -ENOSYS;
	const struct sock_filter p[PREFIX_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 14),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first_unknown, 0, 2),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 1, 0),
		/* 5 */ BPF_STMT(BPF_RET | BPF_K, unknown),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr_ioctl, 0, 4),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 6, 0),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 5, 0),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSETD, 4, 5),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr_personality, 0, 4),
		/* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 1, 0),
		/* 15 */ BPF_STMT(BPF_RET | BPF_K, action),
		/* 16: libseccomp's program */
	};
	memcpy(f, p, sizeof(p));
	return 0;
}

/* Exports @ctx into memory, behind the prefix. */
static int export_program(scmp_filter_ctx ctx, uint32_t prefix_action, uint32_t first_unknown,
			  uint32_t unknown, struct sock_fprog *ret)
{
	_cleanup_close_ int fd = memfd_create("qfsandbox-seccomp", MFD_CLOEXEC);
	_cleanup_free_ struct sock_filter *f = NULL;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	/* libseccomp 2.5 has no export to memory; a memfd is the cheapest
	 * file there is. */
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter))
		return -EIO;
	size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
	if (n + PREFIX_LEN > BPF_MAXINSNS)
		return -E2BIG;
	f = calloc(n + PREFIX_LEN, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = prefix_build(f, prefix_action, first_unknown, unknown);
	if (r < 0)
		return r;
	ssize_t got = pread(fd, f + PREFIX_LEN, (size_t)st.st_size, 0);
	if (got != st.st_size)
		return got < 0 ? -errno : -EIO;
	ret->len = (unsigned short)(n + PREFIX_LEN);
	ret->filter = TAKE_PTR(f);
	return 0;
}

static int compile(const struct cache_key *k, struct seccomp_program **ret, qfs_error *err)
{
	const struct seccomp_policy_actions *a = &k->actions;
	const bool allow_list = k->mode == SECCOMP_POLICY_ALLOW_LIST;
	struct builder b = {.default_action = allow_list ? a->unlisted : SCMP_ACT_ALLOW};
	struct seccomp_program *p = NULL;
	int r;

	b.ctx = seccomp_init(b.default_action);
	if (!b.ctx)
		return error_set(err, "seccomp", ENOMEM, "creating the seccomp filter failed");
	b.needs_listener = b.default_action == SCMP_ACT_NOTIFY || a->args == SCMP_ACT_NOTIFY;
	/* A syscall of another ABI (int 0x80, x32) would be checked against
	 * numbers that mean something else there: kill the process. */
	r = seccomp_attr_set(b.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r >= 0)
		r = seccomp_attr_set(b.ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree over syscall numbers: an allow-list of a few hundred
	 * calls, or a deny-list of a hundred, then costs a handful of
	 * comparisons per syscall rather than one per rule. */
	if (r >= 0)
		r = seccomp_attr_set(b.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		goto fail;

	add_argument_rules(&b, k->mode, k->effects, a, &k->refused);
	add_file_rules(&b, k->effects, a, &k->refused);
	add_meta_rules(&b, k->effects, a, &k->refused);
	if (allow_list) {
		for (size_t i = 0; i < apis_allow_count(); i++) {
			const char *name = apis_allow_get(i);
			if (!apis_argument_rule(name) && !is_file_rule(name) &&
			    !is_meta_rule(k->effects, name) && !is_network_rule(name) &&
			    !is_host_rule(name) && refused_why(&k->refused, name) == REFUSED_NOT)
				add_simple(&b, SCMP_ACT_ALLOW, name);
		}
	} else {
		for (int nr = 0; nr < NR_BITS; nr++) {
			bool blk = nr_set_has(&k->refused.blocked, nr);
			if (!blk && !nr_set_has(&k->refused.baseline, nr))
				continue;
			_cleanup_free_ char *name =
				seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
			if (!name || apis_argument_rule(name) || is_file_rule(name) ||
			    is_meta_rule(k->effects, name) || is_network_rule(name) ||
			    is_host_rule(name))
				continue;
			add_simple(&b, blk ? a->blocked : a->baseline, name);
		}
	}
	if (b.error) {
		r = b.error;
		goto fail;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto fail;
	}
	p->refs = 1;
	p->mode = k->mode;
	p->effects = k->effects;
	p->needs_listener = b.needs_listener;
	/* Numbers above what the tables know (Linux 6.5 on): ENOSYS, under
	 * the deny-list as under the allow-list.  The deny-list cannot refuse
	 * what it has never heard of, and some of those calls reach what the
	 * other layers were built not to let through (fchmodat2 and
	 * setxattrat change metadata Landlock does not govern); a libc that
	 * meets ENOSYS there falls back as on an older kernel. */
	uint32_t first_unknown = (uint32_t)allow_list_end_nr();
	r = export_program(b.ctx, a->args, first_unknown, SCMP_ACT_ERRNO(ENOSYS), &p->prog);
	if (r < 0) {
		free(p);
		goto fail;
	}
	seccomp_release(b.ctx);
	*ret = p;
	return 0;
fail:
	seccomp_release(b.ctx);
	if (b.failed)
		return error_set(err, "seccomp", -r, "adding the seccomp rule for %s failed",
				 b.failed);
	return error_set(err, "seccomp", -r, "compiling the seccomp filter failed");
}

int seccomp_policy_build(const qfs_policy *policy, unsigned effects,
			 const struct seccomp_policy_actions *actions, struct seccomp_program **ret,
			 qfs_error *err)
{
	struct seccomp_policy_actions defaults;
	struct cache_key key;
	int r;

	if (!actions) {
		seccomp_policy_default_actions(&defaults);
		actions = &defaults;
	}
	memset(&key, 0, sizeof(key));
	key.mode = seccomp_policy_mode_of(policy);
	if (key.mode == SECCOMP_POLICY_NONE)
		return error_set(err, "seccomp", EINVAL, "an unrestricted policy has no filter");
	key.effects = effects;
	key.actions = *actions;
	refused_collect(policy, &key.refused);

	struct seccomp_program *p = cache_get(&key);
	if (!p) {
		r = compile(&key, &p, err);
		if (r < 0)
			return r;
		cache_put(&key, p);
	}
	*ret = p;
	return 0;
}

/*
 * The filter of the sandbox's init: it only waits for children, writes one
 * record and exits.  Anything else, and any other ABI, kills it.  Written
 * by hand: eleven instructions load in microseconds, where the plugin's
 * allow-list takes a hundred.
 */
/*
 * The init of a run without a pid namespace (Limited) reaps as a
 * subreaper and, when the plugin's main process ends or the supervisor
 * goes, kills what is left: it also waits for signals, reads its list of
 * children from /proc and sends SIGKILL.
 */
struct init_program {
	struct sock_filter insns[24];
	struct sock_fprog prog;
	pthread_once_t once;
};

static struct init_program init_plain = {.once = PTHREAD_ONCE_INIT};
static struct init_program init_reaper = {.once = PTHREAD_ONCE_INIT};

static void init_build(struct init_program *ip, const int *allowed, unsigned n)
{
	unsigned k = 0;

	ip->insns[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, arch));
	ip->insns[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      seccomp_arch_native(), 1, 0);
	ip->insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	ip->insns[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < n; i++) /* to the ALLOW after the KILL */
		ip->insns[k++] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allowed[i], (uint8_t)(n - i), 0);
	ip->insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	ip->insns[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	ip->prog = (struct sock_fprog){.len = (unsigned short)k, .filter = ip->insns};
}

static void init_plain_build(void)
{
	static const int allowed[] = {SYS_wait4,	  SYS_write,	  SYS_close,
				      SYS_exit,		  SYS_exit_group, SYS_rt_sigreturn,
				      SYS_restart_syscall};
	init_build(&init_plain, allowed, ARRAY_SIZE(allowed));
}

static void init_reaper_build(void)
{
	static const int allowed[] = {SYS_wait4,
				      SYS_write,
				      SYS_close,
				      SYS_exit,
				      SYS_exit_group,
				      SYS_rt_sigreturn,
				      SYS_restart_syscall,
				      SYS_rt_sigtimedwait,
				      SYS_kill,
				      SYS_openat,
				      SYS_read};
	init_build(&init_reaper, allowed, ARRAY_SIZE(allowed));
}

const struct sock_fprog *seccomp_init_program(bool reaper)
{
	if (reaper) {
		pthread_once(&init_reaper.once, init_reaper_build);
		return &init_reaper.prog;
	}
	pthread_once(&init_plain.once, init_plain_build);
	return &init_plain.prog;
}

int seccomp_fprog_load(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}

bool seccomp_policy_notify_available(void)
{
	uint32_t action = SECCOMP_RET_USER_NOTIF;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int seccomp_program_load(const struct seccomp_program *p, bool listener)
{
	unsigned flags = listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p->prog);

	if (r < 0)
		return -errno;
	return listener ? (int)r : 0;
}
