#include "bait.h"

#include <QDirIterator>
#include <QRandomGenerator>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hostile {

QByteArray token(const char *prefix)
{
    return QByteArray(prefix) + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

QByteArray readAll(const QString &path, qint64 max)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return f.read(max);
}

QList<pid_t> descendants(pid_t pid)
{
    QList<pid_t> all { pid };
    for (int i = 0; i < all.size() && all.size() < 100000; i++) {
        const QString task = QStringLiteral("/proc/%1/task").arg(all[i]);
        const QStringList tids = QDir(task).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString &tid : tids)
            for (const QByteArray &kid : readAll(task + '/' + tid + "/children").split(' '))
                if (kid.trimmed().toInt() > 0 && !all.contains(kid.trimmed().toInt()))
                    all << pid_t(kid.trimmed().toInt());
    }
    return all;
}

QByteArray comm(pid_t pid)
{
    return readAll(QStringLiteral("/proc/%1/comm").arg(pid)).trimmed();
}

QByteArray nsOf(pid_t pid, const char *kind)
{
    char buf[64];
    const QByteArray path = QStringLiteral("/proc/%1/ns/%2").arg(pid).arg(kind).toUtf8();
    const ssize_t n = readlink(path.constData(), buf, sizeof(buf));
    return n > 0 ? QByteArray(buf, n) : QByteArray();
}

QStringList fdTargets(pid_t pid)
{
    QStringList out;
    const QString dir = QStringLiteral("/proc/%1/fd").arg(pid);
    for (const QString &n :
        QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)) {
        char buf[512];
        ssize_t len = readlink(QFile::encodeName(dir + '/' + n).constData(), buf, sizeof(buf) - 1);
        if (len > 0)
            out << QString::fromUtf8(buf, len);
    }
    return out;
}

QString hostIpv4()
{
    ifaddrs *list = nullptr;
    QString found;
    if (getifaddrs(&list) < 0)
        return found;
    for (ifaddrs *i = list; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !(i->ifa_flags & IFF_LOOPBACK)
            && found.isEmpty()) {
            char buf[INET_ADDRSTRLEN];
            inet_ntop(
                AF_INET, &reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr, buf, sizeof(buf));
            found = QString::fromLatin1(buf);
        }
    freeifaddrs(list);
    return found;
}

// ---- listeners ----

static int inetListener(int family, int type, const char *addr, QString *port)
{
    int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_storage ss {};
    socklen_t len;
    if (fd < 0)
        return -1;
    if (family == AF_INET) {
        auto *sa = reinterpret_cast<sockaddr_in *>(&ss);
        sa->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &sa->sin_addr);
        len = sizeof(*sa);
    } else {
        auto *sa = reinterpret_cast<sockaddr_in6 *>(&ss);
        sa->sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &sa->sin6_addr);
        len = sizeof(*sa);
    }
    if (bind(fd, reinterpret_cast<sockaddr *>(&ss), len) < 0
        || (type == SOCK_STREAM && listen(fd, 16) < 0)
        || getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) < 0) {
        ::close(fd);
        return -1;
    }
    const uint16_t p = family == AF_INET ? reinterpret_cast<sockaddr_in *>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port;
    *port = QString::number(ntohs(p));
    return fd;
}

static int unixListener(int type, const QByteArray &addr, bool abstractName)
{
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    const int off = abstractName ? 1 : 0;
    memcpy(sa.sun_path + off, addr.constData(), size_t(qMin<qsizetype>(addr.size(), 100)));
    const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + off + addr.size() + 1 - off);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&sa), len) < 0
        || (type != SOCK_DGRAM && listen(fd, 16) < 0)) {
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    if (!abstractName)
        chmod(addr.constData(), 0777);
    return fd;
}

