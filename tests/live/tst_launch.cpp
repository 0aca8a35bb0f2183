// The launcher and the loop through the public C API: every kind of plugin
// runs and passes its exit status through, output is captured and capped,
// the timeout ends a run on time, many sandboxes share a loop, a callback
// may free its own sandbox, setup failures name their step, and the report
// says what enforced what.
#include "live_test.h"

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

using namespace live;

class TestLaunch : public QObject
{
    Q_OBJECT

private slots:
    void kinds_data();
    void kinds();
    void interpreters_data();
    void interpreters();
    void signalsAreReportedTruthfully_data();
    void signalsAreReportedTruthfully();
    void outputCapture();
    void timeout();
    void rlimitBackstops();
    void manySandboxesOneLoop();
    void sameSandboxAgain_data();
    void sameSandboxAgain();
    void callbackFreesSandbox();
    void startErrors();
    void report();
    void environment();
    void elfKinds();
    void planReuse();
    void planReuseHostFileChanged();
    void idleSandboxLetsGo();
};

void TestLaunch::kinds_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("path");
    for (int level : { QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        const QByteArray l = levelName(level);
        QTest::newRow(l + " dynamic") << level << int(QFS_PLUGIN_NATIVE) << QFS_PROBE;
        QTest::newRow(l + " static") << level << int(QFS_PLUGIN_NATIVE) << QFS_PROBE_STATIC;
        QTest::newRow(l + " static-pie") << level << int(QFS_PLUGIN_NATIVE) << QFS_PROBE_STATIC_PIE;
        QTest::newRow(l + " library") << level << int(QFS_PLUGIN_NATIVE) << QFS_PROBE_PLUGIN;
        QTest::newRow(l + " python") << level << int(QFS_PLUGIN_PYTHON) << QFS_PROBE_PY;
    }
}

void TestLaunch::kinds()
{
    QFETCH(int, level);
    QFETCH(int, type);
    QFETCH(QString, path);
    Policy p = policy(level);
    for (int code : { 0, 42 }) {
        Result r = run(p.get(), qfs_plugin_type(type), path, { "exit", QString::number(code) });
        QVERIFY2(r.start == 0, qPrintable(r.error));
        QCOMPARE(r.status, QFS_STATUS_EXITED);
        QCOMPARE(r.exitCode, code);
        QCOMPARE(r.signal, 0);
    }
}

void TestLaunch::interpreters_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("interpreter");
    QTest::addColumn<QByteArray>("script");
    QTest::newRow("javascript") << int(QFS_PLUGIN_JAVASCRIPT) << "/usr/bin/node"
                                << QByteArray("console.log(process.argv.slice(2).join(' '));"
                                              "process.exit(42);\n");
    QTest::newRow("lua") << int(QFS_PLUGIN_LUA) << "/usr/bin/lua"
                         << QByteArray("print(table.concat({...}, ' '))\nos.exit(42)\n");
}

void TestLaunch::interpreters()
{
    QFETCH(int, type);
    QFETCH(QString, interpreter);
    QFETCH(QByteArray, script);
    Tree t;
    const QString file = t.file("plugin", script, 0644);
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = run(p.get(), qfs_plugin_type(type), file, { "--args", "{\"a\":1}" });
    if (!QFile::exists(interpreter)) {
        QCOMPARE(r.start, -ENOTSUP);
        QVERIFY2(r.error.contains(interpreter), qPrintable(r.error));
        QSKIP("interpreter not installed; the refusal names it");
    }
    QVERIFY2(r.start == 0, qPrintable(r.error));
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 42);
    QCOMPARE(r.out, QByteArray("--args {\"a\":1}\n"));
}

void TestLaunch::signalsAreReportedTruthfully_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("limited") << int(QFS_LEVEL_LIMITED);
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

