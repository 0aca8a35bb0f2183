/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The enforcer: what the supervisor answers to a seccomp notification, and
 * the violation it becomes.  See enforcer_internal.h for the design.
 *
 * Two kinds of notification arrive here.
 *
 * Refusals (the fallback handler): the filter already decided, and the
 * answer is always a refusal; the enforcer only finds out why (decide.c,
 * from the registers) and says it in words, reading string arguments from
 * the plugin's memory for the report alone.
 *
 * File syscalls (the file handlers): the path is copied out of the plugin,
 * made absolute and judged in the sandbox's view.  A write outside is
 * refused here (EACCES) and reported; a read outside is reported and left
 * to the kernel (see on_file()); anything else is answered CONTINUE.
 * CONTINUE is safe here, and only here, because the kernel re-reads the
 * path and every layer that enforced the policy before the enforcer
 * existed still stands behind it: Landlock judges the object the kernel
 * resolves, the private root decides what exists, read-only mounts refuse
 * writes.  A racing thread that swaps the path after our copy therefore
 * gains nothing but the absence of a report.  CONTINUE would not be safe
 * where the supervisor's judgement is the only check: changes of a file's
 * mode, owner, times and extended attributes, which Landlock does not
 * cover, rest on the private root's read-only mounts in Sandboxed and
 * Strict; without a private root the supervisor makes them itself on the
 * object it judged (see "Metadata without a private root" below).  A
 * network destination must be connected by the supervisor itself (ADDFD),
 * never continued.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <qfsandbox/enforcer.h>

#include "apis.h"
#include "decide.h"
#include "enforcer_internal.h"
#include "notify.h"
#include "seccomp_policy.h"
#include "util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

struct enforcer {
	const qfs_policy *policy;
	bool private_root;
	bool strict;
	unsigned effects;
	unsigned sockets;
	unsigned host;
	unsigned files;
	uid_t uid;
	gid_t gid;
	char *plugin_file;
	char *interpreter;
};

unsigned enforcer_files_of(const qfs_policy *policy)
{
	unsigned files;

	if (qfs_policy_get_level(policy) <= QFS_LEVEL_UNRESTRICTED)
		return 0;
	files = ENFORCER_FILE_WRITES;
	/* Reads are reported where the policy names the directories they are
	 * confined to.  Without allowed_directories a plugin may read the
	 * runtime alone, and every program probes paths it will not find
	 * (configuration files, caches): reporting those would bury the
	 * attempts that matter, and end every Strict plugin at its first
	 * probe. */
	if (qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES) > 0)
		files |= ENFORCER_FILE_READS;
	return files;
}

int enforcer_new(const struct enforcer_view *view, struct enforcer **ret)
{
	struct enforcer *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->policy = view->policy;
	e->private_root = view->private_root;
	e->strict = view->strict;
	e->effects = view->effects;
	e->sockets = view->sockets;
	e->host = view->host;
	e->files = view->files;
	e->uid = view->uid;
	e->gid = view->gid;
	if (view->plugin_file && !(e->plugin_file = strdup(view->plugin_file)))
		goto oom;
	if (view->interpreter && !(e->interpreter = strdup(view->interpreter)))
		goto oom;
	*ret = e;
	return 0;
oom:
	enforcer_free(e);
	return -ENOMEM;
}

struct enforcer *enforcer_free(struct enforcer *e)
{
	if (e) {
		free(e->plugin_file);
		free(e->interpreter);
		free(e);
	}
	return NULL;
}

/*
 * Paths in the sandbox's view.
 */

/* Both normalised: @path equals @dir or lies below it. */
static bool under(const char *path, const char *dir)
{
	size_t d = strlen(dir);

	if (d == 1)
		return true;
	return strncmp(path, dir, d) == 0 && (path[d] == '\0' || path[d] == '/');
}

static bool is_device(const char *path)
{
	for (size_t i = 0; i < decide_device_path_count(); i++)
		if (streq(path, decide_device_path(i)))
			return true;
	return false;
}

static bool is_plugin(const struct enforcer *e, const char *p)
{
	return (e->plugin_file && streq(p, e->plugin_file)) ||
	       (e->interpreter && streq(p, e->interpreter));
}

/*
 * Reading: Landlock's rules add up, so a path is readable when any of them
 * grants it: the policy's (runtime paths, allowed directories with read),
 * the plugin and its interpreter, the devices, /proc, and inside a private
 * root the rule on its /tmp.
 */
static bool readable(const struct enforcer *e, const char *p)
{
	if (qfs_policy_check_path(e->policy, p, false) == 1 || is_device(p) || is_plugin(e, p))
		return true;
	return under(p, "/proc") || (e->private_root && under(p, "/tmp"));
}

/*
 * Writing needs Landlock's grant (the policy's allowed directories with
 * write, the devices, a private root's /tmp) and, inside a private root, a
 * writable mount: the most specific one holding the path decides (an
 * allowed directory bound read-only inside /tmp stays read-only; the
 * plugin's file is bound read-only wherever it lies).
 */
static bool writable(const struct enforcer *e, const char *p)
{
	bool granted = qfs_policy_check_path(e->policy, p, true) == 1 || is_device(p) ||
		       (e->private_root && under(p, "/tmp"));

	if (!granted || !e->private_root)
		return granted;
	if (is_device(p))
		return true;
	if (is_plugin(e, p))
		return false;
	if (decide_in_allowed_directory(e->policy, p, strlen(p)))
		return qfs_policy_check_path(e->policy, p, true) == 1;
	return under(p, "/tmp");
}

int enforcer_check_path(const struct enforcer *e, const char *path, unsigned access)
{
	char p[PATH_MAX];

	if (qfs_path_normalize(path, p, sizeof(p)) < 0)
		return path && path[0] == '/' ? 0 : -EINVAL;
	/* A private root's /dev/shm is a symlink to its /tmp. */
	if (e->private_root && under(p, "/dev/shm")) {
		char t[PATH_MAX];
		if (snprintf(t, sizeof(t), "/tmp%s", p + strlen("/dev/shm")) >= (int)sizeof(t))
			return 0;
		memcpy(p, t, strlen(t) + 1);
	}
	if ((access & ENFORCER_WRITE) && !writable(e, p))
		return 0;
	if ((access & ENFORCER_READ) && !readable(e, p))
		return 0;
	return 1;
}

/* Paths whose opening the kernel alone decides: the magic links that reopen
 * a descriptor the plugin already holds (/proc/self/fd/1 behind
 * /dev/stdout).  Landlock lets pipes and sockets through there and judges
 * files by what they are, so judging the name would refuse what the kernel
 * allows. */
static bool kernel_decides(const char *p)
{
	static const char *const links[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd"};

	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (under(p, links[i]))
			return true;
	if (!under(p, "/proc"))
		return false;
	/* /proc/<pid|self|thread-self>/[task/<tid>/]fd/... */
	const char *fd = strstr(p, "/fd");
	return fd && (fd[3] == '\0' || fd[3] == '/');
}

/* Whether @p is a directory on the way to something the plugin may reach.
 * A program searching for its files lists them (the plugin's own directory
 * first of all); inside a private root they hold nothing but mount points,
 * and on the host Landlock refuses them without anything to report. */
static bool on_the_way(const struct enforcer *e, const char *p)
{
	const qfs_policy *policy = e->policy;
	size_t n = qfs_policy_list_count(policy, QFS_LIST_ALLOWED_DIRECTORIES);

	for (size_t i = 0; i < decide_runtime_path_count(); i++)
		if (under(decide_runtime_path(i), p))
			return true;
	for (size_t i = 0; i < n; i++) {
		char d[PATH_MAX];
		if (qfs_path_normalize(qfs_policy_list_get(policy, QFS_LIST_ALLOWED_DIRECTORIES, i),
				       d, sizeof(d)) > 0 &&
		    under(d, p))
			return true;
	}
	if ((e->plugin_file && under(e->plugin_file, p)) ||
	    (e->interpreter && under(e->interpreter, p)))
		return true;
	return under("/dev/null", p) || under("/proc", p) || under("/tmp", p);
}

/*
 * Which refused reads are attempts worth a report.  Every runtime probes
 * for files it can do without, and reporting those would bury the
 * attempts that matter (and end every Strict plugin at its first probe):
 *  - a directory on the way to something the plugin may reach, which a
 *    program searching for its files lists (see on_the_way());
 *  - anything under /sys, where runtimes read the CPU count and their
 *    cgroup's memory limit at start: a private root has no /sys, and
 *    Landlock refuses it on the host, without a word from us;
 *  - a name that exists nowhere: node looks for package.json in every
 *    parent directory, Python for its configuration files.  A read of
 *    nothing reaches nothing; the kernel answers ENOENT.  Whether it
 *    exists is asked of the host (lstat, no automount), since the paths
 *    the plugin names outside its view are host paths.
 * Writes are always reported: creating or changing a file is never a
 * probe.
 */
static bool read_worth_reporting(const struct enforcer *e, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (qfs_path_normalize(path, p, sizeof(p)) < 0)
		return true;
	if (on_the_way(e, p) || under(p, "/sys"))
		return false;
	return fstatat(AT_FDCWD, p, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) == 0 ||
	       errno != ENOENT;
}

/*
 * Words.
 */

struct out {
	char *buf;
	size_t size, len;
};

static void out_add(struct out *o, const char *fmt, ...) _printf_(2, 3);
static void out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->size ? o->len + (size_t)n : o->size - 1;
}

