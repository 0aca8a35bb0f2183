/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — shared definitions of the public C API.
 *
 * Conventions that hold for every qfs_ function:
 *
 *  - Functions that can fail return an int: >= 0 on success, a negative errno
 *    value on failure.  Only these errnos leave the API: EINVAL (bad argument
 *    or invalid policy), ENOMEM, ENOENT (no such file, policy or name), EEXIST,
 *    EBUSY (object in the wrong state: running, or not running), ENOTSUP (the
 *    host lacks a kernel layer the policy requires), EACCES/EPERM (the host
 *    denied an operation), EIO (a file could not be read or written), ECHILD
 *    (the plugin could not be started), ETIMEDOUT.
 *  - Constructors are `int qfs_x_new(..., qfs_x **ret)`; `*ret` is written
 *    only on success.  Destructors are NULL-safe and return NULL, so
 *    `p = qfs_policy_free(p);` leaves no dangling pointer.
 *  - Functions taking a `qfs_error *err` fill it on failure when it is not
 *    NULL; it is left untouched on success.
 *  - The library never prints, never exits, never aborts and never installs
 *    signal handlers.
 */
#ifndef QFSANDBOX_COMMON_H
#define QFSANDBOX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(QFS_BUILDING_LIBRARY)
#define QFS_EXPORT __attribute__((visibility("default")))
#else
#define QFS_EXPORT
#endif

/**
 * qfs_error - why an operation failed, in words, with a position when the
 * failure came from a file.
 * @source:  file name the error came from, "<string>" for in-memory text, or
 *           "" when the error has no source text.
 * @line:    1-based line in @source, 0 when not applicable.
 * @column:  1-based column (in bytes) in @source, 0 when not applicable.
 * @field:   dotted path of the offending field ("limits.memory_limit_mb",
 *           "permissions.allowed_directories[2]"), or the name of the setup
 *           step that failed ("landlock", "seccomp", "uid_map"), or "".
 * @errnum:  positive errno of the underlying failure, 0 when there is none.
 * @message: one sentence that names the field or step, without the position
 *           prefix.
 *
 * Always caller-allocated; the library never keeps a pointer to it.
 */
typedef struct qfs_error {
	char source[256];
	unsigned line;
	unsigned column;
	char field[128];
	int errnum;
	char message[512];
} qfs_error;

/**
 * qfs_error_format() - render @err as "source:line:col: message" (the parts
 * that are known), the way compilers print positions.
 *
 * Writes at most @size bytes including the terminating NUL.
 * Return: the length the full text would have (like snprintf), or -EINVAL.
 */
QFS_EXPORT int qfs_error_format(const qfs_error *err, char *buf, size_t size);

/** Security levels; the numbers are the JSON `level` values of QtForge. */
typedef enum qfs_level {
	QFS_LEVEL_UNRESTRICTED = 0,
	QFS_LEVEL_LIMITED = 1,
	QFS_LEVEL_SANDBOXED = 2,
	QFS_LEVEL_STRICT = 3,
} qfs_level;

/** Kinds of plugin; the numbers are QtForge's PluginType values. */
typedef enum qfs_plugin_type {
	QFS_PLUGIN_NATIVE = 0,	   /* executable, or shared library run by qfsandbox-host */
	QFS_PLUGIN_PYTHON = 1,	   /* python3 FILE */
	QFS_PLUGIN_JAVASCRIPT = 2, /* node FILE */
	QFS_PLUGIN_LUA = 3,	   /* lua FILE */
} qfs_plugin_type;

/** Violation types; the numbers are QtForge's SecurityViolationType values. */
typedef enum qfs_violation_type {
	QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS = 0,
	QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS = 1,
	QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION = 2,
	QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL = 3,
	QFS_VIOLATION_UNAUTHORIZED_REGISTRY_ACCESS = 4,
	QFS_VIOLATION_UNAUTHORIZED_ENVIRONMENT_ACCESS = 5,
	QFS_VIOLATION_RESOURCE_LIMIT_EXCEEDED = 6,
	QFS_VIOLATION_BLOCKED_API_CALL = 7,
	QFS_VIOLATION_SUSPICIOUS_ACTIVITY = 8,
} qfs_violation_type;

/** Resources that have a limit; names are QtForge's resource strings. */
typedef enum qfs_resource {
	QFS_RESOURCE_CPU_TIME = 0,	      /* "cpu_time" */
	QFS_RESOURCE_MEMORY = 1,	      /* "memory" */
	QFS_RESOURCE_DISK_SPACE = 2,	      /* "disk_space" */
	QFS_RESOURCE_FILE_HANDLES = 3,	      /* "file_handles" */
	QFS_RESOURCE_NETWORK_CONNECTIONS = 4, /* "network_connections" */
	QFS_RESOURCE_PROCESSES = 5,	      /* "processes" */
} qfs_resource;

/** Names of the enums above; NULL for a value out of range.  Static strings. */
QFS_EXPORT const char *qfs_level_name(int level);	  /* "unrestricted" ... */
QFS_EXPORT const char *qfs_plugin_type_name(int type);	  /* "native" ... */
QFS_EXPORT const char *qfs_violation_type_name(int type); /* "UnauthorizedFileAccess" ... */
QFS_EXPORT const char *qfs_resource_name(int resource);	  /* "cpu_time" ... */

/** qfs_version() - the library version, "MAJOR.MINOR.PATCH".  Static string. */
QFS_EXPORT const char *qfs_version(void);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_COMMON_H */
