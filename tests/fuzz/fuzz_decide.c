/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The path and host decisions, against reference answers computed here in
 * the plainest way.
 *
 * Input: byte 0 holds flags (below), bytes 1-2 a port (big-endian, 0 means
 * -1, "any port"), the rest lines separated by '\n': line 0 is a directory
 * or host pattern, line 1 a path or host asked about; every line but line 1
 * is also an entry of allowed_directories and, unless it begins with '/'
 * (so that an input of paths leaves the list empty), of allowed_hosts.
 *
 * Invariants:
 *  - qfs_path_normalize() equals a component-stack normalisation, is
 *    idempotent, needs no more room than its result and reports
 *    -ENAMETOOLONG exactly when that room is missing;
 *  - qfs_path_is_within() equals a comparison of component lists; every
 *    valid path is within itself and within "/";
 *  - qfs_host_matches() is reflexive, blind to case, and for names without
 *    ports agrees with plain string comparison (exact) or suffix comparison
 *    (wildcards: subdomains only);
 *  - qfs_policy_check_path() and _check_host() give the answer the rules of
 *    enforcer.h give, the same answer when asked again (from the cache),
 *    the same as a fresh copy of the policy (empty cache), after the cache
 *    was emptied for being full, and after a setter changed the policy.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <qfsandbox/enforcer.h>
#include <qfsandbox/policy.h>

#include "decide.h"
#include "fuzz.h"

enum {
    FLAG_LEVEL = 3, /* two bits: the level */
    FLAG_READ = 1 << 2,
    FLAG_WRITE = 1 << 3,
    FLAG_NETWORK = 1 << 4,
    FLAG_ASK_WRITE = 1 << 5,
    FLAG_FILL_CACHE = 1 << 6, /* with FLAG_CHANGE: ask enough paths to empty the cache */
    FLAG_CHANGE = 1 << 7, /* change the policy between questions */
};

