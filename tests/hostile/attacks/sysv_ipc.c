/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: System V IPC, which lives in the IPC namespace rather than the
 * file system: attach the host's shared memory segments (the runner
 * created one with mode 0666 holding a secret, as X11's MIT-SHM or a
 * database would), found by walking ids with SHM_STAT_ANY; and leave
 * objects behind (a segment, a message queue and a semaphore set, with
 * key=), which would outlive the sandbox and keep its memory charged.
 * Why it fails: Sandboxed and Strict run in an IPC namespace of their
 * own, destroyed with them; Limited shares the host's, so its filter
 * refuses the System V calls (shmget, shmat, msgget, semget ...).  The
 * runner looks for the key's objects on the host after the run.
 */
#include "../hostile.h"

#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    struct shm_info info;
    int max = (int)attempt("SHM_INFO", shmctl(0, SHM_INFO, (struct shmid_ds *)&info));
    for (int idx = 0; idx <= max && idx < 65536; idx++) {
        struct shmid_ds ds;
        int id = shmctl(idx, SHM_STAT_ANY, &ds);
        if (id < 0)
            id = shmctl(idx, SHM_STAT, &ds);
        if (id < 0)
            continue;
        void *p = shmat(id, NULL, SHM_RDONLY);
        if (attempt("shmat a host segment", p == (void *)-1 ? -1 : 0) == 0)
            steal("a host shm segment", p, ds.shm_segsz < 256 ? ds.shm_segsz : 256);
    }
    key_t key = (key_t)arg_num("key", 0x51f5);
    int shm = (int)attempt("shmget", shmget(key, 1 << 20, IPC_CREAT | 0666));
    if (shm >= 0) {
        char *p = shmat(shm, NULL, 0);
        if (p != (void *)-1)
            memset(p, 'x', 1 << 20);
    }
    attempt("msgget", msgget(key, IPC_CREAT | 0666));
    attempt("semget", semget(key, 4, IPC_CREAT | 0666));
    return finish();
}
