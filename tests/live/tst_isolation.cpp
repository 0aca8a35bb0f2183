// Every layer of Limited, Sandboxed and Strict, judged from the host side:
// the file did not change, the listener got nothing, the sleeper lives, the
// kernel's /proc says what the plugin holds.  Each denial has a control run
// that shows the same attempt succeeding where the policy allows it, so
// that no test passes merely because the probe is broken.
#include "live_test.h"

#include <QScopeGuard>
#include <QSet>
#include <QThread>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

using namespace live;

class TestIsolation : public QObject
{
    Q_OBJECT

private slots:
    void readOutside_data();
    void readOutside();
    void writeOutside_data();
    void writeOutside();
    void links_data();
    void links();
    void networkInterfaces_data();
    void networkInterfaces();
    void noConnection_data();
    void noConnection();
    void noDatagram_data();
    void noDatagram();
    void hostUnixSockets_data();
    void hostUnixSockets();
    void hostAbstractSockets_data();
    void hostAbstractSockets();
    void vsock_data();
    void vsock();
    void hostProcesses_data();
    void hostProcesses();
    void inheritedDescriptors_data();
    void inheritedDescriptors();
    void credentials_data();
    void credentials();
    void priority_data();
    void priority();
    void execAfterStart();
    void processCreation();
    void foreignAbis_data();
    void foreignAbis();
    void tiocsti();
    void personality();
    void writableExecutableMemory();
    void noNamespaceEscape();
    void privateRootMounts_data();
    void privateRootMounts();
    void privateRootTemplate_data();
    void privateRootTemplate();

private:
    static void addLevels(bool withUnrestricted = false);
};

void TestIsolation::addLevels(bool withUnrestricted)
{
    QTest::addColumn<int>("level");
    if (withUnrestricted)
        QTest::newRow("unrestricted") << int(QFS_LEVEL_UNRESTRICTED);
    QTest::newRow("limited") << int(QFS_LEVEL_LIMITED);
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

void TestIsolation::readOutside_data()
{
    addLevels();
}

void TestIsolation::readOutside()
{
    QFETCH(int, level);
    Tree t;
    const QByteArray secret = "SECRET-" + QByteArray::number(qint64(getpid()));
    const QString hidden = t.file("secret.txt", secret, 0644);
    const QString allowed = t.mkdir("allowed", false);
    const QByteArray visible = "VISIBLE-" + QByteArray::number(qint64(getpid()));
    const QString ok = t.file("allowed/ok.txt", visible, 0644);

    Policy p = policy(level);
    allowDir(p.get(), allowed, false);

    // Control: the allowed file can be read, by the native probe and by
    // Python alike.
    Result r = runProbe(p.get(), { "cat", ok });
    QCOMPARE(r.start, 0);
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, visible);

    for (qfs_plugin_type type : { QFS_PLUGIN_NATIVE, QFS_PLUGIN_PYTHON }) {
        const QString prog
            = type == QFS_PLUGIN_NATIVE ? QStringLiteral(QFS_PROBE) : QStringLiteral(QFS_PROBE_PY);
        r = run(p.get(), type, prog, { "cat", hidden });
        QCOMPARE(r.start, 0);
        // The file is in the host's /tmp: inside a private root that is
        // the sandbox's own /tmp, where it does not exist (no violation;
        // tst_enforcer reads outside it).
        QCOMPARE(r.status, QFS_STATUS_EXITED);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(!r.out.contains(secret), r.out.constData());
    }
}

void TestIsolation::writeOutside_data()
{
    addLevels();
}