void TestLaunch::signalsAreReportedTruthfully()
{
    // Signals a process sends itself: a plugin that were pid 1 of its
    // namespace would survive them.
    QFETCH(int, level);
    Policy p = policy(level);
    for (int sig : { SIGTERM, SIGABRT, SIGUSR1 }) {
        Result r = runProbe(p.get(), { "raise", QString::number(sig) });
        QCOMPARE(r.status, QFS_STATUS_SIGNALED);
        QCOMPARE(r.signal, sig);
        QCOMPARE(r.exitCode, -1);
    }
}

void TestLaunch::outputCapture()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = runProbe(p.get(), { "print", "1000" });
    QCOMPARE(r.out, QByteArray(1000, 'x'));
    QVERIFY(!r.outTruncated);
    r = runProbe(p.get(), { "print", QString::number(3 << 20) });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 0); // drained: the plugin never blocked on a full pipe
    QCOMPARE(r.out.size(), qsizetype(1 << 20));
    QVERIFY(r.outTruncated);
}

void TestLaunch::timeout()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    qfs_policy_set_limit(p.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS, 300);
    QElapsedTimer clock;
    clock.start();
    Result r = runProbe(p.get(), { "sleep", "20000" });
    const qint64 elapsed = clock.elapsed();
    QCOMPARE(r.status, QFS_STATUS_TIMEOUT);
    QCOMPARE(r.signal, SIGKILL);
    QCOMPARE(r.report.value("status").toString(), QString("timeout"));
    QVERIFY2(elapsed < 5000, qPrintable(QString::number(elapsed)));
    const qint64 wall = r.report.value("usage").toObject().value("wall_time_ms").toInteger();
    QVERIFY2(wall >= 300 && wall < 400, qPrintable(QString::number(wall)));
}

void TestLaunch::rlimitBackstops()
{
    // The rlimits the launcher owns end a plugin with the limit named
    // (the precise CPU budget and the disk accounting come from the
    // monitor; these are the last rung).
    Tree t;
    const QString dir = t.mkdir("out", true);
    Policy p = policy(QFS_LEVEL_LIMITED);
    allowDir(p.get(), dir, true);
    qfs_policy_set_limit(p.get(), QFS_LIMIT_DISK_SPACE_MB, 1);
    Result r = runProbe(p.get(), { "fill", dir + "/big", QString::number(4 << 20) });
    QCOMPARE(r.status, QFS_STATUS_LIMIT_EXCEEDED);
    QCOMPARE(r.limit, int(QFS_RESOURCE_DISK_SPACE));
    QCOMPARE(r.signal, SIGXFSZ);
    QVERIFY(QFileInfo(dir + "/big").size() <= (1 << 20));

    p = policy(QFS_LEVEL_STRICT);
    qfs_policy_set_limit(p.get(), QFS_LIMIT_CPU_TIME_MS, 1000);
    r = runProbe(p.get(), { "spin" });
    QCOMPARE(r.status, QFS_STATUS_LIMIT_EXCEEDED);
    QCOMPARE(r.limit, int(QFS_RESOURCE_CPU_TIME));
    QCOMPARE(r.report.value("limit").toString(), QString("cpu_time"));
    // The rlimit fires on tick-sampled CPU time, rusage reports the
    // precise run time: on a busy machine the ticks charge more than ran.
    const qint64 cpu = r.report.value("usage").toObject().value("cpu_time_used").toInteger();
    QVERIFY2(cpu >= 500 && cpu <= 2100, qPrintable(QString::number(cpu)));
}

void TestLaunch::sameSandboxAgain_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

