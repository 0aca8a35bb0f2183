/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: userfaultfd, which lets a program stall the kernel in the middle
 * of a copy from user memory: the race widener of many kernel exploits.
 * The syscall (user-mode faults only, as unprivileged callers may) and
 * /dev/userfaultfd; the descriptors are kept for the runner.
 * Why it fails: userfaultfd is in the baseline deny-list from Limited up,
 * and /dev/userfaultfd is neither granted by Landlock nor present in the
 * private root's /dev.
 */
#include "../hostile.h"

#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
    int dev = (int)attempt("open /dev/userfaultfd", open("/dev/userfaultfd", O_RDWR | O_CLOEXEC));
    if (dev >= 0)
        attempt(
            "USERFAULTFD_IOC_NEW", ioctl(dev, _IO(0xAA, 0x00), O_CLOEXEC | UFFD_USER_MODE_ONLY));
    return finish();
}
