/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp user notifications: the supervisor's side of the listener.
 *
 * Today the filter routes only execve/execveat here (when exec is blocked):
 * the plan's own exec of the plugin is let through exactly once, every
 * later one is refused with EPERM and reported.  The enforcer extends this
 * to every forbidden syscall; the `denied` hook is where a refusal becomes
 * a violation.
 *
 * The answer never depends on memory the plugin can change: the one
 * allowed exec is recognised by its place in time (the first notification,
 * raised by our own code before any plugin code ran), not by its path.
 */
#ifndef QFS_NOTIFY_H
#define QFS_NOTIFY_H

#include <linux/seccomp.h>
#include <stdbool.h>

struct notify;

/* Called for each refused notification; @req is valid during the call. */
typedef void (*notify_denied_fn)(const struct seccomp_notif *req, int error, void *userdata);

/*
 * notify_new() - handle notifications arriving on @fd (borrowed: the caller
 * keeps and closes it, after notify_free()).
 * Return: 0 with *ret, -ENOMEM, or the error of SECCOMP_GET_NOTIF_SIZES.
 */
int notify_new(int fd, struct notify **ret);
struct notify *notify_free(struct notify *n);

void notify_set_denied(struct notify *n, notify_denied_fn fn, void *userdata);

/* Let the next execve/execveat through (the plugin's own start). */
void notify_allow_exec_once(struct notify *n);
bool notify_exec_consumed(const struct notify *n);

/*
 * notify_handle() - receive one notification and answer it.
 * Return: 0; -ENOENT when the notifying thread went away before it could be
 * received or answered (harmless); -errno of the listener otherwise.
 */
int notify_handle(struct notify *n);

/* Name of syscall @nr of the native architecture ("execve"), or NULL. */
const char *notify_syscall_name(int nr, char *buf, size_t size);

#endif /* QFS_NOTIFY_H */