void TestLaunch::sameSandboxAgain()
{
    // A sandbox's later runs join the user and network namespaces of its
    // earlier ones; everything else must be new: /tmp, the pid namespace
    // (the plugin is pid 2 again), the filter, and still no interface but
    // lo, no capability, the same uid.
    QFETCH(int, level);
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Policy p = policy(level);
    qfs_sandbox *sb = nullptr;
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &sb, nullptr), 0);
    auto runOnce = [&](QStringList args, const std::function<void(pid_t)> &inspect = {}) {
        std::vector<QByteArray> store;
        std::vector<const char *> argv = argvOf(args, store);
        qfs_error err {};
        int r = qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_PROBE, argv.data(), &err);
        if (r < 0)
            qWarning("start: %s", err.message);
        if (r == 0 && inspect) {
            inspect(qfs_sandbox_get_pid(sb));
            qfs_sandbox_kill(sb);
        }
        qfs_sandbox_wait(sb, 30000);
        char *json = nullptr;
        qfs_sandbox_report_json(sb, 0, &json);
        QJsonObject o = QJsonDocument::fromJson(json).object();
        free(json);
        return o;
    };
    QJsonObject r1 = runOnce({ "write", "/tmp/marker", "x" });
    QCOMPARE(r1.value("exit_code").toInt(), 0);
    QVERIFY(!r1.value("enforcement").toObject().value("reused_namespaces").toArray().size());

    QJsonObject r2 = runOnce({ "cat", "/tmp/marker" });
    QCOMPARE(r2.value("status").toString(), QString("exited"));
    QCOMPARE(r2.value("exit_code").toInt(), 1); // a new /tmp
    QCOMPARE(r2.value("enforcement").toObject().value("reused_namespaces").toArray(),
        QJsonArray({ "user", "net" }));

    QByteArray nspid, capEff, uid;
    QSet<QByteArray> ifaces;
    QJsonObject r3 = runOnce({ "sleep", "30000" }, [&](pid_t pid) {
        const pid_t plugin = pluginPid(pid);
        nspid = procStatus(plugin, "NSpid");
        capEff = procStatus(plugin, "CapEff");
        uid = procStatus(plugin, "Uid");
        ifaces = interfaces(plugin);
    });
    QCOMPARE(nspid.split('\t').last(), QByteArray("2"));
    QCOMPARE(capEff, QByteArray("0000000000000000"));
    QCOMPARE(uid.split('\t').first().toUInt(), uint(pluginUid(level)));
    QCOMPARE(ifaces, QSet<QByteArray> { "lo" });
    QCOMPARE(r3.value("enforcement").toObject().value("namespaces").toArray(),
        QJsonArray({ "user", "pid", "mount", "ipc", "uts", "cgroup", "net" }));

    // A new policy starts over with new namespaces.
    QCOMPARE(qfs_sandbox_update_policy(sb, p.get(), nullptr), 0);
    QJsonObject r4 = runOnce({ "exit", "4" });
    QCOMPARE(r4.value("exit_code").toInt(), 4);
    QVERIFY(!r4.value("enforcement").toObject().value("reused_namespaces").toArray().size());
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
}

void TestLaunch::manySandboxesOneLoop()
{
    constexpr int count = 24;
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Policy p = policy(QFS_LEVEL_STRICT);
    struct Slot
    {
        qfs_sandbox *sb = nullptr;
        int code = -100;
    } boxes[count];
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        static_cast<Slot *>(ud)->code = ex->exit_code;
    };
    for (int i = 0; i < count; ++i) {
        QCOMPARE(qfs_sandbox_new(loop, p.get(), &boxes[i].sb, nullptr), 0);
        qfs_sandbox_set_callbacks(boxes[i].sb, &cb, &boxes[i]);
        const QByteArray code = QByteArray::number(i);
        const char *argv[] = { "exit", code.constData(), nullptr };
        QCOMPARE(qfs_sandbox_start(boxes[i].sb, QFS_PLUGIN_NATIVE, QFS_PROBE, argv, nullptr), 0);
    }
    qfs_loop_free(loop); // the sandboxes keep it alive
    QCOMPARE(qfs_loop_run_for(loop, 30000), 0);
    for (int i = 0; i < count; ++i) {
        QCOMPARE(boxes[i].code, i);
        qfs_sandbox_free(boxes[i].sb);
    }
}

