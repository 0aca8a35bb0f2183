// The enforcer without a kernel: the sandbox's view of paths, the words a
// refusal is reported in (from made-up registers), and the sandbox's event
// log (bounded, coalesced).
#include "qfs_test.h"

#include <csignal>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <seccomp.h>

extern "C" {
#include "apis.h"
#include "decide.h"
#include "enforcer_internal.h"
#include "notify.h"
#include "sandbox_internal.h"
#include "seccomp_policy.h"
}

class TestViolations : public QObject
{
    Q_OBJECT

private slots:
    void filesOf();
    void view_data();
    void view();
    void words_data();
    void words();
    void ringIsBounded();
    void repeatsCoalesce();
};

void TestViolations::filesOf()
{
    Policy p = builtinPolicy("strict");
    QCOMPARE(enforcer_files_of(p.get()), unsigned(ENFORCER_FILE_WRITES));
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/var/tmp");
    QCOMPARE(enforcer_files_of(p.get()), unsigned(ENFORCER_FILE_WRITES | ENFORCER_FILE_READS));
    qfs_policy_set_level(p.get(), QFS_LEVEL_UNRESTRICTED);
    QCOMPARE(enforcer_files_of(p.get()), 0u);
}

struct EnforcerDeleter
{
    void operator()(enforcer *e) const { enforcer_free(e); }
};
using Enforcer = std::unique_ptr<enforcer, EnforcerDeleter>;

static Enforcer makeEnforcer(const qfs_policy *p, bool privateRoot, unsigned effects = 0,
    unsigned sockets = 0, unsigned host = 0)
{
    enforcer_view v {};
    v.policy = p;
    v.private_root = privateRoot;
    v.strict = qfs_policy_get_level(p) >= QFS_LEVEL_STRICT;
    v.effects = effects;
    v.sockets = sockets;
    v.host = host;
    v.files = enforcer_files_of(p);
    v.plugin_file = "/opt/plugins/p.py";
    v.interpreter = "/usr/bin/python3.11";
    enforcer *e = nullptr;
    if (enforcer_new(&v, &e) < 0)
        qFatal("enforcer_new failed");
    return Enforcer(e);
}

void TestViolations::view_data()
{
    QTest::addColumn<bool>("privateRoot");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("read");
    QTest::addColumn<bool>("write");
    struct Row
    {
        bool root;
        const char *path;
        bool read, write;
    } rows[] = {
        // The policy: /srv/rw read-write, /tmp/ro read-only.
        { false, "/srv/rw/x", true, true },
        { true, "/srv/rw/x", true, true },
        { false, "/srv/other", false, false },
        { true, "/srv/other", false, false },
        { false, "/usr/lib/libc.so.6", true, false },
        { false, "/etc/shadow", false, false },
        // The launcher's additions.
        { true, "/opt/plugins/p.py", true, false },
        { true, "/opt/plugins/other.py", false, false },
        { true, "/usr/bin/python3.11", true, false },
        { false, "/dev/null", true, true },
        { true, "/dev/urandom", true, true },
        { true, "/dev/sda", false, false },
        { false, "/proc/self/status", true, false },
        { true, "/proc/sys/kernel/core_pattern", true, false },
        // The private /tmp is the sandbox's own; the host's is not.
        { true, "/tmp/scratch", true, true },
        { false, "/tmp/scratch", false, false },
        { true, "/dev/shm/sem.x", true, true }, // a symlink to /tmp there
        { false, "/dev/shm/sem.x", false, false },
        // An allowed directory bound read-only inside the private /tmp
        // stays read-only: the most specific mount decides writes.
        { true, "/tmp/ro/file", true, false },
        { true, "/tmp/ro/../rw-in-tmp", true, true },
        // Lexical: ".." cannot climb out of a judgement.
        { false, "/srv/rw/../other/x", false, false },
    };
    for (const Row &r : rows)
        QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(r.root ? "root" : "host", r.path)))
            << r.root << QString(r.path) << r.read << r.write;
}

