// Helpers of the live suites: policies, temporary trees the plugin's uid can
// use, running a plugin to its end, and reading the host's view of a running
// plugin (/proc/PID/...).
#pragma once

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <functional>
#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

namespace live {

struct PolicyDeleter
{
    void operator()(qfs_policy *p) const { qfs_policy_free(p); }
};
using Policy = std::unique_ptr<qfs_policy, PolicyDeleter>;

inline bool isRoot()
{
    return geteuid() == 0;
}

// The uid the plugin runs as, seen from the host: started by root, nobody.
inline uid_t pluginUid(int level)
{
    return level >= QFS_LEVEL_LIMITED && isRoot() ? 65534 : geteuid();
}

inline const char *levelName(int level)
{
    return qfs_level_name(level);
}

// A policy of @level that grants nothing but what the test adds: built-in
// limits and blocked APIs of the level's built-in policy, no directories.
inline Policy policy(int level)
{
    qfs_policy *p = nullptr;
    if (qfs_policy_new_builtin(qfs_level_name(level), &p) < 0)
        qFatal("no built-in policy for level %d", level);
    qfs_policy_list_clear(p, QFS_LIST_ALLOWED_DIRECTORIES);
    if (level > QFS_LEVEL_UNRESTRICTED)
        for (int perm :
            { QFS_PERM_FILE_SYSTEM_READ, QFS_PERM_FILE_SYSTEM_WRITE, QFS_PERM_NETWORK_ACCESS,
                QFS_PERM_PROCESS_CREATION, QFS_PERM_SYSTEM_CALLS, QFS_PERM_ENVIRONMENT_ACCESS })
            qfs_policy_set_permission(p, qfs_permission(perm), false);
    return Policy(p);
}

inline void allowDir(qfs_policy *p, const QString &dir, bool write)
{
    qfs_policy_list_add(p, QFS_LIST_ALLOWED_DIRECTORIES, QFile::encodeName(dir).constData());
    qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_READ, true);
    if (write)
        qfs_policy_set_permission(p, QFS_PERM_FILE_SYSTEM_WRITE, true);
}

// A temporary directory whose contents the plugin's uid could reach if
// nothing but file modes stood in the way: the sandbox must be what stops
// it, or the test could not fail.
class Tree
{
public:
    Tree()
    {
        QVERIFY(m_dir.isValid());
        chmod(QFile::encodeName(m_dir.path()).constData(), 0755);
    }
    // A tree under @templatePath ("/var/tmp/qfs-XXXXXX"): outside /tmp, a
    // path that means the same inside a private root as on the host.
    explicit Tree(const QString &templatePath)
        : m_dir(templatePath)
    {
        QVERIFY(m_dir.isValid());
        chmod(QFile::encodeName(m_dir.path()).constData(), 0755);
    }
    QString path(const QString &name = {}) const
    {
        return name.isEmpty() ? m_dir.path() : m_dir.path() + QLatin1Char('/') + name;
    }
    QString mkdir(const QString &name, bool worldWritable)
    {
        QDir().mkpath(path(name));
        chmod(QFile::encodeName(path(name)).constData(), worldWritable ? 0777 : 0755);
        return path(name);
    }
    QString file(const QString &name, const QByteArray &content, mode_t mode = 0644)
    {
        QFile f(path(name));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot create %s", qPrintable(path(name)));
        f.write(content);
        f.close();
        chmod(QFile::encodeName(path(name)).constData(), mode);
        return path(name);
    }

private:
    QTemporaryDir m_dir;
};

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

struct Result
{
    int start = 0; // qfs_sandbox_start()'s return
    QString error; // its message
    pid_t pid = 0;
    qfs_status status = QFS_STATUS_SETUP_FAILED;
    int exitCode = -1;
    int signal = 0;
    int limit = -1;
    QByteArray out, err;
    bool outTruncated = false;
    QJsonObject report;
    QStringList violations; // "type syscall"
    QStringList limits; // resources of the limit_exceeded callbacks
    QList<QJsonObject> events; // each violation callback, as qfs_violation_to_json() has it
};

// The process that runs the plugin: under an init (pid namespaces) the
// init's only child, else the sandbox's main process.
inline pid_t pluginPid(pid_t mainPid)
{
    QFile f(QStringLiteral("/proc/%1/task/%1/children").arg(mainPid));
    if (f.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> kids = f.readAll().trimmed().split(' ');
        if (!kids.isEmpty() && !kids.first().isEmpty())
            return pid_t(kids.first().toInt());
    }
    return mainPid;
}