void TestLaunch::callbackFreesSandbox()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Policy p = policy(QFS_LEVEL_SANDBOXED);
    qfs_sandbox *sb = nullptr;
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &sb, nullptr), 0);
    struct State
    {
        qfs_sandbox *sb;
        int calls = 0;
    } state { sb };
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *self, const qfs_exit *, void *ud) {
        State *s = static_cast<State *>(ud);
        s->calls++;
        s->sb = qfs_sandbox_free(self);
    };
    qfs_sandbox_set_callbacks(sb, &cb, &state);
    const char *argv[] = { "print", "100000", nullptr };
    QCOMPARE(qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_PROBE, argv, nullptr), 0);
    // wait() must notice that a callback freed the very sandbox it waits for.
    QCOMPARE(qfs_sandbox_wait(sb, 30000), 0);
    QCOMPARE(state.calls, 1);
    QCOMPARE(state.sb, nullptr);
    qfs_loop_free(loop);
}

void TestLaunch::startErrors()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = run(p.get(), QFS_PLUGIN_NATIVE, "/nonexistent/plugin", {});
    QCOMPARE(r.start, -ENOENT);
    QVERIFY2(r.error.contains("/nonexistent/plugin"), qPrintable(r.error));
    QCOMPARE(r.report.value("status").toString(), QString("setup_failed"));

    Tree t;
    const QString text = t.file("notes.txt", "not a program\n", 0755);
    r = run(p.get(), QFS_PLUGIN_NATIVE, text, {});
    QCOMPARE(r.start, -EACCES);
    QVERIFY2(r.error.contains("executing") && r.error.contains("Exec format error"),
        qPrintable(r.error));

    // A root directory cannot be exposed inside a private root.
    p = policy(QFS_LEVEL_SANDBOXED);
    allowDir(p.get(), "/", false);
    r = runProbe(p.get(), { "exit", "0" });
    QCOMPARE(r.start, -EINVAL);
    QVERIFY2(r.error.contains("cannot be exposed"), qPrintable(r.error));
}

void TestLaunch::report()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = runProbe(p.get(), { "exit", "3" });
    const QJsonObject &o = r.report;
    QCOMPARE(o.value("status").toString(), QString("exited"));
    QCOMPARE(o.value("exit_code").toInt(), 3);
    QVERIFY(o.value("signal").isNull());
    QVERIFY(o.value("limit").isNull());
    const QJsonObject usage = o.value("usage").toObject();
    for (const char *k :
        { "cpu_time_used", "memory_used_mb", "memory_peak_mb", "disk_space_used_mb",
            "file_handles_used", "network_connections_used", "processes_peak", "wall_time_ms" })
        QVERIFY2(usage.contains(k), k);
    QVERIFY(o.value("violations").isArray());
    QCOMPARE(o.value("policy").toObject().value("policy_name").toString(), QString("strict"));
    const QJsonObject e = o.value("enforcement").toObject();
    QCOMPARE(e.value("level").toString(), QString("strict"));
    QCOMPARE(e.value("namespaces").toArray(),
        QJsonArray({ "user", "pid", "mount", "ipc", "uts", "cgroup", "net" }));
    QVERIFY(e.value("private_root").toBool());
    QVERIFY(e.value("landlock").toObject().value("abi").toInt() >= 1);
    QCOMPARE(e.value("seccomp").toObject().value("mode").toString(), QString("allow-list"));
    QCOMPARE(
        e.value("seccomp").toObject().value("exec_after_start").toString(), QString("refused"));
    QCOMPARE(e.value("uid").toInt(), int(pluginUid(QFS_LEVEL_STRICT)));
    QCOMPARE(e.value("capabilities").toString(), QString("none"));
    QCOMPARE(e.value("limits").toObject().value("file_handles").toString(), QString("rlimit"));
    QCOMPARE(e.value("missing").toArray(), QJsonArray());
}

