/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a host service on an abstract Unix socket (the session bus and X
 * listen on such names; they have no path for file rules to cover):
 * connect to the runner's, stream and datagram.
 * Why it fails: abstract names belong to a network namespace: Sandboxed
 * and Strict have their own; at Limited Landlock's scoping (ABI 6)
 * refuses connections to abstract sockets made outside the sandbox, and
 * the filter refuses AF_UNIX sockets besides.  With network access
 * granted at Limited the scoping still holds.
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *name = arg("abstract");
    if (!name)
        return 2;
    struct sockaddr_un sa;
    socklen_t len = abstract_addr(&sa, name);
    const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
    for (size_t i = 0; i < 3; i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (attempt("socket(AF_UNIX)", fd) < 0)
            continue;
        if (attempt("connect to the abstract name", connect(fd, (struct sockaddr *)&sa, len)) == 0)
            attempt("send", send(fd, "hello", 5, MSG_NOSIGNAL));
        close(fd);
    }
    return finish();
}
