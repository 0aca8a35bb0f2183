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
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
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
