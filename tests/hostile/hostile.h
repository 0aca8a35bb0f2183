/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the hostile programs share: the bait the runner describes in
 * key=value arguments, and the ways a program hands over what it stole.
 *
 * A hostile program never decides whether it won.  It tries, prints what it
 * got and writes it into the one directory it may write to (drop=); the
 * runner (tst_hostile) judges from the host side: the secret's tokens do not
 * appear anywhere the program could put them, the host files, processes,
 * listeners and settings are as they were, nothing is left running.  What a
 * program prints on stderr only helps a human reading a failure.
 *
 * Arguments every program receives (it ignores those it does not need):
 *   secret=PATH    a host file outside the allowed directories (0644)
 *   drop=DIR       the writable allowed directory
 *   tools=DIR      a read-only allowed directory with helper programs
 *   outside=DIR    a world-writable host directory outside the allowed ones
 *   target=PATH    a world-writable host file in outside=
 *   victim=PID     a host process of the plugin's uid holding secrets
 *   vaddr=HEX      where the victim keeps a secret in its memory
 *   supervisor=PID the process that runs the sandbox
 *   leakfd=N       a descriptor the supervisor left open without CLOEXEC
 *   tcp= tcp6= udp= unix= unixdgram= abstract= fifo= hostip=
 *                  host listeners (ports, paths, names) and an address
 *   run=TOKEN      unique per run, for finding leftover processes
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int hostile_argc;
static char **hostile_argv;

static inline void hostile_init(int argc, char **argv)
{
    hostile_argc = argc;
    hostile_argv = argv;
    setvbuf(stdout, NULL, _IONBF, 0);
}

/* The value of key=value, or NULL. */
static inline const char *arg(const char *key)
{
    size_t n = strlen(key);

    for (int i = 1; i < hostile_argc; i++)
        if (!strncmp(hostile_argv[i], key, n) && hostile_argv[i][n] == '=')
            return hostile_argv[i] + n + 1;
    return NULL;
}

static inline long arg_num(const char *key, long def)
{
    const char *v = arg(key);
    return v && *v ? strtol(v, NULL, 0) : def;
}

/* Logs an attempt on stderr and passes its result through: @r < 0 (or
 * MAP_FAILED cast) means it failed with errno. */
static inline long attempt(const char *what, long r)
{
    int saved = errno;

    if (r < 0)
        fprintf(stderr, "hostile: %s: %s\n", what, strerror(saved));
    else
        fprintf(stderr, "hostile: %s: succeeded (%ld)\n", what, r);
    errno = saved;
    return r;
}

/* Hands stolen bytes over: on stdout, and appended to drop/stolen. */
static inline void steal(const char *label, const void *buf, size_t n)
{
    const char *drop = arg("drop");

    printf("stolen from %s: ", label);
    fwrite(buf, 1, n, stdout);
    printf("\n");
    if (drop) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/stolen", drop);
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (fd >= 0) {
            if (write(fd, buf, n) < 0) {
                /* stdout has it */
            }
            close(fd);
        }
    }
}

/* Reads up to 64 KiB from @fd (from its start, without moving its offset
 * when it has one: a descriptor shared with another process shares that
 * offset) and steals it.  Return: bytes read or -1. */
static inline ssize_t steal_fd(int fd, const char *label)
{
    static char buf[65536];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == ESPIPE)
        n = read(fd, buf, sizeof(buf));

    if (n > 0)
        steal(label, buf, (size_t)n);
    return n;
}

/* Opens @path for reading and steals its start.  Return 0 or -1. */
static inline int steal_path(const char *path)
{
    int fd = (int)attempt(path, open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));

    if (fd < 0)
        return -1;
    ssize_t n = steal_fd(fd, path);
    close(fd);
    return n >= 0 ? 0 : -1;
}

/* Proof that code ran or a privilege was gained: pwned-<what> in the drop
 * directory, holding the effective uid. */
static inline void mark(const char *what)
{
    const char *dir = arg("drop");
    char path[4096], text[64];

    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/pwned-%s", dir, what);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return;
    int n = snprintf(text, sizeof(text), "euid=%d\n", (int)geteuid());
    if (write(fd, text, (size_t)n) < 0) {
        /* the file itself is the mark */
    }
    close(fd);
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Tells the runner, through the host's /proc, that the attempts are over
 * (comm "qfs-done"), then keeps what it holds for hold= milliseconds so
 * that the runner can look at it. */
static inline int finish(void)
{
    prctl(PR_SET_NAME, "qfs-done", 0, 0, 0);
    sleep_ms(arg_num("hold", 0));
    return 0;
}

/* The abstract Unix socket address @name (no leading NUL); returns the
 * address length, which for an abstract name counts no terminator. */
static inline socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
    size_t n = strnlen(name, sizeof(sa->sun_path) - 1);

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}