// A field of /proc/PID/status ("CapEff"), as text.
inline QByteArray procStatus(pid_t pid, const QByteArray &field)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return "<no process>";
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(field + ':'))
            return line.mid(field.size() + 1).trimmed();
    return "<no field>";
}

// A NULL-terminated argv over @args; @store keeps the bytes.
inline std::vector<const char *> argvOf(const QStringList &args, std::vector<QByteArray> &store)
{
    std::vector<const char *> argv;
    store.clear();
    for (const QString &a : args)
        store.push_back(a.toUtf8());
    for (const QByteArray &a : store)
        argv.push_back(a.constData());
    argv.push_back(nullptr);
    return argv;
}

// The network interfaces of @pid's network namespace, from the host's /proc
// (0: our own).
inline QSet<QByteArray> interfaces(pid_t pid)
{
    QFile f(
        pid ? QStringLiteral("/proc/%1/net/dev").arg(pid) : QStringLiteral("/proc/self/net/dev"));
    QSet<QByteArray> names;
    if (!f.open(QIODevice::ReadOnly))
        return names;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines.mid(2))
        if (line.contains(':'))
            names.insert(line.left(line.indexOf(':')).trimmed());
    return names;
}

// Processes on the host, this one aside, whose command line contains
// @needle: a token in a plugin's arguments finds it and what it started.
inline QList<pid_t> processesWith(const QByteArray &needle)
{
    QList<pid_t> found;
    for (const QString &p : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile f("/proc/" + p + "/cmdline");
        if (p.toInt() > 0 && p.toInt() != getpid() && f.open(QIODevice::ReadOnly)
            && f.readAll().contains(needle))
            found << pid_t(p.toInt());
    }
    return found;
}

// The cgroup directories the supervisor of pid @supervisor made
// ("qfs-<pid>-<n>") that exist, in every hierarchy this process is in.
inline QStringList cgroupsOf(pid_t supervisor)
{
    QStringList found;
    QFile self("/proc/self/cgroup");
    if (!self.open(QIODevice::ReadOnly))
        return found;
    for (const QByteArray &line : self.readAll().split('\n')) {
        const QList<QByteArray> f = line.split(':');
        if (f.size() < 3)
            continue;
        QByteArray ctrl = f[1].isEmpty() ? QByteArray("unified") : f[1];
        if (ctrl.startsWith("name="))
            ctrl = ctrl.mid(5);
        const QString dir = "/sys/fs/cgroup/" + QString::fromUtf8(ctrl + f[2]);
        for (const QString &n :
            QDir(dir).entryList({ QStringLiteral("qfs-%1-*").arg(supervisor) }, QDir::Dirs))
            found << dir + '/' + n;
    }
    return found;
}

// The sandbox's report as JSON (empty when it cannot be made).
inline QJsonObject reportOf(const qfs_sandbox *sb)
{
    char *json = nullptr;
    QJsonObject report;
    if (qfs_sandbox_report_json(sb, QFS_JSON_COMPACT, &json) == 0) {
        report = QJsonDocument::fromJson(json).object();
        free(json);
    }
    return report;
}

// Runs @path to its end.  @whileRunning, when given, is called once the
// plugin has exec'd, with the sandbox's main pid; the plugin is killed
// after it returns.  @prepare, when given, is called with the sandbox
// before the start (qfs_sandbox_set_nameservers ...).
// One run in @sb, which has no callbacks yet or @r's from an earlier run.
inline void runIn(qfs_sandbox *sb, Result &r, qfs_plugin_type type, const QString &path,
    const QStringList &args, const std::function<void(pid_t)> &whileRunning, int waitMs)
{
    qfs_error err {};
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        Result *res = static_cast<Result *>(ud);
        res->status = ex->status;
        res->exitCode = ex->exit_code;
        res->signal = ex->signal;
        res->limit = ex->limit;
    };
    cb.security_violation = [](qfs_sandbox *, const qfs_violation *v, void *ud) {
        Result *res = static_cast<Result *>(ud);
        res->violations << QStringLiteral("%1 %2").arg(
            QString::fromUtf8(qfs_violation_type_name(v->type)),
            QString::fromUtf8(v->syscall ? v->syscall : ""));
        char *json = nullptr;
        if (qfs_violation_to_json(v, QFS_JSON_COMPACT, &json) == 0) {
            res->events << QJsonDocument::fromJson(json).object();
            free(json);
        }
    };
    cb.limit_exceeded = [](qfs_sandbox *, qfs_resource res, const qfs_usage *, void *ud) {
        static_cast<Result *>(ud)->limits << QString::fromUtf8(qfs_resource_name(res));
    };
    qfs_sandbox_set_callbacks(sb, &cb, &r);

    std::vector<QByteArray> store;
    std::vector<const char *> argv = argvOf(args, store);

    r.start = qfs_sandbox_start(sb, type, QFile::encodeName(path).constData(), argv.data(), &err);
    if (r.start < 0) {
        r.error = QString::fromUtf8(err.message);
    } else {
        r.pid = qfs_sandbox_get_pid(sb);
        if (whileRunning) {
            whileRunning(r.pid);
            qfs_sandbox_kill(sb);
        }
        if (qfs_sandbox_wait(sb, waitMs) < 0)
            qWarning("plugin %s did not end in time", qPrintable(path));
        const char *data;
        size_t len;
        bool truncated = false;
        if (qfs_sandbox_get_output(sb, 1, &data, &len, &truncated) == 0) {
            r.out = QByteArray(data, qsizetype(len));
            r.outTruncated = truncated;
        }
        if (qfs_sandbox_get_output(sb, 2, &data, &len, nullptr) == 0)
            r.err = QByteArray(data, qsizetype(len));
    }
    r.report = reportOf(sb);
}

