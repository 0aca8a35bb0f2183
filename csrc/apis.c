/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one table of blocked_apis names, the baseline deny-list of every level
 * from Limited up, and the syscalls no program can live without.
 */
#include <seccomp.h>

#include <qfsandbox/enforcer.h>

#include "apis.h"
#include "util.h"

#define SYSCALLS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_SYSCALLS   ((const char *const[]){NULL})

#define V_SYSCALL QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL
#define V_PROCESS QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION
#define V_NETWORK QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS
#define V_API	  QFS_VIOLATION_BLOCKED_API_CALL

#define EXEC_AND_FORK (APIS_NO_EXEC | APIS_NO_PROCESS_CREATION)
#define EXEC_SENTENCE                                                                              \
	"No execve/execveat once the plugin runs and no fork/vfork/clone of processes "            \
	"(threads stay allowed): the Linux meaning of "

/*
 * Groups first, then the QtForge names.  The README's table is the output
 * of `qfsandbox policy apis --markdown`, and a test keeps the two equal.
 */
static const struct apis_entry apis_table[] = {
	{"@mount", "Mounting, unmounting and changing the root: the new mount API included.",
	 V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
		  "fsmount", "fsconfig", "fspick", "mount_setattr")},
	{"@network",
	 "No sockets: creating, connecting, binding, listening and accepting are denied, so "
	 "neither the network nor local socket services can be reached.",
	 V_NETWORK, APIS_SYSCALLS,
	 SYSCALLS("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
		  "socketcall")},
	{"@process",
	 "No execve, no process creation (threads stay allowed) and no signals or pidfds "
	 "aimed at other processes.",
	 V_PROCESS, APIS_SYSCALLS | EXEC_AND_FORK,
	 SYSCALLS("kill", "tkill", "rt_sigqueueinfo", "pidfd_open", "pidfd_send_signal",
		  "pidfd_getfd", "process_madvise", "process_mrelease")},
	{"@privileged",
	 "Calls only a privileged process makes: changing user and group ids, capabilities, the "
	 "root directory, host names, quotas and process accounting.",
	 V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
		  "setfsgid", "setgroups", "capset", "chroot", "acct", "quotactl", "quotactl_fd",
		  "sethostname", "setdomainname", "vhangup", "nfsservctl")},
	{"@debug",
	 "Inspecting or changing other processes: ptrace, cross-process memory access, "
	 "performance counters and kcmp.",
	 V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("ptrace", "process_vm_readv", "process_vm_writev", "perf_event_open", "kcmp")},
	{"@module", "Loading and unloading kernel modules.", V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("init_module", "finit_module", "delete_module")},
	{"@raw-io", "Direct access to I/O ports and PCI configuration space.", V_SYSCALL,
	 APIS_SYSCALLS,
	 SYSCALLS("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
		  "s390_pci_mmio_read", "s390_pci_mmio_write")},
	{"@reboot", "Rebooting the machine and loading a new kernel.", V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("reboot", "kexec_load", "kexec_file_load")},
	{"@swap", "Turning swap areas on and off.", V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("swapon", "swapoff")},
	{"@keyring", "The kernel keyring, which is not namespaced.", V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("add_key", "keyctl", "request_key")},
	{"@io-uring",
	 "The io_uring interface, whose requests bypass seccomp and have been a rich source of "
	 "kernel bugs.",
	 V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("io_uring_setup", "io_uring_enter", "io_uring_register")},
	{"@clock", "Setting or adjusting the system clock.", V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime")},
	{"@bpf", "Loading BPF programs and maps.", V_SYSCALL, APIS_SYSCALLS, SYSCALLS("bpf")},
	{"@namespaces", "Entering or creating namespaces with unshare and setns.", V_SYSCALL,
	 APIS_SYSCALLS, SYSCALLS("unshare", "setns")},
	{"@cpu-emulation",
	 "Legacy CPU modes and segment tables (modify_ldt, vm86), rarely needed and often "
	 "abused.",
	 V_SYSCALL, APIS_SYSCALLS,
	 SYSCALLS("modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old")},
	{"@memlock", "Locking memory into RAM, which escapes the memory accounting of swap.",
	 V_SYSCALL, APIS_SYSCALLS, SYSCALLS("mlock", "mlock2", "mlockall")},
	{"@userfaultfd",
	 "The userfaultfd interface, which lets a program stall the kernel at a chosen memory "
	 "access (a race "
	 "widener for exploits).",
	 V_SYSCALL, APIS_SYSCALLS, SYSCALLS("userfaultfd")},
	{"@personality", "Changing the execution domain (personality), e.g. to disable ASLR.",
	 V_SYSCALL, APIS_SYSCALLS, SYSCALLS("personality")},
	{"exec", EXEC_SENTENCE "exec.", V_PROCESS, EXEC_AND_FORK, NO_SYSCALLS},
	{"system", EXEC_SENTENCE "system().", V_PROCESS, EXEC_AND_FORK, NO_SYSCALLS},
	{"CreateProcess", EXEC_SENTENCE "the Windows CreateProcess.", V_PROCESS, EXEC_AND_FORK,
	 NO_SYSCALLS},
	{"ShellExecute", EXEC_SENTENCE "the Windows ShellExecute.", V_PROCESS, EXEC_AND_FORK,
	 NO_SYSCALLS},
	{"fork", "No fork/vfork/clone of processes; threads stay allowed.", V_PROCESS,
	 APIS_NO_PROCESS_CREATION, NO_SYSCALLS},
	{"mmap",
	 "W^X: no memory that is both writable and executable (PR_SET_MDWE, and mmap/mprotect "
	 "with write and execute together denied); mapping memory itself stays allowed.",
	 V_API, APIS_WX, NO_SYSCALLS},
	{"VirtualAlloc", "W^X, as for mmap: the Linux meaning of the Windows VirtualAlloc.", V_API,
	 APIS_WX, NO_SYSCALLS},
	{"dlopen",
	 "Nothing the plugin can write may be mapped executable: every writable mount is "
	 "noexec, so a library it drops cannot be loaded.",
	 V_API, APIS_NOEXEC_WRITABLE, NO_SYSCALLS},
	{"LoadLibrary", "As dlopen: the Linux meaning of the Windows LoadLibrary.", V_API,
	 APIS_NOEXEC_WRITABLE, NO_SYSCALLS},
};

