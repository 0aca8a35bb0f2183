// The qfsandbox binary, run as a user would: exit codes, the
// file:line:col error form, `policy show` round trips, and the README's
// blocked-API table matching `policy apis --markdown`.
#include "qfs_test.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void versionAndHelp();
    void usageErrors_data();
    void usageErrors();
    void policyList();
    void policyShowBuiltins_data();
    void policyShowBuiltins();
    void policyShowFile();
    void policyValidate();
    void policyValidateMalformed_data();
    void policyValidateMalformed();
    void policyApis();
    void readmeTableMatches();
    void check();

private:
    struct Result
    {
        int code;
        QByteArray out, err;
    };
    static Result run(const QStringList &args, const QString &cwd = {});
};

TestCli::Result TestCli::run(const QStringList &args, const QString &cwd)
{
    QProcess p;
    if (!cwd.isEmpty())
        p.setWorkingDirectory(cwd);
    p.start(QStringLiteral(QFS_CLI_PATH), args);
    if (!p.waitForFinished(60000))
        return { -1, {}, "timeout" };
    if (p.exitStatus() != QProcess::NormalExit)
        return { -2, {}, "crashed" };
    return { p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError() };
}

void TestCli::versionAndHelp()
{
    Result r = run({ "--version" });
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, QByteArray("qfsandbox " QFS_PROJECT_VERSION "\n"));
    r = run({ "--help" });
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.startsWith("Usage: qfsandbox COMMAND"));
    QVERIFY(r.out.contains("\n  policy "));
    QVERIFY(r.out.contains("\n  check "));
    QVERIFY(r.err.isEmpty());
    r = run({ "policy", "--help" });
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("qfsandbox policy validate FILE"));
    for (const QStringList &args : { QStringList({ "run", "-h" }),
             QStringList({ "run", "--memory", "1", "--help", "--frob" }) }) {
        r = run(args);
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("Usage: qfsandbox run [OPTIONS]"));
        QVERIFY(r.err.isEmpty());
    }
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("nothing") << QStringList() << QByteArray("qfsandbox: no command given\n");
    QTest::newRow("unknown") << QStringList({ "frob" })
                             << QByteArray("qfsandbox: unknown command 'frob'\n");
    QTest::newRow("policy alone")
        << QStringList({ "policy" })
        << QByteArray("qfsandbox: policy needs a subcommand: list, show, validate or apis\n");
    QTest::newRow("policy frob") << QStringList({ "policy", "frob" })
                                 << QByteArray("qfsandbox: unknown policy subcommand 'frob'\n");
    QTest::newRow("show nothing") << QStringList({ "policy",
        "show" }) << QByteArray("qfsandbox: policy show needs a built-in name or a file\n");
    QTest::newRow("validate two") << QStringList({ "policy", "validate", "a", "b" })
                                  << QByteArray("qfsandbox: policy validate needs exactly one "
                                                "file\n");
    QTest::newRow("check extra") << QStringList({ "check", "--frob" })
                                 << QByteArray("qfsandbox: check takes only --json\n");
    // run's usage errors come from its parser, before any policy is read.
    QTest::newRow("run unknown option")
        << QStringList({ "run", "--frob", "/bin/true" })
        << QByteArray("qfsandbox: unknown option '--frob' for run\n");
    QTest::newRow("run short option") << QStringList({ "run", "-x", "/bin/true" })
                                      << QByteArray("qfsandbox: unknown option '-x' for run\n");
    QTest::newRow("run missing value")
        << QStringList({ "run", "--memory" }) << QByteArray("qfsandbox: --memory needs a value\n");
    QTest::newRow("run value for a flag") << QStringList({ "run", "--quiet=1", "/bin/true" })
                                          << QByteArray("qfsandbox: --quiet takes no value\n");
    QTest::newRow("run bad number")
        << QStringList({ "run", "--memory=x", "/bin/true" })
        << QByteArray("qfsandbox: --memory needs a non-negative integer, not 'x'\n");
    QTest::newRow("run negative number")
        << QStringList({ "run", "--max-fds", "-1", "/bin/true" })
        << QByteArray("qfsandbox: --max-fds needs a non-negative integer, not '-1'\n");
    QTest::newRow("run unknown level") << QStringList({ "run", "--level", "paranoid", "/bin/true" })
                                       << QByteArray("qfsandbox: unknown level 'paranoid'\n");
    QTest::newRow("run unknown type") << QStringList({ "run", "--type=ruby", "x.rb" })
                                      << QByteArray("qfsandbox: unknown plugin type 'ruby'\n");
    QTest::newRow("run nine nameservers")
        << (QStringList({ "run" })
               + QString("--nameserver=1.1.1.1 ").repeated(9).split(' ', Qt::SkipEmptyParts)
               + QStringList({ "/bin/true" }))
        << QByteArray("qfsandbox: at most 8 --nameserver options\n");
    QTest::newRow("run no program")
        << QStringList({ "run", "--timeout", "10", "--" })
        << QByteArray("qfsandbox: run needs a PROGRAM after the options (and `--`)\n");
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    const Result r = run(args);
    QCOMPARE(r.code, 125);
    QCOMPARE(r.err, message + "Try 'qfsandbox --help'.\n");
    QVERIFY(r.out.isEmpty());
}

