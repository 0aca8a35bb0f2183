/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the private root.
 *
 * The child runs, in its new user and mount namespaces:
 *
 *  1. MS_PRIVATE on every mount, recursively, so that nothing we mount or
 *     unmount propagates back to the host (and nothing of the host's comes
 *     in).
 *  2. A tmpfs at the staging point (/tmp: it exists everywhere and what we
 *     hide there is only hidden in our own namespace), then pivot_root into
 *     it with the host's root moved below it, at ROOTFS_OLD_ROOT.  Binding
 *     from the old root rather than into a tree below the host's root means
 *     that no source is ever shadowed by our own mounts (an allowed
 *     directory under /tmp stays reachable although a tmpfs now covers the
 *     staging point).
 *  3. The mounts, in path order so that a parent is mounted before what is
 *     mounted inside it.  Each bind is followed by mount_setattr(), which
 *     changes only the attributes named: a remount with MS_REMOUNT would
 *     have to restate the flags the kernel locked when the mount came from a
 *     more privileged namespace, and fails with EPERM if it does not.
 *     The fresh /proc is mounted while the host's /proc is still in the
 *     namespace: the kernel lets a user namespace mount proc only when a
 *     fully visible proc is already there.
 *  4. The host's root is detached (MNT_DETACH: it may be busy) and its
 *     mount point removed; the new root becomes read-only.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <qfsandbox/enforcer.h>

#include "decide.h"
#include "rootfs.h"
#include "util.h"

#define STAGE "/tmp"

/* Mount attributes of the runtime paths and the exposed files. */
#define ATTR_RO (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

static const char *const proc_read_only[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
					     "/proc/bus"};
static const struct {
	const char *path, *target;
} dev_links[] = {
	{"/dev/fd", "/proc/self/fd"},
	{"/dev/stdin", "/proc/self/fd/0"},
	{"/dev/stdout", "/proc/self/fd/1"},
	{"/dev/stderr", "/proc/self/fd/2"},
	{"/dev/shm", "/tmp"},
};

struct entry {
	struct rootfs_op op;
	size_t order;
};

struct builder {
	struct rootfs_plan *plan;
	struct entry *entries;
	size_t n, cap;
	int error;
};

static const char *keep(struct builder *b, char *s)
{
	struct rootfs_plan *p = b->plan;

	if (!s) {
		b->error = -ENOMEM;
		return NULL;
	}
	if (p->n_strings == p->cap_strings) {
		size_t cap = p->cap_strings ? p->cap_strings * 2 : 32;
		char **v = realloc(p->strings, cap * sizeof(*v));
		if (!v) {
			free(s);
			b->error = -ENOMEM;
			return NULL;
		}
		p->strings = v;
		p->cap_strings = cap;
	}
	p->strings[p->n_strings++] = s;
	return s;
}

static const char *keep_printf(struct builder *b, const char *fmt, ...) _printf_(2, 3);
static const char *keep_printf(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return keep(b, s);
}

static const char *old_root(struct builder *b, const char *host_path)
{
	return keep_printf(b, "%s%s", ROOTFS_OLD_ROOT, host_path);
}

static void add_entry(struct builder *b, const struct rootfs_op *op)
{
	if (b->error)
		return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct entry *v = realloc(b->entries, cap * sizeof(*v));
		if (!v) {
			b->error = -ENOMEM;
			return;
		}
		b->entries = v;
		b->cap = cap;
	}
	b->entries[b->n] = (struct entry){.op = *op, .order = b->n};
	b->n++;
}

