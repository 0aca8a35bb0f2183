/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a thread bomb, where threads are allowed and processes are not:
 * create threads with small stacks until refused, each spinning, to
 * exhaust the host's task table and CPUs without ever calling fork.
 * Why it fails: threads are tasks: the sandbox's pids.max (or
 * RLIMIT_NPROC in its user namespace) counts them, so creation stops at
 * max_processes, and the CPU budget ends the run.  The runner checks the
 * host survived, the count stayed at the ceiling, and nothing is left.
 */
#include "../hostile.h"

#include <pthread.h>

static void *spin(void *unused)
{
    (void)unused;
    for (volatile unsigned long i = 0;; i++)
        if (i % (1ul << 20) == 0)
            sleep_ms(1);
    return NULL;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 65536);
    long made = 0;
    for (int refused = 0; refused < 1000;) {
        pthread_t t;
        if (pthread_create(&t, &a, spin, NULL) == 0)
            made++;
        else
            refused++;
    }
    fprintf(stderr, "hostile: %ld threads made\n", made);
    return finish();
}
