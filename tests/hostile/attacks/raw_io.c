/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: direct port I/O: ioperm() on port 0x80 (the POST diagnostic port
 * Linux itself uses for I/O delays, so writing it is harmless) and
 * iopl(3), then an outb to it.  With I/O privilege a process can program
 * hardware behind the kernel's back.
 * Why it fails: ioperm and iopl are in the baseline deny-list from Limited
 * up and need CAP_SYS_RAWIO; without the permission the outb raises a
 * general protection fault, so the runner sees the plugin die of SIGSEGV
 * (or of the violation under Strict) instead of exiting 0.
 */
#include "../hostile.h"

#include <sys/io.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    attempt("ioperm 0x80", ioperm(0x80, 1, 1));
    attempt("iopl 3", iopl(3));
    outb(0, 0x80);
    mark("raw-io");
    return 0;
}