void TestLaunch::environment()
{
    Tree t;
    const QString script = t.file("env.py",
        "import os\nprint(' '.join(sorted(k for k in os.environ if k != 'LC_CTYPE')))\n", 0644);
    qputenv("QFS_TEST_SECRET", "leak");
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = run(p.get(), QFS_PLUGIN_PYTHON, script, {});
    QVERIFY(!r.out.contains("QFS_TEST_SECRET"));
    QVERIFY2(r.out.contains("HOME") && r.out.contains("PATH") && r.out.contains("TMPDIR"),
        r.out.constData());
    qfs_policy_set_permission(p.get(), QFS_PERM_ENVIRONMENT_ACCESS, true);
    r = run(p.get(), QFS_PLUGIN_PYTHON, script, {});
    QVERIFY(r.out.contains("QFS_TEST_SECRET"));
    qunsetenv("QFS_TEST_SECRET");
}

void TestLaunch::elfKinds()
{
    // The library is recognised by its ELF header and run by the host; the
    // static PIE has no interpreter but is marked DF_1_PIE.
    Policy p = policy(QFS_LEVEL_STRICT);
    Result lib = run(p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE_PLUGIN, { "fds" });
    QCOMPARE(lib.exitCode, 0);
    Result pie = run(p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE_STATIC_PIE, { "exit", "5" });
    QCOMPARE(pie.exitCode, 5);
}

// One run of @path in the sandbox @sb: the report, with stdout added as
// "stdout" and the start's error as "error".
static QJsonObject runIn(
    qfs_sandbox *sb, const QString &path, const QStringList &args, const char *pathArg = nullptr)
{
    std::vector<QByteArray> store;
    std::vector<const char *> argv = argvOf(args, store);
    qfs_error err {};
    const QByteArray file = QFile::encodeName(path);
    QJsonObject report;
    if (qfs_sandbox_start(
            sb, QFS_PLUGIN_NATIVE, pathArg ? pathArg : file.constData(), argv.data(), &err)
        < 0) {
        report.insert("error", QString::fromUtf8(err.message));
        return report;
    }
    qfs_sandbox_wait(sb, 30000);
    report = reportOf(sb);
    const char *data = nullptr;
    size_t len = 0;
    if (qfs_sandbox_get_output(sb, 1, &data, &len, nullptr) == 0)
        report.insert("stdout", QString::fromUtf8(data, qsizetype(len)));
    return report;
}

static bool reused(const QJsonObject &report)
{
    return report.value("enforcement").toObject().value("reused_plan").toBool();
}

// What a sandbox keeps for its next run (the plan's descriptors, the
// private root's template, the cgroups) it gives up 5 s after a run
// started when no other run started, as the loop runs; its next run
// builds them again.
void TestLaunch::idleSandboxLetsGo()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = nullptr;
    qfs_error err {};
    QCOMPARE(qfs_loop_new(&loop), 0);
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &sb, &err), 0);
    auto cleanup = qScopeGuard([&] {
        qfs_sandbox_free(sb);
        qfs_loop_free(loop);
    });
    auto runOnce = [&] {
        const char *argv[] = { "exit", "0", nullptr };
        if (qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_PROBE, argv, &err) < 0)
            return QJsonObject();
        qfs_sandbox_wait(sb, 30000);
        return reportOf(sb);
    };
    auto fds = [] { return QDir("/proc/self/fd").entryList(QDir::Files | QDir::System).size(); };
    auto cgroupDirs = [](const QJsonObject &report) {
        QStringList dirs;
        const QString d
            = report["enforcement"].toObject()["cgroup"].toObject()["detail"].toString();
        for (const QString &w : d.split(QRegularExpression("[ ;()]"), Qt::SkipEmptyParts))
            if (w.startsWith('/') && w.contains("/qfs-"))
                dirs << w;
        return dirs;
    };

    settle(QFS_PROBE);
    const int before = fds();
    QJsonObject r = runOnce();
    QVERIFY(!r.isEmpty());
    r = runOnce();
    QVERIFY(r["enforcement"].toObject()["private_root_template"].toBool());
    const int warm = fds();
    const QStringList dirs = cgroupDirs(r);
    for (const QString &d : dirs)
        QVERIFY2(QFileInfo::exists(d), qPrintable(d));

    // Idle, the loop running: everything kept is given up.
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 5600) {
        pollfd pfd { qfs_loop_get_fd(loop), POLLIN, 0 };
        poll(&pfd, 1, 100);
        qfs_loop_dispatch(loop);
    }
    const int idle = fds();
    QVERIFY2(
        warm - idle >= 8, qPrintable(QString("%1 -> %2 -> %3").arg(before).arg(warm).arg(idle)));
    QVERIFY2(
        idle <= before + 3, qPrintable(QString("%1 -> %2 -> %3").arg(before).arg(warm).arg(idle)));
    for (const QString &d : dirs)
        QVERIFY2(!QFileInfo::exists(d), qPrintable(d));

    // And the next run builds them again.
    r = runOnce();
    QCOMPARE(r["exit_code"].toInt(), 0);
    QVERIFY(!r["enforcement"].toObject()["private_root_template"].toBool());
    QVERIFY(!r["enforcement"].toObject()["reused_plan"].toBool());
}