void Listeners::open(const QString &dir, const QByteArray &tag)
{
    tcp4 = inetListener(AF_INET, SOCK_STREAM, "127.0.0.1", &tcp4Port);
    tcp6 = inetListener(AF_INET6, SOCK_STREAM, "::1", &tcp6Port);
    hostIp = hostIpv4();
    if (!hostIp.isEmpty())
        tcpAny = inetListener(AF_INET, SOCK_STREAM, "0.0.0.0", &tcpAnyPort);
    udp = inetListener(AF_INET, SOCK_DGRAM, "127.0.0.1", &udpPort);
    unixPath = dir + "/bus";
    unixStream = unixListener(SOCK_STREAM, QFile::encodeName(unixPath), false);
    dgramPath = dir + "/log";
    unixDgram = unixListener(SOCK_DGRAM, QFile::encodeName(dgramPath), false);
    abstractName = QString::fromLatin1("qfs-hostile-" + tag);
    abstract = unixListener(SOCK_STREAM, abstractName.toLatin1(), true);
    fifoPath = dir + "/fifo";
    mkfifo(QFile::encodeName(fifoPath).constData(), 0666);
    chmod(QFile::encodeName(fifoPath).constData(), 0666);
    fifo = ::open(QFile::encodeName(fifoPath).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

void Listeners::close()
{
    for (int *fd : { &tcp4, &tcp6, &tcpAny, &udp, &unixStream, &unixDgram, &abstract, &fifo })
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
}

// A connection or datagram that arrived, with what it carried.
static bool drain(int fd, bool stream, QByteArray *got)
{
    char buf[256];
    if (fd < 0)
        return false;
    if (stream) {
        int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0)
            return false;
        ssize_t n = recv(conn, buf, sizeof(buf), MSG_DONTWAIT);
        *got = QByteArray("connection ") + (n > 0 ? QByteArray(buf, n) : QByteArray());
        ::close(conn);
        return true;
    }
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0)
        return false;
    *got = QByteArray(buf, n);
    return true;
}

QMap<QString, QByteArray> Listeners::reached() const
{
    QMap<QString, QByteArray> out;
    QByteArray got;
    if (drain(tcp4, true, &got))
        out["tcp4"] = got;
    if (drain(tcp6, true, &got))
        out["tcp6"] = got;
    if (drain(tcpAny, true, &got))
        out["tcpany"] = got;
    if (drain(udp, false, &got))
        out["udp"] = got;
    if (drain(unixStream, true, &got))
        out["unix"] = got;
    if (drain(unixDgram, false, &got))
        out["unixdgram"] = got;
    if (drain(abstract, true, &got))
        out["abstract"] = got;
    char buf[256];
    ssize_t n = fifo >= 0 ? read(fifo, buf, sizeof(buf)) : -1;
    if (n > 0)
        out["fifo"] = QByteArray(buf, n);
    return out;
}

// ---- the bait ----

Bait::Bait(const QString &helpers)
{
    fileToken = token("QFSF");
    hiddenName = token("qfs-hidden-");
    victimEnvToken = token("QFSV");
    victimMemToken = token("QFSM");
    envToken = token("QFSE");
    shmToken = token("QFSS");
    runToken = token("qfsrun");

    // The secret's name is random too, so that a listing that finds it
    // found it by reading the directory.
    secret = m_tree.file(QString::fromLatin1(token("secret-")), fileToken + "\n", 0644);
    hidden = m_tree.file(QString::fromLatin1(hiddenName), "hidden\n", 0644);
    drop = m_tree.mkdir("drop", true);
    tools = m_tree.mkdir("tools", false);
    outside = m_tree.mkdir("outside", true);
    m_targetContent = "ORIGINAL " + fileToken.right(6) + "\n";
    target = m_tree.file("outside/target.txt", m_targetContent, 0666);
    for (const char *name : { "qfs-hostile-marker", "libqfs-hostile-payload.so" }) {
        QFile::copy(helpers + '/' + name, tools + '/' + name);
        chmod(QFile::encodeName(tools + '/' + name).constData(), 0755);
    }
    // A program of the host outside the allowed directories.
    QFile::copy(helpers + "/qfs-hostile-marker", outside + "/tool");
    chmod(QFile::encodeName(outside + "/tool").constData(), 0755);
    victimExe = outside + "/victim";
    QFile::copy(helpers + "/qfs-hostile-victim", victimExe);
    chmod(QFile::encodeName(victimExe).constData(), 0777);

    // A read sets atime when the old one is over a day old (relatime).
    const struct timespec times[2]
        = { { time(nullptr) - 2 * 86400, 0 }, { time(nullptr) - 3 * 86400, 0 } };
    utimensat(AT_FDCWD, QFile::encodeName(secret).constData(), times, 0);
    secretAtime = times[0];

    listeners.open(outside, runToken);
    m_outsideBefore
        = QDir(outside).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
    m_rootBefore = QDir(path()).entryList(
        QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden);

    // Left open without O_CLOEXEC, as a careless host would.
    leakFd = open(QFile::encodeName(secret).constData(), O_RDONLY);
    leakDirFd = open(QFile::encodeName(path()).constData(), O_RDONLY | O_DIRECTORY);

    // A segment of the host's IPC namespace anyone may attach.
    ipcKey = key_t(0x51f50000 | (QRandomGenerator::global()->generate() & 0xffff));
    shmId = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
    if (shmId >= 0) {
        void *p = shmat(shmId, nullptr, 0);
        if (p != reinterpret_cast<void *>(-1)) {
            memcpy(p, shmToken.constData(), size_t(shmToken.size()));
            shmdt(p);
        }
    }
    mqName = "/qfs-hostile-" + runToken;
    startVictim(helpers);
}

