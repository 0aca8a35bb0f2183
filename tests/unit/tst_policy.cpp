// The policy model: defaults, the four built-ins against the QtForge table,
// setters, copy/equal, validation rules and the source map.
#include "qfs_test.h"

#include <QTemporaryDir>

#include <functional>

class TestPolicy : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void builtins_data();
    void builtins();
    void builtinNames();
    void builtinUnknown();
    void builtinLocations();
    void builtinsValidate();
    void settersStoreAnything();
    void setterArguments();
    void copyAndEqual();
    void validate_data();
    void validate();
    void validateAccepts_data();
    void validateAccepts();
    void sourceMap();
    void errorFormat_data();
    void errorFormat();
    void enumNames();
};

void TestPolicy::defaults()
{
    Policy p = newPolicy();
    QCOMPARE(qfs_policy_get_level(p.get()), int(QFS_LEVEL_SANDBOXED));
    QCOMPARE(qfs_policy_get_name(p.get()), "default");
    QCOMPARE(qfs_policy_get_description(p.get()), "Default security policy");
    const int64_t limits[] = { 30000, 256, 100, 50, 10, 60000, 64 };
    for (int i = 0; i < QFS_LIMIT_COUNT; ++i)
        QCOMPARE(qfs_policy_get_limit(p.get(), qfs_limit(i)), limits[i]);
    for (int i = 0; i < QFS_PERM_COUNT; ++i)
        QCOMPARE(qfs_policy_get_permission(p.get(), qfs_permission(i)), false);
    for (int i = 0; i < QFS_LIST_COUNT; ++i)
        QCOMPARE(qfs_policy_list_count(p.get(), qfs_list(i)), size_t(0));
    QCOMPARE(qfs_policy_get_enforcement(p.get()), QFS_ENFORCE_REQUIRE);
    QCOMPARE(qfs_policy_get_monitor_interval_ms(p.get()), int64_t(1000));
    qfs_error err {};
    QCOMPARE(qfs_policy_validate(p.get(), &err), 0);
}

// The QtForge table, row by row.
void TestPolicy::builtins_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("description");
    QTest::addColumn<QList<qint64>>("limits");
    QTest::addColumn<QList<bool>>("perms");
    QTest::addColumn<QStringList>("blocked");

    const QList<bool> none(QFS_PERM_COUNT, false);
    const QList<bool> all(QFS_PERM_COUNT, true);
    QList<bool> limited = none;
    limited[QFS_PERM_FILE_SYSTEM_READ] = true;
    limited[QFS_PERM_NETWORK_ACCESS] = true;

    QTest::newRow("unrestricted") << "unrestricted" << 0
                                  << "Unrestricted access for trusted native plugins"
                                  << QList<qint64> { 86400000, 8192, 100, 50, 10, 3600000, 64 }
                                  << all << QStringList {};
    QTest::newRow("limited") << "limited" << 1 << "Limited access with basic restrictions"
                             << QList<qint64> { 600000, 512, 200, 100, 20, 300000, 64 } << limited
                             << QStringList {};
    QTest::newRow("sandboxed") << "sandboxed" << 2 << "Full sandboxing with process isolation"
                               << QList<qint64> { 300000, 256, 100, 50, 10, 120000, 64 } << none
                               << QStringList {};
    QTest::newRow("strict") << "strict" << 3 << "Maximum security with minimal permissions"
                            << QList<qint64> { 120000, 128, 50, 25, 5, 60000, 64 } << none
                            << QStringList { "system", "exec", "fork", "CreateProcess",
                                   "ShellExecute", "LoadLibrary", "dlopen", "mmap",
                                   "VirtualAlloc" };
}

