/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the decision functions (decide.c): host syntax, the system
 * runtime paths, which blocked-API effects and syscalls a policy denies, and
 * the path-decision cache kept inside a policy.
 */
#ifndef QFS_DECIDE_H
#define QFS_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include <qfsandbox/enforcer.h>

#define DECIDE_HOST_NAME_MAX 253

enum decide_host_kind {
	DECIDE_HOST_NAME,     /* "api.example.com" */
	DECIDE_HOST_WILDCARD, /* "*.example.com": name holds "example.com" */
	DECIDE_HOST_IPV4,
	DECIDE_HOST_IPV6,
};

struct decide_host {
	enum decide_host_kind kind;
	char name[DECIDE_HOST_NAME_MAX + 1]; /* lower case, no trailing dot */
	unsigned char addr[16];		     /* IPv4: first 4 bytes */
	int port;			     /* 1..65535, or -1 */
};

/*
 * decide_host_parse() - parse a host ("name", "name:port", "1.2.3.4:80",
 * "::1", "[::1]:443") or, with @pattern, also "*.name" with at least two
 * labels after the "*.".
 * @why: on failure, a static phrase saying what is wrong ("must not contain
 *       a scheme"), to follow the entry in a sentence.
 * Return: 0, or -EINVAL.
 */
int decide_host_parse(const char *text, bool pattern, struct decide_host *ret, const char **why);

/*
 * The system runtime paths: always readable, and exactly what the launcher
 * binds read-only into a private root.  Static strings, normalised.
 */
size_t decide_runtime_path_count(void);
const char *decide_runtime_path(size_t index);

/* The apis_effect bits the policy asks for: from blocked_apis, from the
 * level (Strict: no exec, no process creation) and from
 * allow_process_creation (off: no process creation, from Limited up). */
unsigned decide_api_effects(const qfs_policy *policy);

/*
 * decide_syscall_denied() - whether the policy denies @syscall: named in
 * blocked_apis (by itself or through a group), in the level's baseline
 * deny-list, or one of the syscalls of an active effect (see
 * apis_effect_syscalls(); those may be denied only for some arguments).
 */
bool decide_syscall_denied(const qfs_policy *policy, const char *syscall);

/* Frees the cache; NULL-safe; returns NULL. */
struct decide_cache *decide_cache_free(struct decide_cache *cache);

#endif /* QFS_DECIDE_H */
