/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: /proc/sysrq-trigger, through which root reboots, crashes or
 * freezes the machine with one letter.  It writes a digit (set the console
 * log level, harmless and visible in /proc/sys/kernel/printk) rather than
 * a letter that would take the machine down if the sandbox failed.
 * Why it fails: the file is root's and write-only for root; Landlock grants
 * /proc read-only (Limited); a private root mounts it read-only
 * (Sandboxed, Strict).  The runner reads the host's printk before and
 * after.
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *level = arg("level") ? arg("level") : "1";
    int fd = (int)attempt(
        "open /proc/sysrq-trigger", open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC));
    if (fd >= 0)
        attempt("write a sysrq", write(fd, level, 1));
    return finish();
}
