/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: fill the disk: write 1 MiB files into a directory (dir=, the
 * private /tmp by default) until refused, sparse-extending one as well,
 * to take the host's disk with it.
 * Why it fails: the private /tmp is a tmpfs of disk_space_limit_mb
 * (ENOSPC at the limit, and its pages are charged to the memory cgroup),
 * and RLIMIT_FSIZE caps any single file at the limit.  The runner checks
 * the host's free space and what the tmpfs could hold.
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *dir = arg("dir") ? arg("dir") : "/tmp";
    static char chunk[1 << 20];
    char path[4096];
    long files = 0;

    memset(chunk, 'd', sizeof(chunk));
    int fd;
    for (; files < 100000; files++) {
        snprintf(path, sizeof(path), "%s/fill-%ld", dir, files);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk)) {
            attempt("write", -1);
            break;
        }
        close(fd);
    }
    fprintf(stderr, "hostile: %ld MiB written\n", files);
    /* Past the file size limit: SIGXFSZ, which ends the run. */
    snprintf(path, sizeof(path), "%s/sparse", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        attempt("sparse extend to 1 TiB", ftruncate(fd, 1L << 40));
    return finish();
}
