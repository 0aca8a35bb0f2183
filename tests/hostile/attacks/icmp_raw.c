/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: raw network access: an ICMP echo to 127.0.0.1 through a raw
 * socket, a ping socket (which unprivileged users get where
 * ping_group_range allows) and a packet socket (AF_PACKET: sniffing and
 * injecting frames on every interface).
 * Why it fails: raw and packet sockets need CAP_NET_RAW, which no plugin
 * holds; at Limited the filter refuses AF_INET and AF_PACKET is never
 * admitted; in a private network namespace an echo would reach only the
 * sandbox's own loopback.  The runner counts the host's incoming echo
 * requests (/proc/net/snmp).
 */
#include "../hostile.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

static void echo(int type, const char *what)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    struct icmphdr h = { .type = ICMP_ECHO, .un.echo.id = 0x51f5, .un.echo.sequence = 1 };
    uint32_t sum = 0;
    uint16_t *w = (uint16_t *)&h;

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    for (size_t i = 0; i < sizeof(h) / 2; i++)
        sum += w[i];
    h.checksum = (uint16_t) ~((sum & 0xffff) + (sum >> 16));
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (attempt(what, fd) >= 0) {
        for (int i = 0; i < 3; i++)
            attempt("send an echo request",
                sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&sa, sizeof(sa)));
        close(fd);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    echo(SOCK_RAW, "raw ICMP socket");
    echo(SOCK_DGRAM, "ping socket");
    attempt("AF_PACKET socket", socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    return finish();
}
