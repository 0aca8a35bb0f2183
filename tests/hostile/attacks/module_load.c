/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: load and unload kernel modules: init_module with an image,
 * finit_module on a file it wrote, delete_module of loaded ones (read from
 * /proc/modules).  Code in a module runs in the kernel.
 * Why it fails: the module calls are in the baseline deny-list from
 * Limited up and need CAP_SYS_MODULE in the initial namespace.  The runner
 * compares /proc/modules before and after.
 */
#include "../hostile.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    static const char image[] = "\177ELF not really a module";
    attempt("init_module", syscall(SYS_init_module, image, sizeof(image), ""));
    char path[4096];
    snprintf(path, sizeof(path), "%s/evil.ko", arg("drop") ? arg("drop") : "/tmp");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, image, sizeof(image)) < 0) {
            /* finit_module refuses it either way */
        }
        attempt("finit_module", syscall(SYS_finit_module, fd, "", 0));
    }
    FILE *f = fopen("/proc/modules", "re");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        *strchrnul(line, ' ') = '\0';
        attempt(line, syscall(SYS_delete_module, line, O_NONBLOCK));
    }
    return finish();
}