void TestLaunch::planReuse()
{
    // A sandbox keeps the plan of a good run for the next one while the
    // inputs and what the plan examined stay the same.  A plugin file or an
    // allowed directory replaced by another inode must be planned anew: a
    // stale plan would bind (and, without a private root, could grant)
    // the old inode, or fail on it.
    struct Row
    {
        int level;
        std::unique_ptr<Tree> tree;
    };
    std::vector<Row> rows;
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        Row row { level, std::make_unique<Tree>(QStringLiteral("/var/tmp/qfs-reuse-XXXXXX")) };
        const QString plugin = row.tree->path("plugin");
        QVERIFY(QFile::copy(QStringLiteral(QFS_PROBE_STATIC), plugin));
        chmod(QFile::encodeName(plugin).constData(), 0755);
        row.tree->mkdir("data", false);
        row.tree->file("data/f", "one");
        rows.push_back(std::move(row));
    }
    // The plugin's kind comes from its bytes: a plan is only kept once the
    // file has kept its times for two seconds.
    QTest::qSleep(3100);

    for (const Row &row : rows) {
        const QString plugin = row.tree->path("plugin");
        const QString dir = row.tree->path("data");
        const QStringList cat { "cat", dir + "/f" };
        qfs_loop *loop = nullptr;
        QCOMPARE(qfs_loop_new(&loop), 0);
        Policy p = policy(row.level);
        allowDir(p.get(), dir, false);
        qfs_sandbox *sb = nullptr;
        QCOMPARE(qfs_sandbox_new(loop, p.get(), &sb, nullptr), 0);

        QJsonObject r = runIn(sb, plugin, cat);
        QCOMPARE(r.value("stdout").toString(), QString("one"));
        QVERIFY(!reused(r));
        r = runIn(sb, plugin, cat);
        QCOMPARE(r.value("stdout").toString(), QString("one"));
        QVERIFY2(reused(r), levelName(row.level));
        // Other arguments: another command line, another plan.
        r = runIn(sb, plugin, { "exit", "3" });
        QCOMPARE(r.value("exit_code").toInt(), 3);
        QVERIFY(!reused(r));
        r = runIn(sb, plugin, cat);
        QVERIFY(!reused(r));

        // The allowed directory recreated: the new one is shown.
        QVERIFY(QDir().rename(dir, dir + ".old"));
        row.tree->mkdir("data", false);
        row.tree->file("data/f", "two");
        r = runIn(sb, plugin, cat);
        QVERIFY2(r.value("status").toString() == "exited",
            qPrintable(r.value("error").toString() + r.value("status").toString()));
        QCOMPARE(r.value("stdout").toString(), QString("two"));
        QVERIFY(!reused(r));
        r = runIn(sb, plugin, cat);
        QCOMPARE(r.value("stdout").toString(), QString("two"));
        QVERIFY(reused(r));

        // The plugin replaced by another file: that one runs.
        const QString next = row.tree->file("plugin.next", "#!/bin/sh\nexit 7\n", 0755);
        QCOMPARE(
            ::rename(QFile::encodeName(next).constData(), QFile::encodeName(plugin).constData()),
            0);
        r = runIn(sb, plugin, cat);
        QVERIFY2(r.value("status").toString() == "exited",
            qPrintable(r.value("error").toString() + r.value("status").toString()));
        QCOMPARE(r.value("exit_code").toInt(), 7);
        QVERIFY(!reused(r));

        // A new policy: a new plan.
        QCOMPARE(qfs_sandbox_update_policy(sb, p.get(), nullptr), 0);
        r = runIn(sb, plugin, cat);
        QCOMPARE(r.value("exit_code").toInt(), 7);
        QVERIFY(!reused(r));
        qfs_sandbox_free(sb);
        qfs_loop_free(loop);
    }
}

