// JSON load/save: round trips of every field, the malformed files under
// tests/data/bad (each with its exact field, position and sentence), size
// and file-type limits, and atomic saving.
#include "qfs_test.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <sys/stat.h>
#include <unistd.h>

class TestPolicyJson : public QObject
{
    Q_OBJECT

private slots:
    void roundTripEveryField_data();
    void roundTripEveryField();
    void saveOrder();
    void missingKeysKeepDefaults();
    void seedExample();
    void malformed_data();
    void malformed();
    void malformedCount();
    void positions();
    void tooLarge();
    void notRegular();
    void saveFileAtomic();
    void saveFileErrors();
    void saveStringErrors();

private:
    static Policy everyFieldChanged(const QString &dir);
};

// A policy in which no field has its default value.
Policy TestPolicyJson::everyFieldChanged(const QString &dir)
{
    Policy p = newPolicy();
    qfs_policy_set_level(p.get(), QFS_LEVEL_LIMITED);
    qfs_policy_set_name(p.get(), "every_field");
    qfs_policy_set_description(p.get(), "Ünïcode, \"quotes\" and \\ backslashes\ttab");
    const int64_t limits[] = { 123456, 777, 321, 99, 0, 654321, 17 };
    for (int i = 0; i < QFS_LIMIT_COUNT; ++i)
        qfs_policy_set_limit(p.get(), qfs_limit(i), limits[i]);
    for (int i = 0; i < QFS_PERM_COUNT; ++i)
        qfs_policy_set_permission(p.get(), qfs_permission(i), true);
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, dir.toUtf8().constData());
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/usr/share");
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "api.example.com:443");
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "*.cdn.example.com");
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, "[2001:db8::1]:8443");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "@mount");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "dlopen");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "ptrace");
    qfs_policy_set_enforcement(p.get(), QFS_ENFORCE_BEST_EFFORT);
    qfs_policy_set_monitor_interval_ms(p.get(), 250);
    return p;
}

void TestPolicyJson::roundTripEveryField_data()
{
    QTest::addColumn<unsigned>("flags");
    QTest::newRow("pretty") << 0u;
    QTest::newRow("compact") << unsigned(QFS_JSON_COMPACT);
}

void TestPolicyJson::roundTripEveryField()
{
    QFETCH(unsigned, flags);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Policy p = everyFieldChanged(dir.path());
    Policy defaults = newPolicy();
    QVERIFY(!qfs_policy_equal(p.get(), defaults.get()));
    qfs_error err {};
    QVERIFY2(qfs_policy_validate(p.get(), &err) == 0, qPrintable(formatError(err)));

    char *text = nullptr;
    QCOMPARE(qfs_policy_save_string(p.get(), flags, &text), 0);
    const QByteArray json(text);
    free(text);
    QCOMPARE(json.contains('\n'), flags == 0);

    Policy back = loadString(json, &err);
    QVERIFY2(back, qPrintable(formatError(err)));
    QVERIFY(qfs_policy_equal(p.get(), back.get()));
    QVERIFY2(qfs_policy_validate(back.get(), &err) == 0, qPrintable(formatError(err)));

    // save(load(save(p))) is the same text.
    QCOMPARE(qfs_policy_save_string(back.get(), flags, &text), 0);
    QCOMPARE(QByteArray(text), json);
    free(text);

    // Through a file as well.
    const QByteArray file = QDir(dir.path()).filePath("p.json").toUtf8();
    QCOMPARE(qfs_policy_save_file(p.get(), file.constData(), &err), 0);
    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_load_file(file.constData(), &raw, &err), 0);
    Policy fromFile(raw);
    QVERIFY(qfs_policy_equal(p.get(), fromFile.get()));
}

