/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: make device nodes in its writable directory and open them: /dev/mem
 * (1:1), /dev/kmsg (1:11), the first virtio and SCSI disks (253:0, 8:0)
 * and a kernel tty (4:1), which would give raw access to memory, the
 * kernel log, the disk holding every host file and a console.
 * Why it fails: mknod of a device needs CAP_MKNOD, which the plugin never
 * has, and Landlock grants no MAKE_CHAR/MAKE_BLOCK (Limited); the
 * writable mounts of a private root are nodev, so even a node that existed
 * would not open (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *drop = arg("drop");
    static const struct
    {
        const char *name;
        mode_t type;
        unsigned maj, min;
    } nodes[] = {
        { "mem", S_IFCHR, 1, 1 },
        { "kmsg", S_IFCHR, 1, 11 },
        { "vda", S_IFBLK, 253, 0 },
        { "sda", S_IFBLK, 8, 0 },
        { "tty1", S_IFCHR, 4, 1 },
    };
    char path[4096];

    if (!drop)
        return 2;
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        snprintf(path, sizeof(path), "%s/dev-%s", drop, nodes[i].name);
        if (attempt(path, mknod(path, nodes[i].type | 0666, makedev(nodes[i].maj, nodes[i].min)))
            == 0) {
            int fd = (int)attempt("open the node", open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
            if (fd >= 0)
                steal_fd(fd, path);
        }
    }
    return finish();
}
