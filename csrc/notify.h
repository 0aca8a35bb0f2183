/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp user notifications: the supervisor's side of the listener.
 *
 * The filter sends a syscall here (SECCOMP_RET_USER_NOTIF) for one of two
 * reasons: the policy refuses it and the refusal must be reported, or the
 * answer depends on something only the supervisor can look at (the path of
 * an open, the destination of a connect).  A struct notify receives the
 * notifications of one listener and dispatches each, by syscall number, to
 * the handler registered for it with notify_set_handler(), or to the
 * fallback (NOTIFY_ANY) when none is.  Today the enforcer (enforcer.c)
 * registers the fallback, which refuses and reports, and the file syscalls,
 * whose paths it judges; the network mediation registers its own.
 *
 * A handler fills in a struct notify_call: the answer (an errno, a return
 * value, or "continue": let the kernel carry the call out as made), and
 * optionally a violation.  The dispatcher then calls the violation hook,
 * sends the answer, and goes on with the next notification.
 *
 * The answer never trusts memory the plugin can change.  The registers in
 * call->req are the kernel's snapshot at syscall entry and stay as they
 * are; memory behind a pointer argument is read only through notify_read*,
 * into the supervisor's own copy, which is valid only if the notification
 * is still alive afterwards (checked with SECCOMP_IOCTL_NOTIF_ID_VALID, so
 * the pid was not reused).  Another thread of the plugin may rewrite that
 * memory after the copy was taken: a handler may therefore refuse on the
 * strength of a copy, but may answer "continue" only where a kernel layer
 * re-checks what the kernel will re-read (Landlock behind an open), and
 * must perform the call itself (SECCOMP_IOCTL_NOTIF_ADDFD) where no layer
 * does.
 *
 * Threading: a struct notify belongs to the thread that dispatches it.
 */
#ifndef QFS_NOTIFY_H
#define QFS_NOTIFY_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include <qfsandbox/sandbox.h>

struct notify;

/* Room for the strings of a violation, in each call. */
#define NOTIFY_DETAIL_MAX 512
#define NOTIFY_PATH_MAX	  4096 /* PATH_MAX: a path the kernel accepts is one we judge */
#define NOTIFY_AUX_MAX	  256

/* What a handler decided to do with its call. */
enum notify_disposition {
	/* Send call->error / call->val / call->cont now (the default). */
	NOTIFY_ANSWER = 0,
	/* The handler keeps call->req->id and answers later with
	 * notify_answer_later() (a host-side connect still in progress). */
	NOTIFY_PENDING,
	/* The handler answered already (notify_addfd() with @send). */
	NOTIFY_ANSWERED,
};

/*
 * One notification while its handler runs.  Everything is valid only during
 * the handler and the violation hook.
 */
struct notify_call {
	struct notify *notify;
	/* The notification: id, pid (the notifying thread, in the
	 * supervisor's pid namespace), data.nr, data.arch, data.args[]. */
	const struct seccomp_notif *req;

	/* The answer.  Preset to error = EPERM: a handler that returns without
	 * deciding refuses. */
	int error;   /* positive errno the syscall fails with; 0: it returns @val */
	int64_t val; /* the return value when @error is 0 and @cont is false */
	bool cont;   /* SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the
		      * syscall as made (see the top of this file for when that
		      * is safe) */

	/* A violation to record.  A handler sets @report and fills
	 * @violation; its strings may point into the buffers below, to
	 * static text or to storage of the handler's own that outlives the
	 * hook.  @violation.pid and .count are filled by the dispatcher. */
	bool report;
	qfs_violation violation;
	char detail[NOTIFY_DETAIL_MAX];
	char path[NOTIFY_PATH_MAX];
	char aux[NOTIFY_AUX_MAX];
};

/*
 * A handler.  Runs on the loop's thread inside notify_dispatch(); it must
 * not block (a host-side operation that could is started and answered
 * later: NOTIFY_PENDING) and must not free the struct notify.
 */
typedef enum notify_disposition (*notify_handler_fn)(struct notify_call *call, void *userdata);

/*
 * The violation hook: called for each call whose handler set @report,
 * after the handler and BEFORE the answer is sent, so that a sandbox that
 * ends on a violation (Strict) kills the plugin before it can run another
 * instruction after the refused call.  It records, it does not call
 * anything that could free the struct notify.
 */
typedef void (*notify_violation_fn)(struct notify_call *call, void *userdata);

/*
 * notify_new() - handle notifications arriving on @fd (borrowed: the caller
 * keeps and closes it, after notify_free()).  Asks the kernel to wake the
 * supervisor and the plugin synchronously where it can (6.6+), which halves
 * the latency of a round trip.
 * Return: 0 with *ret, -ENOMEM, or the error of SECCOMP_GET_NOTIF_SIZES.
 */
