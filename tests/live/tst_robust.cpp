// The supervisor against plugins that abuse it: a gigabyte on stdout,
// stdio closed, binary garbage, many plugins ending at once while it is
// busy, a flood of refused calls; it stays exact (every report right) and
// responsive (another sandbox's usage samples keep arriving during the
// flood; their intervals are printed).  And the CLI killed with SIGKILL
// mid-run leaves no plugin process and no cgroup directory; a supervisor
// killed outright leaves its directories to the next one's sweep.
//
// QFS_ROBUST_LONG=1 runs the long forms (a million refused calls rather
// than 200 000); the README's Performance section has their figures.
#include "live_test.h"

#include <QElapsedTimer>
#include <QProcess>

#include <csignal>
#include <poll.h>
#include <sys/wait.h>

using namespace live;

namespace {

int levelsOf(int i)
{
    static const int levels[] = { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT };
    return levels[i % 3];
}

bool longForm()
{
    return qEnvironmentVariableIsSet("QFS_ROBUST_LONG");
}

// A sandbox whose usage samples come every @interval ms, for timing.
struct Observer
{
    qfs_sandbox *sb = nullptr;
    QList<qint64> sampleMs;
    QElapsedTimer clock;
    bool exited = false;

    void start(qfs_loop *loop, int intervalMs)
    {
        Policy p = policy(QFS_LEVEL_STRICT);
        qfs_policy_set_monitor_interval_ms(p.get(), intervalMs);
        qfs_error err {};
        if (qfs_sandbox_new(loop, p.get(), &sb, &err) < 0)
            qFatal("observer: %s", err.message);
        qfs_sandbox_callbacks cb {};
        cb.usage_updated = [](qfs_sandbox *, const qfs_usage *, void *ud) {
            Observer *o = static_cast<Observer *>(ud);
            o->sampleMs << o->clock.elapsed();
        };
        cb.exited = [](qfs_sandbox *, const qfs_exit *, void *ud) {
            static_cast<Observer *>(ud)->exited = true;
        };
        qfs_sandbox_set_callbacks(sb, &cb, this);
        const char *argv[] = { "sleep", "600000", nullptr };
        clock.start();
        if (qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_PROBE_STATIC, argv, &err) < 0)
            qFatal("observer: %s", err.message);
    }

    // Samples between @fromMs and @toMs, and the longest gap among them.
    int samplesBetween(qint64 fromMs, qint64 toMs, qint64 *maxGap) const
    {
        int n = 0;
        qint64 last = fromMs;
        *maxGap = 0;
        for (qint64 t : sampleMs)
            if (t >= fromMs && t <= toMs) {
                n++;
                *maxGap = qMax(*maxGap, t - last);
                last = t;
            }
        *maxGap = qMax(*maxGap, toMs - last);
        return n;
    }

    ~Observer() { qfs_sandbox_free(sb); }
};

struct Run
{
    qfs_sandbox *sb = nullptr;
    bool done = false;
    qfs_status status = QFS_STATUS_SETUP_FAILED;
    int exitCode = -1;
    ~Run() { qfs_sandbox_free(sb); }
};

qfs_sandbox_callbacks exitedInto()
{
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        Run *r = static_cast<Run *>(ud);
        r->done = true;
        r->status = ex->status;
        r->exitCode = ex->exit_code;
    };
    return cb;
}

void start(qfs_loop *loop, Run &r, const qfs_policy *p, const char *path,
    const std::vector<const char *> &argv)
{
    qfs_error err {};
    if (qfs_sandbox_new(loop, p, &r.sb, &err) < 0)
        qFatal("%s", err.message);
    const qfs_sandbox_callbacks cb = exitedInto();
    qfs_sandbox_set_callbacks(r.sb, &cb, &r);
    if (qfs_sandbox_start(r.sb, QFS_PLUGIN_NATIVE, path, argv.data(), &err) < 0)
        qFatal("%s", err.message);
}

