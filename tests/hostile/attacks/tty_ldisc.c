/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: to take over the user's terminal from inside: switch its line
 * discipline (TIOCSETD; N_NULL swallows everything the user types, other
 * disciplines autoload kernel modules on many systems, n_gsm among them,
 * the subject of several privilege escalations), paste the console
 * selection into its input (TIOCLINUX TIOCL_PASTESEL) and push a character
 * (TIOCSTI), with garbage in the upper 32 bits of each request too.
 * Why it fails: the terminal is the host's; from Limited up the seccomp
 * filter refuses the ioctls that change a terminal's discipline or inject
 * into it, on the low 32 bits of the request.
 */
#include "../hostile.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    int disc = 27; /* N_NULL */
    attempt("TIOCSETD N_NULL", syscall(SYS_ioctl, 0, (unsigned long)TIOCSETD, &disc));
    attempt("TIOCSETD N_NULL (upper bits set)",
        syscall(SYS_ioctl, 0, (unsigned long)TIOCSETD | (1UL << 32), &disc));
    disc = 21; /* N_GSM: a module autoload where modules exist */
    attempt("TIOCSETD N_GSM", syscall(SYS_ioctl, 0, (unsigned long)TIOCSETD, &disc));
    char paste = 3; /* TIOCL_PASTESEL */
    attempt("TIOCLINUX PASTESEL", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &paste));
    char c = 'x';
    attempt("TIOCSTI", syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c));
    return finish();
}
