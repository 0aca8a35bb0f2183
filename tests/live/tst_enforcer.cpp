// The enforcer, live: every forbidden attempt becomes exactly one violation
// with the expected type and words, judged from the event, and is blocked,
// judged from the host side (the file did not appear, the tracer stayed 0,
// the marker was not written).  Under Strict the attempt ends the plugin.
// Then every entry of the blocked-API table, the quiet path of the
// interpreters, and a plugin that floods the supervisor.
#include "live_test.h"

#include <QElapsedTimer>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

using namespace live;

class TestEnforcer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void forbiddenActions_data();
    void forbiddenActions();
    void fileCalls_data();
    void fileCalls();
    void relativePaths();
    void metadataThroughLinks_data();
    void metadataThroughLinks();
    void hiddenMemory();
    void newerSyscalls();
    void allowedIsQuiet_data();
    void allowedIsQuiet();
    void blockedApis_data();
    void blockedApis();
    void flood();

private:
    pid_t m_sleeper = 0;
};

// Substitutes %SLEEPER%, %TREE% and %PROBE% in an expected string.
static QString expand(QString s, pid_t sleeper, const QString &tree)
{
    return s.replace(QLatin1String("%SLEEPER%"), QString::number(sleeper))
        .replace(QLatin1String("%TREE%"), tree)
        .replace(QLatin1String("%PROBE%"), QStringLiteral(QFS_PROBE));
}

static QStringList expandAll(const QStringList &l, pid_t sleeper, const QString &tree)
{
    QStringList out;
    for (const QString &s : l)
        out << expand(s, sleeper, tree);
    return out;
}

// A process the plugin's uid could trace and signal if nothing but
// permissions stood in the way.
void TestEnforcer::initTestCase()
{
    m_sleeper = fork();
    if (m_sleeper == 0) {
        const uid_t uid = pluginUid(QFS_LEVEL_LIMITED);
        if (getuid() != uid && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
            _exit(1);
        execl("/bin/sleep", "sleep", "600", static_cast<char *>(nullptr));
        _exit(1);
    }
    QVERIFY(m_sleeper > 0);
}

void TestEnforcer::cleanupTestCase()
{
    if (m_sleeper > 0) {
        kill(m_sleeper, SIGKILL);
        waitpid(m_sleeper, nullptr, 0);
    }
}

// What every row checks about the one event.
static void checkEvent(const Result &r, const QString &type, const QString &syscall,
    const QString &detail, const QString &api, const QString &path)
{
    QCOMPARE(r.events.size(), 1);
    const QJsonObject v = r.events.first();
    QCOMPARE(v.value("type").toString(), type);
    QCOMPARE(v.value("syscall").toString(), syscall);
    QCOMPARE(v.value("detail").toString(), detail);
    QCOMPARE(v.value("api").toString(), api);
    QCOMPARE(v.value("path").toString(), path);
    QCOMPARE(v.value("count").toInt(), 1);
    QVERIFY(v.value("pid").toInt() > 0);
    // The report keeps what the callback saw.
    const QJsonArray kept = r.report.value("violations").toArray();
    QCOMPARE(kept.size(), 1);
    QCOMPARE(kept.first().toObject().value("detail").toString(), detail);
}

void TestEnforcer::forbiddenActions_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("blocked"); // added to the policy below Strict
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("api");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("verdict"); // what the host checks afterwards

    struct Row
    {
        const char *name;
        QStringList args;
        QStringList blocked;
        const char *type, *syscall, *detail, *api, *path, *verdict;
    };
    const Row rows[] = {
        { "write outside", { "write", "%TREE%/outside/new.txt", "PWNED" }, {},
            "UnauthorizedFileAccess", "openat",
            "openat(\"%TREE%/outside/new.txt\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC) — writing "
            "outside the writable directories",
            "", "%TREE%/outside/new.txt", "absent %TREE%/outside/new.txt" },
        { "read outside", { "cat", "%TREE%/outside/secret.txt" }, {}, "UnauthorizedFileAccess",
            "openat",
            "openat(\"%TREE%/outside/secret.txt\", O_RDONLY|O_CLOEXEC) — reading outside the "
            "allowed directories",
            "", "%TREE%/outside/secret.txt", "unread" },
        { "fork", { "forkwrite", "%TREE%/allowed/child.txt" }, {}, "UnauthorizedProcessCreation",
            "clone",
            "clone(flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) — creating a process", "",
            "", "absent %TREE%/allowed/child.txt" },
        { "exec", { "exec", "%PROBE%", "write", "%TREE%/allowed/exec.txt", "x" }, { "exec" },
            "UnauthorizedProcessCreation", "execve",
            "execve(\"%PROBE%\") — executing a program after the plugin's start", "exec", "",
            "absent %TREE%/allowed/exec.txt" },
        { "ptrace", { "call", "ptrace", "%SLEEPER%" }, {}, "UnauthorizedSystemCall", "ptrace",
            "ptrace(PTRACE_SEIZE, pid %SLEEPER%) — tracing a process", "", "", "untraced" },
        { "mount", { "call", "mount" }, {}, "UnauthorizedSystemCall", "mount",
            "mount(\"none\", \"/mnt\", \"tmpfs\") — mounting", "", "", "" },
        { "unshare", { "call", "unshare" }, {}, "UnauthorizedSystemCall", "unshare",
            "unshare(CLONE_NEWUSER) — creating namespaces", "", "", "" },
        { "bpf", { "call", "bpf" }, {}, "UnauthorizedSystemCall", "bpf",
            "bpf(BPF_MAP_CREATE) — loading BPF programs", "", "", "" },
        { "perf_event_open", { "call", "perf_event_open" }, {}, "UnauthorizedSystemCall",
            "perf_event_open",
            "perf_event_open(type=PERF_TYPE_SOFTWARE, pid 0, cpu -1) — opening performance "
            "counters",
            "", "", "" },
        { "keyctl", { "call", "keyctl" }, {}, "UnauthorizedSystemCall", "keyctl",
            "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING) — using the kernel keyring",
            "", "", "" },
        { "io_uring", { "call", "io_uring_setup" }, {}, "UnauthorizedSystemCall", "io_uring_setup",
            "io_uring_setup(4 entries) — using io_uring", "", "", "" },
        { "TIOCSTI", { "tiocsti" }, {}, "UnauthorizedSystemCall", "ioctl",
            "ioctl(fd 0, TIOCSTI) — injecting input into a terminal", "", "", "" },
    };
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT })
        for (const Row &r : rows) {
            // The built-in strict policy blocks "fork" and "exec" itself.
            QString api = QString::fromUtf8(r.api);
            if (level == QFS_LEVEL_STRICT && !strcmp(r.syscall, "clone"))
                api = "fork";
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(levelName(level), r.name)))
                << level << r.args << r.blocked << QString(r.type) << QString(r.syscall)
                << QString(r.detail) << api << QString(r.path) << QString(r.verdict);
        }
}

