/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network namespace the network tests and benchmark run in: their own,
 * entered by the test process itself before it starts any thread, with no
 * interface but lo and on lo only the addresses the test adds (a private
 * range, 198.18.0.0/15, and fdec::/16).  Servers, supervisor and the
 * sandboxes it makes all live inside it, so nothing any of them sends can
 * leave the machine: there is no route out.
 *
 * As root the namespace is entered directly (CLONE_NEWNET); otherwise
 * inside a user namespace of our own that maps only our own uid and gid,
 * so the launcher still takes its unprivileged path.
 */
#ifndef QFS_TESTNET_NS_H
#define QFS_TESTNET_NS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * testnet_enter() - enter a new network namespace and bring lo up.  Must be
 * called before the process has a second thread.
 * Return: 0, or -errno with @why saying what failed.
 */
int testnet_enter(char *why, size_t why_size);

/* testnet_add_address() - add "198.18.0.2" (/32) or "fdec::3" (/128) to lo.
 * Return: 0 or -errno. */
int testnet_add_address(const char *address);

#ifdef __cplusplus
}
#endif

#endif
