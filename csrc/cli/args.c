/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The argument parsers of the qfsandbox commands; see args.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <qfsandbox/policy.h>

#include "args.h"

static int usage(struct cli_parse_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage(struct cli_parse_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_main_parse(int argc, char *const *argv, struct cli_main_args *ret,
		   struct cli_parse_error *err)
{
	if (argc < 2)
		return usage(err, "no command given");
	*ret = (struct cli_main_args){
		.action = CLI_MAIN_COMMAND, .argc = argc - 1, .argv = argv + 1};
	if (is_help(argv[1]) || strcmp(argv[1], "help") == 0)
		ret->action = CLI_MAIN_HELP;
	else if (strcmp(argv[1], "--version") == 0)
		ret->action = CLI_MAIN_VERSION;
	return 0;
}

static int parse_policy_show(int argc, char *const *argv, struct cli_policy_args *ret,
			     struct cli_parse_error *err)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--compact") == 0)
			ret->json_flags |= QFS_JSON_COMPACT;
		else if (!ret->policy)
			ret->policy = argv[i];
		else
			return usage(err, "policy show takes one policy");
	}
	if (!ret->policy)
		return usage(err, "policy show needs a built-in name or a file");
	return 0;
}

int cli_policy_parse(int argc, char *const *argv, struct cli_policy_args *ret,
		     struct cli_parse_error *err)
{
	struct cli_policy_args args = {0};
	const char *sub;
	int r = 0;

	if (argc < 2)
		return usage(err, "policy needs a subcommand: list, show, validate or apis");
	sub = argv[1];
	/* The subcommand's own arguments, argv[0] being its name. */
	argc--;
	argv++;
	if (is_help(sub)) {
		args.action = CLI_POLICY_HELP;
	} else if (strcmp(sub, "list") == 0) {
		args.action = CLI_POLICY_LIST;
		if (argc != 1)
			r = usage(err, "policy list takes no arguments");
	} else if (strcmp(sub, "show") == 0) {
		args.action = CLI_POLICY_SHOW;
		r = parse_policy_show(argc, argv, &args, err);
	} else if (strcmp(sub, "validate") == 0) {
		args.action = CLI_POLICY_VALIDATE;
		if (argc != 2)
			r = usage(err, "policy validate needs exactly one file");
		else
			args.policy = argv[1];
	} else if (strcmp(sub, "apis") == 0) {
		args.action = CLI_POLICY_APIS;
		if (argc == 2 && strcmp(argv[1], "--markdown") == 0)
			args.markdown = true;
		else if (argc != 1)
			r = usage(err, "policy apis takes only --markdown");
	} else {
		r = usage(err, "unknown policy subcommand '%s'", sub);
	}
	if (r < 0)
		return r;
	*ret = args;
	return 0;
}

int cli_check_parse(int argc, char *const *argv, struct cli_check_args *ret,
		    struct cli_parse_error *err)
{
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		*ret = (struct cli_check_args){.json = true};
	else if (argc == 1)
		*ret = (struct cli_check_args){.json = false};
	else
		return usage(err, "check takes only --json");
	return 0;
}