void TestEnforcer::forbiddenActions()
{
    QFETCH(int, level);
    QFETCH(QStringList, args);
    QFETCH(QStringList, blocked);
    QFETCH(QString, type);
    QFETCH(QString, syscall);
    QFETCH(QString, detail);
    QFETCH(QString, api);
    QFETCH(QString, path);
    QFETCH(QString, verdict);

    Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
    t.mkdir("outside", true);
    const QByteArray secret = "SECRET-" + QByteArray::number(qint64(getpid()));
    t.file("outside/secret.txt", secret, 0644);
    const QString allowed = t.mkdir("allowed", true);

    Policy p = policy(level);
    allowDir(p.get(), allowed, true); // allowed_directories: reads are reported too
    if (level < QFS_LEVEL_STRICT)
        for (const QString &b : blocked)
            qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, b.toUtf8().constData());

    const QString tree = t.path();
    Result r = runProbe(p.get(), expandAll(args, m_sleeper, tree));
    QCOMPARE(r.start, 0);

    // Blocked, from the host's side.
    const QStringList v = expand(verdict, m_sleeper, tree).split(' ');
    if (v.first() == "absent")
        QVERIFY2(!QFile::exists(v.at(1)), qPrintable(v.at(1)));
    if (v.first() == "unread")
        QVERIFY(!r.out.contains(secret));
    if (v.first() == "untraced")
        QCOMPARE(procStatus(m_sleeper, "TracerPid"), QByteArray("0"));

    // Reported, from the event.
    checkEvent(
        r, type, syscall, expand(detail, m_sleeper, tree), api, expand(path, m_sleeper, tree));

    // Strict ends the plugin; below it the call fails and the plugin goes on.
    if (level == QFS_LEVEL_STRICT) {
        QCOMPARE(r.status, QFS_STATUS_VIOLATION);
        QCOMPARE(r.report.value("status").toString(), QString("violation"));
    } else {
        QCOMPARE(r.status, QFS_STATUS_EXITED);
        QCOMPARE(r.exitCode, 1);
    }
}

