/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The argument parsers of the qfsandbox commands; see args.h. */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <qfsandbox/qfsandbox.h>

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

/* qfsandbox run */

enum run_option {
	RUN_FLAG, /* sets the bool at run_option_info.flag */
	RUN_POLICY,
	RUN_LEVEL,
	RUN_LIMIT,
	RUN_READ,
	RUN_WRITE,
	RUN_HOST,
	RUN_NAMESERVER,
	RUN_BLOCK,
	RUN_TYPE,
	RUN_REPORT,
};

#define RUN_FLAG_AT(field) RUN_FLAG, false, 0, offsetof(struct cli_run_args, field)

static const struct run_option_info {
	const char *name;
	enum run_option option;
	bool value;	 /* takes a value */
	qfs_limit limit; /* RUN_LIMIT */
	size_t flag;	 /* RUN_FLAG */
} run_options[] = {
	{"policy", RUN_POLICY, true, 0, 0},
	{"level", RUN_LEVEL, true, 0, 0},
	{"memory", RUN_LIMIT, true, QFS_LIMIT_MEMORY_MB, 0},
	{"cpu-time", RUN_LIMIT, true, QFS_LIMIT_CPU_TIME_MS, 0},
	{"timeout", RUN_LIMIT, true, QFS_LIMIT_EXECUTION_TIMEOUT_MS, 0},
	{"disk", RUN_LIMIT, true, QFS_LIMIT_DISK_SPACE_MB, 0},
	{"max-fds", RUN_LIMIT, true, QFS_LIMIT_FILE_HANDLES, 0},
	{"max-connections", RUN_LIMIT, true, QFS_LIMIT_NETWORK_CONNECTIONS, 0},
	{"max-processes", RUN_LIMIT, true, QFS_LIMIT_MAX_PROCESSES, 0},
	{"allow-read", RUN_READ, true, 0, 0},
	{"allow-write", RUN_WRITE, true, 0, 0},
	{"allow-network", RUN_FLAG_AT(allow_network)},
	{"allow-host", RUN_HOST, true, 0, 0},
	{"nameserver", RUN_NAMESERVER, true, 0, 0},
	{"allow-process-creation", RUN_FLAG_AT(allow_process_creation)},
	{"allow-env", RUN_FLAG_AT(allow_env)},
	{"block-api", RUN_BLOCK, true, 0, 0},
	{"type", RUN_TYPE, true, 0, 0},
	{"report", RUN_REPORT, true, 0, 0},
	{"events", RUN_FLAG_AT(events)},
	{"quiet", RUN_FLAG_AT(quiet)},
	{"help", RUN_FLAG_AT(help)},
};

static const struct run_option_info *run_option_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(run_options) / sizeof(run_options[0]); i++)
		if (strlen(run_options[i].name) == len &&
		    memcmp(run_options[i].name, name, len) == 0)
			return &run_options[i];
	return NULL;
}

static int parse_count(const char *option, const char *text, int64_t *ret,
		       struct cli_parse_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < 0)
		return usage(err, "--%s needs a non-negative integer, not '%s'", option, text);
	*ret = v;
	return 0;
}

/* Sets *@ret to the index of @text among the names @name_of gives for
 * 0..@last; an unknown name is a usage error about @what. */
static int parse_name(const char *text, const char *(*name_of)(int), int last, const char *what,
		      int *ret, struct cli_parse_error *err)
{
	for (int i = 0; i <= last; i++) {
		if (strcmp(name_of(i), text) == 0) {
			*ret = i;
			return 0;
		}
	}
	return usage(err, "unknown %s '%s'", what, text);
}

void cli_run_args_free(struct cli_run_args *args)
{
	free(args->dirs);
	free(args->hosts);
	free(args->apis);
	args->dirs = NULL;
	args->hosts = args->apis = NULL;
	args->n_dirs = args->n_hosts = args->n_apis = 0;
}

/* Applies one option and its value (NULL when it takes none). */
static int run_apply(struct cli_run_args *a, const struct run_option_info *o, const char *value,
		     struct cli_parse_error *err)
{
	switch (o->option) {
	case RUN_FLAG:
		*(bool *)((char *)a + o->flag) = true;
		break;
	case RUN_POLICY:
		a->policy = value;
		break;
	case RUN_LEVEL:
		return parse_name(value, qfs_level_name, QFS_LEVEL_STRICT, "level", &a->level, err);
	case RUN_LIMIT:
		return parse_count(o->name, value, &a->limits[o->limit], err);
	case RUN_READ:
	case RUN_WRITE:
		a->dirs[a->n_dirs++] = (struct cli_run_dir){value, o->option == RUN_WRITE};
		break;
	case RUN_HOST:
		a->hosts[a->n_hosts++] = value;
		a->allow_network = true;
		break;
	case RUN_NAMESERVER:
		if (a->n_nameservers == CLI_RUN_NAMESERVERS_MAX)
			return usage(err, "at most %d --nameserver options",
				     CLI_RUN_NAMESERVERS_MAX);
		a->nameservers[a->n_nameservers++] = value;
		break;
	case RUN_BLOCK:
		a->apis[a->n_apis++] = value;
		break;
	case RUN_TYPE:
		return parse_name(value, qfs_plugin_type_name, QFS_PLUGIN_LUA, "plugin type",
				  &a->type, err);
	case RUN_REPORT:
		a->report = value;
		break;
	}
	return 0;
}

int cli_run_parse(int argc, char *const *argv, struct cli_run_args *ret,
		  struct cli_parse_error *err)
{
	struct cli_run_args a = {.policy = "strict", .level = -1, .type = QFS_PLUGIN_NATIVE};
	int i, r = 0;

	for (int l = 0; l < QFS_LIMIT_COUNT; l++)
		a.limits[l] = -1;
	/* Each list holds at most one entry per argument. */
	a.dirs = calloc(argc + 1, sizeof(*a.dirs));
	a.hosts = calloc(argc + 1, sizeof(*a.hosts));
	a.apis = calloc(argc + 1, sizeof(*a.apis));
	if (!a.dirs || !a.hosts || !a.apis) {
		cli_run_args_free(&a);
		usage(err, "out of memory");
		return -ENOMEM;
	}
	for (i = 1; i < argc && !a.help && r == 0; i++) {
		const char *arg = argv[i], *eq, *value = NULL;
		const struct run_option_info *o;
		size_t len;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "-h") == 0) {
			a.help = true;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break; /* PROGRAM */
		eq = arg[1] == '-' ? strchr(arg + 2, '=') : NULL;
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		o = arg[1] == '-' ? run_option_find(arg + 2, len) : NULL;
		if (!o) {
			r = usage(err, "unknown option '%.*s' for run", (int)(eq ? eq - arg : 256),
				  arg);
			break;
		}
		if (o->value && eq)
			value = eq + 1;
		else if (o->value && i + 1 < argc)
			value = argv[++i];
		else if (o->value)
			r = usage(err, "--%s needs a value", o->name);
		else if (eq)
			r = usage(err, "--%s takes no value", o->name);
		if (r == 0)
			r = run_apply(&a, o, value, err);
	}
	a.program = i;
	if (r == 0 && !a.help && a.program >= argc)
		r = usage(err, "run needs a PROGRAM after the options (and `--`)");
	if (r < 0) {
		cli_run_args_free(&a);
		return r;
	}
	*ret = a;
	return 0;
}