void TestPolicy::builtins()
{
    QFETCH(QString, name);
    QFETCH(int, level);
    QFETCH(QString, description);
    QFETCH(QList<qint64>, limits);
    QFETCH(QList<bool>, perms);
    QFETCH(QStringList, blocked);

    Policy p = builtinPolicy(name.toUtf8().constData());
    QCOMPARE(qfs_policy_get_level(p.get()), level);
    QCOMPARE(QString::fromUtf8(qfs_policy_get_name(p.get())), name);
    QCOMPARE(QString::fromUtf8(qfs_policy_get_description(p.get())), description);
    for (int i = 0; i < QFS_LIMIT_COUNT; ++i)
        QCOMPARE(qfs_policy_get_limit(p.get(), qfs_limit(i)), limits[i]);
    for (int i = 0; i < QFS_PERM_COUNT; ++i)
        QCOMPARE(qfs_policy_get_permission(p.get(), qfs_permission(i)), perms[i]);
    QCOMPARE(listOf(p.get(), QFS_LIST_BLOCKED_APIS), blocked);
    QCOMPARE(qfs_policy_list_count(p.get(), QFS_LIST_ALLOWED_HOSTS), size_t(0));
    QCOMPARE(qfs_policy_get_enforcement(p.get()), QFS_ENFORCE_REQUIRE);
    QCOMPARE(qfs_policy_get_monitor_interval_ms(p.get()), int64_t(1000));
}

void TestPolicy::builtinNames()
{
    const char *const *names = qfs_policy_builtin_names();
    QStringList got;
    for (; *names; ++names)
        got << *names;
    QCOMPARE(got, QStringList({ "unrestricted", "limited", "sandboxed", "strict" }));
}

void TestPolicy::builtinUnknown()
{
    qfs_policy *p = reinterpret_cast<qfs_policy *>(0x1);
    QCOMPARE(qfs_policy_new_builtin("paranoid", &p), -ENOENT);
    QCOMPARE(p, reinterpret_cast<qfs_policy *>(0x1)); // *ret untouched on failure
    QCOMPARE(qfs_policy_new_builtin(nullptr, &p), -EINVAL);
    QCOMPARE(qfs_policy_new_builtin("strict", nullptr), -EINVAL);
    QCOMPARE(qfs_policy_new(nullptr), -EINVAL);
}

// "limited" lists the temp and cache locations, "sandboxed" the temp one;
// a location is listed only when it exists.
void TestPolicy::builtinLocations()
{
    QTemporaryDir tmp, cache;
    QVERIFY(tmp.isValid() && cache.isValid());
    const QByteArray oldTmp = qgetenv("TMPDIR"), oldCache = qgetenv("XDG_CACHE_HOME"),
                     oldHome = qgetenv("HOME");
    auto restore = qScopeGuard([&] {
        qputenv("TMPDIR", oldTmp);
        qputenv("XDG_CACHE_HOME", oldCache);
        qputenv("HOME", oldHome);
    });

    qputenv("TMPDIR", tmp.path().toUtf8() + "/./");
    qputenv("XDG_CACHE_HOME", cache.path().toUtf8());
    QCOMPARE(listOf(builtinPolicy("limited").get(), QFS_LIST_ALLOWED_DIRECTORIES),
        QStringList({ tmp.path(), cache.path() }));
    QCOMPARE(listOf(builtinPolicy("sandboxed").get(), QFS_LIST_ALLOWED_DIRECTORIES),
        QStringList({ tmp.path() }));
    QCOMPARE(listOf(builtinPolicy("strict").get(), QFS_LIST_ALLOWED_DIRECTORIES), QStringList());
    QCOMPARE(
        listOf(builtinPolicy("unrestricted").get(), QFS_LIST_ALLOWED_DIRECTORIES), QStringList());

    // A relative or missing TMPDIR falls back to /tmp; a relative
    // XDG_CACHE_HOME to $HOME/.cache, which is left out when missing.
    qputenv("TMPDIR", "relative/tmp");
    qputenv("XDG_CACHE_HOME", "relative/cache");
    qputenv("HOME", tmp.path().toUtf8());
    QCOMPARE(listOf(builtinPolicy("limited").get(), QFS_LIST_ALLOWED_DIRECTORIES),
        QStringList({ "/tmp" }));
    QVERIFY(QDir(tmp.path()).mkdir(".cache"));
    QCOMPARE(listOf(builtinPolicy("limited").get(), QFS_LIST_ALLOWED_DIRECTORIES),
        QStringList({ "/tmp", tmp.path() + "/.cache" }));
    qputenv("TMPDIR", tmp.path().toUtf8() + "/missing");
    QCOMPARE(listOf(builtinPolicy("sandboxed").get(), QFS_LIST_ALLOWED_DIRECTORIES),
        QStringList({ "/tmp" }));
}

