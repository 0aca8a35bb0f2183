/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qfsandbox policy list | show | validate | apis */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int policy_list(void)
{
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

static int policy_show(const struct cli_policy_args *args)
{
	qfs_policy *p;
	char *json;
	int r;

	r = cli_load_policy(args->policy, true, &p);
	if (r)
		return r;
	r = qfs_policy_save_string(p, args->json_flags, &json);
	qfs_policy_free(p);
	if (r < 0) {
		fprintf(stderr, "qfsandbox: cannot write the policy as JSON: %s\n", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}

static int policy_validate(const struct cli_policy_args *args)
{
	qfs_policy *p;
	int r;

	/* A file, always: a built-in name is not what this command checks. */
	r = cli_load_policy(args->policy, false, &p);
	if (r)
		return r;
	printf("%s: valid policy \"%s\", level %d (%s)\n", args->policy, qfs_policy_get_name(p),
	       qfs_policy_get_level(p), qfs_level_name(qfs_policy_get_level(p)));
	qfs_policy_free(p);
	return 0;
}

static void print_syscalls(const char *prefix, const char *const *syscalls, const char *quote)
{
	for (size_t i = 0; syscalls && syscalls[i]; i++)
		printf("%s%s%s%s", i ? ", " : prefix, quote, syscalls[i], quote);
}

static int policy_apis(const struct cli_policy_args *args)
{
	bool markdown = args->markdown;

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
	struct cli_policy_args args;
	struct cli_parse_error err;

	if (cli_policy_parse(argc, argv, &args, &err) < 0)
		return cli_usage_error("%s", err.message);
	switch (args.action) {
	case CLI_POLICY_HELP:
		printf("Usage: qfsandbox policy list\n"
		       "       qfsandbox policy show NAME|FILE [--compact]\n"
		       "       qfsandbox policy validate FILE\n"
		       "       qfsandbox policy apis [--markdown]\n");
		return 0;
	case CLI_POLICY_LIST:
		return policy_list();
	case CLI_POLICY_SHOW:
		return policy_show(&args);
	case CLI_POLICY_VALIDATE:
		return policy_validate(&args);
	case CLI_POLICY_APIS:
		return policy_apis(&args);
	}
	return CLI_EXIT_FAILURE;
}
