/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qfs-probe as a shared-library plugin, run by qfsandbox-host. */
int probe_main(int argc, char **argv);

__attribute__((visibility("default"))) int qfs_plugin_main(int argc, char **argv);

int qfs_plugin_main(int argc, char **argv)
{
    return probe_main(argc, argv);
}
