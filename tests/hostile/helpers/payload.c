/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqfs-hostile-payload: a library a hostile plugin drops where it may
 * write and then loads.  Loaded, it proves it ran by creating a file.
 */
#include <fcntl.h>
#include <unistd.h>

__attribute__((visibility("default"))) int hostile_payload(const char *path);

int hostile_payload(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}
