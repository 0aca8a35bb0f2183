/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decisions: paths, hosts, APIs and process creation.  The launcher
 * builds its Landlock rules, private root and seccomp filter from the same
 * tables and functions, so an answer here is what the kernel enforces.
 */
#include <arpa/inet.h>
#include <limits.h>

#include <qfsandbox/enforcer.h>

#include "apis.h"
#include "decide.h"
#include "policy.h"

/*
 * System runtime paths: what a dynamically linked program and the usual
 * interpreters read before doing anything of their own (the loader, the
 * libraries, locale and time zone, name service configuration, CA
 * certificates).  Always readable; the launcher binds exactly these
 * read-only into a private root.  Nothing here is writable, nothing here
 * holds secrets (no /etc/shadow, no /home, no /root, no /var).
 */
static const char *const decide_runtime_paths[] = {
	"/usr",
	"/lib",
	"/lib64",
	"/lib32",
	"/bin",
	"/sbin",
	"/etc/ld.so.cache",
	"/etc/ld.so.conf",
	"/etc/ld.so.conf.d",
	"/etc/localtime",
	"/etc/nsswitch.conf",
	"/etc/passwd",
	"/etc/group",
	"/etc/hosts",
	"/etc/host.conf",
	"/etc/gai.conf",
	"/etc/resolv.conf",
	"/etc/alternatives",
	"/etc/ssl/certs",
	"/etc/ssl/openssl.cnf",
	"/etc/ca-certificates.conf",
};

/* The device nodes every level may read and write, and exactly what a
 * private root's /dev holds besides its symlinks. */
static const char *const decide_device_paths[] = {"/dev/null", "/dev/zero", "/dev/full",
						  "/dev/random", "/dev/urandom"};

size_t decide_device_path_count(void)
{
	return ARRAY_SIZE(decide_device_paths);
}

const char *decide_device_path(size_t index)
{
	return index < ARRAY_SIZE(decide_device_paths) ? decide_device_paths[index] : NULL;
}

size_t decide_runtime_path_count(void)
{
	return ARRAY_SIZE(decide_runtime_paths);
}

const char *decide_runtime_path(size_t index)
{
	return index < ARRAY_SIZE(decide_runtime_paths) ? decide_runtime_paths[index] : NULL;
}

/* Paths. */

