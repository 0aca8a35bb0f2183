/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: write into a host named pipe outside the allowed directories (a
 * FIFO a host service reads commands from; its mode lets anyone write).
 * Why it fails: opening a FIFO is opening a file: Landlock judges it like
 * any other (Limited); the FIFO is not in the private root (Sandboxed,
 * Strict).
 */
#include "../hostile.h"

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *fifo = arg("fifo");
    if (!fifo)
        return 2;
    int fd = (int)attempt("open the host's FIFO", open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd >= 0)
        attempt("write to it", write(fd, "rm -rf ~\n", 9));
    return finish();
}
