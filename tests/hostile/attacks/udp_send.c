/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: send datagrams to a host UDP service on 127.0.0.1 (sendto,
 * connect+send, sendmmsg), which Landlock's network rules do not cover.
 * Why it fails: the private network namespace has no route to the host
 * (Sandboxed, Strict); at Limited the filter refuses AF_INET/AF_INET6
 * sockets.  The runner's UDP socket judges.
 */
#include "../hostile.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (!arg("udp"))
        return 2;
    struct sockaddr_in sa
        = { .sin_family = AF_INET, .sin_port = htons((uint16_t)arg_num("udp", 0)) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = (int)attempt(
        "socket(AF_INET, SOCK_DGRAM)", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd < 0)
        return finish();
    attempt("sendto", sendto(fd, "hello", 5, 0, (struct sockaddr *)&sa, sizeof(sa)));
    if (attempt("connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa))) == 0)
        attempt("send", send(fd, "hello", 5, 0));
    struct iovec iov = { "hello", 5 };
    struct mmsghdr m = { .msg_hdr
        = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 } };
    attempt("sendmmsg", sendmmsg(fd, &m, 1, 0));
    return finish();
}
