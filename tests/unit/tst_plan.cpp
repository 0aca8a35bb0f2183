// What the launcher plans, without running anything: the private root's
// operations and their order, the ELF classification of plugins, the
// command lines of each plugin type, and the seccomp program cache.
#include <QtTest>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <qfsandbox/qfsandbox.h>

extern "C" {
#include "apis.h"
#include "plugin.h"
#include "rootfs.h"
#include "seccomp_policy.h"
}

class TestPlan : public QObject
{
    Q_OBJECT

private slots:
    void rootfsOrderAndKinds();
    void rootfsRefusesTheRoot();
    void rootfsTemplateSplit();
    void elfKinds_data();
    void elfKinds();
    void commandLines();
    void seccompCache();
};

static int indexOf(const rootfs_plan *p, const char *dst, rootfs_op_kind kind)
{
    for (size_t i = 0; i < p->n_ops; ++i)
        if (p->ops[i].kind == kind && !strcmp(p->ops[i].dst, dst))
            return int(i);
    return -1;
}

void TestPlan::rootfsOrderAndKinds()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray allowed = QFile::encodeName(dir.path());
    const QByteArray inside = allowed + "/sub";
    QDir().mkpath(QString::fromUtf8(inside));
    const char *runtime[] = { "/usr", "/bin", "/etc/passwd", "/nonexistent-runtime" };
    const rootfs_dir dirs[] = { { allowed.constData(), true }, { inside.constData(), false } };
    const char *files[] = { "/usr/bin/true" };
    rootfs_spec spec {};
    spec.runtime_paths = runtime;
    spec.n_runtime = 4;
    spec.dirs = dirs;
    spec.n_dirs = 2;
    spec.files = files;
    spec.n_files = 1;
    spec.tmp_size_mb = 7;
    spec.noexec_writable = true;
    // A copied runtime file replaces the bind; its bytes may hold NULs.
    static const char cache[] = { 'l', 'd', '\0', 'x' };
    const rootfs_file written[] = { { "/etc/passwd", cache, sizeof(cache), 0755 } };
    spec.written = written;
    spec.n_written = 1;
    rootfs_plan *p = nullptr;
    QCOMPARE(rootfs_plan_new(&spec, &p, nullptr), 0);

    QCOMPARE(indexOf(p, "/etc/passwd", ROOTFS_BIND), -1);
    const int copy = indexOf(p, "/etc/passwd", ROOTFS_WRITE);
    QVERIFY(copy >= 0);
    QCOMPARE(p->ops[copy].size, sizeof(cache));
    QCOMPARE(QByteArray(p->ops[copy].data, int(p->ops[copy].size)), QByteArray(cache, 4));
    QCOMPARE(p->ops[copy].mode, mode_t(0755));

    QCOMPARE(p->ops[0].kind, ROOTFS_MAKE_PRIVATE);
    QCOMPARE(p->ops[1].kind, ROOTFS_STAGE);
    QCOMPARE(p->ops[p->n_ops - 1].kind, ROOTFS_ROOT_RO);
    QCOMPARE(p->ops[p->n_ops - 2].kind, ROOTFS_DETACH_OLD);

    // Merged /usr: /bin is a symlink, recreated as one.
    const int bin = indexOf(p, "/bin", ROOTFS_SYMLINK);
    QVERIFY(bin >= 0);
    char target[256] = {};
    QVERIFY(readlink("/bin", target, sizeof(target) - 1) > 0);
    QCOMPARE(QByteArray(p->ops[bin].src), QByteArray(target));
    const int usr = indexOf(p, "/usr", ROOTFS_BIND);
    QVERIFY(usr >= 0);
    QVERIFY(p->ops[usr].attr & MOUNT_ATTR_RDONLY);
    QVERIFY(!p->ops[usr].verify); // root's own
    QCOMPARE(indexOf(p, "/nonexistent-runtime", ROOTFS_BIND), -1);
    // A file under a runtime path is visible already.
    QCOMPARE(indexOf(p, "/usr/bin/true", ROOTFS_BIND), -1);

    // /tmp: sized, noexec because writable mounts must be.
    const int tmp = indexOf(p, "/tmp", ROOTFS_TMPFS);
    QVERIFY(tmp >= 0);
    QCOMPARE(QByteArray(p->ops[tmp].data), QByteArray("mode=1777,size=7m,nr_inodes=1792"));
    QVERIFY(p->ops[tmp].attr & MOUNT_ATTR_NOEXEC);

    // Allowed directories after what contains them, verified, writable
    // ones noexec, the read-only one read-only.
    const int a = indexOf(p, allowed.constData(), ROOTFS_BIND);
    const int s = indexOf(p, inside.constData(), ROOTFS_BIND);
    QVERIFY(a > tmp && s > a);
    QVERIFY(p->ops[a].verify && p->ops[s].verify);
    QVERIFY(p->ops[a].attr & MOUNT_ATTR_NOEXEC);
    QVERIFY(!(p->ops[a].attr & MOUNT_ATTR_RDONLY));
    QVERIFY(p->ops[s].attr & MOUNT_ATTR_RDONLY);

    // Fresh /proc before its read-only knobs; /dev populated, then sealed.
    const int proc = indexOf(p, "/proc", ROOTFS_PROC);
    QVERIFY(proc >= 0 && indexOf(p, "/proc/sys", ROOTFS_REBIND_RO) > proc);
    const int dev = indexOf(p, "/dev", ROOTFS_TMPFS);
    const int null = indexOf(p, "/dev/null", ROOTFS_BIND);
    const int seal = indexOf(p, "/dev", ROOTFS_SETATTR);
    QVERIFY(dev >= 0 && null > dev && seal > null);
    // The nodes get their attributes with /dev's, in one recursive call;
    // never nodev.
    QCOMPARE(p->ops[null].attr, uint64_t(0));
    QVERIFY(p->ops[seal].recursive);
    QCOMPARE(
        p->ops[seal].attr, uint64_t(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
    QVERIFY(indexOf(p, "/dev/shm", ROOTFS_SYMLINK) > dev);
    QCOMPARE(indexOf(p, "/sys", ROOTFS_BIND), -1);

    char what[256];
    rootfs_op_describe(p, size_t(usr), what, sizeof(what));
    QCOMPARE(QByteArray(what), QByteArray("binding /usr read-only"));
    rootfs_plan_free(p);
}

// The ops a template holds come first, those of each run after; a plan
// where a run's mount would cover a template's path is not split.
void TestPlan::rootfsTemplateSplit()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray allowed = QFile::encodeName(dir.path());
    const char *runtime[] = { "/usr", "/bin", "/etc/passwd" };
    const char *files[] = { "/opt/qfs-test-plugin" };
    rootfs_dir dirs[] = { { allowed.constData(), true } };
    rootfs_spec spec {};
    spec.runtime_paths = runtime;
    spec.n_runtime = 3;
    spec.dirs = dirs;
    spec.n_dirs = 1;
    spec.files = files;
    spec.n_files = 0;
    spec.tmp_size_mb = 1;
    rootfs_plan *p = nullptr;
    QCOMPARE(rootfs_plan_new(&spec, &p, nullptr), 0);
    QVERIFY(p->n_static > 2 && p->n_static < p->n_ops);
    auto perRun = [](const rootfs_op &op) {
        return op.verify || op.kind == ROOTFS_PROC || op.kind == ROOTFS_REBIND_RO
            || op.kind == ROOTFS_DETACH_OLD || op.kind == ROOTFS_ROOT_RO
            || (op.kind == ROOTFS_TMPFS && QByteArray(op.dst) == "/tmp");
    };
    for (size_t i = 0; i < p->n_ops; i++)
        QVERIFY2(perRun(p->ops[i]) == (i >= p->n_static), p->ops[i].dst);
    QVERIFY(indexOf(p, "/usr", ROOTFS_BIND) < int(p->n_static));
    QVERIFY(indexOf(p, "/dev", ROOTFS_SETATTR) < int(p->n_static));
    QVERIFY(indexOf(p, "/tmp", ROOTFS_TMPFS) >= int(p->n_static));
    QVERIFY(indexOf(p, allowed.constData(), ROOTFS_BIND) > indexOf(p, "/tmp", ROOTFS_TMPFS));
    QVERIFY(indexOf(p, "/proc/sys", ROOTFS_REBIND_RO) > indexOf(p, "/proc", ROOTFS_PROC));
    // The template's copies still need the host's root where it hangs.
    QVERIFY(p->ops[p->n_ops - 2].keep_dir);
    rootfs_plan_free(p);

    // An allowed /etc would cover the copied /etc/passwd: one piece.
    dirs[0] = { "/etc", false };
    QCOMPARE(rootfs_plan_new(&spec, &p, nullptr), 0);
    QCOMPARE(p->n_static, size_t(0));
    QCOMPARE(p->ops[p->n_ops - 2].kind, ROOTFS_DETACH_OLD);
    QVERIFY(!p->ops[p->n_ops - 2].keep_dir);
    rootfs_plan_free(p);
}