struct name {
	uint64_t value;
	const char *name;
};

#define N(x)                                                                                       \
	{                                                                                          \
		x, #x                                                                              \
	}

/* "A|B|0x40": the names of the bits of @v that have one, then the rest. */
static void out_flags(struct out *o, uint64_t v, const struct name *names, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		if (names[i].value && (v & names[i].value) == names[i].value) {
			out_add(o, "%s%s", any ? "|" : "", names[i].name);
			v &= ~names[i].value;
			any = true;
		}
	if (v || !any)
		out_add(o, "%s%#llx", any ? "|" : "", (unsigned long long)v);
}

/* The name of the value @v, or the number. */
static void out_enum(struct out *o, uint64_t v, const struct name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i].value == v) {
			out_add(o, "%s", names[i].name);
			return;
		}
	out_add(o, "%llu", (unsigned long long)v);
}

/* @s quoted, quotes and control characters escaped; "..." before the
 * closing quote when it was cut. */
static void out_quoted(struct out *o, const char *s, bool cut)
{
	out_add(o, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			out_add(o, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			out_add(o, "\\x%02x", *c);
		else
			out_add(o, "%c", *c);
	}
	out_add(o, cut ? "...\"" : "\"");
}

/* A string argument, read from the plugin (its address when unreadable). */
static void out_string(struct out *o, const struct notify_call *call, uint64_t addr)
{
	char s[192];

	if (!addr) {
		out_add(o, "NULL");
		return;
	}
	int r = notify_read_string(call, addr, s, sizeof(s));
	if (r < 0 && r != -ENAMETOOLONG) {
		out_add(o, "%#llx", (unsigned long long)addr);
		return;
	}
	out_quoted(o, s, r == -ENAMETOOLONG);
}

static const struct name clone_flags[] = {
	N(CLONE_VM),
	N(CLONE_FS),
	N(CLONE_FILES),
	N(CLONE_SIGHAND),
	N(CLONE_PIDFD),
	N(CLONE_PTRACE),
	N(CLONE_VFORK),
	N(CLONE_PARENT),
	N(CLONE_THREAD),
	N(CLONE_NEWNS),
	N(CLONE_SYSVSEM),
	N(CLONE_SETTLS),
	N(CLONE_PARENT_SETTID),
	N(CLONE_CHILD_CLEARTID),
	N(CLONE_DETACHED),
	N(CLONE_UNTRACED),
	N(CLONE_CHILD_SETTID),
	N(CLONE_NEWCGROUP),
	N(CLONE_NEWUTS),
	N(CLONE_NEWIPC),
	N(CLONE_NEWUSER),
	N(CLONE_NEWPID),
	N(CLONE_NEWNET),
	N(CLONE_IO),
	N(CLONE_NEWTIME),
};

static const struct name signals[] = {
	N(SIGHUP),    N(SIGINT),  N(SIGQUIT),  N(SIGILL),  N(SIGTRAP), N(SIGABRT),
	N(SIGBUS),    N(SIGFPE),  N(SIGKILL),  N(SIGUSR1), N(SIGSEGV), N(SIGUSR2),
	N(SIGPIPE),   N(SIGALRM), N(SIGTERM),  N(SIGCHLD), N(SIGCONT), N(SIGSTOP),
	N(SIGTSTP),   N(SIGTTIN), N(SIGTTOU),  N(SIGURG),  N(SIGXCPU), N(SIGXFSZ),
	N(SIGVTALRM), N(SIGPROF), N(SIGWINCH), N(SIGIO),   N(SIGSYS),
};

/* clone's flags: the CLONE_* bits, then the exit signal (the low byte). */
static void out_clone_flags(struct out *o, uint64_t flags)
{
	uint64_t sig = flags & 0xff, rest = flags & ~(uint64_t)0xff;
	bool any = false;

	for (size_t i = 0; i < ARRAY_SIZE(clone_flags); i++)
		if (clone_flags[i].value > 0xff && (rest & clone_flags[i].value)) {
			out_add(o, "%s%s", any ? "|" : "", clone_flags[i].name);
			rest &= ~clone_flags[i].value;
			any = true;
		}
	if (rest) {
		out_add(o, "%s%#llx", any ? "|" : "", (unsigned long long)rest);
		any = true;
	}
	if (sig) {
		out_add(o, "%s", any ? "|" : "");
		out_enum(o, sig, signals, ARRAY_SIZE(signals));
		any = true;
	}
	if (!any)
		out_add(o, "0");
}

static const struct name ptrace_requests[] = {
	{0, "PTRACE_TRACEME"},
	{1, "PTRACE_PEEKTEXT"},
	{2, "PTRACE_PEEKDATA"},
	{3, "PTRACE_PEEKUSER"},
	{4, "PTRACE_POKETEXT"},
	{5, "PTRACE_POKEDATA"},
	{6, "PTRACE_POKEUSER"},
	{7, "PTRACE_CONT"},
	{8, "PTRACE_KILL"},
	{9, "PTRACE_SINGLESTEP"},
	{12, "PTRACE_GETREGS"},
	{13, "PTRACE_SETREGS"},
	{16, "PTRACE_ATTACH"},
	{17, "PTRACE_DETACH"},
	{24, "PTRACE_SYSCALL"},
	{0x4200, "PTRACE_SETOPTIONS"},
	{0x4201, "PTRACE_GETEVENTMSG"},
	{0x4202, "PTRACE_GETSIGINFO"},
	{0x4203, "PTRACE_SETSIGINFO"},
	{0x4204, "PTRACE_GETREGSET"},
	{0x4205, "PTRACE_SETREGSET"},
	{0x4206, "PTRACE_SEIZE"},
	{0x4207, "PTRACE_INTERRUPT"},
	{0x4208, "PTRACE_LISTEN"},
	{0x4209, "PTRACE_PEEKSIGINFO"},
};

static const struct name bpf_commands[] = {
	{0, "BPF_MAP_CREATE"},	      {1, "BPF_MAP_LOOKUP_ELEM"},
	{2, "BPF_MAP_UPDATE_ELEM"},   {3, "BPF_MAP_DELETE_ELEM"},
	{4, "BPF_MAP_GET_NEXT_KEY"},  {5, "BPF_PROG_LOAD"},
	{6, "BPF_OBJ_PIN"},	      {7, "BPF_OBJ_GET"},
	{8, "BPF_PROG_ATTACH"},	      {9, "BPF_PROG_DETACH"},
	{10, "BPF_PROG_TEST_RUN"},    {11, "BPF_PROG_GET_NEXT_ID"},
	{12, "BPF_MAP_GET_NEXT_ID"},  {13, "BPF_PROG_GET_FD_BY_ID"},
	{14, "BPF_MAP_GET_FD_BY_ID"}, {15, "BPF_OBJ_GET_INFO_BY_FD"},
	{16, "BPF_PROG_QUERY"},	      {17, "BPF_RAW_TRACEPOINT_OPEN"},
	{18, "BPF_BTF_LOAD"},	      {28, "BPF_LINK_CREATE"},
};

static const struct name keyctl_ops[] = {
	{0, "KEYCTL_GET_KEYRING_ID"},
	{1, "KEYCTL_JOIN_SESSION_KEYRING"},
	{2, "KEYCTL_UPDATE"},
	{3, "KEYCTL_REVOKE"},
	{4, "KEYCTL_CHOWN"},
	{5, "KEYCTL_SETPERM"},
	{6, "KEYCTL_DESCRIBE"},
	{7, "KEYCTL_CLEAR"},
	{8, "KEYCTL_LINK"},
	{9, "KEYCTL_UNLINK"},
	{10, "KEYCTL_SEARCH"},
	{11, "KEYCTL_READ"},
	{12, "KEYCTL_INSTANTIATE"},
	{13, "KEYCTL_NEGATE"},
	{14, "KEYCTL_SET_REQKEY_KEYRING"},
	{15, "KEYCTL_SET_TIMEOUT"},
	{16, "KEYCTL_ASSUME_AUTHORITY"},
	{17, "KEYCTL_GET_SECURITY"},
	{18, "KEYCTL_SESSION_TO_PARENT"},
	{19, "KEYCTL_REJECT"},
	{20, "KEYCTL_INSTANTIATE_IOV"},
	{21, "KEYCTL_INVALIDATE"},
	{22, "KEYCTL_GET_PERSISTENT"},
	{23, "KEYCTL_DH_COMPUTE"},
	{29, "KEYCTL_RESTRICT_KEYRING"},
	{30, "KEYCTL_MOVE"},
	{31, "KEYCTL_CAPABILITIES"},
};

/* Special key ids (keyctl's first argument for most operations). */
static const struct name key_specs[] = {
	{(uint32_t)-1, "KEY_SPEC_THREAD_KEYRING"},	 {(uint32_t)-2, "KEY_SPEC_PROCESS_KEYRING"},
	{(uint32_t)-3, "KEY_SPEC_SESSION_KEYRING"},	 {(uint32_t)-4, "KEY_SPEC_USER_KEYRING"},
	{(uint32_t)-5, "KEY_SPEC_USER_SESSION_KEYRING"}, {(uint32_t)-6, "KEY_SPEC_GROUP_KEYRING"},
	{(uint32_t)-7, "KEY_SPEC_REQKEY_AUTH_KEY"},
};

static const struct name perf_types[] = {
	{0, "PERF_TYPE_HARDWARE"}, {1, "PERF_TYPE_SOFTWARE"}, {2, "PERF_TYPE_TRACEPOINT"},
	{3, "PERF_TYPE_HW_CACHE"}, {4, "PERF_TYPE_RAW"},      {5, "PERF_TYPE_BREAKPOINT"},
};

static const struct name domains[] = {
	N(AF_UNIX),	 N(AF_INET), N(AF_INET6), N(AF_NETLINK), N(AF_PACKET),
	N(AF_BLUETOOTH), N(AF_ALG),  N(AF_VSOCK), N(AF_CAN),	 N(AF_KEY),
};

static const struct name socket_types[] = {
	N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_RAW), N(SOCK_SEQPACKET), N(SOCK_RDM),
};

