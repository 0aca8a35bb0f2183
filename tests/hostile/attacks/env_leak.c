/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the host application's environment (tokens, passwords and
 * session addresses live there) when the policy does not grant it: its
 * own environ, /proc/self/environ, and the environment of its parent and
 * of the supervisor through /proc/PID/environ.
 * Why it fails: without allow_environment_access the launcher passes only
 * a documented minimum (PATH, HOME, TMPDIR, locale and TERM); another
 * process's environ needs ptrace access, which Landlock denies (Limited),
 * and the supervisor is not in the pid namespace (Sandboxed, Strict).
 * The control run (allow_environment_access) gets it.
 */
#include "../hostile.h"

extern char **environ;

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    for (char **e = environ; e && *e; e++)
        steal("environ", *e, strlen(*e));
    steal_path("/proc/self/environ");
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)getppid());
    steal_path(path);
    if (arg("supervisor")) {
        snprintf(path, sizeof(path), "/proc/%s/environ", arg("supervisor"));
        steal_path(path);
    }
    return finish();
}