void TestEnforcer::fileCalls_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("path");
    struct Row
    {
        const char *name;
        QStringList args;
        const char *syscall, *detail, *path;
    };
    const Row rows[] = {
        { "mkdir", { "mkdir", "%TREE%/outside/d" }, "mkdir",
            "mkdir(\"%TREE%/outside/d\") — creating a directory outside the writable directories",
            "%TREE%/outside/d" },
        { "unlink", { "unlink", "%TREE%/outside/secret.txt" }, "unlink",
            "unlink(\"%TREE%/outside/secret.txt\") — deleting outside the writable directories",
            "%TREE%/outside/secret.txt" },
        { "rename out", { "rename", "%TREE%/allowed/mine.txt", "%TREE%/outside/mine.txt" },
            "rename",
            "rename(\"%TREE%/allowed/mine.txt\", \"%TREE%/outside/mine.txt\") — renaming outside "
            "the writable directories",
            "%TREE%/outside/mine.txt" },
        { "chmod", { "chmod", "%TREE%/outside/secret.txt" }, "chmod",
            "chmod(\"%TREE%/outside/secret.txt\") — changing the mode of a file outside the "
            "writable directories",
            "%TREE%/outside/secret.txt" },
        { "symlink", { "symlink", "/etc/passwd", "%TREE%/outside/ln" }, "symlink",
            "symlink(\"/etc/passwd\", \"%TREE%/outside/ln\") — creating a symbolic link outside "
            "the writable directories",
            "%TREE%/outside/ln" },
        { "append", { "append", "%TREE%/outside/secret.txt", "PWNED" }, "openat",
            "openat(\"%TREE%/outside/secret.txt\", O_WRONLY|O_APPEND|O_CLOEXEC) — writing outside "
            "the writable directories",
            "%TREE%/outside/secret.txt" },
    };
    // A name of 2000 bytes (the kernel takes up to 4095) is judged like any
    // other, not waved through for being long.
    const QString padded = "%TREE%/outside/" + QString("./").repeated(1000) + "long.txt";
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED }) {
        for (const Row &r : rows)
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(levelName(level), r.name)))
                << level << r.args << QString(r.syscall) << QString(r.detail) << QString(r.path);
        QTest::newRow(qPrintable(QStringLiteral("%1 long name").arg(levelName(level))))
            << level << QStringList { "write", padded, "x" } << QString("openat")
            << QString("openat(\"%TREE%/outside/long.txt\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC) "
                       "— writing outside the writable directories")
            << QString("%TREE%/outside/long.txt");
    }
}

// Creating, deleting, renaming, linking and changing modes outside the
// writable directories: refused with EACCES, reported with the path, and
// the outside tree is exactly as it was.
void TestEnforcer::fileCalls()
{
    QFETCH(int, level);
    QFETCH(QStringList, args);
    QFETCH(QString, syscall);
    QFETCH(QString, detail);
    QFETCH(QString, path);

    Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
    t.mkdir("outside", true);
    const QString secret = t.file("outside/secret.txt", "ORIGINAL", 0666);
    const QString allowed = t.mkdir("allowed", true);
    const QString mine = t.file("allowed/mine.txt", "MINE", 0666);
    Policy p = policy(level);
    allowDir(p.get(), allowed, true);

    const QString tree = t.path();
    Result r = runProbe(p.get(), expandAll(args, m_sleeper, tree));
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("Permission denied"), r.err.constData());
    checkEvent(r, "UnauthorizedFileAccess", syscall, expand(detail, m_sleeper, tree), "",
        expand(path, m_sleeper, tree));
    QCOMPARE(
        QDir(t.path("outside")).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System),
        QStringList { "secret.txt" });
    QCOMPARE(readFile(secret), QByteArray("ORIGINAL"));
    QCOMPARE(QFileInfo(secret).permissions() & QFile::ExeOwner, QFile::Permissions());
    QCOMPARE(readFile(mine), QByteArray("MINE"));
}

void TestEnforcer::metadataThroughLinks_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("via"); // the name the plugin uses, in the tree
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QString>("detail"); // at Limited, where the supervisor decides
    const struct
    {
        const char *op, *via, *syscall, *detail;
    } rows[] = {
        { "chmod", "allowed/link", "chmod",
            "chmod(\"%TREE%/allowed/link\") — changing the mode of a file outside the writable "
            "directories (it resolves to \"%TREE%/outside/secret.txt\")" },
        { "utime", "allowed/link", "utimensat",
            "utimensat(\"%TREE%/allowed/link\") — changing the times of a file outside the "
            "writable directories (it resolves to \"%TREE%/outside/secret.txt\")" },
        { "chown", "allowed/link", "chown",
            "chown(\"%TREE%/allowed/link\") — changing the owner of a file outside the writable "
            "directories (it resolves to \"%TREE%/outside/secret.txt\")" },
        { "xattr", "allowed/link", "setxattr",
            "setxattr(\"%TREE%/allowed/link\") — setting an extended attribute of a file outside "
            "the writable directories (it resolves to \"%TREE%/outside/secret.txt\")" },
        { "opath", "outside/secret.txt", "fchownat",
            "fchownat(3) — changing the owner of a file outside the writable directories (it "
            "resolves to \"%TREE%/outside/secret.txt\")" },
        { "fchmod", "readonly/theirs.txt", "fchmod",
            "fchmod(3) — changing the mode of a file outside the writable directories (it "
            "resolves to \"%TREE%/readonly/theirs.txt\")" },
    };
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED })
        for (const auto &r : rows)
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(levelName(level), r.op)))
                << level << QString(r.op) << QString(r.via) << QString(r.syscall)
                << QString(r.detail);
}

