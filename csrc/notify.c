/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Answering seccomp user notifications.
 */
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "notify.h"
#include "util.h"

struct notify {
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	bool exec_pending; /* the plan's exec may pass once */
	bool exec_consumed;
	notify_denied_fn denied;
	void *userdata;
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
	*ret = n;
	return 0;
}

struct notify *notify_free(struct notify *n)
{
	if (n) {
		free(n->req);
		free(n->resp);
		free(n);
	}
	return NULL;
}

void notify_set_denied(struct notify *n, notify_denied_fn fn, void *userdata)
{
	n->denied = fn;
	n->userdata = userdata;
}

void notify_allow_exec_once(struct notify *n)
{
	n->exec_pending = true;
}

bool notify_exec_consumed(const struct notify *n)
{
	return n->exec_consumed;
}

const char *notify_syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (!name)
		return NULL;
	snprintf(buf, size, "%s", name);
	free(name);
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

int notify_handle(struct notify *n)
{
	memset(n->req, 0, n->req_size);
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) < 0)
		return -errno;

	memset(n->resp, 0, n->resp_size);
	n->resp->id = n->req->id;
	if (is_exec(n->req->data.nr) && n->exec_pending) {
		/* The first exec is the plan's own: nothing but our code has
		 * run in the sandbox, so letting the kernel continue with
		 * the call as made is safe. */
		n->exec_pending = false;
		n->exec_consumed = true;
		n->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else {
		n->resp->error = -EPERM;
	}
	/* Answer first: the plugin's thread waits, and the hook may free
	 * the sandbox and with it this listener. */
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, n->resp) < 0)
		return -errno;
	if (n->resp->error && n->denied)
		n->denied(n->req, -n->resp->error, n->userdata);
	return 0;
}
