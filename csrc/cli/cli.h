/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The qfsandbox command-line tool.  Each command is a function taking the
 * arguments after the program name (argv[0] is the command's own name) and
 * returning the exit status.  It parses them first with its pure parser
 * from args.h, then acts.  Adding a command: declare it here, add one row
 * to the table in main.c and its parser to args.h.
 */
#ifndef QFS_CLI_H
#define QFS_CLI_H

#include <stdbool.h>

#include <qfsandbox/qfsandbox.h>

#include "args.h"

/* The tool's own failures: bad usage, invalid policy, setup failures. */
#define CLI_EXIT_FAILURE 125

struct cli_command {
	const char *name;
	const char *usage;   /* arguments, for --help */
	const char *summary; /* one line */
	int (*run)(int argc, char **argv);
};

int cli_policy(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_run(int argc, char **argv);

/* Prints "qfsandbox: MESSAGE" and a hint to stderr; returns CLI_EXIT_FAILURE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints @err as "file:line:col: message" (what is known) to stderr. */
void cli_print_error(const qfs_error *err);

/*
 * cli_load_policy() - a built-in policy when @builtin_names and
 * @name_or_file is a built-in name, else the policy file at that path;
 * validated.  Prints the error.
 * Return: 0 or CLI_EXIT_FAILURE.
 */
int cli_load_policy(const char *name_or_file, bool builtin_names, qfs_policy **ret);

#endif /* QFS_CLI_H */
