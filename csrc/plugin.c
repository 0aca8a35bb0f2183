/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving a plugin into a command line.
 *
 * Interpreters are taken from /usr/bin by absolute path, never from PATH:
 * a shim earlier in the supervisor's PATH (pyenv, nvm) would decide what
 * runs inside the sandbox, and would not be visible there anyway.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <sys/stat.h>

#include "plugin.h"
#include "util.h"

#define PYTHON "/usr/bin/python3"
#define NODE   "/usr/bin/node"
#define LUA    "/usr/bin/lua" /* a symlink through /etc/alternatives */

int plugin_elf_kind(int fd)
{
	Elf64_Ehdr eh;
	ssize_t n = pread(fd, &eh, sizeof(eh), 0);

	if (n < 0)
		return -errno;
	if ((size_t)n < EI_NIDENT || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return PLUGIN_NOT_ELF;
	/* Another class or byte order cannot be dlopened here; let exec
	 * judge it. */
	if ((size_t)n < sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return PLUGIN_ELF_EXECUTABLE;
	if (eh.e_type != ET_DYN)
		return PLUGIN_ELF_EXECUTABLE;

	bool dynamic = false;
	Elf64_Phdr dyn = {0};
	for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return PLUGIN_ELF_EXECUTABLE;
		if (ph.p_type == PT_INTERP)
			return PLUGIN_ELF_EXECUTABLE;
		if (ph.p_type == PT_DYNAMIC) {
			dyn = ph;
			dynamic = true;
		}
	}
	/* A static PIE has no interpreter; the linker marks it DF_1_PIE. */
	for (uint64_t off = 0;
	     dynamic && off + sizeof(Elf64_Dyn) <= dyn.p_filesz && off < 64 * 1024;
	     off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		if (pread(fd, &d, sizeof(d), (off_t)(dyn.p_offset + off)) != (ssize_t)sizeof(d))
			break;
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_FLAGS_1 && (d.d_un.d_val & DF_1_PIE))
			return PLUGIN_ELF_EXECUTABLE;
	}
	return PLUGIN_ELF_LIBRARY;
}

/* Set by CMake: the build tree's host, and the install location relative to
 * the library's directory (so that a relocated install finds its own). */
#ifndef QFS_HOST_BUILD_PATH
#define QFS_HOST_BUILD_PATH ""
#endif
#ifndef QFS_HOST_RELATIVE_PATH
#define QFS_HOST_RELATIVE_PATH "../libexec/qfsandbox-host"
#endif

static char host_path[PATH_MAX];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static bool try_host(const char *path)
{
	if (!path || !*path || access(path, X_OK) < 0)
		return false;
	char *real = realpath(path, host_path);
	return real != NULL;
}

static void host_find(void)
{
	Dl_info info;

	if (dladdr((void *)plugin_host_path, &info) && info.dli_fname && info.dli_fname[0] == '/') {
		char lib[PATH_MAX], candidate[PATH_MAX + 64];
		snprintf(lib, sizeof(lib), "%s", info.dli_fname);
		if (snprintf(candidate, sizeof(candidate), "%s/%s", dirname(lib),
			     QFS_HOST_RELATIVE_PATH) < (int)sizeof(candidate) &&
		    try_host(candidate))
			return;
	}
	if (try_host(QFS_HOST_BUILD_PATH))
		return;
	host_path[0] = '\0';
}

const char *plugin_host_path(void)
{
	pthread_once(&host_once, host_find);
	return host_path[0] ? host_path : NULL;
}

const char *plugin_interpreter_path(qfs_plugin_type type)
{
	switch (type) {
	case QFS_PLUGIN_PYTHON:
		return PYTHON;
	case QFS_PLUGIN_JAVASCRIPT:
		return NODE;
	case QFS_PLUGIN_LUA:
		return LUA;
	default:
		return NULL;
	}
}

static char *argv_dup(const char *s, int *failed)
{
	char *d = strdup(s ? s : "");
	if (!d)
		*failed = 1;
	return d;
}

int plugin_cmd_new(qfs_plugin_type type, const char *path, const char *const *args, bool jitless,
		   struct plugin_cmd **ret, qfs_error *err)
{
	struct plugin_cmd *cmd = NULL;
	const char *prefix[4] = {NULL};
	size_t n_prefix = 0, n_args = 0;
	struct stat st;
	int r, failed = 0;