/*
 * What every level from Limited up denies.  Personality changes are denied
 * by argument (only the plain Linux persona and the 0xffffffff query pass)
 * since glibc and some runtimes query it.
 */
static const struct apis_deny apis_baseline[] = {
	{"mount", V_SYSCALL, 0, "mounting"},
	{"umount", V_SYSCALL, 0, "unmounting"},
	{"umount2", V_SYSCALL, 0, "unmounting"},
	{"pivot_root", V_SYSCALL, 0, "changing the root"},
	{"move_mount", V_SYSCALL, 0, "mounting"},
	{"open_tree", V_SYSCALL, 0, "cloning a mount tree"},
	{"fsopen", V_SYSCALL, 0, "mounting"},
	{"fsmount", V_SYSCALL, 0, "mounting"},
	{"fsconfig", V_SYSCALL, 0, "mounting"},
	{"fspick", V_SYSCALL, 0, "reconfiguring a mount"},
	{"mount_setattr", V_SYSCALL, 0, "changing mount flags"},
	{"init_module", V_SYSCALL, 0, "loading a kernel module"},
	{"finit_module", V_SYSCALL, 0, "loading a kernel module"},
	{"delete_module", V_SYSCALL, 0, "unloading a kernel module"},
	{"kexec_load", V_SYSCALL, 0, "loading a new kernel"},
	{"kexec_file_load", V_SYSCALL, 0, "loading a new kernel"},
	{"reboot", V_SYSCALL, 0, "rebooting"},
	{"swapon", V_SYSCALL, 0, "enabling swap"},
	{"swapoff", V_SYSCALL, 0, "disabling swap"},
	{"bpf", V_SYSCALL, 0, "loading BPF programs"},
	{"perf_event_open", V_SYSCALL, 0, "opening performance counters"},
	{"userfaultfd", V_SYSCALL, 0, "handling page faults in user space"},
	{"keyctl", V_SYSCALL, 0, "using the kernel keyring"},
	{"add_key", V_SYSCALL, 0, "using the kernel keyring"},
	{"request_key", V_SYSCALL, 0, "using the kernel keyring"},
	{"ptrace", V_SYSCALL, 0, "tracing a process"},
	{"process_vm_readv", V_SYSCALL, 0, "reading another process's memory"},
	{"process_vm_writev", V_SYSCALL, 0, "writing another process's memory"},
	{"kcmp", V_SYSCALL, 0, "comparing kernel objects of other processes"},
	{"unshare", V_SYSCALL, 0, "creating namespaces"},
	{"setns", V_SYSCALL, 0, "entering namespaces"},
	{"open_by_handle_at", V_SYSCALL, 0, "opening a file by handle, bypassing paths"},
	{"name_to_handle_at", V_SYSCALL, 0, "obtaining file handles"},
	{"io_uring_setup", V_SYSCALL, 0, "using io_uring"},
	{"io_uring_enter", V_SYSCALL, 0, "using io_uring"},
	{"io_uring_register", V_SYSCALL, 0, "using io_uring"},
	{"iopl", V_SYSCALL, 0, "raw I/O port access"},
	{"ioperm", V_SYSCALL, 0, "raw I/O port access"},
	{"acct", V_SYSCALL, 0, "process accounting"},
	{"quotactl", V_SYSCALL, 0, "changing disk quotas"},
	{"quotactl_fd", V_SYSCALL, 0, "changing disk quotas"},
	{"syslog", V_SYSCALL, 0, "reading the kernel log"},
	{"vhangup", V_SYSCALL, 0, "hanging up the terminal"},
	{"uselib", V_SYSCALL, 0, "loading a library the obsolete way"},
	{"chroot", V_SYSCALL, 0, "changing the root directory"},
	{"settimeofday", V_SYSCALL, 0, "setting the clock"},
	{"clock_settime", V_SYSCALL, 0, "setting the clock"},
	{"clock_adjtime", V_SYSCALL, 0, "adjusting the clock"},
	{"adjtimex", V_SYSCALL, 0, "adjusting the clock"},
	{"personality", V_SYSCALL, APIS_DENY_ARGS, "changing the execution domain"},
};