void Bait::startVictim(const QString &)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
        return;
    const uid_t uid = live::pluginUid(QFS_LEVEL_LIMITED);
    const QByteArray exe = QFile::encodeName(victimExe), sec = QFile::encodeName(secret);
    const QByteArray env = "QFS_VICTIM_SECRET=" + victimEnvToken;
    const QByteArray runArg = "run=" + runToken;
    victim = fork();
    if (victim == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (getuid() != uid
            && (setgroups(0, nullptr) < 0 || setresgid(uid, uid, uid) < 0
                || setresuid(uid, uid, uid) < 0))
            _exit(1);
        const char *argv[] = { exe.constData(), sec.constData(), nullptr };
        const char *envp[] = { env.constData(), nullptr };
        execve(argv[0], const_cast<char **>(argv), const_cast<char **>(envp));
        _exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (write(in[1], victimMemToken.constData(), size_t(victimMemToken.size())) < 0)
        qWarning("cannot hand the victim its secret");
    ::close(in[1]);
    char buf[64] = {};
    ssize_t n = read(out[0], buf, sizeof(buf) - 1);
    ::close(out[0]);
    if (n > 0)
        victimAddr = quintptr(strtoull(buf, nullptr, 16));
}

Bait::~Bait()
{
    if (victim > 0) {
        kill(victim, SIGKILL);
        waitpid(victim, nullptr, 0);
    }
    listeners.close();
    if (leakFd >= 0)
        close(leakFd);
    if (leakDirFd >= 0)
        close(leakDirFd);
    if (shmId >= 0)
        shmctl(shmId, IPC_RMID, nullptr);
    // What an attack that got through may have left in the IPC namespace.
    int id;
    if ((id = shmget(ipcKey, 0, 0)) >= 0)
        shmctl(id, IPC_RMID, nullptr);
    if ((id = msgget(ipcKey, 0)) >= 0)
        msgctl(id, IPC_RMID, nullptr);
    if ((id = semget(ipcKey, 0, 0)) >= 0)
        semctl(id, 0, IPC_RMID);
    mq_unlink(mqName.constData());
    for (pid_t pid : live::processesWith(runToken))
        kill(pid, SIGKILL);
}

QStringList Bait::args() const
{
    QStringList a { "secret=" + secret, "drop=" + drop, "tools=" + tools, "outside=" + outside,
        "target=" + target, "victim=" + QString::number(victim),
        "vaddr=" + QString::number(qulonglong(victimAddr), 16),
        "supervisor=" + QString::number(getpid()), "leakfd=" + QString::number(leakFd),
        "tcp=" + listeners.tcp4Port, "tcp6=" + listeners.tcp6Port, "udp=" + listeners.udpPort,
        "unix=" + listeners.unixPath, "unixdgram=" + listeners.dgramPath,
        "abstract=" + listeners.abstractName, "fifo=" + listeners.fifoPath,
        "key=" + QString::number(ipcKey), "name=" + QString::fromLatin1(mqName),
        "program=" + outside + "/tool", "run=" + QString::fromLatin1(runToken) };
    if (!listeners.hostIp.isEmpty())
        a << "hostip=" + listeners.hostIp << "tcpany=" + listeners.tcpAnyPort;
    return a;
}

