/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy model: defaults, the four built-ins, getters and setters,
 * copy/equal, the source map of loaded policies, and validation.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <jansson.h>

#include <qfsandbox/enforcer.h>
#include <qfsandbox/policy.h>

#include "apis.h"
#include "decide.h"
#include "policy.h"

#define MS_PER_YEAR (365LL * 24 * 3600 * 1000)
#define MIB_MAX	    16777216LL /* 16 TiB */

static const struct policy_limit_info limit_info[QFS_LIMIT_COUNT] = {
	[QFS_LIMIT_CPU_TIME_MS] = {"cpu_time_limit", "limits.cpu_time_limit", 30000, 1, MS_PER_YEAR,
				   " ms", false},
	[QFS_LIMIT_MEMORY_MB] = {"memory_limit_mb", "limits.memory_limit_mb", 256, 1, MIB_MAX,
				 " MiB", true},
	[QFS_LIMIT_DISK_SPACE_MB] = {"disk_space_limit_mb", "limits.disk_space_limit_mb", 100, 1,
				     MIB_MAX, " MiB", true},
	[QFS_LIMIT_FILE_HANDLES] = {"max_file_handles", "limits.max_file_handles", 50, 1, 1048576,
				    "", true},
	[QFS_LIMIT_NETWORK_CONNECTIONS] = {"max_network_connections",
					   "limits.max_network_connections", 10, 0, 65535, "",
					   true},
	[QFS_LIMIT_EXECUTION_TIMEOUT_MS] = {"execution_timeout", "limits.execution_timeout", 60000,
					    1, MS_PER_YEAR, " ms", false},
	[QFS_LIMIT_MAX_PROCESSES] = {"max_processes", "limits.max_processes", 64, 1, 4194304, "",
				     true},
};

static const char *const permission_keys[QFS_PERM_COUNT] = {
	"allow_file_system_read",   "allow_file_system_write", "allow_network_access",
	"allow_process_creation",   "allow_system_calls",      "allow_registry_access",
	"allow_environment_access",
};

static const char *const list_keys[QFS_LIST_COUNT] = {"allowed_directories", "allowed_hosts",
						      "blocked_apis"};

static const char *const enforcement_names[] = {"require", "best_effort"};

const struct policy_limit_info *policy_limit_info(qfs_limit limit)
{
	return (unsigned)limit < QFS_LIMIT_COUNT ? &limit_info[limit] : NULL;
}

const char *policy_permission_key(qfs_permission perm)
{
	return (unsigned)perm < QFS_PERM_COUNT ? permission_keys[perm] : NULL;
}

const char *policy_list_key(qfs_list list)
{
	return (unsigned)list < QFS_LIST_COUNT ? list_keys[list] : NULL;
}

const char *policy_enforcement_name(int enforcement)
{
	return enforcement >= 0 && (size_t)enforcement < ARRAY_SIZE(enforcement_names)
		       ? enforcement_names[enforcement]
		       : NULL;
}

/* String lists. */

static void strv_clear(struct policy_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct policy_strv){0};
}

static int strv_add(struct policy_strv *l, const char *value)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	l->v[l->n++] = copy;
	return 0;
}

static int strv_copy(const struct policy_strv *from, struct policy_strv *to)
{
	for (size_t i = 0; i < from->n; i++)
		if (strv_add(to, from->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static bool strv_equal(const struct policy_strv *a, const struct policy_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!streq(a->v[i], b->v[i]))
			return false;
	return true;
}

/* Source map. */

static void srcmap_clear(struct policy_srcmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m->source);
	*m = (struct policy_srcmap){0};
}

int policy_srcmap_set_source(qfs_policy *policy, const char *source)
{
	char *copy = strdup(source);

	if (!copy)
		return -ENOMEM;
	free(policy->srcmap.source);
	policy->srcmap.source = copy;
	return 0;
}

int policy_srcmap_add(qfs_policy *policy, const char *path, unsigned key_line, unsigned key_column,
		      unsigned line, unsigned column)
{
	struct policy_srcmap *m = &policy->srcmap;
	char *copy;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct policy_srcpos *v = reallocarray(m->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	m->v[m->n++] = (struct policy_srcpos){copy, key_line, key_column, line, column};
	m->sorted = false;
	return 0;
}

static int srcpos_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_srcpos *)a)->path,
		      ((const struct policy_srcpos *)b)->path);
}

