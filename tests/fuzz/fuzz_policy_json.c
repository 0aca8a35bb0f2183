/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON policy loader on arbitrary bytes.
 *
 * Whatever the input, loading returns 0 or -EINVAL (never crashes, leaks or
 * reads past the text) and a failure carries a message whose position lies
 * inside the text.  A policy that loads survives the round trip: saved
 * (indented and compact) and loaded again it is equal to itself, saving is
 * stable, a copy is equal, and validation gives the same verdict and
 * sentence for the original and the reloaded policy (positions aside).
 */
#include <errno.h>
#include <string.h>

#include <qfsandbox/policy.h>

#include "fuzz.h"

#define SOURCE "fuzz.json"

/* The length of line @line (1-based) of @text, or -1 past the last line. */
static long line_length(const char *text, size_t size, unsigned line)
{
    size_t start = 0;

    for (unsigned l = 1; l < line; l++) {
        const char *nl = memchr(text + start, '\n', size - start);
        if (!nl)
            return -1;
        start = nl - text + 1;
    }
    const char *nl = memchr(text + start, '\n', size - start);
    return nl ? nl - (text + start) : (long)(size - start);
}

/* What every error must look like, and its formatting. */
static void check_error(const qfs_error *err, const char *text, size_t size)
{
    char buf[2048], tiny[8];
    int n, m;

    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)), "message not terminated");
    FUZZ_CHECK(memchr(err->source, '\0', sizeof(err->source)), "source not terminated");
    FUZZ_CHECK(memchr(err->field, '\0', sizeof(err->field)), "field not terminated");
    FUZZ_CHECK(err->message[0], "an error without a message");
    if (err->line) {
        long len = line_length(text, size, err->line);

        FUZZ_CHECK(
            strcmp(err->source, SOURCE) == 0, "position without the source: '%s'", err->source);
        FUZZ_CHECK(len >= 0, "line %u is past the end of the text", err->line);
        FUZZ_CHECK(err->column >= 1 && err->column <= (unsigned long)len + 1,
            "column %u outside line %u of length %ld (%s)", err->column, err->line, len,
            err->message);
    } else {
        FUZZ_CHECK(err->column == 0, "a column (%u) without a line", err->column);
    }

    n = qfs_error_format(err, buf, sizeof(buf));
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf), "format returned %d", n);
    FUZZ_CHECK(strlen(buf) == (size_t)n, "format length %d, text length %zu", n, strlen(buf));
    FUZZ_CHECK(strstr(buf, err->message), "formatted text lacks the message");
    m = qfs_error_format(err, tiny, sizeof(tiny));
    FUZZ_CHECK(
        m == n && strlen(tiny) == sizeof(tiny) - 1 && memcmp(tiny, buf, sizeof(tiny) - 1) == 0,
        "truncated formatting differs: %d vs %d", m, n);
    FUZZ_CHECK(qfs_error_format(err, NULL, 0) == n, "measuring differs from formatting");
}

static qfs_policy *reload(const char *text, const char *what)
{
    qfs_policy *p = NULL;
    qfs_error err = { 0 };
    int r = qfs_policy_load_string(text, strlen(text), NULL, &p, &err);

    FUZZ_CHECK(r == 0, "%s JSON does not load again: %d %s\n%s", what, r, err.message, text);
    return p;
}

static void check_loaded(const qfs_policy *p, const char *text, size_t size)
{
    qfs_policy *copy = NULL, *again = NULL, *compact = NULL;
    char *saved = NULL, *saved_compact = NULL, *resaved = NULL;
    qfs_error err1 = { 0 }, err2 = { 0 };
    int v1, v2;

    FUZZ_CHECK(qfs_policy_copy(p, &copy) == 0, "copy failed");
    FUZZ_CHECK(qfs_policy_equal(p, copy), "a copy differs");
    FUZZ_CHECK(qfs_policy_equal(p, p), "not equal to itself");

    FUZZ_CHECK(qfs_policy_save_string(p, 0, &saved) == 0, "save failed");
    FUZZ_CHECK(
        qfs_policy_save_string(p, QFS_JSON_COMPACT, &saved_compact) == 0, "compact save failed");
    FUZZ_CHECK(!strchr(saved_compact, '\n'), "compact JSON has a newline");
    again = reload(saved, "saved");
    compact = reload(saved_compact, "compact");
    FUZZ_CHECK(qfs_policy_equal(p, again), "round trip changed the policy:\n%s", saved);
    FUZZ_CHECK(
        qfs_policy_equal(p, compact), "compact round trip changed the policy:\n%s", saved_compact);
    FUZZ_CHECK(qfs_policy_save_string(again, 0, &resaved) == 0, "second save failed");
    FUZZ_CHECK(strcmp(saved, resaved) == 0, "saving is not stable:\n%s\n---\n%s", saved, resaved);

    /* Validation judges values, so the copy from the saved text gets the
     * same verdict and the same sentence; only the position may differ. */
    v1 = qfs_policy_validate(p, &err1);
    v2 = qfs_policy_validate(again, &err2);
    FUZZ_CHECK(v1 == 0 || v1 == -EINVAL, "validate returned %d", v1);
    FUZZ_CHECK(v1 == v2, "validation differs after the round trip: %d vs %d", v1, v2);
    if (v1 < 0) {
        check_error(&err1, text, size);
        FUZZ_CHECK(err1.field[0], "a validation error without a field: %s", err1.message);
        FUZZ_CHECK(strcmp(err1.message, err2.message) == 0 && strcmp(err1.field, err2.field) == 0,
            "validation sentence differs after the round trip:\n  %s\n  %s", err1.message,
            err2.message);
    }

    free(saved);
    free(saved_compact);
    free(resaved);
    qfs_policy_free(copy);
    qfs_policy_free(again);
    qfs_policy_free(compact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    qfs_policy *p = (qfs_policy *)&p; /* must stay untouched on failure */
    qfs_policy *const sentinel = p;
    qfs_error err = { 0 };
    int r;

    r = qfs_policy_load_string(text, size, SOURCE, &p, &err);
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL, "load returned %d", r);
        FUZZ_CHECK(p == sentinel, "*ret written on failure");
        check_error(&err, text, size);
        return 0;
    }
    check_loaded(p, text, size);
    qfs_policy_free(p);
    return 0;
}