static int add_op(struct rootfs_plan *p, const struct rootfs_op *op)
{
	if (p->n_ops == p->cap_ops) {
		size_t cap = p->cap_ops ? p->cap_ops * 2 : 64;
		struct rootfs_op *v = realloc(p->ops, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->ops = v;
		p->cap_ops = cap;
	}
	p->ops[p->n_ops++] = *op;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->op.dst, y->op.dst);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool under_any(const char *path, const char *const *dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (qfs_path_is_within(path, dirs[i]) == 1)
			return true;
	return false;
}

/* A runtime path: a directory or file bound read-only, or a symlink that is
 * recreated when it points into another runtime path (merged /usr: /bin ->
 * usr/bin) and otherwise replaced by what it points to. */
static void add_runtime(struct builder *b, const struct rootfs_spec *spec, const char *path)
{
	struct stat st;
	char target[PATH_MAX];

	if (lstat(path, &st) < 0)
		return; /* not on this host */
	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *resolved = realpath(path, NULL);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (!resolved || len <= 0)
			return; /* dangling: nothing to show */
		target[len] = '\0';
		bool inside = false;
		for (size_t i = 0; i < spec->n_runtime; i++)
			if (!streq(spec->runtime_paths[i], path) &&
			    qfs_path_is_within(resolved, spec->runtime_paths[i]) == 1)
				inside = true;
		if (inside) {
			add_entry(b, &(struct rootfs_op){.kind = ROOTFS_SYMLINK,
							 .src = keep(b, strdup(target)),
							 .dst = path});
			return;
		}
		if (stat(resolved, &st) < 0)
			return;
		add_entry(b, &(struct rootfs_op){.kind = ROOTFS_BIND,
						 .src = old_root(b, resolved),
						 .dst = path,
						 .attr = ATTR_RO,
						 .is_dir = S_ISDIR(st.st_mode),
						 .recursive = S_ISDIR(st.st_mode)});
		return;
	}
	add_entry(b, &(struct rootfs_op){.kind = ROOTFS_BIND,
					 .src = old_root(b, path),
					 .dst = path,
					 .attr = ATTR_RO,
					 .is_dir = S_ISDIR(st.st_mode),
					 .recursive = S_ISDIR(st.st_mode)});
}

/* What depends on the run, not only on the plan: the fresh /tmp and /proc
 * (and /proc's knobs) and what the supervisor verifies per run (the plugin,
 * the allowed directories).  The rest is the template's. */
static bool per_run(const struct rootfs_op *op)
{
	return op->verify || op->kind == ROOTFS_PROC || op->kind == ROOTFS_REBIND_RO ||
	       (op->kind == ROOTFS_TMPFS && streq(op->dst, "/tmp"));
}

/* Whether path @a is @b or below it. */
static bool at_or_below(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/' || streq(b, "/"));
}

/* The template's ops may run before every per-run op only if no per-run
 * mount covers a static path: the order would change what is visible. */
static bool can_split(const struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!per_run(&e[i].op))
			continue;
		for (size_t j = 0; j < n; j++)
			if (!per_run(&e[j].op) && at_or_below(e[j].op.dst, e[i].op.dst))
				return false;
	}
	return true;
}