#define MAX_LINES 16
/* Reference normalisation: split on '/', drop "" and ".", ".." pops. */
static bool ref_normalize(const char *path, char *out, size_t size)
{
    size_t max = strlen(path) / 2 + 1, n = 0, len = 0;
    const char **comp = calloc(max, sizeof(*comp));
    size_t *clen = calloc(max, sizeof(*clen));
    bool ok = false;

    FUZZ_CHECK(comp && clen, "out of memory");
    if (path[0] != '/')
        goto out;
    for (const char *p = path; *p;) {
        const char *end;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        end = strchr(p, '/');
        if (!end)
            end = p + strlen(p);
        if (end - p == 2 && p[0] == '.' && p[1] == '.') {
            if (n)
                n--;
        } else if (!(end - p == 1 && p[0] == '.')) {
            comp[n] = p;
            clen[n++] = (size_t)(end - p);
        }
        p = end;
    }
    for (size_t i = 0; i < n; i++) {
        if (len + 1 + clen[i] + 1 > size)
            goto out;
        out[len++] = '/';
        memcpy(out + len, comp[i], clen[i]);
        len += clen[i];
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    ok = true;
out:
    free(comp);
    free(clen);
    return ok;
}

/* Reference containment, on normalised paths: @dir's components are a prefix of @path's. */
static bool ref_within(const char *path, const char *dir)
{
    size_t dlen = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return true;
    return strncmp(path, dir, dlen) == 0 && (path[dlen] == '\0' || path[dlen] == '/');
}

static void check_path_functions(const char *a, const char *b)
{
    static char got[PATH_MAX], ref[PATH_MAX], again[PATH_MAX], small[PATH_MAX];
    static char na[PATH_MAX], nb[PATH_MAX];
    int n = qfs_path_normalize(b, got, sizeof(got));

    if (b[0] != '/') {
        FUZZ_CHECK(n == -EINVAL, "relative '%s' normalised: %d", b, n);
        FUZZ_CHECK(qfs_path_is_within(b, "/") == -EINVAL, "relative path within '/'");
        return;
    }
    /* An absolute path never gets longer, so its own length is room enough. */
    if (strlen(b) < sizeof(got))
        FUZZ_CHECK(n >= 0, "'%s' (length %zu) not normalised: %d", b, strlen(b), n);
    if (n < 0) {
        FUZZ_CHECK(n == -ENAMETOOLONG, "normalise returned %d", n);
        return;
    }
    FUZZ_CHECK(ref_normalize(b, ref, sizeof(ref)), "reference failed on '%s'", b);
    FUZZ_CHECK(strcmp(got, ref) == 0, "'%s' normalised to '%s', expected '%s'", b, got, ref);
    FUZZ_CHECK((size_t)n == strlen(got), "length %d for '%s'", n, got);
    FUZZ_CHECK(qfs_path_normalize(got, again, sizeof(again)) == n && strcmp(got, again) == 0,
        "not idempotent: '%s' -> '%s'", got, again);
    FUZZ_CHECK(qfs_path_normalize(b, small, (size_t)n + 1) == n && strcmp(small, got) == 0,
        "'%s' does not normalise into %d bytes, the size of its result", b, n + 1);
    FUZZ_CHECK(qfs_path_normalize(b, small, (size_t)n) == -ENAMETOOLONG,
        "'%s' normalised into %d bytes", b, n);
    FUZZ_CHECK(qfs_path_normalize(b, NULL, 0) == -ENAMETOOLONG, "normalised into nothing");

    FUZZ_CHECK(qfs_path_is_within(b, b) == 1, "'%s' not within itself", b);
    FUZZ_CHECK(qfs_path_is_within(b, "/") == 1, "'%s' not within /", b);
    FUZZ_CHECK(qfs_path_is_within(got, b) == 1 && qfs_path_is_within(b, got) == 1,
        "'%s' and its normal form '%s' differ", b, got);

    if (a[0] != '/' || qfs_path_normalize(a, na, sizeof(na)) < 0)
        return;
    FUZZ_CHECK(qfs_path_normalize(b, nb, sizeof(nb)) == n, "normalise not repeatable");
    int w = qfs_path_is_within(b, a);
    FUZZ_CHECK(w == ref_within(nb, na), "is_within('%s', '%s') = %d", b, a, w);
    if (w == 1 && qfs_path_is_within(a, b) == 1)
        FUZZ_CHECK(strcmp(na, nb) == 0, "'%s' and '%s' contain each other", a, b);
}

/* The host name of @text in lower case without a trailing dot, when it has
 * no port, brackets or colons (names and IPv4 only); else false. */
static bool plain_name(const char *text, char *out, size_t size)
{
    size_t n = strlen(text);

    if (strpbrk(text, ":[]") || n == 0 || n >= size)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? text[i] - 'A' + 'a' : text[i];
    if (n > 1 && out[n - 1] == '.')
        n--;
    out[n] = '\0';
    return true;
}

static void upper(const char *in, char *out, size_t size)
{
    size_t i = 0;

    for (; in[i] && i + 1 < size; i++)
        out[i] = (in[i] >= 'a' && in[i] <= 'z') ? in[i] - 'a' + 'A' : in[i];
    out[i] = '\0';
}

static void check_host_functions(const char *a, const char *b, int port)
{
    char ua[1024], ub[1024], pa[300], pb[300];
    int r = qfs_host_matches(a, b, port);
    int self = qfs_host_matches(b, b, -1);

    FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL, "host_matches returned %d", r);
    FUZZ_CHECK(self == 1 || self == -EINVAL, "'%s' does not match itself: %d", b, self);
    if (strlen(a) < sizeof(ua) && strlen(b) < sizeof(ub)) {
        upper(a, ua, sizeof(ua));
        upper(b, ub, sizeof(ub));
        FUZZ_CHECK(qfs_host_matches(ua, ub, port) == r, "case matters for '%s' / '%s'", a, b);
    }
    if (r < 0 || port != -1 || !plain_name(a, pa, sizeof(pa)) || !plain_name(b, pb, sizeof(pb)))
        return;
    if (strncmp(pa, "*.", 2) == 0) {
        size_t hl = strlen(pb), sl = strlen(pa + 2);
        bool sub = hl > sl + 1 && pb[hl - sl - 1] == '.' && strcmp(pb + hl - sl, pa + 2) == 0;
        FUZZ_CHECK(r == sub, "'%s' matches '%s': %d, suffix rule says %d", b, a, r, sub);
    } else {
        FUZZ_CHECK(r == (strcmp(pa, pb) == 0), "'%s' matches '%s': %d", b, a, r);
    }
}

