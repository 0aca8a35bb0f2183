/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inside of a qfs_policy, shared by policy.c (model and validation),
 * policy_json.c (load/save) and decide.c (decisions and their cache).
 */
#ifndef QFS_POLICY_INTERNAL_H
#define QFS_POLICY_INTERNAL_H

#include <stdint.h>

#include <qfsandbox/policy.h>

#include "util.h"

struct policy_strv {
	char **v;
	size_t n;
	size_t cap;
};

/*
 * Where a field came from: its dotted path ("limits.memory_limit_mb",
 * "permissions.allowed_hosts[1]"), the position of its key (0 for array
 * elements and the top level) and of its value, 1-based, columns in bytes.
 */
struct policy_srcpos {
	char *path;
	unsigned key_line, key_column;
	unsigned line, column;
};

struct policy_srcmap {
	char *source; /* file name, or NULL when nothing was loaded */
	struct policy_srcpos *v;
	size_t n, cap;
	bool sorted; /* by path, so that lookups can bisect */
};

struct decide_cache;

struct qfs_policy {
	int level;
	char *name;
	char *description;
	int64_t limits[QFS_LIMIT_COUNT];
	bool perms[QFS_PERM_COUNT];
	struct policy_strv lists[QFS_LIST_COUNT];
	int enforcement;
	int64_t monitor_interval_ms;

	struct policy_srcmap srcmap;

	/* Bumped by every setter; the decision cache is valid for one value. */
	uint64_t generation;
	struct decide_cache *cache; /* owned, lazily allocated by decide.c */
};

/* Static facts about each numeric field, in schema order. */
struct policy_limit_info {
	const char *key;   /* JSON key under "limits" */
	const char *field; /* dotted path, "limits.<key>" */
	int64_t def, min, max;
	const char *unit;	/* " ms", " MiB" or "" */
	bool non_negative_json; /* a negative JSON value is a shape error */
};

const struct policy_limit_info *policy_limit_info(qfs_limit limit);
const char *policy_permission_key(qfs_permission perm); /* "allow_file_system_read" ... */
const char *policy_list_key(qfs_list list);		/* "allowed_directories" ... */
const char *policy_enforcement_name(int enforcement);	/* "require", "best_effort", NULL */

#define POLICY_MONITOR_INTERVAL_MIN_MS 10
#define POLICY_MONITOR_INTERVAL_MAX_MS 3600000
#define POLICY_NAME_MAX		       255
#define POLICY_DESCRIPTION_MAX	       4096

/* Source map.  Paths are copied.  Return 0 or -ENOMEM. */
int policy_srcmap_set_source(qfs_policy *policy, const char *source);
int policy_srcmap_add(qfs_policy *policy, const char *path, unsigned key_line, unsigned key_column,
		      unsigned line, unsigned column);
void policy_srcmap_sort(qfs_policy *policy);
const struct policy_srcpos *policy_srcmap_find(const qfs_policy *policy, const char *path);

/*
 * policy_error() - fill @err for @field with a printf-style message and, when
 * the source map knows @field, the source name and position of its value.
 * Return: -EINVAL.
 */
int policy_error(const qfs_policy *policy, qfs_error *err, const char *field, const char *fmt, ...)
	_printf_(4, 5);

#endif /* QFS_POLICY_INTERNAL_H */