int rootfs_plan_new(const struct rootfs_spec *spec, struct rootfs_plan **ret, qfs_error *err)
{
	struct builder b = {0};
	int r;

	b.plan = calloc(1, sizeof(*b.plan));
	if (!b.plan)
		return -ENOMEM;

	for (size_t i = 0; i < spec->n_runtime; i++) {
		bool written = false;
		for (size_t j = 0; j < spec->n_written; j++)
			if (streq(spec->written[j].path, spec->runtime_paths[i]))
				written = true;
		if (!written)
			add_runtime(&b, spec, spec->runtime_paths[i]);
	}
	for (size_t i = 0; i < spec->n_written; i++) {
		const struct rootfs_file *f = &spec->written[i];
		size_t size = f->size ? f->size : strlen(f->content);
		char *data = malloc(size + 1);
		if (data) {
			memcpy(data, f->content, size);
			data[size] = '\0';
		}
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_WRITE,
						  .dst = keep(&b, strdup(f->path)),
						  .data = keep(&b, data),
						  .size = size,
						  .mode = f->mode ? f->mode : 0644});
	}

	/* Inodes are capped with the bytes: empty files, directories and
	 * symlinks cost no data pages, so a size alone would let a plugin
	 * fill kernel memory with millions of them (charged to no one where
	 * there is no memory cgroup).  One inode per 4 KiB page the size
	 * allows is as many files as could hold data. */
	uint64_t noexec = spec->noexec_writable ? MOUNT_ATTR_NOEXEC : 0;
	add_entry(&b, &(struct rootfs_op){
			      .kind = ROOTFS_TMPFS,
			      .dst = "/tmp",
			      .data = keep_printf(&b, "mode=1777,size=%llum,nr_inodes=%llu",
						  (unsigned long long)spec->tmp_size_mb,
						  (unsigned long long)spec->tmp_size_mb * 256),
			      .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | noexec,
			      .is_dir = true});

	add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_PROC, .dst = "/proc", .is_dir = true});
	for (size_t i = 0; i < ARRAY_SIZE(proc_read_only); i++)
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_REBIND_RO,
						  .src = proc_read_only[i],
						  .dst = proc_read_only[i],
						  .attr = ATTR_RO | MOUNT_ATTR_NOEXEC,
						  .recursive = true,
						  .optional = true});

	/* Device nodes keep working on a read-only, noexec mount; only
	 * nodev would stop them.  Their binds get their attributes with
	 * /dev's, in one recursive call once /dev is complete: nothing runs
	 * in this namespace before that. */
	add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_TMPFS,
					  .dst = "/dev",
					  .data = "mode=0755,size=64k,nr_inodes=64",
					  .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
					  .is_dir = true});
	for (size_t i = 0; i < decide_device_path_count(); i++)
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_BIND,
						  .src = old_root(&b, decide_device_path(i)),
						  .dst = decide_device_path(i)});
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_SYMLINK,
						  .src = dev_links[i].target,
						  .dst = dev_links[i].path});

	for (size_t i = 0; i < spec->n_dirs && !b.error; i++) {
		const struct rootfs_dir *d = &spec->dirs[i];
		char norm[PATH_MAX];
		struct stat st;
		if (qfs_path_normalize(d->path, norm, sizeof(norm)) < 0 || streq(norm, "/")) {
			r = error_set(err, "permissions.allowed_directories", EINVAL,
				      "%s cannot be exposed inside a private root", d->path);
			goto fail;
		}
		_cleanup_free_ char *src = realpath(d->path, NULL);
		if (!src || stat(src, &st) < 0) {
			r = error_set(err, "permissions.allowed_directories", errno,
				      "allowed directory %s cannot be resolved", d->path);
			goto fail;
		}
		uint64_t attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		attr |= d->writable ? noexec : MOUNT_ATTR_RDONLY;
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_BIND,
						  .src = old_root(&b, src),
						  .dst = keep(&b, strdup(norm)),
						  .attr = attr,
						  .is_dir = S_ISDIR(st.st_mode),
						  .recursive = S_ISDIR(st.st_mode),
						  .verify = true,
						  .dev = st.st_dev,
						  .ino = st.st_ino});
	}

	for (size_t i = 0; i < spec->n_files && !b.error; i++) {
		const char *f = spec->files[i];
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (streq(spec->files[j], f))
				seen = true;
		struct stat st;
		if (seen || under_any(f, spec->runtime_paths, spec->n_runtime))
			continue;
		if (stat(f, &st) < 0) {
			r = error_set(err, "plugin", errno, "%s cannot be examined", f);
			goto fail;
		}
		add_entry(&b, &(struct rootfs_op){.kind = ROOTFS_BIND,
						  .src = old_root(&b, f),
						  .dst = keep(&b, strdup(f)),
						  .attr = ATTR_RO,
						  .verify = true,
						  .dev = st.st_dev,
						  .ino = st.st_ino});
	}
	if (b.error) {
		r = b.error;
		goto fail;
	}

	qsort(b.entries, b.n, sizeof(*b.entries), entry_cmp);
	bool split = can_split(b.entries, b.n);

	r = add_op(b.plan, &(struct rootfs_op){.kind = ROOTFS_MAKE_PRIVATE, .dst = "/"});
	if (r >= 0)
		r = add_op(b.plan, &(struct rootfs_op){.kind = ROOTFS_STAGE, .dst = STAGE});
	/* Split: the static ops first, each part in path order. */
	for (int pass = split ? 0 : 2; pass < (split ? 2 : 3); pass++) {
		for (size_t i = 0; i < b.n && r >= 0; i++)
			if (pass == 2 || per_run(&b.entries[i].op) == (pass == 1))
				r = add_op(b.plan, &b.entries[i].op);
		if (r >= 0 && pass != 1)
			r = add_op(b.plan, &(struct rootfs_op){.kind = ROOTFS_SETATTR,
							       .dst = "/dev",
							       .attr = MOUNT_ATTR_RDONLY |
								       MOUNT_ATTR_NOSUID |
								       MOUNT_ATTR_NOEXEC,
							       .recursive = true});
		if (pass == 0)
			b.plan->n_static = b.plan->n_ops;
	}
	if (r >= 0)
		r = add_op(b.plan, &(struct rootfs_op){.kind = ROOTFS_DETACH_OLD,
						       .dst = ROOTFS_OLD_ROOT,
						       .keep_dir = split});
	if (r >= 0)
		r = add_op(b.plan, &(struct rootfs_op){.kind = ROOTFS_ROOT_RO, .dst = "/"});
	if (r < 0)
		goto fail;
	free(b.entries);
	*ret = b.plan;
	return 0;
