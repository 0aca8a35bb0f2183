/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the kernel log: read it through /dev/kmsg and syslog(2) (the
 * runner has put a secret in it; it holds kernel addresses and other
 * processes' messages too), and write a forged message into it.
 * Why it fails: /dev/kmsg is not among the devices Landlock grants
 * (Limited) nor in the private root's /dev (Sandboxed, Strict); syslog is
 * in the baseline deny-list.  The runner reads the host's log after.
 */
#include "../hostile.h"

#include <sys/klog.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int fd = (int)attempt("open /dev/kmsg", open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd >= 0) {
        char rec[8192];
        ssize_t n;
        while ((n = read(fd, rec, sizeof(rec))) > 0 || (n < 0 && errno == EPIPE))
            if (n > 0)
                steal("/dev/kmsg", rec, (size_t)n);
    }
    static char buf[1 << 16];
    int n = (int)attempt("syslog READ_ALL", klogctl(3, buf, sizeof(buf)));
    if (n > 0)
        steal("syslog", buf, (size_t)n);
    char msg[128];
    int len
        = snprintf(msg, sizeof(msg), "<6>qfs-hostile forged %s\n", arg("run") ? arg("run") : "");
    fd = (int)attempt("open /dev/kmsg for writing", open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
    if (fd >= 0)
        attempt("write /dev/kmsg", write(fd, msg, (size_t)len));
    return finish();
}
