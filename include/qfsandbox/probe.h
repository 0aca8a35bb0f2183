/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — what this host offers.
 *
 * The launcher asks these questions before every start; `qfsandbox check`
 * prints the answers.  Results describe the calling process's view (its
 * user, its cgroup, its namespace), and are computed afresh on each call.
 */
#ifndef QFSANDBOX_PROBE_H
#define QFSANDBOX_PROBE_H

#include <qfsandbox/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * qfs_probe_json() - the host's capabilities as a JSON object: user
 * namespaces, Landlock ABI, seccomp filter and user notification, pidfd and
 * clone3, cgroup v2 (mounted, writable, delegated controllers) and v1
 * (writable hierarchies), and per level whether it can be fully enforced
 * here and, if not, the missing layers.
 * @ret: receives a string the caller frees with free().
 * Return: 0, -ENOMEM.
 */
QFS_EXPORT int qfs_probe_json(unsigned flags, char **ret);

/**
 * qfs_probe_level() - can @level be fully enforced here?
 * @err: when not, field "enforcement" and a message naming the missing layers.
 * Return: 0 yes, -ENOTSUP no, -EINVAL for a bad level.
 */
QFS_EXPORT int qfs_probe_level(int level, qfs_error *err);

#ifdef __cplusplus
}
#endif

#endif /* QFSANDBOX_PROBE_H */