void TestViolations::view()
{
    QFETCH(bool, privateRoot);
    QFETCH(QString, path);
    QFETCH(bool, read);
    QFETCH(bool, write);
    Policy p = builtinPolicy("sandboxed");
    qfs_policy_list_clear(p.get(), QFS_LIST_ALLOWED_DIRECTORIES);
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/srv/rw");
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_READ, true);
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_WRITE, true);
    Enforcer e = makeEnforcer(p.get(), privateRoot);
    const QByteArray b = path.toUtf8();
    // /tmp/ro: read-only, in a second policy where only it is listed
    // without the write permission.
    if (path.startsWith("/tmp/ro")) {
        Policy q = builtinPolicy("sandboxed");
        qfs_policy_list_clear(q.get(), QFS_LIST_ALLOWED_DIRECTORIES);
        qfs_policy_list_add(q.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/tmp/ro");
        qfs_policy_set_permission(q.get(), QFS_PERM_FILE_SYSTEM_READ, true);
        Enforcer f = makeEnforcer(q.get(), privateRoot);
        QCOMPARE(enforcer_check_path(f.get(), b.constData(), ENFORCER_READ), int(read));
        QCOMPARE(enforcer_check_path(f.get(), b.constData(), ENFORCER_WRITE), int(write));
        return;
    }
    QCOMPARE(enforcer_check_path(e.get(), b.constData(), ENFORCER_READ), int(read));
    QCOMPARE(enforcer_check_path(e.get(), b.constData(), ENFORCER_WRITE), int(write));
    QCOMPARE(enforcer_check_path(e.get(), b.constData(), ENFORCER_READ | ENFORCER_WRITE),
        int(read && write));
    QCOMPARE(enforcer_check_path(e.get(), "relative", ENFORCER_READ), -EINVAL);
}