fail:
	free(b.entries);
	rootfs_plan_free(b.plan);
	return r;
}

struct rootfs_plan *rootfs_plan_free(struct rootfs_plan *plan)
{
	if (plan) {
		for (size_t i = 0; i < plan->n_strings; i++)
			free(plan->strings[i]);
		free(plan->strings);
		free(plan->ops);
		free(plan);
	}
	return NULL;
}

void rootfs_op_describe(const struct rootfs_plan *plan, size_t index, char *buf, size_t size)
{
	if (index >= plan->n_ops) {
		snprintf(buf, size, "building the private root");
		return;
	}
	const struct rootfs_op *op = &plan->ops[index];
	const char *host = op->src;
	if (host && !strncmp(host, ROOTFS_OLD_ROOT, strlen(ROOTFS_OLD_ROOT)))
		host += strlen(ROOTFS_OLD_ROOT);

	switch (op->kind) {
	case ROOTFS_MAKE_PRIVATE:
		snprintf(buf, size, "making the mounts private");
		break;
	case ROOTFS_STAGE:
		snprintf(buf, size, "mounting the new root and pivoting into it");
		break;
	case ROOTFS_BIND:
		if (streq(host, op->dst))
			snprintf(buf, size, "binding %s%s", op->dst,
				 op->attr & MOUNT_ATTR_RDONLY ? " read-only" : "");
		else
			snprintf(buf, size, "binding %s onto %s", host, op->dst);
		break;
	case ROOTFS_TMPFS:
		snprintf(buf, size, "mounting a tmpfs on %s", op->dst);
		break;
	case ROOTFS_PROC:
		snprintf(buf, size, "mounting a fresh /proc");
		break;
	case ROOTFS_REBIND_RO:
		snprintf(buf, size, "making %s read-only", op->dst);
		break;
	case ROOTFS_SYMLINK:
		snprintf(buf, size, "creating the symlink %s", op->dst);
		break;
	case ROOTFS_SETATTR:
		snprintf(buf, size, "making %s%s read-only", op->dst,
			 op->recursive ? " and its mounts" : "");
		break;
	case ROOTFS_DETACH_OLD:
		snprintf(buf, size, "detaching the host's root");
		break;
	case ROOTFS_ROOT_RO:
		snprintf(buf, size, "making the new root read-only");
		break;
	case ROOTFS_WRITE:
		snprintf(buf, size, "writing %s", op->dst);
		break;
	}
}

/*
 * Child side.  Only syscalls from here on: no allocation, no stdio, no locks.
 */

/* mkdir -p of @path, or of its parent when @parent_only. */
/* mkdir -p of @path, or of its parent when @parent_only.  Most parents
 * exist already (the root's /etc, /dev ...): try the last one first and
 * walk from the top only when it is missing. */
