// Helpers the process tests share: what /proc says about a pid, read
// independently of the code under test.
#pragma once

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace procutil {

// Open descriptors of @pid, counted with readdir (not with the st_size the
// monitor uses); -1 when the process is gone.
inline int countFds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", int(pid));
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    while (dirent *de = readdir(d))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

// Whether @pid has exited: gone, or a zombie not yet reaped.
inline bool exited(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", int(pid));
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    const ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    return p && (p[2] == 'Z' || p[2] == 'X');
}

} // namespace procutil
