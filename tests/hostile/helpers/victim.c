/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfs-hostile-victim: a host process of the plugin's uid that holds
 * secrets for the attacks on other processes to steal: one in its
 * environment (put there by the runner), one in its memory (read from
 * stdin, never in its command line, which every process may read), and the
 * secret file open on a descriptor.  It answers with the address of the
 * memory secret on stdout and then waits to be attacked.
 *
 *   qfs-hostile-victim SECRET_FILE   (memory secret on stdin)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char secret[256];

int main(int argc, char **argv)
{
    ssize_t n = read(0, secret, sizeof(secret) - 1);

    if (n <= 0)
        return 1;
    secret[n] = '\0';
    if (argc > 1 && open(argv[1], O_RDONLY) < 0)
        return 1;
    printf("%p\n", (void *)secret);
    fflush(stdout);
    for (;;)
        pause();
}