void TestPolicy::builtinsValidate()
{
    for (const char *const *n = qfs_policy_builtin_names(); *n; ++n) {
        qfs_error err {};
        Policy p = builtinPolicy(*n);
        QVERIFY2(qfs_policy_validate(p.get(), &err) == 0, qPrintable(formatError(err)));
    }
}

void TestPolicy::settersStoreAnything()
{
    Policy p = newPolicy();
    QCOMPARE(qfs_policy_set_level(p.get(), 9), 0);
    QCOMPARE(qfs_policy_get_level(p.get()), 9);
    QCOMPARE(qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, -5), 0);
    QCOMPARE(qfs_policy_get_limit(p.get(), QFS_LIMIT_MEMORY_MB), int64_t(-5));
    QCOMPARE(qfs_policy_set_name(p.get(), ""), 0);
    QCOMPARE(qfs_policy_get_name(p.get()), "");
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "*"), 0);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "*"), 0);
    QCOMPARE(listOf(p.get(), QFS_LIST_ALLOWED_HOSTS), QStringList({ "*", "*" }));
    QCOMPARE(qfs_policy_set_enforcement(p.get(), 7), 0);
    QCOMPARE(int(qfs_policy_get_enforcement(p.get())), 7);
    QCOMPARE(qfs_policy_set_monitor_interval_ms(p.get(), 0), 0);
    QCOMPARE(qfs_policy_get_monitor_interval_ms(p.get()), int64_t(0));
    QCOMPARE(qfs_policy_list_clear(p.get(), QFS_LIST_ALLOWED_HOSTS), 0);
    QCOMPARE(qfs_policy_list_count(p.get(), QFS_LIST_ALLOWED_HOSTS), size_t(0));
}

void TestPolicy::setterArguments()
{
    Policy p = newPolicy();
    QCOMPARE(qfs_policy_set_limit(p.get(), qfs_limit(QFS_LIMIT_COUNT), 1), -EINVAL);
    QCOMPARE(qfs_policy_get_limit(p.get(), qfs_limit(-1)), int64_t(-EINVAL));
    QCOMPARE(qfs_policy_set_permission(p.get(), qfs_permission(QFS_PERM_COUNT), true), -EINVAL);
    QCOMPARE(qfs_policy_get_permission(p.get(), qfs_permission(QFS_PERM_COUNT)), false);
    QCOMPARE(qfs_policy_list_add(p.get(), qfs_list(QFS_LIST_COUNT), "x"), -EINVAL);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, nullptr), -EINVAL);
    QCOMPARE(qfs_policy_list_get(p.get(), QFS_LIST_BLOCKED_APIS, 0), nullptr);
    QCOMPARE(qfs_policy_set_name(p.get(), nullptr), -EINVAL);
    QCOMPARE(qfs_policy_set_name(nullptr, "x"), -EINVAL);
    QCOMPARE(qfs_policy_set_level(nullptr, 1), -EINVAL);
    QCOMPARE(qfs_policy_get_name(nullptr), nullptr);
    QCOMPARE(qfs_policy_list_count(nullptr, QFS_LIST_BLOCKED_APIS), size_t(0));
    QCOMPARE(qfs_policy_free(nullptr), nullptr);
    QCOMPARE(qfs_policy_free(newPolicy().release()), nullptr);
    QCOMPARE(qfs_policy_validate(nullptr, nullptr), -EINVAL);
    QVERIFY(!qfs_policy_equal(p.get(), nullptr));
}

