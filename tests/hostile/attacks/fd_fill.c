/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: hold more descriptors than max_file_handles: open until EMFILE,
 * dup2 onto a number far above the limit, and hide descriptors in flight
 * (sent over a socket pair with SCM_RIGHTS and closed, so that no process
 * table lists them), in several processes when it may fork.
 * Why it fails: RLIMIT_NOFILE (hard) caps every process and dup2 above it
 * fails; descriptors in flight count against the sender's RLIMIT_NOFILE
 * in the kernel; the monitor counts the descriptors of all the sandbox's
 * processes and ends it with limit "file_handles" when their sum is over.
 */
#include "../hostile.h"

#include <sys/socket.h>

static long hoard(void)
{
    long held = 0;
    int last = -1, fd;
    while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
        last = fd;
        held++;
    }
    attempt("open past the limit", -1);
    attempt("dup2 to 100000", dup2(0, 100000));
    /* Room for the socket pair, then refill through it. */
    close(last);
    close(last - 1);
    held -= 2;
    int sv[2];
    if (attempt("socketpair", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) == 0) {
        for (int i = 0; i < 1000; i++) {
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                break;
            char c = 0;
            struct iovec iov = { &c, 1 };
            union
            {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
            } u;
            struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &u, .msg_controllen = sizeof(u)
            };
            struct cmsghdr *c1 = CMSG_FIRSTHDR(&mh);
            c1->cmsg_level = SOL_SOCKET;
            c1->cmsg_type = SCM_RIGHTS;
            c1->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c1), &fd, sizeof(int));
            if (sendmsg(sv[0], &mh, MSG_DONTWAIT) < 0) {
                attempt("SCM_RIGHTS in flight", -1);
                close(fd);
                break;
            }
            close(fd);
            held++;
        }
    }
    return held;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    long children = arg_num("children", 0);
    for (long i = 0; i < children; i++)
        if (fork() == 0)
            break;
    fprintf(stderr, "hostile: %d holds %ld descriptors\n", (int)getpid(), hoard());
    return finish();
}