static const struct name prot_flags[] = {N(PROT_READ), N(PROT_WRITE), N(PROT_EXEC)};

static const struct name map_flags[] = {
	N(MAP_SHARED),	  N(MAP_PRIVATE),    N(MAP_FIXED),   N(MAP_ANONYMOUS), N(MAP_GROWSDOWN),
	N(MAP_DENYWRITE), N(MAP_EXECUTABLE), N(MAP_LOCKED),  N(MAP_NORESERVE), N(MAP_POPULATE),
	N(MAP_NONBLOCK),  N(MAP_STACK),	     N(MAP_HUGETLB),
};

static const struct name mfd_flags[] = {
	N(MFD_CLOEXEC), N(MFD_ALLOW_SEALING), N(MFD_HUGETLB), N(MFD_NOEXEC_SEAL), N(MFD_EXEC),
};

static const struct name ns_types[] = {
	N(CLONE_NEWNS),	  N(CLONE_NEWCGROUP), N(CLONE_NEWUTS), N(CLONE_NEWIPC),
	N(CLONE_NEWUSER), N(CLONE_NEWPID),    N(CLONE_NEWNET), N(CLONE_NEWTIME),
};

static const struct name open_flags[] = {
	N(O_WRONLY),  N(O_RDWR),      N(O_CREAT),    N(O_EXCL),
	N(O_NOCTTY),  N(O_TRUNC),     N(O_APPEND),   N(O_NONBLOCK),
	N(O_SYNC),    N(O_DSYNC),     N(O_DIRECT),   {0100000, "O_LARGEFILE"},
	N(O_TMPFILE), N(O_DIRECTORY), N(O_NOFOLLOW), N(O_NOATIME),
	N(O_CLOEXEC), N(O_PATH),
};

/* open flags in words, O_RDONLY first when no access bit is set. */
static void out_open_flags(struct out *o, uint64_t flags)
{
	flags &= 0xffffffffu;
	if ((flags & O_ACCMODE) == O_RDONLY) {
		out_add(o, "O_RDONLY");
		if (!flags)
			return;
		out_add(o, "|");
	}
	out_flags(o, flags, open_flags, ARRAY_SIZE(open_flags));
}

static uint64_t uarg(const struct notify_call *call, int i)
{
	return call->req->data.args[i];
}

/* 32-bit argument (int or unsigned int in the syscall's signature): the
 * kernel ignores the upper half, and so must we. */
static int32_t iarg(const struct notify_call *call, int i)
{
	return (int32_t)(uint32_t)call->req->data.args[i];
}