void TestIsolation::writeOutside()
{
    QFETCH(int, level);
    Tree t;
    const QString outsideDir = t.mkdir("outside", true);
    const QString target = t.file("outside/target.txt", "ORIGINAL", 0666);
    const QString writable = t.mkdir("writable", true);

    Policy p = policy(level);
    allowDir(p.get(), writable, true);

    Result r = runProbe(p.get(), { "write", writable + "/made.txt", "MADE" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(readFile(writable + "/made.txt"), QByteArray("MADE"));

    r = runProbe(p.get(), { "write", target, "PWNED" });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(readFile(target), QByteArray("ORIGINAL"));
    r = runProbe(p.get(), { "append", target, "PWNED" });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(readFile(target), QByteArray("ORIGINAL"));
    r = runProbe(p.get(), { "write", outsideDir + "/new.txt", "NEW" });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(!QFile::exists(outsideDir + "/new.txt"));
}

void TestIsolation::links_data()
{
    addLevels(true);
}

void TestIsolation::links()
{
    QFETCH(int, level);
    Tree t;
    t.mkdir("outside", true);
    const QString target = t.file("outside/target.txt", "ORIGINAL", 0666);
    const QString writable = t.mkdir("writable", true);

    Policy p = policy(level);
    allowDir(p.get(), writable, true);

    // A symlink planted in the writable directory, then followed.
    Result r = runProbe(p.get(), { "symlink", target, writable + "/ln" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    r = runProbe(p.get(), { "append", writable + "/ln", "PWNED" });
    r = runProbe(p.get(), { "cat", writable + "/ln" });
    // A hard link to the outside file.
    Result h = runProbe(p.get(), { "hardlink", target, writable + "/hl" });
    if (QFile::exists(writable + "/hl"))
        runProbe(p.get(), { "append", writable + "/hl", "PWNED" });

    if (level == QFS_LEVEL_UNRESTRICTED) {
        // Control: without a sandbox both links reach the file.
        QCOMPARE(readFile(target), QByteArray("ORIGINALPWNEDPWNED"));
        return;
    }
    QCOMPARE(readFile(target), QByteArray("ORIGINAL"));
    QVERIFY2(!r.out.contains("ORIGINAL"), r.out.constData());
    QCOMPARE(h.exitCode, 1);
    QVERIFY(!QFile::exists(writable + "/hl"));
}

void TestIsolation::networkInterfaces_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

void TestIsolation::networkInterfaces()
{
    QFETCH(int, level);
    const QSet<QByteArray> host = interfaces(0);
    if (host.size() < 2)
        QSKIP("the host itself has no interface but lo");
    Policy p = policy(level);
    QSet<QByteArray> inside;
    Result r = runProbe(
        p.get(), { "sleep", "30000" }, [&](pid_t pid) { inside = interfaces(pluginPid(pid)); });
    QCOMPARE(r.start, 0);
    QCOMPARE(inside, QSet<QByteArray> { "lo" });
}

void TestIsolation::noConnection_data()
{
    addLevels(true);
}

void TestIsolation::noConnection()
{
    QFETCH(int, level);
    QString port;
    int fd = loopbackSocket(SOCK_STREAM, &port);
    QVERIFY(fd >= 0);

    Policy p = policy(level);
    Result r = runProbe(p.get(), { "connect", "127.0.0.1", port });
    int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    const bool reached = conn >= 0;
    if (conn >= 0)
        close(conn);
    close(fd);
    if (level == QFS_LEVEL_UNRESTRICTED) {
        QVERIFY(reached); // control
        return;
    }
    QCOMPARE(r.exitCode, 1);
    QVERIFY(!reached);
}

// A process the plugin's uid could signal and trace if nothing but
// permissions stood in the way.
static pid_t startSleeper(uid_t uid)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (getuid() != uid && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
            _exit(1);
        execl("/bin/sleep", "sleep", "60", static_cast<char *>(nullptr));
        _exit(1);
    }
    return pid;
}

static bool alive(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

void TestIsolation::noDatagram_data()
{
    addLevels(true);
}

void TestIsolation::noDatagram()
{
    // UDP, which Landlock does not cover: a network namespace, or the
    // filter where there is none.
    QFETCH(int, level);
    QString port;
    int fd = loopbackSocket(SOCK_DGRAM, &port);
    QVERIFY(fd >= 0);
    Policy p = policy(level);
    Result r = runProbe(p.get(), { "udp", "127.0.0.1", port });
    char buf[16];
    const bool received = recv(fd, buf, sizeof(buf), 0) > 0;
    close(fd);
    if (level == QFS_LEVEL_UNRESTRICTED) {
        QVERIFY(received); // control
        return;
    }
    QVERIFY(!received);
    if (level == QFS_LEVEL_LIMITED)
        QCOMPARE(r.exitCode, 1);
}

void TestIsolation::hostUnixSockets_data()
{
    addLevels(true);
}

void TestIsolation::hostUnixSockets()
{
    // A pathname socket of the host, as the session bus is: reachable by
    // the plugin's uid as far as file modes go.
    QFETCH(int, level);
    Tree t;
    const QString path = t.path("bus");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    QVERIFY(fd >= 0);
    sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    qstrncpy(sa.sun_path, QFile::encodeName(path).constData(), sizeof(sa.sun_path));
    QCOMPARE(bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)), 0);
    chmod(sa.sun_path, 0777);
    QCOMPARE(listen(fd, 4), 0);
    Policy p = policy(level);
    // Even with the network allowed: a local service is not the network.
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, true);
    Result r = runProbe(p.get(), { "unixconnect", path });
    int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    const bool reached = conn >= 0;
    if (conn >= 0)
        close(conn);
    close(fd);
    if (level == QFS_LEVEL_UNRESTRICTED) {
        QVERIFY(reached); // control
        return;
    }
    QCOMPARE(r.exitCode, 1);
    QVERIFY(!reached);
}

void TestIsolation::hostAbstractSockets_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<bool>("network");
    for (int level = QFS_LEVEL_UNRESTRICTED; level <= QFS_LEVEL_STRICT; level++)
        for (bool network : { false, true })
            QTest::addRow("%s%s", qfs_level_name(level), network ? " network" : "")
                << level << network;
}

