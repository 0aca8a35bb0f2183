/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: reconfigure the host's network through rtnetlink: add the address
 * 127.83.0.1/32 to "lo" and set "lo" down, as a plugin would to redirect
 * or cut the host's traffic.
 * Why it fails: changing links and addresses needs CAP_NET_ADMIN over the
 * network namespace; a plugin without network access has a namespace of
 * its own (Sandboxed, Strict), and no plugin holds the capability
 * anywhere.  The runner compares the host's loopback addresses and flags.
 */
#include "../hostile.h"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int talk(int fd, struct nlmsghdr *h)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    char reply[4096];

    if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return -1;
    ssize_t n = recv(fd, reply, sizeof(reply), 0);
    struct nlmsghdr *r = (struct nlmsghdr *)reply;
    if (n >= (ssize_t)sizeof(*r) && r->nlmsg_type == NLMSG_ERROR) {
        int e = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
        errno = -e;
        return e ? -1 : 0;
    }
    return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int fd = (int)attempt(
        "socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (fd < 0)
        return finish();
    struct
    {
        struct nlmsghdr h;
        struct ifaddrmsg a;
        struct rtattr rta;
        struct in_addr addr;
    } add = {
        .h = { .nlmsg_len = sizeof(add),
            .nlmsg_type = RTM_NEWADDR,
            .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL },
        .a = { .ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_index = if_nametoindex("lo") },
        .rta = { .rta_len = RTA_LENGTH(sizeof(struct in_addr)), .rta_type = IFA_LOCAL },
        .addr = { htonl(0x7f530001) },
    };
    attempt("RTM_NEWADDR 127.83.0.1 on lo", talk(fd, &add.h));
    struct
    {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } down = {
        .h = { .nlmsg_len = sizeof(down),
            .nlmsg_type = RTM_NEWLINK,
            .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
        .i
        = { .ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex("lo"), .ifi_change = IFF_UP },
    };
    attempt("RTM_NEWLINK lo down", talk(fd, &down.h));
    return finish();
}
