/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the classic W^X bypass of JIT engines: one file mapped twice,
 * writable at one address and executable at another, so that no single
 * mapping is both.  The file is a memfd, then a file in /tmp, then one in
 * its writable directory; it writes "mov eax, 42; ret" through the
 * writable view and calls the executable one.
 * Why it fails: Strict blocks both "mmap" (W^X) and "dlopen": memfds must
 * be sealed noexec and every writable mount is noexec, so no file the
 * plugin can write may be mapped executable at all.  The control run
 * (Sandboxed, nothing blocked) runs the code.
 */
#include "../hostile.h"

#include <sys/mman.h>

static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };

static void twice(int fd, const char *how)
{
    if (fd < 0 || ftruncate(fd, 4096) < 0)
        return;
    unsigned char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    char label[128];
    snprintf(label, sizeof(label), "executable view of %s", how);
    if (w == MAP_FAILED || attempt(label, x == MAP_FAILED ? -1 : 0) < 0)
        return;
    memcpy(w, code, sizeof(code));
    if (((int (*)(void))x)() == 42) {
        fprintf(stderr, "hostile: generated code ran (%s)\n", how);
        mark("doublemap");
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    twice((int)attempt("memfd_create", memfd_create("jit", MFD_CLOEXEC)), "a memfd");
    twice((int)attempt("O_TMPFILE in /tmp", open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0700)),
        "a /tmp file");
    if (arg("drop"))
        twice((int)attempt(
                  "O_TMPFILE in drop", open(arg("drop"), O_TMPFILE | O_RDWR | O_CLOEXEC, 0700)),
            "a file in the writable directory");
    return finish();
}