void TestIsolation::hostAbstractSockets()
{
    // An abstract socket has no file a private root or Landlock's file
    // rules could hide: the network namespace (whose own they are) and
    // Landlock's scoping must.
    QFETCH(int, level);
    QFETCH(bool, network);
    const QByteArray name = "qfs-isolation-" + QByteArray::number(getpid()) + "-"
        + QByteArray::number(level) + (network ? "n" : "");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    QVERIFY(fd >= 0);
    sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + 1, name.constData(), size_t(name.size()));
    const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + size_t(name.size()));
    QCOMPARE(bind(fd, reinterpret_cast<sockaddr *>(&sa), len), 0);
    QCOMPARE(listen(fd, 4), 0);
    Policy p = policy(level);
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, network);
    Result r = run(p.get(), QFS_PLUGIN_NATIVE, QStringLiteral(QFS_NETPROBE),
        { "abstract", QString::fromLatin1(name) });
    const int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0)
        close(conn);
    close(fd);
    if (level == QFS_LEVEL_UNRESTRICTED) {
        QVERIFY(conn >= 0); // control
        return;
    }
    QCOMPARE(r.exitCode, 1);
    QVERIFY(conn < 0);
}

void TestIsolation::vsock_data()
{
    addLevels(true);
}

void TestIsolation::vsock()
{
    // AF_VSOCK reaches the hypervisor from any network namespace: no
    // sandbox may create one, whatever its network permission.
    QFETCH(int, level);
    Policy p = policy(level);
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, true);
    Result r = run(p.get(), QFS_PLUGIN_NATIVE, QStringLiteral(QFS_NETPROBE), { "vsock" });
    if (level == QFS_LEVEL_UNRESTRICTED) {
        if (r.exitCode != 0)
            QSKIP("this kernel has no AF_VSOCK");
        return;
    }
    QCOMPARE(r.status, level >= QFS_LEVEL_STRICT ? QFS_STATUS_VIOLATION : QFS_STATUS_EXITED);
    if (level < QFS_LEVEL_STRICT) {
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("Address family not supported"), r.err.constData());
    }
    QVERIFY2(r.violations.contains(QStringLiteral("UnauthorizedNetworkAccess socket")),
        qPrintable(r.violations.join(QLatin1Char(','))));
}

void TestIsolation::hostProcesses_data()
{
    addLevels(true);
}

void TestIsolation::hostProcesses()
{
    QFETCH(int, level);
    pid_t sleeper = startSleeper(pluginUid(QFS_LEVEL_LIMITED));
    QVERIFY(sleeper > 0);
    QTest::qWait(50);
    QVERIFY(alive(sleeper));
    Policy p = policy(level);

    Result t = runProbe(p.get(), { "ptrace", QString::number(sleeper) });
    const QByteArray tracer = procStatus(sleeper, "TracerPid");
    Result k = runProbe(p.get(), { "kill", QString::number(sleeper), "9" });
    QTest::qWait(50);
    const bool survived = alive(sleeper);
    if (survived) {
        kill(sleeper, SIGKILL);
        waitpid(sleeper, nullptr, 0);
    }
    if (level == QFS_LEVEL_UNRESTRICTED) {
        QCOMPARE(k.exitCode, 0); // control: the signal arrives
        QVERIFY(!survived);
        return;
    }
    QVERIFY(refused(t, level));
    QCOMPARE(tracer, QByteArray("0"));
    // kill() is no forbidden call: the target is out of reach (another pid
    // namespace, or Landlock's scoping of signals).
    QCOMPARE(k.status, QFS_STATUS_EXITED);
    QCOMPARE(k.exitCode, 1);
    QVERIFY(survived);
}

