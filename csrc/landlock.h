/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Landlock: file access rules, TCP rules and IPC scoping of a sandbox.
 *
 * The ruleset is built in the supervisor from host paths (rules attach to
 * inodes, so they hold for the same files seen through the bind mounts of a
 * private root).  Mounts the child creates itself (its /tmp and /proc) get
 * their rules in the child, on the same ruleset, before it restricts itself.
 *
 * Every access right of the running ABI is handled, so that a right the
 * code does not grant is denied rather than silently left open.
 */
#ifndef QFS_LANDLOCK_H
#define QFS_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <qfsandbox/common.h>

/* Newer than the system's 6.1 headers. */
#define QFS_LL_ACCESS_FS_REFER		  (1ULL << 13) /* ABI 2 */
#define QFS_LL_ACCESS_FS_TRUNCATE	  (1ULL << 14) /* ABI 3 */
#define QFS_LL_ACCESS_FS_IOCTL_DEV	  (1ULL << 15) /* ABI 5 */
#define QFS_LL_ACCESS_NET_BIND_TCP	  (1ULL << 0)  /* ABI 4 */
#define QFS_LL_ACCESS_NET_CONNECT_TCP	  (1ULL << 1)  /* ABI 4 */
#define QFS_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)  /* ABI 6 */
#define QFS_LL_SCOPE_SIGNAL		  (1ULL << 1)  /* ABI 6 */

/* Rights granted, by intent; landlock_access() turns them into ABI bits. */
enum landlock_grant {
	LANDLOCK_GRANT_READ = 1u << 0,	  /* read files, list directories */
	LANDLOCK_GRANT_EXECUTE = 1u << 1, /* execve files */
	LANDLOCK_GRANT_WRITE = 1u << 2,	  /* write, create, remove, rename, truncate */
	LANDLOCK_GRANT_DEVICE = 1u << 3,  /* read, write and ioctl a device node */
};

/* The Landlock ABI of the running kernel, 0 when Landlock is unavailable.
 * Cached after the first call. */
int landlock_abi(void);

/* The rights @grant means under @abi, narrowed to what a rule on a
 * non-directory may carry when @is_dir is false. */
uint64_t landlock_access(int abi, unsigned grant, bool is_dir);

struct landlock_rule {
	const char *path;
	unsigned grant; /* enum landlock_grant */
	bool optional;	/* a missing path is skipped rather than an error */
	/* An O_PATH descriptor of path opened earlier (a plan reused from run
	 * to run keeps those of the system paths), used instead of opening
	 * path again; -1: open path. */
	int fd;
	/* What fd is, when known (it never changes): LANDLOCK_KIND_*; 0
	 * asks fstat(). */
	unsigned char kind;
};
#define LANDLOCK_KIND_DIR   1
#define LANDLOCK_KIND_OTHER 2

struct landlock_spec {
	int abi;
	const struct landlock_rule *rules;
	size_t n_rules;
	bool deny_tcp; /* handle TCP bind/connect (ABI >= 4) with no port allowed */
	/* handle TCP connect only (ABI >= 4): the supervisor makes every
	 * TCP connection of a plugin whose network it mediates (net.h) */
	bool deny_tcp_connect;
	bool scope; /* scope abstract Unix sockets and signals (ABI >= 6) */
};

/*
 * landlock_ruleset_new() - create the ruleset of @spec.
 * Return: the ruleset descriptor (O_CLOEXEC), or -errno with @err naming
 * the path whose rule failed.
 */
int landlock_ruleset_new(const struct landlock_spec *spec, qfs_error *err);

/* Child side, async-signal-safe.  Return 0 or -errno. */
int landlock_child_add(int ruleset_fd, const char *path, uint64_t access);
int landlock_child_restrict(int ruleset_fd);
/* A further Landlock domain that scopes signals and abstract Unix sockets
 * only (ABI 6): the caller can no longer signal the processes of the
 * domain it was in, while they can still signal it. */
int landlock_child_scope(void);

#endif /* QFS_LANDLOCK_H */
