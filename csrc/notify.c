/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Answering seccomp user notifications: receive, dispatch by syscall
 * number, answer.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "notify.h"
#include "util.h"

/* Linux 6.6: wake the supervisor and the target as a pair, on one CPU. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Native syscall numbers are below this; anything else was killed by the
 * filter's architecture check before it could get here. */
#define NOTIFY_NR_MAX 1024

struct notify_entry {
	int nr;
	notify_handler_fn fn;
	void *userdata;
};

struct notify {
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	bool exec_pending; /* the plan's exec may pass once */
	bool exec_consumed;
	/* handlers, sorted by nr */
	struct notify_entry *entries;
	size_t n_entries, cap_entries;
	struct notify_entry fallback;
	notify_violation_fn violation;
	void *violation_userdata;
	struct notify_call call; /* reused: it holds a few KiB of buffers */
};

int notify_new(int fd, struct notify **ret)
{
	struct seccomp_notif_sizes sizes;
	struct notify *n;

	/* The structures may grow with the kernel; allocate what it says. */
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->fd = fd;
	n->req_size = sizes.seccomp_notif > sizeof(*n->req) ? sizes.seccomp_notif : sizeof(*n->req);
	n->resp_size = sizes.seccomp_notif_resp > sizeof(*n->resp) ? sizes.seccomp_notif_resp
								   : sizeof(*n->resp);
	n->req = calloc(1, n->req_size);
	n->resp = calloc(1, n->resp_size);
	if (!n->req || !n->resp) {
		notify_free(n);
		return -ENOMEM;
	}
	/* The plugin's thread sleeps until we answer, and we sleep until it
	 * calls: a synchronous wake-up hands the CPU over directly instead of
	 * going through the scheduler's queues.  Older kernels say EINVAL or
	 * ENOTTY; the hint is only an optimisation. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (uint64_t)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	*ret = n;
	return 0;
}

struct notify *notify_free(struct notify *n)
{
	if (n) {
		free(n->req);
		free(n->resp);
		free(n->entries);
		free(n);
	}
	return NULL;
}

int notify_fd(const struct notify *n)
{
	return n->fd;
}

static struct notify_entry *entry_find(const struct notify *n, int nr, size_t *pos)
{
	size_t lo = 0, hi = n->n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->entries[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < n->n_entries && n->entries[lo].nr == nr ? &n->entries[lo] : NULL;
}

int notify_set_handler(struct notify *n, int nr, notify_handler_fn fn, void *userdata)
{
	struct notify_entry *e;
	size_t pos;

	if (nr == NOTIFY_ANY) {
		n->fallback =
			(struct notify_entry){.nr = NOTIFY_ANY, .fn = fn, .userdata = userdata};
		return 0;
	}
	if (nr < 0 || nr >= NOTIFY_NR_MAX)
		return -EINVAL;
	e = entry_find(n, nr, &pos);
	if (e && fn) {
		e->fn = fn;
		e->userdata = userdata;
		return 0;
	}
	if (e) {
		memmove(e, e + 1, (n->n_entries - pos - 1) * sizeof(*e));
		n->n_entries--;
		return 0;
	}
	if (!fn)
		return 0;
	if (n->n_entries == n->cap_entries) {
		size_t cap = n->cap_entries ? n->cap_entries * 2 : 32;
		struct notify_entry *v = realloc(n->entries, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		n->entries = v;
		n->cap_entries = cap;
	}
	memmove(&n->entries[pos + 1], &n->entries[pos], (n->n_entries - pos) * sizeof(*e));
	n->entries[pos] = (struct notify_entry){.nr = nr, .fn = fn, .userdata = userdata};
	n->n_entries++;
	return 0;
}

void notify_set_violation_hook(struct notify *n, notify_violation_fn fn, void *userdata)
{
	n->violation = fn;
	n->violation_userdata = userdata;
}

void notify_allow_exec_once(struct notify *n)
{
	n->exec_pending = true;
}

bool notify_exec_consumed(const struct notify *n)
{
	return n->exec_consumed;
}

/* The native syscall names by number, resolved once: libseccomp searches
 * its table linearly and returns a fresh copy, a microsecond a call on the
 * path of every notification.  Kept for the life of the process. */
static const char *syscall_names[NOTIFY_NR_MAX];
static pthread_once_t syscall_names_once = PTHREAD_ONCE_INIT;

static void syscall_names_resolve(void)
{
	for (int nr = 0; nr < NOTIFY_NR_MAX; nr++)
		syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

const char *notify_syscall_name(int nr, char *buf, size_t size)
{
	if (nr < 0 || nr >= NOTIFY_NR_MAX)
		return NULL;
	pthread_once(&syscall_names_once, syscall_names_resolve);
	if (!syscall_names[nr])
		return NULL;
	snprintf(buf, size, "%s", syscall_names[nr]);
	return buf;
}

static bool is_exec(int nr)
{
#ifdef SYS_execveat
	if (nr == SYS_execveat)
		return true;
#endif
	return nr == SYS_execve;
}

static int send_answer(struct notify *n, uint64_t id, int error, int64_t val, bool cont)
{
	memset(n->resp, 0, n->resp_size);
	n->resp->id = id;
	if (cont) {
		n->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else {
		n->resp->error = error ? -error : 0;
		n->resp->val = error ? 0 : val;
	}
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, n->resp) < 0)
		return -errno;
	return 0;
}

int notify_answer_later(struct notify *n, uint64_t id, int error, int64_t val, bool cont)
{
	return send_answer(n, id, error, val, cont);
}

static void call_reset(struct notify *n)
{
	struct notify_call *c = &n->call;

	c->notify = n;
	c->req = n->req;
	c->error = EPERM;
	c->val = 0;
	c->cont = false;
	c->report = false;
	memset(&c->violation, 0, sizeof(c->violation));
	c->violation.port = -1;
	c->detail[0] = c->path[0] = c->aux[0] = '\0';
}

int notify_handle(struct notify *n)
{
	struct notify_call *c = &n->call;
	enum notify_disposition d = NOTIFY_ANSWER;

	memset(n->req, 0, n->req_size);
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) < 0)
		return -errno;

	call_reset(n);
	int nr = n->req->data.nr;
	if (is_exec(nr) && n->exec_pending) {
		/* The first exec is the plan's own: nothing but our code has
		 * run in the sandbox, so letting the kernel continue with
		 * the call as made is safe. */
		n->exec_pending = false;
		n->exec_consumed = true;
		c->cont = true;
	} else {
		struct notify_entry *e = entry_find(n, nr, NULL);
		if (!e && n->fallback.fn)
			e = &n->fallback;
		if (e)
			d = e->fn(c, e->userdata);
	}
	if (c->report && n->violation) {
		c->violation.pid = (pid_t)n->req->pid;
		if (!c->violation.count)
			c->violation.count = 1;
		n->violation(c, n->violation_userdata);
	}
	if (d != NOTIFY_ANSWER)
		return 0;
	return send_answer(n, n->req->id, c->error, c->val, c->cont);
}

