// The hostile suite: every program in tests/hostile/attacks tries one class
// of escape (its header comment says what and why it must fail), and runs
// here under every level where the attack applies.  Verdicts come from the
// host side only: each row sets out fresh bait (bait.h) and afterwards
// checks, for every row alike,
//   - no token of the row (secret file, hidden name, the victim's
//     environment and memory, the supervisor's environment, a host shm
//     segment) appears in the plugin's output or in any file it could
//     write; the secret's atime is unchanged, so it was not even read;
//   - the world-writable target is unchanged, no pwned-* mark exists;
//   - no host listener (TCP, TCP6, the host's address, UDP, Unix stream
//     and datagram, abstract, FIFO) got anything;
//   - the victim lives, is not stopped or traced, its memory intact;
//   - the host's settings, mounts, cgroup limits, and the supervisor's own
//     limits, priority and tracer are as they were;
//   - no process carrying the row's token is left on the host;
// plus what the attack's row adds (its namespaces, descriptors, limits,
// the terminal's queue, read from /proc while the plugin holds still).
// Controls beside the attacks run the same programs where the policy (or
// Unrestricted) allows them and must show the breach, so a sandbox that
// blocks everything, or a broken attack program, fails the suite.
#include "bait.h"

#include <QElapsedTimer>
#include <QRegularExpression>

#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>

using namespace live;
using namespace hostile;

