/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "testnet_ns.h"

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int r = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        r = -errno;
    close(fd);
    return r;
}

int testnet_enter(char *why, size_t why_size)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    char map[64];
    int r;

    if (uid == 0) {
        if (unshare(CLONE_NEWNET) < 0) {
            r = -errno;
            snprintf(why, why_size, "unshare(CLONE_NEWNET): %s", strerror(-r));
            return r;
        }
    } else {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
            r = -errno;
            snprintf(why, why_size, "unshare(CLONE_NEWUSER | CLONE_NEWNET): %s", strerror(-r));
            return r;
        }
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
        r = write_text("/proc/self/setgroups", "deny");
        if (r >= 0)
            r = write_text("/proc/self/uid_map", map);
        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
        if (r >= 0)
            r = write_text("/proc/self/gid_map", map);
        if (r < 0) {
            snprintf(why, why_size, "writing the id maps: %s", strerror(-r));
            return r;
        }
    }
    struct ifreq ifr = { .ifr_name = "lo" };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        r = -errno;
        snprintf(why, why_size, "lo: %s", strerror(-r));
        return r;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
        r = -errno;
        close(fd);
        snprintf(why, why_size, "bringing lo up: %s", strerror(-r));
        return r;
    }
    close(fd);
    return 0;
}

int testnet_add_address(const char *address)
{
    struct net_addr a = { .family = strchr(address, ':') ? AF_INET6 : AF_INET };

    if (inet_pton(a.family, address, a.a) != 1)
        return -EINVAL;
    return net_lo_add_address(&a);
}
