/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qfsandbox: the command table, help, version, and helpers shared by commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{"policy", "list | show NAME|FILE [--compact] | validate FILE | apis [--markdown]",
	 "list, show and validate security policies; list the blocked-API table", cli_policy},
	{"check", "[--json]", "show what this host offers and which levels it can enforce",
	 cli_check},
	{"run", "[OPTIONS] -- PROGRAM [ARGS...]",
	 "run PROGRAM under a policy (default strict); see `qfsandbox run --help`", cli_run},
};

static void print_help(FILE *out)
{
	fprintf(out, "Usage: qfsandbox COMMAND [ARGS...]\n"
		     "       qfsandbox --help | --version\n\n"
		     "Run the plugins of Qt applications under a kernel-enforced security "
		     "policy.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n  %-8s   %s\n", commands[i].name, commands[i].usage, "",
			commands[i].summary);
	fprintf(out,
		"\nPolicies are the built-in names (see `qfsandbox policy list`) or JSON "
		"files.\nExit status: 0 on success, %d when qfsandbox itself fails "
		"(bad usage, invalid policy).\n",
		CLI_EXIT_FAILURE);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("qfsandbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'qfsandbox --help'.\n", stderr);
	return CLI_EXIT_FAILURE;
}

void cli_print_error(const qfs_error *err)
{
	char buf[1024];

	qfs_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
}

int cli_load_policy(const char *name_or_file, bool builtin_names, qfs_policy **ret)
{
	qfs_policy *policy = NULL;
	qfs_error err;
	int r;

	for (const char *const *n = qfs_policy_builtin_names(); builtin_names && *n; n++)
		if (strcmp(*n, name_or_file) == 0) {
			r = qfs_policy_new_builtin(name_or_file, &policy);
			if (r < 0) {
				fprintf(stderr, "qfsandbox: built-in policy %s: %s\n", name_or_file,
					strerror(-r));
				return CLI_EXIT_FAILURE;
			}
			break;
		}
	if (!policy && qfs_policy_load_file(name_or_file, &policy, &err) < 0) {
		cli_print_error(&err);
		return CLI_EXIT_FAILURE;
	}
	if (qfs_policy_validate(policy, &err) < 0) {
		cli_print_error(&err);
		qfs_policy_free(policy);
		return CLI_EXIT_FAILURE;
	}
	*ret = policy;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_parse_error perr;
	struct cli_main_args args;

	if (cli_main_parse(argc, argv, &args, &perr) < 0)
		return cli_usage_error("%s", perr.message);
	if (args.action == CLI_MAIN_HELP) {
		print_help(stdout);
		return 0;
	}
	if (args.action == CLI_MAIN_VERSION) {
		printf("qfsandbox %s\n", qfs_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	return cli_usage_error("unknown command '%s'", argv[1]);
}