QMap<QByteArray, QByteArray> Bait::tokens() const
{
    return { { fileToken, "the secret file" }, { hiddenName, "the hidden file's name" },
        { victimEnvToken, "the victim's environment" }, { victimMemToken, "the victim's memory" },
        { envToken, "the supervisor's environment" }, { shmToken, "the host's shm segment" } };
}

QStringList Bait::leakedTokens(const QByteArray &out, const QByteArray &err) const
{
    // Everywhere the plugin could write: its output and every file under
    // drop/ and outside/ (a link may have made a file's content elsewhere).
    // Never through a symlink: the plugin may have planted one to the
    // secret, and following it would be the runner reading the secret.
    QByteArray hay = out + err;
    struct stat secretSt
    {
    };
    stat(QFile::encodeName(secret).constData(), &secretSt);
    QStringList found;
    for (const QString &dir : { drop, outside }) {
        QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
            QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            struct stat st
            {
            };
            if (lstat(QFile::encodeName(f).constData(), &st) < 0)
                continue;
            hay += QFileInfo(f).fileName().toUtf8() + '\n';
            if (st.st_ino == secretSt.st_ino && st.st_dev == secretSt.st_dev) {
                found << "a hard link to the secret: " + f;
                continue;
            }
            if (S_ISREG(st.st_mode)) {
                const int fd = open(QFile::encodeName(f).constData(),
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
                QFile file;
                if (fd >= 0 && file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle))
                    hay += file.read(4 << 20);
                else if (fd >= 0)
                    ::close(fd);
            }
        }
    }
    const QMap<QByteArray, QByteArray> all = tokens();
    for (auto it = all.begin(); it != all.end(); ++it)
        if (hay.contains(it.key()))
            found << QString::fromUtf8(it.value());
    return found;
}

// Whether a signal has been sent to the victim and not yet acted on: a
// victim that has not run since (the machine is busy) shows neither death
// nor a stop yet, though both are decided.
static bool signalPending(pid_t pid, int sig)
{
    for (const char *field : { "SigPnd", "ShdPnd" }) {
        bool ok = false;
        const qulonglong mask = live::procStatus(pid, field).toULongLong(&ok, 16);
        if (ok && (mask & (1ULL << (sig - 1))))
            return true;
    }
    return false;
}

bool Bait::victimAlive() const
{
    int status;
    return victim > 0 && waitpid(victim, &status, WNOHANG) == 0 && !signalPending(victim, SIGKILL);
}

QByteArray Bait::victimState() const
{
    const QByteArray pending = signalPending(victim, SIGSTOP) ? "stopped (SIGSTOP pending) " : "";
    return pending + live::procStatus(victim, "State") + " tracer "
        + live::procStatus(victim, "TracerPid");
}

QByteArray Bait::victimMemory() const
{
    QFile f(QStringLiteral("/proc/%1/mem").arg(victim));
    if (!victimAddr || !f.open(QIODevice::ReadOnly | QIODevice::Unbuffered)
        || !f.seek(qint64(victimAddr)))
        return {};
    return f.read(victimMemToken.size());
}

QStringList Bait::marks() const
{
    QStringList found;
    for (const QString &dir : { drop, outside, tools }) {
        QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
            QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            if (QFileInfo(f).fileName().startsWith("pwned"))
                found << f;
        }
    }
    const QStringList now = QDir(path()).entryList(
        QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden);
    for (const QString &n : now)
        if (!m_rootBefore.contains(n))
            found << path(n);
    return found;
}

// ---- the host's state ----

static void put(QMap<QString, QByteArray> &s, const QString &path)
{
    s[path] = readAll(path, 65536);
}

