/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — security policies.
 *
 * A qfs_policy says what a plugin may do (security level, permissions,
 * allowed directories and hosts, blocked APIs) and how much it may use
 * (resource limits).  Its fields and defaults are those of QtForge's
 * qtplugin::SecurityPolicy, plus three additions whose defaults keep the
 * QtForge behaviour: limits.max_processes, enforcement, monitor_interval_ms.
 *
 * Lifecycle: create one with qfs_policy_new() (the QtForge default policy),
 * qfs_policy_new_builtin() (one of the four built-ins) or
 * qfs_policy_load_file()/qfs_policy_load_string() (JSON); change it with the
 * setters; check it with qfs_policy_validate(); hand it to a sandbox (which
 * copies it); free it with qfs_policy_free().
 *
 * Setters store any value the C type can hold and never judge it: the single
 * place that decides whether a policy is acceptable is qfs_policy_validate(),
 * which names the offending field (and, for a policy loaded from JSON, its
 * file, line and column).  Loading only checks the shape of the document:
 * known keys, no duplicates, the right JSON types.
 *
 * Threading: a policy is a plain value.  Distinct policies may be used from
 * distinct threads; one policy may be read from several threads at once
 * only through functions that take `const qfs_policy *` and are not the
 * qfs_policy_check_*() decision functions (those keep a cache, see
 * enforcer.h).
 */
#ifndef QFSANDBOX_POLICY_H
#define QFSANDBOX_POLICY_H

#include <qfsandbox/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qfs_policy qfs_policy;

/** Numeric settings.  JSON key in brackets; all under "limits". */
typedef enum qfs_limit {
	QFS_LIMIT_CPU_TIME_MS = 0,	    /* cpu_time_limit, default 30000 */
	QFS_LIMIT_MEMORY_MB = 1,	    /* memory_limit_mb, default 256 */
	QFS_LIMIT_DISK_SPACE_MB = 2,	    /* disk_space_limit_mb, default 100 */
	QFS_LIMIT_FILE_HANDLES = 3,	    /* max_file_handles, default 50 */
	QFS_LIMIT_NETWORK_CONNECTIONS = 4,  /* max_network_connections, default 10 */
	QFS_LIMIT_EXECUTION_TIMEOUT_MS = 5, /* execution_timeout, default 60000 */
	QFS_LIMIT_MAX_PROCESSES = 6,	    /* max_processes, default 64 (addition) */
} qfs_limit;
#define QFS_LIMIT_COUNT 7

/** Boolean permissions, all false by default.  JSON keys under "permissions". */
typedef enum qfs_permission {
	QFS_PERM_FILE_SYSTEM_READ = 0,	/* allow_file_system_read */
	QFS_PERM_FILE_SYSTEM_WRITE = 1, /* allow_file_system_write */
	QFS_PERM_NETWORK_ACCESS = 2,	/* allow_network_access */
	QFS_PERM_PROCESS_CREATION = 3,	/* allow_process_creation */
	QFS_PERM_SYSTEM_CALLS = 4,	/* allow_system_calls */
	QFS_PERM_REGISTRY_ACCESS = 5, /* allow_registry_access (Windows only, kept in the schema) */
	QFS_PERM_ENVIRONMENT_ACCESS = 6, /* allow_environment_access */
} qfs_permission;
#define QFS_PERM_COUNT 7

/** String lists, empty by default.  JSON keys under "permissions". */
typedef enum qfs_list {
	QFS_LIST_ALLOWED_DIRECTORIES = 0, /* allowed_directories: absolute paths */
	QFS_LIST_ALLOWED_HOSTS = 1,	  /* allowed_hosts: "name", "*.name", "name:port", IPs */
	QFS_LIST_BLOCKED_APIS = 2,	  /* blocked_apis: see qfs_api_*() in enforcer.h */
} qfs_list;
#define QFS_LIST_COUNT 3

/** What to do when the host cannot provide a layer the level needs. */
typedef enum qfs_enforcement {
	QFS_ENFORCE_REQUIRE = 0,     /* "require": refuse to start (default) */
	QFS_ENFORCE_BEST_EFFORT = 1, /* "best_effort": start, report what engaged */
} qfs_enforcement;

