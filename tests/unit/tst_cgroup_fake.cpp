// The cgroup v2 path against a fake cgroup tree in a temporary directory:
// the supervisor-leaf move, the limits written, counters read back, stale
// directories, and the rlimit rung when no hierarchy is usable.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qfsandbox/policy.h>

#include "../procutil.h"

extern "C" {
#include "cgroup.h"
#include "monitor_internal.h"
}

namespace {

// Pids above the kernel's PID_MAX_LIMIT: killing them can hit nobody.
const char kFakeProcs[] = "4194305\n4194306\n";

void put(const QString &path, const QByteArray &text)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(text);
}

QByteArray get(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray("<missing>");
    return f.readAll();
}

// What the kernel creates in a new cgroup directory.
int populate(const char *path, void *)
{
    const QString d = QString::fromUtf8(path);
    put(d + "/cgroup.procs", kFakeProcs);
    put(d + "/cgroup.kill", "");
    put(d + "/cgroup.controllers", "");
    put(d + "/cgroup.subtree_control", "");
    put(d + "/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    put(d + "/memory.max", "max\n");
    put(d + "/memory.swap.max", "max\n");
    put(d + "/memory.oom.group", "0\n");
    put(d + "/memory.current", "0\n");
    put(d + "/memory.peak", "0\n");
    put(d + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    put(d + "/pids.max", "max\n");
    put(d + "/pids.current", "0\n");
    put(d + "/pids.events", "max 0\n");
    return 0;
}

int removeTree(const char *path, void *)
{
    return QDir(QString::fromUtf8(path)).removeRecursively() ? 0 : -EIO;
}

pid_t deadPid()
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
}

} // namespace

class TestCgroupFake : public QObject
{
    Q_OBJECT

    QTemporaryDir tmp;
    QString own;
    cgroup_config cfg {};
    cgroup_limits limits {};

    void makeOwn(const QByteArray &subtree, bool busy)
    {
        own = tmp.path() + QStringLiteral("/own%1").arg(++serial);
        QVERIFY(QDir().mkpath(own));
        put(own + "/cgroup.controllers", "cpuset cpu io memory pids\n");
        put(own + "/cgroup.subtree_control", subtree);
        put(own + "/cgroup.procs", busy ? QByteArray::number(getpid()) + "\n" : QByteArray());
        ownUtf8 = own.toUtf8();
        cfg = {};
        cfg.v2_parent = ownUtf8.constData();
        cfg.no_v1 = true;
        cfg.populate = populate;
        cfg.remove = removeTree;
    }
    QByteArray ownUtf8;
    int serial = 0;

private slots:
    void init()
    {
        limits = {};
        limits.memory_bytes = 64ull << 20;
        limits.cpu_time_ms = 1500;
        limits.max_processes = 16;
        limits.max_file_handles = 50;
        limits.disk_bytes = 100ull << 20;
    }

