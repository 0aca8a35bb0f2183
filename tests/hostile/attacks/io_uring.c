/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: io_uring as a way around the seccomp filter: requests submitted
 * through the ring (IORING_OP_OPENAT, IORING_OP_READ) run in the kernel
 * without passing through seccomp at all.  It sets up a ring by hand and
 * opens and reads the secret through it.
 * Why it fails: io_uring_setup, io_uring_enter and io_uring_register are
 * in the baseline deny-list from Limited up, so no ring exists; and the
 * open the ring would make is still judged by Landlock (Limited) and by
 * what the private root holds (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static int ring_fd;
static struct io_uring_params p;
static void *sq_ring, *cq_ring;
static struct io_uring_sqe *sqes;
static char buf[4096];

static long submit(const struct io_uring_sqe *sqe)
{
    unsigned *tail = (unsigned *)((char *)sq_ring + p.sq_off.tail);
    unsigned *array = (unsigned *)((char *)sq_ring + p.sq_off.array);
    unsigned mask = *(unsigned *)((char *)sq_ring + p.sq_off.ring_mask);
    unsigned t = *tail;

    sqes[t & mask] = *sqe;
    array[t & mask] = t & mask;
    __atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
    if (syscall(SYS_io_uring_enter, ring_fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
        return -1;
    unsigned *head = (unsigned *)((char *)cq_ring + p.cq_off.head);
    unsigned cmask = *(unsigned *)((char *)cq_ring + p.cq_off.ring_mask);
    struct io_uring_cqe *cqes = (struct io_uring_cqe *)((char *)cq_ring + p.cq_off.cqes);
    int res = cqes[*head & cmask].res;
    __atomic_store_n(head, *head + 1, __ATOMIC_RELEASE);
    return res;
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *secret = arg("secret");
    if (!secret)
        return 2;
    ring_fd = (int)attempt("io_uring_setup", syscall(SYS_io_uring_setup, 4, &p));
    if (ring_fd < 0)
        return finish();
    sq_ring = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
    cq_ring = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
        PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
    sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
    if (sq_ring == MAP_FAILED || cq_ring == MAP_FAILED || sqes == MAP_FAILED)
        return finish();
    struct io_uring_sqe open_sqe = { .opcode = IORING_OP_OPENAT,
        .fd = AT_FDCWD,
        .addr = (uint64_t)(uintptr_t)secret,
        .open_flags = O_RDONLY };
    long fd = attempt("IORING_OP_OPENAT the secret", submit(&open_sqe));
    if (fd >= 0) {
        struct io_uring_sqe read_sqe = { .opcode = IORING_OP_READ,
            .fd = (int)fd,
            .addr = (uint64_t)(uintptr_t)buf,
            .len = sizeof(buf) };
        long n = attempt("IORING_OP_READ", submit(&read_sqe));
        if (n > 0)
            steal("io_uring", buf, (size_t)n);
    }
    return finish();
}