void TestIsolation::inheritedDescriptors_data()
{
    addLevels(true);
}

void TestIsolation::inheritedDescriptors()
{
    QFETCH(int, level);
    Tree t;
    const QString leak = t.file("leak.txt", "", 0666);
    // Not O_CLOEXEC: a careless host leaves such descriptors around.
    int fd = open(QFile::encodeName(leak).constData(), O_RDWR);
    QVERIFY(fd > 2);
    Policy p = policy(level);

    Result r = runProbe(p.get(), { "usefd", QString::number(fd), "LEAKED" });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(readFile(leak), QByteArray());

    // Right after the exec the dynamic loader briefly holds the libraries
    // it maps; a leaked descriptor, unlike those, stays.
    QStringList held;
    r = runProbe(p.get(), { "sleep", "30000" }, [&](pid_t pid) {
        const QString dir = QStringLiteral("/proc/%1/fd").arg(pluginPid(pid));
        for (int i = 0; i < 100; ++i) {
            held = QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System);
            if (held.size() == 3)
                break;
            QTest::qWait(20);
        }
    });
    close(fd);
    QVERIFY(!held.isEmpty());
    for (const QString &n : held)
        QVERIFY2(n.toInt() <= 2, qPrintable(held.join(' ')));
}

void TestIsolation::credentials_data()
{
    addLevels();
}

void TestIsolation::credentials()
{
    QFETCH(int, level);
    Policy p = policy(level);
    QByteArray capEff, capBnd, nnp, seccomp, uid;
    Result r = runProbe(p.get(), { "sleep", "30000" }, [&](pid_t pid) {
        pid_t plugin = pluginPid(pid);
        capEff = procStatus(plugin, "CapEff");
        capBnd = procStatus(plugin, "CapBnd");
        nnp = procStatus(plugin, "NoNewPrivs");
        seccomp = procStatus(plugin, "Seccomp");
        uid = procStatus(plugin, "Uid");
    });
    QCOMPARE(r.start, 0);
    QCOMPARE(capEff, QByteArray("0000000000000000"));
    QCOMPARE(nnp, QByteArray("1"));
    QCOMPARE(seccomp, QByteArray("2"));
    QCOMPARE(uid.split('\t').first().toUInt(), uint(pluginUid(level)));
    // The bounding set is emptied wherever there is a capability to do it
    // (a user namespace, or a root supervisor).
    if (level >= QFS_LEVEL_SANDBOXED || isRoot())
        QCOMPARE(capBnd, QByteArray("0000000000000000"));
}

void TestIsolation::priority_data()
{
    addLevels();
}

// An application running at a real-time class or a negative nice value
// does not lend it to its plugins: the plugin runs as a normal process.
void TestIsolation::priority()
{
    QFETCH(int, level);
    if (!isRoot())
        QSKIP("only root can raise its own priority, which is what must not be passed on");
    Policy p = policy(level);
    QList<QByteArray> stat;
    // Whatever happens below, this thread leaves with the class and nice
    // value it came with.
    sched_param was {};
    const int wasPolicy = sched_getscheduler(0);
    QVERIFY(wasPolicy >= 0 && sched_getparam(0, &was) == 0);
    errno = 0;
    const int wasNice = getpriority(PRIO_PROCESS, 0);
    QCOMPARE(errno, 0);
    const long wasIo = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
    QVERIFY(wasIo >= 0);
    const auto restore = qScopeGuard([&] {
        sched_setscheduler(0, wasPolicy, &was);
        setpriority(PRIO_PROCESS, 0, wasNice);
        syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, wasIo);
    });
    const sched_param rr { 1 };
    QCOMPARE(sched_setscheduler(0, SCHED_RR, &rr), 0);
    QCOMPARE(setpriority(PRIO_PROCESS, 0, -7), 0);
    QCOMPARE(
        syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 0)), 0L);
    long io = -1;
    Result r = runProbe(p.get(), { "sleep", "30000" }, [&](pid_t pid) {
        io = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pluginPid(pid));
        QFile f(QStringLiteral("/proc/%1/stat").arg(pluginPid(pid)));
        if (f.open(QIODevice::ReadOnly)) {
            const QByteArray all = f.readAll();
            // Fields after the command name, which may hold spaces:
            // [0] is field 3 (state), so field N is [N - 3].
            stat = all.mid(all.lastIndexOf(')') + 2).split(' ');
        }
    });
    QCOMPARE(r.start, 0);
    QVERIFY(stat.size() > 41 - 3);
    QCOMPARE(stat[19 - 3].toInt(), 0); // nice
    QCOMPARE(stat[41 - 3].toInt(), int(SCHED_OTHER)); // policy
    QVERIFY2(io >= 0 && IOPRIO_PRIO_CLASS(io) != IOPRIO_CLASS_RT, qPrintable(QString::number(io)));
}

