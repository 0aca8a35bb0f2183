// Limits that hold: each resource of issue 4 run to its limit by qfs-hog in
// a real sandbox, judged from the host (the report, the callbacks, /proc),
// plus sampling at the policy's interval and 200 sandboxes in one loop.
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>

#include "../procutil.h"
#include "live_test.h"

namespace {

struct Sample
{
    qint64 atMs; // test clock
    qfs_usage usage;
};

// One sandbox run to its end with every callback recorded.
struct Run
{
    int status = -1;
    int exitCode = -1;
    int limit = -1;
    QList<int> limitEvents;
    QList<Sample> samples;
    QJsonObject report;
    QByteArray out, err;
    QElapsedTimer clock;
    qint64 startedMs = -1, endedMs = -1;
    qfs_sandbox *sb = nullptr;
    std::function<void(Run &)> onSample;
};

void onUsage(qfs_sandbox *, const qfs_usage *u, void *ud)
{
    Run *r = static_cast<Run *>(ud);
    r->samples << Sample { r->clock.elapsed(), *u };
    if (r->onSample)
        r->onSample(*r);
}

void onLimit(qfs_sandbox *, qfs_resource res, const qfs_usage *, void *ud)
{
    static_cast<Run *>(ud)->limitEvents << int(res);
}

void onExit(qfs_sandbox *, const qfs_exit *ex, void *ud)
{
    Run *r = static_cast<Run *>(ud);
    r->status = ex->status;
    r->exitCode = ex->exit_code;
    r->limit = ex->limit;
    r->endedMs = r->clock.elapsed();
}

const qfs_sandbox_callbacks kCallbacks = { onUsage, onLimit, nullptr, onExit };

bool start(qfs_sandbox *sb, Run &r, const QStringList &args)
{
    std::vector<QByteArray> store;
    std::vector<const char *> argv = live::argvOf(args, store);
    qfs_error err {};
    qfs_sandbox_set_callbacks(sb, &kCallbacks, &r);
    r.sb = sb;
    r.clock.start();
    if (qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_HOG, argv.data(), &err) < 0) {
        qWarning("start failed: %s", err.message);
        return false;
    }
    r.startedMs = r.clock.elapsed();
    return true;
}

void collect(qfs_sandbox *sb, Run &r)
{
    const char *data;
    size_t len;
    if (qfs_sandbox_get_output(sb, 1, &data, &len, nullptr) == 0)
        r.out = QByteArray(data, qsizetype(len));
    if (qfs_sandbox_get_output(sb, 2, &data, &len, nullptr) == 0)
        r.err = QByteArray(data, qsizetype(len));
    r.report = live::reportOf(sb);
}

Run runHog(const qfs_policy *policy, const QStringList &args, int waitMs = 30000,
    std::function<void(Run &)> onSample = {})
{
    Run r;
    r.onSample = std::move(onSample);
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = nullptr;
    qfs_error err {};
    if (qfs_loop_new(&loop) < 0 || qfs_sandbox_new(loop, policy, &sb, &err) < 0)
        qFatal("sandbox: %s", err.message);
    if (start(sb, r, args)) {
        if (qfs_sandbox_wait(sb, waitMs) < 0)
            qWarning("the hog did not end in time");
        collect(sb, r);
    }
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
    return r;
}

live::Policy hogPolicy(int level = QFS_LEVEL_SANDBOXED)
{
    live::Policy p = live::policy(level);
    qfs_policy_set_limit(p.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS, 30000);
    return p;
}

QString backendOf(const QJsonObject &report, const char *limit)
{
    return report["enforcement"].toObject()["limits"].toObject()[limit].toString();
}

qint64 usageOf(const QJsonObject &report, const char *field)
{
    return qint64(report["usage"].toObject()[field].toDouble());
}