void TestPolicy::copyAndEqual()
{
    Policy a = builtinPolicy("strict");
    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_copy(a.get(), &raw), 0);
    Policy b(raw);
    QVERIFY(qfs_policy_equal(a.get(), b.get()));
    QCOMPARE(listOf(b.get(), QFS_LIST_BLOCKED_APIS), listOf(a.get(), QFS_LIST_BLOCKED_APIS));

    // Deep: changing the copy leaves the original alone.
    QCOMPARE(qfs_policy_list_add(b.get(), QFS_LIST_BLOCKED_APIS, "@mount"), 0);
    QCOMPARE(qfs_policy_list_count(a.get(), QFS_LIST_BLOCKED_APIS), size_t(9));
    QVERIFY(!qfs_policy_equal(a.get(), b.get()));

    // Every field takes part in equality; list order matters.
    Policy c = newPolicy(), d = newPolicy();
    const std::function<void(qfs_policy *)> changes[] = {
        [](qfs_policy *p) { qfs_policy_set_level(p, 1); },
        [](qfs_policy *p) { qfs_policy_set_name(p, "x"); },
        [](qfs_policy *p) { qfs_policy_set_description(p, "x"); },
        [](qfs_policy *p) { qfs_policy_set_limit(p, QFS_LIMIT_MAX_PROCESSES, 3); },
        [](qfs_policy *p) { qfs_policy_set_permission(p, QFS_PERM_ENVIRONMENT_ACCESS, true); },
        [](qfs_policy *p) { qfs_policy_list_add(p, QFS_LIST_ALLOWED_HOSTS, "a.example.com"); },
        [](qfs_policy *p) { qfs_policy_set_enforcement(p, QFS_ENFORCE_BEST_EFFORT); },
        [](qfs_policy *p) { qfs_policy_set_monitor_interval_ms(p, 500); },
    };
    for (const auto &change : changes) {
        Policy e = newPolicy();
        change(e.get());
        QVERIFY(!qfs_policy_equal(c.get(), e.get()));
    }
    qfs_policy_list_add(c.get(), QFS_LIST_BLOCKED_APIS, "exec");
    qfs_policy_list_add(c.get(), QFS_LIST_BLOCKED_APIS, "fork");
    qfs_policy_list_add(d.get(), QFS_LIST_BLOCKED_APIS, "fork");
    qfs_policy_list_add(d.get(), QFS_LIST_BLOCKED_APIS, "exec");
    QVERIFY(!qfs_policy_equal(c.get(), d.get()));
    QVERIFY(!qfs_policy_equal(nullptr, nullptr));
    QCOMPARE(qfs_policy_copy(nullptr, &raw), -EINVAL);
}

using Change = std::function<void(qfs_policy *)>;
Q_DECLARE_METATYPE(Change)

static Change setLimit(qfs_limit l, int64_t v)
{
    return [=](qfs_policy *p) { qfs_policy_set_limit(p, l, v); };
}
static Change addTo(qfs_list l, const char *v)
{
    return [=](qfs_policy *p) { qfs_policy_list_add(p, l, v); };
}