void TestPlan::rootfsRefusesTheRoot()
{
    const rootfs_dir dirs[] = { { "/", false } };
    rootfs_spec spec {};
    spec.dirs = dirs;
    spec.n_dirs = 1;
    spec.tmp_size_mb = 1;
    rootfs_plan *p = nullptr;
    qfs_error err {};
    QCOMPARE(rootfs_plan_new(&spec, &p, &err), -EINVAL);
    QCOMPARE(QByteArray(err.field), QByteArray("permissions.allowed_directories"));
    QVERIFY(QByteArray(err.message).contains("cannot be exposed"));
}

void TestPlan::elfKinds_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("kind");
    QTest::newRow("dynamic executable") << QFS_PROBE << int(PLUGIN_ELF_EXECUTABLE);
    QTest::newRow("static") << QFS_PROBE_STATIC << int(PLUGIN_ELF_EXECUTABLE);
    QTest::newRow("static PIE") << QFS_PROBE_STATIC_PIE << int(PLUGIN_ELF_EXECUTABLE);
    QTest::newRow("shared library") << QFS_PROBE_PLUGIN << int(PLUGIN_ELF_LIBRARY);
    QTest::newRow("script") << QFS_PROBE_PY << int(PLUGIN_NOT_ELF);
}

void TestPlan::elfKinds()
{
    QFETCH(QString, path);
    QFETCH(int, kind);
    int fd = open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    QCOMPARE(plugin_elf_kind(fd), kind);
    close(fd);
}

