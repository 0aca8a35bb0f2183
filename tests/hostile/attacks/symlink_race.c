/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a symlink race in its writable directory.  One thread keeps
 * swapping drop/race between a plain file and a symlink to the host's
 * secret (and one to the world-writable target), with rename() so that
 * the name always exists; another keeps opening drop/race for reading and
 * for appending.  Any checker that looked at the path first and opened it
 * second would lose this race thousands of times a second.
 * Why it fails: nothing checks the path; the kernel resolves the symlink
 * at open time and Landlock judges the file it reaches (Limited); in a
 * private root the symlink resolves inside the sandbox's own tree, where
 * the host's file does not exist (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_bool stop;
static char race[4096], plain[4096], to_secret[4096], to_target[4096];

static void *swapper(void *unused)
{
    (void)unused;
    while (!atomic_load(&stop)) {
        rename(to_secret, race);
        symlink(arg("secret"), to_secret);
        rename(plain, race);
        close(open(plain, O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
        rename(to_target, race);
        symlink(arg("target"), to_target);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop");
    if (!drop || !arg("secret") || !arg("target"))
        return 2;
    snprintf(race, sizeof(race), "%s/race", drop);
    snprintf(plain, sizeof(plain), "%s/race.plain", drop);
    snprintf(to_secret, sizeof(to_secret), "%s/race.secret", drop);
    snprintf(to_target, sizeof(to_target), "%s/race.target", drop);
    symlink(arg("secret"), to_secret);
    symlink(arg("target"), to_target);
    close(open(plain, O_WRONLY | O_CREAT | O_CLOEXEC, 0666));

    pthread_t t;
    pthread_create(&t, NULL, swapper, NULL);
    long iterations = arg_num("iterations", 20000), won = 0;
    char buf[256];
    for (long i = 0; i < iterations; i++) {
        int fd = open(race, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n > 0) {
                steal("the race", buf, (size_t)n);
                won++;
            }
            close(fd);
        }
        fd = open(race, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            if (write(fd, "PWNED", 5) == 5)
                won++;
            close(fd);
        }
    }
    atomic_store(&stop, true);
    pthread_join(t, NULL);
    fprintf(stderr, "hostile: %ld iterations, %ld opens reached something\n", iterations, won);
    return finish();
}