// Landlock does not govern a file's mode, owner, times or extended
// attributes.  A plugin that plants a symlink in its writable directory, or
// holds an O_PATH descriptor, or a read-only descriptor of a file it may
// only read, must not reach the metadata of a file of its own uid outside
// the writable directories.  Without a private root (Limited) the
// supervisor makes these calls itself on the object it judged: refused and
// reported; inside one (Sandboxed) the target is not even there.  Judged on
// the host: mode, times, owner and attributes unchanged.  Beside them, the
// same calls on the plugin's own file in its writable directory work.
void TestEnforcer::metadataThroughLinks()
{
    QFETCH(int, level);
    QFETCH(QString, op);
    QFETCH(QString, via);
    QFETCH(QString, syscall);
    QFETCH(QString, detail);

    Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
    t.mkdir("outside", true);
    t.mkdir("readonly", true);
    const QString allowed = t.mkdir("allowed", true);
    const uid_t uid = pluginUid(level);
    const QString secret = t.file("outside/secret.txt", "SECRET", 0600);
    const QString theirs = t.file("readonly/theirs.txt", "THEIRS", 0644);
    const QString mine = t.file("allowed/mine.txt", "MINE", 0600);
    for (const QString &f : { secret, theirs, mine })
        QCOMPARE(chown(QFile::encodeName(f).constData(), uid, uid), 0);
    const QByteArray target = QFile::encodeName(via.startsWith("readonly") ? theirs : secret);
    QCOMPARE(symlink(QFile::encodeName(secret).constData(),
                 QFile::encodeName(t.path("allowed/link")).constData()),
        0);
    const timespec past[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
    QCOMPARE(utimensat(AT_FDCWD, target.constData(), past, 0), 0);
    struct stat before;
    QCOMPARE(stat(target.constData(), &before), 0);

    // Every allowed directory shares the policy's write permission, so the
    // file the plugin may only read lives under a policy that reads alone.
    Policy rw = policy(level);
    allowDir(rw.get(), allowed, true);
    Policy ro = policy(level);
    allowDir(ro.get(), t.path("readonly"), false);
    const QString tree = t.path();
    Result r
        = runProbe(via.startsWith("readonly") ? ro.get() : rw.get(), { "meta", op, t.path(via) });
    QCOMPARE(r.start, 0);

    // Host side: nothing about the target changed.
    struct stat after;
    QCOMPARE(stat(target.constData(), &after), 0);
    QCOMPARE(after.st_mode, before.st_mode);
    QCOMPARE(after.st_uid, before.st_uid);
    QCOMPARE(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    QCOMPARE(after.st_ctim.tv_sec, before.st_ctim.tv_sec);
    QCOMPARE(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
    char value[16];
    QCOMPARE(getxattr(target.constData(), "user.qfs", value, sizeof(value)), ssize_t(-1));
    QCOMPARE(r.exitCode, 1);
    if (level == QFS_LEVEL_LIMITED) {
        checkEvent(r, "UnauthorizedFileAccess", syscall, expand(detail, m_sleeper, tree), "",
            QString::fromLocal8Bit(target));
        QVERIFY2(r.err.contains("Permission denied"), r.err.constData());
    }

    // The control: the same call on the plugin's own file works.
    Result own
        = runProbe(rw.get(), { "meta", op == "opath" || op == "fchmod" ? "chmod" : op, mine });
    QCOMPARE(own.exitCode, 0);
    QCOMPARE(own.events.size(), 0);
    struct stat m;
    QCOMPARE(stat(QFile::encodeName(mine).constData(), &m), 0);
    if (op == "chmod" || op == "opath" || op == "fchmod")
        QCOMPARE(m.st_mode & 07777, mode_t(0777));
    if (op == "utime")
        QCOMPARE(m.st_mtim.tv_sec, time_t(0));
    if (op == "xattr")
        QCOMPARE(getxattr(QFile::encodeName(mine).constData(), "user.qfs", value, sizeof(value)),
            ssize_t(5));
}

// A relative path is judged where the kernel would resolve it: against the
// directory descriptor, ".." and all.
void TestEnforcer::relativePaths()
{
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED }) {
        Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
        t.mkdir("outside", true);
        const QString allowed = t.mkdir("allowed", true);
        Policy p = policy(level);
        allowDir(p.get(), allowed, true);

        Result r = runProbe(p.get(), { "relwrite", "../outside/rel.txt", "x", allowed });
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!QFile::exists(t.path("outside/rel.txt")));
        checkEvent(r, "UnauthorizedFileAccess", "openat",
            "openat(\"" + t.path("outside/rel.txt")
                + "\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC) — writing outside the writable "
                  "directories",
            "", t.path("outside/rel.txt"));

        // Control: the same call inside is neither refused nor reported.
        r = runProbe(p.get(), { "relwrite", "in.txt", "IN", allowed });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(readFile(t.path("allowed/in.txt")), QByteArray("IN"));
        QCOMPARE(r.events.size(), 0);
    }
}

