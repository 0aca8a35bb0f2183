// The blocked-API table: its invariants, one test row per entry (blocking
// it blocks what it says), the baseline deny-list and the essential list.
#include "qfs_test.h"

#include <QSet>

#include <seccomp.h>

extern "C" {
#include "apis.h"
#include "decide.h"
}

class TestApis : public QObject
{
    Q_OBJECT

private slots:
    void tableInvariants();
    void publicView();
    void entry_data();
    void entry();
    void plainSyscalls();
    void baseline();
    void essential_data();
    void essential();
    void qtforgeMapping_data();
    void qtforgeMapping();
};

static QStringList listToStrings(const char *const *list)
{
    QStringList out;
    for (; list && *list; ++list)
        out << *list;
    return out;
}

void TestApis::tableInvariants()
{
    QSet<QString> names;
    QVERIFY(apis_count() >= 27);
    for (size_t i = 0; i < apis_count(); ++i) {
        const apis_entry *e = apis_get(i);
        QVERIFY(e);
        const QString name = QString::fromUtf8(e->name);
        QVERIFY2(!names.contains(name), qPrintable(name));
        names.insert(name);
        // A description is one sentence.
        const QString d = QString::fromUtf8(e->description);
        QVERIFY2(d.endsWith('.') && d.at(0).isUpper(), qPrintable(name));
        QVERIFY(e->violation >= 0 && e->violation <= QFS_VIOLATION_SUSPICIOUS_ACTIVITY);
        QVERIFY(e->effects != 0);
        QVERIFY(e->syscalls);
        // A syscall list exactly when the entry denies syscalls.
        QCOMPARE(bool(e->effects & APIS_SYSCALLS), e->syscalls[0] != nullptr);
        // Groups start with '@'; every member is a syscall libseccomp knows
        // (on this or another architecture) and none is essential.
        QCOMPARE(name.startsWith('@'), bool(e->effects & APIS_SYSCALLS));
        for (const char *const *s = e->syscalls; *s; ++s) {
            QVERIFY2(seccomp_syscall_resolve_name(*s) != __NR_SCMP_ERROR, *s);
            QVERIFY2(!apis_essential_reason(*s), *s);
        }
        QVERIFY(apis_find(e->name) == e);
        QVERIFY(qfs_api_known(e->name));
    }
    QCOMPARE(apis_get(apis_count()), nullptr);
    QCOMPARE(apis_find("nope"), nullptr);
    QCOMPARE(apis_find(nullptr), nullptr);
    for (const char *must : { "@mount", "@network", "@process", "@privileged", "@debug", "@module",
             "@raw-io", "@reboot", "@swap", "@keyring", "@io-uring", "@clock", "@bpf",
             "@namespaces", "@cpu-emulation", "exec", "system", "CreateProcess", "ShellExecute",
             "fork", "mmap", "VirtualAlloc", "dlopen", "LoadLibrary" })
        QVERIFY2(names.contains(must), must);
}

void TestApis::publicView()
{
    QCOMPARE(qfs_api_count(), apis_count());
    for (size_t i = 0; i < qfs_api_count(); ++i) {
        QCOMPARE(qfs_api_name(i), apis_get(i)->name);
        QCOMPARE(qfs_api_description(i), apis_get(i)->description);
        QCOMPARE(qfs_api_violation_type(i), int(apis_get(i)->violation));
        QCOMPARE(qfs_api_syscalls(i), apis_get(i)->syscalls);
    }
    QCOMPARE(qfs_api_name(qfs_api_count()), nullptr);
    QCOMPARE(qfs_api_description(qfs_api_count()), nullptr);
    QCOMPARE(qfs_api_violation_type(qfs_api_count()), -EINVAL);
    QCOMPARE(qfs_api_syscalls(qfs_api_count()), nullptr);
    QVERIFY(qfs_api_known("ptrace"));
    QVERIFY(qfs_api_known("openat"));
    QVERIFY(!qfs_api_known("vm86")); // not on this architecture
    QVERIFY(!qfs_api_known("Exec")); // names are case-sensitive
    QVERIFY(!qfs_api_known(""));
    QVERIFY(!qfs_api_known(nullptr));
}

