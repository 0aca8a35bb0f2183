/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: load BPF: create a map and a socket-filter program (verifier and
 * JIT bugs are a steady source of kernel privilege escalations), keeping
 * the descriptors for the runner to look at.
 * Why it fails: bpf is in the baseline deny-list from Limited up (and the
 * host forbids unprivileged BPF as well, which no plugin could change).
 */
#include "../hostile.h"

#include <linux/bpf.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    union bpf_attr map
        = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1 };
    attempt("BPF_MAP_CREATE", syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof(map)));
    struct bpf_insn prog[] = {
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
    };
    union bpf_attr load = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
        .insn_cnt = 2,
        .insns = (uint64_t)(uintptr_t)prog,
        .license = (uint64_t)(uintptr_t) "GPL" };
    attempt("BPF_PROG_LOAD", syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load)));
    return finish();
}
