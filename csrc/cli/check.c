/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qfsandbox check: the host probe, for people. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static const char *yes(const json_t *v)
{
	return json_is_true(v) ? "yes" : "no";
}

static void print_words(const json_t *arr)
{
	size_t i;
	json_t *v;

	if (!json_array_size(arr)) {
		printf("(none)");
		return;
	}
	json_array_foreach (arr, i, v)
		printf("%s%s", i ? " " : "", json_string_value(v));
}

static void print_report(const json_t *r)
{
	const json_t *userns = json_object_get(r, "user_namespaces");
	const json_t *ns = json_object_get(userns, "namespaces");
	const json_t *landlock = json_object_get(r, "landlock");
	const json_t *seccomp = json_object_get(r, "seccomp");
	const json_t *v2 = json_object_get(r, "cgroup_v2");
	const json_t *v1 = json_object_get(r, "cgroup_v1");
	const json_t *backends = json_object_get(r, "resource_backends");
	const json_t *levels = json_object_get(r, "levels");
	const char *key;
	json_t *v;
	size_t i;

	printf("qfsandbox %s on Linux %s\n\n", qfs_version(),
	       json_string_value(json_object_get(r, "kernel")));
	printf("%-22s %s", "user namespaces", yes(json_object_get(userns, "available")));
	if (json_is_true(json_object_get(userns, "available"))) {
		printf(" (inside one:");
		json_object_foreach ((json_t *)ns, key, v)
			if (json_is_true(v))
				printf(" %s", key);
		printf(")");
	}
	printf("\n%-22s ", "landlock");
	if (json_integer_value(json_object_get(landlock, "abi")) > 0)
		printf("ABI %lld, scoping of abstract sockets and signals: %s\n",
		       (long long)json_integer_value(json_object_get(landlock, "abi")),
		       yes(json_object_get(landlock, "scoping")));
	else
		printf("no\n");
	printf("%-22s filter %s, user notification %s, kill process %s\n", "seccomp",
	       yes(json_object_get(seccomp, "filter")),
	       yes(json_object_get(seccomp, "user_notification")),
	       yes(json_object_get(seccomp, "kill_process")));
	printf("%-22s pidfd %s, clone3 %s, no_new_privs %s\n", "process control",
	       yes(json_object_get(r, "pidfd")), yes(json_object_get(r, "clone3")),
	       yes(json_object_get(r, "no_new_privs")));
	printf("%-22s ", "cgroup v2");
	if (json_is_object(v2)) {
		printf("%s, writable %s, controllers: ",
		       json_string_value(json_object_get(v2, "path")),
		       yes(json_object_get(v2, "writable")));
		print_words(json_object_get(v2, "controllers"));
		printf(", enabled for children: ");
		print_words(json_object_get(v2, "subtree_control"));
		printf("\n");
	} else {
		printf("not mounted\n");
	}
	json_object_foreach ((json_t *)v1, key, v) {
		char label[32];

		snprintf(label, sizeof(label), "cgroup v1 %s", key);
		if (json_is_object(v))
			printf("%-22s %s, writable %s\n", label,
			       json_string_value(json_object_get(v, "path")),
			       yes(json_object_get(v, "writable")));
		else
			printf("%-22s not mounted\n", label);
	}
	printf("%-22s", "limits enforced by");
	json_object_foreach ((json_t *)backends, key, v)
		printf(" %s: %s;", key, json_string_value(v));
	printf("\n\nlevels:\n");
	json_array_foreach (levels, i, v) {
		const json_t *missing = json_object_get(v, "missing");
		size_t j;
		json_t *m;

		printf("  %-14s ", json_string_value(json_object_get(v, "name")));
		if (json_is_true(json_object_get(v, "enforceable"))) {
			printf("fully enforceable here\n");
		} else {
			printf("not fully enforceable here, missing:");
			json_array_foreach (missing, j, m)
				printf("%s %s", j ? "," : "", json_string_value(m));
			printf("\n");
		}
		json_array_foreach (json_object_get(v, "notes"), j, m)
			printf("  %-14s note: %s\n", "", json_string_value(m));
	}
}

int cli_check(int argc, char **argv)
{
	struct cli_parse_error perr;
	struct cli_check_args args;
	json_error_t je;
	json_t *report;
	char *text;
	int r;

	if (cli_check_parse(argc, argv, &args, &perr) < 0)
		return cli_usage_error("%s", perr.message);
	r = qfs_probe_json(0, &text);
	if (r < 0) {
		fprintf(stderr, "qfsandbox: cannot probe the host: %s\n", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	if (args.json) {
		printf("%s\n", text);
		free(text);
		return 0;
	}
	report = json_loads(text, 0, &je);
	free(text);
	if (!report) {
		fprintf(stderr, "qfsandbox: cannot read the probe: %s\n", je.text);
		return CLI_EXIT_FAILURE;
	}
	print_report(report);
	json_decref(report);
	return 0;
}
