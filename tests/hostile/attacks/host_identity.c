/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: change what the host is: its host and domain name
 * (sethostname, setdomainname), its clock (settimeofday, clock_settime,
 * adjtimex), its Ctrl-Alt-Del action and power state (reboot with the
 * CAD_ON/CAD_OFF commands, which change a setting rather than reboot),
 * and its swap (swapon of a file it made).
 * Why it fails: each needs a capability no plugin holds in the initial
 * namespace; the clock setters, reboot and swapon are also in the
 * baseline deny-list; in a UTS namespace a host name change would stay
 * inside (Sandboxed, Strict).  The runner compares the host's name, clock,
 * ctrl-alt-del setting and swaps before and after.
 */
#include "../hostile.h"

#include <linux/reboot.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("sethostname", sethostname("pwned", 5));
    attempt("setdomainname", setdomainname("pwned", 5));
    struct timeval tv = { .tv_sec = 86400 * 365 };
    attempt("settimeofday", settimeofday(&tv, NULL));
    struct timespec ts = { .tv_sec = 86400 * 365 };
    attempt("clock_settime", clock_settime(CLOCK_REALTIME, &ts));
    struct timex tx = { .modes = ADJ_OFFSET, .offset = 500000 };
    attempt("adjtimex", adjtimex(&tx));
    attempt("reboot CAD_ON",
        syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, 0));
    attempt("reboot CAD_OFF",
        syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, 0));
    if (arg("drop")) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/swapfile", arg("drop"));
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            static char page[65536];
            memcpy(page + 4086, "SWAPSPACE2", 10);
            if (write(fd, page, sizeof(page)) == (ssize_t)sizeof(page))
                attempt("swapon", swapon(path, 0));
            close(fd);
        }
    }
    return finish();
}