namespace {

constexpr unsigned U = 1u << QFS_LEVEL_UNRESTRICTED, L = 1u << QFS_LEVEL_LIMITED,
                   S = 1u << QFS_LEVEL_SANDBOXED, T = 1u << QFS_LEVEL_STRICT, LST = L | S | T;

// What a row grants on top of its level's built-in policy (beside the
// drop/ and tools/ directories, read-write, which every row has).
enum Grant : unsigned {
    PROC = 1u << 0, // allow_process_creation
    NET = 1u << 1, // allow_network_access
    ENV = 1u << 2, // allow_environment_access
    NO_DLOPEN = 1u << 3, // blocked_apis += dlopen
    NO_MMAP = 1u << 4, // blocked_apis += mmap
    TTY = 1u << 5, // stdin is a terminal the test owns
    LEAKED_STDIN = 1u << 6, // stdin is the secret (the leaked-descriptor control)
    SMALL = 1u << 7, // small limits: 64 MiB, 8 MiB disk, 32 processes, 3 s of CPU
};

// What a control run must show.
enum Breach {
    NO_BREACH,
    FILE_TOKEN, // the secret file's content got out
    HIDDEN_NAME,
    VICTIM_ENV,
    VICTIM_MEM,
    SUPERVISOR_ENV,
    SHM_TOKEN,
    MARK, // a pwned-* file
    TARGET, // the world-writable target changed
    LISTENER, // the listener named in the spec's `listener` got something
    VICTIM_HIT, // the victim died, stopped or was traced
    CUSTOM, // the spec's breached() says
    SUCCEEDS, // the benign control: exit 0 and its own check
};

struct Ctx;
using Fn = void (*)(Ctx &);
using Pred = bool (*)(Ctx &);

struct Spec
{
    const char *name = nullptr;
    const char *program = nullptr; // attacks/NAME built as hostile-NAME, or a script
    unsigned levels = 0; // where it runs as an attack
    unsigned grants = 0;
    unsigned controlLevels = 0; // where it must succeed
    unsigned controlGrants = 0;
    Breach breach = NO_BREACH;
    const char *args = ""; // extra key=value arguments, space separated
    Fn prepare = nullptr; // before the start (policy, setup, QSKIP)
    Fn during = nullptr; // while the plugin holds after its attempts
    Fn after = nullptr; // extra verdicts of an attack row
    Pred breached = nullptr; // a CUSTOM control's breach
    const char *listener = nullptr; // LISTENER: which one
    bool rootOnlyControl = false; // the control needs a root supervisor
    const char *controlArgs = ""; // instead of args in control rows
    int controlCap = -1; // a capability the control needs the supervisor to have
};

struct Outcome
{
    int start = 0;
    QString error;
    qfs_status status = QFS_STATUS_SETUP_FAILED;
    int exitCode = -1, signal = 0, limit = -1;
    QByteArray out, err;
    QJsonObject report;
    pid_t mainPid = 0;
    bool held = false;
};

struct Ctx
{
    const Spec *spec = nullptr;
    int level = 0;
    unsigned grants = 0;
    bool control = false;
    Bait *bait = nullptr;
    Policy policy;
    Outcome out;
    QStringList extraArgs;
    QMap<QString, QByteArray> before;
    QMap<QString, QByteArray> notes; // what a hook wants to remember
    int ptyMaster = -1, ptySlave = -1;
    pid_t plugin = 0; // the process that held, while it holds
    QList<pid_t> held; // every process of the sandbox, while it holds
    QString programPath;
    QString skip; // why a hook found the row moot (QSKIP only works in the test function)
};

QString helpersDir()
{
    return QStringLiteral(QFS_HOSTILE_BIN);
}

// ---- small host-side readings ----

// Field @n (1-based) of /proc/PID/stat.
QByteArray statField(pid_t pid, int n)
{
    const QByteArray s = readAll(QStringLiteral("/proc/%1/stat").arg(pid));
    const QList<QByteArray> f = s.mid(s.lastIndexOf(')') + 2).split(' ');
    return n - 3 < f.size() && n >= 3 ? f[n - 3] : QByteArray();
}

// A hook's QSKIP: recorded, then raised by the test function.
#define SKIP_ROW(c, why)                                                                           \
    do {                                                                                           \
        (c).skip = QString::fromUtf8(why);                                                         \
        return;                                                                                    \
    } while (0)

bool isRootRun()
{
    return geteuid() == 0;
}

bool haveCap(int cap)
{
    const quint64 eff = procStatus(getpid(), "CapEff").toULongLong(nullptr, 16);
    return eff & (1ull << cap);
}

// ---- running one row ----

void runRow(Ctx &c, const QStringList &args, qfs_plugin_type type)
{
    Outcome &o = c.out;
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = nullptr;
    qfs_error err {};

    if (qfs_loop_new(&loop) < 0)
        qFatal("qfs_loop_new failed");
    o.start = qfs_sandbox_new(loop, c.policy.get(), &sb, &err);
    if (o.start < 0) {
        o.error = QString::fromUtf8(err.message);
        qfs_loop_free(loop);
        return;
    }
    qfs_sandbox_callbacks cb {};
    cb.exited = [](qfs_sandbox *, const qfs_exit *ex, void *ud) {
        Outcome *r = static_cast<Outcome *>(ud);
        r->status = ex->status;
        r->exitCode = ex->exit_code;
        r->signal = ex->signal;
        r->limit = ex->limit;
    };
    qfs_sandbox_set_callbacks(sb, &cb, &o);
    int in = QFS_STDIO_NULL;
    if (c.grants & TTY)
        in = c.ptySlave;
    if (c.grants & LEAKED_STDIN)
        in = c.bait->leakFd;
    qfs_sandbox_set_stdio(sb, in, QFS_STDIO_CAPTURE, QFS_STDIO_CAPTURE);

    std::vector<QByteArray> store;
    std::vector<const char *> argv = argvOf(args, store);
    o.start = qfs_sandbox_start(
        sb, type, QFile::encodeName(c.programPath).constData(), argv.data(), &err);
    if (o.start < 0) {
        o.error = QString::fromUtf8(err.message);
    } else {
        o.mainPid = qfs_sandbox_get_pid(sb);
        if (c.spec->during) {
            // Until a process of the sandbox says it is done (comm
            // "qfs-done"), or the sandbox ends; the loop keeps running so
            // that output pipes never fill.
            QElapsedTimer t;
            t.start();
            while (qfs_sandbox_is_running(sb) && t.elapsed() < 20000 && !o.held) {
                qfs_loop_run_for(loop, 10);
                for (pid_t pid : descendants(o.mainPid))
                    if (comm(pid) == "qfs-done") {
                        o.held = true;
                        c.plugin = pid;
                        break;
                    }
            }
            if (o.held) {
                c.held = descendants(o.mainPid);
                o.report = reportOf(sb);
                c.spec->during(c);
            } else if (qfs_sandbox_is_running(sb)) {
                qWarning("%s never reached qfs-done", c.spec->name);
            }
            if (qfs_sandbox_is_running(sb))
                qfs_sandbox_kill(sb);
        }
        if (qfs_sandbox_wait(sb, 120000) < 0)
            qWarning("%s did not end in time", c.spec->name);
        const char *data;
        size_t len;
        if (qfs_sandbox_get_output(sb, 1, &data, &len, nullptr) == 0)
            o.out = QByteArray(data, qsizetype(len));
        if (qfs_sandbox_get_output(sb, 2, &data, &len, nullptr) == 0)
            o.err = QByteArray(data, qsizetype(len));
    }
    const QJsonObject final = reportOf(sb);
    if (!final.isEmpty())
        o.report = final;
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
}

// ---- the verdicts every row gets ----

// Returns what went wrong, one line per finding; empty when the host side
// shows no trace of the attack.
QStringList genericFindings(Ctx &c)
{
    Bait &b = *c.bait;
    QStringList f;
    for (const QString &t : b.leakedTokens(c.out.out, c.out.err))
        f << "leaked: " + t;
    struct stat st
    {
    };
    if (stat(QFile::encodeName(b.secret).constData(), &st) == 0
        && st.st_atim.tv_sec != b.secretAtime.tv_sec)
        f << "the secret was read (its atime moved)";
    if (readAll(b.target) != "ORIGINAL " + b.fileToken.right(6) + "\n")
        f << "the target changed: " + QString::fromUtf8(readAll(b.target).left(80));
    for (const QString &m : b.marks())
        f << "mark: " + m;
    const QMap<QString, QByteArray> reached = b.listeners.reached();
    for (auto it = reached.begin(); it != reached.end(); ++it)
        f << "listener " + it.key() + " got: " + QString::fromUtf8(it.value().left(40));
    if (!b.victimAlive())
        f << "the victim died";
    else if (b.victimState().contains("stopped") || !b.victimState().endsWith(" 0"))
        f << "the victim: " + QString::fromUtf8(b.victimState());
    else if (b.victimMemory() != b.victimMemToken)
        f << "the victim's memory changed";
    for (const QString &d : snapshotDiff(c.before, snapshot()))
        f << "host changed: " + d;
    // Leftovers: give SIGKILL a moment to land.
    QElapsedTimer t;
    t.start();
    QList<pid_t> left = processesWith(b.runToken);
    left.removeAll(b.victim);
    while (!left.isEmpty() && t.elapsed() < 2000) {
        QTest::qWait(20);
        left = processesWith(b.runToken);
        left.removeAll(b.victim);
    }
    for (pid_t pid : left)
        f << QStringLiteral("left running: %1 (%2)").arg(pid).arg(QString::fromUtf8(comm(pid)));
    return f;
}

bool breachShown(Ctx &c)
{
    Bait &b = *c.bait;
    const QStringList leaked = b.leakedTokens(c.out.out, c.out.err);
    switch (c.spec->breach) {
    case FILE_TOKEN:
        return leaked.contains("the secret file");
    case HIDDEN_NAME:
        return leaked.contains("the hidden file's name");
    case VICTIM_ENV:
        return leaked.contains("the victim's environment");
    case VICTIM_MEM:
        return leaked.contains("the victim's memory");
    case SUPERVISOR_ENV:
        return leaked.contains("the supervisor's environment");
    case SHM_TOKEN:
        return leaked.contains("the host's shm segment");
    case MARK:
        return !b.marks().isEmpty();
    case TARGET:
        return readAll(b.target) != "ORIGINAL " + b.fileToken.right(6) + "\n";
    case LISTENER:
        return b.listeners.reached().contains(QString::fromLatin1(c.spec->listener));
    case VICTIM_HIT:
        return !b.victimAlive() || b.victimState().contains("stopped");
    case CUSTOM:
        return c.spec->breached(c);
    case SUCCEEDS:
        return c.out.status == QFS_STATUS_EXITED && c.out.exitCode == 0
            && (!c.spec->breached || c.spec->breached(c));
    case NO_BREACH:
        break;
    }
    return false;
}

// ---- hooks of single attacks ----

// The terminal.
void openPty(Ctx &c)
{
    c.ptyMaster = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    QVERIFY(c.ptyMaster >= 0);
    QVERIFY(grantpt(c.ptyMaster) == 0 && unlockpt(c.ptyMaster) == 0);
    c.ptySlave = open(ptsname(c.ptyMaster), O_RDWR | O_NOCTTY | O_CLOEXEC);
    QVERIFY(c.ptySlave >= 0);
    termios tio {};
    tcgetattr(c.ptySlave, &tio);
    cfmakeraw(&tio);
    tcsetattr(c.ptySlave, TCSANOW, &tio);
}

QByteArray ptyQueue(Ctx &c)
{
    char buf[256];
    fcntl(c.ptySlave, F_SETFL, O_NONBLOCK);
    ssize_t n = read(c.ptySlave, buf, sizeof(buf));
    return n > 0 ? QByteArray(buf, n) : QByteArray();
}

int ptyDiscipline(Ctx &c)
{
    int d = -1;
    ioctl(c.ptySlave, TIOCGETD, &d);
    return d;
}

void ttyAfter(Ctx &c)
{
    QCOMPARE(ptyQueue(c), QByteArray());
    QCOMPARE(ptyDiscipline(c), 0);
}

bool ttyBreached(Ctx &c)
{
    return !ptyQueue(c).isEmpty() || ptyDiscipline(c) != 0;
}

// Namespaces: every process of the sandbox is in the namespaces it
// started in: the init's (Sandboxed, Strict), the host's (Limited).
const char *const nsKinds[] = { "user", "mnt", "net", "ipc", "uts", "cgroup", "pid" };

QStringList nsChanges(Ctx &c)
{
    QStringList changed;
    const pid_t ref = c.level >= QFS_LEVEL_SANDBOXED ? c.out.mainPid : getpid();
    for (pid_t pid : c.held)
        for (const char *k : nsKinds) {
            const QByteArray want = nsOf(ref, k), got = nsOf(pid, k);
            if (!got.isEmpty() && got != want)
                changed << QStringLiteral("%1 %2: %3 (sandbox: %4)")
                               .arg(pid)
                               .arg(k, QString::fromUtf8(got), QString::fromUtf8(want));
        }
    return changed;
}

void nsDuring(Ctx &c)
{
    c.notes["ns"] = nsChanges(c).join('\n').toUtf8();
    c.notes["plugin mounts"] = readAll(QStringLiteral("/proc/%1/mountinfo").arg(c.plugin));
}

void nsAfter(Ctx &c)
{
    QVERIFY2(c.notes.value("ns").isEmpty(), c.notes.value("ns").constData());
}

bool nsBreached(Ctx &c)
{
    return !c.notes.value("ns").isEmpty();
}

// Descriptors a plugin must not hold: kernel interfaces and devices.
void fdsDuring(Ctx &c)
{
    static const QStringList allowed { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
        "/dev/urandom" };
    QStringList bad;
    for (pid_t pid : c.held)
        for (const QString &t : fdTargets(pid))
            if (t.contains("bpf") || t.contains("perf_event") || t.contains("userfaultfd")
                || t.contains("io_uring")
                || (t.startsWith("/dev/") && !allowed.contains(t) && !t.startsWith("/dev/pts/")))
                bad << QStringLiteral("%1: %2").arg(pid).arg(t);
    c.notes["fds"] = bad.join('\n').toUtf8();
}

void fdsAfter(Ctx &c)
{
    QVERIFY2(c.notes.value("fds").isEmpty(), c.notes.value("fds").constData());
}

bool fdsBreached(Ctx &c)
{
    return !c.notes.value("fds").isEmpty();
}

// The keyring: keys named after the run, looked for in /proc/keys as the
// plugin's uid (a key is visible there to its owner's uid; root does not
// see other users' keys).
bool keysOfRun(Ctx &c)
{
    const uid_t uid = pluginUid(c.level);
    const QByteArray needle = "qfs-hostile-" + c.bait->runToken;
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        return false;
    const pid_t pid = fork();
    if (pid == 0) {
        if (getuid() != uid
            && (setgroups(0, nullptr) < 0 || setresgid(uid, uid, uid) < 0
                || setresuid(uid, uid, uid) < 0))
            _exit(1);
        char buf[65536];
        const int fd = open("/proc/keys", O_RDONLY | O_CLOEXEC);
        ssize_t n, len = 0;
        while (fd >= 0 && len < ssize_t(sizeof(buf))
            && (n = read(fd, buf + len, sizeof(buf) - size_t(len))) > 0)
            len += n;
        const bool found = memmem(buf, size_t(len), needle.constData(), size_t(needle.size()));
        _exit(write(pp[1], found ? "y" : "n", 1) == 1 ? 0 : 1);
    }
    close(pp[1]);
    char answer = 'n';
    if (read(pp[0], &answer, 1) != 1)
        answer = '?';
    close(pp[0]);
    waitpid(pid, nullptr, 0);
    return answer == 'y';
}

void keysDuring(Ctx &c)
{
    c.notes["keys"] = keysOfRun(c) ? "found" : "none";
}

void keysAfter(Ctx &c)
{
    QCOMPARE(c.notes.value("keys"), QByteArray("none"));
}

bool keysBreached(Ctx &c)
{
    return c.notes.value("keys") == "found";
}

// The plugin's own state, read while it holds.
void statusDuring(Ctx &c)
{
    const pid_t p = c.plugin;
    c.notes["personality"] = readAll(QStringLiteral("/proc/%1/personality").arg(p)).trimmed();
    for (const char *f : { "NoNewPrivs", "Seccomp", "CapEff", "CapPrm", "CapInh", "CapAmb" })
        c.notes[f] = procStatus(p, f);
    c.notes["policy"] = statField(p, 41);
    c.notes["nice"] = statField(p, 19);
    c.notes["limits"] = readAll(QStringLiteral("/proc/%1/limits").arg(p));
    c.notes["ioprio"] = QByteArray::number(syscall(SYS_ioprio_get, 1, p));
}

void personalityAfter(Ctx &c)
{
    QCOMPARE(c.notes.value("personality"), QByteArray("00000000"));
}

bool personalityBreached(Ctx &c)
{
    return c.notes.value("personality") != "00000000";
}

void privilegesAfter(Ctx &c)
{
    QCOMPARE(c.notes.value("NoNewPrivs"), QByteArray("1"));
    QCOMPARE(c.notes.value("Seccomp"), QByteArray("2"));
    for (const char *f : { "CapEff", "CapPrm", "CapInh", "CapAmb" })
        QCOMPARE(c.notes.value(f), QByteArray("0000000000000000"));
}

QByteArray limitLine(const QByteArray &limits, const QByteArray &name)
{
    for (const QByteArray &line : limits.split('\n'))
        if (line.startsWith(name))
            return line.mid(26).simplified();
    return {};
}

void limitsAfter(Ctx &c)
{
    const QByteArray &l = c.notes["limits"];
    const QByteArray fds
        = QByteArray::number(qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_FILE_HANDLES));
    const QByteArray fsize
        = QByteArray::number(qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_DISK_SPACE_MB) << 20);
    QCOMPARE(limitLine(l, "Max open files"), fds + ' ' + fds + " files");
    QCOMPARE(limitLine(l, "Max file size"), fsize + ' ' + fsize + " bytes");
    QCOMPARE(limitLine(l, "Max core file size"), QByteArray("0 0 bytes"));
}