// One row per entry: a Sandboxed policy with process creation allowed and
// only that entry blocked validates, reports the entry blocked, denies each
// of its syscalls on this architecture and asks for its effects.
void TestApis::entry_data()
{
    QTest::addColumn<QString>("name");
    for (size_t i = 0; i < apis_count(); ++i)
        QTest::newRow(apis_get(i)->name) << QString::fromUtf8(apis_get(i)->name);
}

void TestApis::entry()
{
    QFETCH(QString, name);
    const QByteArray n = name.toUtf8();
    const apis_entry *e = apis_find(n.constData());
    QVERIFY(e);

    Policy p = builtinPolicy("sandboxed");
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
    Policy before = builtinPolicy("sandboxed");
    qfs_policy_set_permission(before.get(), QFS_PERM_PROCESS_CREATION, true);
    QCOMPARE(decide_api_effects(p.get()), 0u);
    QCOMPARE(qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, n.constData()), 0);
    qfs_error err {};
    QVERIFY2(qfs_policy_validate(p.get(), &err) == 0, qPrintable(formatError(err)));

    QCOMPARE(qfs_policy_check_api(p.get(), n.constData()), 0);
    QCOMPARE(decide_api_effects(p.get()), e->effects & ~unsigned(APIS_SYSCALLS));
    for (const char *const *s = e->syscalls; *s; ++s) {
        if (!apis_is_syscall(*s))
            continue; // another architecture's
        QVERIFY2(decide_syscall_denied(p.get(), *s), *s);
        QCOMPARE(qfs_policy_check_api(p.get(), *s), 0);
    }
    for (unsigned effect : { unsigned(APIS_NO_EXEC), unsigned(APIS_NO_PROCESS_CREATION) })
        for (const char *const *s = apis_effect_syscalls(effect); *s; ++s)
            QCOMPARE(decide_syscall_denied(p.get(), *s),
                bool(e->effects & effect) || decide_syscall_denied(before.get(), *s));

    // Blocking it blocked something that was allowed before, unless the
    // baseline already covers the whole entry.
    const bool baselineCovers = qfs_policy_check_api(before.get(), n.constData()) == 0;
    QCOMPARE(baselineCovers,
        QStringList(
            { "@mount", "@module", "@reboot", "@swap", "@keyring", "@io-uring", "@bpf",
                "@namespaces", "@userfaultfd", "@personality", "@raw-io", "@debug", "@clock" })
            .contains(name));
}

// A plain syscall name blocks that syscall, nothing more; the exec and
// process-creation syscalls stand for their effect.
void TestApis::plainSyscalls()
{
    Policy p = builtinPolicy("sandboxed");
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, true);
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "getpid");
    QCOMPARE(qfs_policy_check_api(p.get(), "getpid"), 0);
    QCOMPARE(qfs_policy_check_api(p.get(), "getppid"), 1);
    QCOMPARE(decide_api_effects(p.get()), 0u);
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "execveat");
    QCOMPARE(decide_api_effects(p.get()), unsigned(APIS_NO_EXEC));
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "vfork");
    QCOMPARE(decide_api_effects(p.get()), unsigned(APIS_NO_EXEC | APIS_NO_PROCESS_CREATION));
}

void TestApis::baseline()
{
    QSet<QString> seen;
    for (size_t i = 0; i < apis_baseline_count(); ++i) {
        const apis_deny *d = apis_baseline_get(i);
        // Known to libseccomp; umount exists only on some architectures.
        QVERIFY2(seccomp_syscall_resolve_name(d->syscall) != __NR_SCMP_ERROR, d->syscall);
        QVERIFY2(!seen.contains(d->syscall), d->syscall);
        seen.insert(d->syscall);
        QVERIFY2(!apis_essential_reason(d->syscall), d->syscall);
        QVERIFY(d->reason && *d->reason);
        QCOMPARE(d->violation, QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL);
        QCOMPARE(apis_baseline_find(d->syscall), d);
    }
    QCOMPARE(apis_baseline_get(apis_baseline_count()), nullptr);
    // What every level from Limited up denies.
    for (const char *must : { "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
             "fsmount", "fsconfig", "fspick", "mount_setattr", "init_module", "finit_module",
             "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "bpf",
             "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "ptrace",
             "process_vm_readv", "process_vm_writev", "unshare", "setns", "open_by_handle_at",
             "name_to_handle_at", "io_uring_setup", "io_uring_enter", "io_uring_register", "iopl",
             "ioperm", "acct", "quotactl", "syslog", "vhangup", "uselib", "chroot", "settimeofday",
             "clock_settime", "adjtimex", "personality" })
        QVERIFY2(seen.contains(must), must);
    QCOMPARE(apis_baseline_find("personality")->flags, unsigned(APIS_DENY_ARGS));
    QCOMPARE(apis_baseline_find("mount")->flags, 0u);
    QCOMPARE(apis_baseline_find("read"), nullptr);

    // Limited and up deny it; Unrestricted does not.
    for (const char *level : { "limited", "sandboxed", "strict" })
        QVERIFY(decide_syscall_denied(builtinPolicy(level).get(), "kexec_load"));
    QVERIFY(!decide_syscall_denied(builtinPolicy("unrestricted").get(), "kexec_load"));
}