void TestPolicyJson::saveOrder()
{
    char *text = nullptr;
    Policy p = builtinPolicy("strict");
    QCOMPARE(qfs_policy_save_string(p.get(), QFS_JSON_COMPACT, &text), 0);
    const QByteArray json(text);
    free(text);
    QCOMPARE(json,
        QByteArray(
            "{\"level\":3,\"policy_name\":\"strict\",\"description\":\"Maximum security with "
            "minimal permissions\",\"limits\":{\"cpu_time_limit\":120000,\"memory_limit_mb\":"
            "128,\"disk_space_limit_mb\":50,\"max_file_handles\":25,\"max_network_"
            "connections\":5,\"execution_timeout\":60000,\"max_processes\":64},"
            "\"permissions\":{\"allow_file_system_read\":false,\"allow_file_system_write\":"
            "false,\"allow_network_access\":false,\"allow_process_creation\":false,\"allow_"
            "system_calls\":false,\"allow_registry_access\":false,\"allow_environment_"
            "access\":false,\"allowed_directories\":[],\"allowed_hosts\":[],\"blocked_apis\":"
            "[\"system\",\"exec\",\"fork\",\"CreateProcess\",\"ShellExecute\",\"LoadLibrary\","
            "\"dlopen\",\"mmap\",\"VirtualAlloc\"]},\"enforcement\":\"require\",\"monitor_"
            "interval_ms\":1000}"));
}

void TestPolicyJson::missingKeysKeepDefaults()
{
    qfs_error err {};
    Policy empty = loadString("{}", &err);
    QVERIFY2(empty, qPrintable(formatError(err)));
    QVERIFY(qfs_policy_equal(empty.get(), newPolicy().get()));

    Policy partial = loadString("{\"limits\": {\"memory_limit_mb\": 64}, \"permissions\": {}}");
    QVERIFY(partial);
    QCOMPARE(qfs_policy_get_limit(partial.get(), QFS_LIMIT_MEMORY_MB), int64_t(64));
    QCOMPARE(qfs_policy_get_limit(partial.get(), QFS_LIMIT_CPU_TIME_MS), int64_t(30000));
    QCOMPARE(qfs_policy_get_name(partial.get()), "default");
}

// The seed document's example, as shipped in examples/policies.
void TestPolicyJson::seedExample()
{
    qfs_policy *raw = nullptr;
    qfs_error err {};
    QCOMPARE(
        qfs_policy_load_file(QFS_SOURCE_DIR "/examples/policies/web_plugin.json", &raw, &err), 0);
    Policy p(raw);
    QVERIFY2(qfs_policy_validate(p.get(), &err) == 0, qPrintable(formatError(err)));
    QCOMPARE(qfs_policy_get_level(p.get()), 2);
    QCOMPARE(qfs_policy_get_name(p.get()), "web_plugin");
    QCOMPARE(qfs_policy_get_description(p.get()), "Policy for web-based plugins");
    QCOMPARE(qfs_policy_get_limit(p.get(), QFS_LIMIT_CPU_TIME_MS), int64_t(300000));
    QCOMPARE(qfs_policy_get_limit(p.get(), QFS_LIMIT_MEMORY_MB), int64_t(256));
    QCOMPARE(qfs_policy_get_limit(p.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS), int64_t(120000));
    QCOMPARE(qfs_policy_get_limit(p.get(), QFS_LIMIT_DISK_SPACE_MB), int64_t(100));
    QCOMPARE(qfs_policy_get_permission(p.get(), QFS_PERM_NETWORK_ACCESS), true);
    QCOMPARE(qfs_policy_get_permission(p.get(), QFS_PERM_FILE_SYSTEM_READ), false);
    QCOMPARE(
        listOf(p.get(), QFS_LIST_ALLOWED_HOSTS), QStringList({ "api.example.com", "*.cdn.com" }));
    QCOMPARE(listOf(p.get(), QFS_LIST_BLOCKED_APIS), QStringList({ "system", "exec" }));
}

struct BadFile
{
    const char *file;
    bool loads; // the shape is fine; validation rejects it
    const char *field;
    uint line, column;
    const char *message;
};

