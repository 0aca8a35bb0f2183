/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-probe: one small program that tries one thing and says, by its exit
 * status, whether the kernel let it.  The live tests run it inside
 * sandboxes and judge the outcome from the host side; the exit status only
 * tells them which branch the probe took.
 *
 *   0  the attempt succeeded      1  it was refused (errno on stderr)
 *   2  bad usage
 *
 * Built three ways from this file: a dynamic executable, a static one and a
 * shared-library plugin (qfs_plugin_main), so that every kind of native
 * plugin runs the same code.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

int probe_main(int argc, char **argv);

static int refused(const char *what)
{
    fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
    return 1;
}

static int do_cat(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return refused(path);
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (write(1, buf, (size_t)n) != n)
            break;
    close(fd);
    return n < 0 ? refused(path) : 0;
}

static int do_write(const char *path, const char *text, int flags)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0666);
    if (fd < 0)
        return refused(path);
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : refused(path);
}

static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *thread_fn(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int do_threads(int n)
{
    pthread_t t[64];
    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++)
        if ((errno = pthread_create(&t[i], NULL, thread_fn, NULL)))
            return refused("pthread_create");
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return counter == n ? 0 : 1;
}

static int do_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (!d)
        return refused("/proc/self/fd");
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
            printf("%s ", e->d_name);
    printf("\n");
    closedir(d);
    return 0;
}

static int do_int80(void)
{
    long ret;
    /* getpid through the i386 entry: a filter that checked only the
     * x86_64 numbers would see nr 20 (getpid there) and let it by. */
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("int 0x80 returned %ld\n", ret);
    return 0;
}

static int do_x32(void)
{
    /* getpid (39) with the x32 bit set. */
    long ret = syscall(0x40000000L | 39);
    printf("x32 syscall returned %ld (%s)\n", ret, ret < 0 ? strerror(errno) : "ok");
    return 0;
}

static int do_tiocsti(void)
{
    char c = 'x';
    /* The request with garbage in the upper half, which the kernel
     * drops: a filter comparing 64 bits would miss it. */
    unsigned long req = TIOCSTI | (1UL << 32);
    if (syscall(SYS_ioctl, 0, req, &c) < 0)
        return refused("TIOCSTI");
    return 0;
}

static int do_connect(const char *addr, const char *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return refused("socket");
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return refused("connect");
    if (write(fd, "hello", 5) != 5)
        return refused("write");
    close(fd);
    return 0;
}

/*
 * One representative syscall per forbidden action and per entry of the
 * blocked-API table, with fixed arguments so that the violation's detail
 * is known in advance.  Return: the syscall's result (-1 with errno).
 */
static long call_one(const char *what, const char *arg)
{
    static char page[4096];
    if (!strcmp(what, "mount"))
        return mount("none", "/mnt", "tmpfs", 0, NULL);
    if (!strcmp(what, "bpf")) {
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.map_type = BPF_MAP_TYPE_ARRAY;
        attr.key_size = 4;
        attr.value_size = 4;
        attr.max_entries = 1;
        return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
    }
    if (!strcmp(what, "perf_event_open")) {
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.size = sizeof(attr);
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_CPU_CLOCK;
        attr.exclude_kernel = 1;
        return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    }
    if (!strcmp(what, "keyctl"))
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (!strcmp(what, "io_uring_setup")) {
        struct io_uring_params params;
        memset(&params, 0, sizeof(params));
        return syscall(SYS_io_uring_setup, 4, &params);
    }
    if (!strcmp(what, "socket"))
        return socket(AF_INET, SOCK_STREAM, 0);
    if (!strcmp(what, "kill"))
        return kill(atoi(arg), SIGKILL);
    if (!strcmp(what, "setuid"))
        return syscall(SYS_setuid, 0);
    if (!strcmp(what, "ptrace"))
        return ptrace(PTRACE_SEIZE, atoi(arg), 0, 0);
    if (!strcmp(what, "init_module"))
        return syscall(SYS_init_module, NULL, 0, "");
    if (!strcmp(what, "iopl"))
        return syscall(SYS_iopl, 3);
    if (!strcmp(what, "reboot")) /* even if it got through: only ctrl-alt-del */
        return syscall(
            SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL);
    if (!strcmp(what, "swapon"))
        return syscall(SYS_swapon, "/nonexistent", 0);
    if (!strcmp(what, "clock_settime")) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
    }
    if (!strcmp(what, "unshare"))
        return unshare(CLONE_NEWUSER);
    if (!strcmp(what, "modify_ldt"))
        return syscall(SYS_modify_ldt, 0, page, sizeof(page));
    if (!strcmp(what, "mlock"))
        return mlock(page, sizeof(page));
    if (!strcmp(what, "userfaultfd"))
        return syscall(SYS_userfaultfd, O_CLOEXEC);
    if (!strcmp(what, "personality"))
        return syscall(SYS_personality, 0xffffffffUL);
    if (!strcmp(what, "memfd_create"))
        return syscall(SYS_memfd_create, "plugin", MFD_CLOEXEC);
    if (!strcmp(what, "getppid"))
        return getppid();
    errno = EINVAL;
    return -2;
}