/* The call itself, in words: "name(arguments)". */
static void out_call(struct out *o, const struct notify_call *call, const char *name)
{
	out_add(o, "%s(", name);
	if (streq(name, "clone")) {
		out_add(o, "flags=");
		out_clone_flags(o, uarg(call, 0));
	} else if (streq(name, "execve")) {
		out_string(o, call, uarg(call, 0));
	} else if (streq(name, "execveat")) {
		out_string(o, call, uarg(call, 1));
	} else if (streq(name, "ptrace")) {
		out_enum(o, uarg(call, 0), ptrace_requests, ARRAY_SIZE(ptrace_requests));
		if (uarg(call, 0) != 0)
			out_add(o, ", pid %d", iarg(call, 1));
	} else if (streq(name, "mount")) {
		for (int i = 0; i < 3; i++) {
			out_add(o, i ? ", " : "");
			out_string(o, call, uarg(call, i));
		}
	} else if (streq(name, "umount") || streq(name, "umount2") || streq(name, "chroot") ||
		   streq(name, "swapon") || streq(name, "swapoff") || streq(name, "acct") ||
		   streq(name, "delete_module") || streq(name, "uselib")) {
		out_string(o, call, uarg(call, 0));
	} else if (streq(name, "pivot_root") || streq(name, "add_key") ||
		   streq(name, "request_key")) {
		out_string(o, call, uarg(call, 0));
		out_add(o, ", ");
		out_string(o, call, uarg(call, 1));
	} else if (streq(name, "unshare")) {
		out_flags(o, uarg(call, 0) & 0xffffffffu, clone_flags, ARRAY_SIZE(clone_flags));
	} else if (streq(name, "setns")) {
		out_add(o, "fd %d, ", iarg(call, 0));
		out_flags(o, (uint32_t)iarg(call, 1), ns_types, ARRAY_SIZE(ns_types));
	} else if (streq(name, "bpf")) {
		out_enum(o, (uint32_t)iarg(call, 0), bpf_commands, ARRAY_SIZE(bpf_commands));
	} else if (streq(name, "perf_event_open")) {
		uint32_t type;
		if (notify_read(call, uarg(call, 0), &type, sizeof(type)) == (int)sizeof(type)) {
			out_add(o, "type=");
			out_enum(o, type, perf_types, ARRAY_SIZE(perf_types));
			out_add(o, ", ");
		}
		out_add(o, "pid %d, cpu %d", iarg(call, 1), iarg(call, 2));
	} else if (streq(name, "keyctl")) {
		out_enum(o, (uint32_t)iarg(call, 0), keyctl_ops, ARRAY_SIZE(keyctl_ops));
		uint32_t id = (uint32_t)iarg(call, 1);
		out_add(o, ", ");
		if (id >= (uint32_t)-7)
			out_enum(o, id, key_specs, ARRAY_SIZE(key_specs));
		else
			out_add(o, "key %u", id);
	} else if (streq(name, "io_uring_setup")) {
		out_add(o, "%u entries", (uint32_t)iarg(call, 0));
	} else if (streq(name, "io_uring_enter") || streq(name, "io_uring_register") ||
		   streq(name, "finit_module")) {
		out_add(o, "fd %d", iarg(call, 0));
	} else if (streq(name, "ioctl")) {
		uint32_t req = (uint32_t)uarg(call, 1);
		out_add(o, "fd %d, ", iarg(call, 0));
		if (req == TIOCSTI)
			out_add(o, "TIOCSTI");
		else if (req == TIOCLINUX)
			out_add(o, "TIOCLINUX");
		else if (req == TIOCSETD)
			out_add(o, "TIOCSETD");
		else
			out_add(o, "%#x", req);
	} else if (streq(name, "personality")) {
		out_add(o, "%#x", (uint32_t)uarg(call, 0));
	} else if (streq(name, "kill") || streq(name, "tkill")) {
		out_add(o, "pid %d, ", iarg(call, 0));
		out_enum(o, (uint32_t)iarg(call, 1), signals, ARRAY_SIZE(signals));
	} else if (streq(name, "tgkill")) {
		out_add(o, "pid %d, tid %d, ", iarg(call, 0), iarg(call, 1));
		out_enum(o, (uint32_t)iarg(call, 2), signals, ARRAY_SIZE(signals));
	} else if (streq(name, "rt_sigqueueinfo")) {
		out_add(o, "pid %d, ", iarg(call, 0));
		out_enum(o, (uint32_t)iarg(call, 1), signals, ARRAY_SIZE(signals));
	} else if (streq(name, "pidfd_open") || streq(name, "prlimit64") ||
		   streq(name, "sched_setaffinity") || streq(name, "sched_setscheduler") ||
		   streq(name, "sched_setparam") || streq(name, "sched_setattr")) {
		out_add(o, "pid %d", iarg(call, 0));
	} else if (streq(name, "setpriority") || streq(name, "ioprio_set")) {
		out_add(o, "which %d, who %d", iarg(call, 0), iarg(call, 1));
	} else if (streq(name, "shmget") || streq(name, "msgget") || streq(name, "semget")) {
		out_add(o, "key %#x", (uint32_t)iarg(call, 0));
	} else if (streq(name, "pidfd_send_signal")) {
		out_add(o, "pidfd %d, ", iarg(call, 0));
		out_enum(o, (uint32_t)iarg(call, 1), signals, ARRAY_SIZE(signals));
	} else if (streq(name, "socket") || streq(name, "socketpair")) {
		out_enum(o, (uint32_t)iarg(call, 0), domains, ARRAY_SIZE(domains));
		out_add(o, ", ");
		uint32_t type = (uint32_t)iarg(call, 1);
		out_enum(o, type & 0xf, socket_types, ARRAY_SIZE(socket_types));
		if (type & SOCK_NONBLOCK)
			out_add(o, "|SOCK_NONBLOCK");
		if (type & SOCK_CLOEXEC)
			out_add(o, "|SOCK_CLOEXEC");
	} else if (streq(name, "mmap") || streq(name, "mmap2")) {
		out_add(o, "%llu bytes, ", (unsigned long long)uarg(call, 1));
		out_flags(o, (uint32_t)iarg(call, 2), prot_flags, ARRAY_SIZE(prot_flags));
		out_add(o, ", ");
		out_flags(o, (uint32_t)iarg(call, 3), map_flags, ARRAY_SIZE(map_flags));
	} else if (streq(name, "mprotect") || streq(name, "pkey_mprotect")) {
		out_add(o, "%#llx, %llu bytes, ", (unsigned long long)uarg(call, 0),
			(unsigned long long)uarg(call, 1));
		out_flags(o, (uint32_t)iarg(call, 2), prot_flags, ARRAY_SIZE(prot_flags));
	} else if (streq(name, "memfd_create")) {
		out_string(o, call, uarg(call, 0));
		out_add(o, ", ");
		out_flags(o, (uint32_t)iarg(call, 1), mfd_flags, ARRAY_SIZE(mfd_flags));
	} else if (streq(name, "setuid") || streq(name, "setgid") || streq(name, "setfsuid") ||
		   streq(name, "setfsgid")) {
		out_add(o, "%u", (uint32_t)iarg(call, 0));
	} else if (streq(name, "reboot")) {
		out_add(o, "cmd %#x", (uint32_t)iarg(call, 2));
	} else if (streq(name, "syslog")) {
		out_add(o, "type %d", iarg(call, 0));
	} else if (streq(name, "open_by_handle_at")) {
		out_add(o, "mount fd %d", iarg(call, 0));
	} else if (streq(name, "process_vm_readv") || streq(name, "process_vm_writev") ||
		   streq(name, "kcmp") || streq(name, "process_madvise") ||
		   streq(name, "pidfd_getfd")) {
		out_add(o, "pid %d", iarg(call, 0));
	} else if (streq(name, "iopl")) {
		out_add(o, "level %d", iarg(call, 0));
	} else if (streq(name, "ioperm")) {
		out_add(o, "port %#llx, %llu ports", (unsigned long long)uarg(call, 0),
			(unsigned long long)uarg(call, 1));
	}
	out_add(o, ")");
}

/* The violation of @call: its words are in call->detail already; the
 * syscall's name and the path (NULL: none) are copied next to them. */
static void report(struct notify_call *call, qfs_violation_type type, const char *syscall,
		   const char *path)
{
	snprintf(call->aux, sizeof(call->aux), "%s", syscall);
	call->report = true;
	call->violation.type = type;
	call->violation.detail = call->detail;
	call->violation.syscall = call->aux;
	call->violation.port = -1;
	if (path) {
		snprintf(call->path, sizeof(call->path), "%s", path);
		call->violation.path = call->path;
	}
}

/* Refused here, with EACCES: what Landlock answers. */
static void refuse_access(struct notify_call *call)
{
	call->cont = false;
	call->error = EACCES;
}

/*
 * Refusals.
 */

/* Why the filter refused this call, decided from the registers.  The
 * argument rules first (the syscall itself is allowed, these arguments
 * are not), then the syscall's own refusal. */
static bool refusal_of(const struct enforcer *e, const struct notify_call *call, const char *name,
		       struct decide_refusal *r)
{
	const qfs_policy *p = e->policy;
	struct decide_refusal own;
	bool refused = decide_syscall_refusal(p, name, &own);

