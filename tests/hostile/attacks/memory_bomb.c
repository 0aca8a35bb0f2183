/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: exhaust the host's memory in the ways a memory limit often does
 * not see: anonymous memory touched page by page (how=anon), files in
 * the private /tmp (tmpfs pages, how=tmpfs), memfds grown with fallocate,
 * each below the file size limit and all kept open (how=memfd), and
 * System V shared memory (how=shm), in steps up to 4 GiB.
 * Why it fails: the memory cgroup charges every one of them (anonymous,
 * shmem and tmpfs pages alike) and kills at memory_limit_mb, which ends
 * the sandbox with limit "memory"; the tmpfs is also capped at the disk
 * limit.  Without a memory controller the data rlimit and the sampled
 * figure stand behind it.  The runner checks the status and the peak.
 */
#include "../hostile.h"

#include <sys/mman.h>
#include <sys/shm.h>

#define STEP (64UL << 20)
#define PART (4UL << 20)

static void touch(char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *how = arg("how") ? arg("how") : "anon";
    for (unsigned long total = 0; total < (4UL << 30); total += STEP) {
        if (!strcmp(how, "anon")) {
            char *p = mmap(NULL, STEP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (attempt("mmap", p == MAP_FAILED ? -1 : 0) < 0)
                break;
            touch(p, STEP);
        } else if (!strcmp(how, "tmpfs") || !strcmp(how, "memfd")) {
            /* 4 MiB files, under any file size limit, kept open. */
            int failed = 0;
            for (unsigned long part = 0; part < STEP && !failed; part += PART) {
                char path[64];
                snprintf(path, sizeof(path), "/tmp/bomb-%lu", (total + part) / PART);
                int fd = !strcmp(how, "memfd")
                    ? memfd_create("bomb", MFD_CLOEXEC | 0x0008 /* MFD_NOEXEC_SEAL */)
                    : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (fd < 0 && !strcmp(how, "memfd"))
                    fd = memfd_create("bomb", MFD_CLOEXEC);
                failed = fd < 0 || fallocate(fd, 0, 0, PART) < 0;
                if (failed)
                    attempt("fallocate", -1);
            }
            if (failed)
                break;
        } else {
            int id = shmget(IPC_PRIVATE, STEP, IPC_CREAT | 0600);
            char *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
            if (attempt("shm", p == (void *)-1 ? -1 : 0) < 0)
                break;
            shmctl(id, IPC_RMID, NULL);
            touch(p, STEP);
        }
    }
    return finish();
}