// Host processes whose command name is @name.
QList<pid_t> processesNamed(const QByteArray &name)
{
    QList<pid_t> found;
    for (const QString &e : QDir("/proc").entryList(QDir::Dirs)) {
        bool ok = false;
        const pid_t pid = e.toInt(&ok);
        if (!ok)
            continue;
        QFile f(QStringLiteral("/proc/%1/comm").arg(pid));
        if (f.open(QIODevice::ReadOnly) && f.readAll().trimmed() == name && !procutil::exited(pid))
            found << pid;
    }
    return found;
}

} // namespace

class TestLimits : public QObject
{
    Q_OBJECT

    // The cgroup backend a fresh sandbox gets here for @limit, from the
    // report of a trivial run.
    QString probeBackend(const char *limit)
    {
        live::Policy p = hogPolicy();
        return backendOf(runHog(p.get(), { "exit", "0", "0" }).report, limit);
    }

private slots:
    void memoryLimitHoldsWithoutOvershoot()
    {
        const QString backend = probeBackend("memory");
        if (!backend.startsWith("cgroup"))
            QSKIP(qPrintable("no memory cgroup here (memory held by " + backend + ")"));
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, 64);
        const Run r = runHog(p.get(), { "alloc", "1024" });
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_MEMORY));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_MEMORY });
        QCOMPARE(r.report["status"].toString(), QStringLiteral("limit_exceeded"));
        QCOMPARE(r.report["limit"].toString(), QStringLiteral("memory"));
        // The cgroup's own high-water mark: it reached the limit, never more.
        QVERIFY2(usageOf(r.report, "memory_peak_mb") <= 64,
            qPrintable(QString::number(usageOf(r.report, "memory_peak_mb"))));
        QVERIFY(usageOf(r.report, "memory_peak_mb") >= 60);
        QVERIFY(!r.out.contains("allocated"));
    }

    // Without a memory controller (an unprivileged run here) the limit is
    // held by sampling, the RLIMIT_DATA backstop far behind it.
    void memoryLimitBySampling()
    {
        const QString backend = probeBackend("memory");
        if (backend.startsWith("cgroup"))
            QSKIP("a memory cgroup holds the limit here (see the test above)");
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, 64);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        const Run r = runHog(p.get(), { "alloc", "200", "hold" });
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_MEMORY));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_MEMORY });
        QVERIFY(usageOf(r.report, "memory_peak_mb") > 64);
        QCOMPARE(backendOf(r.report, "memory"), QStringLiteral("sampling+rlimit (data, backstop)"));
    }

    void cpuBudgetEndsASpinner()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_CPU_TIME_MS, 500);
        const Run r = runHog(p.get(), { "spin" });
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_CPU_TIME));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_CPU_TIME });
        // Ended at the budget by the timer, not a second later by RLIMIT_CPU.
        const qint64 cpu = usageOf(r.report, "cpu_time_used");
        QVERIFY2(cpu >= 500 && cpu <= 510, qPrintable(QString::number(cpu)));
        // And within a second of wall time, as the issue asks: ctest runs
        // the live tests one at a time, so the spinner has a CPU of its own.
        const qint64 wall = r.endedMs - r.startedMs;
        QVERIFY2(wall < 1000,
            qPrintable(QString("%1 ms of wall time for %2 ms of CPU").arg(wall).arg(cpu)));
    }

    void timeoutGivesExit124()
    {
        QProcess cli;
        QElapsedTimer t;
        QTemporaryDir dir;
        const QString report = dir.path() + "/report.json";
        t.start();
        cli.start(QFS_CLI_PATH,
            { "run", "--timeout", "300", "--report", report, "--", QFS_HOG, "sleep", "10000" });
        QVERIFY(cli.waitForFinished(10000));
        QCOMPARE(cli.exitCode(), 124);
        const QJsonObject r = QJsonDocument::fromJson(live::readFile(report)).object();
        QCOMPARE(r["status"].toString(), QStringLiteral("timeout"));
        const qint64 wall = usageOf(r, "wall_time_ms");
        QVERIFY2(wall >= 300 && wall < 350, qPrintable(QString::number(wall)));
    }

    void forkBombStopsAtMaxProcesses()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MAX_PROCESSES, 16);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        const Run r = runHog(p.get(), { "forkbomb" });
        // pids.max refuses the 17th task (the kernel tells us); RLIMIT_NPROC
        // in the sandbox's own user namespace refuses it too, and a sample
        // finds the sandbox at the limit.
        const QString held = backendOf(r.report, "processes");
        QVERIFY2(held == "cgroup2" || held == "cgroup1" || held == "rlimit", qPrintable(held));
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_PROCESSES));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_PROCESSES });
        const qint64 peak = usageOf(r.report, "processes_peak");
        QVERIFY2(peak >= 2 && peak <= 16, qPrintable(QString::number(peak)));
    }

    // One sandbox, run after run: it keeps its cgroups (cgroup_reuse()), and
    // what a run used, reached or was refused is no part of the next one.
    void nextRunStartsAfresh()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, 64);
        qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MAX_PROCESSES, 16);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        qfs_loop *loop = nullptr;
        qfs_sandbox *sb = nullptr;
        qfs_error err {};
        QVERIFY(qfs_loop_new(&loop) == 0 && qfs_sandbox_new(loop, p.get(), &sb, &err) == 0);
        auto cleanup = qScopeGuard([&] {
            qfs_sandbox_free(sb);
            qfs_loop_free(loop);
        });
        auto run = [&](const QStringList &args) {
            Run r;
            if (start(sb, r, args) && qfs_sandbox_wait(sb, 30000) < 0)
                qWarning("the hog did not end in time");
            collect(sb, r);
            return r;
        };
        auto cgroupOf = [](const Run &r) {
            return r.report["enforcement"].toObject()["cgroup"].toObject()["detail"].toString();
        };

        const Run big = run({ "alloc", "40" });
        QCOMPARE(big.status, int(QFS_STATUS_EXITED));
        QVERIFY2(usageOf(big.report, "memory_peak_mb") >= 40,
            qPrintable(QString::number(usageOf(big.report, "memory_peak_mb"))));
        const Run small = run({ "exit", "0", "0" });
        QCOMPARE(small.status, int(QFS_STATUS_EXITED));
        QVERIFY(small.limitEvents.isEmpty());
        // The peak is this run's: the 40 MiB of the last one are gone.
        QVERIFY2(usageOf(small.report, "memory_peak_mb") < 20,
            qPrintable(QString::number(usageOf(small.report, "memory_peak_mb"))));
        const bool cgroups = cgroupOf(big).contains("qfs-");
        if (cgroups) // the same directories, not new ones
            QCOMPARE(cgroupOf(small), cgroupOf(big));

        // A run the kernel ended at the memory limit, then one that is well
        // within it: the OOM kill counted for the first is not the second's.
        // (Without a memory cgroup the RLIMIT_DATA backstop refuses the
        // allocation instead: nothing is counted to carry over.)
        const Run oom = run({ "alloc", "1024" });
        if (backendOf(oom.report, "memory").startsWith("cgroup")) {
            QCOMPARE(oom.status, int(QFS_STATUS_LIMIT_EXCEEDED));
            QCOMPARE(oom.limit, int(QFS_RESOURCE_MEMORY));
        }
        const Run after = run({ "exit", "0", "0" });
        QCOMPARE(after.status, int(QFS_STATUS_EXITED));
        QCOMPARE(after.exitCode, 0);
        QVERIFY(after.limitEvents.isEmpty());
        QVERIFY(after.report["limit"].isNull());

        // The same for forks refused at max_processes.
        const Run bomb = run({ "forkbomb" });
        QCOMPARE(bomb.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(bomb.limit, int(QFS_RESOURCE_PROCESSES));
        const Run last = run({ "exit", "0", "0" });
        QCOMPARE(last.status, int(QFS_STATUS_EXITED));
        QVERIFY(last.limitEvents.isEmpty());
        QVERIFY2(usageOf(last.report, "memory_peak_mb") < 20,
            qPrintable(QString::number(usageOf(last.report, "memory_peak_mb"))));
        QVERIFY2(usageOf(last.report, "cpu_time_used") < 200,
            qPrintable(QString::number(usageOf(last.report, "cpu_time_used"))));
    }

    void daemonIsGoneWhenTheSandboxEnds_data()
    {
        QTest::addColumn<int>("level");
        QTest::newRow("unrestricted") << int(QFS_LEVEL_UNRESTRICTED);
        QTest::newRow("limited") << int(QFS_LEVEL_LIMITED);
        QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    }

    void daemonIsGoneWhenTheSandboxEnds()
    {
        QFETCH(int, level);
        live::Policy p = hogPolicy(level);
        qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
        const QByteArray name
            = "qfsd" + QByteArray::number(level) + "-" + QByteArray::number(getpid() % 100000);
        QVERIFY(processesNamed(name).isEmpty());
        const Run r = runHog(p.get(), { "daemon", QString::fromLatin1(name) });
        QCOMPARE(r.status, int(QFS_STATUS_EXITED));
        QCOMPARE(r.exitCode, 0);
        const QJsonObject cg = r.report["enforcement"].toObject()["cgroup"].toObject();
        if (level < QFS_LEVEL_SANDBOXED && cg["kill"].toString() == "none") {
            // Clean up what we cannot hold, then say why the row is moot.
            for (pid_t pid : processesNamed(name))
                kill(pid, SIGKILL);
            QSKIP("no cgroup to kill through and no pid namespace at this level");
        }
        // Killed when the main process exited; it may take a moment to die.
        QElapsedTimer t;
        t.start();
        while (!processesNamed(name).isEmpty() && t.elapsed() < 2000)
            QTest::qWait(10);
        QCOMPARE(processesNamed(name), QList<pid_t> {});
    }

    void samplesArriveAtTheInterval()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_MEMORY_MB, 256);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        // Ends the run once a sample shows the 100 MiB.
        const Run r = runHog(p.get(), { "alloc", "100", "hold" }, 30000, [](Run &run) {
            if ((run.samples.last().usage.memory_used_mb >= 100 && run.samples.size() >= 5)
                || run.samples.size() >= 50)
                qfs_sandbox_kill(run.sb);
        });
        QCOMPARE(r.status, int(QFS_STATUS_SIGNALED));
        QVERIFY(r.samples.size() >= 2);
        // Never faster than the interval, and about at it.
        QList<qint64> gaps;
        for (int i = 1; i < r.samples.size(); i++)
            gaps << qint64(r.samples[i].usage.wall_time_ms - r.samples[i - 1].usage.wall_time_ms);
        std::sort(gaps.begin(), gaps.end());
        QVERIFY2(gaps.first() >= 90, qPrintable(QString::number(gaps.first())));
        QVERIFY2(gaps[gaps.size() / 2] <= 150, qPrintable(QString::number(gaps[gaps.size() / 2])));
        const qfs_usage &last = r.samples.last().usage;
        QVERIFY2(last.memory_used_mb >= 100, qPrintable(QString::number(last.memory_used_mb)));
        QVERIFY(last.memory_peak_mb >= last.memory_used_mb);
        QVERIFY(last.processes >= 1);
        QVERIFY(last.file_handles_used >= 3);
    }

    void descriptorsOfAllProcessesCount()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
        qfs_policy_set_limit(p.get(), QFS_LIMIT_FILE_HANDLES, 30);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        // Four processes with 10 more descriptors each: each under its
        // RLIMIT_NOFILE of 30, together over it.
        const Run r = runHog(p.get(), { "fds", "3", "10" });
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_FILE_HANDLES));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_FILE_HANDLES });
        QVERIFY(usageOf(r.report, "file_handles_used") > 30);
    }

    void diskGrowthOfWritableDirectories()
    {
        live::Tree tree;
        const QString dir = tree.mkdir("out", true);
        // What was there before the run does not count.
        tree.file("out/old", QByteArray(8 << 20, 'o'));
        live::Policy p = hogPolicy();
        live::allowDir(p.get(), dir, true);
        qfs_policy_set_limit(p.get(), QFS_LIMIT_DISK_SPACE_MB, 4);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        // Two files of 3 MiB: each under RLIMIT_FSIZE, together over 4 MiB.
        const Run r = runHog(p.get(), { "disk", dir, "2", "3" });
        QCOMPARE(r.status, int(QFS_STATUS_LIMIT_EXCEEDED));
        QCOMPARE(r.limit, int(QFS_RESOURCE_DISK_SPACE));
        QCOMPARE(r.limitEvents, QList<int> { QFS_RESOURCE_DISK_SPACE });
        QVERIFY(QFileInfo(dir + "/hog-1").size() == 3 << 20);
        const qint64 used = usageOf(r.report, "disk_space_used_mb");
        QVERIFY2(used >= 4 && used < 8, qPrintable(QString::number(used)));
    }

    void privateTmpIsMeasured()
    {
        live::Policy p = hogPolicy();
        qfs_policy_set_limit(p.get(), QFS_LIMIT_DISK_SPACE_MB, 64);
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        const Run r = runHog(p.get(), { "disk", "/tmp", "1", "5" }, 30000, [](Run &run) {
            if (run.samples.last().usage.disk_space_used_mb >= 5 || run.samples.size() >= 50)
                qfs_sandbox_kill(run.sb);
        });
        if (!backendOf(r.report, "disk_space").startsWith("tmpfs"))
            QSKIP("no private /tmp at this level here");
        QVERIFY(!r.samples.isEmpty());
        QCOMPARE(r.samples.last().usage.disk_space_used_mb, uint64_t(5));
    }

    void twoHundredSandboxesInOneLoop()
    {
        const int n = 200;
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        // A sandbox holds about 15 descriptors while it runs.
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < rlim_t(n) * 20)
            QSKIP("RLIMIT_NOFILE too low for 200 sandboxes");

        live::Policy p = hogPolicy();
        qfs_policy_set_monitor_interval_ms(p.get(), 100);
        qfs_loop *loop = nullptr;
        QCOMPARE(qfs_loop_new(&loop), 0);
        std::vector<Run> runs(n);
        std::vector<qfs_sandbox *> sbs(n, nullptr);
        for (int i = 0; i < n; i++) {
            qfs_error err {};
            QCOMPARE(qfs_sandbox_new(loop, p.get(), &sbs[i], &err), 0);
            // Every tenth one hits its CPU budget, the others exit with their number.
            if (i % 10 == 9) {
                qfs_policy *q = nullptr;
                qfs_policy_copy(p.get(), &q);
                qfs_policy_set_limit(q, QFS_LIMIT_CPU_TIME_MS, 50);
                QCOMPARE(qfs_sandbox_update_policy(sbs[i], q, &err), 0);
                qfs_policy_free(q);
                QVERIFY(start(sbs[i], runs[i], { "spin" }));
            } else {
                QVERIFY(start(sbs[i], runs[i], { "exit", "300", QString::number(i % 100) }));
            }
        }
        QCOMPARE(qfs_loop_run_for(loop, 60000), 0);
        for (int i = 0; i < n; i++) {
            collect(sbs[i], runs[i]);
            if (i % 10 == 9) {
                QCOMPARE(runs[i].status, int(QFS_STATUS_LIMIT_EXCEEDED));
                QCOMPARE(runs[i].limitEvents, QList<int> { QFS_RESOURCE_CPU_TIME });
                QCOMPARE(runs[i].report["limit"].toString(), QStringLiteral("cpu_time"));
            } else {
                QCOMPARE(runs[i].status, int(QFS_STATUS_EXITED));
                QCOMPARE(runs[i].exitCode, i % 100);
                QCOMPARE(runs[i].report["exit_code"].toInt(), i % 100);
                QVERIFY(runs[i].limitEvents.isEmpty());
                // The first look at start counts its processes, however
                // late the loop got to its samples.
                QVERIFY(usageOf(runs[i].report, "processes_peak") >= 1);
            }
            qfs_sandbox_free(sbs[i]);
        }
        qfs_loop_free(loop);
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits.moc"
