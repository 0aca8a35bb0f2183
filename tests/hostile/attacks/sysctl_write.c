/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: change the host's kernel settings through /proc/sys: the
 * core_pattern (a pipe to a program of its own, run as root on the next
 * crash anywhere: a classic container escape), the host name, the console
 * log level, IP forwarding, the Ctrl-Alt-Del action, and the limits of
 * the user namespaces and of pids.
 * Why it fails: /proc/sys is root's, and nothing in any sandbox is root
 * in the initial namespace; Landlock grants /proc read-only (Limited); a
 * private root's /proc/sys is a read-only mount (Sandboxed, Strict).  The
 * runner compares the host's values before and after.
 */
#include "../hostile.h"

static void set(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (attempt(path, fd) >= 0) {
        attempt("write", write(fd, value, strlen(value)));
        close(fd);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    set("/proc/sys/kernel/core_pattern", "|/tmp/pwned %p");
    set("/proc/sys/kernel/hostname", "pwned");
    set("/proc/sys/kernel/domainname", "pwned");
    set("/proc/sys/kernel/printk", "1");
    set("/proc/sys/net/ipv4/ip_forward", "1");
    set("/proc/sys/kernel/ctrl-alt-del", "1");
    set("/proc/sys/user/max_user_namespaces", "0");
    set("/proc/sys/kernel/pid_max", "1000");
    return finish();
}
