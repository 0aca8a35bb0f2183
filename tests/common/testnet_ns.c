/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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
    struct
    {
        struct nlmsghdr nh;
        struct ifaddrmsg ifa;
        char attrs[64];
    } m;
    struct
    {
        struct nlmsghdr nh;
        struct nlmsgerr err;
    } ack;
    unsigned char a[16];
    int family = strchr(address, ':') ? AF_INET6 : AF_INET;
    size_t alen = family == AF_INET ? 4 : 16;
    int r = 0;

    if (inet_pton(family, address, a) != 1)
        return -EINVAL;
    memset(&m, 0, sizeof(m));
    m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(m.ifa));
    m.nh.nlmsg_type = RTM_NEWADDR;
    m.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    m.ifa.ifa_family = (unsigned char)family;
    m.ifa.ifa_prefixlen = (unsigned char)(alen * 8);
    m.ifa.ifa_flags = IFA_F_NODAD;
    m.ifa.ifa_index = if_nametoindex("lo");
    for (int type = IFA_LOCAL; type >= IFA_ADDRESS; type--) {
        struct rtattr *rta = (struct rtattr *)((char *)&m + NLMSG_ALIGN(m.nh.nlmsg_len));
        rta->rta_type = (unsigned short)type;
        rta->rta_len = (unsigned short)RTA_LENGTH(alen);
        memcpy(RTA_DATA(rta), a, alen);
        m.nh.nlmsg_len = NLMSG_ALIGN(m.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
    }
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    if (send(fd, &m, m.nh.nlmsg_len, 0) < 0 || recv(fd, &ack, sizeof(ack), 0) < 0)
        r = -errno;
    else if (ack.nh.nlmsg_type == NLMSG_ERROR && ack.err.error && ack.err.error != -EEXIST)
        r = ack.err.error;
    close(fd);
    return r;
}