/*
 * Syscalls no program can live without.  Blocking one would not make a
 * plugin safer, only make it die in its loader or at exit, so validation
 * refuses them with the reason.
 */
static const struct {
	const char *syscall;
	const char *reason;
} apis_essential[] = {
	{"read", "every program reads its input and its libraries"},
	{"write", "every program writes its output"},
	{"close", "every program closes descriptors"},
	{"exit", "a thread that cannot exit could only be killed"},
	{"exit_group", "a program that cannot exit could only be killed"},
	{"rt_sigreturn", "returning from a signal handler needs it"},
	{"restart_syscall", "the kernel uses it to resume interrupted calls"},
	{"brk", "the C library's allocator needs it"},
	{"mprotect",
	 "the dynamic loader needs it to protect relocated data; block \"mmap\" for W^X"},
	{"munmap", "every allocator and the dynamic loader need it"},
	{"futex", "every lock and every thread join needs it"},
	{"arch_prctl", "the C library sets up thread-local storage with it"},
	{"set_tid_address", "the C library calls it at start-up"},
};

/*
 * The allow-list of Strict: what static and dynamic C programs, python3,
 * node and the plugin host make during an ordinary life.  Names this
 * architecture lacks are skipped; anything the policy refuses is dropped
 * from the list.  Calls with an argument check of their own (clone, mmap,
 * mprotect, pkey_mprotect, memfd_create, ioctl, personality, execve,
 * execveat, fork, vfork, clone3) are not here.
 */
