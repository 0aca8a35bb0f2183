/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: generate code and run it where the policy forbids writable
 * executable memory (blocked "mmap"/"VirtualAlloc"): mmap RWX, mprotect
 * an RW page to RX after writing it, mprotect to RWX, pkey_mprotect RWX,
 * mremap of an RX page, and SysV shared memory attached with SHM_EXEC.
 * The code is "mov eax, 42; ret"; if a call returns 42 it marks the win.
 * Why it fails: the filter refuses mmap, mprotect and pkey_mprotect asking
 * for write and execute together, and PR_SET_MDWE (REFUSE_EXEC_GAIN) makes
 * the kernel refuse any mapping that was writable from becoming
 * executable, however it is asked (mprotect, shmat).  The control run
 * (nothing blocked) runs the code.
 */
#include "../hostile.h"

#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };

static void run(void *p, const char *how)
{
    if (((int (*)(void))p)() == 42) {
        fprintf(stderr, "hostile: generated code ran (%s)\n", how);
        mark("wx");
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    void *p
        = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (attempt("mmap rwx", p == MAP_FAILED ? -1 : 0) == 0) {
        memcpy(p, code, sizeof(code));
        run(p, "mmap rwx");
    }
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, code, sizeof(code));
    if (attempt("mprotect rw -> rx", mprotect(p, 4096, PROT_READ | PROT_EXEC)) == 0)
        run(p, "mprotect rx");
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, code, sizeof(code));
    if (attempt("mprotect rwx", mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC)) == 0)
        run(p, "mprotect rwx");
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(p, code, sizeof(code));
    if (attempt("pkey_mprotect rwx",
            syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, -1))
        == 0)
        run(p, "pkey_mprotect");
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id >= 0) {
        void *s = shmat(id, NULL, SHM_EXEC);
        shmctl(id, IPC_RMID, NULL);
        if (attempt("shmat SHM_EXEC", s == (void *)-1 ? -1 : 0) == 0) {
            memcpy(s, code, sizeof(code));
            run(s, "shmat SHM_EXEC");
        }
    }
    return finish();
}