// One row per rule: the change, the field named and the exact sentence.
void TestPolicy::validate_data()
{
    QTest::addColumn<Change>("change");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");

    QTest::newRow("level -1") << Change([](qfs_policy *p) { qfs_policy_set_level(p, -1); })
                              << "level"
                              << "level must be 0 (unrestricted), 1 (limited), 2 (sandboxed) "
                                 "or 3 (strict), not -1";
    QTest::newRow("level 4") << Change([](qfs_policy *p) { qfs_policy_set_level(p, 4); }) << "level"
                             << "level must be 0 (unrestricted), 1 (limited), 2 (sandboxed) or "
                                "3 (strict), not 4";
    QTest::newRow("empty name") << Change([](qfs_policy *p) { qfs_policy_set_name(p, ""); })
                                << "policy_name"
                                << "policy_name must not be empty";
    QTest::newRow("long name") << Change([](qfs_policy *p) {
        qfs_policy_set_name(p, QByteArray(256, 'a').constData());
    }) << "policy_name"
                               << "policy_name must be at most 255 bytes long, not 256";
    QTest::newRow("name not utf-8")
        << Change([](qfs_policy *p) { qfs_policy_set_name(p, "bad\xff"); }) << "policy_name"
        << "policy_name must be valid UTF-8";
    QTest::newRow("name control") << Change([](qfs_policy *p) { qfs_policy_set_name(p, "a\nb"); })
                                  << "policy_name"
                                  << "policy_name must not contain control characters";
    QTest::newRow("description not utf-8")
        << Change([](qfs_policy *p) { qfs_policy_set_description(p, "\xc3"); }) << "description"
        << "description must be valid UTF-8";
    QTest::newRow("cpu 0") << setLimit(QFS_LIMIT_CPU_TIME_MS, 0) << "limits.cpu_time_limit"
                           << "limits.cpu_time_limit must be between 1 and 31536000000 ms, not 0";
    QTest::newRow("cpu negative")
        << setLimit(QFS_LIMIT_CPU_TIME_MS, -1) << "limits.cpu_time_limit"
        << "limits.cpu_time_limit must be between 1 and 31536000000 ms, not -1";
    QTest::newRow("cpu over a year")
        << setLimit(QFS_LIMIT_CPU_TIME_MS, 31536000001) << "limits.cpu_time_limit"
        << "limits.cpu_time_limit must be between 1 and 31536000000 ms, not 31536000001";
    QTest::newRow("memory 0") << setLimit(QFS_LIMIT_MEMORY_MB, 0) << "limits.memory_limit_mb"
                              << "limits.memory_limit_mb must be between 1 and 16777216 MiB, not 0";
    QTest::newRow("memory huge")
        << setLimit(QFS_LIMIT_MEMORY_MB, 16777217) << "limits.memory_limit_mb"
        << "limits.memory_limit_mb must be between 1 and 16777216 MiB, not 16777217";
    QTest::newRow("disk 0") << setLimit(QFS_LIMIT_DISK_SPACE_MB, 0) << "limits.disk_space_limit_mb"
                            << "limits.disk_space_limit_mb must be between 1 and 16777216 MiB, "
                               "not 0";
    QTest::newRow("handles 0") << setLimit(QFS_LIMIT_FILE_HANDLES, 0) << "limits.max_file_handles"
                               << "limits.max_file_handles must be between 1 and 1048576, not 0";
    QTest::newRow("handles huge")
        << setLimit(QFS_LIMIT_FILE_HANDLES, 1048577) << "limits.max_file_handles"
        << "limits.max_file_handles must be between 1 and 1048576, not 1048577";
    QTest::newRow("connections -1")
        << setLimit(QFS_LIMIT_NETWORK_CONNECTIONS, -1) << "limits.max_network_connections"
        << "limits.max_network_connections must be between 0 and 65535, not -1";
    QTest::newRow("connections 65536")
        << setLimit(QFS_LIMIT_NETWORK_CONNECTIONS, 65536) << "limits.max_network_connections"
        << "limits.max_network_connections must be between 0 and 65535, not 65536";
    QTest::newRow("timeout 0") << setLimit(QFS_LIMIT_EXECUTION_TIMEOUT_MS, 0)
                               << "limits.execution_timeout"
                               << "limits.execution_timeout must be between 1 and 31536000000 "
                                  "ms, not 0";
    QTest::newRow("processes 0") << setLimit(QFS_LIMIT_MAX_PROCESSES, 0) << "limits.max_processes"
                                 << "limits.max_processes must be between 1 and 4194304, not 0";
    QTest::newRow("relative dir")
        << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "tmp") << "permissions.allowed_directories[0]"
        << "permissions.allowed_directories[0] \"tmp\" must be an absolute path";
    QTest::newRow("missing dir") << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "/nonexistent/x")
                                 << "permissions.allowed_directories[0]"
                                 << "permissions.allowed_directories[0] \"/nonexistent/x\" "
                                    "cannot be used: No such file or directory";
    QTest::newRow("file as dir") << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "/etc/passwd")
                                 << "permissions.allowed_directories[0]"
                                 << "permissions.allowed_directories[0] \"/etc/passwd\" is not "
                                    "a directory";
    QTest::newRow("dir through ..")
        << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "/etc/passwd/..") // lexically /etc
        << ""
        << "";
    QTest::newRow("star host")
        << addTo(QFS_LIST_ALLOWED_HOSTS, "*") << "permissions.allowed_hosts[0]"
        << "permissions.allowed_hosts[0] \"*\" would admit every host (an empty allowed_hosts "
           "list already does)";
    QTest::newRow("star tld") << addTo(QFS_LIST_ALLOWED_HOSTS, "*.com")
                              << "permissions.allowed_hosts[0]"
                              << "permissions.allowed_hosts[0] \"*.com\" needs at least two "
                                 "labels after \"*.\" (\"*.example.com\"), or it would admit a "
                                 "whole top-level domain";
    QTest::newRow("scheme") << addTo(QFS_LIST_ALLOWED_HOSTS, "https://a.example.com")
                            << "permissions.allowed_hosts[0]"
                            << "permissions.allowed_hosts[0] \"https://a.example.com\" must not "
                               "contain a scheme (write the host name alone)";
    QTest::newRow("unknown api") << addTo(QFS_LIST_BLOCKED_APIS, "frobnicate")
                                 << "permissions.blocked_apis[0]"
                                 << "permissions.blocked_apis[0] \"frobnicate\" is neither an "
                                    "entry of the blocked-API table (see `qfsandbox policy "
                                    "apis`) nor a syscall of this architecture";
    QTest::newRow("other arch syscall")
        << addTo(QFS_LIST_BLOCKED_APIS, "vm86") << "permissions.blocked_apis[0]"
        << "permissions.blocked_apis[0] \"vm86\" is neither an "
           "entry of the blocked-API table (see `qfsandbox "
           "policy apis`) nor a syscall of this architecture";
    QTest::newRow("essential api")
        << addTo(QFS_LIST_BLOCKED_APIS, "exit_group") << "permissions.blocked_apis[0]"
        << "permissions.blocked_apis[0] \"exit_group\" cannot be "
           "blocked: a program that cannot exit could only be killed";
    QTest::newRow("enforcement 2")
        << Change([](qfs_policy *p) { qfs_policy_set_enforcement(p, 2); }) << "enforcement"
        << "enforcement must be 0 (\"require\") or 1 (\"best_effort\"), not 2";
    QTest::newRow("interval 9") << Change([](qfs_policy *p) {
        qfs_policy_set_monitor_interval_ms(p, 9);
    }) << "monitor_interval_ms"
                                << "monitor_interval_ms must be between 10 and 3600000 ms, not 9";
    QTest::newRow("interval 3600001")
        << Change([](qfs_policy *p) { qfs_policy_set_monitor_interval_ms(p, 3600001); })
        << "monitor_interval_ms"
        << "monitor_interval_ms must be between 10 and 3600000 ms, not 3600001";
}