// A plugin that makes itself non-dumpable closes its memory to a
// supervisor without privileges over it (unprivileged, no user namespace:
// Limited).  A write it cannot judge is refused, and reported as such;
// with privileges (root, or a user namespace the supervisor owns) the path
// is read as ever.
void TestEnforcer::hiddenMemory()
{
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED }) {
        Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
        t.mkdir("outside", true);
        const QString allowed = t.mkdir("allowed", true);
        Policy p = policy(level);
        allowDir(p.get(), allowed, true);
        const QString target = t.path("outside/hidden.txt");
        Result r = runProbe(p.get(), { "nodump", target, "x" });
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!QFile::exists(target));
        const bool sees = isRoot() || level >= QFS_LEVEL_SANDBOXED;
        checkEvent(r, "UnauthorizedFileAccess", "openat",
            sees ? "openat(\"" + target
                    + "\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC) — writing outside the writable "
                      "directories"
                 : QStringLiteral("openat(<path hidden>, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC) — a "
                                  "write the supervisor cannot judge: the plugin made itself "
                                  "non-dumpable"),
            "", sees ? target : QString());
        // Inside, the write lands where the supervisor can look.
        r = runProbe(p.get(), { "nodump", allowed + "/mine.txt", "M" });
        QCOMPARE(r.exitCode, sees ? 0 : 1);
        QCOMPARE(QFile::exists(allowed + "/mine.txt"), sees);
    }
}

// Under Strict, syscalls newer than the allow-list (Linux 6.5 on) answer
// ENOSYS in the kernel, unreported, as a kernel without them would; one the
// allow-list knows and leaves out is a violation.
void TestEnforcer::newerSyscalls()
{
    Policy p = policy(QFS_LEVEL_STRICT);
    const int fchmodat2 = seccomp_syscall_resolve_name("fchmodat2");
    if (fchmodat2 < 0)
        QSKIP("libseccomp does not know fchmodat2");
    Result r = runProbe(p.get(), { "nr", QString::number(fchmodat2) });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("Function not implemented"), r.err.constData());
    QVERIFY(r.events.isEmpty());

    r = runProbe(p.get(), { "nr", QString::number(seccomp_syscall_resolve_name("sethostname")) });
    QCOMPARE(r.status, QFS_STATUS_VIOLATION);
    QCOMPARE(r.violations, QStringList { "UnauthorizedSystemCall sethostname" });
}

void TestEnforcer::allowedIsQuiet_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("program");
    QTest::addColumn<QStringList>("args");
    for (int level : { QFS_LEVEL_LIMITED, QFS_LEVEL_SANDBOXED, QFS_LEVEL_STRICT }) {
        const QString l = levelName(level);
        QTest::newRow(qPrintable(l + " probe"))
            << level << int(QFS_PLUGIN_NATIVE) << QString(QFS_PROBE)
            << QStringList { "write", "%ALLOWED%/a", "A" };
        QTest::newRow(qPrintable(l + " dev null"))
            << level << int(QFS_PLUGIN_NATIVE) << QString(QFS_PROBE)
            << QStringList { "write", "/dev/null", "A" };
        QTest::newRow(qPrintable(l + " python"))
            << level << int(QFS_PLUGIN_PYTHON) << QString(QFS_PROBE_PY)
            << QStringList { "write", "%ALLOWED%/p", "P" };
        if (QFile::exists("/usr/bin/node"))
            QTest::newRow(qPrintable(l + " node"))
                << level << int(QFS_PLUGIN_JAVASCRIPT)
                << QString(QFS_SOURCE_DIR "/tests/plugins/hello.js") << QStringList {};
    }
    QTest::newRow("sandboxed private tmp")
        << int(QFS_LEVEL_SANDBOXED) << int(QFS_PLUGIN_NATIVE) << QString(QFS_PROBE)
        << QStringList { "write", "/tmp/mine", "T" };
}

