/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: write new code over its own text through /proc/self/mem, which
 * ignores page protections (the kernel writes with FOLL_FORCE): a W^X
 * bypass that needs no writable executable mapping at all.  It patches a
 * function that returns 1 to return 42 and calls it.
 * Why it fails: /proc is granted read-only in Landlock (Limited) and is a
 * read-only view in every sandbox: /proc/self/mem cannot be opened for
 * writing (Sandboxed, Strict).  The control run (Unrestricted) patches.
 */
#include "../hostile.h"

__attribute__((noinline, aligned(16))) static int victim_fn(void)
{
    __asm__ volatile("" ::: "memory");
    return 1;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
    int fd = (int)attempt(
        "open /proc/self/mem for writing", open("/proc/self/mem", O_RDWR | O_CLOEXEC));
    if (fd >= 0
        && attempt(
               "pwrite over the text", pwrite(fd, code, sizeof(code), (off_t)(uintptr_t)victim_fn))
            == (long)sizeof(code)) {
        if (victim_fn() == 42)
            mark("procmem");
    }
    return finish();
}
