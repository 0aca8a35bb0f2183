// The monitor without cgroups: /proc parsing of recorded files, the process
// tree, descriptor and disk counting, qfs_process_usage/qfs_system_usage.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qfsandbox/monitor.h>

#include "../procutil.h"

extern "C" {
#include "monitor_internal.h"
}

namespace {

QByteArray data(const char *name)
{
    QFile f(QStringLiteral(QFS_TEST_DATA_DIR "/proc/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", name);
    return f.readAll();
}

int parse(const QByteArray &b, proc_stat *ps)
{
    return monitor_parse_proc_stat(b.constData(), size_t(b.size()), ps);
}

uint64_t ownCpuNs()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// Async-signal-safe: children of the test only use these.
// Spins until the process has used @ms of CPU time in all.
void spinUntil(uint64_t ms)
{
    while (ownCpuNs() < ms * 1000000u) { }
}

void blockOn(int fd)
{
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR) { }
}

uint64_t blocksUnder(const QString &root)
{
    struct stat st;
    uint64_t total = 0;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    while (it.hasNext())
        if (lstat(it.next().toUtf8().constData(), &st) == 0)
            total += uint64_t(st.st_blocks) * 512;
    return total;
}

void writeFile(const QString &path, qint64 bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray chunk(65536, 'x');
    for (qint64 done = 0; done < bytes; done += chunk.size())
        f.write(chunk.constData(), qMin<qint64>(chunk.size(), bytes - done));
    f.close();
}

// Ends a test's child and closes its pipes however the test returns.
struct ChildGuard
{
    pid_t pid = -1;
    int fds[4] = { -1, -1, -1, -1 };
    ~ChildGuard()
    {
        for (int fd : fds)
            if (fd >= 0)
                close(fd);
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

} // namespace

class TestMonitor : public QObject
{
    Q_OBJECT

private slots:
    void procStat()
    {
        proc_stat ps;
        QCOMPARE(parse(data("stat_plain"), &ps), 0);
        QCOMPARE(ps.state, 'S');
        QCOMPARE(ps.ppid, 9602);
        QCOMPARE(ps.num_threads, uint64_t(1));
        QCOMPARE(ps.starttime, uint64_t(85609));
        QCOMPARE(ps.vsize, uint64_t(14479360));
        QCOMPARE(ps.rss, uint64_t(1629));

        QCOMPARE(parse(data("stat_spaces"), &ps), 0); // "my plugin (x) "
        QCOMPARE(ps.state, 'S');
        QCOMPARE(ps.ppid, 9602);
        QCOMPARE(ps.starttime, uint64_t(85614));

        QCOMPARE(parse(data("stat_parens"), &ps), 0); // ") ) (1 2) R 9"
        QCOMPARE(ps.state, 'S');
        QCOMPARE(ps.ppid, 9602);
        QCOMPARE(ps.starttime, uint64_t(85620));
        QCOMPARE(ps.rss, uint64_t(1659));

        QCOMPARE(parse(data("stat_newline"), &ps), 0); // "a\nb)"
        QCOMPARE(ps.state, 'S');
        QCOMPARE(ps.starttime, uint64_t(85625));

        QCOMPARE(parse(data("stat_busy"), &ps), 0); // "spin (busy) x"
        QCOMPARE(ps.utime, uint64_t(4));
        QCOMPARE(ps.stime, uint64_t(15));
        QCOMPARE(ps.cutime, uint64_t(5));
        QCOMPARE(ps.cstime, uint64_t(24));
        QCOMPARE(ps.starttime, uint64_t(85813));
        QCOMPARE(ps.vsize, uint64_t(14487552));
        QCOMPARE(ps.rss, uint64_t(1702));

        QCOMPARE(parse(data("stat_busy").left(60), &ps), -EINVAL);
        QCOMPARE(parse(QByteArray("123 (noparen S 1 2 3"), &ps), -EINVAL);
        QCOMPARE(parse(QByteArray("123 (x)"), &ps), -EINVAL);
    }