int qfs_path_normalize(const char *path, char *buf, size_t size)
{
	size_t len = 0;

	if (!path || path[0] != '/' || (!buf && size))
		return -EINVAL;
	while (*path) {
		const char *start, *end;
		size_t n;

		while (*path == '/')
			path++;
		start = path;
		end = strchrnul(path, '/');
		n = end - start;
		path = end;
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			/* ".." at the root stays at the root, as the kernel does. */
			while (len > 0 && buf[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		buf[len++] = '/';
		memcpy(buf + len, start, n);
		len += n;
	}
	if (len == 0) {
		if (size < 2)
			return -ENAMETOOLONG;
		buf[len++] = '/';
	}
	buf[len] = '\0';
	return (int)len;
}

/* Both normalised: @path equals @dir or lies below it on a component boundary. */
static bool within(const char *path, size_t plen, const char *dir, size_t dlen)
{
	if (dlen == 1)
		return true; /* "/" */
	return plen >= dlen && memcmp(path, dir, dlen) == 0 && (plen == dlen || path[dlen] == '/');
}

int qfs_path_is_within(const char *path, const char *dir)
{
	char p[PATH_MAX], d[PATH_MAX];
	int plen, dlen;

	plen = qfs_path_normalize(path, p, sizeof(p));
	dlen = qfs_path_normalize(dir, d, sizeof(d));
	if (plen < 0 || dlen < 0)
		return -EINVAL;
	return within(p, plen, d, dlen);
}

static bool is_runtime_path(const char *path, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(decide_runtime_paths); i++)
		if (within(path, len, decide_runtime_paths[i], strlen(decide_runtime_paths[i])))
			return true;
	return false;
}

/* Whether the normalised @path lies in an allowed directory.  Entries that
 * are not absolute (an unvalidated policy) match nothing. */
bool decide_in_allowed_directory(const qfs_policy *policy, const char *path, size_t len)
{
	const struct policy_strv *dirs = &policy->lists[QFS_LIST_ALLOWED_DIRECTORIES];
	char d[PATH_MAX];

	for (size_t i = 0; i < dirs->n; i++) {
		int dlen = qfs_path_normalize(dirs->v[i], d, sizeof(d));
		if (dlen > 0 && within(path, len, d, dlen))
			return true;
	}
	return false;
}

static int check_path_uncached(const qfs_policy *policy, const char *path, bool write)
{
	char p[PATH_MAX];
	int len = qfs_path_normalize(path, p, sizeof(p));

	if (len < 0)
		return 0; /* longer than any path the kernel accepts */
	if (write)
		return policy->perms[QFS_PERM_FILE_SYSTEM_WRITE] &&
		       decide_in_allowed_directory(policy, p, len);
	if (is_runtime_path(p, len))
		return 1;
	return policy->perms[QFS_PERM_FILE_SYSTEM_READ] &&
	       decide_in_allowed_directory(policy, p, len);
}

/*
 * The path cache: open addressing with linear probing, keyed by the path as
 * given (not normalised, so that a warm question costs one hash and one
 * memcmp) and the write flag.  It holds the answers for one generation of
 * the policy; any setter bumps the generation and the next question empties
 * it.  When three quarters full it is emptied rather than grown, which bounds
 * its memory at DECIDE_CACHE_SLOTS paths of at most DECIDE_CACHE_PATH_MAX.
 */
#define DECIDE_CACHE_SLOTS    1024 /* a power of two */
#define DECIDE_CACHE_PATH_MAX 512

struct decide_slot {
	uint64_t hash;
	char *path; /* NULL: empty */
	uint32_t len;
	bool write;
	bool allowed;
};

struct decide_cache {
	uint64_t generation;
	size_t used;
	struct decide_slot slots[DECIDE_CACHE_SLOTS];
};

static void cache_empty(struct decide_cache *c)
{
	for (size_t i = 0; i < DECIDE_CACHE_SLOTS && c->used; i++) {
		if (c->slots[i].path) {
			free(c->slots[i].path);
			c->slots[i].path = NULL;
			c->used--;
		}
	}
	c->used = 0;
}

struct decide_cache *decide_cache_free(struct decide_cache *cache)
{
	if (cache) {
		cache_empty(cache);
		free(cache);
	}
	return NULL;
}

/* FNV-1a, 64 bit, with the write flag folded in. */
static uint64_t path_hash(const char *s, size_t len, bool write)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (write ? 0x9e3779b97f4a7c15ULL : 0);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * The check functions take a const policy, as a question does not change
 * it; the cache is the one thing they write.  Policies are always allocated
 * by this library (never const objects), so writing through the cast is
 * defined; enforcer.h documents that checks on one policy must not run
 * concurrently.
 */
static struct decide_cache *cache_get(const qfs_policy *policy)
{
	qfs_policy *p = (qfs_policy *)policy;

	if (!p->cache) {
		p->cache = calloc(1, sizeof(*p->cache));
		if (!p->cache)
			return NULL;
		p->cache->generation = p->generation;
	}
	if (p->cache->generation != p->generation) {
		cache_empty(p->cache);
		p->cache->generation = p->generation;
	}
	return p->cache;
}

int qfs_policy_check_path(const qfs_policy *policy, const char *path, bool write)
{
	struct decide_cache *c;
	struct decide_slot *s;
	size_t len, i;
	uint64_t h;
	int allowed;

	if (!policy || !path || path[0] != '/')
		return -EINVAL;
	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return 1;

	len = strlen(path);
	c = len <= DECIDE_CACHE_PATH_MAX ? cache_get(policy) : NULL;
	if (!c)
		return check_path_uncached(policy, path, write);

	h = path_hash(path, len, write);
	for (i = h & (DECIDE_CACHE_SLOTS - 1);; i = (i + 1) & (DECIDE_CACHE_SLOTS - 1)) {
		s = &c->slots[i];
		if (!s->path)
			break;
		if (s->hash == h && s->len == len && s->write == write &&
		    memcmp(s->path, path, len) == 0)
			return s->allowed;
	}

	allowed = check_path_uncached(policy, path, write);
	if (c->used >= DECIDE_CACHE_SLOTS / 4 * 3) {
		cache_empty(c);
		for (i = h & (DECIDE_CACHE_SLOTS - 1); c->slots[i].path;
		     i = (i + 1) & (DECIDE_CACHE_SLOTS - 1))
			;
		s = &c->slots[i];
	}
	s->path = strndup(path, len);
	if (s->path) {
		s->hash = h;
		s->len = len;
		s->write = write;
		s->allowed = allowed;
		c->used++;
	}
	return allowed;
}

/* Hosts. */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int parse_port(const char *s, int *ret)
{
	size_t n = strlen(s);
	int port = 0;

	if (n == 0 || n > 5 || !all_digits(s, n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		port = port * 10 + (s[i] - '0');
	if (port < 1 || port > 65535)
		return -EINVAL;
	*ret = port;
	return 0;
}

/* Checks the labels of a DNS name and copies it in lower case. */
static int parse_name(const char *s, size_t n, char *out, const char **why)
{
	size_t label = 0;

	if (n > DECIDE_HOST_NAME_MAX)
		return *why = "is longer than 253 characters", -EINVAL;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return *why = "has an empty label", -EINVAL;
			if (s[i - 1] == '-' || s[i - label] == '-')
				return *why = "has a label that begins or ends with '-'", -EINVAL;
			label = 0;
			if (i < n)
				out[i] = '.';
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return *why = "may contain only letters, digits, '-' and '.'", -EINVAL;
		if (++label > 63)
			return *why = "has a label longer than 63 characters", -EINVAL;
		out[i] = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
	}
	out[n] = '\0';
	/* A numeric last label is no host name ("999.1.1.1", "10.1"): it is
	 * an address that inet_pton refused. */
	{
		const char *last = strrchr(out, '.');
		last = last ? last + 1 : out;
		if (all_digits(last, strlen(last)))
			return *why = "is neither a valid IPv4 address nor a host name", -EINVAL;
	}
	return 0;
}

static int count_labels(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address. */
static void unmap_v4(struct decide_host *h)
{
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (h->kind == DECIDE_HOST_IPV6 && memcmp(h->addr, prefix, sizeof(prefix)) == 0) {
		memmove(h->addr, h->addr + 12, 4);
		memset(h->addr + 4, 0, 12);
		h->kind = DECIDE_HOST_IPV4;
	}
}

int decide_host_parse(const char *text, bool pattern, struct decide_host *ret, const char **why)
{
	char host[DECIDE_HOST_NAME_MAX + 2];
	const char *colon, *dummy;
	struct decide_host h = {.port = -1};
	size_t n;

	if (!why)
		why = &dummy;
	if (!text || !*text)
		return *why = "must not be empty", -EINVAL;
	if (strstr(text, "://"))
		return *why = "must not contain a scheme (write the host name alone)", -EINVAL;
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return *why = "must not contain spaces or control characters", -EINVAL;
	if (strchr(text, '@'))
		return *why = "must not contain user information", -EINVAL;
	if (strchr(text, '/'))
		return *why = "must not contain a path", -EINVAL;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return *why = "has an unclosed '['", -EINVAL;
		n = close - text - 1;
		if (n == 0 || n >= sizeof(host))
			return *why = "is not a valid IPv6 address", -EINVAL;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, h.addr) != 1)
			return *why = "is not a valid IPv6 address", -EINVAL;
		h.kind = DECIDE_HOST_IPV6;
		if (close[1] == ':') {
			if (parse_port(close + 2, &h.port) < 0)
				return *why = "has a port outside 1..65535", -EINVAL;
		} else if (close[1]) {
			return *why = "has text after ']' that is not \":port\"", -EINVAL;
		}
		goto done;
	}

	colon = strchr(text, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* Two colons or more: a bare IPv6 address, which has no port. */
		if (inet_pton(AF_INET6, text, h.addr) != 1)
			return *why = "is not a valid IPv6 address (write \"[address]:port\" for "
				      "a port)",
			       -EINVAL;
		h.kind = DECIDE_HOST_IPV6;
		goto done;
	}
	n = colon ? (size_t)(colon - text) : strlen(text);
	if (colon && parse_port(colon + 1, &h.port) < 0)
		return *why = "has a port outside 1..65535", -EINVAL;
	if (n == 0)
		return *why = "has an empty host name", -EINVAL;
	if (n >= sizeof(host))
		return *why = "is longer than 253 characters", -EINVAL;
	memcpy(host, text, n);
	host[n] = '\0';

	if (inet_pton(AF_INET, host, h.addr) == 1) {
		h.kind = DECIDE_HOST_IPV4;
		goto done;
	}
	if (n > 1 && host[n - 1] == '.')
		host[--n] = '\0'; /* the root label: "example.com." */
	if (streq(host, "*"))
		return *why = "would admit every host (an empty allowed_hosts list already "
			      "does)",
		       -EINVAL;
	if (pattern && strncmp(host, "*.", 2) == 0) {
		if (parse_name(host + 2, n - 2, h.name, why) < 0)
			return -EINVAL;
		if (count_labels(h.name) < 2)
			return *why = "needs at least two labels after \"*.\" (\"*.example.com\"), "
				      "or it would admit a whole top-level domain",
			       -EINVAL;
		h.kind = DECIDE_HOST_WILDCARD;
		goto done;
	}
	if (strchr(host, '*'))
		return *why = pattern ? "may use '*' only as the whole first label "
					"(\"*.example.com\")"
				      : "must not contain '*'",
		       -EINVAL;
	if (parse_name(host, n, h.name, why) < 0)
		return -EINVAL;
	h.kind = DECIDE_HOST_NAME;
done:
	unmap_v4(&h);
	*ret = h;
	return 0;
}