void policy_srcmap_sort(qfs_policy *policy)
{
	struct policy_srcmap *m = &policy->srcmap;

	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), srcpos_cmp);
	m->sorted = true;
}

const struct policy_srcpos *policy_srcmap_find(const qfs_policy *policy, const char *path)
{
	const struct policy_srcmap *m = &policy->srcmap;
	struct policy_srcpos key = {.path = (char *)path};

	if (m->sorted)
		return m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), srcpos_cmp) : NULL;
	for (size_t i = 0; i < m->n; i++)
		if (streq(m->v[i].path, path))
			return &m->v[i];
	return NULL;
}

/* Whether @path is @field itself or one of its elements ("field[3]"). */
static bool srcpath_of_field(const char *path, const char *field)
{
	size_t len = strlen(field);

	return strncmp(path, field, len) == 0 && (path[len] == '\0' || path[len] == '[');
}

/* Drops what the source map knows of @field, keeping the order. */
static void srcmap_drop(qfs_policy *policy, const char *field)
{
	struct policy_srcmap *m = &policy->srcmap;
	size_t kept = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (srcpath_of_field(m->v[i].path, field))
			free(m->v[i].path);
		else
			m->v[kept++] = m->v[i];
	}
	m->n = kept;
}

static int srcmap_copy(const struct policy_srcmap *from, qfs_policy *to)
{
	if (from->source && policy_srcmap_set_source(to, from->source) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < from->n; i++) {
		const struct policy_srcpos *p = &from->v[i];
		if (policy_srcmap_add(to, p->path, p->key_line, p->key_column, p->line, p->column) <
		    0)
			return -ENOMEM;
	}
	to->srcmap.sorted = from->sorted;
	return 0;
}

/* A setter changed @field: the cache and the field's position are stale. */
static void policy_changed(qfs_policy *policy, const char *field)
{
	policy->generation++;
	if (field)
		srcmap_drop(policy, field);
}

/* Lifecycle. */

static int policy_alloc(qfs_policy **ret)
{
	qfs_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->level = QFS_LEVEL_SANDBOXED;
	p->name = strdup("default");
	p->description = strdup("Default security policy");
	if (!p->name || !p->description) {
		qfs_policy_free(p);
		return -ENOMEM;
	}
	for (int i = 0; i < QFS_LIMIT_COUNT; i++)
		p->limits[i] = limit_info[i].def;
	p->enforcement = QFS_ENFORCE_REQUIRE;
	p->monitor_interval_ms = 1000;
	*ret = p;
	return 0;
}

int qfs_policy_new(qfs_policy **ret)
{
	if (!ret)
		return -EINVAL;
	return policy_alloc(ret);
}

qfs_policy *qfs_policy_free(qfs_policy *policy)
{
	if (!policy)
		return NULL;
	free(policy->name);
	free(policy->description);
	for (int i = 0; i < QFS_LIST_COUNT; i++)
		strv_clear(&policy->lists[i]);
	srcmap_clear(&policy->srcmap);
	decide_cache_free(policy->cache);
	free(policy);
	return NULL;
}

int qfs_policy_copy(const qfs_policy *policy, qfs_policy **ret)
{
	qfs_policy *p;
	int r;

	if (!policy || !ret)
		return -EINVAL;
	r = policy_alloc(&p);
	if (r < 0)
		return r;
	r = qfs_policy_set_name(p, policy->name);
	if (r >= 0)
		r = qfs_policy_set_description(p, policy->description);
	for (int i = 0; r >= 0 && i < QFS_LIST_COUNT; i++)
		r = strv_copy(&policy->lists[i], &p->lists[i]);
	if (r >= 0)
		r = srcmap_copy(&policy->srcmap, p);
	if (r < 0) {
		qfs_policy_free(p);
		return r;
	}
	p->level = policy->level;
	memcpy(p->limits, policy->limits, sizeof(p->limits));
	memcpy(p->perms, policy->perms, sizeof(p->perms));
	p->enforcement = policy->enforcement;
	p->monitor_interval_ms = policy->monitor_interval_ms;
	*ret = p;
	return 0;
}