static const BadFile badFiles[] = {
    { "unknown_key.json", false, "limts", 3, 5,
        "unknown key \"limts\" (expected one of level, policy_name, description, limits, "
        "permissions, enforcement, monitor_interval_ms)" },
    { "unknown_nested_key.json", false, "permissions.allow_netwrk_access", 5, 9,
        "unknown key \"permissions.allow_netwrk_access\" (expected one of "
        "allow_file_system_read, allow_file_system_write, allow_network_access, "
        "allow_process_creation, allow_system_calls, allow_registry_access, "
        "allow_environment_access, allowed_directories, allowed_hosts, blocked_apis)" },
    { "duplicate_key.json", false, "limits.memory_limit_mb", 5, 9,
        "duplicate key \"limits.memory_limit_mb\"" },
    { "string_for_integer.json", false, "limits.memory_limit_mb", 4, 28,
        "limits.memory_limit_mb must be a non-negative integer, not a string" },
    { "string_for_boolean.json", false, "permissions.allow_network_access", 3, 33,
        "permissions.allow_network_access must be true or false, not a string" },
    { "integer_for_string.json", false, "policy_name", 3, 20,
        "policy_name must be a string, not an integer" },
    { "string_for_array.json", false, "permissions.allowed_hosts", 4, 26,
        "permissions.allowed_hosts must be an array of strings, not a string" },
    { "integer_in_array.json", false, "permissions.blocked_apis[1]", 3, 34,
        "permissions.blocked_apis[1] must be a string, not an integer" },
    { "array_for_object.json", false, "limits", 3, 15, "limits must be an object, not an array" },
    { "real_for_integer.json", false, "limits.memory_limit_mb", 4, 28,
        "limits.memory_limit_mb must be a non-negative integer, not a real number" },
    { "negative_size.json", false, "limits.disk_space_limit_mb", 3, 32,
        "limits.disk_space_limit_mb must be a non-negative integer, not -1" },
    { "bad_enforcement.json", false, "enforcement", 3, 20,
        "enforcement must be \"require\" or \"best_effort\", not \"strict\"" },
    { "syntax_error.json", false, "", 3, 5, "invalid JSON: '}' expected near '\"policy_name\"'" },
    { "trailing_garbage.json", false, "", 4, 1, "invalid JSON: end of file expected near '}'" },
    { "empty.json", false, "", 1, 1, "invalid JSON: unexpected token near end of file" },
    { "top_level_array.json", false, "", 1, 1,
        "the top level must be a JSON object, not an array" },
    { "level_4.json", true, "level", 3, 14,
        "level must be 0 (unrestricted), 1 (limited), 2 (sandboxed) or 3 (strict), not 4" },
    { "empty_name.json", true, "policy_name", 3, 20, "policy_name must not be empty" },
    { "zero_memory.json", true, "limits.memory_limit_mb", 3, 28,
        "limits.memory_limit_mb must be between 1 and 16777216 MiB, not 0" },
    { "zero_cpu.json", true, "limits.cpu_time_limit", 2, 34,
        "limits.cpu_time_limit must be between 1 and 31536000000 ms, not 0" },
    { "negative_timeout.json", true, "limits.execution_timeout", 4, 30,
        "limits.execution_timeout must be between 1 and 31536000000 ms, not -1000" },
    { "zero_processes.json", true, "limits.max_processes", 3, 26,
        "limits.max_processes must be between 1 and 4194304, not 0" },
    { "monitor_interval.json", true, "monitor_interval_ms", 2, 28,
        "monitor_interval_ms must be between 10 and 3600000 ms, not 1" },
    { "unknown_api.json", true, "permissions.blocked_apis[1]", 6, 13,
        "permissions.blocked_apis[1] \"frobnicate\" is neither an entry of the blocked-API "
        "table (see `qfsandbox policy apis`) nor a syscall of this architecture" },
    { "essential_api.json", true, "permissions.blocked_apis[1]", 3, 36,
        "permissions.blocked_apis[1] \"read\" cannot be blocked: every program reads its input "
        "and its libraries" },
    { "relative_dir.json", true, "permissions.allowed_directories[0]", 4, 33,
        "permissions.allowed_directories[0] \"tmp/plugin\" must be an absolute path" },
    { "nonexistent_dir.json", true, "permissions.allowed_directories[1]", 3, 38,
        "permissions.allowed_directories[1] \"/nonexistent/qfsandbox-test\" cannot be used: No "
        "such file or directory" },
    { "not_a_directory.json", true, "permissions.allowed_directories[0]", 3, 33,
        "permissions.allowed_directories[0] \"/etc/passwd\" is not a directory" },
    { "star_host.json", true, "permissions.allowed_hosts[0]", 4, 27,
        "permissions.allowed_hosts[0] \"*\" would admit every host (an empty allowed_hosts list "
        "already does)" },
    { "star_com_host.json", true, "permissions.allowed_hosts[1]", 4, 46,
        "permissions.allowed_hosts[1] \"*.com\" needs at least two labels after \"*.\" "
        "(\"*.example.com\"), or it would admit a whole top-level domain" },
    { "http_host.json", true, "permissions.allowed_hosts[0]", 4, 13,
        "permissions.allowed_hosts[0] \"http://api.example.com\" must not contain a scheme "
        "(write the host name alone)" },
    { "host_with_path.json", true, "permissions.allowed_hosts[0]", 3, 27,
        "permissions.allowed_hosts[0] \"api.example.com/v1\" must not contain a path" },
    { "host_bad_port.json", true, "permissions.allowed_hosts[0]", 3, 27,
        "permissions.allowed_hosts[0] \"api.example.com:70000\" has a port outside 1..65535" },
};