void TestIsolation::execAfterStart()
{
    Tree t;
    const QString writable = t.mkdir("writable", true);
    const QString marker = writable + "/marker";
    const QStringList args { "exec", QStringLiteral(QFS_PROBE), "write", marker, "x" };

    // Control: Sandboxed lets a plugin exec.
    Policy p = policy(QFS_LEVEL_SANDBOXED);
    allowDir(p.get(), writable, true);
    Result r = runProbe(p.get(), args);
    QCOMPARE(r.exitCode, 0);
    QVERIFY(QFile::exists(marker));
    QFile::remove(marker);

    // Strict: the plugin's own start was its only exec.
    p = policy(QFS_LEVEL_STRICT);
    allowDir(p.get(), writable, true);
    r = runProbe(p.get(), args);
    QCOMPARE(r.start, 0);
    QVERIFY(!QFile::exists(marker));
    QCOMPARE(r.status, QFS_STATUS_VIOLATION);
    QCOMPARE(r.violations, QStringList { "UnauthorizedProcessCreation execve" });
    QCOMPARE(r.report.value("violations").toArray().size(), 1);

    // Also for the interpreter of a script plugin.
    r = run(p.get(), QFS_PLUGIN_PYTHON, QStringLiteral(QFS_PROBE_PY), args);
    QVERIFY(!QFile::exists(marker));
    QCOMPARE(r.status, QFS_STATUS_VIOLATION);
}

void TestIsolation::processCreation()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    Result r = runProbe(p.get(), { "fork" });
    QCOMPARE(r.status, QFS_STATUS_VIOLATION);
    QCOMPARE(r.violations, QStringList { "UnauthorizedProcessCreation clone" });

    p = policy(QFS_LEVEL_SANDBOXED);
    r = runProbe(p.get(), { "fork" });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("Operation not permitted"), r.err.constData());
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
    r = runProbe(p.get(), { "fork" });
    QCOMPARE(r.exitCode, 0); // control

    // Threads are not processes.
    p = policy(QFS_LEVEL_STRICT);
    r = runProbe(p.get(), { "threads", "16" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 0);
    r = run(p.get(), QFS_PLUGIN_PYTHON, QStringLiteral(QFS_PROBE_PY), { "threads", "8" });
    QCOMPARE(r.exitCode, 0);
}

void TestIsolation::foreignAbis_data()
{
    addLevels(true);
}

void TestIsolation::foreignAbis()
{
    QFETCH(int, level);
    Policy p = policy(level);
    Result i = runProbe(p.get(), { "int80" });
    Result x = runProbe(p.get(), { "x32" });
    if (level == QFS_LEVEL_UNRESTRICTED) {
        // Control: without a filter, int 0x80 is an ordinary syscall.
        QCOMPARE(i.status, QFS_STATUS_EXITED);
        QCOMPARE(i.exitCode, 0);
        return;
    }
    // The filter kills on a foreign ABI before any rule is consulted.
    QCOMPARE(i.status, QFS_STATUS_SIGNALED);
    QCOMPARE(i.signal, SIGSYS);
    QCOMPARE(x.status, QFS_STATUS_SIGNALED);
    QCOMPARE(x.signal, SIGSYS);
}

