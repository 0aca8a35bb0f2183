/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — policy decisions.
 *
 * These functions answer "would the sandbox allow this?" with the same code
 * the sandbox enforces with: the launcher builds its Landlock rules and
 * seccomp filter from them, the supervisor judges seccomp notifications
 * (the path of an open, why a syscall was refused) and network destinations
 * with them, and the Qt SecurityEnforcer's validate_*() and is_*() calls
 * forward to them.
 *
 * Paths are normalised lexically ("." and ".." and repeated slashes removed;
 * symlinks are not followed, since the kernel layers judge the resolved
 * object) and compared on whole path components: "/tmpfoo" is not inside
 * "/tmp".  Host patterns are exact names or "*.example.com" (subdomains
 * only, not the apex), case-insensitive, with an optional ":port"; literal
 * IPv4/IPv6 addresses match only themselves.
 *
 * Threading: the check functions keep a small cache inside the policy, so
 * calls on one policy must not run concurrently from several threads
 * (distinct policies are independent).  Any setter on the policy clears the
 * cache.
 */
#ifndef QFSANDBOX_ENFORCER_H
#define QFSANDBOX_ENFORCER_H

#include <qfsandbox/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * qfs_policy_check_path() - may the plugin open @path (for writing when
 * @write is true)?  Under Unrestricted everything is allowed.  Otherwise the
 * system runtime directories are always readable; other paths are readable
 * only under allowed_directories with allow_file_system_read, writable only
 * under allowed_directories with allow_file_system_write.
 * @path: absolute path.
 * Return: 1 allowed, 0 denied, -EINVAL for a NULL or relative path.
 */
QFS_EXPORT int qfs_policy_check_path(const qfs_policy *policy, const char *path, bool write);

/**
 * qfs_policy_check_host() - may the plugin connect to @host on @port?
 * Under Unrestricted everything is allowed (that level enforces nothing).
 * Otherwise needs allow_network_access; then an empty allowed_hosts admits
 * every host, a non-empty list admits only matching entries.
 * @host: a name or a literal address.
 * @port: 1..65535, or -1 for "any port" (then a pattern with a port matches
 *        only when @port equals it; -1 matches patterns without a port).
 * Return: 1 allowed, 0 denied, -EINVAL for an empty or malformed @host.
 */
QFS_EXPORT int qfs_policy_check_host(const qfs_policy *policy, const char *host, int port);

/**
 * qfs_policy_check_api() - is @name (an entry of the blocked-API table, a
 * group such as "@mount", or a Linux syscall name) allowed by the policy?
 * Takes blocked_apis, allow_process_creation, the level's own deny-list and,
 * under Strict without allow_system_calls, Strict's allow-list into account:
 * the answer is what the sandbox's seccomp filter does.  Under Unrestricted
 * everything is allowed.  A table entry is blocked when everything it
 * stands for is (so "@mount" is blocked from Limited up, "fork" wherever
 * process creation is off, "@privileged" under Strict).  A syscall that the
 * policy denies only for some arguments (clone without CLONE_THREAD when
 * process creation is off) counts as blocked; W^X ("mmap") restricts
 * protections and blocks no syscall; clone3 is blocked from Limited up (it
 * answers ENOSYS, so that libc falls back to clone).
 * Return: 1 allowed, 0 blocked, -ENOENT for a name that is neither in the
 * table nor a syscall of this architecture, -EINVAL for NULL.
 */
QFS_EXPORT int qfs_policy_check_api(const qfs_policy *policy, const char *name);

/**
 * qfs_policy_check_process_creation() - may the plugin start @executable
 * (NULL: start any process at all)?  Needs allow_process_creation, no
 * blocked fork/exec entry, a level below Strict, and a readable path;
 * under Unrestricted everything is allowed.
 * Return: 1 allowed, 0 denied, -EINVAL for a relative path.
 */
QFS_EXPORT int qfs_policy_check_process_creation(const qfs_policy *policy, const char *executable);

/*
 * The blocked-API table: every name blocked_apis accepts besides plain
 * syscall names.  One table in the code; the README lists it.
 */

/** Number of entries in the blocked-API table. */
QFS_EXPORT size_t qfs_api_count(void);
/** Name of entry @index ("@mount", "fork", "dlopen" ...), NULL out of range.  Static. */
QFS_EXPORT const char *qfs_api_name(size_t index);
/** What blocking entry @index does, in one sentence, NULL out of range.  Static. */
QFS_EXPORT const char *qfs_api_description(size_t index);

/**
 * qfs_api_violation_type() - the qfs_violation_type an attempt blocked by
 * entry @index reports.
 * Return: the type, or -EINVAL out of range.
 */
QFS_EXPORT int qfs_api_violation_type(size_t index);
/**
 * qfs_api_syscalls() - the syscalls entry @index denies outright, as a
 * static NULL-terminated array (empty for the QtForge names, whose effect is
 * described in words: no execve, no process creation, W^X, noexec mounts).
 * Return: the array, or NULL out of range.
 */
QFS_EXPORT const char *const *qfs_api_syscalls(size_t index);

/**
 * qfs_api_known() - whether @name is acceptable in blocked_apis: an entry of
 * the table or a syscall name of this architecture.
 */
QFS_EXPORT bool qfs_api_known(const char *name);

/**
 * qfs_path_normalize() - lexical normalisation used by every path decision.
 * @path: absolute path.
 * @buf:  receives the normalised path ("/" for the root, no trailing slash).
 * Return: its length, -EINVAL for a relative path, -ENAMETOOLONG if @size
 * is too small.
 */
QFS_EXPORT int qfs_path_normalize(const char *path, char *buf, size_t size);

/**
 * qfs_path_is_within() - whether @path equals @dir or lies below it, on whole
 * components after normalisation of both.
 * Return: 1, 0, or -EINVAL.
 */
QFS_EXPORT int qfs_path_is_within(const char *path, const char *dir);

/**
 * qfs_host_matches() - whether @host (a name or literal address, optionally
 * "host:port" or "[v6]:port") matches @pattern, with the rules above.
 * Return: 1, 0, or -EINVAL for a malformed pattern or host.
 */
QFS_EXPORT int qfs_host_matches(const char *pattern, const char *host, int port);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_ENFORCER_H */
