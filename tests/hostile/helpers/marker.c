/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-hostile-marker: proof of execution.  Creates every PATH given, each
 * holding "euid=N": the runner copies it where an attack would need to run
 * it (outside the allowed directories, into a memfd, setuid-root, with file
 * capabilities) and looks for the files afterwards.  Static, so that it runs
 * from anywhere without a loader.
 *
 *   qfs-hostile-marker PATH...
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "euid=%d\n", (int)geteuid());

    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd >= 0) {
            if (write(fd, text, (size_t)n) < 0) {
                /* the file itself is the proof */
            }
            close(fd);
        }
    }
    return 0;
}
