/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: the kernel keyring, which is not namespaced: add keys to the
 * user's, session's and process's keyrings (shared with every process of
 * its uid: other sandboxes, other users' sessions of that uid), read the
 * user keyring, and request_key(), whose upcall runs a helper as root on
 * the host where one is installed.
 * Why it fails: add_key, keyctl and request_key are in the baseline
 * deny-list from Limited up.  While the plugin holds what it made, the
 * runner looks for its keys (named after the run) in /proc/keys as the
 * plugin's uid, which may view them.
 */
#include "../hostile.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    char desc[128];
    snprintf(desc, sizeof(desc), "qfs-hostile-%s", arg("run") ? arg("run") : "");
    const int rings[]
        = { KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_PROCESS_KEYRING };
    for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
        attempt("add_key", syscall(SYS_add_key, "user", desc, "PWNED", (size_t)5, rings[i]));
    char buf[4096];
    long n = attempt("keyctl READ user keyring",
        syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_USER_KEYRING, buf, sizeof(buf)));
    if (n > 0)
        steal("the user keyring", buf, (size_t)(n < (long)sizeof(buf) ? n : (long)sizeof(buf)));
    attempt("request_key",
        syscall(
            SYS_request_key, "user", "qfs-hostile-upcall", "callout", KEY_SPEC_PROCESS_KEYRING));
    return finish();
}
