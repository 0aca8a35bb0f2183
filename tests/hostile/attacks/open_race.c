/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a time-of-check race on the supervisor's file decisions.  From
 * Limited up the supervisor is shown the plugin's opens (seccomp user
 * notification) and reads the path out of the plugin's memory to judge
 * and report it.  Two threads keep flipping one path buffer between a
 * file the plugin may read (in drop/) and the host's secret (and between
 * a file it may write and the world-writable target), while the main
 * thread opens the buffer for reading and for appending, tens of
 * thousands of times: a supervisor that judged its copy and then let the
 * kernel open whatever the buffer held by then would be shown one file and
 * open another.
 * Why it fails: the supervisor's judgement only reports; the kernel's
 * layers decide every open at the moment they resolve it (Landlock,
 * Limited; the private root, Sandboxed and Strict), so the race can at
 * worst make a report name the wrong file.
 */
#include "../hostile.h"

#include <pthread.h>
#include <stdatomic.h>

static char rbuf[4096], wbuf[4096];
static char ok_read[4096], ok_write[4096];
static atomic_bool stop;

static void *flipper(void *unused)
{
    (void)unused;
    size_t rs = strlen(arg("secret")) + 1, rt = strlen(arg("target")) + 1;
    while (!atomic_load(&stop)) {
        memcpy(rbuf, ok_read, sizeof(rbuf));
        memcpy(wbuf, ok_write, sizeof(wbuf));
        memcpy(rbuf, arg("secret"), rs);
        memcpy(wbuf, arg("target"), rt);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (!arg("drop") || !arg("secret") || !arg("target"))
        return 2;
    snprintf(ok_read, sizeof(ok_read), "%s/readable", arg("drop"));
    snprintf(ok_write, sizeof(ok_write), "%s/writable", arg("drop"));
    close(open(ok_read, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    close(open(ok_write, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    memcpy(rbuf, ok_read, sizeof(rbuf));
    memcpy(wbuf, ok_write, sizeof(wbuf));
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, flipper, NULL);
    long iterations = arg_num("iterations", 20000), got = 0;
    char buf[256];
    for (long i = 0; i < iterations; i++) {
        int fd = open(rbuf, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n > 0) {
                steal("the open race", buf, (size_t)n);
                got++;
            }
            close(fd);
        }
        fd = open(wbuf, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            if (write(fd, "PWNED", 5) < 0) {
                /* refused writes are the point */
            }
            close(fd);
        }
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    fprintf(stderr, "hostile: %ld iterations, %ld reads got something\n", iterations, got);
    return finish();
}
