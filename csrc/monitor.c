/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resource monitor (see monitor_internal.h) and the public
 * qfs_process_usage()/qfs_system_usage().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <qfsandbox/monitor.h>

#include "monitor_internal.h"
#include "util.h"

#define MIB_SHIFT 20
/* Processes looked at per sample; a bigger sandbox is counted in part. */
#define MONITOR_MAX_PIDS 4096

enum disk_kind {
	DISK_DIR,
	DISK_FS,
};

/* A record of getdents64(2), which glibc 2.36 does not declare. */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

struct disk_root {
	enum disk_kind kind;
	int fd; /* the directory, held open */
	dev_t dev;
	uint64_t used; /* DISK_FS: at the last full sample */
};

struct monitor {
	struct cgroup *cg;
	pid_t pid;
	int proc_fd; /* /proc/<pid> */
	uint64_t start_ns;
	long tick_hz;
	long page_size;

	pid_t *pids;
	size_t pids_cap;

	struct disk_root *roots;
	size_t n_roots;
	unsigned disk_budget;
	/* The walk in progress: root index, open directories. */
	size_t walk_root;
	int walk_fd[MONITOR_DISK_DEPTH];
	int walk_depth;
	uint64_t walk_bytes;	/* this pass so far */
	uint64_t walk_complete; /* last complete pass */
	bool walk_done_once;
	bool disk_growth; /* count growth over the first pass only */
	bool walk_baseline_set;
	uint64_t walk_baseline;

	/* The idle fast path: CPU time at the last full sample. */
	bool full_done;
	uint64_t full_cpu_us;
	unsigned since_full;

	uint64_t memory_bytes;
	uint64_t memory_peak_bytes;
	uint64_t disk_bytes;
	uint32_t connections;
	uint32_t connections_peak;
	qfs_usage last;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- parsing ---- */

static int parse_u64(const char **p, const char *end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;
	bool neg = false;

	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*ret = neg ? 0 : v; /* negative counters are clamped to 0 */
	return 0;
}

int monitor_parse_proc_stat(const char *buf, size_t len, struct proc_stat *ret)
{
	const char *end = buf + len, *p = NULL;
	uint64_t field[25] = {0};

	if (!buf || !ret)
		return -EINVAL;
	/* "pid (comm) state ppid ...": comm may hold ") (" itself. */
	for (const char *s = buf; s < end; s++)
		if (*s == ')')
			p = s;
	if (!p || p + 2 >= end || p[1] != ' ')
		return -EINVAL;
	p += 2;
	memset(ret, 0, sizeof(*ret));
	ret->state = *p++;
	/* Fields 4..24 (1-based, as in proc(5)). */
	for (int i = 4; i <= 24; i++)
		if (parse_u64(&p, end, &field[i]) < 0)
			return -EINVAL;
	ret->ppid = (pid_t)field[4];
	ret->utime = field[14];
	ret->stime = field[15];
	ret->cutime = field[16];
	ret->cstime = field[17];
	ret->num_threads = field[20];
	ret->starttime = field[22];
	ret->vsize = field[23];
	ret->rss = field[24];
	return 0;
}

int monitor_parse_meminfo(const char *buf, size_t len, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *s = buf, *end = buf + len;

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s)) ?: end;

		if ((size_t)(eol - s) > klen && memcmp(s, key, klen) == 0 && s[klen] == ':') {
			const char *p = s + klen + 1;
			uint64_t v;

			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			if (parse_u64(&p, eol, &v) < 0)
				return -EINVAL;
			while (p < eol && *p == ' ')
				p++;
			if (eol - p >= 2 && p[0] == 'k' && p[1] == 'B')
				v *= 1024;
			*ret = v;
			return 0;
		}
		s = eol + 1;
	}
	return -ENOENT;
}

int monitor_parse_cpu_busy(const char *buf, size_t len, uint64_t *ret)
{
	const char *p = buf, *end = buf + len;
	uint64_t v[10] = {0}, busy = 0;
	int n = 0;

	if (len < 4 || memcmp(buf, "cpu ", 4) != 0)
		return -EINVAL;
	p += 4;
	end = memchr(p, '\n', (size_t)(end - p)) ?: end;
	while (n < 10 && parse_u64(&p, end, &v[n]) == 0)
		n++;
	if (n < 4)
		return -EINVAL;
	/* user nice system idle iowait irq softirq steal guest guest_nice;
	 * guest time is already inside user and nice. */
	for (int i = 0; i < n && i < 8; i++)
		if (i != 3 && i != 4)
			busy += v[i];
	*ret = busy;
	return 0;
}

