/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-hostile-marker: proof of execution.  Creates every PATH given, each
 * holding "euid=N": the runner copies it where an attack would need to run
 * it (outside the allowed directories, into a memfd, setuid-root, with file
 * capabilities) and looks for the files afterwards; they also say whether
 * it ran with privilege ("euid=0", capabilities).  Static, so that it runs
 * from anywhere without a loader.
 *
 *   qfs-hostile-marker PATH...
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The effective capabilities, as /proc/self/status shows them. */
static unsigned long long cap_eff(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strstr(buf, "CapEff:");
    return p ? strtoull(p + 7, NULL, 16) : 0;
}

int main(int argc, char **argv)
{
    char text[96];
    int n = snprintf(text, sizeof(text), "euid=%d capeff=%llx\n", (int)geteuid(), cap_eff());

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
