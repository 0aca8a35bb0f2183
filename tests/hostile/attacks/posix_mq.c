/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a POSIX message queue: like System V IPC it lives in the IPC
 * namespace (the internal mqueue file system, not any path Landlock
 * sees), so one created by the plugin (name=) would stay on the host
 * after the sandbox, and a host queue of a permissive mode could be read.
 * Why it fails: Sandboxed and Strict have an IPC namespace of their own;
 * Limited shares the host's, so its filter refuses mq_open.  The runner
 * opens the name on the host after the run.
 */
#include "../hostile.h"

#include <mqueue.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *name = arg("name") ? arg("name") : "/qfs-hostile";
    struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
    mqd_t q = mq_open(name, O_RDWR | O_CREAT, 0666, &a);
    if (attempt("mq_open", q == (mqd_t)-1 ? -1 : 0) == 0)
        attempt("mq_send", mq_send(q, "PWNED", 5, 0));
    return finish();
}