/**
 * qfs_policy_new() - the QtForge default policy: level Sandboxed, name
 * "default", description "Default security policy", default limits, every
 * permission false, empty lists, enforcement "require", monitor interval 1000.
 * @ret: receives the new policy; the caller owns it (qfs_policy_free()).
 * Return: 0, or -ENOMEM, -EINVAL (@ret NULL).
 */
QFS_EXPORT int qfs_policy_new(qfs_policy **ret);

/**
 * qfs_policy_new_builtin() - one of the four built-in policies, with exactly
 * the QtForge values.  "limited" lists the temp and cache locations,
 * "sandboxed" the temp location: temp is $TMPDIR when it is an absolute path
 * to an existing directory, else /tmp; cache is $XDG_CACHE_HOME when
 * absolute, else $HOME/.cache.  A location is listed (normalised) only when
 * it exists, so a built-in policy always validates.
 * @name: "unrestricted", "limited", "sandboxed" or "strict".
 * @ret:  receives the new policy; the caller owns it.
 * Return: 0, -ENOENT for an unknown name, -ENOMEM, -EINVAL.
 */
QFS_EXPORT int qfs_policy_new_builtin(const char *name, qfs_policy **ret);

/**
 * qfs_policy_builtin_names() - the built-in names in level order.
 * Return: a static NULL-terminated array.
 */
QFS_EXPORT const char *const *qfs_policy_builtin_names(void);

/**
 * qfs_policy_copy() - a deep copy of @policy, including where each field was
 * loaded from (so validation errors of the copy still carry positions).
 * @ret: receives the copy; the caller owns it.
 * Return: 0, -ENOMEM, -EINVAL.
 */
QFS_EXPORT int qfs_policy_copy(const qfs_policy *policy, qfs_policy **ret);

/** qfs_policy_free() - NULL-safe; returns NULL. */
QFS_EXPORT qfs_policy *qfs_policy_free(qfs_policy *policy);

/**
 * qfs_policy_equal() - whether two policies have the same value in every
 * field (list order matters; source positions do not).
 * Return: true or false; false if either is NULL.
 */
QFS_EXPORT bool qfs_policy_equal(const qfs_policy *a, const qfs_policy *b);

/* Getters return the stored value; strings stay valid until the field is
 * set again or the policy is freed.  Setters copy strings and return 0,
 * -ENOMEM, or -EINVAL for a NULL pointer or an enum index out of range. */

QFS_EXPORT int qfs_policy_get_level(const qfs_policy *policy);
QFS_EXPORT int qfs_policy_set_level(qfs_policy *policy, int level);

QFS_EXPORT const char *qfs_policy_get_name(const qfs_policy *policy);
QFS_EXPORT int qfs_policy_set_name(qfs_policy *policy, const char *name);

QFS_EXPORT const char *qfs_policy_get_description(const qfs_policy *policy);
QFS_EXPORT int qfs_policy_set_description(qfs_policy *policy, const char *description);

QFS_EXPORT int64_t qfs_policy_get_limit(const qfs_policy *policy, qfs_limit limit);
QFS_EXPORT int qfs_policy_set_limit(qfs_policy *policy, qfs_limit limit, int64_t value);

QFS_EXPORT bool qfs_policy_get_permission(const qfs_policy *policy, qfs_permission perm);
QFS_EXPORT int qfs_policy_set_permission(qfs_policy *policy, qfs_permission perm, bool value);

/** Number of entries in @list; 0 for a bad argument. */
QFS_EXPORT size_t qfs_policy_list_count(const qfs_policy *policy, qfs_list list);
/** Entry @index of @list, or NULL when out of range. */
QFS_EXPORT const char *qfs_policy_list_get(const qfs_policy *policy, qfs_list list, size_t index);
/** Appends a copy of @value (no de-duplication, no judgement).  The source
 * positions of the entries already there are kept; the new one has none. */
QFS_EXPORT int qfs_policy_list_add(qfs_policy *policy, qfs_list list, const char *value);
/** Empties @list. */
QFS_EXPORT int qfs_policy_list_clear(qfs_policy *policy, qfs_list list);

QFS_EXPORT qfs_enforcement qfs_policy_get_enforcement(const qfs_policy *policy);
QFS_EXPORT int qfs_policy_set_enforcement(qfs_policy *policy, int enforcement);

/** Sampling interval of the resource monitor in ms (JSON "monitor_interval_ms"). */
QFS_EXPORT int64_t qfs_policy_get_monitor_interval_ms(const qfs_policy *policy);
QFS_EXPORT int qfs_policy_set_monitor_interval_ms(qfs_policy *policy, int64_t interval_ms);

