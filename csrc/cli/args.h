/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line, parsed.  Each parser is a pure function from argv to a
 * struct: it prints nothing, opens nothing, keeps no state between calls
 * (no getopt: its globals and its messages on stderr would make it neither
 * pure nor repeatable) and never modifies argv; strings in the result point
 * into argv.  A usage error comes back as -EINVAL with a sentence in a
 * struct cli_parse_error, which the command prints.  The commands call these
 * first and act on the result; tests/fuzz/fuzz_cli_args.c calls them on
 * arbitrary argument vectors.
 *
 * A new command adds its parser here,
 *
 *	int cli_NAME_parse(int argc, char *const *argv, struct cli_NAME_args *ret,
 *			   struct cli_parse_error *err);
 *
 * with argv[0] the command's own name, and one call to the fuzzer.
 */
#ifndef QFS_CLI_ARGS_H
#define QFS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qfsandbox/policy.h>

struct cli_parse_error {
	char message[512]; /* without the "qfsandbox: " prefix */
};

/* qfsandbox --help | --version | COMMAND [ARGS...] */
enum cli_main_action {
	CLI_MAIN_HELP,
	CLI_MAIN_VERSION,
	CLI_MAIN_COMMAND,
};

struct cli_main_args {
	enum cli_main_action action;
	/* CLI_MAIN_COMMAND: the command's arguments, argv[0] being its name
	 * (whether it names a command is for the command table to say). */
	int argc;
	char *const *argv;
};

int cli_main_parse(int argc, char *const *argv, struct cli_main_args *ret,
		   struct cli_parse_error *err);

/* qfsandbox policy list | show NAME|FILE [--compact] | validate FILE | apis [--markdown] */
enum cli_policy_action {
	CLI_POLICY_HELP,
	CLI_POLICY_LIST,
	CLI_POLICY_SHOW,
	CLI_POLICY_VALIDATE,
	CLI_POLICY_APIS,
};

struct cli_policy_args {
	enum cli_policy_action action;
	const char *policy;  /* SHOW: built-in name or file; VALIDATE: file */
	unsigned json_flags; /* SHOW: QFS_JSON_COMPACT or 0 */
	bool markdown;	     /* APIS */
};

int cli_policy_parse(int argc, char *const *argv, struct cli_policy_args *ret,
		     struct cli_parse_error *err);

/* qfsandbox check [--json] */
struct cli_check_args {
	bool json;
};

int cli_check_parse(int argc, char *const *argv, struct cli_check_args *ret,
		    struct cli_parse_error *err);

/*
 * qfsandbox run [OPTIONS] [--] PROGRAM [ARGS...]
 *
 * Options are long ("--memory 64" or "--memory=64", full names only) and
 * end at "--" or at the first argument that is not one.  Each is recorded
 * as written: directories are not resolved yet (that touches the file
 * system, and belongs to running), and nothing is checked against a policy.
 */
#define CLI_RUN_NAMESERVERS_MAX 8

struct cli_run_dir {
	const char *path; /* as given */
	bool write;	  /* --allow-write (else --allow-read) */
};

struct cli_run_args {
	bool help;			 /* -h or --help: nothing else is filled */
	const char *policy;		 /* --policy NAME|FILE, default "strict" */
	int level;			 /* --level, or -1 */
	int64_t limits[QFS_LIMIT_COUNT]; /* --memory, --cpu-time ..., or -1 */
	struct cli_run_dir *dirs;	 /* --allow-read/--allow-write, in order */
	size_t n_dirs;
	const char **hosts; /* --allow-host, in order */
	size_t n_hosts;
	const char **apis; /* --block-api, in order */
	size_t n_apis;
	const char *nameservers[CLI_RUN_NAMESERVERS_MAX + 1]; /* --nameserver, NULL-terminated */
	size_t n_nameservers;
	bool allow_network; /* --allow-network (--allow-host implies it) */
	bool allow_process_creation;
	bool allow_env;
	int type;	    /* --type, default QFS_PLUGIN_NATIVE */
	const char *report; /* --report FILE, or NULL */
	bool events;
	bool quiet;
	int program; /* argv index of PROGRAM, < argc unless help */
};

/* Return 0, -EINVAL (usage error) or -ENOMEM; on success the caller frees
 * the lists with cli_run_args_free(). */
int cli_run_parse(int argc, char *const *argv, struct cli_run_args *ret,
		  struct cli_parse_error *err);
void cli_run_args_free(struct cli_run_args *args);

#endif /* QFS_CLI_ARGS_H */
