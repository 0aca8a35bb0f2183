/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-sandbox resource control.  See cgroup.h for the choice of backends.
 *
 * Every counter the monitor reads is a descriptor opened once here and read
 * with pread(): kernfs regenerates the text on each read from offset 0, so
 * one open file serves the whole run and a sample costs one syscall per
 * counter.  cgroup v2 event files (memory.events, pids.events) also signal
 * a change to poll()/epoll as EPOLLPRI until they are read again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

enum v1_controller {
	V1_MEMORY = 0,
	V1_PIDS,
	V1_CPUACCT,
	V1_FREEZER,
	V1_COUNT,
};

static const char *const v1_names[V1_COUNT] = {"memory", "pids", "cpuacct", "freezer"};

/* Descriptors a sandbox keeps; -1 when absent. */
enum cgroup_fd {
	FD_V2_DIR = 0,
	FD_V2_PROCS,
	FD_V2_CPU_STAT,
	FD_V2_MEM_CURRENT,
	FD_V2_MEM_PEAK,
	FD_V2_MEM_EVENTS,
	FD_V2_PIDS_EVENTS,
	FD_V1_PROCS,				  /* + enum v1_controller */
	FD_V1_MEM_USAGE = FD_V1_PROCS + V1_COUNT, /* memory.usage_in_bytes */
	FD_V1_MEM_MAX_USAGE,			  /* memory.max_usage_in_bytes */
	FD_V1_OOM_EVENTFD,
	FD_V1_PIDS_EVENTS,
	FD_V1_CPUACCT_USAGE,
	FD_COUNT,
};

struct cgroup {
	const struct cgroup_config *cfg;
	struct cgroup_limits limits;
	char name[40];
	char *v2_path;
	char *v1_path[V1_COUNT];
	int fd[FD_COUNT];
	enum cgroup_backend backend[CGROUP_RESOURCE_COUNT];
	enum cgroup_backend kill;
	uint64_t oom_notifications; /* v1 eventfd total, for kernels without oom_kill */
	/* The cumulative counters as the run began (cgroup_reuse()). */
	uint64_t cpu_base_usec;
	uint64_t oom_base;
	uint64_t pids_refused_base;
	bool peak_resettable; /* the peak descriptor takes a write (cgroup_reuse()) */
	bool killed;	      /* cgroup.kill was written: not reusable, see cgroup_kill() */
	char describe[512];
};

static const struct cgroup_config default_config;

static pthread_mutex_t cgroup_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint_fast64_t cgroup_counter;
/* Directories that stayed busy at cgroup_free(); retried later. */
static char **graveyard;
static size_t graveyard_len;

/* ---- small I/O helpers ---- */