int probe_main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *cmd = argv[1];
    const char *a = argc > 2 ? argv[2] : "";
    const char *b = argc > 3 ? argv[3] : "";

    if (!strcmp(cmd, "exit"))
        return atoi(a);
    if (!strcmp(cmd, "sleep")) {
        struct timespec ts = { atoi(a) / 1000, (atoi(a) % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        return 0;
    }
    if (!strcmp(cmd, "cat"))
        return do_cat(a);
    if (!strcmp(cmd, "write"))
        return do_write(a, b, O_CREAT | O_TRUNC);
    if (!strcmp(cmd, "append"))
        return do_write(a, b, O_APPEND);
    if (!strcmp(cmd, "symlink"))
        return symlink(a, b) < 0 ? refused("symlink") : 0;
    if (!strcmp(cmd, "hardlink"))
        return link(a, b) < 0 ? refused("link") : 0;
    if (!strcmp(cmd, "kill"))
        return kill(atoi(a), atoi(b)) < 0 ? refused("kill") : 0;
    if (!strcmp(cmd, "ptrace"))
        return ptrace(PTRACE_SEIZE, atoi(a), 0, 0) < 0 ? refused("ptrace") : 0;
    if (!strcmp(cmd, "usefd"))
        return write(atoi(a), b, strlen(b)) < 0 ? refused("write to inherited fd") : 0;
    if (!strcmp(cmd, "fds"))
        return do_fds();
    if (!strcmp(cmd, "threads"))
        return do_threads(atoi(a));
    if (!strcmp(cmd, "exec")) {
        execv(a, argv + 2);
        return refused("execv");
    }
    if (!strcmp(cmd, "fork")) {
        pid_t pid = fork();
        if (pid < 0)
            return refused("fork");
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
        return 0;
    }
    if (!strcmp(cmd, "call")) {
        long r = call_one(a, b);
        if (r == -2)
            return 2;
        return r < 0 ? refused(a) : 0;
    }
    if (!strcmp(cmd, "flood")) {
        /* @b times the call @a, each one refused; then exit 0 */
        for (long n = atol(b); n > 0; n--)
            if (call_one(a, argc > 4 ? argv[4] : "") == -2)
                return 2;
        return 0;
    }
    if (!strcmp(cmd, "forkwrite")) {
        /* the child writes @a: proof that a process was created */
        pid_t pid = fork();
        if (pid < 0)
            return refused("fork");
        if (pid == 0)
            _exit(do_write(a, "child", O_CREAT | O_TRUNC));
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
    if (!strcmp(cmd, "nr")) /* syscall number @a with zeros for arguments */
        return syscall(atol(a), 0, 0, 0, 0, 0, 0) < 0 ? refused(a) : 0;
    if (!strcmp(cmd, "nodump")) {
        /* hides its memory from an unprivileged supervisor, then writes */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
            return refused("prctl");
        return do_write(a, b, O_CREAT | O_TRUNC);
    }
    if (!strcmp(cmd, "mkdir"))
        return mkdir(a, 0755) < 0 ? refused(a) : 0;
    if (!strcmp(cmd, "unlink"))
        return unlink(a) < 0 ? refused(a) : 0;
    if (!strcmp(cmd, "rename"))
        return rename(a, b) < 0 ? refused(a) : 0;
    if (!strcmp(cmd, "chmod"))
        return chmod(a, 0777) < 0 ? refused(a) : 0;
    if (!strcmp(cmd, "meta")) {
        /* A change of metadata of @b, the way @a names: chmod, utime (to
         * the epoch), chown (to ourselves), xattr (user.qfs), opath
         * (fchownat on an O_PATH descriptor), fchmod (on a read-only
         * descriptor). */
        int r = -1, fd;
        if (!strcmp(a, "chmod"))
            r = chmod(b, 0777);
        else if (!strcmp(a, "utime"))
            r = utimensat(AT_FDCWD, b, (const struct timespec[2]) { { 0, 0 }, { 0, 0 } }, 0);
        else if (!strcmp(a, "chown"))
            r = chown(b, getuid(), getgid());
        else if (!strcmp(a, "xattr"))
            r = setxattr(b, "user.qfs", "PWNED", 5, 0);
        else if (!strcmp(a, "opath") && (fd = open(b, O_PATH | O_CLOEXEC)) >= 0)
            r = fchownat(fd, "", getuid(), getgid(), AT_EMPTY_PATH);
        else if (!strcmp(a, "fchmod") && (fd = open(b, O_RDONLY | O_CLOEXEC)) >= 0)
            r = fchmod(fd, 0777);
        return r < 0 ? refused(a) : 0;
    }
    if (!strcmp(cmd, "relwrite")) {
        /* @b into @a relative to the directory @c (openat with a dirfd) */
        int dir = open(argc > 4 ? argv[4] : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return refused("open dir");
        int fd = openat(dir, a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return refused(a);
        return write(fd, b, strlen(b)) < 0 ? refused("write") : 0;
    }
    if (!strcmp(cmd, "int80"))
        return do_int80();
    if (!strcmp(cmd, "x32"))
        return do_x32();
    if (!strcmp(cmd, "tiocsti"))
        return do_tiocsti();
    if (!strcmp(cmd, "connect"))
        return do_connect(a, b);
    if (!strcmp(cmd, "wx")) {
        void *p = mmap(
            NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? refused("mmap rwx") : 0;
    }
    if (!strcmp(cmd, "raise"))
        return raise(atoi(a)) < 0 ? refused("raise") : 0;
    if (!strcmp(cmd, "unixconnect")) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return refused("socket(AF_UNIX)");
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", a);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            return refused("connect");
        return write(fd, "hello", 5) == 5 ? 0 : refused("write");
    }
    if (!strcmp(cmd, "udp")) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(b)) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return refused("socket(AF_INET, SOCK_DGRAM)");
        inet_pton(AF_INET, a, &sa.sin_addr);
        if (sendto(fd, "hello", 5, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            return refused("sendto");
        return 0;
    }
    if (!strcmp(cmd, "fill")) {
        /* @b bytes into @a, in 64 KiB writes */
        static char chunk[65536];
        int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return refused(a);
        for (long left = atol(b); left > 0; left -= (long)sizeof(chunk))
            if (write(fd, chunk, sizeof(chunk)) < 0)
                return refused("write");
        return 0;
    }
    if (!strcmp(cmd, "spin")) {
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    if (!strcmp(cmd, "personality")) {
        /* With garbage in the upper half, which the kernel drops. */
        unsigned long v = strtoul(a, NULL, 0) | (*b ? 1UL << 32 : 0);
        return syscall(SYS_personality, v) < 0 ? refused("personality") : 0;
    }
    if (!strcmp(cmd, "unshare"))
        return unshare(CLONE_NEWUSER) < 0 ? refused("unshare") : 0;
    if (!strcmp(cmd, "closestdio")) {
        /* close stdin, stdout and stderr, then run on and exit @a */
        close(0);
        close(1);
        close(2);
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
        return atoi(a);
    }
    if (!strcmp(cmd, "garbage")) {
        /* @a bytes of a binary pattern (every byte value, NULs and
         * invalid UTF-8 included) on stdout and, reversed, on stderr */
        static unsigned char buf[65536];
        long total = atol(a);
        for (long off = 0; off < total;) {
            size_t n = total - off < (long)sizeof(buf) ? (size_t)(total - off) : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)(((off + (long)i) * 131 + 7) & 0xff);
            if (write(1, buf, n) != (ssize_t)n)
                return refused("write");
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)~buf[i];
            if (write(2, buf, n) != (ssize_t)n)
                return refused("write");
            off += (long)n;
        }
        return 0;
    }
    if (!strcmp(cmd, "print")) {
        /* @a bytes of 'x' on stdout */
        static char buf[65536];
        memset(buf, 'x', sizeof(buf));
        for (long left = atol(a); left > 0;) {
            size_t n = left < (long)sizeof(buf) ? (size_t)left : sizeof(buf);
            if (write(1, buf, n) < 0)
                return refused("write");
            left -= (long)n;
        }
        return 0;
    }
    fprintf(stderr, "probe: unknown command %s\n", cmd);
    return 2;
}