QMap<QString, QByteArray> snapshot()
{
    QMap<QString, QByteArray> s;
    utsname u {};
    uname(&u);
    s["uname nodename"] = u.nodename;
    s["uname domainname"] = u.domainname;
    for (const char *p : { "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/printk",
             "/proc/sys/kernel/ctrl-alt-del", "/proc/sys/kernel/pid_max",
             "/proc/sys/user/max_user_namespaces", "/proc/sys/net/ipv4/ip_forward",
             "/sys/class/net/lo/mtu", "/sys/class/net/lo/flags", "/sys/kernel/mm/ksm/run",
             "/sys/kernel/mm/transparent_hugepage/enabled", "/proc/swaps", "/proc/modules" })
        put(s, p);
    for (const QString &h : QDir("/sys/fs/cgroup").entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        put(s, "/sys/fs/cgroup/" + h + "/release_agent");
    // The supervisor's own cgroups and their limits.
    for (const QByteArray &line : readAll("/proc/self/cgroup").split('\n')) {
        const QList<QByteArray> f = line.split(':');
        if (f.size() < 3)
            continue;
        const QString base = "/sys/fs/cgroup/"
            + QString::fromUtf8(f[1].isEmpty() ? "unified"
                    : f[1].startsWith("name=") ? f[1].mid(5)
                                               : f[1])
            + QString::fromUtf8(f[2]);
        for (const char *file : { "memory.limit_in_bytes", "memory.max", "pids.max" })
            if (QFile::exists(base + '/' + file))
                put(s, base + '/' + file);
    }
    s["/proc/self/cgroup"] = readAll("/proc/self/cgroup");
    // Addresses of the loopback interface.
    ifaddrs *list = nullptr;
    QByteArray lo;
    if (getifaddrs(&list) == 0) {
        for (ifaddrs *i = list; i; i = i->ifa_next)
            if (i->ifa_addr && !strcmp(i->ifa_name, "lo")) {
                char buf[INET6_ADDRSTRLEN] = {};
                const void *a = i->ifa_addr->sa_family == AF_INET
                    ? static_cast<const void *>(
                        &reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr)
                    : static_cast<const void *>(
                        &reinterpret_cast<sockaddr_in6 *>(i->ifa_addr)->sin6_addr);
                if (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6)
                    inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof(buf));
                lo += QByteArray(buf) + ' ' + QByteArray::number(i->ifa_flags) + ';';
            }
        freeifaddrs(list);
    }
    s["lo addresses"] = lo;
    // The supervisor's own mounts (without their ids), limits, priority,
    // affinity, scheduling and tracer.
    QByteArray mounts;
    for (const QByteArray &line : readAll("/proc/self/mountinfo").split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() > 5)
            mounts += f[4] + ' ' + f[5] + '\n';
    }
    s["mounts"] = mounts;
    QByteArray limits;
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        rlimit rl {};
        getrlimit(r, &rl);
        limits += QByteArray::number(qulonglong(rl.rlim_cur)) + '/'
            + QByteArray::number(qulonglong(rl.rlim_max)) + ' ';
    }
    s["own rlimits"] = limits;
    errno = 0;
    s["own nice"] = QByteArray::number(getpriority(PRIO_PROCESS, 0));
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof(set), &set);
    s["own affinity"] = QByteArray::number(CPU_COUNT(&set));
    s["own policy"] = QByteArray::number(sched_getscheduler(0));
    s["own tracer"] = live::procStatus(getpid(), "TracerPid");
    timespec rt {}, mono {};
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    s["~clock offset"] = QByteArray::number(qlonglong(rt.tv_sec - mono.tv_sec));
    return s;
}

QStringList snapshotDiff(
    const QMap<QString, QByteArray> &before, const QMap<QString, QByteArray> &after)
{
    QStringList d;
    for (auto it = before.begin(); it != before.end(); ++it)
        if (it.key().startsWith('~')
                ? qAbs(after.value(it.key()).toLongLong() - it.value().toLongLong()) > 2
                : after.value(it.key()) != it.value())
            d << QStringLiteral("%1: %2 -> %3")
                     .arg(it.key(), QString::fromUtf8(it.value().left(200)),
                         QString::fromUtf8(after.value(it.key()).left(200)));
    return d;
}

} // namespace hostile
