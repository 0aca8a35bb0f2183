/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An example plugin that keeps trying what a sandboxed plugin may not do,
 * so that a dashboard has violations to show: every 500 ms it calls ptrace,
 * opens /etc/shadow and writes outside its directories, and every 2 s it
 * tries to execute /bin/true, for "seconds" seconds (0: forever).  Each
 * attempt fails and the sandbox reports it; under Strict the exec attempt
 * also ends the plugin.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *json = argc == 3 && strcmp(argv[1], "--args") == 0 ? argv[2] : "";
    const char *at = strstr(json, "\"seconds\":");
    const long seconds = at ? strtol(at + strlen("\"seconds\":"), NULL, 10) : 10;
    int blocked = 0;

    for (long i = 0; seconds == 0 || i < seconds * 2; i++) {
        blocked += ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0;
        int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
        blocked += fd < 0;
        if (fd >= 0)
            close(fd);
        fd = open("/var/tmp/prober-was-here", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        blocked += fd < 0;
        if (fd >= 0)
            close(fd);
        if (i % 4 == 3) {
            execl("/bin/true", "true", (char *)NULL);
            blocked++;
        }
        struct timespec pause = { 0, 500 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    printf("%d attempts blocked\n", blocked);
    return 0;
}