// A plan that holds bytes of a file changed within about 2 s is not kept
// for the next run (launch.c): wait until @path is older than that, so that
// a test of what later runs reuse does not depend on when the file was
// last touched (tests/run.sh chmods the build tree just before the
// unprivileged run).
inline void settle(const QString &path)
{
    struct stat st
    {
    };
    if (stat(QFile::encodeName(path).constData(), &st) < 0)
        return;
    // launch.c compares whole seconds: still means more than 2 s before now.
    const time_t changed = qMax(st.st_ctim.tv_sec, st.st_mtim.tv_sec);
    timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    const double wait = double(changed + 3 - now.tv_sec) - double(now.tv_nsec) / 1e9 + 0.05;
    if (wait > 0)
        QThread::msleep(qint64(wait * 1000) + 1);
}

// Runs @times plugins one after another in one sandbox (a sandbox's later
// runs reuse its plan, namespaces and the private root's template).
inline QList<Result> runRepeated(const qfs_policy *policy, qfs_plugin_type type,
    const QString &path, const QStringList &args, int times,
    const std::function<void(qfs_sandbox *)> &prepare = {},
    const std::function<void(pid_t)> &whileRunning = {}, int waitMs = 60000,
    const std::function<void(int)> &beforeRun = {})
{
    QList<Result> results;
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = nullptr;
    qfs_error err {};

    if (qfs_loop_new(&loop) < 0)
        qFatal("qfs_loop_new failed");
    Result first;
    first.start = qfs_sandbox_new(loop, policy, &sb, &err);
    if (first.start < 0) {
        first.error = QString::fromUtf8(err.message);
        qfs_loop_free(loop);
        return { first };
    }
    if (prepare)
        prepare(sb);
    results.reserve(times);
    for (int i = 0; i < times; i++) {
        if (beforeRun)
            beforeRun(i);
        results << Result {};
        runIn(sb, results.last(), type, path, args, whileRunning, waitMs);
    }
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
    return results;
}

inline Result run(const qfs_policy *policy, qfs_plugin_type type, const QString &path,
    const QStringList &args, const std::function<void(pid_t)> &whileRunning = {},
    int waitMs = 60000, const std::function<void(qfs_sandbox *)> &prepare = {})
{
    return runRepeated(policy, type, path, args, 1, prepare, whileRunning, waitMs).first();
}

// A non-blocking socket of @type on a free port of the host's loopback
// (listening, for a stream socket).
inline int loopbackSocket(int type, QString *port)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in sa {};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0
        || (type == SOCK_STREAM && listen(fd, 4) < 0)
        || getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &len) < 0)
        return -1;
    *port = QString::number(ntohs(sa.sin_port));
    return fd;
}

// Whether the plugin's attempt was refused the way @level refuses: under
// Strict the violation ends the plugin (status "violation"); below it the
// call fails and the probe exits 1.
inline bool refused(const Result &r, int level)
{
    if (level >= QFS_LEVEL_STRICT)
        return r.status == QFS_STATUS_VIOLATION;
    return r.status == QFS_STATUS_EXITED && r.exitCode == 1;
}

inline Result runProbe(const qfs_policy *policy, const QStringList &args,
    const std::function<void(pid_t)> &whileRunning = {})
{
    return run(policy, QFS_PLUGIN_NATIVE, QStringLiteral(QFS_PROBE), args, whileRunning);
}

} // namespace live
