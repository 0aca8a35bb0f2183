/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the other magic links of /proc/PID: cwd (the supervisor stands in
 * the directory that holds the secret) and fd/N (the supervisor and the
 * victim hold the secret open), for every process it can see.
 * Why it fails: these links need ptrace access to their process, which
 * Landlock's scoping denies outside the sandbox's domain, and what they
 * lead to is still subject to Landlock's path rules (Limited); in a pid
 * namespace no host process is visible (Sandboxed, Strict).
 */
#include "../hostile.h"

#include <dirent.h>

static void try_pid(const char *pid)
{
    char path[512];

    snprintf(path, sizeof(path), "/proc/%s/cwd", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char file[1024];
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        steal_path(file);
    }
    if (d)
        closedir(d);
    for (int fd = 0; fd < 64; fd++) {
        snprintf(path, sizeof(path), "/proc/%s/fd/%d", pid, fd);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            steal_path(path);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (arg("victim"))
        try_pid(arg("victim"));
    if (arg("supervisor"))
        try_pid(arg("supervisor"));
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            try_pid(e->d_name);
    return finish();
}
