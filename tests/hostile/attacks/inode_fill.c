/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: exhaust inodes rather than bytes: empty files, directories and
 * symlinks cost no data blocks, so a limit on bytes alone never sees them,
 * while every one of them costs an inode and kernel memory.  It creates
 * them in the private /tmp until refused (or count= are made).
 * Why it fails: the private /tmp is a tmpfs whose inode count is capped
 * along with its size (one inode per 4 KiB of disk_space_limit_mb), so
 * creation fails with ENOSPC long before the host notices.
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *dir = arg("dir") ? arg("dir") : "/tmp";
    long count = arg_num("count", 2000000), made = 0;
    char path[4096];

    for (; made < count; made++) {
        snprintf(path, sizeof(path), "%s/i%ld", dir, made);
        int r = made % 3 == 0 ? mkdir(path, 0700)
            : made % 3 == 1   ? symlink("x", path)
                              : open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (made % 3 == 2 && r >= 0)
            r = close(r); /* not close(open()): close(-1) would replace open's errno */
        if (r < 0) {
            attempt("create", -1);
            break;
        }
    }
    fprintf(stderr, "hostile: %ld inodes made\n", made);
    return finish();
}
