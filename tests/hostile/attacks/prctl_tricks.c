/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: undo its restrictions with prctl(): clear no_new_privs, raise
 * ambient capabilities, set securebits, turn W^X off again (PR_SET_MDWE
 * 0), rewrite its memory map's bookkeeping (PR_SET_MM, e.g. to forge its
 * command line or auxv), make itself dumpable and ptraceable by anyone
 * (PR_SET_DUMPABLE, PR_SET_PTRACER), and switch seccomp off (mode 0);
 * then maps memory writable and executable.
 * Why it fails: these switches only go one way or need capabilities the
 * plugin does not have (CAP_SETPCAP, CAP_SYS_RESOURCE); seccomp filters
 * cannot be removed.  The runner reads NoNewPrivs, Seccomp and the
 * capability sets in /proc/PID/status from the host while it holds.
 */
#include "../hostile.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/mman.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("PR_SET_NO_NEW_PRIVS 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
    attempt("PR_CAP_AMBIENT_RAISE CAP_SYS_ADMIN",
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0));
    attempt("PR_SET_SECUREBITS", prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    attempt("PR_SET_MDWE 0", prctl(PR_SET_MDWE, 0, 0, 0, 0));
    attempt("PR_SET_MM arg_start", prctl(PR_SET_MM, PR_SET_MM_ARG_START, 0x1000, 0, 0));
    attempt("PR_SET_DUMPABLE", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    attempt("PR_SET_PTRACER any", prctl(0x59616d61 /* PR_SET_PTRACER */, -1UL, 0, 0, 0));
    attempt("PR_SET_SECCOMP 0", prctl(PR_SET_SECCOMP, 0, 0, 0, 0));
    attempt("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    void *p
        = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (attempt("mmap rwx", p == MAP_FAILED ? -1 : 0) == 0 && arg("wx"))
        mark("prctl-wx");
    return finish();
}
