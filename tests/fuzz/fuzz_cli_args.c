/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The qfsandbox argument parsers (csrc/cli/args.h) on arbitrary argument
 * vectors.  Input: the arguments after "qfsandbox", separated by NUL bytes.
 *
 * Every parser is asked about the whole vector as its command would see
 * it, whatever the command's name, so each sees every input.  Invariants: a
 * parser returns 0 or -EINVAL; a failure leaves the result untouched and
 * says why in a non-empty sentence; a success points only into argv and
 * fills what its action needs; parsing twice gives the same result (no
 * state), and argv is left as it was.
 */
#include <errno.h>
#include <string.h>

#include <qfsandbox/policy.h>

#include "args.h"
#include "fuzz.h"

#define MAX_ARGS 64

struct argv_copy
{
    int argc;
    char *argv[MAX_ARGS + 2];
};

static bool points_into(const char *s, char *const *argv, int argc)
{
    for (int i = 0; i < argc; i++)
        if (s == argv[i])
            return true;
    return false;
}

/* Whether @s lies inside one of the strings of argv ("--opt=VALUE"). */
static bool points_within(const char *s, char *const *argv, int argc)
{
    for (int i = 0; i < argc; i++)
        if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
            return true;
    return false;
}

static void check_error(
    int r, const struct cli_parse_error *err, const void *ret, const void *untouched, size_t size)
{
    FUZZ_CHECK(r == -EINVAL, "parser returned %d", r);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) && err->message[0],
        "usage error without a sentence");
    FUZZ_CHECK(memcmp(ret, untouched, size) == 0, "result written on failure");
}

/*
 * Calls @parser(argc, argv, &result, &err) with @result filled with a
 * pattern first.  True when it parsed; on a usage error checks the sentence
 * and that the pattern is intact, and is false.
 */