void TestPolicy::validate()
{
    QFETCH(Change, change);
    QFETCH(QString, field);
    QFETCH(QString, message);

    Policy p = newPolicy();
    change(p.get());
    qfs_error err {};
    memset(&err, 0x55, sizeof(err));
    const int r = qfs_policy_validate(p.get(), &err);
    if (field.isEmpty()) {
        QCOMPARE(r, 0);
        return;
    }
    QCOMPARE(r, -EINVAL);
    QCOMPARE(QString::fromUtf8(err.field), field);
    QCOMPARE(QString::fromUtf8(err.message), message);
    // Not loaded from a file: no position.
    QCOMPARE(err.source, "");
    QCOMPARE(err.line, 0u);
    QCOMPARE(err.column, 0u);
    QCOMPARE(qfs_policy_validate(p.get(), nullptr), -EINVAL);
}

// The edges of every range are accepted.
void TestPolicy::validateAccepts_data()
{
    QTest::addColumn<Change>("change");
    QTest::newRow("cpu 1") << setLimit(QFS_LIMIT_CPU_TIME_MS, 1);
    QTest::newRow("cpu a year") << setLimit(QFS_LIMIT_CPU_TIME_MS, 31536000000);
    QTest::newRow("memory 1") << setLimit(QFS_LIMIT_MEMORY_MB, 1);
    QTest::newRow("memory 16 TiB") << setLimit(QFS_LIMIT_MEMORY_MB, 16777216);
    QTest::newRow("disk 1") << setLimit(QFS_LIMIT_DISK_SPACE_MB, 1);
    QTest::newRow("handles 1048576") << setLimit(QFS_LIMIT_FILE_HANDLES, 1048576);
    QTest::newRow("connections 0") << setLimit(QFS_LIMIT_NETWORK_CONNECTIONS, 0);
    QTest::newRow("connections 65535") << setLimit(QFS_LIMIT_NETWORK_CONNECTIONS, 65535);
    QTest::newRow("processes 4194304") << setLimit(QFS_LIMIT_MAX_PROCESSES, 4194304);
    QTest::newRow("interval 10") << Change(
        [](qfs_policy *p) { qfs_policy_set_monitor_interval_ms(p, 10); });
    QTest::newRow("interval 1h") << Change(
        [](qfs_policy *p) { qfs_policy_set_monitor_interval_ms(p, 3600000); });
    QTest::newRow("root dir") << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "/");
    QTest::newRow("unnormalised dir") << addTo(QFS_LIST_ALLOWED_DIRECTORIES, "//usr/./lib/");
    QTest::newRow("host port") << addTo(QFS_LIST_ALLOWED_HOSTS, "api.example.com:443");
    QTest::newRow("wildcard") << addTo(QFS_LIST_ALLOWED_HOSTS, "*.cdn.example.com");
    QTest::newRow("ipv6 port") << addTo(QFS_LIST_ALLOWED_HOSTS, "[::1]:8080");
    QTest::newRow("syscall") << addTo(QFS_LIST_BLOCKED_APIS, "ptrace");
    QTest::newRow("group") << addTo(QFS_LIST_BLOCKED_APIS, "@io-uring");
    QTest::newRow("level 0") << Change([](qfs_policy *p) { qfs_policy_set_level(p, 0); });
    QTest::newRow("level 3") << Change([](qfs_policy *p) { qfs_policy_set_level(p, 3); });
    QTest::newRow("best effort") << Change(
        [](qfs_policy *p) { qfs_policy_set_enforcement(p, QFS_ENFORCE_BEST_EFFORT); });
}