static bool host_match(const struct decide_host *pat, const struct decide_host *host, int port)
{
	size_t hlen, plen;

	if (pat->port != -1 && pat->port != port)
		return false;
	switch (pat->kind) {
	case DECIDE_HOST_IPV4:
		return host->kind == DECIDE_HOST_IPV4 && memcmp(pat->addr, host->addr, 4) == 0;
	case DECIDE_HOST_IPV6:
		return host->kind == DECIDE_HOST_IPV6 && memcmp(pat->addr, host->addr, 16) == 0;
	case DECIDE_HOST_NAME:
		return host->kind == DECIDE_HOST_NAME && streq(pat->name, host->name);
	case DECIDE_HOST_WILDCARD:
		/* Subdomains only: "a.example.com" but not "example.com" nor
		 * "badexample.com". */
		if (host->kind != DECIDE_HOST_NAME)
			return false;
		hlen = strlen(host->name);
		plen = strlen(pat->name);
		return hlen > plen + 1 && host->name[hlen - plen - 1] == '.' &&
		       streq(host->name + hlen - plen, pat->name);
	}
	return false;
}

/* Parses @text as a host and settles the port it is asked about. */
static int host_and_port(const char *text, int port, struct decide_host *h, int *ret_port)
{
	if (port != -1 && (port < 1 || port > 65535))
		return -EINVAL;
	if (decide_host_parse(text, false, h, NULL) < 0)
		return -EINVAL;
	if (h->port != -1 && port != -1 && h->port != port)
		return -EINVAL; /* "host:80" asked about port 443 */
	*ret_port = h->port != -1 ? h->port : port;
	return 0;
}