static int mkdir_p(const char *path, bool parent_only)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	if (parent_only) {
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return 0;
		*slash = '\0';
	}
	if (mkdir(buf, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int make_mount_point(const char *path, bool is_dir)
{
	if (is_dir)
		return mkdir_p(path, false);
	/* O_RDONLY: an existing file on a read-only mount is fine as a mount
	 * point, while O_WRONLY would fail with EROFS. */
	const int flags = O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	int fd = open(path, flags, 0444);
	if (fd < 0 && errno == ENOENT) {
		int r = mkdir_p(path, true);
		if (r < 0)
			return r;
		fd = open(path, flags, 0444);
	}
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int set_attr(const char *path, uint64_t attr, bool recursive)
{
	struct mount_attr ma = {.attr_set = attr};

	if (!attr)
		return 0;
	if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &ma, sizeof(ma)) < 0)
		return -errno;
	return 0;
}

/*
 * A bind of a path that is not root's own.  Between the supervisor's look
 * at it and this moment, whoever controls a component of the path (the
 * plugin itself, through a writable directory of an earlier run) could have
 * swapped in a symlink to somewhere else.  So: open it, check that it is
 * the inode the supervisor examined, and clone exactly that open object
 * (open_tree), already read-only if it is to be (mount_setattr on the
 * detached tree), before attaching it (move_mount).  No window in which a
 * different tree, or a writable one, is visible.
 */
static int bind_verified(const struct rootfs_op *op)
{
	struct mount_attr ma = {.attr_set = op->attr};
	unsigned rec = op->recursive ? AT_RECURSIVE : 0;
	struct stat st;
	int fd, tree = -1, r = 0;

	fd = open(op->src, O_PATH | O_CLOEXEC | (op->is_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (st.st_dev != op->dev || st.st_ino != op->ino) {
		r = -ESTALE;
		goto out;
	}
	tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (tree < 0 ||
	    (op->attr && mount_setattr(tree, "", AT_EMPTY_PATH | rec, &ma, sizeof(ma)) < 0) ||
	    move_mount(tree, "", AT_FDCWD, op->dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
out:
	if (tree >= 0)
		close(tree);
	close(fd);
	return r;
}

/* A new file on the root's tmpfs, which nothing but us has seen yet.  Its
 * directory mostly exists already (/etc): try first, make it only when
 * missing. */
static int write_new_file(const char *path, const char *content, size_t len, mode_t mode)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	size_t done = 0;
	int r = 0;

	int fd = open(path, flags, mode);
	if (fd < 0 && errno == ENOENT) {
		r = mkdir_p(path, true);
		if (r < 0)
			return r;
		fd = open(path, flags, mode);
	}
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, content + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	return r;
}

static unsigned long ms_flags(uint64_t attr)
{
	unsigned long f = 0;

	if (attr & MOUNT_ATTR_RDONLY)
		f |= MS_RDONLY;
	if (attr & MOUNT_ATTR_NOSUID)
		f |= MS_NOSUID;
	if (attr & MOUNT_ATTR_NODEV)
		f |= MS_NODEV;
	if (attr & MOUNT_ATTR_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

static int run_op(const struct rootfs_op *op)
{
	int r;

	switch (op->kind) {
	case ROOTFS_MAKE_PRIVATE:
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return -errno;
		return 0;
	case ROOTFS_STAGE:
		if (mount("tmpfs", op->dst, "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=0755,size=1m,nr_inodes=4096") < 0)
			return -errno;
		if (mkdir(STAGE ROOTFS_OLD_ROOT, 0700) < 0)
			return -errno;
		if (syscall(SYS_pivot_root, STAGE, STAGE ROOTFS_OLD_ROOT) < 0)
			return -errno;
		if (chdir("/") < 0)
			return -errno;
		return 0;
	case ROOTFS_BIND:
		r = make_mount_point(op->dst, op->is_dir);
		if (r < 0)
			return r;
		if (op->verify)
			return bind_verified(op);
		if (mount(op->src, op->dst, NULL, MS_BIND | (op->recursive ? MS_REC : 0), NULL) < 0)
			return op->optional && errno == ENOENT ? 0 : -errno;
		return set_attr(op->dst, op->attr, op->recursive);
	case ROOTFS_TMPFS:
		r = mkdir_p(op->dst, false);
		if (r < 0)
			return r;
		if (mount("tmpfs", op->dst, "tmpfs", ms_flags(op->attr), op->data) < 0)
			return -errno;
		return 0;
	case ROOTFS_PROC:
		r = mkdir_p(op->dst, false);
		if (r < 0)
			return r;
		if (mount("proc", op->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return -errno;
		return 0;
	case ROOTFS_REBIND_RO:
		if (mount(op->src, op->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return op->optional && errno == ENOENT ? 0 : -errno;
		return set_attr(op->dst, op->attr, true);
	case ROOTFS_SYMLINK:
		if (symlink(op->src, op->dst) == 0 || errno == EEXIST)
			return 0;
		if (errno != ENOENT)
			return -errno;
		r = mkdir_p(op->dst, true);
		if (r < 0)
			return r;
		if (symlink(op->src, op->dst) < 0 && errno != EEXIST)
			return -errno;
		return 0;
	case ROOTFS_SETATTR:
		return set_attr(op->dst, op->attr, op->recursive);
	case ROOTFS_DETACH_OLD:
		if (umount2(op->dst, MNT_DETACH) < 0)
			return -errno;
		if (!op->keep_dir && rmdir(op->dst) < 0)
			return -errno;
		return 0;
	case ROOTFS_ROOT_RO:
		return set_attr("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
				false);
	case ROOTFS_WRITE:
		return write_new_file(op->dst, op->data, op->size, op->mode);
	}
	return -EINVAL;
}

int rootfs_child_setup(const struct rootfs_plan *plan, size_t from, size_t to, size_t *failed)
{
	for (size_t i = from; i < to && i < plan->n_ops; i++) {
		int r = run_op(&plan->ops[i]);
		if (r < 0) {
			*failed = i;
			return r;
		}
	}
	return 0;
}