// What the policy allows raises nothing, including what runtimes do while
// starting (reading their libraries, probing for files that are not there,
// reading /sys): a report that cried wolf would end every Strict plugin.
void TestEnforcer::allowedIsQuiet()
{
    QFETCH(int, level);
    QFETCH(int, type);
    QFETCH(QString, program);
    QFETCH(QStringList, args);
    Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
    const QString allowed = t.mkdir("allowed", true);
    Policy p = policy(level);
    allowDir(p.get(), allowed, true);
    for (QString &a : args)
        a.replace("%ALLOWED%", allowed);
    Result r = run(p.get(), qfs_plugin_type(type), program, args);
    QCOMPARE(r.start, 0);
    QVERIFY2(r.events.isEmpty(),
        qPrintable(QJsonDocument(r.events.value(0)).toJson(QJsonDocument::Compact)));
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 0);
}

// One row per entry of the blocked-API table: the test fails for an entry
// that has no representative attempt here.
void TestEnforcer::blockedApis_data()
{
    QTest::addColumn<QString>("entry");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("verdict");
    struct Rep
    {
        QStringList args;
        const char *syscall, *detail, *verdict;
    };
    const Rep exec = { { "exec", "%PROBE%", "write", "%TREE%/exec.txt", "x" }, "execve",
        "execve(\"%PROBE%\") — executing a program after the plugin's start", "absent exec.txt" };
    const Rep wx = { { "wx" }, "mmap",
        "mmap(4096 bytes, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS) — memory "
        "both writable and executable (W^X)",
        "" };
    const Rep memfd = { { "call", "memfd_create" }, "memfd_create",
        "memfd_create(\"plugin\", MFD_CLOEXEC) — a memory file that could be mapped executable "
        "(only MFD_NOEXEC_SEAL ones are allowed)",
        "" };
    const QMap<QString, Rep> reps = {
        { "@mount",
            { { "call", "mount" }, "mount", "mount(\"none\", \"/mnt\", \"tmpfs\") — mounting",
                "" } },
        { "@network",
            { { "connect", "127.0.0.1", "%PORT%" }, "socket",
                "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) — blocked by \"@network\"",
                "unreached" } },
        { "@process",
            { { "call", "kill", "%SLEEPER%" }, "kill",
                "kill(pid %SLEEPER%, SIGKILL) — blocked by \"@process\"", "alive" } },
        { "@privileged",
            { { "call", "setuid" }, "setuid", "setuid(0) — blocked by \"@privileged\"", "" } },
        { "@debug",
            { { "call", "ptrace", "%SLEEPER%" }, "ptrace",
                "ptrace(PTRACE_SEIZE, pid %SLEEPER%) — tracing a process", "untraced" } },
        { "@module",
            { { "call", "init_module" }, "init_module", "init_module() — loading a kernel module",
                "" } },
        { "@raw-io", { { "call", "iopl" }, "iopl", "iopl(level 3) — raw I/O port access", "" } },
        { "@reboot", { { "call", "reboot" }, "reboot", "reboot(cmd 0) — rebooting", "" } },
        { "@swap",
            { { "call", "swapon" }, "swapon", "swapon(\"/nonexistent\") — enabling swap", "" } },
        { "@keyring",
            { { "call", "keyctl" }, "keyctl",
                "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING) — using the kernel "
                "keyring",
                "" } },
        { "@io-uring",
            { { "call", "io_uring_setup" }, "io_uring_setup",
                "io_uring_setup(4 entries) — using io_uring", "" } },
        { "@clock",
            { { "call", "clock_settime" }, "clock_settime", "clock_settime() — setting the clock",
                "" } },
        { "@bpf", { { "call", "bpf" }, "bpf", "bpf(BPF_MAP_CREATE) — loading BPF programs", "" } },
        { "@namespaces",
            { { "call", "unshare" }, "unshare", "unshare(CLONE_NEWUSER) — creating namespaces",
                "" } },
        { "@cpu-emulation",
            { { "call", "modify_ldt" }, "modify_ldt",
                "modify_ldt() — blocked by \"@cpu-emulation\"", "" } },
        { "@memlock", { { "call", "mlock" }, "mlock", "mlock() — blocked by \"@memlock\"", "" } },
        { "@userfaultfd",
            { { "call", "userfaultfd" }, "userfaultfd",
                "userfaultfd() — handling page faults in user space", "" } },
        { "@personality",
            { { "call", "personality" }, "personality",
                "personality(0xffffffff) — changing the execution domain", "" } },
        { "exec", exec },
        { "system", exec },
        { "CreateProcess", exec },
        { "ShellExecute", exec },
        { "fork",
            { { "forkwrite", "%TREE%/child.txt" }, "clone",
                "clone(flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) — creating a "
                "process",
                "absent child.txt" } },
        { "mmap", wx },
        { "VirtualAlloc", wx },
        { "dlopen", memfd },
        { "LoadLibrary", memfd },
    };
    for (size_t i = 0; i < qfs_api_count(); i++) {
        const QString name = QString::fromUtf8(qfs_api_name(i));
        if (!reps.contains(name))
            QFAIL(qPrintable("no representative attempt for blocked-API entry " + name));
        const Rep &r = reps.value(name);
        QTest::newRow(qPrintable(name))
            << name << r.args << QString(r.syscall) << QString(r.detail) << QString(r.verdict);
    }
}

