/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: raise its own resource limits past the policy's: descriptors,
 * file size, core size, CPU seconds, processes, address space, locked
 * memory, soft and hard, with setrlimit and prlimit64.
 * Why it fails: raising a hard limit needs CAP_SYS_RESOURCE, which no
 * plugin holds (the launcher sets soft = hard for the policy's limits).
 * The runner reads /proc/PID/limits from the host while it holds.
 */
#include "../hostile.h"

#include <sys/resource.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const int which[] = { RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_NPROC,
        RLIMIT_AS, RLIMIT_MEMLOCK, RLIMIT_DATA };
    for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
        struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY }, cur;
        attempt("setrlimit to infinity", setrlimit(which[i], &inf));
        if (getrlimit(which[i], &cur) == 0) {
            struct rlimit up
                = { cur.rlim_max, cur.rlim_max == RLIM_INFINITY ? cur.rlim_max : cur.rlim_max + 1 };
            attempt("prlimit64 hard + 1", prlimit(0, which[i], &up, NULL));
        }
    }
    return finish();
}