bool limitsBreached(Ctx &c)
{
    return limitLine(c.notes["limits"], "Max core file size") != "0 0 bytes";
}

void schedAfter(Ctx &c)
{
    QCOMPARE(c.notes.value("policy"), QByteArray("0"));
    QVERIFY2(c.notes.value("nice").toInt() >= 0, c.notes.value("nice").constData());
    // Best effort (class 2) or none (0): never real time (1).
    QVERIFY2((c.notes.value("ioprio").toInt() >> 13) != 1, c.notes.value("ioprio").constData());
}

bool schedBreached(Ctx &c)
{
    return c.notes.value("policy") != "0" || c.notes.value("nice").toInt() < 0;
}

// Other processes of the plugin's uid: the victim's attributes.
void otherTasksDuring(Ctx &c)
{
    const pid_t v = c.bait->victim;
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(v, sizeof(set), &set);
    c.notes["victim"]
        = limitLine(readAll(QStringLiteral("/proc/%1/limits").arg(v)), "Max open files") + " nice "
        + statField(v, 19) + " policy " + statField(v, 41) + " cpus "
        + QByteArray::number(CPU_COUNT(&set)) + " ioprio "
        + QByteArray::number(syscall(SYS_ioprio_get, 1, v));
}

void otherTasksPrepare(Ctx &c)
{
    Ctx probe;
    probe.bait = c.bait;
    otherTasksDuring(probe);
    c.notes["victim before"] = probe.notes["victim"];
}

void otherTasksAfter(Ctx &c)
{
    QCOMPARE(c.notes.value("victim"), c.notes.value("victim before"));
}

bool otherTasksBreached(Ctx &c)
{
    return c.notes.value("victim") != c.notes.value("victim before");
}

// The cgroup: the plugin is still in the sandbox's, whose limits hold.
// Where the supervisor made cgroups, the report names them.
void cgroupDuring(Ctx &c)
{
    c.notes["cgroup"] = readAll(QStringLiteral("/proc/%1/cgroup").arg(c.plugin));
    const QString detail
        = c.out.report["enforcement"].toObject()["cgroup"].toObject()["detail"].toString();
    QByteArray limits;
    for (const char *ctrl : { "memory", "pids" }) {
        const QRegularExpression re(QStringLiteral("cgroup1 %1 (\\S+)").arg(ctrl));
        const QRegularExpressionMatch m = re.match(detail);
        if (!m.hasMatch())
            continue;
        const QString dir = m.captured(1).remove(';');
        const QString rel = dir.mid(QStringLiteral("/sys/fs/cgroup/%1").arg(ctrl).size());
        c.notes[QByteArray("want ") + ctrl] = QByteArray(ctrl) + ':' + rel.toUtf8();
        limits += readAll(dir + (strcmp(ctrl, "memory") ? "/pids.max" : "/memory.limit_in_bytes"))
                      .trimmed()
            + ' ';
    }
    c.notes["cgroup limits"] = limits;
}

