/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: squat a host service's abstract socket name (squat=): bind it
 * before the service does and listen, so that the service cannot start and
 * its clients, which have no path to check, talk to the plugin instead.
 * It holds the name while the runner, from the host, binds it itself and
 * connects to it.
 * Why it fails: abstract names live in the network namespace, and a
 * plugin without network access has one of its own (Sandboxed, Strict);
 * Limited shares the host's, and its filter refuses AF_UNIX sockets.
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *name = arg("squat");
    if (!name)
        return 2;
    struct sockaddr_un sa;
    socklen_t len = abstract_addr(&sa, name);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (attempt("socket(AF_UNIX)", fd) >= 0
        && attempt("bind the name", bind(fd, (struct sockaddr *)&sa, len)) == 0)
        attempt("listen", listen(fd, 8));
    return finish();
}
