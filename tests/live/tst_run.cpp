// `qfsandbox run` as scripts use it: the exit-code contract, --report,
// --events, flags overriding the policy, and "require" against
// "best_effort" on a host that really lacks user namespaces.
#include "live_test.h"

#include <QProcess>

#include <csignal>

using namespace live;

class TestRun : public QObject
{
    Q_OBJECT

private slots:
    void exitCodes_data();
    void exitCodes();
    void setupFailureIsOneLine();
    void reportFile();
    void events();
    void flagsOverridePolicy();
    void requireVersusBestEffort();

private:
    struct Out
    {
        int code;
        QByteArray out, err;
    };
    static Out cli(const QStringList &args, const QString &wrapper = {});
};

TestRun::Out TestRun::cli(const QStringList &args, const QString &wrapper)
{
    QProcess p;
    QStringList full = QStringList { "run" } + args;
    if (wrapper.isEmpty()) {
        p.start(QStringLiteral(QFS_CLI_PATH), full);
    } else {
        full.prepend(QStringLiteral(QFS_CLI_PATH));
        p.start(wrapper, full);
    }
    if (!p.waitForFinished(60000))
        return { -1, {}, "timeout" };
    if (p.exitStatus() != QProcess::NormalExit)
        return { -2, {}, "crashed" };
    return { p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError() };
}

void TestRun::exitCodes_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    const QString probe = QStringLiteral(QFS_PROBE);
    QTest::newRow("own code") << QStringList { "--", probe, "exit", "42" } << 42;
    QTest::newRow("zero") << QStringList { "--", probe, "exit", "0" } << 0;
    QTest::newRow("signal") << QStringList { "--", probe, "raise", "10" } << 128 + SIGUSR1;
    QTest::newRow("SIGSYS") << QStringList { "--", probe, "int80" } << 128 + SIGSYS;
    QTest::newRow("timeout") << QStringList { "--timeout", "300", "--", probe, "sleep", "20000" }
                             << 124;
    QTest::newRow("violation") << QStringList { "--", probe, "exec", probe, "exit", "0" }
                               << 128 + SIGKILL;
    QTest::newRow("invalid policy") << QStringList { "--memory", "0", "--", probe } << 125;
    QTest::newRow("unknown level") << QStringList { "--level", "paranoid", "--", probe } << 125;
    QTest::newRow("no program") << QStringList { "--timeout", "10" } << 125;
    QTest::newRow("missing") << QStringList { "--", "/nonexistent/program" } << 127;
    QTest::newRow("not executable")
        << QStringList { "--", QStringLiteral(QFS_SOURCE_DIR "/README.md") } << 126;
    QTest::newRow("python") << QStringList { "--type", "python", "--", QFS_PROBE_PY, "exit", "9" }
                            << 9;
}

void TestRun::exitCodes()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    Out o = cli(args);
    QVERIFY2(o.code == code, o.err.constData());
}

void TestRun::setupFailureIsOneLine()
{
    Out o = cli({ "--memory", "0", "--", QStringLiteral(QFS_PROBE) });
    QCOMPARE(o.code, 125);
    QCOMPARE(o.err.count('\n'), 1);
    QVERIFY2(o.err.contains("memory_limit_mb"), o.err.constData());

    o = cli({ "--", "/nonexistent/program" });
    QCOMPARE(o.code, 127);
    QCOMPARE(o.err.count('\n'), 1);
    QVERIFY2(o.err.contains("/nonexistent/program"), o.err.constData());
}

void TestRun::reportFile()
{
    Tree t;
    const QString report = t.path("report.json");
    Out o = cli({ "--report", report, "--", QStringLiteral(QFS_PROBE), "exec",
        QStringLiteral(QFS_PROBE), "exit", "0" });
    QCOMPARE(o.code, 128 + SIGKILL);
    const QJsonObject r = QJsonDocument::fromJson(readFile(report)).object();
    QCOMPARE(r.value("status").toString(), QString("violation"));
    // Killed, or out by itself just before the kill: either way the
    // status is the violation, and there is no exit code to report.
    QVERIFY(r.value("exit_code").isNull());
    const QJsonArray v = r.value("violations").toArray();
    QCOMPARE(v.size(), 1);
    QCOMPARE(v.first().toObject().value("type").toString(), QString("UnauthorizedProcessCreation"));
    QCOMPARE(v.first().toObject().value("syscall").toString(), QString("execve"));
    QCOMPARE(r.value("policy").toObject().value("policy_name").toString(), QString("strict"));

    // A setup failure still leaves its report.
    o = cli({ "--report", report, "--", "/nonexistent/program" });
    QCOMPARE(o.code, 127);
    const QJsonObject f = QJsonDocument::fromJson(readFile(report)).object();
    QCOMPARE(f.value("status").toString(), QString("setup_failed"));
    QVERIFY(f.value("error").toString().contains("/nonexistent/program"));
}

