/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The private root of Sandboxed and Strict.
 *
 * The supervisor turns a spec into a flat list of operations (every path
 * and option string computed, every mount point's kind known); the child,
 * in its new user and mount namespaces, executes the list with plain
 * syscalls.  The result:
 *
 *   /                    tmpfs, read-only once populated
 *   /usr /etc/... ...    the runtime paths, bound read-only (symlinks such
 *                        as /bin -> usr/bin recreated as symlinks)
 *   allowed directories  bound read-only or read-write by permission,
 *                        noexec when writable and dlopen is blocked
 *   plugin, interpreter  bound read-only at their host paths
 *   /tmp                 private tmpfs of disk_space_limit_mb
 *   /proc                fresh, its global knobs read-only
 *   /dev                 null zero full random urandom, fd symlinks,
 *                        shm -> /tmp; nothing else; no /sys
 *   written files        small runtime files (/etc/passwd, /etc/hosts,
 *                        /etc/ld.so.cache ...) copied into the root rather
 *                        than bound, and a mediated network's
 *                        /etc/resolv.conf and /etc/hosts, which replace the
 *                        host's
 */
#ifndef QFS_ROOTFS_H
#define QFS_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qfsandbox/common.h>

struct rootfs_dir {
	const char *path; /* absolute host path */
	bool writable;
};

/* A file the child writes into the new root (read-only once the root is),
 * in place of the host's file of the same path if that is a runtime path. */
struct rootfs_file {
	const char *path;
	const char *content;
	size_t size; /* 0: strlen(content) */
	mode_t mode; /* 0: 0644 */
};

struct rootfs_spec {
	const char *const *runtime_paths; /* decide_runtime_path() */
	size_t n_runtime;
	const struct rootfs_dir *dirs; /* allowed directories to expose */
	size_t n_dirs;
	const char *const *files; /* bound read-only: plugin, interpreter, host */
	size_t n_files;
	uint64_t tmp_size_mb;
	bool noexec_writable;
	const struct rootfs_file *written; /* e.g. a mediated network's /etc/resolv.conf */
	size_t n_written;
};

enum rootfs_op_kind {
	ROOTFS_MAKE_PRIVATE, /* no mount event crosses between host and sandbox */
	ROOTFS_STAGE,	     /* tmpfs as the new root, pivot, old root below it */
	ROOTFS_BIND,	     /* bind src onto dst (created), then set attributes */
	ROOTFS_TMPFS,
	ROOTFS_PROC,
	ROOTFS_REBIND_RO, /* dst onto itself, read-only (optional) */
	ROOTFS_SYMLINK,	  /* dst -> src */
	ROOTFS_SETATTR,	  /* attributes of the mount at dst (and below, if recursive) */
	ROOTFS_DETACH_OLD,
	ROOTFS_ROOT_RO,
	ROOTFS_WRITE, /* a new file at dst holding size bytes of data, mode */
};

struct rootfs_op {
	enum rootfs_op_kind kind;
	const char *src;
	const char *dst;
	const char *data; /* tmpfs options; ROOTFS_WRITE: the file's bytes */
	size_t size;	  /* ROOTFS_WRITE */
	mode_t mode;	  /* ROOTFS_WRITE */
	uint64_t attr;	  /* MOUNT_ATTR_* to set */
	bool is_dir;	  /* kind of mount point to create */
	bool recursive;
	bool optional; /* a missing source is skipped */
	/* A path someone other than root may control (allowed directories,
	 * the plugin's own file): the child checks that it still names the
	 * inode the supervisor examined, and binds exactly that inode. */
	bool verify;
	dev_t dev;
	ino_t ino;
	/* ROOTFS_DETACH_OLD: leave the mount point, which a template's other
	 * copies still use (removing it would unmount the host's root from
	 * every namespace that has it there). */
	bool keep_dir;
};

/*
 * A template: the ops that depend on nothing of a run (the runtime paths,
 * the copied files, /dev) build, once per sandbox, a mount namespace the
 * supervisor keeps; each later run copies it (setns, then unshare) and does
 * only the rest: /tmp, /proc, the plugin and the allowed directories,
 * detaching the host's root, the root read-only.  That is ops[0..n_static)
 * and ops[n_static..n_ops); n_static is 0 when the plan cannot be split
 * (a per-run mount would cover a static one), and then every run does
 * everything.  The template keeps the host's root below the new one: a
 * fresh /proc can only be mounted where a full one is visible, and the
 * per-run binds come from there.
 */
struct rootfs_plan {
	struct rootfs_op *ops;
	size_t n_ops, cap_ops;
	size_t n_static;
	char **strings; /* owned by the plan */
	size_t n_strings, cap_strings;
};

/* Where the host's root hangs while the new one is populated. */
#define ROOTFS_OLD_ROOT "/.qfsandbox-oldroot"

/*
 * rootfs_plan_new() - the operations for @spec.
 * Return: 0 with *ret, -ENOMEM, -EINVAL with @err (a path that cannot be
 * exposed, such as "/" itself).
 */
int rootfs_plan_new(const struct rootfs_spec *spec, struct rootfs_plan **ret, qfs_error *err);
struct rootfs_plan *rootfs_plan_free(struct rootfs_plan *plan);

/* What op @index does, in words, for an error sentence ("binding /usr"). */
void rootfs_op_describe(const struct rootfs_plan *plan, size_t index, char *buf, size_t size);

/*
 * Child side, async-signal-safe: ops [@from, @to) (all of them: 0,
 * plan->n_ops).
 * @failed: receives the index of the op that failed.
 * Return: 0 or -errno.
 */
int rootfs_child_setup(const struct rootfs_plan *plan, size_t from, size_t to, size_t *failed);

#endif /* QFS_ROOTFS_H */