void TestApis::essential_data()
{
    QTest::addColumn<QString>("syscall");
    for (const char *s :
        { "read", "write", "close", "exit", "exit_group", "rt_sigreturn", "restart_syscall", "brk",
            "mprotect", "munmap", "futex", "arch_prctl", "set_tid_address" })
        QTest::newRow(s) << s;
}

void TestApis::essential()
{
    QFETCH(QString, syscall);
    const QByteArray s = syscall.toUtf8();
    QVERIFY(apis_is_syscall(s.constData()));
    const char *reason = apis_essential_reason(s.constData());
    QVERIFY(reason && *reason);
    Policy p = newPolicy();
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, s.constData());
    qfs_error err {};
    QCOMPARE(qfs_policy_validate(p.get(), &err), -EINVAL);
    QCOMPARE(QString::fromUtf8(err.message),
        QStringLiteral("permissions.blocked_apis[0] \"%1\" cannot be blocked: %2")
            .arg(syscall, QString::fromUtf8(reason)));
}

// QTFORGE_API.md's mapping of the Windows and libc names.
void TestApis::qtforgeMapping_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<unsigned>("effects");
    QTest::addColumn<int>("violation");
    const unsigned execFork = APIS_NO_EXEC | APIS_NO_PROCESS_CREATION;
    const int process = QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION;
    const int api = QFS_VIOLATION_BLOCKED_API_CALL;
    QTest::newRow("exec") << "exec" << execFork << process;
    QTest::newRow("system") << "system" << execFork << process;
    QTest::newRow("CreateProcess") << "CreateProcess" << execFork << process;
    QTest::newRow("ShellExecute") << "ShellExecute" << execFork << process;
    QTest::newRow("fork") << "fork" << unsigned(APIS_NO_PROCESS_CREATION) << process;
    QTest::newRow("mmap") << "mmap" << unsigned(APIS_WX) << api;
    QTest::newRow("VirtualAlloc") << "VirtualAlloc" << unsigned(APIS_WX) << api;
    QTest::newRow("dlopen") << "dlopen" << unsigned(APIS_NOEXEC_WRITABLE) << api;
    QTest::newRow("LoadLibrary") << "LoadLibrary" << unsigned(APIS_NOEXEC_WRITABLE) << api;
    QTest::newRow("@network") << "@network" << unsigned(APIS_SYSCALLS)
                              << int(QFS_VIOLATION_UNAUTHORIZED_NETWORK_ACCESS);
    QTest::newRow("@process") << "@process" << (execFork | APIS_SYSCALLS) << process;
    QTest::newRow("@mount") << "@mount" << unsigned(APIS_SYSCALLS)
                            << int(QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL);
}

void TestApis::qtforgeMapping()
{
    QFETCH(QString, name);
    QFETCH(unsigned, effects);
    QFETCH(int, violation);
    const apis_entry *e = apis_find(name.toUtf8().constData());
    QVERIFY(e);
    QCOMPARE(e->effects, effects);
    QCOMPARE(int(e->violation), violation);
    QCOMPARE(
        listToStrings(apis_effect_syscalls(APIS_NO_EXEC)), QStringList({ "execve", "execveat" }));
    QCOMPARE(listToStrings(apis_effect_syscalls(APIS_NO_PROCESS_CREATION)),
        QStringList({ "fork", "vfork", "clone", "clone3" }));
}

QTEST_GUILESS_MAIN(TestApis)
#include "tst_apis.moc"