int notify_new(int fd, struct notify **ret);
struct notify *notify_free(struct notify *n);

/* The listener descriptor (for SECCOMP_IOCTL_NOTIF_ADDFD and polling). */
int notify_fd(const struct notify *n);

/* NOTIFY_ANY as @nr: the handler of every syscall without one of its own. */
#define NOTIFY_ANY (-1)

/*
 * notify_set_handler() - @fn handles syscall @nr (native numbering) from now
 * on; NULL removes it.  Register a handler only for a syscall the filter
 * routes here for that handler's purpose: a syscall the policy refuses
 * outright belongs to the fallback, whatever its number (the enforcer can
 * tell: enforcer_refuses()).
 * Return: 0, -ENOMEM, -EINVAL (nr out of range).
 */
int notify_set_handler(struct notify *n, int nr, notify_handler_fn fn, void *userdata);

void notify_set_violation_hook(struct notify *n, notify_violation_fn fn, void *userdata);

/* Let the next execve/execveat through (the plugin's own start): it is the
 * first notification, raised by our own code before any plugin code ran. */
void notify_allow_exec_once(struct notify *n);
bool notify_exec_consumed(const struct notify *n);

/*
 * notify_handle() - receive one notification (blocking until there is one)
 * and deal with it.
 * Return: 0; -ENOENT when the notifying thread went away before it could be
 * received or answered (harmless); -errno of the listener otherwise.
 */
int notify_handle(struct notify *n);

/*
 * notify_dispatch() - deal with the notifications waiting now, at most @max:
 * the listener is level-triggered, so a loop that calls again on the next
 * round gets the rest after serving its other sources, and a plugin that
 * floods the listener cannot starve them.  Call it when a poll of the
 * listener said POLLIN; then it never blocks.
 * Return: how many were received, or -errno of the listener.
 */
int notify_dispatch(struct notify *n, unsigned max);

/*
 * notify_answer_later() - answer a call its handler left NOTIFY_PENDING.
 * Return: 0; -ENOENT when the plugin's thread went away meanwhile.
 */
int notify_answer_later(struct notify *n, uint64_t id, int error, int64_t val, bool cont);

/*
 * Reading the plugin's memory: copies, checked against the notification's
 * id afterwards.  Return: bytes copied / the string's length; -EFAULT
 * (unmapped), -ENAMETOOLONG (no NUL within @size; @buf holds the truncated
 * string), -ENOENT (the notification is gone: the copy may be another
 * process's memory, do not use it), -EPERM.
 */
int notify_read(const struct notify_call *call, uint64_t addr, void *buf, size_t size);
int notify_read_string(const struct notify_call *call, uint64_t addr, char *buf, size_t size);

/* Whether the notification is still alive (its thread still waits in it). */
bool notify_id_valid(const struct notify_call *call);

/*
 * notify_read_path() - the path argument at @addr, made absolute the way the
 * kernel would resolve it: against @dirfd (AT_FDCWD: the working directory
 * of the notifying thread), as /proc shows those to the supervisor.  Inside
 * a private root that is the sandbox's view ("/tmp/x" is the sandbox's own
 * /tmp).  An empty path names @dirfd itself (AT_EMPTY_PATH).  The result is
 * not normalised and symlinks are not followed.
 * Return: its length; the errors of notify_read_string(); -ENOTDIR when
 * @dirfd names no directory path (a socket, an anonymous inode).
 */
int notify_read_path(const struct notify_call *call, int dirfd, uint64_t addr, char *buf,
		     size_t size);

/*
 * notify_addfd() - install @fd (the supervisor's) in the plugin, as
 * SECCOMP_IOCTL_NOTIF_ADDFD does; with @send the call is answered at the
 * same time, returning the new descriptor number (the handler then returns
 * NOTIFY_ANSWERED).  @newfd_flags: O_CLOEXEC or 0.
 * Return: the descriptor number in the plugin, or -errno.
 */
int notify_addfd(const struct notify_call *call, int fd, unsigned newfd_flags, bool send);

/*
 * notify_kill_caller() - SIGKILL to the process whose thread made the call,
 * while that thread still waits for its answer: it never returns to user
 * space.  The target is pinned with a pidfd and checked against the
 * notification's id, so a reused pid is never hit.
 * Return: 0, or -errno (-ENOENT: the thread is gone already).
 */
int notify_kill_caller(const struct notify_call *call);

/* Name of syscall @nr of the native architecture ("execve"), or NULL. */
const char *notify_syscall_name(int nr, char *buf, size_t size);

#endif /* QFS_NOTIFY_H */
