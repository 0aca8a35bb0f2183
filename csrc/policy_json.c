/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies as JSON, in the QtForge shape.
 *
 * jansson parses strictly (duplicate keys rejected) and gives positions for
 * syntax errors, but none for the values of a document it accepted.  So a
 * small scanner walks the same text once more and records, for every member
 * and array element, the line and column (1-based, in bytes) of its key and
 * of its value under a dotted path ("limits.memory_limit_mb",
 * "permissions.allowed_hosts[1]").  It only ever sees text jansson has
 * accepted (or, for a duplicate key, text jansson accepted up to that key),
 * and stops at anything else without reading past the end.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <jansson.h>

#include <qfsandbox/policy.h>

#include "policy.h"

#define JSON_MAX_SIZE  (1024 * 1024) /* far above any real policy */
#define SCAN_PATH_MAX  512
#define SCAN_DEPTH_MAX 64

/* The position scanner. */

struct scan {
	const char *s;
	size_t len, pos;
	unsigned line;
	size_t line_start;
	unsigned depth;
	qfs_policy *policy;
	char path[SCAN_PATH_MAX];
};

static unsigned scan_column(const struct scan *sc)
{
	return (unsigned)(sc->pos - sc->line_start + 1);
}

static void scan_ws(struct scan *sc)
{
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];
		if (c == '\n') {
			sc->line++;
			sc->line_start = sc->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		sc->pos++;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int scan_hex4(struct scan *sc, unsigned *ret)
{
	unsigned v = 0;

	if (sc->pos + 4 > sc->len)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		int h = hexval(sc->s[sc->pos++]);
		if (h < 0)
			return -EINVAL;
		v = v << 4 | h;
	}
	*ret = v;
	return 0;
}

/* Appends @c to @out (size @size, NUL-terminated), dropping what does not fit. */
static void put(char *out, size_t size, size_t *n, char c)
{
	if (out && *n + 1 < size) {
		out[(*n)++] = c;
		out[*n] = '\0';
	}
}

static void put_utf8(char *out, size_t size, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		put(out, size, n, cp);
	} else if (cp < 0x800) {
		put(out, size, n, 0xc0 | cp >> 6);
		put(out, size, n, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		put(out, size, n, 0xe0 | cp >> 12);
		put(out, size, n, 0x80 | (cp >> 6 & 0x3f));
		put(out, size, n, 0x80 | (cp & 0x3f));
	} else {
		put(out, size, n, 0xf0 | cp >> 18);
		put(out, size, n, 0x80 | (cp >> 12 & 0x3f));
		put(out, size, n, 0x80 | (cp >> 6 & 0x3f));
		put(out, size, n, 0x80 | (cp & 0x3f));
	}
}

/* A string at sc->pos; decoded into @out when not NULL. */
static int scan_string(struct scan *sc, char *out, size_t size)
{
	size_t n = 0;

	if (out)
		out[0] = '\0';
	if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
		return -EINVAL;
	sc->pos++;
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos++];
		const char *esc;
		unsigned cp, lo;

		if (c == '"')
			return 0;
		if (c != '\\') {
			put(out, size, &n, c);
			continue;
		}
		if (sc->pos >= sc->len)
			return -EINVAL;
		c = sc->s[sc->pos++];
		esc = strchr("bfnrt", c);
		if (esc && c) {
			put(out, size, &n, "\b\f\n\r\t"[esc - "bfnrt"]);
			continue;
		}
		switch (c) {
		case 'u':
			if (scan_hex4(sc, &cp) < 0)
				return -EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00 && sc->pos + 6 <= sc->len &&
			    sc->s[sc->pos] == '\\' && sc->s[sc->pos + 1] == 'u') {
				sc->pos += 2;
				if (scan_hex4(sc, &lo) < 0)
					return -EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(out, size, &n, cp);
			break;
		default:
			put(out, size, &n, c); /* '"', '\\', '/' */
			break;
		}
	}
	return -EINVAL;
}

static int scan_value(struct scan *sc);

/* At an opening bracket: skips it; 1 when the container is empty (and
 * skips its @close too), else 0. */
static int scan_open(struct scan *sc, char close)
{
	sc->pos++;
	scan_ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == close) {
		sc->pos++;
		return 1;
	}
	return 0;
}

