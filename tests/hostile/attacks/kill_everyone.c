/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: kill(-1, SIGKILL), which sends SIGKILL to every process the
 * caller may signal: all processes of its uid, the victim and (with an
 * unprivileged supervisor) the supervisor and the user's whole session
 * among them.  Also SIGKILL to process groups 1..32768 one by one.
 * Why it fails: Landlock (ABI 6) scopes signals to the sandbox's own
 * domain, so "everyone" is the sandbox (Limited); in a pid namespace -1
 * means the namespace (Sandboxed, Strict).  Never run unsandboxed: it
 * would do what it says.
 */
#include "../hostile.h"

#include <signal.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    signal(SIGTERM, SIG_IGN);
    /* Spare ourselves for the group sweep: kill(-1) already skips us. */
    attempt("kill(-1, SIGKILL)", kill(-1, SIGKILL));
    int hits = 0;
    for (pid_t g = 2; g < 32768; g++)
        if (g != getpgrp() && kill(-g, SIGKILL) == 0)
            hits++;
    fprintf(stderr, "hostile: %d process groups took SIGKILL\n", hits);
    return finish();
}
