/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: process_vm_readv and process_vm_writev on the victim, a host
 * process of the plugin's own uid: copy its secret out, write over it.
 * Why it fails: both are in the baseline deny-list from Limited up, and
 * need ptrace access, which Landlock denies outside the sandbox's domain;
 * the victim is not in the pid namespace (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <sys/uio.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    pid_t victim = (pid_t)arg_num("victim", 0);
    unsigned long addr = strtoul(arg("vaddr") ? arg("vaddr") : "0", NULL, 16);
    char buf[256];

    if (!victim || !addr)
        return 2;
    struct iovec local = { buf, sizeof(buf) }, remote = { (void *)addr, sizeof(buf) };
    ssize_t n = attempt("process_vm_readv", process_vm_readv(victim, &local, 1, &remote, 1, 0));
    if (n > 0)
        steal("victim memory via process_vm_readv", buf, (size_t)n);
    char pwned[] = "PWNED";
    struct iovec src = { pwned, 5 }, dst = { (void *)addr, 5 };
    attempt("process_vm_writev", process_vm_writev(victim, &src, 1, &dst, 1, 0));
    return finish();
}