int qfs_host_matches(const char *pattern, const char *host, int port)
{
	struct decide_host p, h;
	int eff;

	if (decide_host_parse(pattern, true, &p, NULL) < 0 ||
	    host_and_port(host, port, &h, &eff) < 0)
		return -EINVAL;
	return host_match(&p, &h, eff);
}

int qfs_policy_check_host(const qfs_policy *policy, const char *host, int port)
{
	const struct policy_strv *hosts;
	struct decide_host h, p;
	int eff;

	if (!policy || host_and_port(host, port, &h, &eff) < 0)
		return -EINVAL;
	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return 1;
	if (!policy->perms[QFS_PERM_NETWORK_ACCESS])
		return 0;
	hosts = &policy->lists[QFS_LIST_ALLOWED_HOSTS];
	if (hosts->n == 0)
		return 1;
	for (size_t i = 0; i < hosts->n; i++)
		if (decide_host_parse(hosts->v[i], true, &p, NULL) == 0 && host_match(&p, &h, eff))
			return 1;
	return 0;
}

/* APIs. */

/* A plain syscall name in blocked_apis whose outright denial would stop the
 * plugin from starting or from creating threads stands for the effect. */
static unsigned syscall_effect(const char *syscall)
{
	if (apis_list_contains(apis_effect_syscalls(APIS_NO_EXEC), syscall))
		return APIS_NO_EXEC;
	if (apis_list_contains(apis_effect_syscalls(APIS_NO_PROCESS_CREATION), syscall))
		return APIS_NO_PROCESS_CREATION;
	return 0;
}

