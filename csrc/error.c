/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names of the public enums, the version, and error formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <qfsandbox/common.h>

#include "util.h"

#define NAME_OF(table, value)                                                                      \
	((value) >= 0 && (size_t)(value) < ARRAY_SIZE(table) ? (table)[value] : NULL)

static const char *const level_names[] = {"unrestricted", "limited", "sandboxed", "strict"};
static const char *const plugin_type_names[] = {"native", "python", "javascript", "lua"};
static const char *const violation_type_names[] = {
	"UnauthorizedFileAccess",      "UnauthorizedNetworkAccess",
	"UnauthorizedProcessCreation", "UnauthorizedSystemCall",
	"UnauthorizedRegistryAccess",  "UnauthorizedEnvironmentAccess",
	"ResourceLimitExceeded",       "BlockedAPICall",
	"SuspiciousActivity",
};
static const char *const resource_names[] = {
	"cpu_time", "memory", "disk_space", "file_handles", "network_connections", "processes"};

const char *qfs_level_name(int level)
{
	return NAME_OF(level_names, level);
}

const char *qfs_plugin_type_name(int type)
{
	return NAME_OF(plugin_type_names, type);
}

const char *qfs_violation_type_name(int type)
{
	return NAME_OF(violation_type_names, type);
}

const char *qfs_resource_name(int resource)
{
	return NAME_OF(resource_names, resource);
}

const char *qfs_version(void)
{
	return QFS_VERSION_STRING;
}

int qfs_error_format(const qfs_error *err, char *buf, size_t size)
{
	if (!err || (!buf && size))
		return -EINVAL;
	if (err->source[0] && err->line && err->column)
		return snprintf(buf, size, "%s:%u:%u: %s", err->source, err->line, err->column,
				err->message);
	if (err->source[0] && err->line)
		return snprintf(buf, size, "%s:%u: %s", err->source, err->line, err->message);
	if (err->source[0])
		return snprintf(buf, size, "%s: %s", err->source, err->message);
	return snprintf(buf, size, "%s", err->message);
}

int error_setv(qfs_error *err, const char *field, int errnum, const char *fmt, va_list ap)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
		err->errnum = errnum;
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
	}
	return errnum ? -errnum : -EINVAL;
}

int error_set(qfs_error *err, const char *field, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_setv(err, field, errnum, fmt, ap);
	va_end(ap);
	return r;
}

void error_set_position(qfs_error *err, const char *source, unsigned line, unsigned column)
{
	if (!err)
		return;
	snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
	err->line = line;
	err->column = column;
}