static QStringList argvOf(const plugin_cmd *c)
{
    QStringList out;
    for (char **a = c->argv; *a; ++a)
        out << QString::fromUtf8(*a);
    return out;
}

void TestPlan::commandLines()
{
    const char *args[] = { "--args", "{}", nullptr };
    plugin_cmd *c = nullptr;
    qfs_error err {};

    QCOMPARE(plugin_cmd_new(QFS_PLUGIN_NATIVE, QFS_PROBE, args, false, &c, &err), 0);
    QCOMPARE(argvOf(c), QStringList({ QFS_PROBE, "--args", "{}" }));
    QVERIFY(!c->library && !c->interpreter);
    plugin_cmd_free(c);

    QCOMPARE(plugin_cmd_new(QFS_PLUGIN_NATIVE, QFS_PROBE_PLUGIN, args, false, &c, &err), 0);
    QVERIFY(c->library);
    QCOMPARE(argvOf(c).mid(1), QStringList({ QFS_PROBE_PLUGIN, "--args", "{}" }));
    QCOMPARE(QFileInfo(QString::fromUtf8(c->exec_path)).fileName(), QString("qfsandbox-host"));
    plugin_cmd_free(c);

    // By absolute path, never through PATH.
    QCOMPARE(plugin_cmd_new(QFS_PLUGIN_PYTHON, QFS_PROBE_PY, args, false, &c, &err), 0);
    QCOMPARE(argvOf(c), QStringList({ "/usr/bin/python3", QFS_PROBE_PY, "--args", "{}" }));
    plugin_cmd_free(c);

    if (QFile::exists("/usr/bin/node")) {
        QCOMPARE(plugin_cmd_new(QFS_PLUGIN_JAVASCRIPT, QFS_PROBE_PY, nullptr, true, &c, &err), 0);
        QCOMPARE(argvOf(c), QStringList({ "/usr/bin/node", "--jitless", QFS_PROBE_PY }));
        plugin_cmd_free(c);
    }

    QCOMPARE(plugin_cmd_new(QFS_PLUGIN_NATIVE, "/nonexistent/plugin", nullptr, false, &c, &err),
        -ENOENT);
    QVERIFY(QByteArray(err.message).contains("does not exist"));
    QCOMPARE(plugin_cmd_new(QFS_PLUGIN_NATIVE, "/tmp", nullptr, false, &c, &err), -EACCES);
    QVERIFY(QByteArray(err.message).contains("not a regular file"));
}