    void memInfo()
    {
        const QByteArray m("MemTotal:       24684032 kB\nMemFree:        1 kB\n"
                           "MemAvailable:   1000 kB\nHugePages_Total:       0\n");
        uint64_t v = 0;
        QCOMPARE(monitor_parse_meminfo(m.constData(), size_t(m.size()), "MemTotal", &v), 0);
        QCOMPARE(v, uint64_t(24684032) * 1024);
        QCOMPARE(monitor_parse_meminfo(m.constData(), size_t(m.size()), "MemAvailable", &v), 0);
        QCOMPARE(v, uint64_t(1024000));
        QCOMPARE(monitor_parse_meminfo(m.constData(), size_t(m.size()), "HugePages_Total", &v), 0);
        QCOMPARE(v, uint64_t(0));
        QCOMPARE(monitor_parse_meminfo(m.constData(), size_t(m.size()), "Mem", &v), -ENOENT);
        const QByteArray s("Name:\tx\nVmHWM:\t    5120 kB\nVmRSS:\t    4096 kB\n");
        QCOMPARE(monitor_parse_meminfo(s.constData(), size_t(s.size()), "VmHWM", &v), 0);
        QCOMPARE(v, uint64_t(5120) * 1024);
    }

    void cpuBusy()
    {
        const QByteArray s("cpu  10 20 30 400 50 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n");
        uint64_t v = 0;
        QCOMPARE(monitor_parse_cpu_busy(s.constData(), size_t(s.size()), &v), 0);
        QCOMPARE(v, uint64_t(81)); // idle and iowait left out
        QCOMPARE(monitor_parse_cpu_busy("cpu0 1 2 3 4\n", 13, &v), -EINVAL);
    }

    // Without a cgroup the monitor walks the tree below the main process.
    void processTree()
    {
        ChildGuard guard;
        int *gate = guard.fds, *ready = guard.fds + 2;
        QCOMPARE(pipe2(gate, O_CLOEXEC), 0);
        QCOMPARE(pipe(ready), 0);
        const pid_t child = fork();
        if (child == 0) {
            close(gate[1]);
            close(ready[0]);
            // A grandchild that spins 100 ms and is reaped: its time moves
            // into our cutime/cstime.
            pid_t g = fork();
            if (g == 0) {
                spinUntil(100);
                _exit(0);
            }
            waitpid(g, nullptr, 0);
            // Two grandchildren that stay; one holds 5 more descriptors.
            for (int i = 0; i < 2; i++) {
                if (fork() == 0) {
                    if (i == 1)
                        for (int k = 0; k < 5; k++)
                            dup(gate[0]);
                    if (write(ready[1], "g", 1) != 1)
                        _exit(1);
                    blockOn(gate[0]);
                    _exit(0);
                }
            }
            // 64 MiB touched.
            const size_t len = 64u << 20;
            void *p
                = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                _exit(1);
            memset(p, 1, len);
            spinUntil(200);
            if (write(ready[1], "c", 1) != 1)
                _exit(1);
            blockOn(gate[0]);
            while (wait(nullptr) > 0) { }
            _exit(0);
        }
        guard.pid = child;
        close(ready[1]);
        ready[1] = -1;
        char buf[3];
        QCOMPARE(read(ready[0], buf, 1), ssize_t(1));
        QCOMPARE(read(ready[0], buf + 1, 1), ssize_t(1));
        QCOMPARE(read(ready[0], buf + 2, 1), ssize_t(1));

        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(nullptr, child, &m), 0);
        qfs_usage u;
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), 0);
        QCOMPARE(u.processes, 3u);
        QCOMPARE(u.processes_peak, 3u);

        // Descriptors: the same count an independent readdir finds.
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", child, child);
        QFile cf(QString::fromUtf8(path));
        QVERIFY(cf.open(QIODevice::ReadOnly));
        int expectFds = procutil::countFds(child);
        for (const QByteArray &p : cf.readAll().split(' '))
            if (p.trimmed().toInt() > 0)
                expectFds += procutil::countFds(p.trimmed().toInt());
        QCOMPARE(int(u.file_handles_used), expectFds);

        QVERIFY2(u.memory_used_mb >= 64, qPrintable(QString::number(u.memory_used_mb)));
        QVERIFY(u.memory_peak_mb >= u.memory_used_mb);
        // 200 ms used by the child plus 100 ms of the reaped grandchild,
        // which comes in whole clock ticks (cutime, cstime): up to 20 ms less.
        QVERIFY2(u.cpu_time_used_ms >= 280 && u.cpu_time_used_ms < 360,
            qPrintable(QString::number(u.cpu_time_used_ms)));
        QCOMPARE(monitor_cpu_usec(m) / 1000, int64_t(u.cpu_time_used_ms));