void dispatchUntil(qfs_loop *loop, const std::function<bool()> &done, int maxMs = 120000)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < maxMs) {
        pollfd pfd = { qfs_loop_get_fd(loop), POLLIN, 0 };
        poll(&pfd, 1, 50);
        qfs_loop_dispatch(loop);
    }
}

// `qfsandbox run` of qfs-hog holding descriptors in 1 or 4 processes
// (the token rides in every command line), until they all run; the
// supervisor is the CLI's child, and its cgroups carry its pid.
void startCli(
    QProcess &cli, const QString &level, bool children, const QByteArray &token, pid_t *supervisor)
{
    QStringList args { "run", "--policy", level, "--quiet" };
    if (children)
        args << "--allow-process-creation"
             << "--max-processes"
             << "16";
    args << "--" << QStringLiteral(QFS_HOG) << "fds" << (children ? "3" : "0") << "1"
         << QString::fromLatin1(token);
    cli.start(QStringLiteral(QFS_CLI_PATH), args);
    QVERIFY(cli.waitForStarted());
    // The CLI and its supervising child carry the token too.
    const int want = 2 + (children ? 4 : 1);
    QElapsedTimer t;
    t.start();
    while (processesWith(token).size() < want && t.elapsed() < 10000)
        QTest::qWait(20);
    QVERIFY2(processesWith(token).size() >= want,
        qPrintable(QString::number(processesWith(token).size())));
    QFile kids(QStringLiteral("/proc/%1/task/%1/children").arg(cli.processId()));
    QVERIFY(kids.open(QIODevice::ReadOnly));
    *supervisor = pid_t(kids.readAll().trimmed().split(' ').first().toInt());
    QVERIFY(*supervisor > 0);
}

bool waitGone(const QByteArray &token, int ms = 3000)
{
    QElapsedTimer t;
    t.start();
    while (!processesWith(token).isEmpty() && t.elapsed() < ms)
        QTest::qWait(20);
    return processesWith(token).isEmpty();
}

} // namespace

class TestRobust : public QObject
{
    Q_OBJECT

private slots:
    void stdoutFlood();
    void closedStdio();
    void binaryGarbage();
    void manyExitWhileBusy();
    void violationFlood();
    void killCli_data();
    void killCli();
    void supervisorKilled_data();
    void supervisorKilled();
    void staleCgroupsSwept();
};

// A gigabyte on stdout: drained and dropped past the 1 MiB cap, the run
// reported exactly, and the other sandbox's samples keep coming.
void TestRobust::stdoutFlood()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Observer obs;
    obs.start(loop, 50);
    Run flood;
    Policy p = policy(QFS_LEVEL_STRICT);
    QElapsedTimer t;
    const qint64 from = obs.clock.elapsed();
    t.start();
    start(loop, flood, p.get(), QFS_PROBE_STATIC, { "print", "1073741824", nullptr });
    dispatchUntil(loop, [&] { return flood.done; });
    const qint64 to = obs.clock.elapsed();
    const char *data;
    size_t len;
    bool truncated = false;
    QCOMPARE(qfs_sandbox_get_output(flood.sb, 1, &data, &len, &truncated), 0);
    qint64 gap;
    const int samples = obs.samplesBetween(from, to, &gap);
    qInfo("1 GiB through stdout in %lld ms (%.0f MiB/s); the other sandbox: %d samples at 50 ms, "
          "longest gap %lld ms",
        t.elapsed(), 1024.0 * 1000 / qMax<qint64>(1, t.elapsed()), samples, gap);
    QCOMPARE(flood.status, QFS_STATUS_EXITED);
    QCOMPARE(flood.exitCode, 0);
    QCOMPARE(len, size_t(1) << 20);
    QVERIFY(truncated);
    QVERIFY(std::all_of(data, data + len, [](char c) { return c == 'x'; }));
    // Served during the flood: at least a quarter of the samples due.
    QVERIFY2(samples >= (to - from) / 50 / 4, qPrintable(QString::number(samples)));
    QCOMPARE(qfs_sandbox_kill(obs.sb), 0);
    qfs_sandbox_wait(obs.sb, 10000);
    qfs_loop_free(loop);
}