bool qfs_policy_equal(const qfs_policy *a, const qfs_policy *b)
{
	if (!a || !b)
		return false;
	if (a->level != b->level || !streq(a->name, b->name) ||
	    !streq(a->description, b->description) ||
	    memcmp(a->limits, b->limits, sizeof(a->limits)) != 0 ||
	    memcmp(a->perms, b->perms, sizeof(a->perms)) != 0 || a->enforcement != b->enforcement ||
	    a->monitor_interval_ms != b->monitor_interval_ms)
		return false;
	for (int i = 0; i < QFS_LIST_COUNT; i++)
		if (!strv_equal(&a->lists[i], &b->lists[i]))
			return false;
	return true;
}

/* Built-ins. */

enum builtin_dirs {
	BUILTIN_TEMP = 1u << 0,
	BUILTIN_CACHE = 1u << 1,
};

static const struct builtin {
	const char *name;
	const char *description;
	int level;
	int64_t limits[QFS_LIMIT_COUNT];
	unsigned perms; /* bit i: qfs_permission i */
	unsigned dirs;	/* enum builtin_dirs */
	const char *const *blocked;
} builtins[] = {
	{"unrestricted",
	 "Unrestricted access for trusted native plugins",
	 QFS_LEVEL_UNRESTRICTED,
	 {86400000, 8192, 100, 50, 10, 3600000, 64},
	 (1u << QFS_PERM_COUNT) - 1,
	 0,
	 NULL},
	{"limited",
	 "Limited access with basic restrictions",
	 QFS_LEVEL_LIMITED,
	 {600000, 512, 200, 100, 20, 300000, 64},
	 1u << QFS_PERM_FILE_SYSTEM_READ | 1u << QFS_PERM_NETWORK_ACCESS,
	 BUILTIN_TEMP | BUILTIN_CACHE,
	 NULL},
	{"sandboxed",
	 "Full sandboxing with process isolation",
	 QFS_LEVEL_SANDBOXED,
	 {300000, 256, 100, 50, 10, 120000, 64},
	 0,
	 BUILTIN_TEMP,
	 NULL},
	{"strict",
	 "Maximum security with minimal permissions",
	 QFS_LEVEL_STRICT,
	 {120000, 128, 50, 25, 5, 60000, 64},
	 0,
	 0,
	 (const char *const[]){"system", "exec", "fork", "CreateProcess", "ShellExecute",
			       "LoadLibrary", "dlopen", "mmap", "VirtualAlloc", NULL}},
};

static const char *const builtin_names[] = {"unrestricted", "limited", "sandboxed", "strict", NULL};

const char *const *qfs_policy_builtin_names(void)
{
	return builtin_names;
}

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The temp location: $TMPDIR when it is an absolute path to an existing
 * directory, else /tmp.  The cache location: $XDG_CACHE_HOME when absolute,
 * else $HOME/.cache.  A location is listed only when it exists, so that a
 * built-in policy always validates.
 */
static int builtin_add_dir(qfs_policy *p, const char *dir)
{
	char buf[PATH_MAX];

	if (!dir || dir[0] != '/' || qfs_path_normalize(dir, buf, sizeof(buf)) < 0 ||
	    !is_directory(buf))
		return 0;
	return qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, buf);
}

static int builtin_add_temp(qfs_policy *p)
{
	const char *tmpdir = secure_getenv("TMPDIR");

	if (tmpdir && tmpdir[0] == '/' && is_directory(tmpdir))
		return builtin_add_dir(p, tmpdir);
	return builtin_add_dir(p, "/tmp");
}

static int builtin_add_cache(qfs_policy *p)
{
	const char *xdg = secure_getenv("XDG_CACHE_HOME");
	const char *home = secure_getenv("HOME");
	char buf[PATH_MAX];

	if (xdg && xdg[0] == '/')
		return builtin_add_dir(p, xdg);
	if (!home || home[0] != '/')
		return 0;
	if ((size_t)snprintf(buf, sizeof(buf), "%s/.cache", home) >= sizeof(buf))
		return 0;
	return builtin_add_dir(p, buf);
}