	if (!path || !*path)
		return error_set(err, "plugin", EINVAL, "no plugin file given");
	cmd = calloc(1, sizeof(*cmd));
	if (!cmd)
		return -ENOMEM;
	cmd->file = realpath(path, NULL);
	if (!cmd->file) {
		r = error_set(err, "plugin", errno, "plugin file %s cannot be resolved", path);
		if (r == -ENOENT || r == -ENOTDIR)
			r = error_set(err, "plugin", ENOENT, "plugin file %s does not exist", path);
		goto fail;
	}
	if (stat(cmd->file, &st) < 0) {
		r = error_set(err, "plugin", errno, "plugin file %s cannot be examined", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = error_set(err, "plugin", EACCES, "plugin file %s is not a regular file", path);
		goto fail;
	}

	switch (type) {
	case QFS_PLUGIN_NATIVE: {
		_cleanup_close_ int fd = open(cmd->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		/* Unreadable but executable is a valid native program. */
		int kind = fd < 0 ? PLUGIN_ELF_EXECUTABLE : plugin_elf_kind(fd);
		if (kind == PLUGIN_ELF_LIBRARY) {
			const char *host = plugin_host_path();
			if (!host) {
				r = error_set(err, "plugin", ENOTSUP,
					      "shared-library plugins need qfsandbox-host, which "
					      "was not found");
				goto fail;
			}
			cmd->library = true;
			cmd->interpreter = strdup(host);
			cmd->exec_path = strdup(host);
			prefix[n_prefix++] = host;
		} else {
			cmd->exec_path = strdup(cmd->file);
		}
		break;
	}
	case QFS_PLUGIN_PYTHON:
	case QFS_PLUGIN_JAVASCRIPT:
	case QFS_PLUGIN_LUA: {
		const char *want = plugin_interpreter_path(type);
		char *real = realpath(want, NULL);
		if (!real || access(real, X_OK) < 0) {
			free(real);
			r = error_set(err, "plugin", ENOTSUP,
				      "%s plugins need %s, which is not installed",
				      type == QFS_PLUGIN_PYTHON	      ? "Python"
				      : type == QFS_PLUGIN_JAVASCRIPT ? "JavaScript"
								      : "Lua",
				      want);
			goto fail;
		}
		cmd->interpreter = real;
		/* python3 and node keep their /usr/bin names (they live in a
		 * runtime path either way); lua is exec'd resolved, since
		 * /etc/alternatives need not exist inside the sandbox. */
		cmd->exec_path = strdup(type == QFS_PLUGIN_LUA ? real : want);
		prefix[n_prefix++] = cmd->exec_path;
		if (type == QFS_PLUGIN_JAVASCRIPT && jitless)
			prefix[n_prefix++] = "--jitless";
		break;
	}
	default:
		r = error_set(err, "plugin", ENOTSUP, "plugin type %d cannot run here", (int)type);
		goto fail;
	}
	if (!cmd->exec_path || (cmd->library && !cmd->interpreter)) {
		r = -ENOMEM;
		goto fail;
	}

	while (args && args[n_args])
		n_args++;
	cmd->argv = calloc(n_prefix + n_args + 2, sizeof(char *));
	if (!cmd->argv) {
		r = -ENOMEM;
		goto fail;
	}
	size_t k = 0;
	for (size_t i = 0; i < n_prefix; i++)
		cmd->argv[k++] = argv_dup(prefix[i], &failed);
	cmd->argv[k++] = argv_dup(cmd->file, &failed);
	for (size_t i = 0; i < n_args; i++)
		cmd->argv[k++] = argv_dup(args[i], &failed);
	if (failed) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = cmd;
	return 0;
fail:
	plugin_cmd_free(cmd);
	return r;
}

struct plugin_cmd *plugin_cmd_free(struct plugin_cmd *cmd)
{
	if (cmd) {
		for (char **a = cmd->argv; a && *a; a++)
			free(*a);
		free(cmd->argv);
		free(cmd->exec_path);
		free(cmd->file);
		free(cmd->interpreter);
		free(cmd);
	}
	return NULL;
}