void cgroupAfter(Ctx &c)
{
    const QByteArray mine = c.notes.value("cgroup");
    QByteArray want;
    for (const char *ctrl : { "memory", "pids" })
        if (c.notes.contains(QByteArray("want ") + ctrl)) {
            const QByteArray line = c.notes.value(QByteArray("want ") + ctrl);
            QVERIFY2(mine.contains(':' + line + '\n'), mine.constData());
            want += QByteArray(ctrl) == "memory"
                ? QByteArray::number(
                      qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_MEMORY_MB) << 20)
                    + ' '
                : QByteArray::number(qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_MAX_PROCESSES))
                    + ' ';
        }
    QCOMPARE(c.notes.value("cgroup limits"), want);
    // Without cgroups of its own (an unprivileged supervisor), it is
    // still where the supervisor is, outside a cgroup namespace.
    if (want.isEmpty() && c.level == QFS_LEVEL_LIMITED)
        QCOMPARE(mine, readAll("/proc/self/cgroup"));
}

// Terminal, core dumps and the like: controls run outside the sandbox.
bool coreBreached(Ctx &c)
{
    QDir d(c.bait->drop);
    return !d.entryList({ "core*" }, QDir::Files).isEmpty();
}

void coreAfter(Ctx &c)
{
    QVERIFY2(!coreBreached(c), qPrintable(QDir(c.bait->drop).entryList().join(' ')));
    QVERIFY(QDir(c.bait->path()).entryList({ "core*" }, QDir::Files).isEmpty());
}

void corePrepare(Ctx &c)
{
    const QByteArray pattern = readAll("/proc/sys/kernel/core_pattern").trimmed();
    if (pattern.startsWith('|') || pattern.contains('/'))
        SKIP_ROW(c,
            "core_pattern is not a plain file name here: a dump would not land in the "
            "plugin's directory for the runner to see");
}

// The executable: the plugin runs from a world-writable host copy.
void exePrepare(Ctx &c)
{
    const QString copy = c.bait->outside + "/plugin-exe";
    QFile::copy(c.programPath, copy);
    chmod(QFile::encodeName(copy).constData(), 0777);
    c.notes["exe"] = readAll(copy, 1 << 24);
    c.programPath = copy;
}

bool exeBreached(Ctx &c)
{
    return readAll(c.programPath, 1 << 24) != c.notes.value("exe")
        || readAll(c.bait->victimExe, 4) != "\177ELF";
}

void exeAfter(Ctx &c)
{
    QVERIFY2(!exeBreached(c), "an executable on the host was overwritten");
}

// Setuid and file capabilities: root-owned helpers in tools/.
void suidPrepare(Ctx &c)
{
    if (!isRootRun())
        SKIP_ROW(c, "only root can make a setuid-root program for the plugin to find");
    const QString suid = c.bait->tools + "/suid-marker", caps = c.bait->tools + "/caps-marker";
    QFile::copy(helpersDir() + "/qfs-hostile-marker", suid);
    QFile::copy(helpersDir() + "/qfs-hostile-marker", caps);
    QCOMPARE(chown(QFile::encodeName(suid).constData(), 0, 0), 0);
    QCOMPARE(chmod(QFile::encodeName(suid).constData(), 04755), 0);
    chmod(QFile::encodeName(caps).constData(), 0755);
    // VFS_CAP_REVISION_2: cap_dac_override in the permitted set, effective.
    struct
    {
        uint32_t magic;
        uint32_t data[4];
    } cap = { 0x02000000 | 1, { 1u << CAP_DAC_OVERRIDE, 0, 0, 0 } };
    QCOMPARE(
        setxattr(QFile::encodeName(caps).constData(), "security.capability", &cap, sizeof(cap), 0),
        0);
    c.extraArgs << "suid=" + suid << "caps=" + caps;
    // The control, outside any sandbox: run by the plugin's uid, the
    // helper does get euid 0, so the mark below would show a success.
    const QString probe = c.bait->outside + "/suid-probe";
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, nullptr) < 0 || setresgid(65534, 65534, 65534) < 0
            || setresuid(65534, 65534, 65534) < 0)
            _exit(1);
        execl(QFile::encodeName(suid).constData(), "suid-marker",
            QFile::encodeName(probe).constData(), static_cast<char *>(nullptr));
        _exit(127);
    }
    waitpid(pid, nullptr, 0);
    QVERIFY2(readAll(probe).startsWith("euid=0 "), readAll(probe).constData());
    pid = fork();
    if (pid == 0) {
        if (setgroups(0, nullptr) < 0 || setresgid(65534, 65534, 65534) < 0
            || setresuid(65534, 65534, 65534) < 0)
            _exit(1);
        execl(QFile::encodeName(caps).constData(), "caps-marker",
            QFile::encodeName(probe).constData(), static_cast<char *>(nullptr));
        _exit(127);
    }
    waitpid(pid, nullptr, 0);
    QVERIFY2(!readAll(probe).endsWith("capeff=0\n"), readAll(probe).constData());
}

// What a setuid-root or file-capability program found it had.
void suidAfter(Ctx &c)
{
    for (const QString &n : QDir(c.bait->drop).entryList({ "exec-*" }, QDir::Files)) {
        const QByteArray got = readAll(c.bait->drop + '/' + n);
        QVERIFY2(!got.startsWith("euid=0 ") && got.endsWith("capeff=0\n"), got.constData());
    }
}

// System V IPC and message queues left on the host.
void ipcAfter(Ctx &c)
{
    const key_t key = c.bait->ipcKey;
    QCOMPARE(shmget(key, 0, 0), -1);
    QCOMPARE(msgget(key, 0), -1);
    QCOMPARE(semget(key, 0, 0), -1);
    const mqd_t q = mq_open(c.bait->mqName.constData(), O_RDONLY);
    QVERIFY2(q == mqd_t(-1), "a message queue of the plugin outlived it");
}

bool mqBreached(Ctx &c)
{
    const mqd_t q = mq_open(c.bait->mqName.constData(), O_RDONLY);
    if (q == mqd_t(-1))
        return false;
    mq_close(q);
    return true;
}

// ICMP: echo requests that reached the host's stack.
QByteArray inEchos()
{
    QList<QByteArray> names, values;
    for (const QByteArray &line : readAll("/proc/net/snmp").split('\n'))
        if (line.startsWith("Icmp:")) {
            if (names.isEmpty())
                names = line.simplified().split(' ');
            else
                values = line.simplified().split(' ');
        }
    const int i = int(names.indexOf("InEchos"));
    return i >= 0 && i < values.size() ? values[i] : QByteArray();
}

void icmpPrepare(Ctx &c)
{
    c.notes["echos"] = inEchos();
}

bool icmpBreached(Ctx &c)
{
    return inEchos() != c.notes.value("echos");
}

void icmpAfter(Ctx &c)
{
    QCOMPARE(inEchos(), c.notes.value("echos"));
}

// An abstract name the plugin tried to squat: the host can still take it.
void squatPrepare(Ctx &c)
{
    c.extraArgs << "squat=qfs-squat-" + QString::fromLatin1(c.bait->runToken);
}

void squatDuring(Ctx &c)
{
    const QByteArray name = "qfs-squat-" + c.bait->runToken;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + 1, name.constData(), size_t(name.size()));
    const int r = bind(fd, reinterpret_cast<sockaddr *>(&sa),
        socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
    c.notes["squat"] = r == 0 ? "free" : QByteArray("taken: ") + strerror(errno);
    close(fd);
}

void squatAfter(Ctx &c)
{
    const QJsonArray ns = c.out.report["enforcement"].toObject()["namespaces"].toArray();
    if (c.level >= QFS_LEVEL_SANDBOXED && !ns.contains("net"))
        SKIP_ROW(c,
            "with network access, Sandboxed and Strict get a network namespace of their own "
            "from the network mediation (issue 6); until then they share the host's, and "
            "its abstract names");
    QCOMPARE(c.notes.value("squat"), QByteArray("free"));
}