static void sleep_us(long usec)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = usec * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Whole file into a malloc'd NUL-terminated buffer (for /proc texts). */
static int read_file_alloc(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 1024) {
			char *p = realloc(buf, cap ? cap * 2 : 4096);

			if (!p)
				return -ENOMEM;
			buf = p;
			cap = cap ? cap * 2 : 4096;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int write_at(int dfd, const char *name, const char *value)
{
	_cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int write_u64_at(int dfd, const char *name, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", value);
	return write_at(dfd, name, buf);
}

static int open_at(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_CLOEXEC | O_NOCTTY);

	return fd < 0 ? -errno : fd;
}

static char *path_join(const char *a, const char *b)
{
	char *p;
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (asprintf(&p, "%.*s%s%s", (int)la, a, (la == 1 && a[0] == '/') ? "" : "/", b) < 0)
		return NULL;
	return p;
}

static void describe_add(struct cgroup *cg, const char *fmt, ...) _printf_(2, 3);

static void describe_add(struct cgroup *cg, const char *fmt, ...)
{
	size_t len = strlen(cg->describe);
	va_list ap;

	if (len + 3 >= sizeof(cg->describe))
		return;
	if (len) {
		memcpy(cg->describe + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(cg->describe + len, sizeof(cg->describe) - len, fmt, ap);
	va_end(ap);
}

/* ---- parsing ---- */

static size_t skip_space(const char *buf, size_t len, size_t i)
{
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	return i;
}

/* Parses decimal digits at buf[*i...]; 0 on success. */
static int parse_digits(const char *buf, size_t len, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && buf[*i] >= '0' && buf[*i] <= '9') {
		unsigned d = (unsigned)(buf[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cgroup_parse_u64(const char *buf, size_t len, uint64_t *ret)
{
	size_t i = skip_space(buf, len, 0);
	uint64_t v;

	if (!buf || !ret)
		return -EINVAL;
	if (len - i >= 3 && memcmp(buf + i, "max", 3) == 0) {
		v = UINT64_MAX;
		i += 3;
	} else if (parse_digits(buf, len, &i, &v) < 0) {
		return -EINVAL;
	}
	if (skip_space(buf, len, i) != len)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cgroup_parse_keyed(const char *buf, size_t len, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		size_t eol = i;

		while (eol < len && buf[eol] != '\n')
			eol++;
		if (eol - i > klen && memcmp(buf + i, key, klen) == 0 && buf[i + klen] == ' ') {
			size_t j = i + klen;
			uint64_t v;

			while (j < eol && buf[j] == ' ')
				j++;
			if (parse_digits(buf, eol, &j, &v) < 0 || j != eol)
				return -EINVAL;
			*ret = v;
			return 0;
		}
		i = eol + 1;
	}
	return -ENOENT;
}

int cgroup_parse_pids(const char *buf, size_t len, pid_t *pids, size_t max)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		uint64_t v;

		i = skip_space(buf, len, i);
		if (i >= len)
			break;
		if (parse_digits(buf, len, &i, &v) < 0 || v == 0 || v > INT_MAX)
			return -EINVAL;
		if (i < len && buf[i] != '\n')
			return -EINVAL;
		if ((size_t)n < max)
			pids[n] = (pid_t)v;
		if (n == INT_MAX)
			return -EINVAL;
		n++;
	}
	return n;
}

bool cgroup_parse_has_word(const char *buf, size_t len, const char *word)
{
	size_t wlen = strlen(word), i = 0;

	while (i < len) {
		size_t end;

		i = skip_space(buf, len, i);
		end = i;
		while (end < len && buf[end] != ' ' && buf[end] != '\n' && buf[end] != '\t')
			end++;
		if (end - i == wlen && memcmp(buf + i, word, wlen) == 0)
			return true;
		i = end;
	}
	return false;
}

/* Whether the comma-separated list [s, s+len) holds @word. */
static bool list_has(const char *s, size_t len, const char *word)
{
	size_t wlen = strlen(word), i = 0;

	while (i <= len) {
		size_t end = i;

		while (end < len && s[end] != ',')
			end++;
		if (end - i == wlen && memcmp(s + i, word, wlen) == 0)
			return true;
		i = end + 1;
	}
	return false;
}

int cgroup_parse_self(const char *buf, size_t len, const char *controller, char **ret)
{
	size_t i = 0;

	while (i < len) {
		size_t eol = i, c1, c2;

		while (eol < len && buf[eol] != '\n')
			eol++;
		for (c1 = i; c1 < eol && buf[c1] != ':'; c1++)
			;
		for (c2 = c1 + 1; c2 < eol && buf[c2] != ':'; c2++)
			;
		if (c1 < eol && c2 < eol) {
			bool match;

			if (!controller[0])
				match = c1 - i == 1 && buf[i] == '0' && c2 == c1 + 1;
			else
				match = list_has(buf + c1 + 1, c2 - c1 - 1, controller);
			if (match) {
				char *p = strndup(buf + c2 + 1, eol - c2 - 1);

				if (!p)
					return -ENOMEM;
				*ret = p;
				return 0;
			}
		}
		i = eol + 1;
	}
	return -ENOENT;
}

/* Undoes the octal escapes (\040 and friends) of /proc/self/mountinfo. */
static char *mountinfo_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int cgroup_parse_mount(const char *buf, size_t len, const char *controller, char **mountpoint,
		       char **root)
{
	size_t i = 0;

	while (i < len) {
		const char *field[12];
		size_t flen[12], nf = 0, eol = i, j = i, sep = 0;

		while (eol < len && buf[eol] != '\n')
			eol++;
		/* Split on spaces; remember where " - " is. */
		while (j < eol && nf < ARRAY_SIZE(field)) {
			size_t end = j;

			while (end < eol && buf[end] != ' ')
				end++;
			field[nf] = buf + j;
			flen[nf] = end - j;
			if (flen[nf] == 1 && buf[j] == '-' && !sep)
				sep = nf;
			nf++;
			j = end + 1;
		}
		if (sep >= 6 && nf >= sep + 4) {
			const char *fstype = field[sep + 1], *opts = field[sep + 3];
			size_t tlen = flen[sep + 1], olen = flen[sep + 3];
			bool match;

			if (!controller[0])
				match = tlen == 7 && memcmp(fstype, "cgroup2", 7) == 0;
			else
				match = tlen == 6 && memcmp(fstype, "cgroup", 6) == 0 &&
					list_has(opts, olen, controller);
			if (match) {
				char *m = mountinfo_unescape(field[4], flen[4]);
				char *r = mountinfo_unescape(field[3], flen[3]);

				if (!m || !r) {
					free(m);
					free(r);
					return -ENOMEM;
				}
				*mountpoint = m;
				*root = r;
				return 0;
			}
		}
		i = eol + 1;
	}
	return -ENOENT;
}

bool cgroup_parse_name(const char *name, pid_t *pid)
{
	size_t i = 4, len;
	uint64_t p, n;

	if (!name || strncmp(name, "qfs-", 4) != 0)
		return false;
	len = strlen(name);
	if (parse_digits(name, len, &i, &p) < 0 || p == 0 || p > INT_MAX || i >= len ||
	    name[i] != '-')
		return false;
	i++;
	if (parse_digits(name, len, &i, &n) < 0 || i != len)
		return false;
	if (pid)
		*pid = (pid_t)p;
	return true;
}

static uint32_t parse_controllers(const char *buf, size_t len)
{
	uint32_t mask = 0;

	if (cgroup_parse_has_word(buf, len, "memory"))
		mask |= CGROUP_CTRL_MEMORY;
	if (cgroup_parse_has_word(buf, len, "pids"))
		mask |= CGROUP_CTRL_PIDS;
	if (cgroup_parse_has_word(buf, len, "cpu"))
		mask |= CGROUP_CTRL_CPU;
	return mask;
}

/* ---- the v2 decision ---- */

void cgroup_v2_plan(const struct cgroup_v2_facts *f, struct cgroup_v2_plan *ret)
{
	uint32_t want, missing;

	memset(ret, 0, sizeof(*ret));
	if (!f->writable)
		return;
	/* A child without controllers still gives cgroup.kill, cpu.stat and
	 * CLONE_INTO_CGROUP; the no-internal-processes rule does not apply. */
	ret->use = true;
	want = f->needed & f->available;
	if (f->leaf != CGROUP_LEAF_ALWAYS)
		want &= ~f->v1_has;
	missing = want & ~f->enabled;
	if (!missing)
		return;
	/* cpu rides along: accounting is there without it, but it is cheap to
	 * have once we are enabling controllers anyway. */
	missing |= f->available & ~f->enabled & CGROUP_CTRL_CPU;
	if (!f->is_root && f->has_processes) {
		if (f->leaf == CGROUP_LEAF_NEVER || f->is_leaf_already)
			return;
		ret->move_to_leaf = true;
	}
	ret->enable = missing;
}

/* ---- discovery ---- */

#define LEAF_NAME "qfs-supervisor"

/* What /proc says about the caller's cgroups, read once per cgroup_new(). */
struct discovery {
	const struct cgroup_config *cfg;
	char *self, *info;
	size_t self_len, info_len;
	int read_error;
	char *v1_parent[V1_COUNT]; /* writable own v1 directories, or NULL */
};

static void discovery_done(struct discovery *d)
{
	free(d->self);
	free(d->info);
	for (int c = 0; c < V1_COUNT; c++)
		free(d->v1_parent[c]);
}

/*
 * The file system path of the caller's own cgroup in the hierarchy that has
 * @controller ("" for v2): the mount point plus the /proc/self/cgroup path
 * relative to the mount's root.
 */
static int own_path(struct discovery *d, const char *controller, char **ret, bool *is_root)
{
	_cleanup_free_ char *rel = NULL, *mnt = NULL, *root = NULL;
	const char *tail;
	size_t rlen;
	int r;

	if (!d->self && !d->read_error) {
		const struct cgroup_config *cfg = d->cfg;

		r = read_file_alloc(cfg->proc_self_cgroup ?: "/proc/self/cgroup", &d->self,
				    &d->self_len);
		if (r >= 0)
			r = read_file_alloc(cfg->proc_self_mountinfo ?: "/proc/self/mountinfo",
					    &d->info, &d->info_len);
		if (r < 0) {
			d->read_error = r;
			free(d->self);
			d->self = NULL;
		}
	}
	if (d->read_error)
		return d->read_error;
	r = cgroup_parse_self(d->self, d->self_len, controller, &rel);
	if (r < 0)
		return r;
	r = cgroup_parse_mount(d->info, d->info_len, controller, &mnt, &root);
	if (r < 0)
		return r;
	/* A mount of a subtree (inside a container) shows paths below its root. */
	rlen = strlen(root);
	if (streq(root, "/"))
		tail = rel;
	else if (strncmp(rel, root, rlen) == 0 && (rel[rlen] == '/' || rel[rlen] == '\0'))
		tail = rel + rlen;
	else
		return -ENOENT;
	*ret = path_join(mnt, tail);
	if (!*ret)
		return -ENOMEM;
	if (is_root)
		*is_root = streq(tail, "/") || !tail[0];
	return 0;
}

static bool writable_dir(const char *path)
{
	return faccessat(AT_FDCWD, path, W_OK | X_OK, AT_EACCESS) == 0;
}

/* ---- removal ---- */

static int kill_listed(int procs_fd, int rounds);

static int remove_dir(const struct cgroup_config *cfg, const char *path)
{
	if (cfg->remove)
		return cfg->remove(path, cfg->userdata);
	return rmdir(path) < 0 ? -errno : 0;
}

/*
 * Kills whatever still runs in the cgroup at @path and its children and
 * removes them, retrying EBUSY for about @wait_ms while the killed
 * processes exit.
 */
static int remove_tree(const struct cgroup_config *cfg, const char *path, int depth, int wait_ms)
{
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (depth < 16) {
		_cleanup_close_ int dup_fd = dup(dfd);
		DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
		struct dirent *de;

		if (d) {
			dup_fd = -1;
			while ((de = readdir(d))) {
				_cleanup_free_ char *sub = NULL;

				if (de->d_type != DT_DIR || streq(de->d_name, ".") ||
				    streq(de->d_name, ".."))
					continue;
				sub = path_join(path, de->d_name);
				if (sub)
					remove_tree(cfg, sub, depth + 1, wait_ms);
			}
			closedir(d);
		}
	}
	if (write_at(dfd, "cgroup.kill", "1") < 0) {
		_cleanup_close_ int procs = open_at(dfd, "cgroup.procs", O_RDONLY);

		if (procs >= 0)
			kill_listed(procs, 20);
	}
	for (int waited = 0;; waited++) {
		r = remove_dir(cfg, path);
		if (r != -EBUSY || waited >= wait_ms * 2)
			break;
		sleep_us(500);
	}
	return r == -ENOENT ? 0 : r;
}

static void graveyard_add(const char *path)
{
	char **p;

	pthread_mutex_lock(&cgroup_lock);
	p = realloc(graveyard, (graveyard_len + 1) * sizeof(*graveyard));
	if (p) {
		graveyard = p;
		graveyard[graveyard_len] = strdup(path);
		if (graveyard[graveyard_len])
			graveyard_len++;
	}
	pthread_mutex_unlock(&cgroup_lock);
}

static void graveyard_retry(const struct cgroup_config *cfg)
{
	pthread_mutex_lock(&cgroup_lock);
	for (size_t i = 0; i < graveyard_len;) {
		if (remove_tree(cfg, graveyard[i], 0, 0) == 0) {
			free(graveyard[i]);
			graveyard[i] = graveyard[--graveyard_len];
		} else {
			i++;
		}
	}
	if (!graveyard_len) {
		free(graveyard);
		graveyard = NULL;
	}
	pthread_mutex_unlock(&cgroup_lock);
}

/* Removes "qfs-<pid>-<n>" directories of dead supervisors under @parent. */
static void remove_stale(const struct cgroup_config *cfg, const char *parent, pid_t self)
{
	DIR *d = opendir(parent);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		pid_t pid;

		if (de->d_type != DT_DIR || !cgroup_parse_name(de->d_name, &pid) || pid == self)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		path = path_join(parent, de->d_name);
		if (path)
			remove_tree(cfg, path, 0, 20);
	}
	closedir(d);
}

/* ---- creation ---- */

static int make_dir(const struct cgroup_config *cfg, const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -errno;
	if (cfg->populate) {
		int r = cfg->populate(path, cfg->userdata);

		if (r < 0) {
			remove_dir(cfg, path);
			return r;
		}
	}
	return 0;
}

/* The leaf move: see cgroup.h.  Called with cgroup_lock held. */
static int move_to_leaf(const struct cgroup_config *cfg, const char *base, pid_t self)
{
	_cleanup_free_ char *leaf = path_join(base, LEAF_NAME);
	_cleanup_close_ int dfd = -1;
	char pid[16];
	int r;

	if (!leaf)
		return -ENOMEM;
	r = make_dir(cfg, leaf);
	if (r < 0 && r != -EEXIST)
		return r;
	dfd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	snprintf(pid, sizeof(pid), "%d\n", (int)self);
	return write_at(dfd, "cgroup.procs", pid);
}

/* Writes "+memory +pids +cpu" (those in @mask) into subtree_control.
 * Return: the mask that was enabled, or -errno. */
static int enable_controllers(const char *base, uint32_t mask)
{
	_cleanup_close_ int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[64];
	int r;

	if (dfd < 0)
		return -errno;
	for (;;) {
		snprintf(buf, sizeof(buf), "%s%s%s", mask & CGROUP_CTRL_MEMORY ? "+memory " : "",
			 mask & CGROUP_CTRL_PIDS ? "+pids " : "",
			 mask & CGROUP_CTRL_CPU ? "+cpu " : "");
		r = write_at(dfd, "cgroup.subtree_control", buf);
		if (r >= 0)
			return (int)mask;
		/* The cpu controller refuses real-time tasks in the subtree. */
		if (!(mask & CGROUP_CTRL_CPU) || mask == CGROUP_CTRL_CPU)
			return r;
		mask &= ~CGROUP_CTRL_CPU;
	}
}

/*
 * kernfs reports a change of an event file (EPOLLPRI) to every open file
 * that has not read it since; a fresh descriptor has read nothing, so read
 * once now and only later changes wake the loop.
 */
static void prime_events(int fd)
{
	char buf[256];

	if (fd >= 0)
		pread_text(fd, buf, sizeof(buf));
}

/* memory.max, no swap, the whole group killed on OOM; the counters. */
static void setup_v2_memory(struct cgroup *cg, int dfd)
{
	int r = 0;

	if (cg->limits.memory_bytes)
		r = write_u64_at(dfd, "memory.max", cg->limits.memory_bytes);
	if (r >= 0) {
		/* Without swap accounting the file is absent and there is
		 * nothing to bound. */
		int s = write_at(dfd, "memory.swap.max", "0\n");

		if (s < 0 && s != -ENOENT)
			r = s;
	}
	if (r >= 0)
		r = write_at(dfd, "memory.oom.group", "1\n");
	if (r >= 0) {
		cg->fd[FD_V2_MEM_CURRENT] = open_at(dfd, "memory.current", O_RDONLY);
		/* Since 6.12 a write resets the peak as read through this
		 * descriptor: the next run of the sandbox starts afresh. */
		cg->fd[FD_V2_MEM_PEAK] = open_at(dfd, "memory.peak", O_RDWR);
		cg->peak_resettable = cg->fd[FD_V2_MEM_PEAK] >= 0;
		if (cg->fd[FD_V2_MEM_PEAK] < 0)
			cg->fd[FD_V2_MEM_PEAK] = open_at(dfd, "memory.peak", O_RDONLY);
		cg->fd[FD_V2_MEM_EVENTS] = open_at(dfd, "memory.events", O_RDONLY);
		if (cg->fd[FD_V2_MEM_CURRENT] < 0)
			r = cg->fd[FD_V2_MEM_CURRENT];
		else if (cg->fd[FD_V2_MEM_EVENTS] < 0)
			r = cg->fd[FD_V2_MEM_EVENTS];
	}
	if (r < 0) {
		describe_add(cg, "cgroup2 memory: %s", strerror(-r));
		cg->fd[FD_V2_MEM_CURRENT] = close_safe(cg->fd[FD_V2_MEM_CURRENT]);
		cg->fd[FD_V2_MEM_PEAK] = close_safe(cg->fd[FD_V2_MEM_PEAK]);
		cg->fd[FD_V2_MEM_EVENTS] = close_safe(cg->fd[FD_V2_MEM_EVENTS]);
		/* Leave the controller without a limit: nothing is held. */
		write_at(dfd, "memory.max", "max\n");
	} else {
		cg->backend[QFS_RESOURCE_MEMORY] = CGROUP_BACKEND_V2;
	}
}

/* pids.max and its counters. */
static void setup_v2_pids(struct cgroup *cg, int dfd)
{
	int r = 0;

	if (cg->limits.max_processes)
		r = write_u64_at(dfd, "pids.max", cg->limits.max_processes);
	if (r >= 0) {
		cg->fd[FD_V2_PIDS_EVENTS] = open_at(dfd, "pids.events", O_RDONLY);
		if (cg->fd[FD_V2_PIDS_EVENTS] < 0)
			r = cg->fd[FD_V2_PIDS_EVENTS];
	}
	if (r < 0) {
		describe_add(cg, "cgroup2 pids: %s", strerror(-r));
		cg->fd[FD_V2_PIDS_EVENTS] = close_safe(cg->fd[FD_V2_PIDS_EVENTS]);
		write_at(dfd, "pids.max", "max\n");
	} else {
		cg->backend[QFS_RESOURCE_PROCESSES] = CGROUP_BACKEND_V2;
	}
}

static int create_v2(struct cgroup *cg, struct discovery *d, pid_t self, uint32_t v1_has)
{
	const struct cgroup_config *cfg = cg->cfg;
	_cleanup_free_ char *own = NULL, *base = NULL;
	struct cgroup_v2_facts facts = {.leaf = cfg->leaf};
	struct cgroup_v2_plan plan;
	char buf[256];
	ssize_t n;
	uint32_t enabled;
	int r, dfd;

	if (cfg->v2_parent) {
		own = strdup(cfg->v2_parent);
		if (!own)
			return -ENOMEM;
	} else {
		r = own_path(d, "", &own, &facts.is_root);
		if (r < 0) {
			describe_add(cg, "cgroup2: not mounted");
			return r;
		}
	}
	/* A supervisor that already moved to its leaf creates next to it. */
	{
		char *slash = strrchr(own, '/');

		if (slash && slash != own && streq(slash + 1, LEAF_NAME)) {
			base = strndup(own, (size_t)(slash - own));
			facts.is_leaf_already = true;
		} else {
			base = strdup(own);
		}
		if (!base)
			return -ENOMEM;
	}

	pthread_mutex_lock(&cgroup_lock);
	{
		_cleanup_close_ int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		facts.writable = bfd >= 0 && writable_dir(base) &&
				 faccessat(bfd, "cgroup.procs", W_OK, AT_EACCESS) == 0 &&
				 faccessat(bfd, "cgroup.subtree_control", W_OK, AT_EACCESS) == 0;
		if (bfd >= 0) {
			n = read_text_at(bfd, "cgroup.controllers", buf, sizeof(buf));
			facts.available = n > 0 ? parse_controllers(buf, (size_t)n) : 0;
			n = read_text_at(bfd, "cgroup.subtree_control", buf, sizeof(buf));
			facts.enabled = n > 0 ? parse_controllers(buf, (size_t)n) : 0;
			n = read_text_at(bfd, "cgroup.procs", buf, sizeof(buf));
			facts.has_processes = n > 0 && skip_space(buf, (size_t)n, 0) < (size_t)n;
		}
	}
	facts.needed = CGROUP_CTRL_MEMORY | CGROUP_CTRL_PIDS;
	facts.v1_has = v1_has;
	cgroup_v2_plan(&facts, &plan);
	if (!plan.use) {
		pthread_mutex_unlock(&cgroup_lock);
		describe_add(cg, "cgroup2: %s not writable", base);
		return -EACCES;
	}
	remove_stale(cfg, base, self);
	enabled = facts.enabled;
	if (plan.move_to_leaf) {
		r = move_to_leaf(cfg, base, self);
		if (r < 0) {
			describe_add(cg, "cgroup2: moving the supervisor to %s/" LEAF_NAME ": %s",
				     base, strerror(-r));
			plan.enable = 0;
		} else {
			describe_add(cg, "cgroup2: supervisor moved to %s/" LEAF_NAME, base);
		}
	}
	if (plan.enable) {
		r = enable_controllers(base, plan.enable);
		if (r < 0)
			describe_add(cg, "cgroup2: enabling controllers in %s: %s", base,
				     strerror(-r));
		else
			enabled |= (uint32_t)r;
	}
	pthread_mutex_unlock(&cgroup_lock);

	cg->v2_path = path_join(base, cg->name);
	if (!cg->v2_path)
		return -ENOMEM;
	r = make_dir(cfg, cg->v2_path);
	if (r < 0) {
		describe_add(cg, "cgroup2: mkdir %s: %s", cg->v2_path, strerror(-r));
		free(cg->v2_path);
		cg->v2_path = NULL;
		return r;
	}
	dfd = open(cg->v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto fail;
	}
	cg->fd[FD_V2_DIR] = dfd;
	cg->fd[FD_V2_PROCS] = open_at(dfd, "cgroup.procs", O_RDONLY);
	if (cg->fd[FD_V2_PROCS] < 0) {
		r = cg->fd[FD_V2_PROCS];
		goto fail;
	}
	cg->fd[FD_V2_CPU_STAT] = open_at(dfd, "cpu.stat", O_RDONLY);

	if (enabled & CGROUP_CTRL_MEMORY)
		setup_v2_memory(cg, dfd);
	if (enabled & CGROUP_CTRL_PIDS)
		setup_v2_pids(cg, dfd);
	if (cg->fd[FD_V2_CPU_STAT] >= 0)
		cg->backend[QFS_RESOURCE_CPU_TIME] = CGROUP_BACKEND_V2;
	prime_events(cg->fd[FD_V2_MEM_EVENTS]);
	prime_events(cg->fd[FD_V2_PIDS_EVENTS]);
	cg->kill = CGROUP_BACKEND_V2;
	describe_add(cg, "cgroup2 %s (memory %s, pids %s)", cg->v2_path,
		     cg->backend[QFS_RESOURCE_MEMORY] == CGROUP_BACKEND_V2 ? "yes" : "no",
		     cg->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_V2 ? "yes" : "no");
	return 0;

fail:
	describe_add(cg, "cgroup2 %s: %s", cg->v2_path, strerror(-r));
	for (int i = FD_V2_DIR; i <= FD_V2_PIDS_EVENTS; i++)
		cg->fd[i] = close_safe(cg->fd[i]);
	remove_dir(cfg, cg->v2_path);
	free(cg->v2_path);
	cg->v2_path = NULL;
	return r;
}

/* The caller's own v1 directory for @c when it is writable, or NULL. */
static char *v1_parent(struct discovery *d, enum v1_controller c)
{
	char *parent = NULL;

	if (d->cfg->no_v1)
		return NULL;
	if (d->cfg->v1_parent)
		parent = path_join(d->cfg->v1_parent, v1_names[c]);
	else if (own_path(d, v1_names[c], &parent, NULL) < 0)
		return NULL;
	if (parent && !writable_dir(parent)) {
		free(parent);
		parent = NULL;
	}
	return parent;
}

/*
 * Registers an eventfd for OOM notifications of the v1 memory cgroup.  The
 * registration holds what it needs: memory.oom_control is closed again and
 * opened only when an OOM is to be counted.
 */
static int v1_oom_eventfd(struct cgroup *cg, int dfd)
{
	_cleanup_close_ int ofd = open_at(dfd, "memory.oom_control", O_RDONLY);
	char buf[32];
	int efd, r;

	if (ofd < 0)
		return ofd;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%d %d", efd, ofd);
	r = write_at(dfd, "cgroup.event_control", buf);
	if (r < 0) {
		close_safe(efd);
		return r;
	}
	cg->fd[FD_V1_OOM_EVENTFD] = efd;
	return 0;
}

static int setup_v1(struct cgroup *cg, enum v1_controller c, int dfd)
{
	const struct cgroup_limits *l = &cg->limits;
	int r = 0;

	switch (c) {
	case V1_MEMORY:
		if (l->memory_bytes) {
			/* limit first: memsw may never be below it. */
			r = write_u64_at(dfd, "memory.limit_in_bytes", l->memory_bytes);
			if (r < 0)
				return r;
			r = write_u64_at(dfd, "memory.memsw.limit_in_bytes", l->memory_bytes);
			if (r == -ENOENT) {
				/* No swap accounting: keep the cgroup's anonymous
				 * memory out of swap instead. */
				write_at(dfd, "memory.swappiness", "0\n");
				r = 0;
			}
			if (r < 0)
				return r;
		}
		cg->fd[FD_V1_MEM_USAGE] = open_at(dfd, "memory.usage_in_bytes", O_RDONLY);
		/* Writing 0 resets it, for the sandbox's next run. */
		cg->fd[FD_V1_MEM_MAX_USAGE] = open_at(dfd, "memory.max_usage_in_bytes", O_RDWR);
		cg->peak_resettable = cg->fd[FD_V1_MEM_MAX_USAGE] >= 0;
		if (cg->fd[FD_V1_MEM_MAX_USAGE] < 0)
			cg->fd[FD_V1_MEM_MAX_USAGE] =
				open_at(dfd, "memory.max_usage_in_bytes", O_RDONLY);
		if (cg->fd[FD_V1_MEM_USAGE] < 0)
			return cg->fd[FD_V1_MEM_USAGE];
		r = v1_oom_eventfd(cg, dfd);
		if (r < 0)
			describe_add(cg, "cgroup1 memory: no OOM notification: %s", strerror(-r));
		return 0;
	case V1_PIDS:
		if (l->max_processes)
			r = write_u64_at(dfd, "pids.max", l->max_processes);
		if (r < 0)
			return r;
		cg->fd[FD_V1_PIDS_EVENTS] = open_at(dfd, "pids.events", O_RDONLY);
		return cg->fd[FD_V1_PIDS_EVENTS] < 0 ? cg->fd[FD_V1_PIDS_EVENTS] : 0;
	case V1_CPUACCT:
		cg->fd[FD_V1_CPUACCT_USAGE] = open_at(dfd, "cpuacct.usage", O_RDONLY);
		return cg->fd[FD_V1_CPUACCT_USAGE] < 0 ? cg->fd[FD_V1_CPUACCT_USAGE] : 0;
	case V1_FREEZER:
	case V1_COUNT:
		break;
	}
	return 0;
}

static void close_v1(struct cgroup *cg, enum v1_controller c)
{
	cg->fd[FD_V1_PROCS + c] = close_safe(cg->fd[FD_V1_PROCS + c]);
	switch (c) {
	case V1_MEMORY:
		for (int i = FD_V1_MEM_USAGE; i <= FD_V1_OOM_EVENTFD; i++)
			cg->fd[i] = close_safe(cg->fd[i]);
		break;
	case V1_PIDS:
		cg->fd[FD_V1_PIDS_EVENTS] = close_safe(cg->fd[FD_V1_PIDS_EVENTS]);
		break;
	case V1_CPUACCT:
		cg->fd[FD_V1_CPUACCT_USAGE] = close_safe(cg->fd[FD_V1_CPUACCT_USAGE]);
		break;
	case V1_FREEZER:
	case V1_COUNT:
		break;
	}
}

static int create_v1(struct cgroup *cg, enum v1_controller c, const char *parent, pid_t self)
{
	const struct cgroup_config *cfg = cg->cfg;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dfd = -1;
	int r;

	remove_stale(cfg, parent, self);
	path = path_join(parent, cg->name);
	if (!path)
		return -ENOMEM;
	r = make_dir(cfg, path);
	if (r < 0) {
		describe_add(cg, "cgroup1 %s: mkdir %s: %s", v1_names[c], path, strerror(-r));
		return r;
	}
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : 0;
	if (r >= 0) {
		cg->fd[FD_V1_PROCS + c] = open_at(dfd, "cgroup.procs", O_RDWR);
		r = cg->fd[FD_V1_PROCS + c] < 0 ? cg->fd[FD_V1_PROCS + c] : 0;
	}
	if (r >= 0)
		r = setup_v1(cg, c, dfd);
	if (r < 0) {
		describe_add(cg, "cgroup1 %s %s: %s", v1_names[c], path, strerror(-r));
		close_v1(cg, c);
		remove_dir(cfg, path);
		return r;
	}
	cg->v1_path[c] = TAKE_PTR(path);
	return 0;
}

void cgroup_limits_from_policy(const qfs_policy *policy, bool private_user_ns,
			       struct cgroup_limits *ret)
{
	int64_t mb = qfs_policy_get_limit(policy, QFS_LIMIT_MEMORY_MB);
	int64_t cpu = qfs_policy_get_limit(policy, QFS_LIMIT_CPU_TIME_MS);
	int64_t procs = qfs_policy_get_limit(policy, QFS_LIMIT_MAX_PROCESSES);
	int64_t fds = qfs_policy_get_limit(policy, QFS_LIMIT_FILE_HANDLES);
	int64_t disk = qfs_policy_get_limit(policy, QFS_LIMIT_DISK_SPACE_MB);

	memset(ret, 0, sizeof(*ret));
	ret->memory_bytes = mb > 0 ? (uint64_t)mb << 20 : 0;
	ret->cpu_time_ms = cpu > 0 ? (uint64_t)cpu : 0;
	ret->max_processes = procs > 0 ? (uint64_t)procs : 0;
	ret->max_file_handles = fds > 0 ? (uint64_t)fds : 0;
	ret->disk_bytes = disk > 0 ? (uint64_t)disk << 20 : 0;
	ret->private_user_ns = private_user_ns;
}

int cgroup_new(const struct cgroup_config *cfg, const struct cgroup_limits *limits,
	       struct cgroup **ret, qfs_error *err)
{
	static const struct {
		enum v1_controller c;
		qfs_resource res;
	} v1_order[] = {
		{V1_MEMORY, QFS_RESOURCE_MEMORY},
		{V1_PIDS, QFS_RESOURCE_PROCESSES},
		{V1_CPUACCT, QFS_RESOURCE_CPU_TIME},
	};
	struct discovery d = {0};
	struct cgroup *cg;
	uint32_t v1_has = 0;
	pid_t self;
	int r;

	if (!limits || !ret)
		return -EINVAL;
	cfg = cfg ?: &default_config;
	d.cfg = cfg;
	self = cfg->self ?: getpid();
	graveyard_retry(cfg);

	cg = calloc(1, sizeof(*cg));
	if (!cg) {
		r = -ENOMEM;
		goto fail;
	}
	cg->cfg = cfg;
	cg->limits = *limits;
	for (int i = 0; i < FD_COUNT; i++)
		cg->fd[i] = -1;
	snprintf(cg->name, sizeof(cg->name), "qfs-%d-%" PRIuFAST64, (int)self,
		 (uint_fast64_t)atomic_fetch_add(&cgroup_counter, 1) + 1);

	for (int c = 0; c < V1_COUNT; c++)
		d.v1_parent[c] = v1_parent(&d, (enum v1_controller)c);
	if (d.v1_parent[V1_MEMORY])
		v1_has |= CGROUP_CTRL_MEMORY;
	if (d.v1_parent[V1_PIDS])
		v1_has |= CGROUP_CTRL_PIDS;
	if (!cfg->no_v2) {
		r = create_v2(cg, &d, self, v1_has);
		if (r == -ENOMEM)
			goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_order); i++) {
		enum v1_controller c = v1_order[i].c;

		if (cg->backend[v1_order[i].res] == CGROUP_BACKEND_V2 || !d.v1_parent[c])
			continue;
		r = create_v1(cg, c, d.v1_parent[c], self);
		if (r == -ENOMEM)
			goto fail;
		if (r >= 0) {
			cg->backend[v1_order[i].res] = CGROUP_BACKEND_V1;
			describe_add(cg, "cgroup1 %s %s", v1_names[c], cg->v1_path[c]);
		}
	}
	if (cg->kill != CGROUP_BACKEND_V2) {
		bool any = false;

		for (int c = 0; c < V1_COUNT; c++)
			any |= cg->v1_path[c] != NULL;
		/* The freezer makes the kill race-free against forking. */
		if (any && d.v1_parent[V1_FREEZER] &&
		    create_v1(cg, V1_FREEZER, d.v1_parent[V1_FREEZER], self) == 0)
			describe_add(cg, "cgroup1 freezer %s", cg->v1_path[V1_FREEZER]);
		if (any)
			cg->kill = CGROUP_BACKEND_V1;
	}

	if (cg->backend[QFS_RESOURCE_MEMORY] == CGROUP_BACKEND_NONE && limits->memory_bytes)
		cg->backend[QFS_RESOURCE_MEMORY] = CGROUP_BACKEND_RLIMIT;
	if (cg->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_NONE && limits->max_processes &&
	    limits->private_user_ns)
		cg->backend[QFS_RESOURCE_PROCESSES] = CGROUP_BACKEND_RLIMIT;
	if (cg->backend[QFS_RESOURCE_CPU_TIME] == CGROUP_BACKEND_NONE && limits->cpu_time_ms)
		cg->backend[QFS_RESOURCE_CPU_TIME] = CGROUP_BACKEND_RLIMIT;
	if (limits->max_file_handles)
		cg->backend[QFS_RESOURCE_FILE_HANDLES] = CGROUP_BACKEND_RLIMIT;
	if (limits->disk_bytes)
		cg->backend[QFS_RESOURCE_DISK_SPACE] = CGROUP_BACKEND_RLIMIT;
	if (cg->kill == CGROUP_BACKEND_NONE)
		describe_add(cg, "no cgroup: rlimits only");
	discovery_done(&d);
	*ret = cg;
	return 0;

fail:
	discovery_done(&d);
	cgroup_free(cg);
	return error_set(err, "cgroup", -r, "creating the sandbox's cgroups: %s", strerror(-r));
}

/* ---- killing and removal ---- */

bool cgroup_pid_exited(pid_t pid)
{
	char path[32], buf[512];
	_cleanup_close_ int fd = -1;
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = pread_text(fd, buf, sizeof(buf));
	if (n <= 0)
		return true;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * Sends SIGKILL to the pids listed in @procs_fd until none of them lives, at
 * most @rounds times.  v1 lists zombies until their parent reaps them; they
 * are dead and do not count.  Return: 0 when none lives, -EBUSY otherwise.
 */
static int kill_listed(int procs_fd, int rounds)
{
	for (int round = 0; round < rounds; round++) {
		char buf[4096];
		size_t carry = 0;
		int alive = 0;

		if (lseek(procs_fd, 0, SEEK_SET) < 0)
			return -errno;
		for (;;) {
			ssize_t n = read(procs_fd, buf + carry, sizeof(buf) - carry);
			size_t len, start = 0;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			len = carry + (size_t)n;
			for (size_t i = 0; i < len; i++) {
				pid_t pid;

				if (buf[i] != '\n')
					continue;
				buf[i] = '\0';
				pid = (pid_t)atoi(buf + start);
				start = i + 1;
				if (pid <= 0)
					continue;
				kill(pid, SIGKILL);
				if (!cgroup_pid_exited(pid))
					alive++;
			}
			carry = len - start;
			memmove(buf, buf + start, carry);
			if (n == 0 || carry == sizeof(buf))
				break;
		}
		if (!alive)
			return 0;
		sleep_us(round < 4 ? 100 : 1000);
	}
	return -EBUSY;
}

static int membership_fd(const struct cgroup *cg)
{
	if (cg->fd[FD_V2_PROCS] >= 0)
		return cg->fd[FD_V2_PROCS];
	for (int c = 0; c < V1_COUNT; c++)
		if (cg->fd[FD_V1_PROCS + c] >= 0)
			return cg->fd[FD_V1_PROCS + c];
	return -1;
}

/* Freezes (@on) or thaws the v1 freezer cgroup; waits for FROZEN briefly. */
static int v1_freeze(struct cgroup *cg, bool on)
{
	_cleanup_close_ int dfd = -1;
	char buf[32];
	int r;

	if (!cg->v1_path[V1_FREEZER])
		return -ENODATA;
	dfd = open(cg->v1_path[V1_FREEZER], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = write_at(dfd, "freezer.state", on ? "FROZEN\n" : "THAWED\n");
	if (r < 0 || !on)
		return r;
	/* FREEZING until every task has stopped; a task in uninterruptible
	 * sleep can hold it there, so bound the wait and kill anyway. */
	for (int i = 0; i < 100; i++) {
		ssize_t n = read_text_at(dfd, "freezer.state", buf, sizeof(buf));

		if (n > 0 && strncmp(buf, "FROZEN", 6) == 0)
			return 0;
		sleep_us(500);
	}
	return -ETIMEDOUT;
}

int cgroup_kill(struct cgroup *cg)
{
	int procs;

	if (!cg)
		return -EINVAL;
	procs = membership_fd(cg);
	if (procs < 0)
		return -ENODATA;
	/* Nobody left (the usual end of a run): no process can join an empty
	 * cgroup but the one we place there. */
	if (cgroup_procs(cg, NULL, 0) == 0)
		return 0;
	if (cg->v2_path) {
		_cleanup_close_ int dfd = open(cg->v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		bool frozen;

		if (dfd < 0)
			return -errno;
		/* cgroup.kill (5.14) kills atomically, forks included.  It
		 * also leaves the cgroup unfit for a next run: on Linux 6.18
		 * (seen here) a child that clone3() places with
		 * CLONE_INTO_CGROUP into a cgroup killed before this way is
		 * killed at birth. */
		cg->killed = true;
		if (write_at(dfd, "cgroup.kill", "1\n") == 0)
			return 0;
		frozen = write_at(dfd, "cgroup.freeze", "1\n") == 0;
		kill_listed(procs, frozen ? 1 : 50);
		if (frozen)
			write_at(dfd, "cgroup.freeze", "0\n");
		return kill_listed(procs, 50);
	}
	/* v1 has no cgroup.kill.  Frozen tasks cannot fork; SIGKILL stays
	 * pending while they are frozen and ends them as they thaw. */
	if (v1_freeze(cg, true) == 0) {
		kill_listed(procs, 1);
		v1_freeze(cg, false);
	} else if (cg->v1_path[V1_FREEZER]) {
		v1_freeze(cg, false);
	}
	return kill_listed(procs, 50);
}

struct cgroup *cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return NULL;
	if (membership_fd(cg) >= 0)
		cgroup_kill(cg);
	for (int i = 0; i < FD_COUNT; i++)
		cg->fd[i] = close_safe(cg->fd[i]);
	if (cg->v2_path && remove_tree(cg->cfg, cg->v2_path, 0, 20) < 0)
		graveyard_add(cg->v2_path);
	for (int c = 0; c < V1_COUNT; c++) {
		if (cg->v1_path[c] && remove_tree(cg->cfg, cg->v1_path[c], 0, 20) < 0)
			graveyard_add(cg->v1_path[c]);
		free(cg->v1_path[c]);
	}
	graveyard_retry(cg->cfg);
	free(cg->v2_path);
	free(cg);
	return NULL;
}

/* ---- queries ---- */

const char *cgroup_backend_string(enum cgroup_backend backend)
{
	switch (backend) {
	case CGROUP_BACKEND_NONE:
		return "none";
	case CGROUP_BACKEND_RLIMIT:
		return "rlimit";
	case CGROUP_BACKEND_V1:
		return "cgroup1";
	case CGROUP_BACKEND_V2:
		return "cgroup2";
	}
	return "none";
}

enum cgroup_backend cgroup_backend(const struct cgroup *cg, qfs_resource resource)
{
	if (!cg || (int)resource < 0 || resource >= CGROUP_RESOURCE_COUNT)
		return CGROUP_BACKEND_NONE;
	return cg->backend[resource];
}

const char *cgroup_backend_name(const struct cgroup *cg, qfs_resource resource)
{
	return cgroup_backend_string(cgroup_backend(cg, resource));
}

enum cgroup_backend cgroup_kill_backend(const struct cgroup *cg)
{
	return cg ? cg->kill : CGROUP_BACKEND_NONE;
}

const char *cgroup_describe(const struct cgroup *cg)
{
	return cg ? cg->describe : "";
}

const char *cgroup_name(const struct cgroup *cg)
{
	if (!cg || (!cg->v2_path && cg->kill == CGROUP_BACKEND_NONE))
		return NULL;
	return cg->name;
}

const char *cgroup_v2_path(const struct cgroup *cg)
{
	return cg ? cg->v2_path : NULL;
}

const char *cgroup_v1_path(const struct cgroup *cg, const char *controller)
{
	if (!cg || !controller)
		return NULL;
	for (int c = 0; c < V1_COUNT; c++)
		if (streq(controller, v1_names[c]))
			return cg->v1_path[c];
	return NULL;
}

int cgroup_clone_fd(const struct cgroup *cg)
{
	return cg ? cg->fd[FD_V2_DIR] : -1;
}

size_t cgroup_attach_fds(const struct cgroup *cg, int *fds, size_t max)
{
	size_t n = 0;

	if (!cg)
		return 0;
	for (int c = 0; c < V1_COUNT; c++) {
		if (cg->fd[FD_V1_PROCS + c] < 0)
			continue;
		if (n < max)
			fds[n] = cg->fd[FD_V1_PROCS + c];
		n++;
	}
	return n;
}

/*
 * The memory backstop without a memory controller.  RLIMIT_DATA rather
 * than RLIMIT_AS: it counts writable private mappings, so the address space
 * runtimes reserve with PROT_NONE (V8's cage and code range, glibc's malloc
 * arenas) is free; under RLIMIT_AS at the memory limit node cannot start.
 * It still counts thread stacks when they are mapped, not when used, so
 * each task the sandbox may have gets room for a default 8 MiB stack on top
 * of the limit.  The limit itself is then held by sampling (resources.c).
 */
static rlim_t rlimit_data(const struct cgroup_limits *l)
{
	uint64_t tasks = l->max_processes ? l->max_processes : 1;
	uint64_t stacks = tasks > (UINT64_MAX >> 24) ? UINT64_MAX : tasks << 23;

	return l->memory_bytes > UINT64_MAX - stacks ? RLIM_INFINITY
						     : (rlim_t)(l->memory_bytes + stacks);
}

size_t cgroup_rlimits(const struct cgroup *cg, struct cgroup_rlimit *ret, size_t max)
{
	struct cgroup_rlimit list[CGROUP_RLIMIT_MAX];
	const struct cgroup_limits *l;
	size_t n = 0;

	if (!cg)
		return 0;
	l = &cg->limits;
#define ADD(res, soft, hard)                                                                       \
	list[n++] = (struct cgroup_rlimit)                                                         \
	{                                                                                          \
		.resource = (res), .limit = {.rlim_cur = (soft), .rlim_max = (hard) }              \
	}
	if (l->max_file_handles)
		ADD(RLIMIT_NOFILE, l->max_file_handles, l->max_file_handles);
	if (l->disk_bytes)
		ADD(RLIMIT_FSIZE, l->disk_bytes, l->disk_bytes);
	if (l->cpu_time_ms) {
		/* A backstop per process, a second past the budget: the
		 * supervisor's timer ends the sandbox at the budget itself.
		 * SIGXCPU at the soft limit, SIGKILL a second later. */
		rlim_t s = (rlim_t)((l->cpu_time_ms + 999) / 1000) + 1;

		ADD(RLIMIT_CPU, s, s + 1);
	}
	/* A core dump would write the plugin's memory outside any limit. */
	ADD(RLIMIT_CORE, 0, 0);
	if (cg->backend[QFS_RESOURCE_MEMORY] == CGROUP_BACKEND_RLIMIT)
		ADD(RLIMIT_DATA, rlimit_data(l), rlimit_data(l));
	if (cg->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_RLIMIT)
		ADD(RLIMIT_NPROC, l->max_processes, l->max_processes);
#undef ADD
	for (size_t i = 0; i < n && i < max; i++)
		ret[i] = list[i];
	return n;
}

int cgroup_event_fd(const struct cgroup *cg, uint32_t *events)
{
	if (!cg)
		return -1;
	if (cg->fd[FD_V2_MEM_EVENTS] >= 0) {
		if (events)
			*events = EPOLLPRI;
		return cg->fd[FD_V2_MEM_EVENTS];
	}
	if (cg->fd[FD_V1_OOM_EVENTFD] >= 0) {
		if (events)
			*events = EPOLLIN;
		return cg->fd[FD_V1_OOM_EVENTFD];
	}
	return -1;
}

int cgroup_pids_event_fd(const struct cgroup *cg)
{
	if (!cg)
		return -1;
	/* v1 counts refused forks in pids.events but never signals a change
	 * (measured on 6.18): the loop reads cgroup_pids_refused() per sample. */
	return cg->fd[FD_V2_PIDS_EVENTS];
}

static int64_t read_keyed(int fd, const char *key)
{
	char buf[1024];
	ssize_t n = pread_text(fd, buf, sizeof(buf));
	uint64_t v;
	int r;

	if (n < 0)
		return n;
	r = cgroup_parse_keyed(buf, (size_t)n, key, &v);
	if (r < 0)
		return r;
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t oom_kills_total(struct cgroup *cg)
{
	int64_t r;

	if (cg->fd[FD_V2_MEM_EVENTS] >= 0)
		return read_keyed(cg->fd[FD_V2_MEM_EVENTS], "oom_kill");
	if (cg->fd[FD_V1_OOM_EVENTFD] >= 0) {
		uint64_t v;

		if (read(cg->fd[FD_V1_OOM_EVENTFD], &v, sizeof(v)) == sizeof(v))
			cg->oom_notifications += v;
	}
	if (cg->v1_path[V1_MEMORY]) {
		_cleanup_free_ char *path = path_join(cg->v1_path[V1_MEMORY], "memory.oom_control");
		_cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

		r = fd >= 0 ? read_keyed(fd, "oom_kill") : -ENOENT;
		/* Kernels before 4.13 have no oom_kill field: count notifications. */
		return r == -ENOENT ? (int64_t)cg->oom_notifications : r;
	}
	return 0;
}

static int64_t pids_refused_total(struct cgroup *cg)
{
	int fd = cg->fd[FD_V2_PIDS_EVENTS] >= 0 ? cg->fd[FD_V2_PIDS_EVENTS]
						: cg->fd[FD_V1_PIDS_EVENTS];

	return fd >= 0 ? read_keyed(fd, "max") : 0;
}

/* A cumulative counter since the run began. */
static int64_t since(int64_t total, uint64_t base)
{
	if (total < 0)
		return total;
	return (uint64_t)total > base ? total - (int64_t)base : 0;
}

int64_t cgroup_oom_kills(struct cgroup *cg)
{
	if (!cg)
		return -EINVAL;
	return since(oom_kills_total(cg), cg->oom_base);
}

int64_t cgroup_pids_refused(struct cgroup *cg)
{
	if (!cg)
		return -EINVAL;
	return since(pids_refused_total(cg), cg->pids_refused_base);
}

static bool read_u64(int fd, uint64_t *ret)
{
	char buf[64];
	ssize_t n = pread_text(fd, buf, sizeof(buf));

	return n > 0 && cgroup_parse_u64(buf, (size_t)n, ret) == 0;
}

static int64_t cpu_usec_total(struct cgroup *cg)
{
	uint64_t v;

	if (cg->fd[FD_V2_CPU_STAT] >= 0)
		return read_keyed(cg->fd[FD_V2_CPU_STAT], "usage_usec");
	if (cg->fd[FD_V1_CPUACCT_USAGE] >= 0)
		return read_u64(cg->fd[FD_V1_CPUACCT_USAGE], &v) ? (int64_t)(v / 1000) : -EIO;
	return -ENODATA;
}

int64_t cgroup_cpu_usec(struct cgroup *cg)
{
	if (!cg)
		return -EINVAL;
	return since(cpu_usec_total(cg), cg->cpu_base_usec);
}

static bool same_limits(const struct cgroup_limits *a, const struct cgroup_limits *b)
{
	return a->memory_bytes == b->memory_bytes && a->cpu_time_ms == b->cpu_time_ms &&
	       a->max_processes == b->max_processes && a->max_file_handles == b->max_file_handles &&
	       a->disk_bytes == b->disk_bytes && a->private_user_ns == b->private_user_ns;
}

/* A baseline: the counter now, or 0 where it cannot be read (then it
 * counts from its creation, which is never less than the run's). */
static uint64_t baseline(int64_t total)
{
	return total > 0 ? (uint64_t)total : 0;
}

int cgroup_reuse(struct cgroup *cg, const struct cgroup_limits *limits)
{
	int fd, peak;
	char buf[64];
	ssize_t n;

	if (!cg || !limits)
		return -EINVAL;
	if (!same_limits(&cg->limits, limits) || cg->killed)
		return -ESTALE;
	fd = membership_fd(cg);
	if (fd >= 0) {
		n = pread_text(fd, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		if (skip_space(buf, (size_t)n, 0) < (size_t)n)
			return -EBUSY;
	}
	/* The peak: what the last run reached is no measure of this one. */
	peak = cg->fd[FD_V2_MEM_PEAK] >= 0 ? cg->fd[FD_V2_MEM_PEAK] : cg->fd[FD_V1_MEM_MAX_USAGE];
	if (peak >= 0 && (!cg->peak_resettable || pwrite(peak, "0\n", 2, 0) != 2))
		return -ESTALE;
	cg->cpu_base_usec = baseline(cpu_usec_total(cg));
	if (cg->fd[FD_V1_OOM_EVENTFD] >= 0) {
		uint64_t v;

		/* Drained: a notification of the last run must not wake this
		 * one; the count without oom_kill starts again. */
		while (read(cg->fd[FD_V1_OOM_EVENTFD], &v, sizeof(v)) == sizeof(v))
			;
		cg->oom_notifications = 0;
	}
	cg->oom_base = baseline(oom_kills_total(cg));
	cg->pids_refused_base = baseline(pids_refused_total(cg));
	prime_events(cg->fd[FD_V2_MEM_EVENTS]);
	prime_events(cg->fd[FD_V2_PIDS_EVENTS]);
	return 0;
}

int cgroup_stat(struct cgroup *cg, unsigned what, struct cgroup_stat *ret)
{
	int64_t cpu;

	if (!cg || !ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (what & CGROUP_STAT_CPU) {
		cpu = cgroup_cpu_usec(cg);
		if (cpu >= 0) {
			ret->cpu_usec = (uint64_t)cpu;
			ret->cpu_valid = true;
		}
	}
	if (what & CGROUP_STAT_MEMORY) {
		int cur = cg->fd[FD_V2_MEM_CURRENT], peak = cg->fd[FD_V2_MEM_PEAK];

		if (cur < 0) {
			cur = cg->fd[FD_V1_MEM_USAGE];
			peak = cg->fd[FD_V1_MEM_MAX_USAGE];
		}
		if (cur >= 0) {
			ret->memory_valid = read_u64(cur, &ret->memory_bytes);
			ret->memory_peak_valid = read_u64(peak, &ret->memory_peak_bytes);
		}
	}
	if (what & CGROUP_STAT_TASKS) {
		/* Not needed per sample: opened when asked, one descriptor less. */
		const char *dir = cg->backend[QFS_RESOURCE_PROCESSES] == CGROUP_BACKEND_V2
					  ? cg->v2_path
					  : cg->v1_path[V1_PIDS];
		_cleanup_free_ char *path = dir ? path_join(dir, "pids.current") : NULL;
		_cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

		if (fd >= 0)
			ret->tasks_valid = read_u64(fd, &ret->tasks);
	}
	return 0;
}

int cgroup_procs(struct cgroup *cg, pid_t *pids, size_t max)
{
	char buf[4096];
	size_t carry = 0;
	int fd, count = 0;

	if (!cg)
		return -EINVAL;
	fd = membership_fd(cg);
	if (fd < 0)
		return -ENODATA;
	/* One pread does for the usual few pids: seq_file fills the buffer
	 * until the list ends or the buffer is full, so a read that left
	 * room for more records read everything. */
	{
		ssize_t n = pread(fd, buf, sizeof(buf), 0);

		if (n >= 0 && (size_t)n + 64 < sizeof(buf))
			return cgroup_parse_pids(buf, (size_t)n, pids, pids ? max : 0);
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + carry, sizeof(buf) - carry);
		size_t len, end;
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len = carry + (size_t)n;
		/* Parse whole lines; keep a partial last line for the next read. */
		end = len;
		if (n != 0)
			while (end > 0 && buf[end - 1] != '\n')
				end--;
		if (pids && (size_t)count < max)
			r = cgroup_parse_pids(buf, end, pids + count, max - (size_t)count);
		else
			r = cgroup_parse_pids(buf, end, NULL, 0);
		if (r < 0)
			return r;
		count += r;
		carry = len - end;
		memmove(buf, buf + end, carry);
		if (n == 0)
			break;
		if (carry == sizeof(buf))
			return -EIO;
	}
	return count;
}
