/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp filter of a policy: compiled by libseccomp in the supervisor,
 * exported to memory, cached, and loaded by the child with one raw syscall.
 *
 * Two shapes:
 *  - deny-list (Limited, Sandboxed; Strict with allow_system_calls): default
 *    allow; the baseline deny-list of apis.c, blocked_apis and the effects
 *    (no process creation, no exec, W^X, noexec memfds) are refused;
 *  - allow-list (Strict): default deny; a broad table of the calls ordinary
 *    programs make, minus everything the deny-list would refuse.
 * In both, clone may create threads only (when process creation is off) and
 * never namespaces, clone3 answers ENOSYS (its flags live in memory a filter
 * cannot read, and libc then falls back to clone; not reported, since every
 * pthread_create() of glibc tries it first), and non-native architectures
 * and the x32 ABI kill the process (no plugin may make those, and no report
 * is needed for a syscall whose number means something else there).
 *
 * What happens to a refused call is a parameter per category of rule: by
 * default the listener (SCMP_ACT_NOTIFY), where the enforcer answers EPERM
 * and reports it.
 */
#ifndef QFS_SECCOMP_POLICY_H
#define QFS_SECCOMP_POLICY_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <qfsandbox/policy.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Every flag of clone() that creates a namespace. */
#define SECCOMP_CLONE_NEW_MASK                                                                     \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

enum seccomp_policy_mode {
	SECCOMP_POLICY_NONE = 0,
	SECCOMP_POLICY_DENY_LIST = 1,
	SECCOMP_POLICY_ALLOW_LIST = 2,
};

/* Actions (SCMP_ACT_* values) per category of refused call. */
struct seccomp_policy_actions {
	uint32_t baseline; /* the level's baseline deny-list */
	uint32_t blocked;  /* syscalls named by blocked_apis (directly or by group) */
	uint32_t effect;   /* fork/vfork/clone of processes, W^X, memfd without noexec seal */
	uint32_t args;	   /* TIOCSTI/TIOCLINUX/TIOCSETD ioctls, personality changes */
	uint32_t unlisted; /* allow-list only: everything not in the table */
	uint32_t exec;	   /* execve/execveat when exec is blocked */
	uint32_t file;	   /* the file syscalls being reported (SCMP_ACT_ALLOW: none) */
};

/*
 * Sockets that only a namespace could hide, refused by domain where there
 * is none: the host's pathname Unix sockets (the session bus at
 * /run/user/UID/bus; Landlock cannot judge a connect() to them before ABI
 * 8) without a private root, and UDP and raw IPv4/IPv6 sockets (which
 * Landlock does not cover) without a network namespace when the network is
 * not allowed.  Passed with the apis_effect bits, above them.
 */
#define SECCOMP_NO_UNIX_SOCKETS (1u << 16)
#define SECCOMP_NO_INET_SOCKETS (1u << 17)

/*
 * The file syscalls to send to the listener (action `file`), for the
 * enforcer to judge their paths and report (enforcer.c): the opens that
 * write, create or truncate and the calls that create, delete, rename,
 * link, truncate or change the mode or owner of a path; with READS, every
 * open that is not O_PATH.  Passed with the apis_effect bits.
 */
#define SECCOMP_REPORT_FILE_WRITES (1u << 18)
#define SECCOMP_REPORT_FILE_READS  (1u << 19)

/*
 * Network mediation (net.h): connect() and listen() go to the listener,
 * where the supervisor makes the call itself on its own reference to the
 * socket; MSG_FASTOPEN, the one way to connect a TCP socket without
 * connect(), is refused with EOPNOTSUPP on sendto, sendmsg and sendmmsg.
 */
#define SECCOMP_MEDIATE_NETWORK (1u << 20)
/*
 * socket() only for AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK; every other
 * family answers EAFNOSUPPORT.  Some reach past any network namespace
 * (AF_VSOCK talks to the hypervisor), some open their own connections
 * (AF_SMC over TCP, AF_RDS, AF_TIPC), none is what a plugin needs.
 */
#define SECCOMP_SOCKET_FAMILIES (1u << 21)

/*
 * Without a private root (Limited): the calls that change a file's mode,
 * owner, times or extended attributes go to the listener (action `file`),
 * where the supervisor makes them itself on the object it resolved and
 * judged (enforcer.c: Landlock does not govern them, and judging a path
 * then letting the kernel resolve it again would let the plugin choose
 * what it finds).  Without user notification they are refused (EPERM).
 */