unsigned decide_api_effects(const qfs_policy *policy)
{
	const struct policy_strv *apis = &policy->lists[QFS_LIST_BLOCKED_APIS];
	unsigned effects = 0;

	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return 0;
	for (size_t i = 0; i < apis->n; i++) {
		const struct apis_entry *e = apis_find(apis->v[i]);
		effects |= e ? e->effects & ~APIS_SYSCALLS : syscall_effect(apis->v[i]);
	}
	if (policy->level >= QFS_LEVEL_STRICT)
		effects |= APIS_NO_EXEC | APIS_NO_PROCESS_CREATION;
	if (!policy->perms[QFS_PERM_PROCESS_CREATION])
		effects |= APIS_NO_PROCESS_CREATION;
	return effects;
}

bool decide_allow_list(const qfs_policy *policy)
{
	return policy->level >= QFS_LEVEL_STRICT && !policy->perms[QFS_PERM_SYSTEM_CALLS];
}

/* Whether blocked_apis names @syscall outright: by itself or as a member of
 * a group.  A plain name that stands for an effect (execve, fork, clone ...)
 * does not deny its syscall outright; the effect does, by argument. */
static const char *blocked_by(const qfs_policy *policy, const char *syscall)
{
	const struct policy_strv *apis = &policy->lists[QFS_LIST_BLOCKED_APIS];

	for (size_t i = 0; i < apis->n; i++) {
		const struct apis_entry *e = apis_find(apis->v[i]);
		if (e ? apis_list_contains(e->syscalls, syscall)
		      : streq(apis->v[i], syscall) && !syscall_effect(syscall))
			return apis->v[i];
	}
	return NULL;
}

void decide_blocked_syscalls(const qfs_policy *policy,
			     void (*fn)(const char *syscall, void *userdata), void *userdata)
{
	const struct policy_strv *apis = &policy->lists[QFS_LIST_BLOCKED_APIS];

	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return;
	for (size_t i = 0; i < apis->n; i++) {
		const struct apis_entry *e = apis_find(apis->v[i]);
		if (!e) {
			if (!syscall_effect(apis->v[i]))
				fn(apis->v[i], userdata);
			continue;
		}
		for (const char *const *s = e->syscalls; *s; s++)
			fn(*s, userdata);
	}
}

/* The QtForge name of each effect: preferred when several entries ask for it. */
static const struct {
	unsigned effect;
	const char *name;
} effect_names[] = {
	{APIS_NO_EXEC, "exec"},
	{APIS_NO_PROCESS_CREATION, "fork"},
	{APIS_WX, "mmap"},
	{APIS_NOEXEC_WRITABLE, "dlopen"},
};

const char *decide_effect_api(const qfs_policy *policy, unsigned effect)
{
	const struct policy_strv *apis = &policy->lists[QFS_LIST_BLOCKED_APIS];
	const char *first = NULL;

	for (size_t i = 0; i < apis->n; i++) {
		const struct apis_entry *e = apis_find(apis->v[i]);
		unsigned effects = e ? e->effects : syscall_effect(apis->v[i]);
		if (!(effects & effect))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(effect_names); k++)
			if (effect_names[k].effect == effect &&
			    streq(effect_names[k].name, apis->v[i]))
				return apis->v[i];
		if (!first)
			first = apis->v[i];
	}
	return first;
}

