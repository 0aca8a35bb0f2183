// cgroup backends on the live kernel: a forked child placed the way the
// launcher places plugins (clone3 with CLONE_INTO_CGROUP into the v2
// directory, "0" written into each v1 cgroup.procs descriptor), then
// limits, OOM and fork-bomb detection, accounting, kill, removal and stale
// directories, all judged from the host side.
#include <QDir>
#include <QFileInfo>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../procutil.h"

extern "C" {
#include "cgroup.h"
#include "monitor_internal.h"
}

namespace {

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct CloneArgs
{
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

using ChildFn = int (*)(void *);

// Starts @fn in a child placed in @cg exactly as the launcher does it; the
// child may only make async-signal-safe calls.  Optionally applies the
// cgroup's rlimits too.
pid_t spawn(struct cgroup *cg, ChildFn fn, void *arg, bool rlimits = false)
{
    int fds[8];
    const size_t n = cg ? qMin(cgroup_attach_fds(cg, fds, 8), size_t(8)) : 0;
    cgroup_rlimit rl[CGROUP_RLIMIT_MAX];
    const size_t nrl
        = rlimits ? qMin(cgroup_rlimits(cg, rl, CGROUP_RLIMIT_MAX), size_t(CGROUP_RLIMIT_MAX)) : 0;
    CloneArgs ca {};
    ca.exit_signal = SIGCHLD;
    const int cfd = cgroup_clone_fd(cg);
    if (cfd >= 0) {
        ca.flags = CLONE_INTO_CGROUP;
        ca.cgroup = uint64_t(cfd);
    }
    const long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
        for (size_t i = 0; i < n; i++)
            if (write(fds[i], "0", 1) != 1)
                _exit(100);
        for (size_t i = 0; i < nrl; i++)
            if (setrlimit(static_cast<__rlimit_resource_t>(rl[i].resource), &rl[i].limit) < 0)
                _exit(101);
        _exit(fn(arg));
    }
    return pid_t(pid);
}

uint64_t cpuNs()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

int64_t monoMs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Waits until no process listed in the cgroup lives (v1 lists zombies
// until they are reaped, and this host's init reaps orphans lazily).
int waitNoneAlive(struct cgroup *cg, int timeoutMs)
{
    const int64_t end = monoMs() + timeoutMs;
    for (;;) {
        pid_t pids[256];
        const int n = cgroup_procs(cg, pids, 256);
        int alive = 0;
        for (int i = 0; i < n && i < 256; i++)
            alive += !procutil::exited(pids[i]);
        if (alive == 0 || monoMs() >= end)
            return alive;
        usleep(1000);
    }
}

// ---- child bodies ----

int allocateForever(void *)
{
    const size_t len = size_t(1) << 30;
    char *p = static_cast<char *>(
        mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    return 3; // the limit did not hold
}

int allocateOrFail(void *)
{
    const size_t len = size_t(1) << 30;
    void *p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED && errno == ENOMEM ? 42 : 3;
}

int forkBomb(void *)
{
    // Every process forks until the kernel refuses, then waits.
    for (int i = 0; i < 64; i++) {
        pid_t p = fork();
        if (p < 0 && errno != EAGAIN)
            return 4;
        if (p < 0)
            break;
    }
    for (;;)
        pause();
}

struct Spin
{
    uint64_t ms;
    uint64_t childMs;
};

int spinAndReap(void *arg)
{
    const Spin *s = static_cast<const Spin *>(arg);
    if (s->childMs) {
        pid_t c = fork();
        if (c == 0) {
            while (cpuNs() < s->childMs * 1000000u) { }
            _exit(0);
        }
        waitpid(c, nullptr, 0);
    }
    while (cpuNs() < s->ms * 1000000u) { }
    return 0;
}

int daemons(void *arg)
{
    // Three double-forked, setsid daemons; the main process exits at once.
    int *pipefd = static_cast<int *>(arg);
    for (int i = 0; i < 3; i++) {
        pid_t p = fork();
        if (p == 0) {
            setsid();
            pid_t q = fork();
            if (q == 0) {
                pid_t self = getpid();
                if (write(pipefd[1], &self, sizeof(self)) != sizeof(self))
                    _exit(1);
                for (;;)
                    pause();
            }
            _exit(0);
        }
        waitpid(p, nullptr, 0);
    }
    return 0;
}

int sleeper(void *)
{
    for (;;)
        pause();
}

int hold100MiB(void *arg)
{
    int *pipefd = static_cast<int *>(arg);
    const size_t len = size_t(100) << 20;
    void *p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 2;
    memset(p, 1, len);
    if (write(pipefd[1], "r", 1) != 1)
        return 3;
    for (;;)
        pause();
}

int rlimitProbe(void *arg)
{
    // 1: too many descriptors refused; 2: a big file refused; then 42.
    const char *path = static_cast<const char *>(arg);
    int opened = 0;
    for (int i = 0; i < 100; i++) {
        if (open("/dev/null", O_RDONLY) < 0) {
            if (errno != EMFILE)
                return 1;
            break;
        }
        opened++;
    }
    if (opened >= 100)
        return 1;
    for (int fd = 3; fd < 100; fd++)
        close(fd);
    signal(SIGXFSZ, SIG_IGN);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    static char block[65536];
    ssize_t total = 0, w;
    while ((w = write(fd, block, sizeof(block))) > 0)
        total += w;
    if (w >= 0 || errno != EFBIG || total != (ssize_t(1) << 20))
        return 2;
    return 42;
}

// Whatever a test leaves behind when it fails: its direct children (only
// those not yet reaped, whose pids cannot have been reused) and the cgroup,
// which kills the rest.
struct Guard
{
    struct cgroup *cg = nullptr;
    QList<pid_t> children;
    ~Guard()
    {
        for (pid_t p : children) {
            if (waitpid(p, nullptr, WNOHANG) == 0) {
                kill(p, SIGKILL);
                waitpid(p, nullptr, 0);
            }
        }
        cgroup_free(cg);
    }
};

} // namespace

class TestCgroupLive : public QObject
{
    Q_OBJECT

    cgroup_limits limits {};
    cgroup_config cfg {};

    // Why the v1 hierarchies cannot be used here, or an empty string.
    static QByteArray v1Missing()
    {
        if (geteuid() != 0)
            return "cgroup v1 hierarchies are writable only by root here";
        struct cgroup *cg = nullptr;
        cgroup_config probe {};
        cgroup_limits l {};
        l.memory_bytes = 1 << 30;
        QByteArray why;
        if (cgroup_new(&probe, &l, &cg, nullptr) < 0
            || cgroup_backend(cg, QFS_RESOURCE_MEMORY) < CGROUP_BACKEND_V1)
            why = "no writable memory cgroup: " + QByteArray(cg ? cgroup_describe(cg) : "-");
        cgroup_free(cg);
        return why;
    }

private slots:
    void init()
    {
        limits = {};
        limits.memory_bytes = 32ull << 20;
        limits.cpu_time_ms = 10000;
        limits.max_processes = 8;
        limits.max_file_handles = 64;
        limits.disk_bytes = 1 << 20;
        cfg = {};
        const QByteArray why = v1Missing();
        if (!why.isEmpty() && QByteArray(QTest::currentTestFunction()) != "rlimitRungHolds")
            QSKIP(why.constData());
    }

    void memoryLimitOomKill()
    {
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        uint32_t events = 0;
        const int efd = cgroup_event_fd(cg, &events);
        QVERIFY2(efd >= 0, cgroup_describe(cg));
        QCOMPARE(cgroup_oom_kills(cg), int64_t(0));

        const pid_t pid = spawn(cg, allocateForever, nullptr);

        g.children << pid;
        QVERIFY(pid > 0);
        pollfd p { efd, short(events), 0 };
        QCOMPARE(poll(&p, 1, 30000), 1);
        QVERIFY(p.revents & events);
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QVERIFY(WIFSIGNALED(status));
        QCOMPARE(WTERMSIG(status), SIGKILL);
        QVERIFY(cgroup_oom_kills(cg) >= 1);

        struct cgroup_stat st;
        QCOMPARE(cgroup_stat(cg, CGROUP_STAT_ALL, &st), 0);
        QVERIFY(st.memory_peak_valid);
        // Never above the limit, and it did reach it.
        QVERIFY2(st.memory_peak_bytes <= limits.memory_bytes,
            qPrintable(QString::number(st.memory_peak_bytes)));
        QVERIFY(st.memory_peak_bytes >= limits.memory_bytes * 9 / 10);
        cg = cgroup_free(cg);
    }

    void pidsLimitStopsForkBomb()
    {
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QVERIFY(cgroup_backend(cg, QFS_RESOURCE_PROCESSES) >= CGROUP_BACKEND_V1);
        const int pfd = cgroup_pids_event_fd(cg);
        // v1 keeps the count without notifying; v2 notifies.
        QCOMPARE(pfd >= 0, cgroup_backend(cg, QFS_RESOURCE_PROCESSES) == CGROUP_BACKEND_V2);
        QCOMPARE(cgroup_pids_refused(cg), int64_t(0));
        const pid_t pid = spawn(cg, forkBomb, nullptr);
        g.children << pid;
        QVERIFY(pid > 0);
        if (pfd >= 0) {
            pollfd p { pfd, POLLPRI, 0 };
            QCOMPARE(poll(&p, 1, 10000), 1);
        } else {
            const int64_t end = monoMs() + 10000;
            while (cgroup_pids_refused(cg) < 1 && monoMs() < end)
                usleep(1000);
        }
        QVERIFY(cgroup_pids_refused(cg) >= 1);
        // Let it keep trying for a while: it never gets past pids.max.
        pid_t pids[64];
        for (int i = 0; i < 20; i++) {
            struct cgroup_stat st;
            cgroup_stat(cg, CGROUP_STAT_ALL, &st);
            QVERIFY(st.tasks_valid);
            QVERIFY2(st.tasks <= 8, qPrintable(QString::number(st.tasks)));
            QVERIFY(cgroup_procs(cg, pids, 64) <= 8);
            usleep(5000);
        }
        QCOMPARE(cgroup_procs(cg, pids, 64), 8);
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(waitNoneAlive(cg, 2000), 0);
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WTERMSIG(status), SIGKILL);
        cg = cgroup_free(cg);
    }

    void cpuAccountingMatchesRusage()
    {
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QVERIFY(cgroup_backend(cg, QFS_RESOURCE_CPU_TIME) >= CGROUP_BACKEND_V1);
        Spin s { 300, 200 };
        const pid_t pid = spawn(cg, spinAndReap, &s);
        g.children << pid;
        int status = 0;
        rusage ru {};
        QCOMPARE(wait4(pid, &status, 0, &ru), pid);
        QCOMPARE(WEXITSTATUS(status), 0);
        const int64_t rus = int64_t(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000
            + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        const int64_t cg_us = cgroup_cpu_usec(cg);
        QVERIFY2(rus >= 500000, qPrintable(QString::number(rus)));
        // Same clock underneath: within 3 % plus a few ms of the
        // pre-exec work rusage does not see in the same way.
        QVERIFY2(qAbs(cg_us - rus) <= rus * 3 / 100 + 5000,
            qPrintable(QStringLiteral("cgroup %1 us, rusage %2 us").arg(cg_us).arg(rus)));
        cg = cgroup_free(cg);
    }

    void killEmptiesItDaemonsIncluded()
    {
        Guard g;
        struct cgroup *&cg = g.cg;
        limits.max_processes = 32;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        int pipefd[2];
        QCOMPARE(pipe2(pipefd, O_CLOEXEC), 0);
        const pid_t pid = spawn(cg, daemons, pipefd);
        g.children << pid;
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WEXITSTATUS(status), 0);
        close(pipefd[1]);
        pid_t d[3];
        for (pid_t &x : d)
            QCOMPARE(read(pipefd[0], &x, sizeof(x)), ssize_t(sizeof(x)));
        close(pipefd[0]);
        // The main process is gone; its daemons live on in the cgroup.
        pid_t listed[8];
        QCOMPARE(cgroup_procs(cg, listed, 8), 3);
        for (pid_t x : d)
            QVERIFY(!procutil::exited(x));
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(waitNoneAlive(cg, 2000), 0);
        const int64_t end = monoMs() + 2000;
        while (!(procutil::exited(d[0]) && procutil::exited(d[1]) && procutil::exited(d[2]))
            && monoMs() < end)
            usleep(1000);
        for (pid_t x : d)
            QVERIFY2(procutil::exited(x), qPrintable(QString::number(x)));
        cg = cgroup_free(cg);
    }

    void freeRemovesDirectoriesWithProcessesInside()
    {
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QStringList dirs;
        if (cgroup_v2_path(cg))
            dirs << QString::fromUtf8(cgroup_v2_path(cg));
        for (const char *c : { "memory", "pids", "cpuacct", "freezer" })
            if (cgroup_v1_path(cg, c))
                dirs << QString::fromUtf8(cgroup_v1_path(cg, c));
        QVERIFY(dirs.size() >= 2);
        for (const QString &d : dirs)
            QVERIFY(QFileInfo(d).isDir());
        const pid_t pid = spawn(cg, sleeper, nullptr);
        g.children << pid;
        QVERIFY(pid > 0);
        usleep(10000);
        cg = cgroup_free(cg);
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WTERMSIG(status), SIGKILL);
        for (const QString &d : dirs)
            QVERIFY2(!QFileInfo::exists(d), qPrintable(d));
    }