bool squatBreached(Ctx &c)
{
    return c.notes.value("squat") != "free";
}

bool kmsgBreached(Ctx &c);

// The kernel log: a line the plugin forged, read back as root.
void kmsgAfter(Ctx &c)
{
    QVERIFY2(!kmsgBreached(c), "the plugin read the kernel log");
    if (!isRootRun())
        return;
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    QVERIFY(fd >= 0);
    char rec[8192];
    ssize_t n;
    bool forged = false;
    while ((n = read(fd, rec, sizeof(rec))) > 0 || (n < 0 && errno == EPIPE))
        if (n > 0 && QByteArray(rec, n).contains("forged " + c.bait->runToken))
            forged = true;
    close(fd);
    QVERIFY2(!forged, "the plugin wrote into the host's kernel log");
}

// Resource attacks: what ended the run.
QString statusText(const Outcome &o)
{
    return QStringLiteral("%1 exit %2 signal %3 limit %4")
        .arg(QString::fromUtf8(qfs_status_name(o.status)))
        .arg(o.exitCode)
        .arg(o.signal)
        .arg(o.limit >= 0 ? QString::fromUtf8(qfs_resource_name(qfs_resource(o.limit))) : "-");
}

QString backend(Ctx &c, const char *limit)
{
    return c.out.report["enforcement"].toObject()["limits"].toObject()[limit].toString();
}

void hostForks()
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    QVERIFY2(pid > 0, "the host cannot fork after the attack");
    waitpid(pid, nullptr, 0);
}

void processesAfter(Ctx &c)
{
    hostForks();
    if (c.level == QFS_LEVEL_STRICT && !(c.grants & PROC)) {
        QCOMPARE(c.out.status, QFS_STATUS_EXITED);
        return;
    }
    // The ceiling ends the sandbox where a controller (or an rlimit in a
    // user namespace) holds it; elsewhere the attack simply hit the wall.
    if (backend(c, "processes").startsWith("cgroup"))
        QVERIFY2(c.out.status == QFS_STATUS_LIMIT_EXCEEDED && c.out.limit == QFS_RESOURCE_PROCESSES,
            qPrintable(statusText(c.out)));
}

void memoryAfter(Ctx &c)
{
    const qint64 limit = qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_MEMORY_MB);
    const qint64 peak = c.out.report["usage"].toObject()["memory_peak_mb"].toInteger();
    // The private /tmp is a tmpfs of the disk limit: that is what a file
    // there runs into first.
    if (QByteArray(c.spec->args) == "how=tmpfs") {
        QVERIFY2(c.out.status == QFS_STATUS_EXITED || c.out.limit == QFS_RESOURCE_DISK_SPACE,
            qPrintable(statusText(c.out)));
        return;
    }
    if (backend(c, "memory").startsWith("cgroup")) {
        QVERIFY2(c.out.status == QFS_STATUS_LIMIT_EXCEEDED && c.out.limit == QFS_RESOURCE_MEMORY,
            qPrintable(statusText(c.out)));
        QVERIFY2(peak <= limit, qPrintable(QString::number(peak)));
    } else {
        // The data rlimit refuses the allocation, or the sample ends it.
        QVERIFY2(c.out.status == QFS_STATUS_EXITED || c.out.limit == QFS_RESOURCE_MEMORY,
            qPrintable(statusText(c.out)));
    }
}

void diskAfter(Ctx &c)
{
    // The private /tmp holds at most the limit; the run ends by ENOSPC
    // (exit 0 after "refused") or by the limit.
    const qint64 mb = c.out.report["usage"].toObject()["disk_space_used_mb"].toInteger();
    const qint64 limit = qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_DISK_SPACE_MB);
    QVERIFY2(mb <= limit + 1, qPrintable(QString::number(mb)));
    QVERIFY2(c.out.status == QFS_STATUS_EXITED || c.out.limit == QFS_RESOURCE_DISK_SPACE,
        qPrintable(statusText(c.out)));
    QVERIFY2(c.out.err.contains("refused") || c.out.err.contains("No space")
            || c.out.err.contains("too large") || c.out.limit == QFS_RESOURCE_DISK_SPACE,
        c.out.err.right(300).constData());
}

void inodesAfter(Ctx &c)
{
    // Creation ended with ENOSPC well short of the count asked for.
    QVERIFY2(c.out.err.contains("No space left"), c.out.err.right(300).constData());
    QCOMPARE(c.out.status, QFS_STATUS_EXITED);
}

void fdDuring(Ctx &c)
{
    QStringList counts;
    for (pid_t pid : c.held)
        counts << QString::number(fdTargets(pid).size());
    c.notes["fd counts"] = counts.join(' ').toUtf8();
}

void fdAfter(Ctx &c)
{
    const int limit = int(qfs_policy_get_limit(c.policy.get(), QFS_LIMIT_FILE_HANDLES));
    for (const QByteArray &n : c.notes.value("fd counts").split(' '))
        QVERIFY2(n.toInt() <= limit, c.notes.value("fd counts").constData());
}

void fdManyAfter(Ctx &c)
{
    // Four processes at the limit each: their sum is over it, which the
    // monitor ends the sandbox for.
    QVERIFY2(c.out.status == QFS_STATUS_LIMIT_EXCEEDED && c.out.limit == QFS_RESOURCE_FILE_HANDLES,
        qPrintable(statusText(c.out)));
}

bool benignOk(Ctx &c)
{
    return c.out.out.contains(c.notes.value("allowed token"))
        && readAll(c.bait->drop + "/benign") == "written";
}

void benignPrepare(Ctx &c)
{
    const QByteArray t = token("QFSA");
    c.notes["allowed token"] = t;
    QFile f(c.bait->tools + "/allowed.txt");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(t);
    f.close();
    chmod(QFile::encodeName(c.bait->tools + "/allowed.txt").constData(), 0644);
    c.extraArgs << "allowed=" + c.bait->tools + "/allowed.txt";
}

void shockerPrepare(Ctx &c)
{
    struct
    {
        file_handle fh;
        unsigned char data[128];
    } h {};
    h.fh.handle_bytes = 128;
    int mount_id;
    if (name_to_handle_at(
            AT_FDCWD, QFile::encodeName(c.bait->secret).constData(), &h.fh, &mount_id, 0)
        < 0)
        SKIP_ROW(c, "this file system gives no file handles");
    QByteArray hex
        = QByteArray(reinterpret_cast<const char *>(h.fh.f_handle), h.fh.handle_bytes).toHex();
    c.extraArgs
        << QStringLiteral("handle=%1:%2").arg(h.fh.handle_type).arg(QString::fromLatin1(hex));
}

void mknodAfter(Ctx &c)
{
    for (const QString &n : QDir(c.bait->drop).entryList({ "dev-*" }, QDir::System | QDir::Files)) {
        struct stat st
        {
        };
        lstat(QFile::encodeName(c.bait->drop + '/' + n).constData(), &st);
        QVERIFY2(!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode), qPrintable(n));
    }
}

// Mounts: none made where the plugin lives (its mount namespace, or the
// host's at Limited), the runtime still read-only.
void mountAfter(Ctx &c)
{
    nsAfter(c);
    const QString at = c.bait->drop + "/mnt";
    for (const QByteArray &line : readAll("/proc/self/mountinfo").split('\n'))
        QVERIFY2(!line.contains(QFile::encodeName(at)), line.constData());
    for (const QByteArray &line : c.notes.value("plugin mounts").split('\n'))
        QVERIFY2(!line.contains(" /mnt ") && !line.contains("qfs-hostile"), line.constData());
}