int qfs_policy_new_builtin(const char *name, qfs_policy **ret)
{
	const struct builtin *b = NULL;
	qfs_policy *p;
	int r;

	if (!name || !ret)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (streq(builtins[i].name, name))
			b = &builtins[i];
	if (!b)
		return -ENOENT;

	r = policy_alloc(&p);
	if (r < 0)
		return r;
	p->level = b->level;
	memcpy(p->limits, b->limits, sizeof(p->limits));
	for (int i = 0; i < QFS_PERM_COUNT; i++)
		p->perms[i] = b->perms & (1u << i);
	r = qfs_policy_set_name(p, b->name);
	if (r >= 0)
		r = qfs_policy_set_description(p, b->description);
	if (r >= 0 && (b->dirs & BUILTIN_TEMP))
		r = builtin_add_temp(p);
	if (r >= 0 && (b->dirs & BUILTIN_CACHE))
		r = builtin_add_cache(p);
	for (const char *const *api = b->blocked; r >= 0 && api && *api; api++)
		r = qfs_policy_list_add(p, QFS_LIST_BLOCKED_APIS, *api);
	if (r < 0) {
		qfs_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* Getters and setters. */

int qfs_policy_get_level(const qfs_policy *policy)
{
	return policy ? policy->level : -EINVAL;
}

int qfs_policy_set_level(qfs_policy *policy, int level)
{
	if (!policy)
		return -EINVAL;
	policy->level = level;
	policy_changed(policy, "level");
	return 0;
}

const char *qfs_policy_get_name(const qfs_policy *policy)
{
	return policy ? policy->name : NULL;
}

static int set_string(qfs_policy *policy, char **field, const char *value, const char *path)
{
	char *copy;

	if (!policy || !value)
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	policy_changed(policy, path);
	return 0;
}

int qfs_policy_set_name(qfs_policy *policy, const char *name)
{
	return set_string(policy, policy ? &policy->name : NULL, name, "policy_name");
}

const char *qfs_policy_get_description(const qfs_policy *policy)
{
	return policy ? policy->description : NULL;
}

int qfs_policy_set_description(qfs_policy *policy, const char *description)
{
	return set_string(policy, policy ? &policy->description : NULL, description, "description");
}

int64_t qfs_policy_get_limit(const qfs_policy *policy, qfs_limit limit)
{
	if (!policy || (unsigned)limit >= QFS_LIMIT_COUNT)
		return -EINVAL;
	return policy->limits[limit];
}

int qfs_policy_set_limit(qfs_policy *policy, qfs_limit limit, int64_t value)
{
	if (!policy || (unsigned)limit >= QFS_LIMIT_COUNT)
		return -EINVAL;
	policy->limits[limit] = value;
	policy_changed(policy, limit_info[limit].field);
	return 0;
}

/* Dotted paths of the permission and list fields, for the source map. */
static void perm_field(char *buf, size_t size, const char *key)
{
	snprintf(buf, size, "permissions.%s", key);
}

bool qfs_policy_get_permission(const qfs_policy *policy, qfs_permission perm)
{
	return policy && (unsigned)perm < QFS_PERM_COUNT && policy->perms[perm];
}

int qfs_policy_set_permission(qfs_policy *policy, qfs_permission perm, bool value)
{
	char field[64];

	if (!policy || (unsigned)perm >= QFS_PERM_COUNT)
		return -EINVAL;
	policy->perms[perm] = value;
	perm_field(field, sizeof(field), permission_keys[perm]);
	policy_changed(policy, field);
	return 0;
}

size_t qfs_policy_list_count(const qfs_policy *policy, qfs_list list)
{
	if (!policy || (unsigned)list >= QFS_LIST_COUNT)
		return 0;
	return policy->lists[list].n;
}

const char *qfs_policy_list_get(const qfs_policy *policy, qfs_list list, size_t index)
{
	if (!policy || (unsigned)list >= QFS_LIST_COUNT || index >= policy->lists[list].n)
		return NULL;
	return policy->lists[list].v[index];
}

/* Appending keeps the positions of the existing entries, which stay true;
 * the new entry has none. */
int qfs_policy_list_add(qfs_policy *policy, qfs_list list, const char *value)
{
	int r;

	if (!policy || (unsigned)list >= QFS_LIST_COUNT || !value)
		return -EINVAL;
	r = strv_add(&policy->lists[list], value);
	if (r < 0)
		return r;
	policy_changed(policy, NULL);
	return 0;
}

int qfs_policy_list_clear(qfs_policy *policy, qfs_list list)
{
	char field[64];

	if (!policy || (unsigned)list >= QFS_LIST_COUNT)
		return -EINVAL;
	strv_clear(&policy->lists[list]);
	perm_field(field, sizeof(field), list_keys[list]);
	policy_changed(policy, field);
	return 0;
}

qfs_enforcement qfs_policy_get_enforcement(const qfs_policy *policy)
{
	return policy ? (qfs_enforcement)policy->enforcement : QFS_ENFORCE_REQUIRE;
}

int qfs_policy_set_enforcement(qfs_policy *policy, int enforcement)
{
	if (!policy)
		return -EINVAL;
	policy->enforcement = enforcement;
	policy_changed(policy, "enforcement");
	return 0;
}

int64_t qfs_policy_get_monitor_interval_ms(const qfs_policy *policy)
{
	return policy ? policy->monitor_interval_ms : -EINVAL;
}

int qfs_policy_set_monitor_interval_ms(qfs_policy *policy, int64_t interval_ms)
{
	if (!policy)
		return -EINVAL;
	policy->monitor_interval_ms = interval_ms;
	policy_changed(policy, "monitor_interval_ms");
	return 0;
}

/* Validation. */

int policy_error(const qfs_policy *policy, qfs_error *err, const char *field, const char *fmt, ...)
{
	const struct policy_srcpos *pos;
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, field, 0, fmt, ap);
	va_end(ap);
	pos = err && policy->srcmap.source ? policy_srcmap_find(policy, field) : NULL;
	if (pos)
		error_set_position(err, policy->srcmap.source, pos->line, pos->column);
	return -EINVAL;
}

static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int validate_strings(const qfs_policy *p, qfs_error *err)
{
	if (!p->name[0])
		return policy_error(p, err, "policy_name", "policy_name must not be empty");
	if (strlen(p->name) > POLICY_NAME_MAX)
		return policy_error(p, err, "policy_name",
				    "policy_name must be at most %d bytes long, not %zu",
				    POLICY_NAME_MAX, strlen(p->name));
	if (!utf8_valid(p->name))
		return policy_error(p, err, "policy_name", "policy_name must be valid UTF-8");
	if (has_control_chars(p->name))
		return policy_error(p, err, "policy_name",
				    "policy_name must not contain control characters");
	if (strlen(p->description) > POLICY_DESCRIPTION_MAX)
		return policy_error(p, err, "description",
				    "description must be at most %d bytes long, not %zu",
				    POLICY_DESCRIPTION_MAX, strlen(p->description));
	if (!utf8_valid(p->description))
		return policy_error(p, err, "description", "description must be valid UTF-8");
	return 0;
}

static int validate_limits(const qfs_policy *p, qfs_error *err)
{
	for (int i = 0; i < QFS_LIMIT_COUNT; i++) {
		const struct policy_limit_info *li = &limit_info[i];
		int64_t v = p->limits[i];

		if (v < li->min || v > li->max)
			return policy_error(p, err, li->field,
					    "%s must be between %" PRId64 " and %" PRId64
					    "%s, not %" PRId64,
					    li->field, li->min, li->max, li->unit, v);
	}
	return 0;
}

static int validate_directory(const qfs_policy *p, size_t i, qfs_error *err)
{
	const char *dir = p->lists[QFS_LIST_ALLOWED_DIRECTORIES].v[i];
	char field[64], buf[PATH_MAX];
	struct stat st;
	int r;

	snprintf(field, sizeof(field), "permissions.allowed_directories[%zu]", i);
	if (dir[0] != '/')
		return policy_error(p, err, field, "%s \"%s\" must be an absolute path", field,
				    dir);
	if (!utf8_valid(dir))
		return policy_error(p, err, field, "%s must be valid UTF-8", field);
	r = qfs_path_normalize(dir, buf, sizeof(buf));
	if (r < 0)
		return policy_error(p, err, field, "%s \"%s\" is longer than %d bytes", field, dir,
				    PATH_MAX - 1);
	if (stat(buf, &st) < 0)
		return policy_error(p, err, field, "%s \"%s\" cannot be used: %s", field, dir,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return policy_error(p, err, field, "%s \"%s\" is not a directory", field, dir);
	return 0;
}

static int validate_host(const qfs_policy *p, size_t i, qfs_error *err)
{
	const char *host = p->lists[QFS_LIST_ALLOWED_HOSTS].v[i];
	struct decide_host parsed;
	const char *why = NULL;
	char field[64];

	snprintf(field, sizeof(field), "permissions.allowed_hosts[%zu]", i);
	if (!utf8_valid(host))
		return policy_error(p, err, field, "%s must be valid UTF-8", field);
	if (decide_host_parse(host, true, &parsed, &why) < 0)
		return policy_error(p, err, field, "%s \"%s\" %s", field, host, why);
	return 0;
}

static int validate_api(const qfs_policy *p, size_t i, qfs_error *err)
{
	const char *api = p->lists[QFS_LIST_BLOCKED_APIS].v[i];
	const char *reason;
	char field[64];

	snprintf(field, sizeof(field), "permissions.blocked_apis[%zu]", i);
	if (!apis_find(api)) {
		if (!utf8_valid(api) || !apis_is_syscall(api))
			return policy_error(p, err, field,
					    "%s \"%s\" is neither an entry of the blocked-API "
					    "table (see `qfsandbox policy apis`) nor a syscall "
					    "of this architecture",
					    field, utf8_valid(api) ? api : "?");
		reason = apis_essential_reason(api);
		if (reason)
			return policy_error(p, err, field, "%s \"%s\" cannot be blocked: %s", field,
					    api, reason);
	}
	return 0;
}

int qfs_policy_validate(const qfs_policy *policy, qfs_error *err)
{
	qfs_error local;
	int r;

	if (!policy)
		return error_set(err, "", 0, "no policy given");
	if (!err)
		err = &local;

	if (policy->level < QFS_LEVEL_UNRESTRICTED || policy->level > QFS_LEVEL_STRICT)
		return policy_error(policy, err, "level",
				    "level must be 0 (unrestricted), 1 (limited), 2 (sandboxed) "
				    "or 3 (strict), not %d",
				    policy->level);
	r = validate_strings(policy, err);
	if (r < 0)
		return r;
	r = validate_limits(policy, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < policy->lists[QFS_LIST_ALLOWED_DIRECTORIES].n; i++) {
		r = validate_directory(policy, i, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < policy->lists[QFS_LIST_ALLOWED_HOSTS].n; i++) {
		r = validate_host(policy, i, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < policy->lists[QFS_LIST_BLOCKED_APIS].n; i++) {
		r = validate_api(policy, i, err);
		if (r < 0)
			return r;
	}
	if (!policy_enforcement_name(policy->enforcement))
		return policy_error(policy, err, "enforcement",
				    "enforcement must be 0 (\"require\") or 1 (\"best_effort\"), "
				    "not %d",
				    policy->enforcement);
	if (policy->monitor_interval_ms < POLICY_MONITOR_INTERVAL_MIN_MS ||
	    policy->monitor_interval_ms > POLICY_MONITOR_INTERVAL_MAX_MS)
		return policy_error(
			policy, err, "monitor_interval_ms",
			"monitor_interval_ms must be between %d and %d ms, not %" PRId64,
			POLICY_MONITOR_INTERVAL_MIN_MS, POLICY_MONITOR_INTERVAL_MAX_MS,
			policy->monitor_interval_ms);
	return 0;
}