static bool refusal(struct decide_refusal *ret, enum decide_source source, qfs_violation_type type,
		    const char *api, const char *reason, int error)
{
	if (ret)
		*ret = (struct decide_refusal){.source = source,
					       .type = type,
					       .api = api,
					       .reason = reason,
					       .error = error};
	return true;
}

bool decide_syscall_refusal(const qfs_policy *policy, const char *syscall,
			    struct decide_refusal *ret)
{
	const struct apis_deny *base;
	const char *api;
	unsigned effects;

	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return false;
	base = apis_baseline_find(syscall);
	api = blocked_by(policy, syscall);
	if (api) {
		const struct apis_entry *e = apis_find(api);
		return refusal(ret, DECIDE_BLOCKED,
			       e ? e->violation : QFS_VIOLATION_BLOCKED_API_CALL, api,
			       base ? base->reason : NULL, EPERM);
	}
	if (base)
		return refusal(ret, DECIDE_BASELINE, base->violation, NULL, base->reason, EPERM);
	/* clone3 passes its flags in memory, which no filter can read:
	 * ENOSYS, so that libc falls back to clone. */
	if (streq(syscall, "clone3"))
		return refusal(ret, DECIDE_ALWAYS, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL, NULL,
			       "clone3 hides its flags from the filter; libc falls back to clone",
			       ENOSYS);
	effects = decide_api_effects(policy);
	if ((effects & APIS_NO_EXEC) &&
	    apis_list_contains(apis_effect_syscalls(APIS_NO_EXEC), syscall))
		return refusal(ret, DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION,
			       decide_effect_api(policy, APIS_NO_EXEC),
			       "executing a program after the plugin's start", EPERM);
	if ((effects & APIS_NO_PROCESS_CREATION) &&
	    apis_list_contains(apis_effect_syscalls(APIS_NO_PROCESS_CREATION), syscall))
		return refusal(ret, DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION,
			       decide_effect_api(policy, APIS_NO_PROCESS_CREATION),
			       "creating a process", EPERM);
	if (decide_allow_list(policy) && !apis_allow_listed(syscall) &&
	    !apis_argument_rule(syscall))
		return refusal(ret, DECIDE_UNLISTED, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL, NULL,
			       "not on Strict's allow-list", EPERM);
	return false;
}

bool decide_syscall_denied(const qfs_policy *policy, const char *syscall)
{
	return decide_syscall_refusal(policy, syscall, NULL);
}

/* A table entry is blocked when the policy blocks all it stands for: its
 * effects and every one of its syscalls that exists on this architecture. */
static bool entry_blocked(const qfs_policy *policy, const struct apis_entry *e)
{
	const struct policy_strv *apis = &policy->lists[QFS_LIST_BLOCKED_APIS];
	unsigned needs = e->effects & ~APIS_SYSCALLS;

	for (size_t i = 0; i < apis->n; i++)
		if (streq(apis->v[i], e->name))
			return true;
	if (needs & ~decide_api_effects(policy))
		return false;
	for (const char *const *s = e->syscalls; *s; s++)
		if (apis_is_syscall(*s) && !decide_syscall_denied(policy, *s))
			return false;
	return true;
}

int qfs_policy_check_api(const qfs_policy *policy, const char *name)
{
	const struct apis_entry *e;

	if (!policy || !name)
		return -EINVAL;
	e = apis_find(name);
	if (!e && !apis_is_syscall(name))
		return -ENOENT;
	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return 1;
	return e ? !entry_blocked(policy, e) : !decide_syscall_denied(policy, name);
}

int qfs_policy_check_process_creation(const qfs_policy *policy, const char *executable)
{
	unsigned effects;

	if (!policy || (executable && executable[0] != '/'))
		return -EINVAL;
	if (policy->level == QFS_LEVEL_UNRESTRICTED)
		return 1;
	effects = decide_api_effects(policy);
	if (!policy->perms[QFS_PERM_PROCESS_CREATION] || (effects & APIS_NO_PROCESS_CREATION))
		return 0;
	if (!executable)
		return 1;
	if (effects & APIS_NO_EXEC)
		return 0;
	return qfs_policy_check_path(policy, executable, false) == 1;
}