// Standard descriptors closed early: the capture ends, the run does not,
// and its exit code is the plugin's.
void TestRobust::closedStdio()
{
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        Policy p = policy(level);
        Result r = run(
            p.get(), QFS_PLUGIN_NATIVE, QStringLiteral(QFS_PROBE_STATIC), { "closestdio", "3" });
        QCOMPARE(r.status, QFS_STATUS_EXITED);
        QCOMPARE(r.exitCode, 3);
        QCOMPARE(r.out, QByteArray());
        QCOMPARE(r.err, QByteArray());
    }
}

// Every byte value, NULs and invalid UTF-8 included, kept as it came;
// the report stays valid JSON.
void TestRobust::binaryGarbage()
{
    const int n = 300000;
    QByteArray want(n, 0), wantErr(n, 0);
    for (int i = 0; i < n; i++) {
        want[i] = char((qint64(i) * 131 + 7) & 0xff);
        wantErr[i] = char(~want[i]);
    }
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = run(p.get(), QFS_PLUGIN_NATIVE, QStringLiteral(QFS_PROBE_STATIC),
        { "garbage", QString::number(n) });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.size(), want.size());
    QVERIFY(r.out == want);
    QVERIFY(r.err == wantErr);
    QVERIFY(!r.outTruncated);
    QCOMPARE(r.report.value("status").toString(), QStringLiteral("exited"));
}

// Sixty-four plugins end within the same millisecond while another floods
// stdout: each report has its own plugin's exit code.
void TestRobust::manyExitWhileBusy()
{
    const int n = 64;
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Run flood;
    Policy strict = policy(QFS_LEVEL_STRICT);
    start(loop, flood, strict.get(), QFS_PROBE_STATIC, { "print", "1099511627776", nullptr });
    std::vector<Run> runs(n);
    QElapsedTimer t;
    t.start();
    const qint64 at = 2000 + n * 40; // all end then, measured from now
    for (int i = 0; i < n; i++) {
        Policy p = policy(levelsOf(i));
        const QByteArray ms = QByteArray::number(qMax<qint64>(0, at - t.elapsed()));
        const QByteArray code = QByteArray::number(i + 1);
        start(loop, runs[size_t(i)], p.get(), QFS_HOG,
            { "exit", ms.constData(), code.constData(), nullptr });
    }
    dispatchUntil(loop,
        [&] { return std::all_of(runs.begin(), runs.end(), [](const Run &r) { return r.done; }); });
    const bool floodStillRunning = qfs_sandbox_is_running(flood.sb);
    qfs_sandbox_kill(flood.sb);
    dispatchUntil(loop, [&] { return flood.done; });
    for (int i = 0; i < n; i++) {
        QCOMPARE(runs[size_t(i)].status, QFS_STATUS_EXITED);
        QCOMPARE(runs[size_t(i)].exitCode, i + 1);
    }
    QVERIFY(floodStillRunning); // they ended while the supervisor was busy
    runs.clear();
    qfs_loop_free(loop);
}

// Refused calls as fast as a plugin can make them: the other sandbox's
// samples keep coming (the enforcer's own test checks the count and the
// bounded memory of the event log).
void TestRobust::violationFlood()
{
    const long n = longForm() ? 1000000 : 200000;
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Observer obs;
    obs.start(loop, 50);
    Run flood;
    Policy p = policy(QFS_LEVEL_SANDBOXED);
    const QByteArray count = QByteArray::number(qint64(n));
    const qint64 from = obs.clock.elapsed();
    start(loop, flood, p.get(), QFS_PROBE, { "flood", "keyctl", count.constData(), nullptr });
    dispatchUntil(
        loop, [&] { return flood.done; }, 600000);
    const qint64 to = obs.clock.elapsed();
    qint64 gap;
    const int samples = obs.samplesBetween(from, to, &gap);
    uint64_t dropped = 0;
    const size_t kept = qfs_sandbox_violation_count(flood.sb, &dropped);
    uint64_t counted = 0;
    for (size_t i = 0; i < kept; i++)
        counted += qfs_sandbox_get_violation(flood.sb, i)->count;
    qInfo("%ld refused calls in %lld ms (%.1f us each); the other sandbox: %d samples at 50 ms, "
          "longest gap %lld ms",
        n, to - from, 1000.0 * double(to - from) / double(n), samples, gap);
    QCOMPARE(flood.status, QFS_STATUS_EXITED);
    QCOMPARE(counted, uint64_t(n));
    QVERIFY2(samples >= (to - from) / 50 / 4, qPrintable(QString::number(samples)));
    QCOMPARE(qfs_sandbox_kill(obs.sb), 0);
    qfs_sandbox_wait(obs.sb, 10000);
    qfs_loop_free(loop);
}

