/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a rename race on its writable directory.  drop/a is a directory
 * with a file; drop/b is a symlink to the host directory that holds the
 * secret.  One thread swaps them atomically (renameat2 RENAME_EXCHANGE)
 * over and over; another opens drop/a/<secret's name> and writes
 * drop/a/escape-rename, so that a path checked as "inside drop" is used after the
 * swap has made it lead outside.  It also walks out with drop/a/../../..
 * while the swap runs.
 * Why it fails: no check happens on the path; every open is judged at the
 * moment the kernel resolves it, by Landlock (Limited) or by what exists
 * in the private root (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <libgen.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

static atomic_bool stop;
static char a[4096], b[4096];

static void *swapper(void *unused)
{
    (void)unused;
    while (!atomic_load(&stop))
        syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop"), *secret = arg("secret");
    if (!drop || !secret)
        return 2;
    char dir[4096], name[4096];
    snprintf(dir, sizeof(dir), "%s", secret);
    snprintf(name, sizeof(name), "%s", secret);
    snprintf(a, sizeof(a), "%s/a", drop);
    snprintf(b, sizeof(b), "%s/b", drop);
    mkdir(a, 0777);
    symlink(dirname(dir), b);

    char via[8192], write_via[8192], up[8192];
    snprintf(via, sizeof(via), "%s/%s", a, basename(name));
    snprintf(write_via, sizeof(write_via), "%s/escape-rename", a);
    snprintf(up, sizeof(up), "%s/../../../../../../..%s", a, secret);

    pthread_t t;
    pthread_create(&t, NULL, swapper, NULL);
    long iterations = arg_num("iterations", 20000), won = 0;
    char buf[256];
    for (long i = 0; i < iterations; i++) {
        const char *paths[] = { via, up };
        for (int k = 0; k < 2; k++) {
            int fd = open(paths[k], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
            if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n > 0) {
                    steal("the rename race", buf, (size_t)n);
                    won++;
                }
                close(fd);
            }
        }
        int fd = open(write_via, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd >= 0)
            close(fd);
    }
    atomic_store(&stop, true);
    pthread_join(t, NULL);
    fprintf(stderr, "hostile: %ld iterations, %ld reads got something\n", iterations, won);
    return finish();
}
