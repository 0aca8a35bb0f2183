/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox — run untrusted plugins under a security policy enforced by the
 * Linux kernel, and watch them.
 *
 *   policy.h    what a plugin may do and use; JSON load/save; validation
 *   enforcer.h  the decisions (paths, hosts, APIs) the sandbox enforces with
 *   loop.h      the poll loop that supervises sandboxes
 *   sandbox.h   starting a plugin, its events, its report
 *   monitor.h   usage of arbitrary processes and of the system
 *   probe.h     what the host offers
 */
#ifndef QFSANDBOX_H
#define QFSANDBOX_H

#include <qfsandbox/common.h>
#include <qfsandbox/enforcer.h>
#include <qfsandbox/loop.h>
#include <qfsandbox/monitor.h>
#include <qfsandbox/policy.h>
#include <qfsandbox/probe.h>
#include <qfsandbox/sandbox.h>

#endif /* QFSANDBOX_H */
