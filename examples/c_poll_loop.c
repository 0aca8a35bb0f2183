/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Embedding the qfsandbox loop in a program's own poll() loop, in plain C.
 *
 *     example_c_poll_loop [PROGRAM [ARGS...]]    (default: /bin/echo hello)
 *
 * The loop is one descriptor: poll it together with your own descriptors,
 * use qfs_loop_get_timeout() as (part of) your timeout, and call
 * qfs_loop_dispatch() when it is readable or the timeout passed.  The
 * sandbox's callbacks run only inside qfs_loop_dispatch().  Here stdin stands
 * for "the program's own descriptor": typing a line while the plugin runs
 * kills it.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

static void print_json(const char *what, char *json)
{
    printf("%s %s\n", what, json ? json : "?");
    free(json);
}

static void on_usage(qfs_sandbox *sb, const qfs_usage *usage, void *userdata)
{
    char *json = NULL;

    qfs_usage_to_json(usage, QFS_JSON_COMPACT, &json);
    print_json("usage", json);
}

static void on_limit(qfs_sandbox *sb, qfs_resource resource, const qfs_usage *usage, void *userdata)
{
    printf("limit exceeded: %s\n", qfs_resource_name(resource));
}

static void on_violation(qfs_sandbox *sb, const qfs_violation *v, void *userdata)
{
    char *json = NULL;

    qfs_violation_to_json(v, QFS_JSON_COMPACT, &json);
    print_json("violation", json);
}

static void on_exited(qfs_sandbox *sb, const qfs_exit *exit, void *userdata)
{
    const char *out = NULL;
    size_t len = 0;

    if (qfs_sandbox_get_output(sb, 1, &out, &len, NULL) == 0 && len)
        printf("plugin wrote: %.*s", (int)len, out);
    printf("ended: %s, exit code %d\n", qfs_status_name(exit->status), exit->exit_code);
}

int main(int argc, char **argv)
{
    static const char *const default_args[] = { "hello", NULL };
    const qfs_sandbox_callbacks callbacks = { on_usage, on_limit, on_violation, on_exited };
    const char *program = argc > 1 ? argv[1] : "/bin/echo";
    const char *const *args = argc > 1 ? (const char *const *)argv + 2 : default_args;
    qfs_loop *loop = NULL;
    qfs_policy *policy = NULL;
    qfs_sandbox *sb = NULL;
    qfs_error err = { 0 };
    char message[1024];
    bool stdin_open = true;
    int r;

    r = qfs_loop_new(&loop);
    if (r >= 0)
        r = qfs_policy_new_builtin("strict", &policy);
    if (r >= 0)
        r = qfs_sandbox_new(loop, policy, &sb, &err);
    if (r >= 0)
        r = qfs_sandbox_set_callbacks(sb, &callbacks, NULL);
    if (r >= 0)
        r = qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, program, args, &err);
    if (r < 0) {
        qfs_error_format(&err, message, sizeof(message));
        fprintf(stderr, "cannot run %s: %s\n", program, err.message[0] ? message : "error");
        goto out;
    }

    while (qfs_sandbox_is_running(sb)) {
        struct pollfd fds[2] = {
            { .fd = qfs_loop_get_fd(loop), .events = POLLIN },
            { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
        };

        if (poll(fds, 2, qfs_loop_get_timeout(loop)) < 0)
            break;
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            char line[256];
            if (fgets(line, sizeof(line), stdin))
                qfs_sandbox_kill(sb);
            else
                stdin_open = false; /* closed: just wait for the plugin */
        }
        r = qfs_loop_dispatch(loop);
        if (r < 0)
            break;
    }
out:
    sb = qfs_sandbox_free(sb);
    policy = qfs_policy_free(policy);
    loop = qfs_loop_free(loop);
    return r < 0 ? 1 : 0;
}
