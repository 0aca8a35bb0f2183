/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: gain privilege through an executable: a setuid-root program
 * (suid=PATH: a copy of qfs-hostile-marker owned by root, mode 4755, in a
 * read-only allowed directory), a program with file capabilities
 * (caps=PATH: cap_dac_override in its security.capability).  The marker
 * writes its effective uid and capabilities into drop/exec-*.
 * Why it fails: no_new_privs from Limited up makes execve ignore setuid
 * bits and file capabilities; the mounts of a private root are nosuid as
 * well (Sandboxed); Strict allows no exec after the start.
 */
#include "../hostile.h"

static void run(const char *prog, const char *tag)
{
    char mark_path[4096];
    snprintf(mark_path, sizeof(mark_path), "%s/exec-%s", arg("drop"), tag);
    char *args[] = { (char *)prog, mark_path, NULL };
    char *env[] = { NULL };
    attempt(prog, execve(prog, args, env));
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    if (!arg("drop"))
        return 2;
    /* execve replaces us when it works: one program per run. */
    const char *which = arg("which") ? arg("which") : "suid";
    if (!strcmp(which, "suid") && arg("suid"))
        run(arg("suid"), "setuid");
    if (!strcmp(which, "caps") && arg("caps"))
        run(arg("caps"), "filecaps");
    return finish();
}