/* After a member or an element: 1 past the closing @close, 0 past a ',',
 * -EINVAL at anything else. */
static int scan_separator(struct scan *sc, char close)
{
	scan_ws(sc);
	if (sc->pos >= sc->len)
		return -EINVAL;
	if (sc->s[sc->pos] == close) {
		sc->pos++;
		return 1;
	}
	if (sc->s[sc->pos++] != ',')
		return -EINVAL;
	scan_ws(sc);
	return 0;
}

/* Records the value at sc->pos under sc->path, then scans it. */
static int scan_member_value(struct scan *sc, unsigned key_line, unsigned key_column)
{
	int r = policy_srcmap_add(sc->policy, sc->path, key_line, key_column, sc->line,
				  scan_column(sc));
	return r < 0 ? r : scan_value(sc);
}

static int scan_object(struct scan *sc)
{
	size_t base = strlen(sc->path);
	char key[256];
	int r;

	if (scan_open(sc, '}'))
		return 0;
	for (;;) {
		unsigned key_line = sc->line, key_column = scan_column(sc);

		if (scan_string(sc, key, sizeof(key)) < 0)
			return -EINVAL;
		snprintf(sc->path + base, sizeof(sc->path) - base, "%s%s", base ? "." : "", key);
		scan_ws(sc);
		if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
			return -EINVAL;
		sc->pos++;
		scan_ws(sc);
		r = scan_member_value(sc, key_line, key_column);
		sc->path[base] = '\0';
		if (r >= 0)
			r = scan_separator(sc, '}');
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

static int scan_array(struct scan *sc)
{
	size_t base = strlen(sc->path);
	int r;

	if (scan_open(sc, ']'))
		return 0;
	for (size_t i = 0;; i++) {
		snprintf(sc->path + base, sizeof(sc->path) - base, "[%zu]", i);
		r = scan_member_value(sc, 0, 0);
		sc->path[base] = '\0';
		if (r >= 0)
			r = scan_separator(sc, ']');
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

static int scan_value(struct scan *sc)
{
	int r;

	if (sc->pos >= sc->len)
		return -EINVAL;
	switch (sc->s[sc->pos]) {
	case '{':
	case '[':
		if (++sc->depth > SCAN_DEPTH_MAX)
			return -EINVAL;
		r = sc->s[sc->pos] == '{' ? scan_object(sc) : scan_array(sc);
		sc->depth--;
		return r;
	case '"':
		return scan_string(sc, NULL, 0);
	default:
		/* A number or a literal: jansson has checked its spelling. */
		while (sc->pos < sc->len && !strchr(",]} \t\r\n", sc->s[sc->pos]))
			sc->pos++;
		return 0;
	}
}

/* Fills the policy's source map from @text.  Return 0, or -EINVAL where the
 * text stops being JSON (the map then holds everything before that point). */
static int scan_positions(qfs_policy *policy, const char *text, size_t len)
{
	struct scan sc = {.s = text, .len = len, .line = 1, .policy = policy};
	int r;

	scan_ws(&sc);
	r = scan_member_value(&sc, 0, 0);
	policy_srcmap_sort(policy);
	return r;
}

/* The second occurrence of a duplicated key, first in document order. */
static const struct policy_srcpos *find_duplicate(const qfs_policy *policy)
{
	const struct policy_srcmap *m = &policy->srcmap;
	const struct policy_srcpos *best = NULL;

	/* Sorted by path, and qsort is not stable: of two equal paths the
	 * later one is the one with the later position. */
	for (size_t i = 1; i < m->n; i++) {
		const struct policy_srcpos *a = &m->v[i - 1], *b = &m->v[i];
		const struct policy_srcpos *later;

		if (!streq(a->path, b->path))
			continue;
		later = (a->line > b->line || (a->line == b->line && a->column > b->column)) ? a
											     : b;
		if (!best || later->line < best->line ||
		    (later->line == best->line && later->column < best->column))
			best = later;
	}
	return best;
}

/* Loading. */

struct loader {
	qfs_policy *policy;
	const char *source;
	qfs_error *err;
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* An error at the value (or, with @at_key, the key) of @path. */
static int load_error(struct loader *ld, const char *path, bool at_key, const char *fmt, ...)
	_printf_(4, 5);
static int load_error(struct loader *ld, const char *path, bool at_key, const char *fmt, ...)
{
	const struct policy_srcpos *pos = policy_srcmap_find(ld->policy, path);
	qfs_error *err = ld->err;
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, path, 0, fmt, ap);
	va_end(ap);
	if (pos && at_key && pos->key_line)
		error_set_position(err, ld->source, pos->key_line, pos->key_column);
	else if (pos)
		error_set_position(err, ld->source, pos->line, pos->column);
	else
		error_set_position(err, ld->source, 0, 0);
	return -EINVAL;
}

static int unknown_key(struct loader *ld, const char *path, const char *const *keys, size_t n)
{
	char expected[400] = "";
	size_t len = 0;

	for (size_t i = 0; i < n && len < sizeof(expected); i++)
		len += snprintf(expected + len, sizeof(expected) - len, "%s%s", i ? ", " : "",
				keys[i]);
	return load_error(ld, path, true, "unknown key \"%s\" (expected one of %s)", path,
			  expected);
}

static int load_integer(struct loader *ld, const char *path, const json_t *v, bool non_negative,
			int64_t *ret)
{
	const char *what = non_negative ? "a non-negative integer" : "an integer";

	if (!json_is_integer(v))
		return load_error(ld, path, false, "%s must be %s, not %s", path, what,
				  json_kind(v));
	if (non_negative && json_integer_value(v) < 0)
		return load_error(ld, path, false, "%s must be %s, not %" JSON_INTEGER_FORMAT, path,
				  what, json_integer_value(v));
	*ret = json_integer_value(v);
	return 0;
}

static int load_string_field(struct loader *ld, const char *path, const json_t *v, const char **ret)
{
	if (!json_is_string(v))
		return load_error(ld, path, false, "%s must be a string, not %s", path,
				  json_kind(v));
	*ret = json_string_value(v);
	return 0;
}

static int load_limits(struct loader *ld, const json_t *obj)
{
	const char *keys[QFS_LIMIT_COUNT];
	const char *key;
	json_t *v;
	int r;

	for (int i = 0; i < QFS_LIMIT_COUNT; i++)
		keys[i] = policy_limit_info(i)->key;
	if (!json_is_object(obj))
		return load_error(ld, "limits", false, "limits must be an object, not %s",
				  json_kind(obj));
	json_object_foreach ((json_t *)obj, key, v) {
		const struct policy_limit_info *li = NULL;
		int limit = 0;
		int64_t value;

		for (; limit < QFS_LIMIT_COUNT; limit++) {
			if (streq(key, keys[limit])) {
				li = policy_limit_info(limit);
				break;
			}
		}
		if (!li) {
			char path[300];
			snprintf(path, sizeof(path), "limits.%s", key);
			return unknown_key(ld, path, keys, QFS_LIMIT_COUNT);
		}
		r = load_integer(ld, li->field, v, li->non_negative_json, &value);
		if (r < 0)
			return r;
		ld->policy->limits[limit] = value;
	}
	return 0;
}

static int load_list(struct loader *ld, const char *path, qfs_list list, const json_t *arr)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return load_error(ld, path, false, "%s must be an array of strings, not %s", path,
				  json_kind(arr));
	json_array_foreach (arr, i, v) {
		char elem[340];

		snprintf(elem, sizeof(elem), "%s[%zu]", path, i);
		if (!json_is_string(v))
			return load_error(ld, elem, false, "%s must be a string, not %s", elem,
					  json_kind(v));
		if (qfs_policy_list_add(ld->policy, list, json_string_value(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int load_permissions(struct loader *ld, const json_t *obj)
{
	const char *keys[QFS_PERM_COUNT + QFS_LIST_COUNT];
	const char *key;
	json_t *v;
	int r;

	for (int i = 0; i < QFS_PERM_COUNT; i++)
		keys[i] = policy_permission_key(i);
	for (int i = 0; i < QFS_LIST_COUNT; i++)
		keys[QFS_PERM_COUNT + i] = policy_list_key(i);
	if (!json_is_object(obj))
		return load_error(ld, "permissions", false, "permissions must be an object, not %s",
				  json_kind(obj));
	json_object_foreach ((json_t *)obj, key, v) {
		char path[300];
		int k = 0;

		snprintf(path, sizeof(path), "permissions.%s", key);
		while (k < QFS_PERM_COUNT + QFS_LIST_COUNT && !streq(keys[k], key))
			k++;
		if (k == QFS_PERM_COUNT + QFS_LIST_COUNT)
			return unknown_key(ld, path, keys, ARRAY_SIZE(keys));
		if (k >= QFS_PERM_COUNT) {
			r = load_list(ld, path, k - QFS_PERM_COUNT, v);
			if (r < 0)
				return r;
			continue;
		}
		if (!json_is_boolean(v))
			return load_error(ld, path, false, "%s must be true or false, not %s", path,
					  json_kind(v));
		ld->policy->perms[k] = json_is_true(v);
	}
	return 0;
}

static const char *const top_keys[] = {"level",	      "policy_name", "description",	   "limits",
				       "permissions", "enforcement", "monitor_interval_ms"};

static int load_member(struct loader *ld, const char *key, const json_t *v)
{
	qfs_policy *p = ld->policy;
	const char *s = NULL;
	int64_t n;
	int r;

	if (streq(key, "level")) {
		r = load_integer(ld, key, v, false, &n);
		if (r < 0)
			return r;
		if (n < INT_MIN || n > INT_MAX)
			return load_error(ld, key, false,
					  "level must be 0, 1, 2 or 3, not %" PRId64, n);
		p->level = (int)n;
	} else if (streq(key, "policy_name") || streq(key, "description")) {
		char **field = streq(key, "policy_name") ? &p->name : &p->description;
		char *copy;

		r = load_string_field(ld, key, v, &s);
		if (r < 0)
			return r;
		/* Not the setter: that would drop the position just recorded. */
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
		free(*field);
		*field = copy;
	} else if (streq(key, "limits")) {
		return load_limits(ld, v);
	} else if (streq(key, "permissions")) {
		return load_permissions(ld, v);
	} else if (streq(key, "enforcement")) {
		r = load_string_field(ld, key, v, &s);
		if (r < 0)
			return r;
		if (streq(s, "require"))
			p->enforcement = QFS_ENFORCE_REQUIRE;
		else if (streq(s, "best_effort"))
			p->enforcement = QFS_ENFORCE_BEST_EFFORT;
		else
			return load_error(ld, key, false,
					  "enforcement must be \"require\" or \"best_effort\", "
					  "not \"%s\"",
					  s);
	} else if (streq(key, "monitor_interval_ms")) {
		r = load_integer(ld, key, v, false, &p->monitor_interval_ms);
		if (r < 0)
			return r;
	} else {
		return unknown_key(ld, key, top_keys, ARRAY_SIZE(top_keys));
	}
	return 0;
}

/* A jansson syntax error, with the column in bytes as everywhere else. */
static int syntax_error(struct loader *ld, const char *text, size_t len, const json_error_t *je)
{
	unsigned line = je->line > 0 ? (unsigned)je->line : 0;
	unsigned column = je->column > 0 ? (unsigned)je->column : 0;
	const char *near;
	size_t start = 0;

	/* jansson's position is the byte offset just past the offending
	 * character; its column counts characters, not bytes. */
	if (line && je->position > 0 && (size_t)je->position <= len) {
		unsigned l = 1;
		for (size_t i = 0; i < (size_t)je->position - 1 && l < line; i++)
			if (text[i] == '\n') {
				l++;
				start = i + 1;
			}
		if (l == line && (size_t)je->position > start)
			column = (unsigned)(je->position - start);
		/* Point at the start of the token jansson quotes ("near 'x'"),
		 * as compilers do, when the text before the position is it. */
		near = strstr(je->text, "near '");
		if (l == line && near) {
			const char *tok = near + 6;
			size_t toklen = strlen(tok);

			if (toklen > 1 && tok[toklen - 1] == '\'' &&
			    (size_t)je->position >= start + toklen - 1 &&
			    memcmp(text + je->position - (toklen - 1), tok, toklen - 1) == 0)
				column = (unsigned)(je->position - (toklen - 1) - start + 1);
		}
	}
	if (line && !column)
		column = 1;
	error_set(ld->err, "", 0, "invalid JSON: %s", je->text);
	error_set_position(ld->err, ld->source, line, column);
	return -EINVAL;
}

int qfs_policy_load_string(const char *json, size_t len, const char *source, qfs_policy **ret,
			   qfs_error *err)
{
	struct loader ld = {.source = source ? source : "<string>", .err = err};
	json_error_t je;
	const char *key;
	json_t *root, *v;
	int r;

	if (!json || !ret)
		return error_set(err, "", 0, "no JSON text given");
	if (len > JSON_MAX_SIZE) {
		error_set(err, "", 0, "policy is larger than %d bytes", JSON_MAX_SIZE);
		error_set_position(err, ld.source, 0, 0);
		return -EINVAL;
	}
	r = qfs_policy_new(&ld.policy);
	if (r < 0)
		return error_set(err, "", -r, "out of memory");
	r = policy_srcmap_set_source(ld.policy, ld.source);
	if (r < 0)
		goto fail;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!root) {
		const struct policy_srcpos *dup;

		r = -EINVAL;
		if (json_error_code(&je) != json_error_duplicate_key) {
			syntax_error(&ld, json, len, &je);
			goto fail;
		}
		scan_positions(ld.policy, json, len);
		dup = find_duplicate(ld.policy);
		if (!dup) {
			syntax_error(&ld, json, len, &je);
			goto fail;
		}
		error_set(err, dup->path, 0, "duplicate key \"%s\"", dup->path);
		error_set_position(err, ld.source, dup->key_line ? dup->key_line : dup->line,
				   dup->key_line ? dup->key_column : dup->column);
		goto fail;
	}

	r = scan_positions(ld.policy, json, len);
	if (r == -ENOMEM)
		goto fail_json;
	if (!json_is_object(root)) {
		r = load_error(&ld, "", false, "the top level must be a JSON object, not %s",
			       json_kind(root));
		goto fail_json;
	}
	json_object_foreach (root, key, v) {
		r = load_member(&ld, key, v);
		if (r < 0)
			goto fail_json;
	}
	json_decref(root);
	/* The setters used while loading bumped the generation and dropped
	 * nothing of interest: positions were recorded by the scanner. */
	*ret = ld.policy;
	return 0;

fail_json:
	json_decref(root);
fail:
	if (r == -ENOMEM)
		error_set(err, "", ENOMEM, "out of memory");
	qfs_policy_free(ld.policy);
	return r;
}

static int file_error(qfs_error *err, const char *path, int errnum, const char *what)
{
	error_set(err, "", errnum, "%s: %s", what, strerror(errnum));
	error_set_position(err, path, 0, 0);
	if (errnum == ENOENT || errnum == EACCES || errnum == EPERM || errnum == ENOMEM)
		return -errnum;
	return -EIO;
}

int qfs_policy_load_file(const char *path, qfs_policy **ret, qfs_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (!path || !ret)
		return error_set(err, "", 0, "no file name given");
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is
	 * refused below as not a regular file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return file_error(err, path, errno, "cannot open the policy file");
	if (fstat(fd, &st) < 0)
		return file_error(err, path, errno, "cannot read the policy file");
	if (!S_ISREG(st.st_mode)) {
		error_set(err, "", 0, "the policy file is not a regular file");
		error_set_position(err, path, 0, 0);
		return -EINVAL;
	}
	if (st.st_size > JSON_MAX_SIZE) {
		error_set(err, "", 0, "the policy file is larger than %d bytes", JSON_MAX_SIZE);
		error_set_position(err, path, 0, 0);
		return -EINVAL;
	}
	/* One byte more than the limit, to notice a file that grew since fstat. */
	buf = malloc(JSON_MAX_SIZE + 1);
	if (!buf)
		return file_error(err, path, ENOMEM, "cannot read the policy file");
	for (;;) {
		ssize_t n = read(fd, buf + len, JSON_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return file_error(err, path, errno, "cannot read the policy file");
		if (n == 0)
			break;
		len += n;
		if (len > JSON_MAX_SIZE) {
			error_set(err, "", 0, "the policy file is larger than %d bytes",
				  JSON_MAX_SIZE);
			error_set_position(err, path, 0, 0);
			return -EINVAL;
		}
	}
	return qfs_policy_load_string(buf, len, path, ret, err);
}

/* Saving. */

static int set_new(json_t *obj, const char *key, json_t *value)
{
	/* json_object_set_new() consumes @value even on failure. */
	return value && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

static json_t *policy_to_json(const qfs_policy *p)
{
	json_t *root = json_object(), *limits = json_object(), *perms = json_object();
	bool ok = root && limits && perms;

	for (int i = 0; ok && i < QFS_LIMIT_COUNT; i++)
		ok = set_new(limits, policy_limit_info(i)->key, json_integer(p->limits[i])) == 0;
	for (int i = 0; ok && i < QFS_PERM_COUNT; i++)
		ok = set_new(perms, policy_permission_key(i), json_boolean(p->perms[i])) == 0;
	for (int i = 0; ok && i < QFS_LIST_COUNT; i++) {
		json_t *arr = json_array();
		ok = set_new(perms, policy_list_key(i), arr) == 0;
		for (size_t j = 0; ok && j < p->lists[i].n; j++)
			ok = json_array_append_new(arr, json_string(p->lists[i].v[j])) == 0;
	}
	ok = ok && set_new(root, "level", json_integer(p->level)) == 0 &&
	     set_new(root, "policy_name", json_string(p->name)) == 0 &&
	     set_new(root, "description", json_string(p->description)) == 0 &&
	     set_new(root, "limits", json_incref(limits)) == 0 &&
	     set_new(root, "permissions", json_incref(perms)) == 0 &&
	     set_new(root, "enforcement",
		     json_string(policy_enforcement_name(p->enforcement)
					 ? policy_enforcement_name(p->enforcement)
					 : "require")) == 0 &&
	     set_new(root, "monitor_interval_ms", json_integer(p->monitor_interval_ms)) == 0;
	json_decref(limits);
	json_decref(perms);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int qfs_policy_save_string(const qfs_policy *policy, unsigned flags, char **ret)
{
	json_t *root;
	char *text;

	if (!policy || !ret || (flags & ~QFS_JSON_COMPACT))
		return -EINVAL;
	/* An enforcement value out of range has no JSON spelling. */
	if (!policy_enforcement_name(policy->enforcement))
		return -EINVAL;
	root = policy_to_json(policy);
	if (!root) /* out of memory, or a string that is not UTF-8 */
		return -EINVAL;
	text = json_dumps(root, JSON_PRESERVE_ORDER |
					(flags & QFS_JSON_COMPACT ? JSON_COMPACT : JSON_INDENT(4)));
	json_decref(root);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Opens a new file ".NAME.XXXXXXXXXXXXXXXX" in @dfd with mode 0666 less the
 * umask (as the kernel applies it), since mkostemp() would force 0600. */
static int open_temp(int dfd, const char *base, char *name, size_t size)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		uint64_t rnd;
		int fd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -errno;
		snprintf(name, size, ".%.200s.%016" PRIx64, base, rnd);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int qfs_policy_save_file(const qfs_policy *policy, const char *path, qfs_error *err)
{
	_cleanup_free_ char *text = NULL, *dcopy = NULL, *bcopy = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	const char *base;
	char tmp[256];
	struct stat st;
	size_t len;
	int r;

	if (!policy || !path || !*path)
		return error_set(err, "", 0, "no policy or file name given");
	r = qfs_policy_save_string(policy, 0, &text);
	if (r < 0)
		return error_set(err, "", -r,
				 r == -ENOMEM
					 ? "out of memory"
					 : "the policy cannot be written as JSON (a string "
					   "is not valid UTF-8, or enforcement is out of range)");
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps() leaves room: replace the NUL */

	dcopy = strdup(path);
	bcopy = strdup(path);
	if (!dcopy || !bcopy)
		return error_set(err, "", ENOMEM, "out of memory");
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto fail;
	}
	base = basename(bcopy);
	fd = open_temp(dfd, base, tmp, sizeof(tmp));
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	/* Keep the permissions of the file being replaced. */
	if (fstatat(dfd, base, &st, 0) == 0 && S_ISREG(st.st_mode))
		(void)fchmod(fd, st.st_mode & 07777);
	r = write_all(fd, text, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		goto fail;
	}
	/* The rename is durable once the directory is. */
	(void)fsync(dfd);
	return 0;

fail:
	error_set(err, "", -r, "cannot write the policy file: %s", strerror(-r));
	error_set_position(err, path, 0, 0);
	return r;
}
