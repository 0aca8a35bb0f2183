/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the 32-bit syscall ABI against a 64-bit filter.  Through
 * int 0x80 the numbers are i386's: 26 is ptrace there (msync, allowed, on
 * x86_64), 11 is execve (munmap), 5 is open (fstat).  A filter that
 * checked only numbers would let a ptrace of the victim, an exec after
 * the start and an open of the secret through.  Built static, 64-bit;
 * pointers fit the 32-bit registers because the buffers live in the low
 * 4 GiB (MAP_32BIT).
 * Why it fails: the filter checks the architecture first and kills the
 * process for any ABI but the native one.  The runner sees the victim
 * untraced, no mark, no secret, and the plugin dead of SIGSYS.
 */
#include "../hostile.h"

#include <sys/mman.h>

static long int80(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    char *low
        = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED)
        return 1;
    /* ptrace(PTRACE_ATTACH, victim) */
    fprintf(stderr, "hostile: i386 ptrace returned %ld\n", int80(26, 16, arg_num("victim", 1), 0));
    /* open(secret, O_RDONLY) and read(fd, low, 4096) */
    if (arg("secret")) {
        snprintf(low, 4096, "%s", arg("secret"));
        long fd = int80(5, (long)low, O_RDONLY, 0);
        if (fd >= 0) {
            long n = int80(3, fd, (long)(low + 4096), 4096);
            if (n > 0)
                steal("i386 read", low + 4096, (size_t)n);
        }
    }
    /* execve(marker, [marker, drop/pwned-int80], NULL) */
    if (arg("tools") && arg("drop")) {
        char *prog = low + 8192, *mark_path = low + 12288;
        uint32_t *argv32 = (uint32_t *)(low + 16384);
        snprintf(prog, 4096, "%s/qfs-hostile-marker", arg("tools"));
        snprintf(mark_path, 4096, "%s/pwned-int80", arg("drop"));
        argv32[0] = (uint32_t)(uintptr_t)prog;
        argv32[1] = (uint32_t)(uintptr_t)mark_path;
        argv32[2] = 0;
        int80(11, (long)prog, (long)argv32, 0);
    }
    return finish();
}