/* ---- /proc per process ---- */

/* Open descriptors of the process whose /proc directory is @dfd/@name. */
static int count_fds(int dfd, const char *name)
{
	struct stat st;
	_cleanup_close_ int fd = -1;
	char buf[4096];
	int count = 0;

	if (fstatat(dfd, name, &st, 0) < 0)
		return -errno;
	if (st.st_size > 0)
		return st.st_size > INT_MAX ? INT_MAX : (int)st.st_size;
	/* Before 6.2 the size is 0: read the directory. */
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct dirent64_raw *de = (const void *)(buf + off);

			if (de->name[0] != '.')
				count++;
			off += de->reclen;
		}
	}
	return count;
}

static int read_proc_stat(int dfd, const char *stat_name, struct proc_stat *ret)
{
	char buf[1024];
	ssize_t n = read_text_at(dfd, stat_name, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return monitor_parse_proc_stat(buf, (size_t)n, ret);
}

/* Own CPU time of a live process in ns, from its CPU clock. */
static int process_cpu_ns(pid_t pid, uint64_t *ret)
{
	clockid_t clk;
	struct timespec ts;

	if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) < 0)
		return -ESRCH;
	*ret = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return 0;
}

/*
 * Adds the CPU time of @pid (its own, from its CPU clock, plus what its
 * reaped children used, in clock ticks) to *@cpu_us and its resident set to
 * *@rss.  Return: 1 when it lives, 0 for a zombie (its time is final and
 * counted), -errno when it is gone.
 */
static int add_process(const struct monitor *m, pid_t pid, uint64_t *cpu_us, uint64_t *rss)
{
	struct proc_stat ps;
	uint64_t ns, hz = (uint64_t)m->tick_hz;
	char name[32];
	int r;

	snprintf(name, sizeof(name), "/proc/%d/stat", (int)pid);
	r = read_proc_stat(AT_FDCWD, name, &ps);
	if (r < 0)
		return r;
	*cpu_us += (ps.cutime + ps.cstime) * 1000000u / hz;
	if (ps.state == 'Z' || ps.state == 'X') {
		*cpu_us += (ps.utime + ps.stime) * 1000000u / hz;
		return 0;
	}
	*rss += ps.rss * (uint64_t)m->page_size;
	if (process_cpu_ns(pid, &ns) == 0)
		*cpu_us += ns / 1000;
	else
		*cpu_us += (ps.utime + ps.stime) * 1000000u / hz;
	return 1;
}

/* ---- the process list ---- */