static const char *const apis_allow_table[] = {
	/* files and descriptors */
	"read",
	"write",
	"readv",
	"writev",
	"pread64",
	"pwrite64",
	"preadv",
	"pwritev",
	"preadv2",
	"pwritev2",
	"open",
	"openat",
	"openat2",
	"creat",
	"close",
	"close_range",
	"lseek",
	"_llseek",
	"dup",
	"dup2",
	"dup3",
	"fcntl",
	"fcntl64",
	"flock",
	"fsync",
	"fdatasync",
	"sync",
	"syncfs",
	"sync_file_range",
	"fadvise64",
	"fadvise64_64",
	"readahead",
	"fallocate",
	"truncate",
	"truncate64",
	"ftruncate",
	"ftruncate64",
	"stat",
	"stat64",
	"fstat",
	"fstat64",
	"lstat",
	"lstat64",
	"newfstatat",
	"fstatat64",
	"statx",
	"statfs",
	"statfs64",
	"fstatfs",
	"fstatfs64",
	"access",
	"faccessat",
	"faccessat2",
	"getdents",
	"getdents64",
	"getcwd",
	"chdir",
	"fchdir",
	"rename",
	"renameat",
	"renameat2",
	"mkdir",
	"mkdirat",
	"rmdir",
	"link",
	"linkat",
	"unlink",
	"unlinkat",
	"symlink",
	"symlinkat",
	"readlink",
	"readlinkat",
	"chmod",
	"fchmod",
	"fchmodat",
	"chown",
	"fchown",
	"lchown",
	"fchownat",
	"umask",
	"utime",
	"utimes",
	"utimensat",
	"futimesat",
	"getxattr",
	"lgetxattr",
	"fgetxattr",
	"listxattr",
	"llistxattr",
	"flistxattr",
	"setxattr",
	"lsetxattr",
	"fsetxattr",
	"removexattr",
	"lremovexattr",
	"fremovexattr",
	"mknod",
	"mknodat",
	"sendfile",
	"sendfile64",
	"splice",
	"tee",
	"vmsplice",
	"copy_file_range",
	"pipe",
	"pipe2",
	/* memory */
	"brk",
	"munmap",
	"mremap",
	"msync",
	"mincore",
	"madvise",
	"mlock",
	"mlock2",
	"munlock",
	"mlockall",
	"munlockall",
	"get_mempolicy",
	"set_mempolicy",
	"mbind",
	"membarrier",
	"pkey_alloc",
	"pkey_free",
	/* polling and events */
	"poll",
	"ppoll",
	"select",
	"_newselect",
	"pselect6",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_wait",
	"epoll_pwait",
	"epoll_pwait2",
	"eventfd",
	"eventfd2",
	"signalfd",
	"signalfd4",
	"timerfd_create",
	"timerfd_settime",
	"timerfd_gettime",
	"inotify_init",
	"inotify_init1",
	"inotify_add_watch",
	"inotify_rm_watch",
	/* time */
	"time",
	"gettimeofday",
	"clock_gettime",
	"clock_getres",
	"clock_nanosleep",
	"nanosleep",
	"alarm",
	"getitimer",
	"setitimer",
	"timer_create",
	"timer_settime",
	"timer_gettime",
	"timer_getoverrun",
	"timer_delete",
	"times",
	/* signals */
	"rt_sigaction",
	"rt_sigprocmask",
	"rt_sigreturn",
	"rt_sigpending",
	"rt_sigtimedwait",
	"rt_sigsuspend",
	"rt_sigqueueinfo",
	"rt_tgsigqueueinfo",
	"sigaltstack",
	"sigreturn",
	"pause",
	"kill",
	"tkill",
	"tgkill",
	"pidfd_open",
	"pidfd_send_signal",
	/* processes and threads (creation is checked by argument, see below) */
	"exit",
	"exit_group",
	"wait4",
	"waitid",
	"getpid",
	"gettid",
	"getppid",
	"getpgid",
	"getpgrp",
	"getsid",
	"setsid",
	"setpgid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"getresuid",
	"getresgid",
	"getgroups",
	"capget",
	"prctl",
	"arch_prctl",
	"set_tid_address",
	"set_robust_list",
	"get_robust_list",
	"rseq",
	"futex",
	"futex_waitv",
	"restart_syscall",
	"sched_yield",
	"sched_getaffinity",
	"sched_setaffinity",
	"sched_getparam",
	"sched_setparam",
	"sched_getscheduler",
	"sched_setscheduler",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_rr_get_interval",
	"sched_getattr",
	"sched_setattr",
	"getpriority",
	"setpriority",
	"ioprio_get",
	"ioprio_set",
	"getrlimit",
	"setrlimit",
	"prlimit64",
	"ugetrlimit",
	"getrusage",
	"getcpu",
	"get_thread_area",
	"set_thread_area",
	"uname",
	"sysinfo",
	"getrandom",
	"seccomp",
	"landlock_create_ruleset",
	"landlock_add_rule",
	"landlock_restrict_self",
	/* System V and POSIX IPC, private to the sandbox's IPC namespace */
	"shmget",
	"shmat",
	"shmdt",
	"shmctl",
	"semget",
	"semop",
	"semtimedop",
	"semctl",
	"msgget",
	"msgsnd",
	"msgrcv",
	"msgctl",
	"mq_open",
	"mq_unlink",
	"mq_timedsend",
	"mq_timedreceive",
	"mq_notify",
	"mq_getsetattr",
	/* asynchronous I/O (not io_uring) */
	"io_setup",
	"io_destroy",
	"io_submit",
	"io_cancel",
	"io_getevents",
	"io_pgetevents",
	/* sockets: reach is decided by the network namespace and Landlock */
	"socket",
	"socketpair",
	"connect",
	"bind",
	"listen",
	"accept",
	"accept4",
	"getsockname",
	"getpeername",
	"sendto",
	"recvfrom",
	"sendmsg",
	"recvmsg",
	"sendmmsg",
	"recvmmsg",
	"shutdown",
	"setsockopt",
	"getsockopt",
};

