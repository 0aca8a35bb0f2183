/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-netprobe: what an ordinary program does with the network, one thing
 * per run, for the network tests.  Names are resolved with getaddrinfo()
 * (AF_UNSPEC, every address tried in turn), connections made with plain
 * connect(); the tests judge the outcome from the server's side.
 *
 *   tcp HOST PORT [MSG]    connect, send MSG (default "hello"), read the echo
 *   tcp-nb HOST PORT [MSG] the same with a non-blocking connect (poll, SO_ERROR)
 *   many N HOST PORT       N connections held open at once, each sends "nI"
 *   seq N HOST PORT        N connections one after the other, each closed
 *   self                   listen on the sandbox's 127.0.0.1, connect to it
 *   abstract NAME          connect to the abstract Unix socket NAME
 *   vsock                  create an AF_VSOCK socket
 *   bench-connect HOST PORT N   N connect()s; prints the mean µs per call
 *   bench-stream HOST PORT MB   sends MB MiB; prints MB/s (until the peer's EOF)
 *
 * Exit status: 0 done, 1 refused (the reason on stderr), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int refused(const char *what)
{
    fprintf(stderr, "netprobe: %s: %s\n", what, strerror(errno));
    return 1;
}

static struct addrinfo *resolve(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r) {
        fprintf(stderr, "netprobe: getaddrinfo %s: %s\n", host, gai_strerror(r));
        return NULL;
    }
    return res;
}

/* A connected socket to the first address of @host that takes one. */
static int dial(const char *host, const char *port, bool nonblocking)
{
    struct addrinfo *res = resolve(host, port);
    int fd = -1, err = ENOENT;

    if (!res)
        return -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(
            a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int r = connect(fd, a->ai_addr, a->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS && nonblocking) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            socklen_t len = sizeof(err);
            if (poll(&p, 1, 10000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = ETIMEDOUT;
            r = err ? -1 : 0;
            errno = err;
            if (r == 0)
                fcntl(fd, F_SETFL, 0);
        }
        if (r == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    errno = err;
    return fd;
}

static int exchange(int fd, const char *msg)
{
    char buf[256];
    size_t len = strlen(msg), got = 0;

    if (write(fd, msg, len) != (ssize_t)len)
        return refused("write");
    while (got < len) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            return n < 0 ? refused("read") : (errno = ECONNRESET, refused("read"));
        got += (size_t)n;
    }
    buf[got] = '\0';
    printf("%s\n", buf);
    return 0;
}

static int do_tcp(const char *host, const char *port, const char *msg, bool nonblocking)
{
    int fd = dial(host, port, nonblocking);
    if (fd < 0)
        return errno == ENOENT ? 1 : refused("connect");
    int r = exchange(fd, msg ? msg : "hello");
    close(fd);
    return r;
}

static int do_many(int n, const char *host, const char *port)
{
    int fds[256];

    if (n < 1 || n > 256)
        return 2;
    for (int i = 0; i < n; i++) {
        char msg[16];
        fds[i] = dial(host, port, false);
        if (fds[i] < 0) {
            fprintf(stderr, "netprobe: connection %d: %s\n", i + 1, strerror(errno));
            return 1;
        }
        snprintf(msg, sizeof(msg), "n%d", i + 1);
        if (exchange(fds[i], msg))
            return 1;
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return 0;
}

static int do_seq(int n, const char *host, const char *port)
{
    for (int i = 0; i < n; i++) {
        char msg[16];
        int fd = dial(host, port, false);
        if (fd < 0) {
            fprintf(stderr, "netprobe: connection %d: %s\n", i + 1, strerror(errno));
            return 1;
        }
        snprintf(msg, sizeof(msg), "s%d", i + 1);
        int r = exchange(fd, msg);
        close(fd);
        if (r)
            return r;
    }
    return 0;
}

static int do_self(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0
        || getsockname(l, (struct sockaddr *)&a, &len) < 0)
        return refused("listen");
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
        return refused("connect");
    int s = accept(l, NULL, NULL);
    if (s < 0 || write(c, "self", 4) != 4)
        return refused("accept");
    char buf[8] = { 0 };
    if (read(s, buf, 4) != 4 || strcmp(buf, "self"))
        return refused("read");
    printf("%s\n", buf);
    return 0;
}

static int do_abstract(const char *name)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    size_t n = strlen(name);

    if (fd < 0)
        return refused("socket(AF_UNIX)");
    if (n + 1 > sizeof(a.sun_path))
        return 2;
    memcpy(a.sun_path + 1, name, n);
    if (connect(
            fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n))
        < 0)
        return refused("connect");
    return write(fd, "hello", 5) == 5 ? 0 : refused("write");
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int do_bench_connect(const char *host, const char *port, int n)
{
    struct addrinfo *res = resolve(host, port);
    double total = 0;

    if (!res || n < 1)
        return 1;
    for (int i = 0; i < n; i++) {
        int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        double t0 = now_us();
        if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0)
            return refused("connect");
        total += now_us() - t0;
        close(fd);
    }
    printf("%.2f\n", total / n);
    return 0;
}

static int do_bench_stream(const char *host, const char *port, int mb)
{
    static char block[1 << 20];
    int fd = dial(host, port, false);
    char c;

    if (fd < 0)
        return refused("connect");
    memset(block, 'x', sizeof(block));
    double t0 = now_us();
    for (long left = (long)mb << 20; left > 0;) {
        ssize_t n = write(fd, block, left < (long)sizeof(block) ? (size_t)left : sizeof(block));
        if (n <= 0)
            return refused("write");
        left -= n;
    }
    /* The server closes once it has read everything. */
    shutdown(fd, SHUT_WR);
    if (read(fd, &c, 1) < 0)
        return refused("read");
    double secs = (now_us() - t0) / 1e6;
    printf("%.1f\n", mb / secs);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    const char *a = argc > 2 ? argv[2] : "";
    const char *b = argc > 3 ? argv[3] : "";
    const char *c = argc > 4 ? argv[4] : NULL;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(cmd, "tcp") && argc >= 4)
        return do_tcp(a, b, c, false);
    if (!strcmp(cmd, "tcp-nb") && argc >= 4)
        return do_tcp(a, b, c, true);
    if (!strcmp(cmd, "many") && argc == 5)
        return do_many(atoi(a), b, c);
    if (!strcmp(cmd, "seq") && argc == 5)
        return do_seq(atoi(a), b, c);
    if (!strcmp(cmd, "self"))
        return do_self();
    if (!strcmp(cmd, "abstract") && argc == 3)
        return do_abstract(a);
    if (!strcmp(cmd, "vsock")) {
        int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return fd < 0 ? refused("socket(AF_VSOCK)") : 0;
    }
    if (!strcmp(cmd, "bench-connect") && argc == 5)
        return do_bench_connect(a, b, atoi(c));
    if (!strcmp(cmd, "bench-stream") && argc == 5)
        return do_bench_stream(a, b, atoi(c));
    fprintf(stderr, "netprobe: bad usage\n");
    return 2;
}