#define PARSED(parser, argc, argv, result)                                                         \
    ({                                                                                             \
        __typeof__(result) untouched_;                                                             \
        struct cli_parse_error err_ = { { 0 } };                                                   \
        memset(&(result), 0xa5, sizeof(result));                                                   \
        memcpy(&untouched_, &(result), sizeof(result));                                            \
        int r_ = parser(argc, argv, &(result), &err_);                                             \
        if (r_ < 0)                                                                                \
            check_error(r_, &err_, &(result), &untouched_, sizeof(result));                        \
        else                                                                                       \
            FUZZ_CHECK(r_ == 0, #parser " returned %d", r_);                                       \
        r_ == 0;                                                                                   \
    })

static void check_policy(int argc, char *const *argv)
{
    struct cli_policy_args a, b;

    if (!PARSED(cli_policy_parse, argc, argv, a))
        return;
    FUZZ_CHECK(PARSED(cli_policy_parse, argc, argv, b) && a.action == b.action
            && a.policy == b.policy && a.json_flags == b.json_flags && a.markdown == b.markdown,
        "policy parser not repeatable");
    FUZZ_CHECK((a.json_flags & ~QFS_JSON_COMPACT) == 0, "json flags %#x", a.json_flags);
    switch (a.action) {
    case CLI_POLICY_SHOW:
        FUZZ_CHECK(a.policy && points_into(a.policy, argv, argc), "show without its policy");
        break;
    case CLI_POLICY_VALIDATE:
        FUZZ_CHECK(argc == 3 && a.policy == argv[2], "validate takes argv[2]");
        break;
    case CLI_POLICY_HELP:
    case CLI_POLICY_LIST:
    case CLI_POLICY_APIS:
        FUZZ_CHECK(!a.policy && !a.json_flags, "stray policy or flags for action %d", a.action);
        FUZZ_CHECK(a.action == CLI_POLICY_APIS || !a.markdown, "stray --markdown");
        break;
    default:
        FUZZ_CHECK(false, "unknown policy action %d", a.action);
    }
}

static void check_check(int argc, char *const *argv)
{
    struct cli_check_args a, b;

    if (!PARSED(cli_check_parse, argc, argv, a))
        return;
    FUZZ_CHECK(
        PARSED(cli_check_parse, argc, argv, b) && a.json == b.json, "check parser not repeatable");
    FUZZ_CHECK(a.json == (argc == 2), "--json is the one argument check takes");
}

static bool in_range(int64_t v, int64_t min, int64_t max)
{
    return v >= min && v <= max;
}

static void check_run(int argc, char *const *argv)
{
    struct cli_run_args a, b;

    if (!PARSED(cli_run_parse, argc, argv, a))
        return;
    FUZZ_CHECK(PARSED(cli_run_parse, argc, argv, b), "run parser not repeatable");
    FUZZ_CHECK(a.help == b.help && a.program == b.program && a.n_dirs == b.n_dirs
            && a.n_hosts == b.n_hosts && a.n_apis == b.n_apis && a.n_nameservers == b.n_nameservers
            && a.policy == b.policy && memcmp(a.limits, b.limits, sizeof(a.limits)) == 0,
        "run parser not repeatable");
    cli_run_args_free(&b);
    if (a.help) {
        cli_run_args_free(&a);
        return;
    }
    FUZZ_CHECK(a.program >= 1 && a.program < argc, "PROGRAM at %d of %d", a.program, argc);
    FUZZ_CHECK(strcmp(argv[a.program], "--") != 0 || strcmp(argv[a.program - 1], "--") == 0,
        "an option separator taken for PROGRAM");
    FUZZ_CHECK(a.n_dirs + a.n_hosts + a.n_apis + a.n_nameservers < (size_t)argc,
        "more list entries than arguments");
    FUZZ_CHECK(a.policy && (strcmp(a.policy, "strict") == 0 || points_within(a.policy, argv, argc)),
        "policy from nowhere");
    FUZZ_CHECK(!a.report || points_within(a.report, argv, argc), "report from nowhere");
    FUZZ_CHECK(in_range(a.level, -1, QFS_LEVEL_STRICT), "level %d", a.level);
    FUZZ_CHECK(in_range(a.type, QFS_PLUGIN_NATIVE, QFS_PLUGIN_LUA), "type %d", a.type);
    for (int l = 0; l < QFS_LIMIT_COUNT; l++)
        FUZZ_CHECK(a.limits[l] >= -1, "limit %d is %lld", l, (long long)a.limits[l]);
    FUZZ_CHECK(!a.n_hosts || a.allow_network, "--allow-host without the network");
    for (size_t i = 0; i < a.n_dirs; i++)
        FUZZ_CHECK(points_within(a.dirs[i].path, argv, argc), "directory %zu from nowhere", i);
    for (size_t i = 0; i < a.n_hosts; i++)
        FUZZ_CHECK(points_within(a.hosts[i], argv, argc), "host %zu from nowhere", i);
    for (size_t i = 0; i < a.n_apis; i++)
        FUZZ_CHECK(points_within(a.apis[i], argv, argc), "API %zu from nowhere", i);
    FUZZ_CHECK(a.n_nameservers <= CLI_RUN_NAMESERVERS_MAX && !a.nameservers[a.n_nameservers],
        "%zu nameservers, not terminated", a.n_nameservers);
    for (size_t i = 0; i < a.n_nameservers; i++)
        FUZZ_CHECK(points_within(a.nameservers[i], argv, argc), "nameserver %zu from nowhere", i);
    cli_run_args_free(&a);
}

/* Every command parser on the command's arguments (argv[0] its name). */
static void parse_command(int argc, char *const *argv)
{
    check_policy(argc, argv);
    check_check(argc, argv);
    check_run(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char program[] = "qfsandbox";
    struct cli_main_args m;
    struct argv_copy v = { 0 }, saved = { 0 };
    char *text = malloc(size + 1);

    FUZZ_CHECK(text, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    v.argv[v.argc++] = program;
    for (size_t i = 0; size && i <= size && v.argc <= MAX_ARGS;) {
        v.argv[v.argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    v.argv[v.argc] = NULL;
    saved = v;
    for (int i = 0; i < v.argc; i++)
        saved.argv[i] = strdup(v.argv[i]);

    if (!PARSED(cli_main_parse, v.argc, v.argv, m)) {
        FUZZ_CHECK(v.argc < 2, "main parser refused %d arguments", v.argc);
    } else {
        FUZZ_CHECK(v.argc >= 2, "main parser accepted %d arguments", v.argc);
        FUZZ_CHECK(
            m.argc == v.argc - 1 && m.argv == v.argv + 1, "command arguments are not argv+1");
        FUZZ_CHECK(m.action == CLI_MAIN_HELP || m.action == CLI_MAIN_VERSION
                || m.action == CLI_MAIN_COMMAND,
            "unknown main action %d", m.action);
        parse_command(m.argc, m.argv);
    }
    for (int i = 0; i < v.argc; i++) {
        FUZZ_CHECK(strcmp(v.argv[i], saved.argv[i]) == 0, "argv[%d] changed", i);
        free(saved.argv[i]);
    }
    FUZZ_CHECK(v.argv[v.argc] == NULL, "argv lost its terminator");
    free(text);
    return 0;
}