void TestPolicy::validateAccepts()
{
    QFETCH(Change, change);
    Policy p = newPolicy();
    change(p.get());
    qfs_error err {};
    QVERIFY2(qfs_policy_validate(p.get(), &err) == 0, qPrintable(formatError(err)));
}

// Positions survive copies and vanish for a field a setter changed.
void TestPolicy::sourceMap()
{
    const QByteArray json = "{\n"
                            "  \"limits\": {\"memory_limit_mb\": 0},\n"
                            "  \"permissions\": {\"allowed_hosts\": [\"a.example.com\", \"*\"]}\n"
                            "}\n";
    qfs_error err {};
    Policy p = loadString(json, &err, "src.json");
    QVERIFY2(p, qPrintable(formatError(err)));
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(formatError(err),
        "src.json:2:33: limits.memory_limit_mb must be between 1 and 16777216 MiB, not 0");

    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_copy(p.get(), &raw), 0);
    Policy copy(raw);
    QCOMPARE(qfs_policy_validate(copy.get(), &err), -EINVAL);
    QCOMPARE(formatError(err),
        "src.json:2:33: limits.memory_limit_mb must be between 1 and 16777216 MiB, not 0");

    // The setter drops the position of what it changed; the copy keeps its own.
    QCOMPARE(qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, -1), 0);
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(formatError(err), "limits.memory_limit_mb must be between 1 and 16777216 MiB, not -1");
    QCOMPARE(qfs_policy_validate(copy.get(), &err), -EINVAL);
    QCOMPARE(err.line, 2u);

    // Appending keeps the positions of the entries already there.
    QCOMPARE(qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, 64), 0);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "b.example.com"), 0);
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(formatError(err),
        "src.json:3:54: permissions.allowed_hosts[1] \"*\" would admit every host (an "
        "empty allowed_hosts list already does)");

    // Clearing a list drops its positions: the new entry 1 has none.
    QCOMPARE(qfs_policy_list_clear(p.get(), QFS_LIST_ALLOWED_HOSTS), 0);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "ok.example.com"), 0);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "*"), 0);
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(QString::fromUtf8(err.field), "permissions.allowed_hosts[1]");
    QCOMPARE(err.line, 0u);
    QCOMPARE(err.source, "");
}

