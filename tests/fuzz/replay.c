/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A main() for fuzz targets in builds without libFuzzer: feeds the target
 * every file named on the command line and every regular file in every
 * directory named there (not recursively), one at a time, the way libFuzzer
 * replays a corpus.  So the seed corpus and the regression inputs run on
 * every build, under whatever sanitizers the build has.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int run_file(int dfd, const char *name, const char *shown)
{
    struct stat st;
    uint8_t *buf;
    size_t len = 0;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "%s: %s\n", shown, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* Exactly the file's size (malloc(0) aside), so that a read past the
     * end of the input is caught. */
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        return -1;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int run_directory(const char *path, unsigned *count)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int r = 0;

    if (!d) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        char shown[4096];
        struct stat st;

        if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
            continue;
        snprintf(shown, sizeof(shown), "%s/%s", path, e->d_name);
        if (run_file(dirfd(d), e->d_name, shown) < 0)
            r = -1;
        else
            (*count)++;
    }
    closedir(d);
    return r;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int r = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            r = -1;
        } else if (S_ISDIR(st.st_mode)) {
            r |= run_directory(argv[i], &count);
        } else if (run_file(AT_FDCWD, argv[i], argv[i]) < 0) {
            r = -1;
        } else {
            count++;
        }
    }
    printf("%s: %u inputs, no invariant failed\n", argv[0], count);
    return r < 0 || count == 0 ? 1 : 0;
}
