/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: host Unix-domain services by path, as the session bus, the X
 * server, systemd or docker.sock are reached: a stream socket and a
 * datagram socket of the runner's outside the allowed directories (mode
 * 0777, so file modes do not stop it), by their paths and through
 * /proc/self/root.
 * Why it fails: at Limited, which has no mount namespace, the filter
 * refuses AF_UNIX sockets; in a private root the paths do not exist
 * (Sandboxed, Strict).  The runner's sockets judge.
 */
#include "../hostile.h"

#include <sys/socket.h>
#include <sys/un.h>

static void reach(const char *path, int type)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char label[200];

    if (!path)
        return;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (attempt("socket(AF_UNIX)", fd) < 0)
        return;
    snprintf(label, sizeof(label), "connect %s", path);
    if (attempt(label, connect(fd, (struct sockaddr *)&sa, sizeof(sa))) == 0)
        attempt("send", send(fd, "hello", 5, MSG_NOSIGNAL));
    else if (type == SOCK_DGRAM)
        attempt("sendto", sendto(fd, "hello", 5, 0, (struct sockaddr *)&sa, sizeof(sa)));
    close(fd);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    reach(arg("unix"), SOCK_STREAM);
    reach(arg("unixdgram"), SOCK_DGRAM);
    if (arg("unix")) {
        char via[200];
        snprintf(via, sizeof(via), "/proc/self/root%s", arg("unix"));
        reach(via, SOCK_STREAM);
    }
    return finish();
}