void TestPlan::seccompCache()
{
    qfs_policy *a = nullptr, *b = nullptr;
    QCOMPARE(qfs_policy_new_builtin("strict", &a), 0);
    QCOMPARE(qfs_policy_copy(a, &b), 0);
    seccomp_policy_cache_flush();
    seccomp_program *pa = nullptr, *pb = nullptr, *pc = nullptr;
    QCOMPARE(
        seccomp_policy_build(a, APIS_NO_EXEC | APIS_NO_PROCESS_CREATION, nullptr, &pa, nullptr), 0);
    QCOMPARE(pa->mode, SECCOMP_POLICY_ALLOW_LIST);
    QVERIFY(pa->needs_listener); // exec goes to the listener
    QVERIFY(pa->prog.len > 12);
    // Equal inputs, the same compiled program.
    QCOMPARE(
        seccomp_policy_build(b, APIS_NO_EXEC | APIS_NO_PROCESS_CREATION, nullptr, &pb, nullptr), 0);
    QCOMPARE(pb, pa);
    // A blocked syscall changes the program.
    qfs_policy_list_add(b, QFS_LIST_BLOCKED_APIS, "@network");
    QCOMPARE(
        seccomp_policy_build(b, APIS_NO_EXEC | APIS_NO_PROCESS_CREATION, nullptr, &pc, nullptr), 0);
    QVERIFY(pc != pa);
    // Refusals go to the listener, which reports them; refused in the
    // kernel alone, they need none.
    qfs_policy_set_level(b, QFS_LEVEL_SANDBOXED);
    seccomp_program *pd = nullptr, *pe = nullptr;
    QCOMPARE(seccomp_policy_build(b, 0, nullptr, &pd, nullptr), 0);
    QCOMPARE(pd->mode, SECCOMP_POLICY_DENY_LIST);
    QVERIFY(pd->needs_listener);
    seccomp_policy_actions kernel;
    seccomp_policy_kernel_actions(&kernel);
    QCOMPARE(seccomp_policy_build(b, 0, &kernel, &pe, nullptr), 0);
    QVERIFY(!pe->needs_listener);
    QVERIFY(pe != pd);
    for (seccomp_program *p : { pa, pb, pc, pd, pe })
        seccomp_program_unref(p);
    seccomp_policy_cache_flush();
    qfs_policy_free(a);
    qfs_policy_free(b);
}

QTEST_GUILESS_MAIN(TestPlan)
#include "tst_plan.moc"