	/* Refused by the syscall's own name (blocked_apis, the baseline, the
	 * allow-list) before any argument is looked at. */
	if (refused && (own.source == DECIDE_BLOCKED || own.source == DECIDE_UNLISTED ||
			(own.source == DECIDE_BASELINE && !streq(name, "personality")))) {
		*r = own;
		return true;
	}
	if (streq(name, "clone")) {
		uint64_t flags = uarg(call, 0);
		if (flags & SECCOMP_CLONE_NEW_MASK) {
			*r = (struct decide_refusal){DECIDE_BASELINE,
						     QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL, NULL,
						     "creating namespaces", EPERM};
			return true;
		}
		if (!(flags & CLONE_THREAD) && (e->effects & APIS_NO_PROCESS_CREATION)) {
			*r = (struct decide_refusal){DECIDE_EFFECT,
						     QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION,
						     decide_effect_api(p, APIS_NO_PROCESS_CREATION),
						     "creating a process", EPERM};
			return true;
		}
	}
	if (streq(name, "mmap") || streq(name, "mmap2") || streq(name, "mprotect") ||
	    streq(name, "pkey_mprotect")) {
		uint32_t prot = (uint32_t)iarg(call, 2);
		if ((e->effects & APIS_WX) && (prot & PROT_WRITE) && (prot & PROT_EXEC)) {
			const char *api = decide_effect_api(p, APIS_WX);
			const struct apis_entry *entry = api ? apis_find(api) : NULL;
			*r = (struct decide_refusal){
				DECIDE_EFFECT,
				entry ? entry->violation : QFS_VIOLATION_BLOCKED_API_CALL, api,
				"memory both writable and executable (W^X)", EPERM};
			return true;
		}
	}
	if (streq(name, "memfd_create") && (e->effects & APIS_NOEXEC_WRITABLE) &&
	    !(uarg(call, 1) & MFD_NOEXEC_SEAL)) {
		const char *api = decide_effect_api(p, APIS_NOEXEC_WRITABLE);
		const struct apis_entry *entry = api ? apis_find(api) : NULL;
		*r = (struct decide_refusal){
			DECIDE_EFFECT, entry ? entry->violation : QFS_VIOLATION_BLOCKED_API_CALL,
			api,
			"a memory file that could be mapped executable (only MFD_NOEXEC_SEAL ones "
			"are allowed)",
			EPERM};
		return true;
	}
	if (streq(name, "socket")) {
		uint32_t domain = (uint32_t)iarg(call, 0);
		if (domain == AF_UNIX && (e->sockets & SECCOMP_NO_UNIX_SOCKETS)) {
			*r = (struct decide_refusal){
				DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS, NULL,
				"a Unix socket, which could reach the host's local services",
				EPERM};
			return true;
		}
		if ((domain == AF_INET || domain == AF_INET6) &&
		    (e->sockets & SECCOMP_NO_INET_SOCKETS)) {
			*r = (struct decide_refusal){
				DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS, NULL,
				"an IP socket without network access", EPERM};
			return true;
		}
		const bool usual = domain == AF_UNIX || domain == AF_INET || domain == AF_INET6 ||
				   domain == AF_NETLINK;
		if (!usual && (e->sockets & SECCOMP_SOCKET_FAMILIES)) {
			*r = (struct decide_refusal){
				DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS, NULL,
				"a socket family no sandbox allows (AF_VSOCK reaches the "
				"hypervisor, "
				"AF_SMC, AF_RDS and AF_TIPC make connections of their own)",
				EAFNOSUPPORT};
			return true;
		}
		if (decide_allow_list(p) && !usual) {
			*r = (struct decide_refusal){
				DECIDE_UNLISTED, QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS, NULL,
				"a socket family Strict does not allow", EPERM};
			return true;
		}
	}
	const char *why = seccomp_policy_host_refusal(e->host, name, &call->req->data);
	if (why) {
		*r = (struct decide_refusal){DECIDE_EFFECT, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL,
					     NULL, why, EPERM};
		return true;
	}
	if (streq(name, "ioctl")) {
		uint32_t req = (uint32_t)uarg(call, 1);
		if (req == TIOCSTI || req == TIOCLINUX || req == TIOCSETD) {
			*r = (struct decide_refusal){
				DECIDE_BASELINE, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL, NULL,
				req == TIOCSTI	   ? "injecting input into a terminal"
				: req == TIOCLINUX ? "controlling the Linux console"
						   : "replacing a terminal's line discipline",
				EPERM};
			return true;
		}
	}
	if (refused) {
		*r = own;
		return true;
	}
	return false;
}

void enforcer_describe(const struct enforcer *e, struct notify_call *call)
{
	char name_buf[64];
	struct decide_refusal r;
	int nr = call->req->data.nr;
	const char *name = notify_syscall_name(nr, name_buf, sizeof(name_buf));
	struct out o = {.buf = call->detail, .size = sizeof(call->detail)};

	if (!name) {
		snprintf(name_buf, sizeof(name_buf), "syscall %d", nr);
		name = name_buf;
	}
	if (!refusal_of(e, call, name, &r)) {
		/* The filter sent a call no rule of ours refuses: a filter
		 * and decisions out of step.  Fail closed, and say so. */
		r = (struct decide_refusal){DECIDE_BASELINE, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL,
					    NULL, "refused by the seccomp filter", EPERM};
	}
	out_call(&o, call, name);
	if (r.reason)
		out_add(&o, " — %s", r.reason);
	else if (r.api)
		out_add(&o, " — blocked by \"%s\"", r.api);
	call->error = r.error;
	call->cont = false;
	report(call, r.type, name, NULL);
	call->violation.api = r.api;
}

static enum notify_disposition on_refused(struct notify_call *call, void *userdata)
{
	enforcer_describe(userdata, call);
	return NOTIFY_ANSWER;
}

/*
 * File syscalls.
 */

enum file_kind { F_OPEN, F_OPENAT2, F_OTHER };

struct file_call {
	const char *name;
	enum file_kind kind;
	int dirfd;  /* argument holding the directory descriptor, -1: AT_FDCWD */
	int path;   /* argument holding the path */
	int flags;  /* open: the flags argument; -1: O_CREAT|O_WRONLY|O_TRUNC (creat) */
	int dirfd2; /* second path (rename, link: the new name) */
	int path2;
	int at_flags;	  /* argument holding AT_* flags (AT_EMPTY_PATH, AT_REMOVEDIR), -1 */
	const char *what; /* what the call does, for the detail */
	bool both;	  /* both paths must be writable (rename, link) */
};

static const struct file_call file_calls[] = {
	{"open", F_OPEN, -1, 0, 1, -1, -1, -1, NULL, false},
	{"openat", F_OPEN, 0, 1, 2, -1, -1, -1, NULL, false},
	{"creat", F_OPEN, -1, 0, -1, -1, -1, -1, NULL, false},
	{"openat2", F_OPENAT2, 0, 1, -1, -1, -1, -1, NULL, false},
	{"mkdir", F_OTHER, -1, 0, -1, -1, -1, -1, "creating a directory", false},
	{"mkdirat", F_OTHER, 0, 1, -1, -1, -1, -1, "creating a directory", false},
	{"mknod", F_OTHER, -1, 0, -1, -1, -1, -1, "creating a file", false},
	{"mknodat", F_OTHER, 0, 1, -1, -1, -1, -1, "creating a file", false},
	{"unlink", F_OTHER, -1, 0, -1, -1, -1, -1, "deleting", false},
	{"unlinkat", F_OTHER, 0, 1, -1, -1, -1, -1, "deleting", false},
	{"rmdir", F_OTHER, -1, 0, -1, -1, -1, -1, "deleting a directory", false},
	{"rename", F_OTHER, -1, 0, -1, -1, 1, -1, "renaming", true},
	{"renameat", F_OTHER, 0, 1, -1, 2, 3, -1, "renaming", true},
	{"renameat2", F_OTHER, 0, 1, -1, 2, 3, -1, "renaming", true},
	{"link", F_OTHER, -1, 0, -1, -1, 1, -1, "linking", true},
	{"linkat", F_OTHER, 0, 1, -1, 2, 3, 4, "linking", true},
	{"symlink", F_OTHER, -1, 1, -1, -1, -1, -1, "creating a symbolic link", false},
	{"symlinkat", F_OTHER, 1, 2, -1, -1, -1, -1, "creating a symbolic link", false},
	{"truncate", F_OTHER, -1, 0, -1, -1, -1, -1, "truncating", false},
	{"chmod", F_OTHER, -1, 0, -1, -1, -1, -1, "changing the mode of a file", false},
	{"fchmodat", F_OTHER, 0, 1, -1, -1, -1, -1, "changing the mode of a file", false},
	{"chown", F_OTHER, -1, 0, -1, -1, -1, -1, "changing the owner of a file", false},
	{"lchown", F_OTHER, -1, 0, -1, -1, -1, -1, "changing the owner of a file", false},
	{"fchownat", F_OTHER, 0, 1, -1, -1, -1, 4, "changing the owner of a file", false},
};

const char *enforcer_file_call(size_t index, int *flags_arg)
{
	if (index >= ARRAY_SIZE(file_calls))
		return NULL;
	*flags_arg = file_calls[index].kind == F_OPEN ? file_calls[index].flags : -1;
	return file_calls[index].name;
}

/* Their numbers, resolved once. */
static int file_nrs[ARRAY_SIZE(file_calls)];
static pthread_once_t file_nrs_once = PTHREAD_ONCE_INIT;

static void file_nrs_resolve(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(file_calls); i++)
		file_nrs[i] = seccomp_syscall_resolve_name(file_calls[i].name);
}

