/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: a core dump.  With a core_pattern that pipes to a program the
 * kernel runs that program as root in the host's namespaces (a container
 * escape when the pattern is writable or the helper trusts the dump);
 * with a file pattern the dump lands in the current directory, owned by
 * the plugin, holding whatever memory it had (here: moved into the
 * writable directory).  It raises RLIMIT_CORE, makes itself dumpable,
 * tries to rewrite core_pattern, and aborts.
 * Why it fails: RLIMIT_CORE is 0 with a hard limit of 0 at every level, so
 * no dump is written; /proc/sys is read-only in a private root and
 * root-owned everywhere.
 */
#include "../hostile.h"

#include <signal.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
    attempt("raise RLIMIT_CORE", setrlimit(RLIMIT_CORE, &rl));
    attempt("PR_SET_DUMPABLE", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
    if (attempt("open core_pattern", fd) >= 0)
        attempt("write core_pattern", write(fd, "|/tmp/pwned %p", 14));
    if (arg("drop"))
        attempt("chdir drop", chdir(arg("drop")));
    signal(SIGABRT, SIG_DFL);
    abort();
}