void TestEnforcer::blockedApis()
{
    QFETCH(QString, entry);
    QFETCH(QStringList, args);
    QFETCH(QString, syscall);
    QFETCH(QString, detail);
    QFETCH(QString, verdict);

    const qsizetype index = [&] {
        for (size_t i = 0; i < qfs_api_count(); i++)
            if (entry == QString::fromUtf8(qfs_api_name(i)))
                return qsizetype(i);
        return qsizetype(-1);
    }();
    QVERIFY(index >= 0);
    Tree t(QStringLiteral("/var/tmp/qfs-enforcer-XXXXXX"));
    const QString writable = t.mkdir("w", true);

    // Sandboxed with process creation and the network allowed, so that
    // what is refused is refused by the entry (each level's own refusals
    // are forbiddenActions' business).
    Policy p = policy(QFS_LEVEL_SANDBOXED);
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, true);
    const bool noexecWritable = entry == "dlopen" || entry == "LoadLibrary";
    if (!noexecWritable)
        allowDir(p.get(), writable, true);
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, entry.toUtf8().constData());

    int listener = -1;
    QString port;
    if (verdict == "unreached") {
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in sa {};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(sa);
        QVERIFY(listener >= 0);
        QCOMPARE(bind(listener, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)), 0);
        QCOMPARE(listen(listener, 4), 0);
        QCOMPARE(getsockname(listener, reinterpret_cast<sockaddr *>(&sa), &len), 0);
        port = QString::number(ntohs(sa.sin_port));
    }
    QStringList a;
    for (QString s : args)
        a << expand(s.replace("%PORT%", port), m_sleeper, writable);

    Result r = runProbe(p.get(), a);
    QCOMPARE(r.start, 0);
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    checkEvent(r, QString::fromUtf8(qfs_violation_type_name(qfs_api_violation_type(size_t(index)))),
        syscall, expand(detail, m_sleeper, writable), entry, "");

    if (verdict.startsWith("absent "))
        QVERIFY(!QFile::exists(writable + '/' + verdict.mid(7)));
    if (verdict == "untraced")
        QCOMPARE(procStatus(m_sleeper, "TracerPid"), QByteArray("0"));
    if (verdict == "alive")
        QCOMPARE(kill(m_sleeper, 0), 0);
    if (verdict == "unreached") {
        const int conn = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn >= 0)
            close(conn);
        close(listener);
        QVERIFY(conn < 0);
    }
    if (verdict.startsWith("absent ") || verdict == "unreached") {
        // Control: without the entry the same attempt gets through.
        Policy c = policy(QFS_LEVEL_SANDBOXED);
        qfs_policy_set_permission(c.get(), QFS_PERM_PROCESS_CREATION, true);
        qfs_policy_set_permission(c.get(), QFS_PERM_NETWORK_ACCESS, true);
        allowDir(c.get(), writable, true);
        if (verdict == "unreached")
            return; // the network's reach is tst_isolation's
        Result ok = runProbe(c.get(), a);
        QCOMPARE(ok.exitCode, 0);
        QVERIFY(QFile::exists(writable + '/' + verdict.mid(7)));
        QVERIFY(ok.events.isEmpty());
    }
}

static uint64_t rssKiB()
{
    return procStatus(getpid(), "VmRSS").split(' ').first().toULongLong();
}