static const struct file_call *file_call_of(int nr)
{
	pthread_once(&file_nrs_once, file_nrs_resolve);
	for (size_t i = 0; i < ARRAY_SIZE(file_calls); i++)
		if (file_nrs[i] == nr)
			return &file_calls[i];
	return NULL;
}

/* The access an open asks for. */
static unsigned open_access(uint64_t flags)
{
	unsigned a = 0;

	if (flags & O_PATH)
		return 0; /* opens nothing for reading or writing */
	if ((flags & O_ACCMODE) != O_WRONLY)
		a |= ENFORCER_READ;
	/* O_TMPFILE needs O_WRONLY or O_RDWR (and shares a bit with
	 * O_DIRECTORY, so it is not tested here). */
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
		a |= ENFORCER_WRITE;
	return a;
}

/* One path argument, made absolute and normalised (lexically, as every
 * decision is).  Return: its length, or -errno from notify_read_path(). */
static int path_of(const struct notify_call *call, int dirfd_arg, int path_arg, char *buf,
		   size_t size)
{
	int dirfd = dirfd_arg < 0 ? AT_FDCWD : iarg(call, dirfd_arg);
	char raw[NOTIFY_PATH_MAX];
	int r = notify_read_path(call, dirfd, uarg(call, path_arg), raw, sizeof(raw));

	if (r < 0)
		return r;
	r = qfs_path_normalize(raw, buf, size);
	return r < 0 ? -ENAMETOOLONG : r;
}

/*
 * The supervisor may not look into the plugin: an unprivileged supervisor
 * without a user namespace (Limited) is refused the memory and /proc links
 * of a plugin that made itself non-dumpable.  A write it cannot judge it
 * cannot report either, so it refuses it, and says why: an unreported
 * write outside would be the one thing this file exists to prevent.
 * Reads are left to the kernel as always.
 */
static enum notify_disposition unreadable(struct notify_call *call, const struct file_call *fc,
					  uint64_t flags)
{
	struct out o = {.buf = call->detail, .size = sizeof(call->detail)};

	out_add(&o, "%s(<path hidden>", fc->name);
	if (fc->kind != F_OTHER) {
		out_add(&o, ", ");
		out_open_flags(&o, flags);
	}
	out_add(&o, ") — a write the supervisor cannot judge: the plugin made itself "
		    "non-dumpable");
	refuse_access(call);
	report(call, QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS, fc->name, NULL);
	return NOTIFY_ANSWER;
}

static enum notify_disposition on_file(struct notify_call *call, void *userdata)
{
	const struct enforcer *e = userdata;
	const struct file_call *fc = file_call_of(call->req->data.nr);
	const char *name = fc ? fc->name : NULL;
	char p1[NOTIFY_PATH_MAX], p2[NOTIFY_PATH_MAX];
	unsigned access = ENFORCER_WRITE;
	uint64_t flags = 0;

	/* Whatever we cannot judge, the kernel does: its layers stand. */
	call->error = 0;
	call->cont = true;
	if (!fc)
		return NOTIFY_ANSWER;
	if (fc->kind == F_OPEN) {
		flags = fc->flags < 0 ? (O_CREAT | O_WRONLY | O_TRUNC)
				      : (uint32_t)uarg(call, fc->flags);
		access = open_access(flags);
	} else if (fc->kind == F_OPENAT2) {
		/* The flags live in memory: judged on our copy, which the
		 * plugin may change before the kernel reads it again; the
		 * report is all it can dodge (see the top of this file). */
		struct open_how how;
		if (uarg(call, 3) < sizeof(how.flags) ||
		    notify_read(call, uarg(call, 2), &how, sizeof(how.flags)) !=
			    (int)sizeof(how.flags))
			return NOTIFY_ANSWER;
		flags = how.flags;
		access = open_access(flags);
	}
	if (!access)
		return NOTIFY_ANSWER;
	if (!(e->files & ENFORCER_FILE_READS))
		access &= ~ENFORCER_READ;
	if (!access)
		return NOTIFY_ANSWER;

	int r = path_of(call, fc->dirfd, fc->path, p1, sizeof(p1));
	if ((r == -EPERM || r == -EACCES) && (access & ENFORCER_WRITE))
		return unreadable(call, fc, flags);
	if (r < 0)
		return NOTIFY_ANSWER;
	bool bad1 = !kernel_decides(p1) && enforcer_check_path(e, p1, access) == 0;
	if (bad1 && access == ENFORCER_READ && !read_worth_reporting(e, p1))
		bad1 = false;
	bool bad2 = false;
	if (fc->path2 >= 0) {
		r = path_of(call, fc->dirfd2, fc->path2, p2, sizeof(p2));
		if (r == -EPERM || r == -EACCES)
			return unreadable(call, fc, flags);
		if (r < 0)
			return NOTIFY_ANSWER;
		bad2 = !kernel_decides(p2) && enforcer_check_path(e, p2, ENFORCER_WRITE) == 0;
	}
	if (!bad1 && !bad2)
		return NOTIFY_ANSWER;
	/* A write outside is refused here, EACCES as Landlock says it, so
	 * that what is reported is exactly what did not happen (a name that
	 * only looks outside, through a symlink, stays refused too).  A read
	 * outside is reported and left to the kernel, which refuses it in its
	 * own words: EACCES from Landlock for what exists, ENOENT for what a
	 * private root does not hold.  Answering EACCES for the latter would
	 * turn "not there" into "forbidden", and programs that probe for an
	 * optional file (a configuration, a cache) treat the two differently. */
	bool refuse = bad2 || (bad1 && (access & ENFORCER_WRITE));

	/* Refused: the words, and EACCES, which is what Landlock answers. */
	struct out o = {.buf = call->detail, .size = sizeof(call->detail)};
	out_add(&o, "%s(", name);
	if (streq(name, "symlink") || streq(name, "symlinkat")) {
		out_string(&o, call, uarg(call, 0)); /* the target: a string, not judged */
		out_add(&o, ", ");
	}
	out_quoted(&o, p1, false);
	if (fc->path2 >= 0) {
		out_add(&o, ", ");
		out_quoted(&o, p2, false);
	}
	if (fc->kind != F_OTHER) {
		out_add(&o, ", ");
		out_open_flags(&o, flags);
	}
	out_add(&o, ")");
	if (fc->kind == F_OTHER)
		out_add(&o, " — %s outside the writable directories", fc->what);
	else if ((access & ENFORCER_WRITE) && enforcer_check_path(e, p1, ENFORCER_WRITE) == 0)
		out_add(&o, " — writing outside the writable directories");
	else
		out_add(&o, " — reading outside the allowed directories");

	if (refuse)
		refuse_access(call);
	report(call, QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS, name, bad1 ? p1 : p2);
	return NOTIFY_ANSWER;
}

/*
 * Metadata without a private root.
 *
 * Landlock governs what a plugin opens, creates, removes, renames, links
 * and truncates, but not the mode, owner, times and extended attributes of
 * what already exists.  Inside a private root that does not matter: all the
 * plugin reaches outside its writable directories is mounted read-only and
 * the kernel answers EROFS.  Without one (Limited), only the supervisor
 * stands between the plugin and every file of the user it runs as: a chmod
 * through a symlink planted in a writable directory, or on an O_PATH
 * descriptor of a file it may not open, would reach any of them.  Judging
 * the path and answering CONTINUE cannot hold: the kernel resolves the path
 * again, and the plugin decides what it finds then (it swaps the symlink,
 * or rewrites the string from another thread).  So the supervisor makes
 * these calls itself: it resolves the path once, in the plugin's stead, to
 * an object it holds (an O_PATH descriptor), asks the kernel where that
 * object is (/proc/self/fd), judges that, and changes that same object
 * with the plugin's credentials.  Nothing the plugin does afterwards
 * changes which object was judged and which was changed.
 */

enum meta_op { META_MODE, META_OWNER, META_TIMES, META_XATTR_SET, META_XATTR_REMOVE };
enum meta_times { T_NONE, T_UTIMBUF, T_TIMEVAL, T_TIMESPEC };