void TestPolicyJson::malformed_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("loads");
    QTest::addColumn<QString>("field");
    QTest::addColumn<uint>("line");
    QTest::addColumn<uint>("column");
    QTest::addColumn<QString>("message");
    for (const BadFile &b : badFiles)
        QTest::newRow(b.file) << QString::fromUtf8(b.file) << b.loads << QString::fromUtf8(b.field)
                              << b.line << b.column << QString::fromUtf8(b.message);
}

void TestPolicyJson::malformed()
{
    QFETCH(QString, file);
    QFETCH(bool, loads);
    QFETCH(QString, field);
    QFETCH(uint, line);
    QFETCH(uint, column);
    QFETCH(QString, message);

    const QByteArray path = QByteArray(QFS_TEST_DATA_DIR "/bad/") + file.toUtf8();
    qfs_policy *raw = nullptr;
    qfs_error err {};
    memset(&err, 0x55, sizeof(err));
    int r = qfs_policy_load_file(path.constData(), &raw, &err);
    Policy p(raw);
    if (loads) {
        if (r != 0)
            QFAIL(qPrintable(formatError(err)));
        r = qfs_policy_validate(p.get(), &err);
    } else {
        QCOMPARE(raw, nullptr);
    }
    QCOMPARE(r, -EINVAL);
    QCOMPARE(QString::fromUtf8(err.source), QString::fromUtf8(path));
    QCOMPARE(QString::fromUtf8(err.field), field);
    QCOMPARE(err.line, line);
    QCOMPARE(err.column, column);
    QCOMPARE(QString::fromUtf8(err.message), message);
    QCOMPARE(formatError(err),
        QStringLiteral("%1:%2:%3: %4")
            .arg(QString::fromUtf8(path))
            .arg(line)
            .arg(column)
            .arg(message));
}

// Every file under tests/data/bad has a row above, and there are enough.
void TestPolicyJson::malformedCount()
{
    QStringList expected;
    for (const BadFile &b : badFiles)
        expected << QString::fromUtf8(b.file);
    expected.sort();
    QCOMPARE(
        QDir(QFS_TEST_DATA_DIR "/bad").entryList({ "*.json" }, QDir::Files, QDir::Name), expected);
    QVERIFY(expected.size() >= 15);
}

// Columns are bytes; escapes in keys are decoded before matching; elements
// of nested arrays have positions of their own.
void TestPolicyJson::positions()
{
    qfs_error err {};
    // "é" is two bytes: the column of the bad value counts bytes.
    Policy p = loadString("{\"description\": \"é\", \"lev\\u0065l\": 9}", &err);
    QVERIFY2(p, qPrintable(formatError(err)));
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(QString::fromUtf8(err.field), "level");
    QCOMPARE(err.line, 1u);
    QCOMPARE(err.column, 37u);

    QVERIFY(!loadString("{\"description\": \"é\" x}", &err));
    QCOMPARE(err.column, 22u);

    // Duplicate keys spelled differently are still duplicates.
    QVERIFY(!loadString("{\"level\": 1,\n \"lev\\u0065l\": 2}", &err));
    QCOMPARE(formatError(err), "test.json:2:2: duplicate key \"level\"");

    // The source name defaults to <string>.
    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_load_string("[]", 2, nullptr, &raw, &err), -EINVAL);
    QCOMPARE(formatError(err), "<string>:1:1: the top level must be a JSON object, not an array");
    QCOMPARE(qfs_policy_load_string(nullptr, 0, nullptr, &raw, &err), -EINVAL);

    // Integers beyond the range of level are a shape error, not a wrap.
    QVERIFY(!loadString("{\"level\": 4294967298}", &err));
    QCOMPARE(formatError(err), "test.json:1:11: level must be 0, 1, 2 or 3, not 4294967298");
}