void remountAfter(Ctx &c)
{
    QVERIFY(!QFile::exists("/usr/pwned-remount"));
    QVERIFY(!QFile::exists(helpersDir() + "/pwned-remount"));
}

void kmsgPrepare(Ctx &c)
{
    // A secret in the kernel log, which only root can put there.
    if (!isRootRun())
        return;
    const QByteArray t = token("QFSK");
    int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    const QByteArray line = "<6>qfs-hostile: " + t + "\n";
    QVERIFY(write(fd, line.constData(), size_t(line.size())) == line.size());
    close(fd);
    c.notes["kmsg token"] = t;
}

bool kmsgBreached(Ctx &c)
{
    return !c.notes.value("kmsg token").isEmpty()
        && (c.out.out + c.out.err).contains(c.notes.value("kmsg token"));
}

void sysrqPrepare(Ctx &c)
{
    // A console log level other than the current one, so that a change
    // would show in /proc/sys/kernel/printk.
    const int now = readAll("/proc/sys/kernel/printk").trimmed().split('\t').value(0).toInt();
    c.extraArgs << QStringLiteral("level=%1").arg(now == 1 ? 2 : 1);
}

void bombPrepare(Ctx &c)
{
    if (c.level == QFS_LEVEL_LIMITED && !isRootRun())
        SKIP_ROW(c,
            "no process ceiling at Limited without a pids controller (resources.h): the bomb "
            "would fill this shared machine's process table");
}

void rawIoPrepare(Ctx &c)
{
    // Without I/O port support in the kernel no process has ports to take.
    if (syscall(SYS_ioperm, 0x80, 1, 0) < 0 && errno == ENOSYS)
        SKIP_ROW(c, "this kernel has no I/O port access (ioperm, iopl) for anyone");
}

void hostForksAfter(Ctx &)
{
    hostForks();
}

// Whether the supervisor gets a memory cgroup for its sandboxes: a v1
// memory hierarchy it may write to (a delegated v2 one would do too; this
// host has none with controllers).
bool memoryCgroup()
{
    for (const QByteArray &line : readAll("/proc/self/cgroup").split('\n')) {
        const QList<QByteArray> f = line.split(':');
        if (f.size() >= 3 && f[1].split(',').contains("memory"))
            return access(QByteArray("/sys/fs/cgroup/memory" + f[2]).constData(), W_OK) == 0;
    }
    return false;
}

void sharedMemoryPrepare(Ctx &c)
{
    if (!memoryCgroup())
        SKIP_ROW(c,
            "without a memory cgroup nothing holds shared memory to the limit: "
            "RLIMIT_DATA counts private memory and the monitor resident pages, so "
            "fallocate()d memfds are bounded only by RLIMIT_NOFILE x RLIMIT_FSIZE "
            "(README, Levels); the row would take gigabytes of this machine");
}

void modulesPrepare(Ctx &c)
{
    if (!QFile::exists("/proc/modules"))
        SKIP_ROW(c, "this kernel has no module support: there is nothing a plugin could load");
}

// ---- the table ----

