/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: run a program that lives on the host outside the allowed
 * directories (the runner puts a copy of qfs-hostile-marker there, mode
 * 0755): execve by path, and through an O_PATH descriptor (execveat with
 * AT_EMPTY_PATH), which skips the path lookup at exec time.
 * Why it fails: Landlock grants EXECUTE only on the runtime directories,
 * the plugin's own file and allowed directories (Limited); the program is
 * not in the private root (Sandboxed); Strict allows no exec at all after
 * the plugin's start.
 */
#include "../hostile.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *prog = arg("program"), *drop = arg("drop");
    char mark_path[4096];
    if (!prog || !drop)
        return 2;
    snprintf(mark_path, sizeof(mark_path), "%s/pwned-exec-outside", drop);
    char *args[] = { (char *)prog, mark_path, NULL };
    char *env[] = { NULL };
    int fd = (int)attempt("O_PATH the program", open(prog, O_PATH | O_CLOEXEC));
    if (fd >= 0)
        attempt("execveat", syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH));
    attempt("execve", execve(prog, args, env));
    return finish();
}