    void leafMoveAndLimits()
    {
        makeOwn("", true);
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QVERIFY(cg);

        // The supervisor moved to the leaf, then the controllers were enabled.
        QCOMPARE(get(own + "/qfs-supervisor/cgroup.procs"), QByteArray::number(getpid()) + "\n");
        QCOMPARE(get(own + "/cgroup.subtree_control"), QByteArray("+memory +pids +cpu "));

        const QString name = QString::fromUtf8(cgroup_name(cg));
        QCOMPARE(name, QStringLiteral("qfs-%1-").arg(getpid()) + name.section('-', 2));
        const QString dir = own + "/" + name;
        QCOMPARE(QString::fromUtf8(cgroup_v2_path(cg)), dir);
        QCOMPARE(get(dir + "/memory.max"), QByteArray("67108864\n"));
        QCOMPARE(get(dir + "/memory.swap.max"), QByteArray("0\n"));
        QCOMPARE(get(dir + "/memory.oom.group"), QByteArray("1\n"));
        QCOMPARE(get(dir + "/pids.max"), QByteArray("16\n"));

        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_MEMORY), CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_PROCESSES), CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_CPU_TIME), CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_FILE_HANDLES), CGROUP_BACKEND_RLIMIT);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_DISK_SPACE), CGROUP_BACKEND_RLIMIT);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_NETWORK_CONNECTIONS), CGROUP_BACKEND_NONE);
        QCOMPARE(QString::fromUtf8(cgroup_backend_name(cg, QFS_RESOURCE_MEMORY)),
            QStringLiteral("cgroup2"));
        QCOMPARE(cgroup_kill_backend(cg), CGROUP_BACKEND_V2);
        QVERIFY(cgroup_clone_fd(cg) >= 0);
        QCOMPARE(cgroup_attach_fds(cg, nullptr, 0), size_t(0));
        QVERIFY(QString::fromUtf8(cgroup_describe(cg)).contains("supervisor moved"));

        // Only the per-process rlimits: memory and processes are held by v2.
        cgroup_rlimit rl[CGROUP_RLIMIT_MAX];
        QCOMPARE(cgroup_rlimits(cg, rl, CGROUP_RLIMIT_MAX), size_t(4));
        QCOMPARE(rl[0].resource, int(RLIMIT_NOFILE));
        QCOMPARE(rl[0].limit.rlim_cur, rlim_t(50));
        QCOMPARE(rl[0].limit.rlim_max, rlim_t(50));
        QCOMPARE(rl[1].resource, int(RLIMIT_FSIZE));
        QCOMPARE(rl[1].limit.rlim_cur, rlim_t(100) << 20);
        QCOMPARE(rl[2].resource, int(RLIMIT_CPU));
        QCOMPARE(rl[2].limit.rlim_cur, rlim_t(3)); // ceil(1.5 s) + 1 s
        QCOMPARE(rl[2].limit.rlim_max, rlim_t(4));
        QCOMPARE(rl[3].resource, int(RLIMIT_CORE));
        QCOMPARE(rl[3].limit.rlim_max, rlim_t(0));

        cg = cgroup_free(cg);
        QVERIFY(!cg);
        QVERIFY(!QFileInfo::exists(dir));
        // The leaf is the supervisor's home now; it stays.
        QVERIFY(QFileInfo::exists(own + "/qfs-supervisor"));
    }

    void countersAndEvents()
    {
        makeOwn("cpu memory pids\n", false);
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        const QString dir = QString::fromUtf8(cgroup_v2_path(cg));
        // Nothing to move or enable.
        QVERIFY(!QFileInfo::exists(own + "/qfs-supervisor"));
        QCOMPARE(get(own + "/cgroup.subtree_control"), QByteArray("cpu memory pids\n"));

        put(dir + "/memory.current", "1048576\n");
        put(dir + "/memory.peak", "2097152\n");
        put(dir + "/cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
        put(dir + "/pids.current", "2\n");
        put(dir + "/memory.events", get(QFS_TEST_DATA_DIR "/cgroup/v2/memory.events"));
        put(dir + "/pids.events", "max 3\n");

        struct cgroup_stat st;
        QCOMPARE(cgroup_stat(cg, CGROUP_STAT_ALL, &st), 0);
        QVERIFY(st.memory_valid && st.memory_peak_valid && st.cpu_valid && st.tasks_valid);
        QCOMPARE(st.memory_bytes, uint64_t(1048576));
        QCOMPARE(st.memory_peak_bytes, uint64_t(2097152));
        QCOMPARE(st.cpu_usec, uint64_t(1234));
        QCOMPARE(st.tasks, uint64_t(2));
        QCOMPARE(cgroup_cpu_usec(cg), int64_t(1234));
        QCOMPARE(cgroup_oom_kills(cg), int64_t(1));
        QCOMPARE(cgroup_pids_refused(cg), int64_t(3));

        uint32_t events = 0;
        QVERIFY(cgroup_event_fd(cg, &events) >= 0);
        QCOMPARE(events, uint32_t(EPOLLPRI));
        QVERIFY(cgroup_pids_event_fd(cg) >= 0);

        pid_t pids[4] = {};
        QCOMPARE(cgroup_procs(cg, pids, 4), 2);
        QCOMPARE(pids[0], 4194305);
        QCOMPARE(pids[1], 4194306);
        QCOMPARE(cgroup_procs(cg, pids, 1), 2);

        // cgroup.kill is written, no pid is signalled.
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(get(dir + "/cgroup.kill"), QByteArray("1\n"));
        cgroup_free(cg);
        QVERIFY(!QFileInfo::exists(dir));
    }

    // The next run of a sandbox takes its cgroups again when they are empty
    // and hold the same limits: peak reset, cumulative counters from zero.
    void reuse()
    {
        makeOwn("cpu memory pids\n", false);
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        const QString dir = QString::fromUtf8(cgroup_v2_path(cg));

        // A process is still there: refused, nothing reset.
        put(dir + "/memory.peak", "2097152\n");
        QCOMPARE(cgroup_reuse(cg, &limits), -EBUSY);
        QCOMPARE(get(dir + "/memory.peak"), QByteArray("2097152\n"));

        // What the last run left in the counters.
        put(dir + "/cgroup.procs", "");
        put(dir + "/cpu.stat", "usage_usec 1234\n");
        put(dir + "/memory.events", "oom 1\noom_kill 2\n");
        put(dir + "/pids.events", "max 3\n");
        QCOMPARE(cgroup_cpu_usec(cg), int64_t(1234));
        QCOMPARE(cgroup_oom_kills(cg), int64_t(2));
        QCOMPARE(cgroup_pids_refused(cg), int64_t(3));

        // Other limits: refused.
        cgroup_limits other = limits;
        other.memory_bytes *= 2;
        QCOMPARE(cgroup_reuse(cg, &other), -ESTALE);
        other = limits;
        other.private_user_ns = !limits.private_user_ns;
        QCOMPARE(cgroup_reuse(cg, &other), -ESTALE);

        QCOMPARE(cgroup_reuse(cg, &limits), 0);
        QCOMPARE(QString::fromUtf8(cgroup_v2_path(cg)), dir); // the same directory
        QCOMPARE(get(dir + "/memory.peak").left(2), QByteArray("0\n")); // the peak reset
        QCOMPARE(cgroup_cpu_usec(cg), int64_t(0));
        QCOMPARE(cgroup_oom_kills(cg), int64_t(0));
        QCOMPARE(cgroup_pids_refused(cg), int64_t(0));
        put(dir + "/cpu.stat", "usage_usec 2000\n");
        put(dir + "/memory.events", "oom 2\noom_kill 3\n");
        put(dir + "/pids.events", "max 5\n");
        QCOMPARE(cgroup_cpu_usec(cg), int64_t(766));
        QCOMPARE(cgroup_oom_kills(cg), int64_t(1));
        QCOMPARE(cgroup_pids_refused(cg), int64_t(2));
        struct cgroup_stat st;
        QCOMPARE(cgroup_stat(cg, CGROUP_STAT_CPU, &st), 0);
        QCOMPARE(st.cpu_usec, uint64_t(766));

        // Emptiness spares the kill; a kill makes the cgroup unfit for reuse.
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(get(dir + "/cgroup.kill"), QByteArray(""));
        QCOMPARE(cgroup_reuse(cg, &limits), 0);
        put(dir + "/cgroup.procs", kFakeProcs);
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(get(dir + "/cgroup.kill"), QByteArray("1\n"));
        put(dir + "/cgroup.procs", "");
        QCOMPARE(cgroup_reuse(cg, &limits), -ESTALE);
        QCOMPARE(cgroup_reuse(nullptr, &limits), -EINVAL);
        cgroup_free(cg);
        QVERIFY(!QFileInfo::exists(dir));
    }

    void neverMoves()
    {
        makeOwn("", true);
        cfg.leaf = CGROUP_LEAF_NEVER;
        limits.private_user_ns = true;
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QVERIFY(!QFileInfo::exists(own + "/qfs-supervisor"));
        QCOMPARE(get(own + "/cgroup.subtree_control"), QByteArray(""));
        // The v2 cgroup still serves membership, kill and cpu.stat.
        QCOMPARE(cgroup_kill_backend(cg), CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_CPU_TIME), CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_MEMORY), CGROUP_BACKEND_RLIMIT);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_PROCESSES), CGROUP_BACKEND_RLIMIT);
        const QString dir = QString::fromUtf8(cgroup_v2_path(cg));
        QCOMPARE(get(dir + "/memory.max"), QByteArray("max\n")); // untouched
        QCOMPARE(cgroup_event_fd(cg, nullptr), -1);
        QCOMPARE(cgroup_oom_kills(cg), int64_t(0));

        cgroup_rlimit rl[CGROUP_RLIMIT_MAX];
        QCOMPARE(cgroup_rlimits(cg, rl, CGROUP_RLIMIT_MAX), size_t(6));
        QCOMPARE(rl[4].resource, int(RLIMIT_DATA));
        // A backstop: the limit plus an 8 MiB stack for each of the 16 tasks.
        QCOMPARE(rl[4].limit.rlim_cur, (rlim_t(64) << 20) + 16 * (rlim_t(8) << 20));
        QCOMPARE(rl[5].resource, int(RLIMIT_NPROC));
        QCOMPARE(rl[5].limit.rlim_max, rlim_t(16));
        cgroup_free(cg);
    }

    // An idle sandbox (CPU counter unchanged) is looked at fully only every
    // MONITOR_FULL_EVERY samples; any CPU time or MONITOR_SAMPLE_FULL looks
    // at once.
    void monitorIdleFastPath()
    {
        makeOwn("cpu memory pids\n", false);
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        const QString dir = QString::fromUtf8(cgroup_v2_path(cg));
        int cmd[2], ack[2];
        QCOMPARE(pipe(cmd), 0);
        QCOMPARE(pipe(ack), 0);
        const pid_t child = fork();
        if (child == 0) {
            close(cmd[1]);
            close(ack[0]);
            char c;
            if (write(ack[1], "r", 1) != 1 || read(cmd[0], &c, 1) != 1)
                _exit(1);
            for (int i = 0; i < 3; i++)
                dup(0);
            if (write(ack[1], "k", 1) != 1)
                _exit(1);
            if (read(cmd[0], &c, 1) < 0)
                _exit(1);
            _exit(0);
        }
        // Whatever happens below, the child ends and the fake list goes back.
        struct Cleanup
        {
            pid_t pid;
            int fds[4];
            QString procs;
            ~Cleanup()
            {
                for (int fd : fds)
                    close(fd);
                if (waitpid(pid, nullptr, WNOHANG) == 0) {
                    kill(pid, SIGKILL);
                    waitpid(pid, nullptr, 0);
                }
                if (QFileInfo::exists(procs)) // not yet freed: no real pid in it
                    put(procs, kFakeProcs);
            }
        } cleanup { child, { cmd[0], cmd[1], ack[0], ack[1] }, dir + "/cgroup.procs" };
        put(dir + "/cgroup.procs", QByteArray::number(child) + "\n");
        put(dir + "/cpu.stat", "usage_usec 5000\n");
        put(dir + "/memory.current", "1048576\n");

        char c;
        QCOMPARE(read(ack[0], &c, 1), ssize_t(1)); // the child is settled
        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(cg, child, &m), 0);
        qfs_usage u;
        QCOMPARE(monitor_sample(m, 0, &u), 0); // the first one is full
        const uint32_t fds = u.file_handles_used;
        QCOMPARE(int(fds), procutil::countFds(child));
        QCOMPARE(u.memory_used_mb, uint64_t(1));
        QCOMPARE(u.cpu_time_used_ms, uint64_t(5));
        QCOMPARE(u.processes, 1u);

        // Changes the fake CPU counter does not show.
        put(dir + "/memory.current", "2097152\n");
        QCOMPARE(write(cmd[1], "d", 1), ssize_t(1));
        QCOMPARE(read(ack[0], &c, 1), ssize_t(1));
        for (int i = 1; i < MONITOR_FULL_EVERY; i++) {
            QCOMPARE(monitor_sample(m, 0, &u), 0);
            QCOMPARE(u.memory_used_mb, uint64_t(1));
            QCOMPARE(u.file_handles_used, fds);
        }
        QCOMPARE(monitor_sample(m, 0, &u), 0); // forced full
        QCOMPARE(u.memory_used_mb, uint64_t(2));
        QCOMPARE(u.file_handles_used, fds + 3);

        put(dir + "/memory.current", "3145728\n");
        QCOMPARE(monitor_sample(m, 0, &u), 0);
        QCOMPARE(u.memory_used_mb, uint64_t(2)); // idle again
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), 0);
        QCOMPARE(u.memory_used_mb, uint64_t(3));

        put(dir + "/memory.current", "4194304\n");
        put(dir + "/cpu.stat", "usage_usec 5001\n");
        QCOMPARE(monitor_sample(m, 0, &u), 0); // CPU moved: full
        QCOMPARE(u.memory_used_mb, uint64_t(4));
        QCOMPARE(u.memory_peak_mb, uint64_t(4));

        monitor_free(m);
        put(dir + "/cgroup.procs", kFakeProcs);
        cgroup_free(cg);
    }

    void staleRemoved()
    {
        makeOwn("cpu memory pids\n", false);
        const pid_t dead = deadPid();
        const QString stale = own + QStringLiteral("/qfs-%1-1").arg(dead);
        const QString alive = own + QStringLiteral("/qfs-%1-7").arg(getppid());
        const QString other = own + QStringLiteral("/qfs-%1-x").arg(dead);
        for (const QString &d : { stale, alive, other }) {
            QVERIFY(QDir().mkpath(d));
            QCOMPARE(populate(d.toUtf8().constData(), nullptr), 0);
        }
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QVERIFY(!QFileInfo::exists(stale));
        QVERIFY(QFileInfo::exists(alive));
        QVERIFY(QFileInfo::exists(other)); // not one of our names
        cgroup_free(cg);
        QDir(alive).removeRecursively();
        QDir(other).removeRecursively();
    }

    void limitsFromPolicy()
    {
        qfs_policy *p = nullptr;
        QCOMPARE(qfs_policy_new_builtin("strict", &p), 0);
        cgroup_limits l;
        cgroup_limits_from_policy(p, true, &l);
        QCOMPARE(l.memory_bytes, uint64_t(128) << 20);
        QCOMPARE(l.cpu_time_ms, uint64_t(120000));
        QCOMPARE(l.max_file_handles, uint64_t(25));
        QCOMPARE(l.disk_bytes, uint64_t(50) << 20);
        QCOMPARE(l.max_processes, uint64_t(qfs_policy_get_limit(p, QFS_LIMIT_MAX_PROCESSES)));
        QVERIFY(l.max_processes > 0);
        QVERIFY(l.private_user_ns);
        qfs_policy_free(p);
    }

    void rlimitsOnly()
    {
        cfg = {};
        cfg.no_v1 = true;
        cfg.no_v2 = true;
        struct cgroup *cg = nullptr;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_MEMORY), CGROUP_BACKEND_RLIMIT);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_CPU_TIME), CGROUP_BACKEND_RLIMIT);
        // RLIMIT_NPROC would count every process of the uid: not set.
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_PROCESSES), CGROUP_BACKEND_NONE);
        QCOMPARE(QString::fromUtf8(cgroup_backend_name(cg, QFS_RESOURCE_PROCESSES)),
            QStringLiteral("none"));
        QCOMPARE(cgroup_kill_backend(cg), CGROUP_BACKEND_NONE);
        QVERIFY(!cgroup_name(cg));
        QCOMPARE(cgroup_clone_fd(cg), -1);
        QCOMPARE(cgroup_attach_fds(cg, nullptr, 0), size_t(0));
        QCOMPARE(cgroup_event_fd(cg, nullptr), -1);
        QCOMPARE(cgroup_kill(cg), -ENODATA);
        QCOMPARE(cgroup_procs(cg, nullptr, 0), -ENODATA);
        QCOMPARE(cgroup_cpu_usec(cg), int64_t(-ENODATA));
        QVERIFY(QString::fromUtf8(cgroup_describe(cg)).contains("rlimits only"));

        cgroup_rlimit rl[CGROUP_RLIMIT_MAX];
        QCOMPARE(cgroup_rlimits(cg, rl, CGROUP_RLIMIT_MAX), size_t(5));
        QCOMPARE(rl[4].resource, int(RLIMIT_DATA));
        // Asking for fewer stores fewer and still says how many there are.
        QCOMPARE(cgroup_rlimits(cg, rl, 1), size_t(5));
        cgroup_free(cg);

        QCOMPARE(cgroup_new(&cfg, nullptr, &cg, nullptr), -EINVAL);
        QCOMPARE(cgroup_free(nullptr), static_cast<struct cgroup *>(nullptr));
    }
};

QTEST_GUILESS_MAIN(TestCgroupFake)
#include "tst_cgroup_fake.moc"