/* What enforcer.h says qfs_policy_check_path() answers, computed with the
 * reference functions above. */
static int expected_path(const qfs_policy *p, const char *path, bool write)
{
    static char np[PATH_MAX], nd[PATH_MAX];
    bool in_dir = false, runtime = false;

    if (path[0] != '/')
        return -EINVAL;
    if (qfs_policy_get_level(p) == QFS_LEVEL_UNRESTRICTED)
        return 1;
    if (!ref_normalize(path, np, sizeof(np)))
        return 0; /* longer than any path the kernel accepts */
    for (size_t i = 0; i < qfs_policy_list_count(p, QFS_LIST_ALLOWED_DIRECTORIES); i++) {
        const char *dir = qfs_policy_list_get(p, QFS_LIST_ALLOWED_DIRECTORIES, i);
        in_dir |= ref_normalize(dir, nd, sizeof(nd)) && ref_within(np, nd);
    }
    for (size_t i = 0; i < decide_runtime_path_count(); i++)
        runtime |= ref_within(np, decide_runtime_path(i));
    if (write)
        return qfs_policy_get_permission(p, QFS_PERM_FILE_SYSTEM_WRITE) && in_dir;
    return runtime || (qfs_policy_get_permission(p, QFS_PERM_FILE_SYSTEM_READ) && in_dir);
}

static int expected_host(const qfs_policy *p, const char *host, int port)
{
    size_t n = qfs_policy_list_count(p, QFS_LIST_ALLOWED_HOSTS);
    int valid = qfs_host_matches("example.com", host, port);

    if (valid < 0)
        return -EINVAL;
    if (qfs_policy_get_level(p) == QFS_LEVEL_UNRESTRICTED)
        return 1;
    if (!qfs_policy_get_permission(p, QFS_PERM_NETWORK_ACCESS))
        return 0;
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (qfs_host_matches(qfs_policy_list_get(p, QFS_LIST_ALLOWED_HOSTS, i), host, port) == 1)
            return 1;
    return 0;
}

/*
 * The policy asked about, and a copy of it made after its last change (so
 * that the copy's cache holds only answers it computed itself).
 */
struct subject
{
    qfs_policy *p, *fresh;
};

static void changed(struct subject *s)
{
    qfs_policy_free(s->fresh);
    FUZZ_CHECK(qfs_policy_copy(s->p, &s->fresh) == 0, "copy failed");
}

/* Asks the policy, asks again (cached), asks the copy; all three and the rules agree. */
static void ask_path(struct subject *s, const char *path, bool write)
{
    int first = qfs_policy_check_path(s->p, path, write);
    int second = qfs_policy_check_path(s->p, path, write);
    int copy = qfs_policy_check_path(s->fresh, path, write);
    int expected = expected_path(s->p, path, write);

    FUZZ_CHECK(first == second && first == copy,
        "check_path('%s', %d): %d, then %d from the cache, %d from a fresh copy", path, write,
        first, second, copy);
    FUZZ_CHECK(first == expected, "check_path('%s', %d) = %d, the rules say %d", path, write, first,
        expected);
}

static void ask_host(const qfs_policy *p, const char *host, int port)
{
    int got = qfs_policy_check_host(p, host, port);
    int expected = expected_host(p, host, port);

    FUZZ_CHECK(
        got == expected, "check_host('%s', %d) = %d, the rules say %d", host, port, got, expected);
}

