/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qfsandbox-host: runs a native shared-library plugin inside the sandbox.
 *
 *   qfsandbox-host PLUGIN.so [ARGS...]
 *
 * loads PLUGIN.so with dlopen() and calls its entry point
 *
 *   int qfs_plugin_main(int argc, char **argv);
 *
 * with argv[0] the plugin's path and the arguments after it; the return
 * value becomes the exit status.  The host runs under the same restrictions
 * as the plugin (it is exec'd by the sandbox in its place), links nothing
 * but the C library, and stays out of the plugin's way: no signal handlers,
 * no threads, no output of its own except a one-line reason when loading
 * fails (exit 126 when the library cannot be loaded, 127 when the entry
 * point is missing, as shells report "cannot execute" and "not found").
 */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*qfs_plugin_main_fn)(int argc, char **argv);

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: qfsandbox-host PLUGIN.so [ARGS...]\n");
		return 2;
	}
	/* RTLD_NOW: unresolved symbols fail here, with a message, rather than
	 * as a crash in the middle of the plugin. */
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "qfsandbox-host: %s\n", dlerror());
		return 126;
	}
	qfs_plugin_main_fn entry;
	*(void **)&entry = dlsym(lib, "qfs_plugin_main");
	if (!entry) {
		fprintf(stderr, "qfsandbox-host: %s does not export qfs_plugin_main\n", argv[1]);
		return 127;
	}
	int rc = entry(argc - 1, argv + 1);
	fflush(NULL);
	return rc & 0xff;
}