static int pids_reserve(struct monitor *m, size_t n)
{
	pid_t *p;
	size_t cap = m->pids_cap ? m->pids_cap : 16;

	if (n <= m->pids_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = realloc(m->pids, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->pids = p;
	m->pids_cap = cap;
	return 0;
}

/* Appends the children listed in /proc/<pid>/task/<tid>/children. */
static int tree_add_children(struct monitor *m, pid_t pid, size_t *n)
{
	char path[64], buf[4096];
	_cleanup_close_ int tfd = -1;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	tfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	d = fdopendir(tfd);
	if (!d)
		return -errno;
	tfd = -1;
	while ((de = readdir(d))) {
		char name[300];
		ssize_t len;
		const char *p, *end;

		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s/children", de->d_name);
		len = read_text_at(dirfd(d), name, buf, sizeof(buf));
		if (len <= 0)
			continue;
		p = buf;
		end = buf + len;
		for (;;) {
			uint64_t child;

			while (p < end && (*p == ' ' || *p == '\n'))
				p++;
			if (p >= end || parse_u64(&p, end, &child) < 0)
				break;
			if (*n >= MONITOR_MAX_PIDS)
				break;
			if (pids_reserve(m, *n + 1) < 0) {
				closedir(d);
				return -ENOMEM;
			}
			m->pids[(*n)++] = (pid_t)child;
		}
	}
	closedir(d);
	return 0;
}

/* Fills m->pids with the sandbox's processes; returns how many. */
static int list_processes(struct monitor *m, bool *from_cgroup)
{
	size_t n = 0;
	int r;

	*from_cgroup = false;
	if (m->cg) {
		for (;;) {
			r = cgroup_procs(m->cg, m->pids, m->pids_cap);
			if (r < 0)
				break;
			if ((size_t)r <= m->pids_cap || r > MONITOR_MAX_PIDS) {
				*from_cgroup = true;
				return r > MONITOR_MAX_PIDS ? MONITOR_MAX_PIDS : r;
			}
			if (pids_reserve(m, (size_t)r) < 0)
				return -ENOMEM;
		}
		if (r != -ENODATA)
			return r;
	}
	/* No cgroup tracks membership: the tree below the main process. */
	if (m->pid <= 0 || (kill(m->pid, 0) < 0 && errno == ESRCH))
		return 0;
	if (pids_reserve(m, 1) < 0)
		return -ENOMEM;
	m->pids[n++] = m->pid;
	for (size_t i = 0; i < n; i++)
		tree_add_children(m, m->pids[i], &n);
	return (int)n;
}

/* ---- disk ---- */

static void walk_reset(struct monitor *m)
{
	/* The root's descriptor (walk_fd[0]) belongs to the root list. */
	for (int i = 1; i < m->walk_depth; i++)
		close_safe(m->walk_fd[i]);
	m->walk_depth = 0;
}

/*
 * Visits up to m->disk_budget entries of the directory walk, carrying on
 * where the previous sample stopped.  The kernel keeps each open
 * directory's position; before descending we seek the parent to the entry
 * after the subdirectory, so nothing is read twice or skipped.
 */
static void walk_step(struct monitor *m)
{
	unsigned budget = m->disk_budget;
	char buf[2048];

	if (!m->n_roots)
		return;
	while (budget > 0) {
		struct disk_root *root;
		int fd;
		long n;

		if (m->walk_depth == 0) {
			/* Next directory root of the pass, or the pass is over. */
			while (m->walk_root < m->n_roots && m->roots[m->walk_root].kind != DISK_DIR)
				m->walk_root++;
			if (m->walk_root >= m->n_roots) {
				m->walk_complete = m->walk_bytes;
				m->walk_done_once = true;
				m->walk_bytes = 0;
				m->walk_root = 0;
				return; /* one pass per sample at most */
			}
			root = &m->roots[m->walk_root];
			if (lseek(root->fd, 0, SEEK_SET) < 0) {
				m->walk_root++;
				continue;
			}
			m->walk_fd[0] = root->fd;
			m->walk_depth = 1;
		}
		root = &m->roots[m->walk_root];
		fd = m->walk_fd[m->walk_depth - 1];
		n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0) {
			/* End of this directory (or an error: skip the rest). */
			if (m->walk_depth > 1)
				close_safe(fd);
			if (--m->walk_depth == 0)
				m->walk_root++;
			continue;
		}
		for (long off = 0; off < n;) {
			const struct dirent64_raw *de = (const void *)(buf + off);
			struct stat st;

			off += de->reclen;
			if (streq(de->name, ".") || streq(de->name, ".."))
				continue;
			budget--;
			if (fstatat(fd, de->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				m->walk_bytes += (uint64_t)st.st_blocks * 512;
				if (S_ISDIR(st.st_mode) && st.st_dev == root->dev &&
				    m->walk_depth < MONITOR_DISK_DEPTH) {
					int sub = openat(fd, de->name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								 O_CLOEXEC);

					if (sub >= 0) {
						lseek(fd, de->off, SEEK_SET);
						m->walk_fd[m->walk_depth++] = sub;
						break;
					}
				}
			}
			if (budget == 0) {
				lseek(fd, de->off, SEEK_SET);
				break;
			}
		}
	}
}

/*
 * @idle: the sandbox used no CPU time since the last full sample; its own
 * file systems cannot have changed then (directories may be shared with
 * the host and are walked anyway).
 */
static uint64_t disk_usage(struct monitor *m, bool idle)
{
	uint64_t total = 0;

	for (size_t i = 0; i < m->n_roots; i++) {
		struct disk_root *root = &m->roots[i];
		struct statfs sf;

		if (root->kind != DISK_FS)
			continue;
		if (!idle && fstatfs(root->fd, &sf) == 0)
			root->used = (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize;
		total += root->used;
	}
	walk_step(m);
	if (m->disk_growth) {
		/* Only what the directories gained since the first pass. */
		if (m->walk_done_once && !m->walk_baseline_set) {
			m->walk_baseline = m->walk_complete;
			m->walk_baseline_set = true;
		}
		if (m->walk_baseline_set) {
			uint64_t now =
				m->walk_bytes > m->walk_complete ? m->walk_bytes : m->walk_complete;

			total += now > m->walk_baseline ? now - m->walk_baseline : 0;
		}
		return total;
	}
	if (!m->walk_done_once || m->walk_bytes > m->walk_complete)
		total += m->walk_bytes;
	else
		total += m->walk_complete;
	return total;
}

/* ---- the monitor ---- */

int monitor_new(struct cgroup *cg, pid_t pid, struct monitor **ret)
{
	struct monitor *m;
	int r;

	if (pid < 0 || !ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cg = cg;
	m->proc_fd = -1;
	m->start_ns = now_ns(CLOCK_MONOTONIC);
	m->tick_hz = sysconf(_SC_CLK_TCK);
	m->page_size = sysconf(_SC_PAGESIZE);
	m->disk_budget = MONITOR_DISK_BUDGET;
	if (pid > 0) {
		r = monitor_set_pid(m, pid);
		if (r < 0) {
			free(m);
			return r;
		}
	}
	*ret = m;
	return 0;
}

int monitor_set_pid(struct monitor *m, pid_t pid)
{
	char path[32];
	int fd;

	if (!m || pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	close_safe(m->proc_fd);
	m->proc_fd = fd;
	m->pid = pid;
	m->start_ns = now_ns(CLOCK_MONOTONIC);
	return 0;
}

struct monitor *monitor_free(struct monitor *m)
{
	if (!m)
		return NULL;
	walk_reset(m);
	for (size_t i = 0; i < m->n_roots; i++)
		close_safe(m->roots[i].fd);
	free(m->roots);
	free(m->pids);
	close_safe(m->proc_fd);
	free(m);
	return NULL;
}

static int add_root(struct monitor *m, const char *path, enum disk_kind kind)
{
	struct disk_root *p;
	struct stat st;
	int fd;

	if (!m || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close_safe(fd);
		return r;
	}
	p = realloc(m->roots, (m->n_roots + 1) * sizeof(*p));
	if (!p) {
		close_safe(fd);
		return -ENOMEM;
	}
	m->roots = p;
	/* A new directory restarts the walk so that a pass covers all of
	 * them (and a baseline, all of them); a file system is not walked. */
	if (kind == DISK_DIR) {
		walk_reset(m);
		m->walk_root = 0;
		m->walk_bytes = 0;
		m->walk_done_once = false;
		m->walk_baseline_set = false;
	}
	m->roots[m->n_roots++] = (struct disk_root){.kind = kind, .fd = fd, .dev = st.st_dev};
	return 0;
}

int monitor_add_disk_dir(struct monitor *m, const char *path)
{
	return add_root(m, path, DISK_DIR);
}

int monitor_add_disk_fs(struct monitor *m, const char *path)
{
	return add_root(m, path, DISK_FS);
}

void monitor_set_disk_budget(struct monitor *m, unsigned entries)
{
	if (m)
		m->disk_budget = entries ? entries : 1;
}

void monitor_set_disk_growth(struct monitor *m, bool on)
{
	if (m)
		m->disk_growth = on;
}

int monitor_disk_baseline(struct monitor *m, unsigned budget)
{
	unsigned saved;

	if (!m)
		return -EINVAL;
	m->disk_growth = true;
	saved = m->disk_budget;
	m->disk_budget = budget ? budget : 1;
	disk_usage(m, false);
	m->disk_budget = saved;
	return m->walk_baseline_set ? 0 : -EAGAIN;
}

void monitor_set_connections(struct monitor *m, uint32_t open)
{
	if (!m)
		return;
	m->connections = open;
	if (open > m->connections_peak)
		m->connections_peak = open;
}

int64_t monitor_cpu_usec(struct monitor *m)
{
	size_t n;
	bool from_cgroup;
	int64_t r;
	uint64_t total = 0, rss = 0;

	if (!m)
		return -EINVAL;
	if (m->cg) {
		r = cgroup_cpu_usec(m->cg);
		if (r != -ENODATA)
			return r;
	}
	r = list_processes(m, &from_cgroup);
	if (r < 0)
		return r;
	n = (size_t)r;
	for (size_t i = 0; i < n; i++)
		add_process(m, m->pids[i], &total, &rss);
	return (int64_t)total;
}

/* Everything but the CPU counter: processes, descriptors, memory. */
static void sample_processes(struct monitor *m, bool have_cpu, uint64_t *cpu_us)
{
	struct cgroup_stat cs = {0};
	uint64_t rss = 0, fds = 0, tree_cpu = 0;
	bool from_cgroup, need_cpu = !have_cpu, need_rss;
	int n, alive = 0;

	if (m->cg)
		cgroup_stat(m->cg, CGROUP_STAT_MEMORY, &cs);
	need_rss = !cs.memory_valid;
	n = list_processes(m, &from_cgroup);
	for (int i = 0; i < n; i++) {
		pid_t pid = m->pids[i];
		char name[32];
		int c;

		if ((need_cpu || need_rss) && add_process(m, pid, &tree_cpu, &rss) <= 0)
			continue; /* gone since the listing, or a zombie */
		snprintf(name, sizeof(name), "/proc/%d/fd", (int)pid);
		c = pid == m->pid && m->proc_fd >= 0 ? count_fds(m->proc_fd, "fd")
						     : count_fds(AT_FDCWD, name);
		if (c < 0)
			continue;
		/* A zombie has no descriptors; v1 still lists it until it is reaped. */
		if (c == 0 && !need_cpu && !need_rss && cgroup_pid_exited(pid))
			continue;
		alive++;
		fds += (uint64_t)c;
	}
	if (need_cpu) {
		/* A process that left the tree takes its time along: keep the
		 * figure from going backwards. */
		*cpu_us = tree_cpu > m->last.cpu_time_used_ms * 1000
				  ? tree_cpu
				  : m->last.cpu_time_used_ms * 1000;
	}
	m->memory_bytes = cs.memory_valid ? cs.memory_bytes : rss;
	if (m->memory_bytes > m->memory_peak_bytes)
		m->memory_peak_bytes = m->memory_bytes;
	if (cs.memory_peak_valid && cs.memory_peak_bytes > m->memory_peak_bytes)
		m->memory_peak_bytes = cs.memory_peak_bytes;
	m->last.memory_used_mb = m->memory_bytes >> MIB_SHIFT;
	m->last.memory_peak_mb = m->memory_peak_bytes >> MIB_SHIFT;
	m->last.file_handles_used = fds > UINT32_MAX ? UINT32_MAX : (uint32_t)fds;
	m->last.processes = (uint32_t)alive;
	if (m->last.processes > m->last.processes_peak)
		m->last.processes_peak = m->last.processes;
}

int monitor_sample(struct monitor *m, unsigned flags, qfs_usage *ret)
{
	int64_t cg_cpu = -ENODATA;
	uint64_t cpu_us = 0;
	bool idle;

	if (!m)
		return -EINVAL;
	if (m->cg)
		cg_cpu = cgroup_cpu_usec(m->cg);
	if (cg_cpu >= 0)
		cpu_us = (uint64_t)cg_cpu;
	/*
	 * A sandbox that used no CPU time since the last full sample cannot
	 * have forked, exited, opened a descriptor or allocated: skip the
	 * per-process work and keep those figures, but look anyway every
	 * MONITOR_FULL_EVERY samples (memory can shrink, and a cpu.stat in
	 * microseconds may miss a tiny amount of work).
	 */
	idle = !(flags & MONITOR_SAMPLE_FULL) && cg_cpu >= 0 && m->full_done &&
	       cpu_us == m->full_cpu_us && m->since_full + 1 < MONITOR_FULL_EVERY;
	if (idle) {
		m->since_full++;
	} else {
		sample_processes(m, cg_cpu >= 0, &cpu_us);
		m->full_done = true;
		m->full_cpu_us = cpu_us;
		m->since_full = 0;
	}
	m->disk_bytes = disk_usage(m, idle);

	m->last.cpu_time_used_ms = cpu_us / 1000;
	m->last.disk_space_used_mb = m->disk_bytes >> MIB_SHIFT;
	m->last.network_connections_used = m->connections;
	m->last.network_connections_peak = m->connections_peak;
	m->last.start_time_ms = m->start_ns / 1000000u;
	m->last.wall_time_ms = (now_ns(CLOCK_MONOTONIC) - m->start_ns) / 1000000u;
	if (ret)
		*ret = m->last;
	return m->last.processes ? 0 : -ESRCH;
}

const qfs_usage *monitor_last(const struct monitor *m)
{
	return m ? &m->last : NULL;
}

uint64_t monitor_disk_bytes(const struct monitor *m)
{
	return m ? m->disk_bytes : 0;
}

uint64_t monitor_memory_bytes(const struct monitor *m)
{
	return m ? m->memory_bytes : 0;
}

/* ---- public: any process, the whole system ---- */

QFS_EXPORT int qfs_process_usage(pid_t pid, qfs_usage *ret)
{
	_cleanup_close_ int dfd = -1;
	struct proc_stat ps;
	char path[32], buf[4096];
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	uint64_t cpu_ns, hwm = 0, start_ms, boot_offset_ms, mono_ns, boot_ns;
	ssize_t n;
	int fds, r;

	if (pid <= 0 || !ret)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? -ESRCH : errno == EACCES ? -EACCES : -EIO;
	r = read_proc_stat(dfd, "stat", &ps);
	if (r < 0)
		return r == -ENOENT || r == -ESRCH ? -ESRCH : r == -EACCES ? -EACCES : -EIO;
	memset(ret, 0, sizeof(*ret));
	if (process_cpu_ns(pid, &cpu_ns) < 0)
		cpu_ns = (ps.utime + ps.stime) * 1000000000u / (uint64_t)hz;
	cpu_ns += (ps.cutime + ps.cstime) * 1000000000u / (uint64_t)hz;
	ret->cpu_time_used_ms = cpu_ns / 1000000u;
	ret->memory_used_mb = (ps.rss * (uint64_t)page) >> MIB_SHIFT;
	n = read_text_at(dfd, "status", buf, sizeof(buf));
	if (n > 0)
		monitor_parse_meminfo(buf, (size_t)n, "VmHWM", &hwm);
	ret->memory_peak_mb = hwm >> MIB_SHIFT;
	if (ret->memory_peak_mb < ret->memory_used_mb)
		ret->memory_peak_mb = ret->memory_used_mb;
	fds = count_fds(dfd, "fd");
	ret->file_handles_used = fds > 0 ? (uint32_t)fds : 0;
	ret->processes = ret->processes_peak = 1;
	/* starttime counts from boot (CLOCK_BOOTTIME); shift it onto
	 * CLOCK_MONOTONIC, which stops during suspend. */
	start_ms = ps.starttime * 1000u / (uint64_t)hz;
	mono_ns = now_ns(CLOCK_MONOTONIC);
	boot_ns = now_ns(CLOCK_BOOTTIME); /* read second: never behind */
	boot_offset_ms = boot_ns > mono_ns ? (boot_ns - mono_ns) / 1000000u : 0;
	ret->start_time_ms = start_ms > boot_offset_ms ? start_ms - boot_offset_ms : 0;
	ret->wall_time_ms = mono_ns / 1000000u - ret->start_time_ms;
	return 0;
}

QFS_EXPORT int qfs_system_usage(qfs_usage *ret)
{
	char buf[4096];
	uint64_t busy, total = 0, avail = 0;
	long hz = sysconf(_SC_CLK_TCK);
	struct statvfs sv;
	const char *tmp = getenv("TMPDIR");
	ssize_t n;
	DIR *d;
	struct dirent *de;

	if (!ret)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	n = read_text_at(AT_FDCWD, "/proc/stat", buf, sizeof(buf));
	if (n <= 0 || monitor_parse_cpu_busy(buf, (size_t)n, &busy) < 0)
		return -EIO;
	ret->cpu_time_used_ms = busy * 1000u / (uint64_t)hz;
	n = read_text_at(AT_FDCWD, "/proc/meminfo", buf, sizeof(buf));
	if (n <= 0 || monitor_parse_meminfo(buf, (size_t)n, "MemTotal", &total) < 0 ||
	    monitor_parse_meminfo(buf, (size_t)n, "MemAvailable", &avail) < 0)
		return -EIO;
	ret->memory_used_mb = ret->memory_peak_mb =
		(total - (avail < total ? avail : total)) >> MIB_SHIFT;
	if (statvfs(tmp && tmp[0] == '/' ? tmp : "/tmp", &sv) == 0)
		ret->disk_space_used_mb =
			((uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize) >> MIB_SHIFT;
	n = read_text_at(AT_FDCWD, "/proc/sys/fs/file-nr", buf, sizeof(buf));
	if (n > 0) {
		const char *p = buf;
		uint64_t v;

		if (parse_u64(&p, buf + n, &v) == 0)
			ret->file_handles_used = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
	d = opendir("/proc");
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
				ret->processes++;
		closedir(d);
	}
	ret->processes_peak = ret->processes;
	ret->wall_time_ms = now_ns(CLOCK_BOOTTIME) / 1000000u;
	return 0;
}
