/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin the Qt facade tests run.  It does one thing, chosen by the
 * arguments the facade passes (`--args {"mode":"...", ...}`):
 *
 *   (no arguments)  print "hello" to stdout and "warning" to stderr, exit 0
 *   echo            print every argument on its own line, exit with "code"
 *   sleep           sleep "ms" milliseconds, exit 0
 *   alloc           allocate and touch "mb" MiB, then sleep "ms", exit 0
 *   spin            burn CPU until killed
 *   crash           die of SIGSEGV
 *   ptrace          call ptrace(PTRACE_TRACEME), print the result, exit 0
 *   exec            execute /bin/true, print why that failed, exit 0
 *
 * Argument parsing is deliberately naive: the facade writes compact JSON.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>

static const char *json = "";

static int is_mode(const char *mode)
{
    char key[64];
    snprintf(key, sizeof(key), "\"mode\":\"%s\"", mode);
    return strstr(json, key) != NULL;
}

static long number(const char *name, long fallback)
{
    char key[64];
    snprintf(key, sizeof(key), "\"%s\":", name);
    const char *at = strstr(json, key);
    return at ? strtol(at + strlen(key), NULL, 10) : fallback;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) { }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--args") == 0)
        json = argv[2];

    if (argc == 1) {
        puts("hello");
        fputs("warning\n", stderr);
        return 0;
    }
    if (is_mode("echo")) {
        for (int i = 1; i < argc; i++)
            puts(argv[i]);
        return (int)number("code", 0);
    }
    if (is_mode("sleep")) {
        sleep_ms(number("ms", 60000));
        return 0;
    }
    if (is_mode("alloc")) {
        size_t size = (size_t)number("mb", 64) << 20;
        char *p = malloc(size);
        if (!p)
            return 2;
        for (size_t i = 0; i < size; i += 4096)
            p[i] = 1;
        sleep_ms(number("ms", 60000));
        return p[size / 2] == 1 ? 0 : 3;
    }
    if (is_mode("spin")) {
        for (volatile unsigned long n = 0;; n++) { }
    }
    if (is_mode("crash")) {
        raise(SIGSEGV);
        return 4;
    }
    if (is_mode("ptrace")) {
        long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        printf("ptrace=%ld errno=%d\n", r, r < 0 ? errno : 0);
        return 0;
    }
    if (is_mode("exec")) {
        execl("/bin/true", "true", (char *)NULL);
        printf("exec errno=%d\n", errno);
        return 0;
    }
    fprintf(stderr, "unknown arguments: %s\n", json);
    return 64;
}