// Attack rows run at .levels with .grants; control rows at .controlLevels
// with .controlGrants, and must show .breach.  One row per line where it
// fits: a table reads better than what clang-format would make of it.
// clang-format off
const Spec specs[] = {
    // The terminal and descriptors.
    { .name = "tiocsti", .program = "tiocsti", .levels = LST, .grants = TTY, .controlLevels = U,
      .controlGrants = TTY, .breach = CUSTOM, .after = ttyAfter, .breached = ttyBreached },
    { .name = "tty_ldisc", .program = "tty_ldisc", .levels = LST, .grants = TTY, .controlLevels = U,
      .controlGrants = TTY, .breach = CUSTOM, .after = ttyAfter, .breached = ttyBreached },
    { .name = "leaked_fd", .program = "leaked_fd", .levels = LST, .controlLevels = S,
      .controlGrants = LEAKED_STDIN, .breach = FILE_TOKEN },
    { .name = "cwd_escape", .program = "cwd_escape.py", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "dir_listing", .program = "dir_listing.py", .levels = LST, .controlLevels = U, .breach = HIDDEN_NAME },
    // Other processes: /proc, ptrace and the calls that need its rights.
    { .name = "proc_root", .program = "proc_root", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "proc_cwd_fd", .program = "proc_cwd_fd", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "proc_environ", .program = "proc_environ.py", .levels = LST, .controlLevels = U, .breach = VICTIM_ENV },
    { .name = "proc_mem", .program = "proc_mem", .levels = LST, .controlLevels = U, .breach = VICTIM_MEM },
    { .name = "ptrace_victim", .program = "ptrace_victim", .levels = LST, .controlLevels = U, .breach = VICTIM_MEM },
    { .name = "process_vm", .program = "process_vm", .levels = LST, .controlLevels = U, .breach = VICTIM_MEM },
    { .name = "pidfd_getfd", .program = "pidfd_getfd", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "ptrace_supervisor", .program = "ptrace_supervisor", .levels = LST },
    { .name = "signal_host", .program = "signal_host", .levels = LST, .controlLevels = U, .breach = VICTIM_HIT,
      .controlArgs = "only=victim" },
    { .name = "kill_everyone", .program = "kill_everyone", .levels = LST },
    { .name = "other_tasks", .program = "other_tasks", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .prepare = otherTasksPrepare, .during = otherTasksDuring, .after = otherTasksAfter,
      .breached = otherTasksBreached, .controlArgs = "only=victim" },
    // Files: races, links, handles, devices, programs.
    { .name = "symlink_race", .program = "symlink_race", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "rename_race", .program = "rename_race", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "open_race", .program = "open_race", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN },
    { .name = "hardlink", .program = "hardlink", .levels = LST, .controlLevels = U, .breach = TARGET },
    { .name = "shocker", .program = "shocker", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN,
      .prepare = shockerPrepare, .rootOnlyControl = true },
    { .name = "mknod_dev", .program = "mknod_dev", .levels = LST, .after = mknodAfter },
    { .name = "fifo_inject", .program = "fifo_inject", .levels = LST, .controlLevels = U, .breach = LISTENER,
      .listener = "fifo" },
    { .name = "exec_outside", .program = "exec_outside", .levels = LST, .controlLevels = U, .breach = MARK },
    { .name = "setuid_exec", .program = "setuid_exec", .levels = LST, .args = "which=suid",
      .prepare = suidPrepare, .after = suidAfter },
    { .name = "filecaps_exec", .program = "setuid_exec", .levels = LST, .args = "which=caps",
      .prepare = suidPrepare, .after = suidAfter },
    { .name = "core_dump", .program = "core_dump", .levels = LST, .prepare = corePrepare, .after = coreAfter },
    { .name = "exe_overwrite", .program = "exe_overwrite", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .prepare = exePrepare, .after = exeAfter, .breached = exeBreached },
    // Namespaces, mounts, cgroups.
    { .name = "nested_userns", .program = "nested_userns", .levels = LST, .grants = PROC, .controlLevels = U,
      .controlGrants = PROC, .breach = CUSTOM, .during = nsDuring, .after = nsAfter, .breached = nsBreached },
    { .name = "setns_host", .program = "setns_host", .levels = LST, .during = nsDuring, .after = nsAfter },
    { .name = "mount_tricks", .program = "mount_tricks", .levels = LST, .during = nsDuring, .after = mountAfter },
    { .name = "remount_rw", .program = "remount_rw", .levels = LST, .after = remountAfter },
    { .name = "umount_reveal", .program = "umount_reveal", .levels = LST },
    { .name = "chroot_escape", .program = "chroot_escape", .levels = LST },
    { .name = "cgroup_escape", .program = "cgroup_escape", .levels = LST, .during = cgroupDuring,
      .after = cgroupAfter },
    // Kernel interfaces.
    { .name = "keyring", .program = "keyring", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = keysDuring, .after = keysAfter, .breached = keysBreached },
    { .name = "bpf", .program = "bpf", .levels = LST, .controlLevels = U, .breach = CUSTOM, .during = fdsDuring,
      .after = fdsAfter, .breached = fdsBreached, .rootOnlyControl = true },
    { .name = "perf_event", .program = "perf_event", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = fdsDuring, .after = fdsAfter, .breached = fdsBreached },
    { .name = "userfaultfd", .program = "userfaultfd", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = fdsDuring, .after = fdsAfter, .breached = fdsBreached },
    { .name = "io_uring", .program = "io_uring", .levels = LST, .controlLevels = U, .breach = FILE_TOKEN,
      .during = fdsDuring, .after = fdsAfter },
    { .name = "module_load", .program = "module_load", .levels = LST, .prepare = modulesPrepare },
    { .name = "kmsg", .program = "kmsg", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .prepare = kmsgPrepare, .after = kmsgAfter, .breached = kmsgBreached, .rootOnlyControl = true },
    { .name = "dev_raw", .program = "dev_raw", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = fdsDuring, .after = fdsAfter, .breached = fdsBreached, .rootOnlyControl = true },
    { .name = "raw_io", .program = "raw_io", .levels = LST, .controlLevels = U, .breach = MARK,
      .prepare = rawIoPrepare, .rootOnlyControl = true },
    { .name = "sysctl_write", .program = "sysctl_write", .levels = LST },
    { .name = "sysrq", .program = "sysrq", .levels = LST, .prepare = sysrqPrepare },
    { .name = "sysfs_write", .program = "sysfs_write.sh", .levels = LST },
    { .name = "host_identity", .program = "host_identity", .levels = LST },
    { .name = "personality", .program = "personality", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = statusDuring, .after = personalityAfter, .breached = personalityBreached },
    { .name = "prctl_tricks", .program = "prctl_tricks", .levels = LST, .grants = NO_MMAP, .args = "wx=1",
      .during = statusDuring, .after = privilegesAfter },
    { .name = "rlimit_raise", .program = "rlimit_raise", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .during = statusDuring, .after = limitsAfter, .breached = limitsBreached, .rootOnlyControl = true,
      .controlCap = CAP_SYS_RESOURCE },
    { .name = "sched_priority", .program = "sched_priority", .levels = LST, .controlLevels = U,
      .breach = CUSTOM, .during = statusDuring, .after = schedAfter, .breached = schedBreached,
      .rootOnlyControl = true },
    { .name = "sysv_ipc", .program = "sysv_ipc", .levels = LST, .controlLevels = U, .breach = SHM_TOKEN,
      .after = ipcAfter },
    { .name = "posix_mq", .program = "posix_mq", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .after = ipcAfter, .breached = mqBreached },
    // The network.
    { .name = "tcp_connect", .program = "tcp_connect", .levels = LST, .controlLevels = U | L,
      .controlGrants = NET, .breach = LISTENER, .listener = "tcp4" },
    { .name = "tcp_host_address", .program = "tcp_connect", .levels = LST, .controlLevels = S,
      .controlGrants = NET, .breach = LISTENER, .listener = "tcpany" },
    { .name = "udp_send", .program = "udp_send", .levels = LST, .controlLevels = U | L, .controlGrants = NET,
      .breach = LISTENER, .listener = "udp" },
    { .name = "unix_sockets", .program = "unix_sockets", .levels = LST, .controlLevels = U, .breach = LISTENER,
      .listener = "unix" },
    { .name = "unix_sockets_net", .program = "unix_sockets", .levels = LST, .grants = NET },
    { .name = "abstract_socket", .program = "abstract_socket", .levels = LST, .controlLevels = U,
      .breach = LISTENER, .listener = "abstract" },
    { .name = "abstract_socket_net", .program = "abstract_socket", .levels = LST, .grants = NET },
    { .name = "abstract_squat", .program = "abstract_squat", .levels = LST, .controlLevels = U,
      .breach = CUSTOM, .prepare = squatPrepare, .during = squatDuring, .after = squatAfter,
      .breached = squatBreached },
    { .name = "abstract_squat_net", .program = "abstract_squat", .levels = LST, .grants = NET,
      .prepare = squatPrepare, .during = squatDuring, .after = squatAfter },
    { .name = "icmp_raw", .program = "icmp_raw", .levels = LST, .controlLevels = U, .breach = CUSTOM,
      .prepare = icmpPrepare, .after = icmpAfter, .breached = icmpBreached, .rootOnlyControl = true },
    { .name = "netlink_config", .program = "netlink_config", .levels = LST },
    { .name = "dev_tcp", .program = "dev_tcp.sh", .levels = LST, .controlLevels = U | L, .controlGrants = NET,
      .breach = LISTENER, .listener = "tcp4" },
    // Code where the policy forbids it.
    { .name = "memfd_exec", .program = "memfd_exec", .levels = S | T, .grants = NO_DLOPEN, .controlLevels = S,
      .breach = MARK },
    { .name = "dlopen_drop", .program = "dlopen_drop", .levels = S | T, .grants = NO_DLOPEN,
      .controlLevels = S, .breach = MARK },
    { .name = "wx_memory", .program = "wx_memory", .levels = LST, .grants = NO_MMAP, .controlLevels = S,
      .breach = MARK },
    { .name = "wx_doublemap", .program = "wx_doublemap", .levels = S | T, .grants = NO_MMAP | NO_DLOPEN,
      .controlLevels = S, .breach = MARK },
    { .name = "wx_procmem", .program = "wx_procmem", .levels = LST, .controlLevels = U, .breach = MARK },
    { .name = "int80", .program = "int80", .levels = LST, .controlLevels = U, .breach = MARK },
    { .name = "x32", .program = "x32", .levels = LST },
    { .name = "clone3_process", .program = "clone3_process", .levels = LST, .controlLevels = U, .breach = MARK },
    { .name = "clone_process", .program = "clone_process", .levels = S | T, .controlLevels = S,
      .controlGrants = PROC, .breach = MARK },
    { .name = "exec_race", .program = "exec_race", .levels = T, .controlLevels = S, .breach = MARK },
    { .name = "env_leak", .program = "env_leak", .levels = LST, .controlLevels = S, .controlGrants = ENV,
      .breach = SUPERVISOR_ENV },
    // Resources.
    { .name = "fork_bomb", .program = "fork_bomb", .levels = LST, .grants = PROC | SMALL,
      .prepare = bombPrepare, .after = processesAfter },
    { .name = "thread_bomb", .program = "thread_bomb", .levels = LST, .grants = SMALL, .after = hostForksAfter },
    { .name = "daemon", .program = "daemon", .levels = LST, .grants = PROC },
    { .name = "daemon_py", .program = "daemon.py", .levels = LST, .grants = PROC },
    { .name = "memory_anon", .program = "memory_bomb", .levels = LST, .grants = SMALL, .args = "how=anon",
      .after = memoryAfter },
    { .name = "memory_tmpfs", .program = "memory_bomb", .levels = S | T, .grants = SMALL, .args = "how=tmpfs",
      .after = memoryAfter },
    { .name = "memory_memfd", .program = "memory_bomb", .levels = LST, .grants = SMALL, .args = "how=memfd",
      .prepare = sharedMemoryPrepare, .after = memoryAfter },
    { .name = "memory_shm", .program = "memory_bomb", .levels = S | T, .grants = SMALL, .args = "how=shm",
      .after = memoryAfter },
    { .name = "disk_fill", .program = "disk_fill", .levels = S | T, .grants = SMALL, .after = diskAfter },
    { .name = "inode_fill", .program = "inode_fill", .levels = S | T, .grants = SMALL, .after = inodesAfter },
    { .name = "fd_fill", .program = "fd_fill", .levels = LST, .during = fdDuring, .after = fdAfter },
    { .name = "fd_fill_processes", .program = "fd_fill", .levels = L | S, .grants = PROC,
      .args = "children=3 hold=5000", .after = fdManyAfter },
    // What a policy grants must work.
    { .name = "benign", .program = "benign", .controlLevels = LST, .breach = SUCCEEDS, .prepare = benignPrepare,
      .breached = benignOk },
};
// clang-format on