struct meta_call {
	const char *name;
	enum meta_op op;
	int fd;	       /* argument: the descriptor acted on (fchmod ...), -1 */
	int dirfd;     /* argument: the directory of a relative path, -1: AT_FDCWD */
	int path;      /* argument: the path, -1 */
	int at_flags;  /* argument: AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH, -1 */
	bool nofollow; /* lchown, lsetxattr, lremovexattr */
	int a1, a2;    /* mode; uid, gid; times; xattr name, value (size and flags follow) */
	enum meta_times times;
	const char *what;
};

static const struct meta_call meta_calls[] = {
	{"chmod", META_MODE, -1, -1, 0, -1, false, 1, -1, T_NONE, "changing the mode of"},
	{"fchmod", META_MODE, 0, -1, -1, -1, false, 1, -1, T_NONE, "changing the mode of"},
	{"fchmodat", META_MODE, -1, 0, 1, -1, false, 2, -1, T_NONE, "changing the mode of"},
	{"chown", META_OWNER, -1, -1, 0, -1, false, 1, 2, T_NONE, "changing the owner of"},
	{"lchown", META_OWNER, -1, -1, 0, -1, true, 1, 2, T_NONE, "changing the owner of"},
	{"fchown", META_OWNER, 0, -1, -1, -1, false, 1, 2, T_NONE, "changing the owner of"},
	{"fchownat", META_OWNER, -1, 0, 1, 4, false, 2, 3, T_NONE, "changing the owner of"},
	{"utime", META_TIMES, -1, -1, 0, -1, false, 1, -1, T_UTIMBUF, "changing the times of"},
	{"utimes", META_TIMES, -1, -1, 0, -1, false, 1, -1, T_TIMEVAL, "changing the times of"},
	{"futimesat", META_TIMES, -1, 0, 1, -1, false, 2, -1, T_TIMEVAL, "changing the times of"},
	{"utimensat", META_TIMES, -1, 0, 1, 3, false, 2, -1, T_TIMESPEC, "changing the times of"},
	{"setxattr", META_XATTR_SET, -1, -1, 0, -1, false, 1, 2, T_NONE,
	 "setting an extended attribute of"},
	{"lsetxattr", META_XATTR_SET, -1, -1, 0, -1, true, 1, 2, T_NONE,
	 "setting an extended attribute of"},
	{"fsetxattr", META_XATTR_SET, 0, -1, -1, -1, false, 1, 2, T_NONE,
	 "setting an extended attribute of"},
	{"removexattr", META_XATTR_REMOVE, -1, -1, 0, -1, false, 1, -1, T_NONE,
	 "removing an extended attribute of"},
	{"lremovexattr", META_XATTR_REMOVE, -1, -1, 0, -1, true, 1, -1, T_NONE,
	 "removing an extended attribute of"},
	{"fremovexattr", META_XATTR_REMOVE, 0, -1, -1, -1, false, 1, -1, T_NONE,
	 "removing an extended attribute of"},
};

const char *enforcer_meta_call(size_t index)
{
	return index < ARRAY_SIZE(meta_calls) ? meta_calls[index].name : NULL;
}

bool enforcer_is_meta_call(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(meta_calls); i++)
		if (streq(meta_calls[i].name, name))
			return true;
	return false;
}

static int meta_nrs[ARRAY_SIZE(meta_calls)];
static pthread_once_t meta_nrs_once = PTHREAD_ONCE_INIT;

static void meta_nrs_resolve(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(meta_calls); i++)
		meta_nrs[i] = seccomp_syscall_resolve_name(meta_calls[i].name);
}

static const struct meta_call *meta_call_of(int nr)
{
	pthread_once(&meta_nrs_once, meta_nrs_resolve);
	for (size_t i = 0; i < ARRAY_SIZE(meta_calls); i++)
		if (meta_nrs[i] == nr)
			return &meta_calls[i];
	return NULL;
}

/* Whether the plugin's descriptor @fd was opened O_PATH: the descriptor
 * forms (fchmod, fchown, f*xattr, futimens) refuse those with EBADF. */
static int meta_fd_is_path_only(pid_t tid, int fd)
{
	char name[64], buf[512];
	snprintf(name, sizeof(name), "/proc/%d/fdinfo/%d", (int)tid, fd);
	_cleanup_close_ int f = open(name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	const char *flags = strstr(buf, "flags:");
	if (!flags)
		return -EIO;
	return (strtoul(flags + strlen("flags:"), NULL, 8) & O_PATH) != 0;
}

/*
 * The object the call acts on, as an O_PATH descriptor of the supervisor's,
 * resolved the way the kernel would for the plugin's thread @tid: against
 * its working directory or its directory descriptor, following the final
 * symlink unless the call says not to.  Magic links (/proc/self/fd/N,
 * /proc/self/cwd) are refused: resolved here they would name the
 * supervisor's own.
 * Return: the descriptor, or -errno the plugin's call fails with.
 */
static int meta_object(const struct meta_call *mc, const struct notify_call *call, char *rel,
		       size_t rel_size, int *fd_shown)
{
	pid_t tid = (pid_t)call->req->pid;
	unsigned at = mc->at_flags >= 0 ? (uint32_t)uarg(call, mc->at_flags) : 0;
	bool nofollow = mc->nofollow || (at & AT_SYMLINK_NOFOLLOW);
	uint64_t addr = mc->path >= 0 ? uarg(call, mc->path) : 0;
	char proc[64];

	*fd_shown = -1;
	rel[0] = '\0';
	if (at & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (addr) {
		int r = notify_read_string(call, addr, rel, rel_size);
		if (r < 0)
			return r;
	}
	/* The descriptor forms: a descriptor call, a NULL path (utimensat,
	 * futimesat), or an empty one with AT_EMPTY_PATH. */
	int fd = mc->fd >= 0	  ? iarg(call, mc->fd)
		 : mc->dirfd >= 0 ? iarg(call, mc->dirfd)
				  : AT_FDCWD;
	bool fd_form = mc->path < 0 || !addr || (rel[0] == '\0' && (at & AT_EMPTY_PATH));
	if (fd_form) {
		if (fd < 0)
			return fd == AT_FDCWD && mc->path >= 0 ? -EFAULT : -EBADF;
		*fd_shown = fd;
		if (mc->fd >= 0 || !addr) {
			int o = meta_fd_is_path_only(tid, fd);
			if (o < 0)
				return o == -ENOENT ? -EBADF : o;
			if (o)
				return -EBADF;
		}
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
		int obj = open(proc, O_PATH | O_CLOEXEC);
		return obj < 0 ? (errno == ENOENT ? -EBADF : -errno) : obj;
	}
	if (rel[0] == '\0')
		return -ENOENT;
	if (fd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)tid);
	else
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
	_cleanup_close_ int base = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return errno == ENOENT ? -EBADF : -errno;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	long obj = syscall(SYS_openat2, base, rel, &how, sizeof(how));
	return obj < 0 ? -errno : (int)obj;
}

/* Acting as the plugin.  A supervisor that runs as the plugin's own ids
 * (unprivileged, no user namespace: Limited) already does; root switches
 * the file-system ids and the supplementary groups of this thread alone
 * (the raw syscalls are per thread, unlike libc's wrappers), which also
 * drops the capabilities that would override the owner's permission bits
 * (CAP_FOWNER, CAP_CHOWN, CAP_DAC_OVERRIDE ...), and switches back. */
struct meta_creds {
	bool switched;
	int ngroups;
	gid_t groups[64];
	gid_t fsgid;
};

static int meta_creds_enter(const struct enforcer *e, struct meta_creds *c)
{
	c->switched = false;
	if (geteuid() == e->uid && getegid() == e->gid)
		return 0;
	if (geteuid() != 0)
		return -EPERM; /* it cannot act as the plugin: refuse */
	c->ngroups = getgroups((int)ARRAY_SIZE(c->groups), c->groups);
	if (c->ngroups < 0)
		return -errno;
	c->fsgid = getegid();
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return -errno;
	c->switched = true;
	syscall(SYS_setfsgid, e->gid);
	syscall(SYS_setfsuid, e->uid);
	/* Both return the previous id, whatever happened: ask again. */
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != e->uid ||
	    (gid_t)syscall(SYS_setfsgid, (gid_t)-1) != e->gid)
		return -EPERM;
	return 0;
}

static void meta_creds_leave(struct meta_creds *c)
{
	if (!c->switched)
		return;
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, c->fsgid);
	syscall(SYS_setgroups, (size_t)c->ngroups, c->groups);
	c->switched = false;
}

