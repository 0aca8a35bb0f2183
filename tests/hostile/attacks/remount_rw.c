/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: make what is read-only writable: remount the runtime (/usr) and
 * the directory of its own executable read-write (MS_REMOUNT|MS_BIND),
 * clear MOUNT_ATTR_RDONLY with mount_setattr(), then drop a file in each.
 * Why it fails: remounting and mount_setattr are in the baseline deny-list,
 * and read-only bind mounts made in a more privileged namespace are locked
 * (Sandboxed, Strict); at Limited those directories are read-only by
 * Landlock, which no mount flag changes.  The runner looks for the files
 * on the host.
 */
#include "../hostile.h"

#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>

static void unlock(const char *dir)
{
    struct mount_attr ma = { .attr_clr = MOUNT_ATTR_RDONLY };
    char path[4096];

    attempt("remount rw", mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND, NULL));
    attempt("mount_setattr rw",
        syscall(SYS_mount_setattr, AT_FDCWD, dir, AT_RECURSIVE, &ma, sizeof(ma)));
    snprintf(path, sizeof(path), "%s/pwned-remount", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (attempt(path, fd) >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        unlock(exe);
    }
    unlock("/usr");
    return finish();
}