void TestCli::policyList()
{
    const Result r = run({ "policy", "list" });
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out,
        QByteArray("unrestricted  level 0  Unrestricted access for trusted native plugins\n"
                   "limited       level 1  Limited access with basic restrictions\n"
                   "sandboxed     level 2  Full sandboxing with process isolation\n"
                   "strict        level 3  Maximum security with minimal permissions\n"));
}

void TestCli::policyShowBuiltins_data()
{
    QTest::addColumn<QString>("name");
    for (const char *const *n = qfs_policy_builtin_names(); *n; ++n)
        QTest::newRow(*n) << QString::fromUtf8(*n);
}

// `policy show NAME` prints JSON that loads back equal to the built-in.
void TestCli::policyShowBuiltins()
{
    QFETCH(QString, name);
    for (const QStringList &extra : { QStringList(), QStringList({ "--compact" }) }) {
        const Result r = run(QStringList({ "policy", "show", name }) + extra);
        QCOMPARE(r.code, 0);
        QVERIFY(r.err.isEmpty());
        QCOMPARE(r.out.count('\n') == 1, !extra.isEmpty());
        qfs_error err {};
        Policy loaded = loadString(r.out, &err);
        QVERIFY2(loaded, qPrintable(formatError(err)));
        QVERIFY(qfs_policy_equal(loaded.get(), builtinPolicy(name.toUtf8().constData()).get()));
    }
}

void TestCli::policyShowFile()
{
    const QString file = QStringLiteral(QFS_SOURCE_DIR "/examples/policies/web_plugin.json");
    Result r = run({ "policy", "show", file });
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o["policy_name"].toString(), "web_plugin");
    QCOMPARE(o["limits"].toObject()["max_file_handles"].toInt(), 50); // default filled in

    // A name that is neither built-in nor a file.
    r = run({ "policy", "show", "paranoid" });
    QCOMPARE(r.code, 125);
    QCOMPARE(r.err,
        QByteArray("paranoid: cannot open the policy file: No such file or "
                   "directory\n"));
    // show validates too.
    r = run({ "policy", "show", QFS_TEST_DATA_DIR "/bad/zero_memory.json" });
    QCOMPARE(r.code, 125);
    QVERIFY(r.out.isEmpty());
}

void TestCli::policyValidate()
{
    const Result r
        = run({ "policy", "validate", "web_plugin.json" }, QFS_SOURCE_DIR "/examples/policies");
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out,
        QByteArray("web_plugin.json: valid policy \"web_plugin\", level 2 "
                   "(sandboxed)\n"));
    QVERIFY(r.err.isEmpty());
}

void TestCli::policyValidateMalformed_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("load") << "duplicate_key.json"
                          << QByteArray("duplicate_key.json:5:9: duplicate key "
                                        "\"limits.memory_limit_mb\"\n");
    QTest::newRow("validate") << "star_com_host.json"
                              << QByteArray("star_com_host.json:4:46: "
                                            "permissions.allowed_hosts[1] \"*.com\" needs at "
                                            "least two labels after \"*.\" (\"*.example.com\"), "
                                            "or it would admit a whole top-level domain\n");
    QTest::newRow("syntax") << "trailing_garbage.json"
                            << QByteArray("trailing_garbage.json:4:1: invalid JSON: end of file "
                                          "expected near '}'\n");
    QTest::newRow("missing") << "no_such.json"
                             << QByteArray("no_such.json: cannot open the policy file: No such "
                                           "file or directory\n");
}

void TestCli::policyValidateMalformed()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, expected);
    const Result r = run({ "policy", "validate", file }, QFS_TEST_DATA_DIR "/bad");
    QCOMPARE(r.code, 125);
    QCOMPARE(r.err, expected);
    QVERIFY(r.out.isEmpty());
}

void TestCli::policyApis()
{
    const Result r = run({ "policy", "apis" });
    QCOMPARE(r.code, 0);
    for (size_t i = 0; i < qfs_api_count(); ++i)
        QVERIFY2(r.out.contains(QByteArray(qfs_api_name(i)) + ' '), qfs_api_name(i));
    QVERIFY(r.out.contains("syscalls: mount, umount, umount2, pivot_root"));
}

// The README's table is `qfsandbox policy apis --markdown`, verbatim.
void TestCli::readmeTableMatches()
{
    const Result r = run({ "policy", "apis", "--markdown" });
    QCOMPARE(r.code, 0);
    QFile readme(QFS_SOURCE_DIR "/README.md");
    QVERIFY(readme.open(QIODevice::ReadOnly));
    const QByteArray text = readme.readAll();
    const QByteArray begin = "<!-- begin: qfsandbox policy apis --markdown -->\n";
    const QByteArray end = "<!-- end: qfsandbox policy apis --markdown -->";
    const qsizetype b = text.indexOf(begin), e = text.indexOf(end);
    QVERIFY2(b >= 0 && e > b, "README.md lacks the generated blocked-API table markers");
    QCOMPARE(text.mid(b + begin.size(), e - b - begin.size()), r.out);
}

void TestCli::check()
{
    Result r = run({ "check" });
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("user namespaces"));
    QVERIFY(r.out.contains("landlock"));
    QVERIFY(r.out.contains("\nlevels:\n"));
    r = run({ "check", "--json" });
    QCOMPARE(r.code, 0);
    QCOMPARE(QJsonDocument::fromJson(r.out).object()["levels"].toArray().size(), 4);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