void TestIsolation::tiocsti()
{
    Tree t;
    // A terminal-less stdin would answer ENOTTY anyway; the filter must
    // answer first, whatever the upper 32 bits of the request hold.
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        Policy p = policy(level);
        Result r = runProbe(p.get(), { "tiocsti" });
        QVERIFY(refused(r, level));
        if (level < QFS_LEVEL_STRICT)
            QVERIFY2(r.err.contains("Operation not permitted"), r.err.constData());
    }
    Policy p = policy(QFS_LEVEL_UNRESTRICTED);
    Result r = runProbe(p.get(), { "tiocsti" });
    QVERIFY2(r.err.contains("Inappropriate ioctl"), r.err.constData()); // control
}

void TestIsolation::personality()
{
    // Querying and the plain Linux persona pass; anything else (here:
    // turning ASLR off) is refused, whatever the upper 32 bits hold.
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        Policy p = policy(level);
        QCOMPARE(runProbe(p.get(), { "personality", "0xffffffff" }).exitCode, 0);
        QCOMPARE(runProbe(p.get(), { "personality", "0" }).exitCode, 0);
        Result r = runProbe(p.get(), { "personality", "0x0040000" });
        QVERIFY(refused(r, level));
        if (level < QFS_LEVEL_STRICT)
            QVERIFY2(r.err.contains("Operation not permitted"), r.err.constData());
        QVERIFY(refused(runProbe(p.get(), { "personality", "0x0040000", "high" }), level));
    }
    Policy p = policy(QFS_LEVEL_UNRESTRICTED);
    QCOMPARE(runProbe(p.get(), { "personality", "0x0040000" }).exitCode, 0); // control
}

void TestIsolation::writableExecutableMemory()
{
    Policy p = policy(QFS_LEVEL_STRICT); // blocks "mmap": W^X
    Result r = runProbe(p.get(), { "wx" });
    QCOMPARE(r.status, QFS_STATUS_VIOLATION);
    QCOMPARE(r.violations, QStringList { "BlockedAPICall mmap" });
    QVERIFY(r.report.value("enforcement").toObject().value("effects").toArray().contains("w^x"));

    p = policy(QFS_LEVEL_SANDBOXED);
    r = runProbe(p.get(), { "wx" });
    QCOMPARE(r.exitCode, 0); // control
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "mmap");
    r = runProbe(p.get(), { "wx" });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("Operation not permitted"), r.err.constData());
}

void TestIsolation::noNamespaceEscape()
{
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        Policy p = policy(level);
        Result r = runProbe(p.get(), { "unshare" });
        QVERIFY(refused(r, level));
    }
}

void TestIsolation::privateRootMounts_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

void TestIsolation::privateRootMounts()
{
    // The private root as the plugin sees it (its own mountinfo): every
    // mount nosuid; every mount but /tmp and /proc read-only; every mount
    // nodev but /dev's, whose nodes are ro, nosuid, noexec; small runtime
    // files copied into the read-only root rather than bound, with the
    // host's bytes, readable.
    QFETCH(int, level);
    Policy p = policy(level);
    Result r = runProbe(p.get(), { "cat", "/proc/self/mountinfo" });
    QCOMPARE(r.exitCode, 0);
    QHash<QByteArray, QSet<QByteArray>> options; // mount point -> per-mount options
    for (const QByteArray &line : r.out.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() <= 5)
            continue;
        const QList<QByteArray> o = f[5].split(',');
        options.insert(f[4], QSet<QByteArray>(o.begin(), o.end()));
    }
    QVERIFY2(options.contains("/") && options.contains("/dev") && options.contains("/dev/null")
            && options.contains("/usr") && options.contains("/proc/sys"),
        r.out.constData());
    for (auto it = options.cbegin(); it != options.cend(); ++it) {
        const QByteArray &at = it.key();
        const QSet<QByteArray> &o = it.value();
        const bool dev = at == "/dev" || at.startsWith("/dev/");
        QVERIFY2(o.contains("nosuid"), at.constData());
        if (at != "/tmp" && at != "/proc")
            QVERIFY2(o.contains("ro"), at.constData());
        QVERIFY2(o.contains("nodev") != dev, at.constData());
        if (dev)
            QVERIFY2(o.contains("noexec"), at.constData());
    }
    QVERIFY(options.value("/tmp").contains("rw"));

    for (const char *name : { "/etc/passwd", "/etc/hosts" }) {
        QFileInfo host(QString::fromLatin1(name));
        if (!host.isFile() || host.isSymLink() || host.size() > 4096)
            continue; // bound, not copied, on this host
        QVERIFY2(!options.contains(name), name);
        Result c = runProbe(p.get(), { "cat", name });
        QCOMPARE(c.exitCode, 0);
        QCOMPARE(c.out, readFile(QString::fromLatin1(name)));
    }
    // The kernel's own word on the read-only mounts: nothing stands before
    // it for a device node (the enforcer lets /dev through).
    r = runProbe(p.get(), { "chmod", "/dev/null" });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(strerror(EROFS)), r.err.constData());
}

