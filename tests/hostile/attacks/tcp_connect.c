/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: reach host TCP services: the runner's listeners on 127.0.0.1,
 * on ::1 and on the host's own non-loopback address (hostip=), with
 * connect() and with sendto(MSG_FASTOPEN), and says hello to each.
 * Why it fails: without network access the plugin has its own network
 * namespace with only a loopback of its own (Sandboxed, Strict); at
 * Limited, which has no namespaces, the filter refuses AF_INET and
 * AF_INET6 sockets and Landlock refuses TCP connect.  The runner's
 * listeners judge.  With network access (the control runs) the same code
 * gets through.
 */
#include "../hostile.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void hello(int family, const char *addr, const char *port)
{
    struct sockaddr_storage ss = { 0 };
    socklen_t len;
    char label[128];

    if (!addr || !port)
        return;
    if (family == AF_INET) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)atoi(port));
        inet_pton(AF_INET, addr, &sa->sin_addr);
        len = sizeof(*sa);
    } else {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons((uint16_t)atoi(port));
        inet_pton(AF_INET6, addr, &sa->sin6_addr);
        len = sizeof(*sa);
    }
    snprintf(label, sizeof(label), "connect %s port %s", addr, port);
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (attempt("socket", fd) < 0)
        return;
    if (attempt(label, connect(fd, (struct sockaddr *)&ss, len)) == 0)
        attempt("send", send(fd, "hello", 5, MSG_NOSIGNAL));
    close(fd);
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(label, sizeof(label), "TCP fast open to %s port %s", addr, port);
    attempt(
        label, sendto(fd, "hello", 5, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&ss, len));
    close(fd);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    hello(AF_INET, "127.0.0.1", arg("tcp"));
    hello(AF_INET6, "::1", arg("tcp6"));
    hello(AF_INET, arg("hostip"), arg("tcpany"));
    return finish();
}