struct FloodState
{
    qfs_sandbox *flooder = nullptr, *other = nullptr;
    int flooderCallbacks = 0;
    uint64_t lastCount = 0;
    bool otherStarted = false;
    bool otherExited = false;
    bool flooderRunningAtOtherExit = false;
    int otherViolations = 0;
    bool flooderExited = false;
};

// A plugin that makes a forbidden call a million times: the supervisor
// keeps one event with a count (bounded memory), calls back a bounded
// number of times, and serves another sandbox on the same loop meanwhile.
void TestEnforcer::flood()
{
    const long n = 1000000;
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Policy p = policy(QFS_LEVEL_LIMITED);
    FloodState st;
    qfs_error err {};
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &st.flooder, &err), 0);
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &st.other, &err), 0);

    qfs_sandbox_callbacks fcb {};
    fcb.security_violation = [](qfs_sandbox *, const qfs_violation *v, void *ud) {
        FloodState *s = static_cast<FloodState *>(ud);
        s->flooderCallbacks++;
        s->lastCount = v->count;
    };
    fcb.exited = [](qfs_sandbox *, const qfs_exit *, void *ud) {
        static_cast<FloodState *>(ud)->flooderExited = true;
    };
    qfs_sandbox_callbacks ocb {};
    ocb.security_violation = [](qfs_sandbox *, const qfs_violation *, void *ud) {
        static_cast<FloodState *>(ud)->otherViolations++;
    };
    ocb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        FloodState *s = static_cast<FloodState *>(ud);
        s->otherExited = ex->status == QFS_STATUS_EXITED;
        s->flooderRunningAtOtherExit = qfs_sandbox_is_running(s->flooder);
    };
    qfs_sandbox_set_callbacks(st.flooder, &fcb, &st);
    qfs_sandbox_set_callbacks(st.other, &ocb, &st);

    const uint64_t rssBefore = rssKiB();
    const QByteArray count = QByteArray::number(qint64(n));
    const char *fargv[] = { "flood", "keyctl", count.constData(), nullptr };
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(qfs_sandbox_start(st.flooder, QFS_PLUGIN_NATIVE, QFS_PROBE, fargv, &err), 0);
    const char *oargv[] = { "call", "keyctl", nullptr };
    while (!st.flooderExited) {
        pollfd pfd = { qfs_loop_get_fd(loop), POLLIN, 0 };
        poll(&pfd, 1, qfs_loop_get_timeout(loop));
        QVERIFY(qfs_loop_dispatch(loop) >= 0);
        // The other sandbox starts once the flood is under way.
        if (!st.otherStarted && st.flooderCallbacks > 0) {
            QCOMPARE(qfs_sandbox_start(st.other, QFS_PLUGIN_NATIVE, QFS_PROBE, oargv, &err), 0);
            st.otherStarted = true;
        }
    }
    const qint64 elapsedMs = clock.elapsed();
    const uint64_t rssAfter = rssKiB();
    QVERIFY(qfs_sandbox_wait(st.other, 60000) == 0);

    // The other sandbox was served during the flood, not after it.
    QVERIFY(st.otherStarted);
    QVERIFY(st.otherExited);
    QVERIFY(st.flooderRunningAtOtherExit);
    QCOMPARE(st.otherViolations, 1);

    // One event, every attempt counted.
    uint64_t dropped = 1;
    QCOMPARE(qfs_sandbox_violation_count(st.flooder, &dropped), size_t(1));
    QCOMPARE(dropped, uint64_t(0));
    QCOMPARE(qfs_sandbox_get_violation(st.flooder, 0)->count, uint64_t(n));
    QCOMPARE(st.lastCount, uint64_t(n)); // the last callback saw the final count
    // Callbacks: the first, then at most one per 100 ms of repeats, and the
    // final count.
    QVERIFY2(st.flooderCallbacks <= elapsedMs / 100 + 5,
        qPrintable(
            QStringLiteral("%1 callbacks in %2 ms").arg(st.flooderCallbacks).arg(elapsedMs)));
    // Bounded memory: the supervisor's RSS did not grow with the attempts.
    qInfo("%ld attempts in %lld ms, %d callbacks; supervisor RSS %llu KiB before, %llu KiB "
          "after",
        n, qlonglong(elapsedMs), st.flooderCallbacks, qulonglong(rssBefore), qulonglong(rssAfter));
    QVERIFY2(rssAfter < rssBefore + 4096,
        qPrintable(QStringLiteral("%1 -> %2 KiB").arg(rssBefore).arg(rssAfter)));

    qfs_sandbox_free(st.flooder);
    qfs_sandbox_free(st.other);
    qfs_loop_free(loop);
}

QTEST_GUILESS_MAIN(TestEnforcer)
#include "tst_enforcer.moc"