void TestIsolation::privateRootTemplate_data()
{
    QTest::addColumn<int>("level");
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

// The mounts a plugin sees, without what differs from one mount to the
// next of the same kind (ids, device numbers): mount point, options,
// file system type, source, per line, sorted.
static QList<QByteArray> mountTable(const QByteArray &mountinfo)
{
    QList<QByteArray> rows;
    for (const QByteArray &line : mountinfo.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        const qsizetype dash = f.indexOf("-");
        if (f.size() <= 5 || dash < 0 || dash + 2 >= f.size())
            continue;
        rows << f[4] + ' ' + f[5] + ' ' + f[dash + 1] + ' ' + f[dash + 2];
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

void TestIsolation::privateRootTemplate()
{
    // A sandbox's first run builds the static part of its private root as
    // a template the supervisor keeps; its later runs copy it and add only
    // what is theirs.  Judged on the later runs: the same mounts with the
    // same options as the first run's, a /tmp of their own, the host's
    // root detached, the host's files out of reach.
    QFETCH(int, level);
    Tree t;
    const QByteArray secret = "SECRET-" + QByteArray::number(qint64(getpid()));
    const QString hidden = t.file("secret.txt", secret, 0644);
    const QString allowed = t.mkdir("allowed", false);
    Policy p = policy(level);
    allowDir(p.get(), allowed, false);

    auto templated = [](const Result &r) {
        return r.report["enforcement"].toObject()["private_root_template"].toBool();
    };
    settle(QFS_PROBE);
    const QList<Result> mounts
        = runRepeated(p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE, { "cat", "/proc/self/mountinfo" }, 3);
    QCOMPARE(mounts.size(), 3);
    for (int i = 0; i < 3; i++) {
        QCOMPARE(mounts[i].start, 0);
        QCOMPARE(mounts[i].exitCode, 0);
        QCOMPARE(templated(mounts[i]), i > 0);
    }
    const QList<QByteArray> built = mountTable(mounts[0].out);
    QVERIFY2(built.size() > 10, mounts[0].out.constData());
    QCOMPARE(mountTable(mounts[1].out), built);
    QCOMPARE(mountTable(mounts[2].out), built);
    QVERIFY(!mounts[2].out.contains("qfsandbox-oldroot"));

    // The template holds the host's mount tree: a sandbox that starts no
    // run for 5 s gives it up, and its next run builds a new one.
    const QList<Result> later = runRepeated(
        p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE, { "exit", "0" }, 4, {}, {}, 60000, [](int i) {
            if (i == 2)
                QThread::msleep(5200);
        });
    QCOMPARE(later.size(), 4);
    for (int i = 0; i < 4; i++)
        QCOMPARE(later[i].exitCode, 0);
    QCOMPARE(templated(later[1]), true);
    QCOMPARE(templated(later[2]), false);
    QCOMPARE(templated(later[3]), true);

    // Each run's /tmp is its own: a name the last run made is free again.
    for (const Result &r :
        runRepeated(p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE, { "symlink", "x", "/tmp/fresh" }, 3)) {
        QCOMPARE(r.status, QFS_STATUS_EXITED);
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    // Nothing of the host's root is left where it hung, nor anywhere else.
    for (const QString &path : { QStringLiteral("/.qfsandbox-oldroot") + hidden, hidden }) {
        const QList<Result> rs
            = runRepeated(p.get(), QFS_PLUGIN_NATIVE, QFS_PROBE, { "cat", path }, 3);
        for (int i = 0; i < rs.size(); i++) {
            QCOMPARE(templated(rs[i]), i > 0);
            QVERIFY2(
                rs[i].status != QFS_STATUS_EXITED || rs[i].exitCode == 1, rs[i].out.constData());
            QVERIFY(!rs[i].out.contains(secret));
        }
    }
}

QTEST_GUILESS_MAIN(TestIsolation)
#include "tst_isolation.moc"