void TestPolicyJson::tooLarge()
{
    QTemporaryDir dir;
    QByteArray big = "{\"description\": \"" + QByteArray(1024 * 1024, 'x') + "\"}";
    qfs_error err {};
    QVERIFY(!loadString(big, &err));
    QCOMPARE(formatError(err), "test.json: policy is larger than 1048576 bytes");

    const QString path = dir.filePath("big.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(big);
    f.close();
    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_load_file(path.toUtf8().constData(), &raw, &err), -EINVAL);
    QCOMPARE(formatError(err), path + ": the policy file is larger than 1048576 bytes");
}

void TestPolicyJson::notRegular()
{
    QTemporaryDir dir;
    qfs_policy *raw = nullptr;
    qfs_error err {};
    QCOMPARE(qfs_policy_load_file(dir.path().toUtf8().constData(), &raw, &err), -EINVAL);
    QCOMPARE(formatError(err), dir.path() + ": the policy file is not a regular file");

    // A FIFO without a writer must not block the loader.
    const QByteArray fifo = dir.filePath("fifo").toUtf8();
    QCOMPARE(mkfifo(fifo.constData(), 0600), 0);
    QCOMPARE(qfs_policy_load_file(fifo.constData(), &raw, &err), -EINVAL);
    QCOMPARE(formatError(err), QString::fromUtf8(fifo) + ": the policy file is not a regular file");

    const QByteArray missing = dir.filePath("missing.json").toUtf8();
    QCOMPARE(qfs_policy_load_file(missing.constData(), &raw, &err), -ENOENT);
    QCOMPARE(err.errnum, ENOENT);
    QCOMPARE(formatError(err),
        QString::fromUtf8(missing) + ": cannot open the policy file: No such file or directory");
    QCOMPARE(raw, nullptr);
}

void TestPolicyJson::saveFileAtomic()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("policy.json");
    Policy p = builtinPolicy("strict");
    qfs_error err {};
    QCOMPARE(qfs_policy_save_file(p.get(), path.toUtf8().constData(), &err), 0);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray saved = f.readAll();
    f.close();
    QVERIFY(saved.endsWith("}\n"));

    // The mode of the file being replaced is kept.
    QCOMPARE(chmod(path.toUtf8().constData(), 0600), 0);
    QCOMPARE(qfs_policy_save_file(p.get(), path.toUtf8().constData(), &err), 0);
    struct stat st;
    QCOMPARE(stat(path.toUtf8().constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600));

    // A policy that cannot be written leaves the old file intact and no
    // temporary file behind.
    Policy bad = newPolicy();
    qfs_policy_set_name(bad.get(), "not utf-8 \xff");
    QCOMPARE(qfs_policy_save_file(bad.get(), path.toUtf8().constData(), &err), -EINVAL);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), saved);
    f.close();
    QCOMPARE(
        QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList({ "policy.json" }));
}

void TestPolicyJson::saveFileErrors()
{
    QTemporaryDir dir;
    Policy p = newPolicy();
    qfs_error err {};
    const QByteArray path = dir.filePath("missing/policy.json").toUtf8();
    QCOMPARE(qfs_policy_save_file(p.get(), path.constData(), &err), -ENOENT);
    QCOMPARE(formatError(err),
        QString::fromUtf8(path) + ": cannot write the policy file: No such file or directory");
    QCOMPARE(err.errnum, ENOENT);

    // Renaming over a directory fails; nothing is left behind.
    QVERIFY(QDir(dir.path()).mkdir("taken"));
    const QByteArray taken = dir.filePath("taken").toUtf8();
    QVERIFY(qfs_policy_save_file(p.get(), taken.constData(), &err) < 0);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList());
}

void TestPolicyJson::saveStringErrors()
{
    Policy p = newPolicy();
    char *text = nullptr;
    QCOMPARE(qfs_policy_save_string(p.get(), 0x80, &text), -EINVAL);
    QCOMPARE(qfs_policy_save_string(nullptr, 0, &text), -EINVAL);
    qfs_policy_set_enforcement(p.get(), 5);
    QCOMPARE(qfs_policy_save_string(p.get(), 0, &text), -EINVAL);
    QCOMPARE(text, nullptr);
}

QTEST_GUILESS_MAIN(TestPolicyJson)
#include "tst_policy_json.moc"
