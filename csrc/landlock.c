/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Landlock rulesets.  The system headers are Linux 6.1 (ABI 2), so the
 * rights and structure members of later ABIs are spelled out here.
 */
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "landlock.h"
#include "util.h"

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a prefix. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

#define LL_FS_V1                                                                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Rights a rule on something that is not a directory may carry. */
#define LL_FS_FILE                                                                                 \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | QFS_LL_ACCESS_FS_TRUNCATE | QFS_LL_ACCESS_FS_IOCTL_DEV)

static uint64_t fs_handled(int abi)
{
	uint64_t a = LL_FS_V1;

	if (abi >= 2)
		a |= QFS_LL_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= QFS_LL_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= QFS_LL_ACCESS_FS_IOCTL_DEV;
	return a;
}

int landlock_abi(void)
{
	static int cached = -1;
	int abi = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (abi < 0) {
		long r = syscall(SYS_landlock_create_ruleset, NULL, 0,
				 LANDLOCK_CREATE_RULESET_VERSION);
		/* ENOSYS: not built; EOPNOTSUPP: built but not enabled. */
		abi = r < 0 ? 0 : (int)r;
		__atomic_store_n(&cached, abi, __ATOMIC_RELAXED);
	}
	return abi;
}

uint64_t landlock_access(int abi, unsigned grant, bool is_dir)
{
	uint64_t a = 0;

	if (grant & LANDLOCK_GRANT_READ)
		a |= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	if (grant & LANDLOCK_GRANT_EXECUTE)
		a |= LANDLOCK_ACCESS_FS_EXECUTE;
	/* Never MAKE_CHAR or MAKE_BLOCK: no plugin creates device nodes. */
	if (grant & LANDLOCK_GRANT_WRITE)
		a |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
		     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		     LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM |
		     QFS_LL_ACCESS_FS_REFER | QFS_LL_ACCESS_FS_TRUNCATE;
	if (grant & LANDLOCK_GRANT_DEVICE)
		a |= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		     QFS_LL_ACCESS_FS_TRUNCATE | QFS_LL_ACCESS_FS_IOCTL_DEV;
	a &= fs_handled(abi);
	if (!is_dir)
		a &= LL_FS_FILE;
	return a;
}

static int add_rule_fd(int ruleset_fd, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};

	if (!access)
		return 0;
	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return -errno;
	return 0;
}

int landlock_ruleset_new(const struct landlock_spec *spec, qfs_error *err)
{
	struct ll_ruleset_attr attr = {.handled_access_fs = fs_handled(spec->abi)};
	size_t size = sizeof(attr.handled_access_fs);
	_cleanup_close_ int ruleset = -1;

	if (spec->abi < 1)
		return error_set(err, "landlock", EOPNOTSUPP, "Landlock is not available");
	if (spec->abi >= 4) {
		if (spec->deny_tcp)
			attr.handled_access_net =
				QFS_LL_ACCESS_NET_BIND_TCP | QFS_LL_ACCESS_NET_CONNECT_TCP;
		else if (spec->deny_tcp_connect)
			attr.handled_access_net = QFS_LL_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (spec->abi >= 6) {
		if (spec->scope)
			attr.scoped = QFS_LL_SCOPE_ABSTRACT_UNIX_SOCKET | QFS_LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	long r = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (r < 0)
		return error_set(err, "landlock", errno, "creating the Landlock ruleset failed");
	ruleset = (int)r;

	for (size_t i = 0; i < spec->n_rules; i++) {
		const struct landlock_rule *rule = &spec->rules[i];
		struct stat st;
		_cleanup_close_ int opened = -1;
		int fd = rule->fd;
		if (fd < 0) {
			fd = opened = open(rule->path, O_PATH | O_CLOEXEC);
			if (fd < 0 && rule->optional && (errno == ENOENT || errno == ENOTDIR))
				continue;
		}
		bool dir = rule->fd >= 0 && rule->kind == LANDLOCK_KIND_DIR;
		if (fd < 0 || (!(rule->fd >= 0 && rule->kind) && fstat(fd, &st) < 0))
			return error_set(err, "landlock", errno,
					 "opening %s for its Landlock rule failed", rule->path);
		if (!(rule->fd >= 0 && rule->kind))
			dir = S_ISDIR(st.st_mode);
		uint64_t access = landlock_access(spec->abi, rule->grant, dir);
		int e = add_rule_fd(ruleset, fd, access);
		if (e < 0)
			return error_set(err, "landlock", -e,
					 "adding the Landlock rule for %s failed", rule->path);
	}
	return TAKE_FD(ruleset);
}

int landlock_child_add(int ruleset_fd, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	int r = add_rule_fd(ruleset_fd, fd, access);
	close(fd);
	return r;
}

int landlock_child_scope(void)
{
	struct ll_ruleset_attr attr = {.scoped = QFS_LL_SCOPE_ABSTRACT_UNIX_SOCKET |
						 QFS_LL_SCOPE_SIGNAL};
	long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0)
		return -errno;
	int r = landlock_child_restrict((int)fd);
	close((int)fd);
	return r;
}

int landlock_child_restrict(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}
