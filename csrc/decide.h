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

/* The device nodes every level may read and write (/dev/null ...). */
size_t decide_device_path_count(void);
const char *decide_device_path(size_t index);

/* Whether @path (normalised, @len bytes) lies in one of the policy's
 * allowed directories, whatever the permissions say. */
bool decide_in_allowed_directory(const qfs_policy *policy, const char *path, size_t len);

/* The apis_effect bits the policy asks for: from blocked_apis, from the
 * level (Strict: no exec, no process creation) and from
 * allow_process_creation (off: no process creation, from Limited up). */
unsigned decide_api_effects(const qfs_policy *policy);

/* Whether the policy's filter is Strict's allow-list (default deny). */
bool decide_allow_list(const qfs_policy *policy);

/* Where a refusal comes from. */
enum decide_source {
	DECIDE_NOT_REFUSED = 0,
	DECIDE_BLOCKED,	 /* blocked_apis names it, by itself or through a group */
	DECIDE_BASELINE, /* the deny-list of every level from Limited up */
	DECIDE_EFFECT,	 /* no exec / no process creation: refused by argument */
	DECIDE_UNLISTED, /* not on Strict's allow-list */
	DECIDE_ALWAYS,	 /* clone3: ENOSYS at every level from Limited up */
};

struct decide_refusal {
	enum decide_source source;
	qfs_violation_type type; /* what an attempt reports */
	const char *api;	 /* the blocked_apis entry responsible (the policy's
				  * string), NULL when the level refuses it */
	const char *reason;	 /* what the call does, in words ("mounting"); static;
				  * NULL when the table says nothing */
	int error;		 /* positive errno the call fails with */
};

/*
 * decide_syscall_refusal() - whether and why the policy refuses @syscall:
 * named in blocked_apis (by itself or through a group), in the level's
 * baseline deny-list, one of the syscalls of an active effect (see
 * apis_effect_syscalls(); those may be refused only for some arguments),
 * clone3, or missing from Strict's allow-list.  The first that applies, in
 * that order, is the reason.
 * Return: true when refused (then *@ret, when not NULL, says why).
 */
bool decide_syscall_refusal(const qfs_policy *policy, const char *syscall,
			    struct decide_refusal *ret);

/* decide_syscall_refusal() without the reason. */
bool decide_syscall_denied(const qfs_policy *policy, const char *syscall);

/*
 * decide_blocked_syscalls() - calls @fn for every syscall blocked_apis
 * names outright (plain names and the members of groups; the plain names
 * that stand for an effect excepted).  What the filter refuses besides the
 * baseline and the effects.
 */
void decide_blocked_syscalls(const qfs_policy *policy,
			     void (*fn)(const char *syscall, void *userdata), void *userdata);

/*
 * decide_effect_api() - the blocked_apis entry that asks for @effect (one
 * enum apis_effect bit), preferring the QtForge name of the effect ("exec",
 * "fork", "mmap", "dlopen"); NULL when only the level or a permission asks.
 */
const char *decide_effect_api(const qfs_policy *policy, unsigned effect);

/* Frees the cache; NULL-safe; returns NULL. */
struct decide_cache *decide_cache_free(struct decide_cache *cache);

#endif /* QFS_DECIDE_H */