const Spec *findSpec(const QString &name)
{
    for (const Spec &s : specs)
        if (name == QLatin1String(s.name))
            return &s;
    return nullptr;
}

QString grantsName(unsigned g)
{
    QStringList n;
    if (g & PROC)
        n << "proc";
    if (g & NET)
        n << "net";
    if (g & ENV)
        n << "env";
    if (g & NO_DLOPEN)
        n << "no-dlopen";
    if (g & NO_MMAP)
        n << "no-mmap";
    return n.isEmpty() ? QString() : '+' + n.join('+');
}

} // namespace

class TestHostile : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void attack_data();
    void attack();
};

void TestHostile::initTestCase()
{
    // Plugins run as nobody when we are root: what they are to read or run
    // must be reachable for that uid, as the unprivileged run needs too.
    QVERIFY(QFile::exists(helpersDir() + "/qfs-hostile-marker"));
}

void TestHostile::attack_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("level");
    QTest::addColumn<uint>("grants");
    QTest::addColumn<bool>("control");
    for (const Spec &s : specs)
        for (int level = QFS_LEVEL_UNRESTRICTED; level <= QFS_LEVEL_STRICT; level++) {
            if (s.levels & (1u << level))
                QTest::addRow("%s/%s%s", s.name, levelName(level), qPrintable(grantsName(s.grants)))
                    << QString::fromLatin1(s.name) << level << s.grants << false;
            if (s.controlLevels & (1u << level))
                QTest::addRow("%s/control/%s%s", s.name, levelName(level),
                    qPrintable(grantsName(s.controlGrants)))
                    << QString::fromLatin1(s.name) << level << s.controlGrants << true;
        }
}

void TestHostile::attack()
{
    QFETCH(QString, name);
    QFETCH(int, level);
    QFETCH(uint, grants);
    QFETCH(bool, control);
    Ctx c;
    c.spec = findSpec(name);
    QVERIFY(c.spec);
    c.level = level;
    c.grants = grants;
    c.control = control;
    if (control && c.spec->rootOnlyControl && !isRootRun())
        QSKIP("the control needs a privilege only a root supervisor has");
    if (control && c.spec->controlCap >= 0 && !haveCap(c.spec->controlCap))
        QSKIP("the control needs a capability this supervisor lacks (its container withholds it)");

    const QString program = QString::fromLatin1(c.spec->program);
    const bool script = program.endsWith(".py") || program.endsWith(".sh");
    c.programPath = script ? QStringLiteral(QFS_HOSTILE_SRC "/attacks/") + program
                           : helpersDir() + "/hostile-" + program;
    const qfs_plugin_type type = program.endsWith(".py") ? QFS_PLUGIN_PYTHON : QFS_PLUGIN_NATIVE;

    Bait bait(helpersDir());
    c.bait = &bait;
    QVERIFY(bait.victimAlive());
    QVERIFY(bait.victimAddr);

    // The policy: the level's own, the two directories, the row's grants.
    c.policy = policy(level);
    allowDir(c.policy.get(), bait.drop, true);
    allowDir(c.policy.get(), bait.tools, true);
    if (grants & PROC)
        qfs_policy_set_permission(c.policy.get(), QFS_PERM_PROCESS_CREATION, true);
    if (grants & NET)
        qfs_policy_set_permission(c.policy.get(), QFS_PERM_NETWORK_ACCESS, true);
    if (grants & ENV)
        qfs_policy_set_permission(c.policy.get(), QFS_PERM_ENVIRONMENT_ACCESS, true);
    if (grants & NO_DLOPEN)
        qfs_policy_list_add(c.policy.get(), QFS_LIST_BLOCKED_APIS, "dlopen");
    if (grants & NO_MMAP)
        qfs_policy_list_add(c.policy.get(), QFS_LIST_BLOCKED_APIS, "mmap");
    if (grants & SMALL) {
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_MEMORY_MB, 64);
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_DISK_SPACE_MB, 8);
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_MAX_PROCESSES, 32);
        // Room for the bombs' descriptors: what trips is the limit they aim at.
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_FILE_HANDLES, 1000);
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_CPU_TIME_MS, 3000);
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS, 20000);
        qfs_policy_set_monitor_interval_ms(c.policy.get(), 100);
    } else {
        qfs_policy_set_limit(c.policy.get(), QFS_LIMIT_EXECUTION_TIMEOUT_MS, 60000);
    }
    if (grants & TTY)
        openPty(c);
    if (c.spec->prepare)
        c.spec->prepare(c);
    if (QTest::currentTestFailed())
        return;
    if (!c.skip.isEmpty())
        QSKIP(qPrintable(c.skip));

    QStringList args = bait.args() + c.extraArgs;
    const char *own = control && *c.spec->controlArgs ? c.spec->controlArgs : c.spec->args;
    for (const QString &a : QString::fromLatin1(own).split(' ', Qt::SkipEmptyParts))
        args << a;
    args << QStringLiteral("hold=%1").arg(c.spec->during ? 30000 : 0);

    // The host application stands in the directory that holds the secret,
    // with a secret in its environment.
    const QString cwd = QDir::currentPath();
    QDir::setCurrent(bait.path());
    qputenv("QFS_HOSTILE_ENV", bait.envToken);
    c.before = snapshot();
    runRow(c, args, type);
    qunsetenv("QFS_HOSTILE_ENV");
    QDir::setCurrent(cwd);
    if (c.out.start == -ENOTSUP)
        QSKIP(qPrintable("this host cannot run the level: " + c.out.error));
    QVERIFY2(c.out.start == 0, qPrintable(c.out.error));

    const QByteArray story = "status " + statusText(c.out).toUtf8() + "\nstderr:\n"
        + c.out.err.right(1500) + "\nstdout:\n" + c.out.out.left(500);
    // QFS_HOSTILE_VERBOSE=1 shows what each plugin tried and got.
    if (qEnvironmentVariableIsSet("QFS_HOSTILE_VERBOSE"))
        qInfo("%s", story.constData());
    if (control) {
        QVERIFY2(breachShown(c), story.constData());
    } else {
        const QStringList findings = genericFindings(c);
        QVERIFY2(findings.isEmpty(), qPrintable(findings.join('\n') + '\n' + story));
        // A plugin that never got to hold was ended by its first refused
        // call (Strict ends the plugin at a violation); what it would have
        // held, it does not hold.
        if (c.spec->during && !c.out.held) {
            QVERIFY2(level == QFS_LEVEL_STRICT && c.out.status == QFS_STATUS_VIOLATION,
                story.constData());
        } else if (c.spec->after) {
            c.spec->after(c);
            if (QTest::currentTestFailed())
                qWarning("%s", story.constData());
            if (!c.skip.isEmpty())
                QSKIP(qPrintable(c.skip));
        }
    }
    if (c.ptyMaster >= 0)
        close(c.ptyMaster);
    if (c.ptySlave >= 0)
        close(c.ptySlave);
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