#define SECCOMP_EMULATE_METADATA (1u << 22)

/*
 * The host's objects a plugin without a namespace still shares, refused by
 * the filter (Limited, or a best-effort run without namespaces), as the
 * sockets above:
 *  - SECCOMP_NO_HOST_IPC, without an IPC namespace: System V shared memory,
 *    message queues and semaphores and POSIX message queues.  They are named
 *    by keys and ids, not paths, so Landlock never sees them: a plugin could
 *    attach the host's segments (X11's MIT-SHM, a database's buffers) and
 *    leave its own behind after the sandbox, its memory still charged;
 *  - SECCOMP_OWN_TASK_ONLY, without a pid namespace: the calls that change
 *    another process by pid (prlimit64, setpriority, the sched_set* calls,
 *    ioprio_set) only for the caller itself (pid 0, or its own process
 *    group); Landlock scopes signals and ptrace, but not these, which the
 *    kernel allows between processes of one uid: another sandbox's plugin,
 *    or an unprivileged host application, left with 7 descriptors, pinned
 *    to one CPU or moved to SCHED_IDLE.  A thread's own id is refused too:
 *    the filter cannot tell it from another process's.
 */
#define SECCOMP_NO_HOST_IPC   (1u << 23)
#define SECCOMP_OWN_TASK_ONLY (1u << 24)

/*
 * seccomp_policy_host_refusal() - whether the rules above refuse @name
 * with the arguments of @data (a notification's registers) under @host:
 * the filter's own decision.  Return: the refusal in words, or NULL.
 */
const char *seccomp_policy_host_refusal(unsigned host, const char *name,
					const struct seccomp_data *data);

/* Every refusal to the listener (SCMP_ACT_NOTIFY), where the enforcer
 * answers and reports it; the file syscalls too. */
void seccomp_policy_default_actions(struct seccomp_policy_actions *ret);

/* Without user notification: every refusal answered EPERM in the kernel,
 * unreported, and the file syscalls left to Landlock alone. */
void seccomp_policy_kernel_actions(struct seccomp_policy_actions *ret);

/* A compiled filter; shared by every sandbox whose policy compiles to it. */
struct seccomp_program {
	unsigned refs; /* atomic */
	enum seccomp_policy_mode mode;
	bool needs_listener; /* some rule answers SCMP_ACT_NOTIFY */
	unsigned effects;    /* enum apis_effect the filter enforces */
	struct sock_fprog prog;
};

/* The mode @policy compiles to (NONE for Unrestricted). */
enum seccomp_policy_mode seccomp_policy_mode_of(const qfs_policy *policy);

/*
 * seccomp_policy_build() - compile (or take from the cache) the filter for
 * @policy.  @effects: the apis_effect bits to enforce (the caller may have
 * dropped some that the host cannot support).
 * Return: 0 with *ret (a reference the caller drops with
 * seccomp_program_unref()), -ENOMEM, -EINVAL with @err.
 */
int seccomp_policy_build(const qfs_policy *policy, unsigned effects,
			 const struct seccomp_policy_actions *actions, struct seccomp_program **ret,
			 qfs_error *err);

struct seccomp_program *seccomp_program_ref(struct seccomp_program *p);
struct seccomp_program *seccomp_program_unref(struct seccomp_program *p);

/* Empties the process-wide cache (tests, and callers that want memory back). */
void seccomp_policy_cache_flush(void);

/* Whether this kernel can deliver user notifications (SECCOMP_RET_USER_NOTIF). */
bool seccomp_policy_notify_available(void);

/*
 * Child side, async-signal-safe: install @p on the calling thread, with a
 * new listener when @listener (rules answering SCMP_ACT_NOTIFY without one
 * make their syscall fail with ENOSYS).
 * Return: the listener descriptor when @listener, else 0; or -errno.
 */
int seccomp_program_load(const struct seccomp_program *p, bool listener);

/*
 * The filter of the sandbox's own init (wait4, write, close, exit only;
 * everything else kills it); with @reaper, of the init of a run without a
 * pid namespace, which also waits for signals, reads its children from
 * /proc and kills them (rt_sigtimedwait, openat, read, kill).  Static;
 * built on first use.
 */
const struct sock_fprog *seccomp_init_program(bool reaper);

/* Child side, async-signal-safe: install @prog without a listener. */
int seccomp_fprog_load(const struct sock_fprog *prog);

#endif /* QFS_SECCOMP_POLICY_H */
