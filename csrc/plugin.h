/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What to exec for a plugin: the file itself, qfsandbox-host for a shared
 * library, or the system's interpreter for a script.
 */
#ifndef QFS_PLUGIN_H
#define QFS_PLUGIN_H

#include <stdbool.h>

#include <qfsandbox/common.h>

enum plugin_elf {
	PLUGIN_NOT_ELF = 0,
	PLUGIN_ELF_EXECUTABLE = 1, /* ET_EXEC, or ET_DYN with PT_INTERP or DF_1_PIE */
	PLUGIN_ELF_LIBRARY = 2,	   /* ET_DYN without either: dlopen it */
};

/* Classifies the file open at @fd from its ELF header.  Return: enum
 * plugin_elf, or -errno when it cannot be read. */
int plugin_elf_kind(int fd);

struct plugin_cmd {
	char *exec_path;   /* what the child execs */
	char **argv;	   /* NULL-terminated */
	char *file;	   /* the plugin file, absolute and resolved */
	char *interpreter; /* resolved interpreter or plugin host, NULL for a native executable */
	bool library;	   /* a shared library run by qfsandbox-host */
};

/*
 * plugin_cmd_new() - resolve @path and the program that runs it.
 * @jitless: W^X is enforced, so JIT engines must not need writable code.
 * Return: 0 with *ret; -ENOENT (no such plugin), -EACCES (not a regular
 * file), -ENOTSUP (interpreter or plugin host missing), -ENOMEM; with @err.
 */
int plugin_cmd_new(qfs_plugin_type type, const char *path, const char *const *args, bool jitless,
		   struct plugin_cmd **ret, qfs_error *err);
struct plugin_cmd *plugin_cmd_free(struct plugin_cmd *cmd);

/* The path plugin_cmd_new() resolves for the interpreter of @type (a
 * symlink, possibly through /etc/alternatives), NULL for native plugins. */
const char *plugin_interpreter_path(qfs_plugin_type type);

/* Where qfsandbox-host lives: next to the installed library (libexecdir),
 * else the build tree's copy.  NULL when neither exists. */
const char *plugin_host_path(void);

#endif /* QFS_PLUGIN_H */