void TestViolations::words_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addColumn<QStringList>("blocked");
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QList<qulonglong>>("args");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("api");
    QTest::addColumn<int>("error");
    using A = QList<qulonglong>;
    const QString sys = "UnauthorizedSystemCall", proc = "UnauthorizedProcessCreation",
                  api = "BlockedAPICall", net = "UnauthorizedNetworkAccess";
    QTest::newRow("namespaces by clone")
        << "limited" << QStringList() << "clone"
        << A { qulonglong(CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD) } << sys
        << "clone(flags=CLONE_NEWNS|CLONE_NEWUSER|SIGCHLD) — creating namespaces"
        << "" << EPERM;
    QTest::newRow("process by clone")
        << "strict" << QStringList() << "clone"
        << A { qulonglong(CLONE_VM | CLONE_VFORK | SIGCHLD) } << proc
        << "clone(flags=CLONE_VM|CLONE_VFORK|SIGCHLD) — creating a process"
        << "fork" << EPERM;
    QTest::newRow("fork") << "sandboxed" << QStringList() << "fork" << A {} << proc
                          << "fork() — creating a process"
                          << "" << EPERM;
    QTest::newRow("ptrace") << "limited" << QStringList() << "ptrace"
                            << A { qulonglong(PTRACE_ATTACH), 1234 } << sys
                            << "ptrace(PTRACE_ATTACH, pid 1234) — tracing a process"
                            << "" << EPERM;
    QTest::newRow("ptrace traceme") << "limited" << QStringList() << "ptrace" << A { 0 } << sys
                                    << "ptrace(PTRACE_TRACEME) — tracing a process"
                                    << "" << EPERM;
    QTest::newRow("unshare") << "limited" << QStringList() << "unshare"
                             << A { qulonglong(CLONE_NEWNET | CLONE_NEWNS) } << sys
                             << "unshare(CLONE_NEWNS|CLONE_NEWNET) — creating namespaces"
                             << "" << EPERM;
    QTest::newRow("setns") << "limited" << QStringList() << "setns"
                           << A { 5, qulonglong(CLONE_NEWNET) } << sys
                           << "setns(fd 5, CLONE_NEWNET) — entering namespaces"
                           << "" << EPERM;
    QTest::newRow("keyctl") << "limited" << QStringList { "@keyring" } << "keyctl"
                            << A { 1, qulonglong(uint32_t(-3)) } << sys
                            << "keyctl(KEYCTL_JOIN_SESSION_KEYRING, KEY_SPEC_SESSION_KEYRING) — "
                               "using the kernel keyring"
                            << "@keyring" << EPERM;
    QTest::newRow("bpf prog load") << "limited" << QStringList() << "bpf" << A { 5 } << sys
                                   << "bpf(BPF_PROG_LOAD) — loading BPF programs"
                                   << "" << EPERM;
    // TIOCSTI with garbage in the upper half, which the kernel ignores.
    QTest::newRow("TIOCSTI") << "limited" << QStringList() << "ioctl"
                             << A { 0, (1ull << 32) | TIOCSTI } << sys
                             << "ioctl(fd 0, TIOCSTI) — injecting input into a terminal"
                             << "" << EPERM;
    QTest::newRow("TIOCLINUX") << "limited" << QStringList() << "ioctl"
                               << A { 1, qulonglong(TIOCLINUX) } << sys
                               << "ioctl(fd 1, TIOCLINUX) — controlling the Linux console"
                               << "" << EPERM;
    QTest::newRow("TIOCSETD") << "limited" << QStringList() << "ioctl"
                              << A { 0, (1ull << 32) | TIOCSETD } << sys
                              << "ioctl(fd 0, TIOCSETD) — replacing a terminal's line discipline"
                              << "" << EPERM;
    // What a plugin without IPC or pid namespace would share with the host.
    QTest::newRow("shmget")
        << "limited" << QStringList() << "shmget" << A { 0x51f5, 4096, 01666 } << sys
        << "shmget(key 0x51f5) — System V IPC or a message queue of the host's IPC "
           "namespace (no IPC namespace at this level)"
        << "" << EPERM;
    QTest::newRow("mq_open") << "limited" << QStringList() << "mq_open" << A { 0, 0100 } << sys
                             << "mq_open() — System V IPC or a message queue of the host's "
                                "IPC namespace (no IPC namespace at this level)"
                             << "" << EPERM;
    QTest::newRow("prlimit64 of another")
        << "limited" << QStringList() << "prlimit64" << A { 4242, 7 } << sys
        << "prlimit64(pid 4242) — changing another process (no pid "
           "namespace at this level: only the caller itself, "
           "as pid 0)"
        << "" << EPERM;
    QTest::newRow("setpriority of the user")
        << "limited" << QStringList() << "setpriority" << A { 2, 0, 19 } << sys
        << "setpriority(which 2, who 0) — changing other processes (no "
           "pid namespace at this level: only the caller "
           "itself or its own process group, as 0)"
        << "" << EPERM;
    QTest::newRow("personality") << "limited" << QStringList() << "personality" << A { 0x0040000 }
                                 << sys << "personality(0x40000) — changing the execution domain"
                                 << "" << EPERM;
    QTest::newRow("W^X mmap") << "strict" << QStringList() << "mmap"
                              << A { 0, 8192, qulonglong(PROT_READ | PROT_WRITE | PROT_EXEC),
                                     qulonglong(MAP_PRIVATE | MAP_ANONYMOUS) }
                              << api
                              << "mmap(8192 bytes, PROT_READ|PROT_WRITE|PROT_EXEC, "
                                 "MAP_PRIVATE|MAP_ANONYMOUS) — memory both writable and "
                                 "executable (W^X)"
                              << "mmap" << EPERM;
    QTest::newRow("W^X mprotect, VirtualAlloc")
        << "limited" << QStringList { "VirtualAlloc" } << "mprotect"
        << A { 0x7f0000000000, 4096, qulonglong(PROT_WRITE | PROT_EXEC) } << api
        << "mprotect(0x7f0000000000, 4096 bytes, PROT_WRITE|PROT_EXEC) — memory both writable "
           "and executable (W^X)"
        << "VirtualAlloc" << EPERM;
    QTest::newRow("memfd, LoadLibrary")
        << "limited" << QStringList { "LoadLibrary" } << "memfd_create" << A { 0, 1 } << api
        << "memfd_create(NULL, MFD_CLOEXEC) — a memory file that could be mapped executable (only "
           "MFD_NOEXEC_SEAL ones are allowed)"
        << "LoadLibrary" << EPERM;
    QTest::newRow("inet socket without a network namespace")
        << "limited" << QStringList() << "socket"
        << A { qulonglong(AF_INET6), qulonglong(SOCK_DGRAM | SOCK_CLOEXEC) } << net
        << "socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC) — an IP socket without network access"
        << "" << EPERM;
    QTest::newRow("socket, @network") << "limited" << QStringList { "@network" } << "socket"
                                      << A { qulonglong(AF_UNIX), qulonglong(SOCK_STREAM) } << net
                                      << "socket(AF_UNIX, SOCK_STREAM) — blocked by \"@network\""
                                      << "@network" << EPERM;
    QTest::newRow("unlisted") << "strict" << QStringList() << "sethostname" << A { 0, 0 } << sys
                              << "sethostname() — not on Strict's allow-list"
                              << "" << EPERM;
    QTest::newRow("plain name") << "limited" << QStringList { "getppid" } << "getppid" << A {}
                                << api << "getppid() — blocked by \"getppid\""
                                << "getppid" << EPERM;
    QTest::newRow("kill, @process")
        << "limited" << QStringList { "@process" } << "kill" << A { 42, qulonglong(SIGTERM) }
        << proc << "kill(pid 42, SIGTERM) — blocked by \"@process\""
        << "@process" << EPERM;
}

