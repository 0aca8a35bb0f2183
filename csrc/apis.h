/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The blocked-API table and the baseline deny-list.
 *
 * Every name that blocked_apis accepts besides a plain syscall name is one
 * row of apis_table[] in apis.c: a group ("@mount") or a QtForge name
 * ("exec", "mmap").  A row says which syscalls it denies outright (its
 * NULL-terminated syscall list, effect APIS_SYSCALLS) and which broader
 * effects it asks of the launcher (no execve, no process creation, W^X,
 * noexec writable mounts), and the QtForge violation type it reports.
 *
 * The baseline deny-list is what every level from Limited up denies, with or
 * without blocked_apis.
 *
 * Readers: the policy validator, the decision functions (decide.c), the
 * seccomp filter builder and the violation reporter.  All data is static and
 * read-only; every function here is thread-safe.
 */
#ifndef QFS_APIS_H
#define QFS_APIS_H

#include <stdbool.h>
#include <stddef.h>

#include <qfsandbox/common.h>

/* What blocking an entry asks of the sandbox. */
enum apis_effect {
	/* Deny every syscall of the entry's list. */
	APIS_SYSCALLS = 1u << 0,
	/* No execve/execveat once the plugin runs (its own start excepted). */
	APIS_NO_EXEC = 1u << 1,
	/* No fork/vfork/clone of processes; threads (CLONE_THREAD) stay
	 * allowed; clone3 answers ENOSYS so that libc falls back to clone,
	 * whose flags a filter can inspect. */
	APIS_NO_PROCESS_CREATION = 1u << 2,
	/* No memory both writable and executable: PR_SET_MDWE, plus seccomp
	 * on mmap/mprotect/pkey_mprotect with PROT_WRITE|PROT_EXEC. */
	APIS_WX = 1u << 3,
	/* Every mount the plugin can write is mounted noexec, so nothing it
	 * writes can be mapped executable (dlopen of a dropped library). */
	APIS_NOEXEC_WRITABLE = 1u << 4,
};

struct apis_entry {
	const char *name;
	const char *description;      /* one sentence */
	qfs_violation_type violation; /* what an attempt reports */
	unsigned effects;	      /* enum apis_effect */
	const char *const *syscalls;  /* NULL-terminated; empty without APIS_SYSCALLS */
};

size_t apis_count(void);
/* Row @index, NULL out of range. */
const struct apis_entry *apis_get(size_t index);
/* The row named @name (exact, case-sensitive), or NULL. */
const struct apis_entry *apis_find(const char *name);

/* The syscalls an effect bit stands for (NULL-terminated), for reports and
 * for questions about single syscall names: APIS_NO_EXEC -> execve,
 * execveat; APIS_NO_PROCESS_CREATION -> fork, vfork, clone, clone3;
 * APIS_WX -> mmap, mprotect, pkey_mprotect (argument-restricted);
 * APIS_NOEXEC_WRITABLE and APIS_SYSCALLS -> empty. */
const char *const *apis_effect_syscalls(unsigned effect);

/* Whether @name is a syscall libseccomp knows for the native architecture
 * (a syscall that exists only on other architectures does not count). */
bool apis_is_syscall(const char *name);

/* Why @syscall may never be blocked, or NULL when it may. */
const char *apis_essential_reason(const char *syscall);

/* One row of the baseline deny-list. */
enum apis_deny_flags {
	/* Denied only for some arguments; the seccomp module checks them
	 * (personality: only the plain Linux persona and the query). */
	APIS_DENY_ARGS = 1u << 0,
};

struct apis_deny {
	const char *syscall;
	qfs_violation_type violation;
	unsigned flags; /* enum apis_deny_flags */
	const char *reason;
};

size_t apis_baseline_count(void);
const struct apis_deny *apis_baseline_get(size_t index);
/* The baseline row for @syscall, or NULL. */
const struct apis_deny *apis_baseline_find(const char *syscall);

/*
 * Strict's allow-list: what static and dynamic C programs, python3, node and
 * the plugin host make during an ordinary life.  Everything else is refused
 * under Strict (unless allow_system_calls), as are the listed calls the
 * policy refuses otherwise.  The calls whose arguments decide (exec, process
 * creation, mmap/mprotect for W^X, memfd_create, socket, ioctl, personality:
 * apis_argument_rule()) are not in it; the filter checks their arguments in
 * both shapes.
 */
size_t apis_allow_count(void);
const char *apis_allow_get(size_t index);
bool apis_allow_listed(const char *syscall);
bool apis_argument_rule(const char *syscall);

/* Whether @syscall is in the NULL-terminated @list. */
bool apis_list_contains(const char *const *list, const char *syscall);

#endif /* QFS_APIS_H */