void TestRobust::killCli_data()
{
    QTest::addColumn<QString>("level");
    QTest::addColumn<bool>("children");
    QTest::newRow("limited, with children") << "limited" << true;
    QTest::newRow("sandboxed, with children") << "sandboxed" << true;
    QTest::newRow("strict") << "strict" << false;
}

// kill -9 of the CLI mid-run: no plugin process, no cgroup directory left.
void TestRobust::killCli()
{
    QFETCH(QString, level);
    QFETCH(bool, children);
    const QByteArray token = "qfskill" + QByteArray::number(getpid()) + level.toLatin1().left(3);
    QProcess cli;
    pid_t supervisor = 0;
    startCli(cli, level, children, token, &supervisor);
    if (QTest::currentTestFailed())
        return;
    const bool cgroups = !cgroupsOf(supervisor).isEmpty();

    ::kill(pid_t(cli.processId()), SIGKILL);
    QVERIFY(cli.waitForFinished(5000));
    QVERIFY2(waitGone(token), qPrintable(QString::number(processesWith(token).size())));
    QCOMPARE(cgroupsOf(supervisor), QStringList());
    if (!cgroups)
        qInfo("no cgroup was made for this run (an unprivileged supervisor here)");
}

void TestRobust::supervisorKilled_data()
{
    killCli_data();
}

// The supervisor itself killed with SIGKILL, with no chance to clean up:
// every process of its plugin dies with it (the init's parent-death
// signal: the pid namespace goes, or the reaper kills the rest).
void TestRobust::supervisorKilled()
{
    QFETCH(QString, level);
    QFETCH(bool, children);
    const QByteArray token = "qfssup" + QByteArray::number(getpid()) + level.toLatin1().left(3);
    QProcess cli;
    pid_t supervisor = 0;
    startCli(cli, level, children, token, &supervisor);
    if (QTest::currentTestFailed())
        return;
    ::kill(supervisor, SIGKILL);
    QVERIFY(cli.waitForFinished(5000));
    QCOMPARE(cli.exitCode(), 128 + SIGKILL);
    QVERIFY2(waitGone(token), qPrintable(QString::number(processesWith(token).size())));
}

// What a supervisor killed outright leaves (its cgroup directories) the
// next supervisor to start a sandbox under the same cgroup removes.
void TestRobust::staleCgroupsSwept()
{
    const QByteArray token = "qfsstale" + QByteArray::number(getpid());
    QProcess cli;
    pid_t supervisor = 0;
    startCli(cli, "sandboxed", false, token, &supervisor);
    if (QTest::currentTestFailed())
        return;
    const QStringList dirs = cgroupsOf(supervisor);

    ::kill(supervisor, SIGKILL);
    QVERIFY(cli.waitForFinished(5000));
    QCOMPARE(cli.exitCode(), 128 + SIGKILL);
    QVERIFY(waitGone(token));
    if (dirs.isEmpty())
        QSKIP("this supervisor gets no cgroups (unprivileged here): nothing can go stale");
    QCOMPARE(cgroupsOf(supervisor), dirs); // stale now

    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = runProbe(p.get(), { "exit", "0" });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(cgroupsOf(supervisor), QStringList());
}

QTEST_GUILESS_MAIN(TestRobust)
#include "tst_robust.moc"
