/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: change its execution domain: READ_IMPLIES_EXEC (every readable
 * mapping becomes executable: a W^X bypass for anything it can write and
 * map), ADDR_NO_RANDOMIZE (no ASLR for what it runs next), ADDR_COMPAT_LAYOUT
 * and the other personas, each with and without garbage in the upper 32
 * bits; then maps a page read-write and, if the persona took, runs code
 * from it.
 * Why it fails: from Limited up the filter lets personality() only query
 * (0xffffffff) or set the plain Linux persona, on the low 32 bits; the
 * runner reads /proc/PID/personality from the host while it holds.
 */
#include "../hostile.h"

#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const unsigned long personas[]
        = { READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ADDR_COMPAT_LAYOUT, PER_SVR4, PER_LINUX32 };
    for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
        attempt("personality", syscall(SYS_personality, personas[i]));
        attempt(
            "personality (upper bits set)", syscall(SYS_personality, personas[i] | (1UL << 32)));
    }
    /* Under READ_IMPLIES_EXEC a PROT_READ|PROT_WRITE mapping is executable. */
    unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED && (syscall(SYS_personality, 0xffffffffUL) & READ_IMPLIES_EXEC)) {
        p[0] = 0xc3; /* ret */
        ((void (*)(void))p)();
        mark("personality");
    }
    return finish();
}
