/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: raw devices: physical memory and I/O ports (/dev/mem, /dev/port),
 * the disks (/dev/vda, /dev/sda, /dev/nvme0n1), the hypervisor interface
 * (/dev/kvm), FUSE (/dev/fuse: a file system of its own making), tun/tap
 * (/dev/net/tun), loop devices, the console and a new pty (/dev/ptmx), for
 * reading and for writing; what opens is kept for the runner to see.
 * Why it fails: Landlock grants only null, zero, full, random and urandom
 * among the devices (Limited); a private root's /dev holds nothing else
 * (Sandboxed, Strict).
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    static const char *const devs[] = { "/dev/mem", "/dev/port", "/dev/vda", "/dev/sda",
        "/dev/nvme0n1", "/dev/kvm", "/dev/fuse", "/dev/net/tun", "/dev/loop0", "/dev/loop-control",
        "/dev/console", "/dev/tty0", "/dev/ptmx", "/dev/cpu_dma_latency" };
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        int fd = open(devs[i], O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            fd = open(devs[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        attempt(devs[i], fd);
    }
    return finish();
}