    void staleDirectoryRemovedAtNextCreation()
    {
        // A supervisor that died: its pid is dead, its sandbox still runs.
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        const pid_t dead = [] {
            pid_t p = fork();
            if (p == 0)
                _exit(0);
            waitpid(p, nullptr, 0);
            return p;
        }();
        QStringList stale;
        for (const char *c : { "memory", "pids" }) {
            const QString mine = QString::fromUtf8(cgroup_v1_path(cg, c));
            if (mine.isEmpty())
                continue;
            stale << QFileInfo(mine).path() + QStringLiteral("/qfs-%1-1").arg(dead);
        }
        if (cgroup_v2_path(cg))
            stale << QFileInfo(QString::fromUtf8(cgroup_v2_path(cg))).path()
                    + QStringLiteral("/qfs-%1-1").arg(dead);
        cg = cgroup_free(cg);
        QVERIFY(!stale.isEmpty());
        QList<int> procs;
        for (const QString &d : stale) {
            QVERIFY2(QDir().mkdir(d), qPrintable(d));
            const int fd = open((d + "/cgroup.procs").toUtf8().constData(), O_WRONLY | O_CLOEXEC);
            QVERIFY(fd >= 0);
            procs << fd;
        }
        const pid_t orphan = fork();
        if (orphan > 0)
            g.children << orphan;
        if (orphan == 0) {
            for (int fd : procs)
                if (write(fd, "0", 1) != 1)
                    _exit(100);
            for (;;)
                pause();
        }
        for (int fd : procs)
            close(fd);
        usleep(20000);

        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        for (const QString &d : stale)
            QVERIFY2(!QFileInfo::exists(d), qPrintable(d));
        int status = 0;
        QCOMPARE(waitpid(orphan, &status, 0), orphan);
        QCOMPARE(WTERMSIG(status), SIGKILL);
        cg = cgroup_free(cg);
    }