void TestRun::events()
{
    Out o = cli({ "--events", "--quiet", "--", QStringLiteral(QFS_PROBE), "exec",
        QStringLiteral(QFS_PROBE), "exit", "0" });
    QList<QJsonObject> lines;
    for (const QByteArray &line : o.err.split('\n'))
        if (line.startsWith('{'))
            lines << QJsonDocument::fromJson(line).object();
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0].value("event").toString(), QString("violation"));
    QCOMPARE(lines[0].value("violation").toObject().value("syscall").toString(), QString("execve"));
    QCOMPARE(lines[1].value("event").toString(), QString("exited"));
    QCOMPARE(lines[1].value("status").toString(), QString("violation"));
    QVERIFY(lines[1].value("usage").toObject().contains("wall_time_ms"));
}

void TestRun::flagsOverridePolicy()
{
    Tree t;
    const QString dir = t.mkdir("data", true);
    // Default strict: no directory is writable.
    Out o = cli({ "--", QStringLiteral(QFS_PROBE), "write", dir + "/f", "x" });
    QCOMPARE(o.code, 1);
    QVERIFY(!QFile::exists(dir + "/f"));
    o = cli({ "--allow-write", dir, "--", QStringLiteral(QFS_PROBE), "write", dir + "/f", "x" });
    QCOMPARE(o.code, 0);
    QCOMPARE(readFile(dir + "/f"), QByteArray("x"));
    // --allow-process-creation at Sandboxed.
    o = cli({ "--policy", "sandboxed", "--", QStringLiteral(QFS_PROBE), "fork" });
    QCOMPARE(o.code, 1);
    o = cli({ "--policy", "sandboxed", "--allow-process-creation", "--", QStringLiteral(QFS_PROBE),
        "fork" });
    QCOMPARE(o.code, 0);
}

void TestRun::requireVersusBestEffort()
{
    // A user namespace in which no further user namespace can be created:
    // the host really lacks the layer, whatever the probe would guess.
    QProcess check;
    check.start(QStringLiteral(QFS_NOUSERNS), { "unshare", "-U", "true" });
    check.waitForFinished(10000);
    if (check.exitCode() == 125)
        QSKIP("cannot create the test's own user namespace here");
    QVERIFY2(check.exitCode() != 0, "unshare -U worked although user namespaces are limited to 0");

    Tree t;
    const QString policyFile = t.file("best_effort.json",
        "{\"level\": 2, \"policy_name\": \"be\", \"enforcement\": \"best_effort\"}\n", 0644);
    const QString report = t.path("report.json");
    chmod(QFile::encodeName(t.path()).constData(), 0777);

    Out o = cli({ "--level", "sandboxed", "--", QStringLiteral(QFS_PROBE), "exit", "3" },
        QStringLiteral(QFS_NOUSERNS));
    QCOMPARE(o.code, 125);
    QCOMPARE(o.err.count('\n'), 1);
    QVERIFY2(o.err.contains("user namespace"), o.err.constData());

    o = cli({ "--policy", policyFile, "--report", report, "--", QStringLiteral(QFS_PROBE), "exit",
                "3" },
        QStringLiteral(QFS_NOUSERNS));
    QVERIFY2(o.code == 3, o.err.constData());
    const QJsonObject e
        = QJsonDocument::fromJson(readFile(report)).object().value("enforcement").toObject();
    QVERIFY2(e.value("missing").toArray().contains("user namespaces"),
        QJsonDocument(e).toJson().constData());
    QVERIFY(!e.value("namespaces").toArray().contains("user"));
    QVERIFY(e.value("landlock").toObject().value("abi").toInt() >= 1);
    QCOMPARE(e.value("seccomp").toObject().value("mode").toString(), QString("deny-list"));
}

QTEST_GUILESS_MAIN(TestRun)
#include "tst_run.moc"
