/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: /proc/PID/root of every process it can see (the victim, the
 * supervisor, pid 1 and all others), which leads into that process's root
 * directory: the host's file system, where the secret is.
 * Why it fails: following another process's root link needs ptrace access
 * to it, which Landlock denies outside the sandbox's domain; the file it
 * leads to is still judged by Landlock's path rules (Limited); in a pid
 * namespace the host's processes are not in /proc at all, and the
 * sandbox's own root holds no secret (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <dirent.h>

static void try_pid(const char *pid, const char *secret)
{
    char path[4200];

    snprintf(path, sizeof(path), "/proc/%s/root%s", pid, secret);
    steal_path(path);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *secret = arg("secret");
    if (!secret)
        return 2;
    try_pid(arg("victim") ? arg("victim") : "1", secret);
    try_pid(arg("supervisor") ? arg("supervisor") : "1", secret);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            try_pid(e->d_name, secret);
    return finish();
}