void TestLaunch::planReuseHostFileChanged()
{
    // The private root copies small runtime files (/etc/hosts) rather than
    // binding them, and a reused plan holds their bytes: a host file
    // changed in place (same inode, same size, new times) must be read
    // anew.  Only root can change /etc/hosts; it does so in a mount
    // namespace of its own, in a child process, with a file bound over it.
    if (!isRoot())
        QSKIP("needs root to bind a file over /etc/hosts in a mount namespace of its own");
    Tree tree;
    const QString hosts = tree.file("hosts", "127.0.0.1 qfs-aaaa\n");
    int pipefd[2];
    QCOMPARE(pipe(pipefd), 0);
    pid_t pid = fork();
    QVERIFY(pid >= 0);
    if (pid == 0) {
        // No QtTest here: a line on the pipe says what happened.
        close(pipefd[0]);
        FILE *out = fdopen(pipefd[1], "w");
        const QByteArray file = QFile::encodeName(hosts);
        if (unshare(CLONE_NEWNS) < 0
            || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0
            || mount(file.constData(), "/etc/hosts", nullptr, MS_BIND, nullptr) < 0) {
            fprintf(out, "setup failed: %s\n", strerror(errno));
            _exit(1);
        }
        sleep(3); // the copy's times must be older than two seconds
        qfs_loop *loop = nullptr;
        qfs_sandbox *sb = nullptr;
        qfs_policy *p = nullptr;
        if (qfs_loop_new(&loop) < 0 || qfs_policy_new_builtin("strict", &p) < 0
            || qfs_sandbox_new(loop, p, &sb, nullptr) < 0)
            _exit(1);
        const QString probe = QStringLiteral(QFS_PROBE_STATIC);
        for (const char *step : { "first", "again", "changed" }) {
            if (!strcmp(step, "changed")) {
                int fd = open(file.constData(), O_WRONLY | O_CLOEXEC);
                if (fd < 0 || pwrite(fd, "bbbb", 4, 14) != 4)
                    _exit(1);
                close(fd);
            }
            QJsonObject r = runIn(sb, probe, { "cat", "/etc/hosts" });
            fprintf(out, "%s %s reused=%d\n", step,
                qPrintable(r.value("stdout").toString().trimmed()), int(reused(r)));
        }
        fclose(out);
        _exit(0);
    }
    close(pipefd[1]);
    QFile f;
    QVERIFY(f.open(pipefd[0], QIODevice::ReadOnly, QFileDevice::AutoCloseHandle));
    const QByteArray got = f.readAll();
    int status = 0;
    waitpid(pid, &status, 0);
    QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, got.constData());
    QCOMPARE(got,
        QByteArray("first 127.0.0.1 qfs-aaaa reused=0\n"
                   "again 127.0.0.1 qfs-aaaa reused=1\n"
                   "changed 127.0.0.1 qfs-bbbb reused=0\n"));
}

QTEST_GUILESS_MAIN(TestLaunch)
#include "tst_launch.moc"