/* The calls whose arguments decide, in both filter shapes; the allow-list
 * leaves them to the argument rules. */
static const char *const apis_argument_rules[] = {
	"execve", "execveat", "fork",	       "vfork", "clone",       "clone3",       "mmap",
	"mmap2",  "mprotect", "pkey_mprotect", "ioctl", "personality", "memfd_create", "socket",
};

static const char *const effect_no_exec[] = {"execve", "execveat", NULL};
static const char *const effect_no_process[] = {"fork", "vfork", "clone", "clone3", NULL};
static const char *const effect_wx[] = {"mmap", "mprotect", "pkey_mprotect", NULL};
static const char *const effect_none[] = {NULL};

size_t apis_count(void)
{
	return ARRAY_SIZE(apis_table);
}

const struct apis_entry *apis_get(size_t index)
{
	return index < ARRAY_SIZE(apis_table) ? &apis_table[index] : NULL;
}

const struct apis_entry *apis_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(apis_table); i++)
		if (streq(apis_table[i].name, name))
			return &apis_table[i];
	return NULL;
}

const char *const *apis_effect_syscalls(unsigned effect)
{
	switch (effect) {
	case APIS_NO_EXEC:
		return effect_no_exec;
	case APIS_NO_PROCESS_CREATION:
		return effect_no_process;
	case APIS_WX:
		return effect_wx;
	default:
		return effect_none;
	}
}

bool apis_is_syscall(const char *name)
{
	/* libseccomp answers a negative pseudo number for syscalls that exist
	 * only on other architectures, and __NR_SCMP_ERROR for unknown names. */
	return name && *name && seccomp_syscall_resolve_name(name) >= 0;
}

const char *apis_essential_reason(const char *syscall)
{
	for (size_t i = 0; syscall && i < ARRAY_SIZE(apis_essential); i++)
		if (streq(apis_essential[i].syscall, syscall))
			return apis_essential[i].reason;
	return NULL;
}

size_t apis_baseline_count(void)
{
	return ARRAY_SIZE(apis_baseline);
}

const struct apis_deny *apis_baseline_get(size_t index)
{
	return index < ARRAY_SIZE(apis_baseline) ? &apis_baseline[index] : NULL;
}

const struct apis_deny *apis_baseline_find(const char *syscall)
{
	for (size_t i = 0; syscall && i < ARRAY_SIZE(apis_baseline); i++)
		if (streq(apis_baseline[i].syscall, syscall))
			return &apis_baseline[i];
	return NULL;
}

size_t apis_allow_count(void)
{
	return ARRAY_SIZE(apis_allow_table);
}

const char *apis_allow_get(size_t index)
{
	return index < ARRAY_SIZE(apis_allow_table) ? apis_allow_table[index] : NULL;
}

bool apis_allow_listed(const char *syscall)
{
	for (size_t i = 0; syscall && i < ARRAY_SIZE(apis_allow_table); i++)
		if (streq(apis_allow_table[i], syscall))
			return true;
	return false;
}

bool apis_argument_rule(const char *syscall)
{
	for (size_t i = 0; syscall && i < ARRAY_SIZE(apis_argument_rules); i++)
		if (streq(apis_argument_rules[i], syscall))
			return true;
	return false;
}

bool apis_list_contains(const char *const *list, const char *syscall)
{
	for (; list && *list; list++)
		if (streq(*list, syscall))
			return true;
	return false;
}

/* Public view of the table. */

size_t qfs_api_count(void)
{
	return apis_count();
}

const char *qfs_api_name(size_t index)
{
	const struct apis_entry *e = apis_get(index);
	return e ? e->name : NULL;
}

const char *qfs_api_description(size_t index)
{
	const struct apis_entry *e = apis_get(index);
	return e ? e->description : NULL;
}

int qfs_api_violation_type(size_t index)
{
	const struct apis_entry *e = apis_get(index);
	return e ? (int)e->violation : -EINVAL;
}

const char *const *qfs_api_syscalls(size_t index)
{
	const struct apis_entry *e = apis_get(index);
	return e ? e->syscalls : NULL;
}

bool qfs_api_known(const char *name)
{
	return apis_find(name) || apis_is_syscall(name);
}