    void v1OnlyKillUsesFreezer()
    {
        cfg.no_v2 = true;
        limits.max_processes = 64;
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QCOMPARE(cgroup_kill_backend(cg), CGROUP_BACKEND_V1);
        QCOMPARE(cgroup_clone_fd(cg), -1);
        if (!cgroup_v1_path(cg, "freezer"))
            QWARN("no writable v1 freezer: killing without it");
        const pid_t pid = spawn(cg, forkBomb, nullptr);
        g.children << pid;
        const int64_t end = monoMs() + 5000;
        while (cgroup_pids_refused(cg) < 1 && monoMs() < end)
            usleep(1000);
        QVERIFY(cgroup_procs(cg, nullptr, 0) > 8);
        QCOMPARE(cgroup_kill(cg), 0);
        QCOMPARE(waitNoneAlive(cg, 2000), 0);
        int status = 0;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WTERMSIG(status), SIGKILL);
        const QString freezer = QString::fromUtf8(cgroup_v1_path(cg, "freezer"));
        cg = cgroup_free(cg);
        if (!freezer.isEmpty())
            QVERIFY(!QFileInfo::exists(freezer));
    }

    void monitorReadsTheCgroup()
    {
        limits.memory_bytes = 256ull << 20;
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        int pipefd[2];
        QCOMPARE(pipe2(pipefd, O_CLOEXEC), 0);
        const pid_t pid = spawn(cg, hold100MiB, pipefd);
        g.children << pid;
        close(pipefd[1]);
        char c;
        QCOMPARE(read(pipefd[0], &c, 1), ssize_t(1));
        close(pipefd[0]);

        struct monitor *m = nullptr;
        QCOMPARE(monitor_new(cg, pid, &m), 0);
        qfs_usage u;
        QCOMPARE(monitor_sample(m, MONITOR_SAMPLE_FULL, &u), 0);
        QVERIFY2(u.memory_used_mb >= 95, qPrintable(QString::number(u.memory_used_mb)));
        QVERIFY(u.memory_peak_mb >= u.memory_used_mb);
        QCOMPARE(u.processes, 1u);
        QCOMPARE(int(u.file_handles_used), procutil::countFds(pid));
        QCOMPARE(monitor_cpu_usec(m), cgroup_cpu_usec(cg));
        kill(pid, SIGKILL);
        QCOMPARE(waitpid(pid, nullptr, 0), pid);
        monitor_free(m);
        cg = cgroup_free(cg);
    }

    void rlimitRungHolds()
    {
        cfg.no_v1 = true;
        cfg.no_v2 = true;
        limits.max_file_handles = 16;
        QTemporaryDir dir;
        const QByteArray file = (dir.path() + "/big").toUtf8();
        Guard g;
        struct cgroup *&cg = g.cg;
        QCOMPARE(cgroup_new(&cfg, &limits, &cg, nullptr), 0);
        QCOMPARE(cgroup_backend(cg, QFS_RESOURCE_MEMORY), CGROUP_BACKEND_RLIMIT);
        int status = 0;
        pid_t pid = spawn(cg, allocateOrFail, nullptr, true);
        g.children << pid;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WEXITSTATUS(status), 42); // RLIMIT_DATA refused the 1 GiB
        pid = spawn(cg, rlimitProbe, const_cast<char *>(file.constData()), true);
        g.children << pid;
        QCOMPARE(waitpid(pid, &status, 0), pid);
        QCOMPARE(WEXITSTATUS(status), 42); // RLIMIT_NOFILE and RLIMIT_FSIZE
        QCOMPARE(QFileInfo(QString::fromUtf8(file)).size(), qint64(1) << 20);
        cg = cgroup_free(cg);
    }
};

QTEST_GUILESS_MAIN(TestCgroupLive)
#include "tst_cgroup_live.moc"