int notify_dispatch(struct notify *n, unsigned max)
{
	unsigned done = 0;

	while (done < max) {
		/* RECV blocks while nothing is pending (it has no non-blocking
		 * mode), so ask first, except the first time: the caller's
		 * poll said so.  Once a poll said so, RECV returns at once: if
		 * the notifying thread was killed meanwhile, with ENOENT (the
		 * kernel counts what was queued, not what is left). */
		int r;
		if (done > 0) {
			struct pollfd p = {.fd = n->fd, .events = POLLIN};
			r = poll(&p, 1, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (r == 0 || !(p.revents & POLLIN))
				break;
		}
		r = notify_handle(n);
		done++;
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return (int)done;
}

bool notify_id_valid(const struct notify_call *call)
{
	uint64_t id = call->req->id;

	return ioctl(call->notify->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Copies up to @size bytes, stopping at the first page that cannot be read
 * (process_vm_readv stops there too, but only at iovec boundaries: one
 * iovec per page gives us every readable byte). */
static ssize_t read_pages(pid_t pid, uint64_t addr, void *buf, size_t size)
{
	const size_t page = 4096;
	struct iovec local = {.iov_base = buf, .iov_len = size};
	struct iovec remote[8];
	size_t n = 0, done = 0;

	while (done < size && n < ARRAY_SIZE(remote)) {
		uint64_t at = addr + done;
		size_t chunk = page - (size_t)(at % page);
		if (chunk > size - done)
			chunk = size - done;
		remote[n++] = (struct iovec){.iov_base = (void *)(uintptr_t)at, .iov_len = chunk};
		done += chunk;
	}
	local.iov_len = done;
	ssize_t got = process_vm_readv(pid, &local, 1, remote, n, 0);
	if (got < 0)
		return -errno;
	return got;
}

int notify_read(const struct notify_call *call, uint64_t addr, void *buf, size_t size)
{
	size_t done = 0;

	if (!addr)
		return -EFAULT;
	while (done < size) {
		ssize_t got = read_pages((pid_t)call->req->pid, addr + done, (char *)buf + done,
					 size - done);
		if (got < 0)
			return done ? (int)done : (int)got;
		if (got == 0)
			break;
		done += (size_t)got;
	}
	/* Read first, validate after: had the thread died and its pid been
	 * reused between RECV and the read, the copy would be a stranger's
	 * memory, and this is where we learn it. */
	if (!notify_id_valid(call))
		return -ENOENT;
	if (done == 0 && size)
		return -EFAULT;
	return (int)done;
}

int notify_read_string(const struct notify_call *call, uint64_t addr, char *buf, size_t size)
{
	size_t done = 0;

	if (!size)
		return -ENAMETOOLONG;
	if (!addr) {
		buf[0] = '\0';
		return -EFAULT;
	}
	/* To the end of a page at a time, so that a short string at the end
	 * of a mapping is read without touching the unmapped page behind it,
	 * and most strings in one call. */
	while (done < size - 1) {
		size_t want = size - 1 - done;
		size_t page = 4096 - (size_t)((addr + done) % 4096);
		ssize_t got = read_pages((pid_t)call->req->pid, addr + done, buf + done,
					 want < page ? want : page);
		if (got <= 0) {
			buf[done] = '\0';
			/* EPERM: the plugin's memory is closed to us (it made
			 * itself non-dumpable); anything else: unmapped. */
			return got == -EPERM || got == -EACCES || got == -ESRCH ? (int)got
										: -EFAULT;
		}
		char *nul = memchr(buf + done, '\0', (size_t)got);
		if (nul) {
			if (!notify_id_valid(call))
				return -ENOENT;
			return (int)(nul - buf);
		}
		done += (size_t)got;
	}
	buf[done] = '\0';
	if (!notify_id_valid(call))
		return -ENOENT;
	return -ENAMETOOLONG;
}

/* readlink of /proc/PID/@what, NUL-terminated. */
static int proc_link(pid_t pid, const char *what, char *buf, size_t size)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, what);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

int notify_read_path(const struct notify_call *call, int dirfd, uint64_t addr, char *buf,
		     size_t size)
{
	/* Every path the kernel would accept: one we could not read whole
	 * would go unjudged. */
	char rel[NOTIFY_PATH_MAX];
	int len = notify_read_string(call, addr, rel, sizeof(rel));

	if (len < 0)
		return len;
	if (rel[0] == '/') {
		if ((size_t)len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, rel, (size_t)len + 1);
		return len;
	}
	/* Relative: against the directory, as /proc shows it to us.  From
	 * outside a mount namespace whose root we cannot reach, the kernel
	 * prints the path from that namespace's root, which is the
	 * sandbox's own view. */
	char what[32];
	if (dirfd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd");
	else if (dirfd >= 0)
		snprintf(what, sizeof(what), "fd/%d", dirfd);
	else
		return -EBADF;
	int dlen = proc_link((pid_t)call->req->pid, what, buf, size);
	if (dlen < 0)
		return dlen == -ENOENT ? -EBADF : dlen;
	if (buf[0] != '/')
		return -ENOTDIR; /* "socket:[1234]", "anon_inode:[...]" */
	if (!notify_id_valid(call))
		return -ENOENT;
	if (len == 0)
		return dlen;
	bool slash = dlen > 0 && buf[dlen - 1] == '/';
	if ((size_t)dlen + !slash + (size_t)len >= size)
		return -ENAMETOOLONG;
	if (!slash)
		buf[dlen++] = '/';
	memcpy(buf + dlen, rel, (size_t)len + 1);
	return dlen + len;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int notify_kill_caller(const struct notify_call *call)
{
	pid_t pid = (pid_t)call->req->pid;
	/* The notifying thread need not lead its process: PIDFD_THREAD
	 * (Linux 6.9) opens any thread; before that, only a leader opens. */
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, PIDFD_THREAD);

	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	/* Our pidfd holds whatever task has that pid now; only if the
	 * notification is still alive is that task the caller. */
	if (!notify_id_valid(call))
		return -ENOENT;
	/* SIGKILL to any thread ends the whole process. */
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0)
		return -errno;
	return 0;
}

int notify_addfd(const struct notify_call *call, int fd, unsigned newfd_flags, bool send)
{
	struct seccomp_notif_addfd a = {
		.id = call->req->id,
		.flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0,
		.srcfd = (uint32_t)fd,
		.newfd = 0,
		.newfd_flags = newfd_flags,
	};
	int r = ioctl(call->notify->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);

	return r < 0 ? -errno : r;
}
