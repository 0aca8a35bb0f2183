/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: load a library it wrote: copy libqfs-hostile-payload.so from
 * tools= into its writable directory and into /tmp, dlopen() each, and
 * mmap() them PROT_EXEC by hand.  This is how a plugin whose policy blocks
 * dlopen would still run code it downloaded.
 * Why it fails: with dlopen (or LoadLibrary) blocked, every writable mount
 * of the private root is noexec, and the kernel refuses PROT_EXEC
 * mappings of files on noexec mounts (Sandboxed, Strict).  The control
 * run (Sandboxed, nothing blocked) loads it.
 */
#include "../hostile.h"

#include <dlfcn.h>
#include <sys/mman.h>

static void try_dir(const char *dir)
{
    char src[4096], dst[4096], mark_path[4096];
    snprintf(src, sizeof(src), "%s/libqfs-hostile-payload.so", arg("tools"));
    snprintf(dst, sizeof(dst), "%s/payload-%d.so", dir, (int)getpid());
    snprintf(mark_path, sizeof(mark_path), "%s/pwned-dlopen", arg("drop"));
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (attempt(src, in) < 0 || attempt(dst, out) < 0)
        return;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    close(out);
    void *h = dlopen(dst, RTLD_NOW);
    if (!h) {
        fprintf(stderr, "hostile: dlopen %s: %s\n", dst, dlerror());
    } else {
        int (*payload)(const char *) = (int (*)(const char *))dlsym(h, "hostile_payload");
        if (payload)
            payload(mark_path);
    }
    int fd = open(dst, O_RDONLY | O_CLOEXEC);
    void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    if (attempt("mmap PROT_EXEC of the dropped file", p == MAP_FAILED ? -1 : 0) == 0)
        mark("mmap-exec");
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (!arg("tools") || !arg("drop"))
        return 2;
    try_dir(arg("drop"));
    try_dir("/tmp");
    return finish();
}
