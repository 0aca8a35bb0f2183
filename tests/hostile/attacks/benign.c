/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The positive control beside the attacks: what a policy grants must
 * work, or a sandbox that blocks everything would pass every hostile row.
 * It reads the allowed file (allowed=PATH) and prints it, writes
 * drop/benign, runs 16 threads, and exits 0 only if all of that worked.
 */
#include "../hostile.h"

#include <pthread.h>

static void *nothing(void *unused)
{
    return unused;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int ok = 1;
    if (arg("allowed") && steal_path(arg("allowed")) < 0)
        ok = 0;
    if (arg("drop")) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/benign", arg("drop"));
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (attempt("write in the allowed directory", fd) < 0 || write(fd, "written", 7) != 7)
            ok = 0;
    }
    for (int i = 0; i < 16; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
            ok = 0;
    }
    return ok ? 0 : 1;
}
