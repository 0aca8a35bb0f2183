// Churn: one process launches many short plugins, one after another and
// several at once in one loop, at Limited, Sandboxed and Strict in turn,
// and ends where it started: the same descriptors, no cgroup directory of
// its own left, no child, no thread, and a resident set back near its
// level after the warm-up.
//
// QFS_CHURN=N sets the number of launches (default 400, the short form
// tests/run.sh runs; 10000 is the long form, see README, Performance).
// Every launch's exit code is checked, so that a launch that failed
// quietly cannot pass for a cheap one.
#include "live_test.h"

#include <QElapsedTimer>

#include <dirent.h>
#include <poll.h>

using namespace live;

namespace {

int countFds()
{
    return int(QDir("/proc/self/fd")
                   .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)
                   .size());
}

// Resident set in KiB.
qint64 rssKiB()
{
    QFile f("/proc/self/status");
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

int countThreads()
{
    return int(QDir("/proc/self/task").entryList(QDir::Dirs | QDir::NoDotAndDotDot).size());
}

// Children of any of our threads (a leaked init or plugin would be one).
int countChildren()
{
    int n = 0;
    for (const QString &t : QDir("/proc/self/task").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile f("/proc/self/task/" + t + "/children");
        const QByteArray kids
            = f.open(QIODevice::ReadOnly) ? f.readAll().simplified() : QByteArray();
        if (!kids.isEmpty())
            n += int(kids.split(' ').size());
    }
    return n;
}

struct Snapshot
{
    int fds = 0, threads = 0, children = 0;
    qint64 rss = 0;
    QStringList cgroups;
};

Snapshot snap()
{
    return { countFds(), countThreads(), countChildren(), rssKiB(), cgroupsOf(getpid()) };
}

const int levels[] = { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT };

Policy churnPolicy(int level)
{
    Policy p = policy(level);
    qfs_policy_set_limit(p.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS, 30000);
    return p;
}

struct Slot
{
    qfs_sandbox *sb = nullptr;
    int expected = -1;
    int got = -2;
    bool running = false;
};

} // namespace

class TestChurn : public QObject
{
    Q_OBJECT

private slots:
    void backToBaseline();

private:
    int launched = 0, wrong = 0;
    bool launch(qfs_loop *loop, Slot &s, bool fresh);
    void sequential(qfs_loop *loop, int n);
    void concurrent(qfs_loop *loop, int n, int width);
};

bool TestChurn::launch(qfs_loop *loop, Slot &s, bool fresh)
{
    const int level = levels[launched % 3];
    Policy p = churnPolicy(level);
    qfs_error err {};
    if (fresh || !s.sb) {
        s.sb = qfs_sandbox_free(s.sb);
        if (qfs_sandbox_new(loop, p.get(), &s.sb, &err) < 0)
            return false;
    } else if (qfs_sandbox_update_policy(s.sb, p.get(), &err) < 0) {
        return false;
    }
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        Slot *slot = static_cast<Slot *>(ud);
        slot->got = ex->status == QFS_STATUS_EXITED ? ex->exit_code : -1;
        slot->running = false;
    };
    qfs_sandbox_set_callbacks(s.sb, &cb, &s);
    qfs_sandbox_set_stdio(s.sb, QFS_STDIO_NULL, QFS_STDIO_NULL, QFS_STDIO_CAPTURE);
    s.expected = launched % 100;
    const QByteArray code = QByteArray::number(s.expected);
    const char *argv[] = { "exit", code.constData(), nullptr };
    s.got = -2;
    s.running = true;
    launched++;
    if (qfs_sandbox_start(s.sb, QFS_PLUGIN_NATIVE, QFS_PROBE_STATIC, argv, &err) < 0) {
        qWarning("launch %d failed: %s", launched, err.message);
        s.running = false;
        return false;
    }
    return true;
}

void TestChurn::sequential(qfs_loop *loop, int n)
{
    Slot s;
    for (int i = 0; i < n; i++) {
        if (!launch(loop, s, true)) {
            wrong++;
            continue;
        }
        qfs_sandbox_wait(s.sb, 30000);
        if (s.got != s.expected)
            wrong++;
    }
    qfs_sandbox_free(s.sb);
}

void TestChurn::concurrent(qfs_loop *loop, int n, int width)
{
    std::vector<Slot> pool(static_cast<size_t>(width));
    int started = 0, finished = 0;
    for (Slot &s : pool)
        if (started < n && launch(loop, s, false))
            started++;
    QElapsedTimer t;
    t.start();
    while (finished < started && t.elapsed() < 600000) {
        pollfd pfd = { qfs_loop_get_fd(loop), POLLIN, 0 };
        poll(&pfd, 1, 100);
        qfs_loop_dispatch(loop);
        for (Slot &s : pool) {
            if (s.running || s.got == -2)
                continue;
            finished++;
            if (s.got != s.expected)
                wrong++;
            s.got = -2;
            // Sandboxes are reused here (their later runs join the
            // namespaces of the first), fresh in the sequential phase.
            if (started < n && launch(loop, s, false))
                started++;
        }
    }
    for (Slot &s : pool)
        qfs_sandbox_free(s.sb);
}

void TestChurn::backToBaseline()
{
    const int total
        = qEnvironmentVariableIsSet("QFS_CHURN") ? qEnvironmentVariableIntValue("QFS_CHURN") : 400;
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);

    // Warm-up: caches (compiled filters, the kernel's slabs) and the
    // allocator's arenas reach their working size.
    sequential(loop, 30);
    concurrent(loop, 30, 8);
    QCOMPARE(wrong, 0);
    const Snapshot before = snap();
    QVERIFY2(before.cgroups.isEmpty(), qPrintable(before.cgroups.join(' ')));

    QElapsedTimer t;
    t.start();
    launched = 0;
    sequential(loop, total / 2);
    const qint64 seqMs = t.restart();
    concurrent(loop, total - total / 2, 8);
    const qint64 concMs = t.elapsed();
    const Snapshot after = snap();

    qInfo("%d launches: %d sequential in %lld ms (%.2f ms each), %d eight at a time in %lld ms "
          "(%.2f ms each); descriptors %d -> %d, threads %d -> %d, children %d -> %d, "
          "RSS %lld -> %lld KiB",
        total, total / 2, seqMs, double(seqMs) / (total / 2), total - total / 2, concMs,
        double(concMs) / (total - total / 2), before.fds, after.fds, before.threads, after.threads,
        before.children, after.children, before.rss, after.rss);
    qfs_loop_free(loop);

    QCOMPARE(launched, total);
    QCOMPARE(wrong, 0);
    QCOMPARE(after.fds, before.fds);
    QCOMPARE(after.threads, before.threads);
    QCOMPARE(after.children, 0);
    QVERIFY2(after.cgroups.isEmpty(), qPrintable(after.cgroups.join(' ')));
    // The resident set may move by what the allocator keeps for reuse and
    // the pages of the code first touched after the warm-up: 2 MiB, a
    // small fraction of what a leak of even 512 bytes per launch over the
    // long form (5 MiB) would show.
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer freed memory waits in its quarantine (up to
    // 256 MiB) before reuse, so the resident set grows with every launch
    // whatever the library does; there LeakSanitizer judges leaks instead,
    // at exit, and fails the test on any.
    qInfo("RSS not compared under AddressSanitizer (its quarantine holds freed memory)");
#else
    QVERIFY2(after.rss - before.rss <= 2048,
        qPrintable(QStringLiteral("%1 -> %2 KiB").arg(before.rss).arg(after.rss)));
#endif
}

QTEST_GUILESS_MAIN(TestChurn)
#include "tst_churn.moc"