// The words of a refusal, from registers alone (string arguments read from
// a notification that does not exist show as their address).
void TestViolations::words()
{
    QFETCH(QString, policy);
    QFETCH(QStringList, blocked);
    QFETCH(QString, syscall);
    QFETCH(QList<qulonglong>, args);
    QFETCH(QString, type);
    QFETCH(QString, detail);
    QFETCH(QString, api);
    QFETCH(int, error);

    Policy p = builtinPolicy(policy.toUtf8().constData());
    for (const QString &b : blocked)
        qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, b.toUtf8().constData());
    const unsigned effects = decide_api_effects(p.get());
    const bool limited = policy == "limited";
    Enforcer e = makeEnforcer(p.get(), !limited, effects,
        limited ? SECCOMP_NO_UNIX_SOCKETS | SECCOMP_NO_INET_SOCKETS : 0,
        limited ? SECCOMP_NO_HOST_IPC | SECCOMP_OWN_TASK_ONLY : 0);

    notify *n = nullptr;
    QCOMPARE(notify_new(-1, &n), 0);
    seccomp_notif req {};
    req.id = 1;
    req.pid = uint32_t(getpid());
    req.data.nr = seccomp_syscall_resolve_name(syscall.toUtf8().constData());
    QVERIFY(req.data.nr >= 0);
    for (int i = 0; i < args.size(); i++)
        req.data.args[i] = args[i];
    notify_call call {};
    call.notify = n;
    call.req = &req;
    enforcer_describe(e.get(), &call);
    notify_free(n);

    QVERIFY(call.report);
    QCOMPARE(QString(qfs_violation_type_name(call.violation.type)), type);
    QCOMPARE(QString::fromUtf8(call.violation.detail), detail);
    QCOMPARE(QString::fromUtf8(call.violation.syscall), syscall);
    QCOMPARE(QString::fromUtf8(call.violation.api ? call.violation.api : ""), api);
    QCOMPARE(call.error, error);
    QVERIFY(!call.cont);
}

static qfs_sandbox *newSandbox(qfs_loop **loop, const char *policy)
{
    Policy p = builtinPolicy(policy);
    qfs_sandbox *sb = nullptr;
    if (qfs_loop_new(loop) < 0 || qfs_sandbox_new(*loop, p.get(), &sb, nullptr) < 0)
        qFatal("qfs_sandbox_new failed");
    return sb;
}

// Distinct events beyond the ring push the oldest out, counted.
void TestViolations::ringIsBounded()
{
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = newSandbox(&loop, "limited");
    for (int i = 0; i < 5000; i++) {
        const QByteArray path = "/x/" + QByteArray::number(i);
        qfs_violation v {};
        v.type = QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS;
        v.syscall = "openat";
        v.path = path.constData();
        v.detail = "writing";
        v.port = -1;
        v.pid = 7;
        sandbox_violation_record(sb, &v);
    }
    uint64_t dropped = 0;
    QCOMPARE(qfs_sandbox_violation_count(sb, &dropped), size_t(SANDBOX_VIOLATIONS_KEPT));
    QCOMPARE(dropped, uint64_t(5000 - SANDBOX_VIOLATIONS_KEPT));
    QCOMPARE(QString(qfs_sandbox_get_violation(sb, 0)->path), QString("/x/4000"));
    QCOMPARE(QString(qfs_sandbox_get_violation(sb, 999)->path), QString("/x/4999"));
    QVERIFY(qfs_sandbox_get_violation(sb, 1000) == nullptr);
    // Not one of them was delivered (nothing dispatched): those pushed out
    // are counted as missed callbacks.
    QCOMPARE(sb->violation_callbacks_missed, uint64_t(4000));

    // A very long string is cut, not kept whole.
    const QByteArray huge(100000, 'a');
    qfs_violation v {};
    v.type = QFS_VIOLATION_SUSPICIOUS_ACTIVITY;
    v.detail = huge.constData();
    v.port = -1;
    sandbox_violation_record(sb, &v);
    QVERIFY(strlen(qfs_sandbox_get_violation(sb, 999)->detail) <= 512);
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
}

// Identical attempts raise a count instead of taking slots, even when a few
// others come between them.
void TestViolations::repeatsCoalesce()
{
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = newSandbox(&loop, "sandboxed");
    auto record = [&](const char *syscall, pid_t pid, uint64_t count = 0) {
        qfs_violation v {};
        v.type = QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL;
        v.syscall = syscall;
        v.detail = "same words";
        v.port = -1;
        v.pid = pid;
        v.count = count;
        sandbox_violation_record(sb, &v);
    };
    for (int i = 0; i < 100000; i++) {
        record("keyctl", 10);
        record("bpf", 10);
    }
    record("keyctl", 11); // another process: another event
    record("keyctl", 10, 5);
    QCOMPARE(qfs_sandbox_violation_count(sb, nullptr), size_t(3));
    QCOMPARE(qfs_sandbox_get_violation(sb, 0)->count, uint64_t(100005));
    QCOMPARE(qfs_sandbox_get_violation(sb, 1)->count, uint64_t(100000));
    QCOMPARE(qfs_sandbox_get_violation(sb, 2)->count, uint64_t(1));
    QCOMPARE(qfs_sandbox_get_violation(sb, 2)->pid, pid_t(11));
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
}

QTEST_GUILESS_MAIN(TestViolations)
#include "tst_violations.moc"