void TestPolicy::errorFormat_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<uint>("line");
    QTest::addColumn<uint>("column");
    QTest::addColumn<QString>("expected");
    QTest::newRow("full") << "p.json" << 3u << 27u << "p.json:3:27: msg";
    QTest::newRow("line only") << "p.json" << 3u << 0u << "p.json:3: msg";
    QTest::newRow("source only") << "p.json" << 0u << 0u << "p.json: msg";
    QTest::newRow("message only") << "" << 0u << 0u << "msg";
    QTest::newRow("position without source") << "" << 3u << 27u << "msg";
}

void TestPolicy::errorFormat()
{
    QFETCH(QString, source);
    QFETCH(uint, line);
    QFETCH(uint, column);
    QFETCH(QString, expected);

    qfs_error err {};
    qstrncpy(err.source, source.toUtf8().constData(), sizeof(err.source));
    err.line = line;
    err.column = column;
    qstrncpy(err.message, "msg", sizeof(err.message));
    char buf[64];
    QCOMPARE(qfs_error_format(&err, buf, sizeof(buf)), int(expected.size()));
    QCOMPARE(QString::fromUtf8(buf), expected);

    // Truncation works like snprintf: the full length comes back.
    char small[4];
    QCOMPARE(qfs_error_format(&err, small, sizeof(small)), int(expected.size()));
    QCOMPARE(QByteArray(small), expected.toUtf8().left(3));
    QCOMPARE(qfs_error_format(nullptr, buf, sizeof(buf)), -EINVAL);
    QCOMPARE(qfs_error_format(&err, nullptr, 0), int(expected.size()));
}

void TestPolicy::enumNames()
{
    QCOMPARE(qfs_level_name(0), "unrestricted");
    QCOMPARE(qfs_level_name(3), "strict");
    QCOMPARE(qfs_level_name(4), nullptr);
    QCOMPARE(qfs_level_name(-1), nullptr);
    QCOMPARE(qfs_violation_type_name(QFS_VIOLATION_BLOCKED_API_CALL), "BlockedAPICall");
    QCOMPARE(qfs_violation_type_name(9), nullptr);
    QCOMPARE(qfs_resource_name(QFS_RESOURCE_NETWORK_CONNECTIONS), "network_connections");
    QCOMPARE(qfs_plugin_type_name(QFS_PLUGIN_LUA), "lua");
    QCOMPARE(qfs_version(), QFS_PROJECT_VERSION);
}

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_policy.moc"