static void check_policy(char **lines, size_t n, unsigned flags, int port)
{
    const char *q = n > 1 ? lines[1] : "/";
    bool write = flags & FLAG_ASK_WRITE;
    struct subject s = { NULL, NULL };
    qfs_policy *p;

    FUZZ_CHECK(qfs_policy_new(&s.p) == 0, "policy_new failed");
    p = s.p;
    qfs_policy_set_level(p, (int)(flags & FLAG_LEVEL));
    qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_READ, flags & FLAG_READ);
    qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_WRITE, flags & FLAG_WRITE);
    qfs_policy_set_permission(p, QFS_PERM_NETWORK_ACCESS, flags & FLAG_NETWORK);
    for (size_t i = 0; i < n; i++) {
        if (i == 1)
            continue;
        qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, lines[i]);
        if (lines[i][0] != '/')
            qfs_policy_list_add(p, QFS_LIST_ALLOWED_HOSTS, lines[i]);
    }
    changed(&s);

    if (q[0] == '/')
        ask_path(&s, q, write);
    else
        FUZZ_CHECK(qfs_policy_check_path(p, q, write) == -EINVAL, "relative path decided");
    ask_path(&s, "/", write);
    ask_host(p, q, port);
    /* Every line as a question too: answers for other paths fill the
     * cache beside the first one. */
    for (size_t i = 0; i < n; i++) {
        if (lines[i][0] == '/') {
            ask_path(&s, lines[i], write);
            ask_path(&s, lines[i], !write);
        }
        ask_host(p, lines[i], port);
        (void)qfs_policy_check_api(p, lines[i]);
        (void)qfs_policy_check_process_creation(p, lines[i][0] == '/' ? lines[i] : NULL);
    }

    /* Costly (a thousand questions), so only for one input in five or so;
     * Unrestricted answers before the cache. */
    if ((flags & FLAG_FILL_CACHE) && (flags & FLAG_CHANGE) && (flags & FLAG_LEVEL) && q[0] == '/'
        && strlen(q) < 400) {
        char path[512];
        int before = qfs_policy_check_path(p, q, write);

        /* More distinct paths than the cache keeps: it is emptied once
         * three quarters full, and must answer as before afterwards. */
        for (int i = 0; i < 800; i++) {
            snprintf(path, sizeof(path), "%s/%d", q, i);
            int got = qfs_policy_check_path(p, path, write);
            if (i % 97 == 0)
                FUZZ_CHECK(
                    got == expected_path(p, path, write), "answer for '%s' wrong at %d", path, i);
        }
        FUZZ_CHECK(qfs_policy_check_path(p, q, write) == before, "'%s' changed after refill", q);
        ask_path(&s, q, write);
    }

    if ((flags & FLAG_CHANGE) && q[0] == '/') {
        const qfs_permission perm = write ? QFS_PERM_FILE_SYSTEM_WRITE : QFS_PERM_FILE_SYSTEM_READ;

        /* Every setter must invalidate what the cache knows. */
        (void)qfs_policy_check_path(p, q, write);
        qfs_policy_set_permission(p, perm, !qfs_policy_get_permission(p, perm));
        changed(&s);
        ask_path(&s, q, write);
        qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, q);
        changed(&s);
        ask_path(&s, q, write);
        qfs_policy_list_clear(p, QFS_LIST_ALLOWED_DIRECTORIES);
        changed(&s);
        ask_path(&s, q, write);
        qfs_policy_set_level(
            p, qfs_policy_get_level(p) ? QFS_LEVEL_UNRESTRICTED : QFS_LEVEL_STRICT);
        changed(&s);
        ask_path(&s, q, write);
        qfs_policy_set_permission(p, QFS_PERM_NETWORK_ACCESS, !(flags & FLAG_NETWORK));
        ask_host(p, q, port);
        qfs_policy_list_clear(p, QFS_LIST_ALLOWED_HOSTS);
        ask_host(p, q, port);
    }
    qfs_policy_free(s.fresh);
    qfs_policy_free(s.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *lines[MAX_LINES], *text;
    size_t n = 0;
    unsigned flags;
    int port;

    if (size < 3)
        return 0;
    flags = data[0];
    port = data[1] << 8 | data[2];
    if (port == 0)
        port = -1;
    text = malloc(size - 3 + 1);
    FUZZ_CHECK(text, "out of memory");
    memcpy(text, data + 3, size - 3);
    text[size - 3] = '\0'; /* the lines end at the first NUL, if any */
    for (char *s = text; n < MAX_LINES;) {
        char *nl = strchr(s, '\n');
        lines[n++] = s;
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }

    const char *a = lines[0], *b = n > 1 ? lines[1] : lines[0];
    check_path_functions(a, b);
    check_path_functions(b, a);
    check_host_functions(a, b, port);
    check_host_functions(b, a, port);
    check_policy(lines, n, flags, port);
    free(text);
    return 0;
}