        monitor_set_connections(m, 4);
        monitor_set_connections(m, 1);
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), 0);
        QCOMPARE(u.network_connections_used, 1u);
        QCOMPARE(u.network_connections_peak, 4u);

        close(gate[1]);
        gate[1] = -1;
        int status = 0;
        QCOMPARE(waitpid(child, &status, 0), child);
        guard.pid = -1;
        QVERIFY(WIFEXITED(status));
        // Reaped: nothing left to look at, the last figures stay.
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), -ESRCH);
        QCOMPARE(u.processes, 0u);
        QCOMPARE(u.processes_peak, 3u);
        QVERIFY(u.memory_peak_mb >= 64);
        monitor_free(m);

        QCOMPARE(monitor_new(nullptr, child, &m), -ESRCH);
        QCOMPARE(monitor_new(nullptr, -1, &m), -EINVAL);
        // No process yet (a disk baseline before the launch): nothing to see.
        QCOMPARE(monitor_new(nullptr, 0, &m), 0);
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), -ESRCH);
        QCOMPARE(u.processes, 0u);
        QCOMPARE(monitor_set_pid(m, child), -ESRCH);
        QCOMPARE(monitor_set_pid(m, getpid()), 0);
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), 0);
        QVERIFY(u.processes >= 1);
        monitor_free(m);
    }

    void diskWalk()
    {
        QTemporaryDir root, outside;
        QVERIFY(root.isValid() && outside.isValid());
        const QString r = root.path();
        QVERIFY(QDir(r).mkpath("a/b/c"));
        QVERIFY(QDir(r).mkpath("d"));
        writeFile(r + "/one", 1 << 20);
        writeFile(r + "/a/two", 2 << 20);
        writeFile(r + "/a/b/c/three", 3 << 20);
        for (int i = 0; i < 20; i++)
            writeFile(r + QStringLiteral("/d/small%1").arg(i), 100);
        // Not followed: a symlink to a large directory outside.
        writeFile(outside.path() + "/big", 8 << 20);
        QVERIFY(QFile::link(outside.path(), r + "/link"));
        const uint64_t expect = blocksUnder(r);
        QVERIFY(expect >= (6u << 20));

        // Any process will do; the walk does not depend on it.
        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(nullptr, getpid(), &m), 0);
        QCOMPARE(monitor_add_disk_dir(m, r.toUtf8().constData()), 0);
        QCOMPARE(monitor_add_disk_dir(m, "/nonexistent/dir"), -ENOENT);
        monitor_set_disk_budget(m, 3);
        qfs_usage u;
        // 28 entries at 3 per sample: the first sample sees a part only.
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        uint64_t previous = monitor_disk_bytes(m);
        QVERIFY2(previous < expect, qPrintable(QString::number(previous)));
        // The figure only grows until the pass completes, then is exact.
        int samples = 1;
        while (monitor_disk_bytes(m) != expect && samples < 12) {
            monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
            QVERIFY(monitor_disk_bytes(m) >= previous);
            QVERIFY(monitor_disk_bytes(m) <= expect);
            previous = monitor_disk_bytes(m);
            samples++;
        }
        QCOMPARE(monitor_disk_bytes(m), expect);
        QVERIFY2(samples >= 9, qPrintable(QString::number(samples))); // budget honoured
        QCOMPARE(u.disk_space_used_mb, expect >> 20);
        // A removed file is gone from the figure once the next pass completes.
        QVERIFY(QFile::remove(r + "/a/b/c/three"));
        const uint64_t after = blocksUnder(r);
        for (int i = 0; i < 12; i++)
            monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), after);
        monitor_free(m);
    }

    // Host directories count by what they grew since the baseline taken
    // before the plugin started.
    void diskGrowthOverABaseline()
    {
        QTemporaryDir root;
        const QString r = root.path();
        writeFile(r + "/old", 2 << 20);
        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(nullptr, 0, &m), 0);
        QCOMPARE(monitor_add_disk_dir(m, r.toUtf8().constData()), 0);
        QCOMPARE(monitor_disk_baseline(m, 1000), 0);
        QCOMPARE(monitor_set_pid(m, getpid()), 0);
        qfs_usage u;
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), uint64_t(0));
        const uint64_t before = blocksUnder(r);
        writeFile(r + "/new", 3 << 20);
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), blocksUnder(r) - before);
        QCOMPARE(u.disk_space_used_mb, uint64_t(3));
        // Removing what was there before never makes it negative.
        QVERIFY(QFile::remove(r + "/old"));
        QVERIFY(QFile::remove(r + "/new"));
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), uint64_t(0));
        monitor_free(m);

        // A baseline larger than its budget is finished by the samples.
        for (int i = 0; i < 30; i++)
            writeFile(r + QStringLiteral("/f%1").arg(i), 4096);
        QCOMPARE(monitor_new(nullptr, getpid(), &m), 0);
        QCOMPARE(monitor_add_disk_dir(m, r.toUtf8().constData()), 0);
        monitor_set_disk_budget(m, 10);
        QCOMPARE(monitor_disk_baseline(m, 10), -EAGAIN);
        for (int i = 0; i < 4; i++)
            monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), uint64_t(0));
        monitor_free(m);
    }

    void diskBudgetCarriesOver()
    {
        QTemporaryDir root;
        const QString r = root.path();
        for (int i = 0; i < 50; i++)
            writeFile(r + QStringLiteral("/f%1").arg(i), 4096);
        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(nullptr, getpid(), &m), 0);
        QCOMPARE(monitor_add_disk_dir(m, r.toUtf8().constData()), 0);
        monitor_set_disk_budget(m, 10);
        qfs_usage u;
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        const uint64_t first = monitor_disk_bytes(m);
        // 10 of 50 files counted: well below the total.
        QVERIFY(first > 0 && first < blocksUnder(r) / 2);
        for (int i = 0; i < 5; i++)
            monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), blocksUnder(r));
        monitor_free(m);
    }

    void diskFileSystem()
    {
        struct statfs sf;
        if (statfs("/dev/shm", &sf) < 0)
            QSKIP("no /dev/shm");
        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(nullptr, getpid(), &m), 0);
        QCOMPARE(monitor_add_disk_fs(m, "/dev/shm"), 0);
        qfs_usage u;
        monitor_sample(m, MONITOR_SAMPLE_FULL, &u);
        QCOMPARE(monitor_disk_bytes(m), uint64_t(sf.f_blocks - sf.f_bfree) * uint64_t(sf.f_bsize));
        monitor_free(m);
    }

    void processUsage()
    {
        ChildGuard guard;
        int *gate = guard.fds, *ready = guard.fds + 2;
        QCOMPARE(pipe2(gate, O_CLOEXEC), 0);
        QCOMPARE(pipe(ready), 0);
        timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        const pid_t child = fork();
        if (child == 0) {
            close(ready[0]);
            close(gate[1]);
            const size_t len = 32u << 20;
            void *p
                = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                _exit(1);
            memset(p, 1, len);
            munmap(p, len);
            spinUntil(50);
            if (write(ready[1], "r", 1) != 1)
                _exit(1);
            blockOn(gate[0]);
            _exit(0);
        }
        guard.pid = child;
        close(ready[1]);
        ready[1] = -1;
        char c;
        QCOMPARE(read(ready[0], &c, 1), ssize_t(1));

        qfs_usage u;
        QCOMPARE(qfs_process_usage(child, &u), 0);
        QCOMPARE(int(u.file_handles_used), procutil::countFds(child));
        QVERIFY2(u.cpu_time_used_ms >= 50 && u.cpu_time_used_ms < 150,
            qPrintable(QString::number(u.cpu_time_used_ms)));
        // The 32 MiB were released, but the high-water mark remembers them.
        QVERIFY2(u.memory_peak_mb >= 32, qPrintable(QString::number(u.memory_peak_mb)));
        QVERIFY(u.memory_used_mb < 32);
        QCOMPARE(u.processes, 1u);
        // Start time on CLOCK_MONOTONIC, to a clock tick (plus the fork).
        const int64_t startedMs = int64_t(t0.tv_sec) * 1000 + t0.tv_nsec / 1000000;
        QVERIFY2(qAbs(int64_t(u.start_time_ms) - startedMs) <= 30,
            qPrintable(QStringLiteral("%1 vs %2").arg(u.start_time_ms).arg(startedMs)));

        close(gate[1]);
        gate[1] = -1;
        QCOMPARE(waitpid(child, nullptr, 0), child);
        guard.pid = -1;
        QCOMPARE(qfs_process_usage(child, &u), -ESRCH);
        QCOMPARE(qfs_process_usage(0, &u), -EINVAL);
        QCOMPARE(qfs_process_usage(getpid(), nullptr), -EINVAL);
    }

    void systemUsage()
    {
        qfs_usage u;
        QCOMPARE(qfs_system_usage(&u), 0);
        QFile mi("/proc/meminfo");
        QVERIFY(mi.open(QIODevice::ReadOnly));
        const QByteArray m = mi.readAll();
        uint64_t total = 0;
        QCOMPARE(monitor_parse_meminfo(m.constData(), size_t(m.size()), "MemTotal", &total), 0);
        QVERIFY(u.memory_used_mb > 0 && u.memory_used_mb < (total >> 20));
        QVERIFY(u.cpu_time_used_ms > 0);
        QVERIFY(u.processes >= 2);
        QVERIFY(u.file_handles_used > 0);
        QVERIFY(u.wall_time_ms > 0);
        QCOMPARE(qfs_system_usage(nullptr), -EINVAL);
    }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_monitor.moc"
