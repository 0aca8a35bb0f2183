/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a time-of-check race on the supervisor's exec gate under Strict.
 * The gate is seccomp user notification: the supervisor reads the
 * request while the caller waits.  One thread keeps calling execve() on a
 * path buffer while other threads flip the buffer between the plugin's own
 * file (the one exec the gate allowed at start) and the marker, so that a
 * supervisor that read the path from the plugin's memory and then let the
 * kernel continue could be shown one file and run another.
 * Why it fails: after the plugin's start the gate answers every exec with
 * EPERM itself and never lets the kernel continue, so nothing the plugin
 * changes in memory can matter; the decision does not read the path at
 * all.  Under Strict the first refusal also ends the plugin.
 */
#include "../hostile.h"

#include <pthread.h>
#include <stdatomic.h>

static char path[4096];
static char own[4096], other[4096];
static atomic_bool stop;

static void *flipper(void *unused)
{
    (void)unused;
    while (!atomic_load(&stop)) {
        memcpy(path, own, sizeof(path));
        memcpy(path, other, sizeof(path));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    /* Run again by the race: any exec after the start is the breach. */
    if (argc == 2 && !strchr(argv[1], '=')) {
        close(open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
        return 0;
    }
    char mark_path[4096];
    if (!arg("tools") || !arg("drop"))
        return 2;
    if (readlink("/proc/self/exe", own, sizeof(own) - 1) < 0)
        snprintf(own, sizeof(own), "%s", argv[0]);
    snprintf(other, sizeof(other), "%s/qfs-hostile-marker", arg("tools"));
    snprintf(mark_path, sizeof(mark_path), "%s/pwned-exec-race", arg("drop"));
    memcpy(path, own, sizeof(path));
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, flipper, NULL);
    char *args[] = { path, mark_path, NULL };
    char *env[] = { NULL };
    long refused = 0, tries = arg_num("iterations", 2000);
    for (long i = 0; i < tries; i++)
        if (execve(path, args, env) < 0)
            refused++;
    atomic_store(&stop, true);
    fprintf(stderr, "hostile: %ld of %ld execs refused\n", refused, tries);
    return finish();
}
