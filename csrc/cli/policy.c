/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qfsandbox policy list | show | validate | apis */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int policy_list(int argc, char **argv)
{
	if (argc != 1)
		return cli_usage_error("policy list takes no arguments");
	for (const char *const *n = qfs_policy_builtin_names(); *n; n++) {
		qfs_policy *p;

		if (qfs_policy_new_builtin(*n, &p) < 0)
			return cli_usage_error("cannot create the built-in policy %s", *n);
		printf("%-13s level %d  %s\n", *n, qfs_policy_get_level(p),
		       qfs_policy_get_description(p));
		qfs_policy_free(p);
	}
	return 0;
}

static int policy_show(int argc, char **argv)
{
	const char *what = NULL;
	unsigned flags = 0;
	qfs_policy *p;
	char *json;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--compact") == 0)
			flags |= QFS_JSON_COMPACT;
		else if (!what)
			what = argv[i];
		else
			return cli_usage_error("policy show takes one policy");
	}
	if (!what)
		return cli_usage_error("policy show needs a built-in name or a file");
	r = cli_load_policy(what, true, &p);
	if (r)
		return r;
	r = qfs_policy_save_string(p, flags, &json);
	qfs_policy_free(p);
	if (r < 0) {
		fprintf(stderr, "qfsandbox: cannot write the policy as JSON: %s\n", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}

static int policy_validate(int argc, char **argv)
{
	qfs_policy *p;
	int r;

	if (argc != 2)
		return cli_usage_error("policy validate needs exactly one file");
	/* A file, always: a built-in name is not what this command checks. */
	r = cli_load_policy(argv[1], false, &p);
	if (r)
		return r;
	printf("%s: valid policy \"%s\", level %d (%s)\n", argv[1], qfs_policy_get_name(p),
	       qfs_policy_get_level(p), qfs_level_name(qfs_policy_get_level(p)));
	qfs_policy_free(p);
	return 0;
}

static void print_syscalls(const char *prefix, const char *const *syscalls, const char *quote)
{
	for (size_t i = 0; syscalls && syscalls[i]; i++)
		printf("%s%s%s%s", i ? ", " : prefix, quote, syscalls[i], quote);
}

static int policy_apis(int argc, char **argv)
{
	bool markdown = false;

	if (argc == 2 && strcmp(argv[1], "--markdown") == 0)
		markdown = true;
	else if (argc != 1)
		return cli_usage_error("policy apis takes only --markdown");
	if (markdown)
		printf("| name | reports | what blocking it does |\n|---|---|---|\n");
	for (size_t i = 0; i < qfs_api_count(); i++) {
		const char *const *syscalls = qfs_api_syscalls(i);
		const char *type = qfs_violation_type_name(qfs_api_violation_type(i));

		if (markdown) {
			printf("| `%s` | %s | %s", qfs_api_name(i), type, qfs_api_description(i));
			print_syscalls(" Syscalls: ", syscalls, "`");
			printf(" |\n");
		} else {
			printf("%-15s %-28s %s\n", qfs_api_name(i), type, qfs_api_description(i));
			if (syscalls && syscalls[0]) {
				print_syscalls("                syscalls: ", syscalls, "");
				printf("\n");
			}
		}
	}
	if (!markdown)
		printf("\nAny Linux syscall name of this architecture is accepted as well.\n");
	return 0;
}

int cli_policy(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subcommands[] = {
		{"list", policy_list},
		{"show", policy_show},
		{"validate", policy_validate},
		{"apis", policy_apis},
	};

	if (argc < 2)
		return cli_usage_error("policy needs a subcommand: list, show, validate or apis");
	if (cli_is_help(argv[1])) {
		printf("Usage: qfsandbox policy list\n"
		       "       qfsandbox policy show NAME|FILE [--compact]\n"
		       "       qfsandbox policy validate FILE\n"
		       "       qfsandbox policy apis [--markdown]\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	return cli_usage_error("unknown policy subcommand '%s'", argv[1]);
}