/**
 * qfs_policy_validate() - decide whether @policy can be enforced as written.
 *
 * Checks the fields in schema order and rejects the first problem with a
 * sentence naming the field (err->field holds its dotted path).  Accepted:
 *
 *   level                     0..3
 *   policy_name               1..255 bytes, UTF-8, no control characters
 *   description               up to 4096 bytes, UTF-8
 *   cpu_time_limit            1 ms .. 1 year (31536000000 ms)
 *   memory_limit_mb           1 .. 16777216 (16 TiB)
 *   disk_space_limit_mb       1 .. 16777216 (0 would mean an unlimited tmpfs)
 *   max_file_handles          1 .. 1048576
 *   max_network_connections   0 .. 65535
 *   execution_timeout         1 ms .. 1 year
 *   max_processes             1 .. 4194304
 *   allowed_directories       absolute; after lexical normalisation an
 *                             existing directory (stat)
 *   allowed_hosts             "name", "*.name" with at least two labels
 *                             after "*." (so not "*" nor "*.com"), IPv4 and
 *                             IPv6 literals, each with an optional ":port"
 *                             (1..65535; "[::1]:443" for IPv6); DNS labels of
 *                             [A-Za-z0-9-], 1..63 characters, no leading or
 *                             trailing '-', 253 characters in all; no scheme,
 *                             path, user information, spaces or empty labels
 *   blocked_apis              a name qfs_api_known() accepts, and not one of
 *                             the few syscalls no program can live without
 *                             (read, write, exit_group, ...)
 *   enforcement               QFS_ENFORCE_REQUIRE or QFS_ENFORCE_BEST_EFFORT
 *   monitor_interval_ms       10 .. 3600000
 *
 * For a policy that came from JSON the error carries the file, line and
 * column of the offending value, unless a setter has changed that field
 * since.
 *
 * Return: 0 when valid, -EINVAL with @err filled otherwise.
 */
QFS_EXPORT int qfs_policy_validate(const qfs_policy *policy, qfs_error *err);

/**
 * qfs_policy_load_file() - read a policy in the QtForge JSON shape.
 *
 * Missing keys keep their defaults (those of qfs_policy_new()); unknown keys,
 * duplicate keys, wrong JSON types (a real or a string for an integer, a
 * negative _mb or count field), a top level that is not an object and
 * trailing text are errors.  Files over 1 MiB and files that are not regular
 * files (directories, FIFOs, devices) are refused.  The result is not
 * validated: call qfs_policy_validate().
 *
 * @path: file to read.
 * @ret:  receives the new policy (caller owns it), only on success.
 * @err:  on failure, the message with file, line and column.
 * Return: 0, -ENOENT/-EACCES/-EIO (file), -EINVAL (syntax or schema), -ENOMEM.
 */
QFS_EXPORT int qfs_policy_load_file(const char *path, qfs_policy **ret, qfs_error *err);

/**
 * qfs_policy_load_string() - as qfs_policy_load_file(), from memory (at
 * most 1 MiB).
 * @json:   the text, not necessarily NUL-terminated.
 * @len:    its length in bytes.
 * @source: name used in error messages (NULL means "<string>").
 */
QFS_EXPORT int qfs_policy_load_string(const char *json, size_t len, const char *source,
				      qfs_policy **ret, qfs_error *err);

/** Flags for qfs_policy_save_string(). */
#define QFS_JSON_COMPACT (1u << 0) /* one line, no spaces */

/**
 * qfs_policy_save_string() - the policy as JSON, every field written, keys in
 * schema order, so that load(save(p)) equals p.
 * @ret: receives a NUL-terminated string the caller frees with free().
 * Return: 0, -ENOMEM, -EINVAL.
 */
QFS_EXPORT int qfs_policy_save_string(const qfs_policy *policy, unsigned flags, char **ret);

/**
 * qfs_policy_save_file() - write the JSON of @policy to @path atomically
 * (a temporary file in the same directory, fsync, rename), so that a failure
 * leaves the old file intact.
 * Return: 0, -EACCES/-EIO/-ENOSPC..., -ENOMEM, -EINVAL.
 */
QFS_EXPORT int qfs_policy_save_file(const qfs_policy *policy, const char *path, qfs_error *err);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_POLICY_H */
