/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a descriptor the host left open (CVE-2024-21626 class: runc leaked
 * a directory of the host into the container).  The supervisor holds the
 * secret file and a host directory open without O_CLOEXEC; the plugin
 * looks for them in /proc/self/fd and by brute force over descriptor
 * numbers 0..4095: reads every readable file, lists and reads through every
 * directory (openat, fchdir, /proc/self/fd/N/..).
 * Why it fails: the launcher closes every descriptor but stdin, stdout and
 * stderr before the plugin starts (close_range), at every level.  The
 * control run passes the secret as stdin, which the same code finds.
 */
#include "../hostile.h"

#include <dirent.h>

static void through_dir(int fd, int n)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/fd/%d/..", n);
    steal_path(path);
    int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int f = openat(fd, e->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (f >= 0) {
            steal_fd(f, e->d_name);
            close(f);
        }
    }
    closedir(d);
    if (fchdir(fd) == 0)
        steal_path("../secret");
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    struct stat st;
    for (int fd = 0; fd < 4096; fd++) {
        if (fstat(fd, &st) < 0)
            continue;
        fprintf(stderr, "hostile: descriptor %d is open (mode %o)\n", fd, st.st_mode);
        if (S_ISREG(st.st_mode)) {
            char label[32];
            snprintf(label, sizeof(label), "fd %d", fd);
            steal_fd(fd, label);
        } else if (S_ISDIR(st.st_mode)) {
            through_dir(fd, fd);
        }
    }
    return finish();
}