/* The times argument as utimensat takes it; *@now when NULL. */
static int meta_times(const struct meta_call *mc, const struct notify_call *call,
		      struct timespec ts[2], bool *now)
{
	uint64_t addr = uarg(call, mc->a1);

	*now = !addr;
	if (!addr)
		return 0;
	if (mc->times == T_TIMESPEC) {
		int r = notify_read(call, addr, ts, 2 * sizeof(*ts));
		return r == (int)(2 * sizeof(*ts)) ? 0 : r < 0 ? r : -EFAULT;
	}
	if (mc->times == T_UTIMBUF) {
		struct utimbuf_raw {
			int64_t actime, modtime;
		} u;
		int r = notify_read(call, addr, &u, sizeof(u));
		if (r != (int)sizeof(u))
			return r < 0 ? r : -EFAULT;
		ts[0] = (struct timespec){.tv_sec = u.actime};
		ts[1] = (struct timespec){.tv_sec = u.modtime};
		return 0;
	}
	struct timeval tv[2];
	int r = notify_read(call, addr, tv, sizeof(tv));
	if (r != (int)sizeof(tv))
		return r < 0 ? r : -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){.tv_sec = tv[i].tv_sec, .tv_nsec = tv[i].tv_usec * 1000};
	}
	return 0;
}

/* The change itself, on @obj, as the plugin.  Return: 0 or -errno. */
static int meta_apply(const struct enforcer *e, const struct meta_call *mc,
		      const struct notify_call *call, int obj, bool is_link)
{
	char proc[64], name[256];
	struct timespec ts[2];
	struct meta_creds creds;
	_cleanup_free_ void *value = NULL;
	size_t size = 0;
	bool now = false;
	int r = 0;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", obj);
	/* Everything read from the plugin is read before acting as it. */
	if (mc->op == META_TIMES) {
		r = meta_times(mc, call, ts, &now);
	} else if (mc->op == META_XATTR_SET || mc->op == META_XATTR_REMOVE) {
		r = notify_read_string(call, uarg(call, mc->a1), name, sizeof(name));
		if (r == -ENAMETOOLONG)
			r = -ERANGE;
		if (r >= 0 && mc->op == META_XATTR_SET) {
			size = (size_t)uarg(call, mc->a2 + 1);
			if (size > 65536) /* XATTR_SIZE_MAX */
				return -E2BIG;
			if (size && !(value = malloc(size)))
				return -ENOMEM;
			if (size) {
				r = notify_read(call, uarg(call, mc->a2), value, size);
				r = r == (int)size ? 0 : r < 0 ? r : -EFAULT;
			}
		}
	}
	if (r < 0)
		return r;
	if (!notify_id_valid(call))
		return -ENOENT;

	r = meta_creds_enter(e, &creds);
	if (r >= 0) {
		switch (mc->op) {
		case META_MODE:
			/* Linux has no mode for a symbolic link. */
			r = is_link ? -EOPNOTSUPP
				    : fchmodat(AT_FDCWD, proc, (mode_t)(uint32_t)uarg(call, mc->a1),
					       0);
			break;
		case META_OWNER:
			r = fchownat(obj, "", (uid_t)(uint32_t)uarg(call, mc->a1),
				     (gid_t)(uint32_t)uarg(call, mc->a2), AT_EMPTY_PATH);
			break;
		case META_TIMES:
			r = utimensat(obj, "", now ? NULL : ts, AT_EMPTY_PATH);
			break;
		case META_XATTR_SET:
			/* Extended attributes of a link are not the plugin's to set. */
			r = is_link ? (errno = EPERM, -1)
				    : setxattr(proc, name, value, size,
					       (int)iarg(call, mc->a2 + 2));
			break;
		case META_XATTR_REMOVE:
			r = is_link ? (errno = EPERM, -1) : removexattr(proc, name);
			break;
		}
		if (r == -1)
			r = -errno;
	}
	meta_creds_leave(&creds);
	return r;
}

static enum notify_disposition on_meta(struct notify_call *call, void *userdata)
{
	const struct enforcer *e = userdata;
	const struct meta_call *mc = meta_call_of(call->req->data.nr);
	char rel[NOTIFY_PATH_MAX], where[PATH_MAX], proc[64];
	struct stat st;
	int shown;

	call->cont = false;
	if (!mc)
		return NOTIFY_ANSWER; /* EPERM */
	_cleanup_close_ int obj = meta_object(mc, call, rel, sizeof(rel), &shown);
	if (obj < 0) {
		call->error = -obj;
		/* A plugin the supervisor may not look into cannot have its
		 * calls made for it: refused, as the file handlers do. */
		if (obj != -EPERM && obj != -EACCES)
			return NOTIFY_ANSWER;
	}
	if (!notify_id_valid(call))
		return NOTIFY_ANSWER;

	/* Where the object is, in the kernel's words: the name of the object
	 * held, not of the path given. */
	ssize_t n = -1;
	if (obj >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", obj);
		n = readlink(proc, where, sizeof(where) - 1);
	}
	bool known = n > 0 && where[0] == '/';
	if (known)
		where[n] = '\0';
	if (known && n > 10 && streq(where + n - 10, " (deleted)"))
		known = false;
	bool is_link = obj >= 0 && fstat(obj, &st) == 0 && S_ISLNK(st.st_mode);

	if (known && enforcer_check_path(e, where, ENFORCER_WRITE) == 1) {
		int r = meta_apply(e, mc, call, obj, is_link);
		call->error = r < 0 ? -r : 0;
		call->val = 0;
		return NOTIFY_ANSWER;
	}

	/* The words: the path as the plugin gave it, made absolute as the
	 * file handlers show it, and where it led when that is elsewhere. */
	char given[NOTIFY_PATH_MAX] = "";
	struct out o = {.buf = call->detail, .size = sizeof(call->detail)};
	out_add(&o, "%s(", mc->name);
	if (shown >= 0)
		out_add(&o, "%d", shown);
	else if (path_of(call, mc->dirfd, mc->path, given, sizeof(given)) >= 0)
		out_quoted(&o, given, false);
	else
		out_quoted(&o, rel, false);
	out_add(&o, ") — %s a file outside the writable directories", mc->what);
	if (known && (shown >= 0 || !streq(given, where))) {
		out_add(&o, " (it resolves to ");
		out_quoted(&o, where, false);
		out_add(&o, ")");
	} else if (!known) {
		out_add(&o, " (one the supervisor may not examine)");
	}
	refuse_access(call);
	report(call, QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS, mc->name, known ? where : NULL);
	return NOTIFY_ANSWER;
}

bool enforcer_refuses(const struct enforcer *e, int nr)
{
	char buf[64];
	const char *name = notify_syscall_name(nr, buf, sizeof(buf));
	struct decide_refusal r;

	if (!name || !decide_syscall_refusal(e->policy, name, &r))
		return false;
	return r.source == DECIDE_BLOCKED || r.source == DECIDE_UNLISTED ||
	       (r.source == DECIDE_BASELINE && !apis_argument_rule(name));
}

int enforcer_attach(struct enforcer *e, struct notify *n)
{
	int r = notify_set_handler(n, NOTIFY_ANY, on_refused, e);

	pthread_once(&file_nrs_once, file_nrs_resolve);
	for (size_t i = 0; r >= 0 && e->files && i < ARRAY_SIZE(file_calls); i++) {
		int nr = file_nrs[i];
		/* A file syscall the policy refuses outright is a refusal
		 * like any other. */
		if (nr >= 0 && !enforcer_refuses(e, nr))
			r = notify_set_handler(n, nr, on_file, e);
	}
	/* Without a private root the filter sends the metadata calls here
	 * (SECCOMP_EMULATE_METADATA), after the file syscalls: chmod and
	 * chown are both. */
	pthread_once(&meta_nrs_once, meta_nrs_resolve);
	for (size_t i = 0; r >= 0 && e->files && !e->private_root && i < ARRAY_SIZE(meta_calls);
	     i++) {
		int nr = meta_nrs[i];
		if (nr >= 0 && !enforcer_refuses(e, nr))
			r = notify_set_handler(n, nr, on_meta, e);
	}
	return r;
}
