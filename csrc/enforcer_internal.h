/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The enforcer: the supervisor's answers to the seccomp notifications of
 * one run, and the violation each refusal becomes.
 *
 * The filter (seccomp.c) sends here every syscall the policy refuses (the
 * baseline deny-list, blocked_apis, the effects, Strict's allow-list,
 * TIOCSTI and personality changes) and, from Limited up, the file syscalls
 * that write (and, when reads are reported, the opens that read).  The
 * enforcer registers with the run's struct notify:
 *   - the fallback: the call is refused (EPERM, or the errno its rule
 *     documents) and reported, its arguments decoded into words;
 *   - execve/execveat: refused after the plugin's own start;
 *   - the file syscalls: the path is copied, made absolute, judged in the
 *     sandbox's view (enforcer_check_path()); a write outside is refused
 *     with EACCES and reported, a read outside reported and left to the
 *     kernel, anything else continues in the kernel, where Landlock and the
 *     private root still decide.
 * Other modules that route a syscall to the listener for their own purpose
 * (the network mediation: connect, sendto, sendmsg) register their handlers
 * on the same struct notify after enforcer_attach(), for the syscalls
 * enforcer_refuses() does not claim.
 * Everything is decided by decide.c's functions on the sandbox's policy.
 */
#ifndef QFS_ENFORCER_INTERNAL_H
#define QFS_ENFORCER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <qfsandbox/policy.h>

struct notify;
struct notify_call;
struct enforcer;

/* Which file syscalls the filter sends to the listener. */
enum enforcer_files {
	ENFORCER_FILE_WRITES = 1u << 0, /* opens that write or create; mkdir, unlink, rename ... */
	ENFORCER_FILE_READS = 1u << 1,	/* every open that is not O_PATH */
};

/* What the sandbox looks like from inside, for judging paths. */
struct enforcer_view {
	const qfs_policy *policy; /* borrowed; must outlive the enforcer */
	bool private_root; /* Sandboxed, Strict: the sandbox has its own /, /tmp, /proc, /dev */
	bool strict;	   /* a violation ends the plugin */
	unsigned effects;  /* enum apis_effect the filter enforces */
	unsigned sockets;  /* SECCOMP_NO_*_SOCKETS the filter enforces */
	unsigned host;	   /* SECCOMP_NO_HOST_IPC, SECCOMP_OWN_TASK_ONLY */
	unsigned files;	   /* enum enforcer_files */
	uid_t uid;	   /* the plugin's ids, as the host sees them */
	gid_t gid;
	const char *plugin_file; /* readable; copied */
	const char *interpreter; /* readable; copied; may be NULL */
};

/* Access asked of a path. */
enum enforcer_access {
	ENFORCER_READ = 1u << 0,
	ENFORCER_WRITE = 1u << 1,
};

/*
 * enforcer_files_of() - which file syscalls a policy's filter routes to the
 * listener: writes from Limited up, reads too when the policy confines
 * reads to a non-empty list of allowed directories.
 */
unsigned enforcer_files_of(const qfs_policy *policy);

/*
 * The file syscalls the enforcer judges, for the filter to send them here:
 * entry @index's name, and in *@flags_arg the argument holding its open
 * flags (-1: it has none, or they live in memory).  NULL out of range.
 */
const char *enforcer_file_call(size_t index, int *flags_arg);

/*
 * The calls that change a file's metadata (mode, owner, times, extended
 * attributes), which Landlock does not govern: without a private root the
 * filter sends them here (SECCOMP_EMULATE_METADATA) and the supervisor
 * makes them itself on the object it resolved and judged.  Entry @index's
 * name, NULL out of range.
 */
const char *enforcer_meta_call(size_t index);
bool enforcer_is_meta_call(const char *name);

int enforcer_new(const struct enforcer_view *view, struct enforcer **ret);
struct enforcer *enforcer_free(struct enforcer *e);

/*
 * enforcer_attach() - register the enforcer's handlers with @n (the
 * fallback, exec, and the file syscalls the filter routes).
 * Return: 0, -ENOMEM.
 */
int enforcer_attach(struct enforcer *e, struct notify *n);

/* Whether the policy refuses syscall @nr outright (whatever its arguments),
 * so that its notifications belong to the fallback. */
bool enforcer_refuses(const struct enforcer *e, int nr);

/*
 * enforcer_check_path() - may the plugin access @path (absolute, in the
 * sandbox's view) for @access (enum enforcer_access)?  The policy's answer
 * (qfs_policy_check_path()) plus what the launcher adds to the view: the
 * plugin file and its interpreter (read), the device nodes (read, write),
 * and inside a private root its own /tmp (read, write) and /proc (read).
 * Return: 1 allowed, 0 denied, -EINVAL for a relative path.
 */
int enforcer_check_path(const struct enforcer *e, const char *path, unsigned access);

/*
 * enforcer_describe() - the violation for a refused call, decoded into
 * words, as the fallback reports it (unit tests call it with made-up
 * registers).  Fills call->violation, ->detail, ->error.
 */
void enforcer_describe(const struct enforcer *e, struct notify_call *call);

#endif /* QFS_ENFORCER_INTERNAL_H */
