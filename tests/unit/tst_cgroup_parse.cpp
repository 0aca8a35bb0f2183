// Parsing of recorded cgroup v1/v2 files and the pure v2 decision.
#include <QFile>
#include <QtTest>

#include <cerrno>
#include <cstdint>

extern "C" {
#include "cgroup.h"
}

namespace {

QByteArray data(const char *name)
{
    QFile f(QStringLiteral(QFS_TEST_DATA_DIR "/cgroup/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", name);
    return f.readAll();
}

int64_t keyed(const QByteArray &text, const char *key)
{
    uint64_t v = 0;
    int r = cgroup_parse_keyed(text.constData(), size_t(text.size()), key, &v);
    return r < 0 ? r : int64_t(v);
}

int64_t single(const QByteArray &text)
{
    uint64_t v = 0;
    int r = cgroup_parse_u64(text.constData(), size_t(text.size()), &v);
    return r < 0 ? r : v == UINT64_MAX ? -1000 : int64_t(v);
}

QString self(const QByteArray &text, const char *controller)
{
    char *p = nullptr;
    int r = cgroup_parse_self(text.constData(), size_t(text.size()), controller, &p);
    if (r < 0)
        return QStringLiteral("error %1").arg(r);
    QString s = QString::fromUtf8(p);
    free(p);
    return s;
}

QString mount(const QByteArray &text, const char *controller)
{
    char *m = nullptr, *root = nullptr;
    int r = cgroup_parse_mount(text.constData(), size_t(text.size()), controller, &m, &root);
    if (r < 0)
        return QStringLiteral("error %1").arg(r);
    QString s = QString::fromUtf8(m) + QLatin1Char('|') + QString::fromUtf8(root);
    free(m);
    free(root);
    return s;
}

} // namespace

class TestCgroupParse : public QObject
{
    Q_OBJECT

private slots:
    void v2MemoryEvents()
    {
        const QByteArray ev = data("v2/memory.events");
        QCOMPARE(keyed(ev, "oom_kill"), 1);
        QCOMPARE(keyed(ev, "oom_group_kill"), 1);
        // "oom" must not match the longer keys that start with it.
        QCOMPARE(keyed(ev, "oom"), 2);
        QCOMPARE(keyed(ev, "max"), 1523);
        QCOMPARE(keyed(ev, "low"), 0);
        QCOMPARE(keyed(ev, "oom_kil"), -ENOENT);
        QCOMPARE(keyed(data("v2/memory.events.clean"), "oom_kill"), 0);
    }

    void v2CpuStat()
    {
        const QByteArray st = data("v2/cpu.stat");
        QCOMPARE(keyed(st, "usage_usec"), 512345);
        QCOMPARE(keyed(st, "user_usec"), 500123);
        QCOMPARE(keyed(st, "system_usec"), 12222);
        QCOMPARE(keyed(st, "nr_throttled"), 0);
        // Recorded on this host from a v2 cgroup without the cpu controller.
        const QByteArray nc = data("v2/cpu.stat.nocontroller");
        QCOMPARE(keyed(nc, "usage_usec"), 92012602);
        QCOMPARE(keyed(nc, "user_usec") + keyed(nc, "system_usec"), 92012601);
    }

    void v2MemoryStat()
    {
        const QByteArray st = data("v2/memory.stat");
        QCOMPARE(keyed(st, "anon"), 64962560);
        QCOMPARE(keyed(st, "file"), 1032192);
        QCOMPARE(keyed(st, "file_mapped"), 774144);
        QCOMPARE(keyed(st, "pgmajfault"), 3);
        QCOMPARE(keyed(st, "anon_thp_x"), -ENOENT);
    }

    void v2SingleValues()
    {
        QCOMPARE(single(data("v2/memory.peak")), 67108864);
        QCOMPARE(single(data("v2/memory.current")), 66994176);
        QCOMPARE(single(data("v2/pids.current")), 3);
        QCOMPARE(single(data("v2/pids.max")), -1000); // "max"
        QCOMPARE(keyed(data("v2/pids.events"), "max"), 17);
    }

    void v2Controllers()
    {
        const QByteArray c = data("v2/cgroup.controllers");
        QVERIFY(cgroup_parse_has_word(c.constData(), size_t(c.size()), "memory"));
        QVERIFY(cgroup_parse_has_word(c.constData(), size_t(c.size()), "pids"));
        QVERIFY(cgroup_parse_has_word(c.constData(), size_t(c.size()), "cpu"));
        QVERIFY(cgroup_parse_has_word(c.constData(), size_t(c.size()), "misc"));
        QVERIFY(!cgroup_parse_has_word(c.constData(), size_t(c.size()), "cpuacct"));
        QVERIFY(!cgroup_parse_has_word(c.constData(), size_t(c.size()), "mem"));
        const QByteArray s = data("v2/cgroup.subtree_control");
        QVERIFY(cgroup_parse_has_word(s.constData(), size_t(s.size()), "pids"));
        QVERIFY(!cgroup_parse_has_word(s.constData(), size_t(s.size()), "io"));
    }

    void procsList()
    {
        const QByteArray p = data("v2/cgroup.procs");
        pid_t pids[4] = {};
        QCOMPARE(cgroup_parse_pids(p.constData(), size_t(p.size()), pids, 4), 3);
        QCOMPARE(pids[0], 4211);
        QCOMPARE(pids[1], 4212);
        QCOMPARE(pids[2], 4300);
        // More pids than room: the count is still the total.
        pid_t one[1] = {};
        QCOMPARE(cgroup_parse_pids(p.constData(), size_t(p.size()), one, 1), 3);
        QCOMPARE(one[0], 4211);
        QCOMPARE(cgroup_parse_pids("", 0, pids, 4), 0);
        QCOMPARE(cgroup_parse_pids("12\nx\n", 5, pids, 4), -EINVAL);
        QCOMPARE(cgroup_parse_pids("0\n", 2, pids, 4), -EINVAL);
        QCOMPARE(cgroup_parse_pids("12 13\n", 6, pids, 4), -EINVAL);
    }

    void v1Files()
    {
        const QByteArray oom = data("v1/memory.oom_control");
        QCOMPARE(keyed(oom, "oom_kill"), 1);
        QCOMPARE(keyed(oom, "under_oom"), 0);
        QCOMPARE(keyed(oom, "oom_kill_disable"), 0);
        QCOMPARE(single(data("v1/memory.max_usage_in_bytes")), 16777216);
        QCOMPARE(single(data("v1/memory.limit_in_bytes")), 16777216);
        QCOMPARE(single(data("v1/memory.usage_in_bytes")), 819200);
        QCOMPARE(single(data("v1/cpuacct.usage")), 73504068833);
        QCOMPARE(keyed(data("v1/pids.events.max"), "max"), 7);
        const QByteArray st = data("v1/memory.stat");
        QCOMPARE(keyed(st, "rss"), 1925120);
        QCOMPARE(keyed(st, "cache"), 211390464);
    }

    void badNumbers()
    {
        uint64_t v = 42;
        QCOMPARE(cgroup_parse_u64("", 0, &v), -EINVAL);
        QCOMPARE(cgroup_parse_u64("\n", 1, &v), -EINVAL);
        QCOMPARE(cgroup_parse_u64("12a\n", 4, &v), -EINVAL);
        QCOMPARE(cgroup_parse_u64("-1\n", 3, &v), -EINVAL);
        QCOMPARE(cgroup_parse_u64("maxi\n", 5, &v), -EINVAL);
        QCOMPARE(cgroup_parse_u64("18446744073709551616\n", 21, &v), -EINVAL);
        QCOMPARE(v, uint64_t(42)); // untouched on error
        QCOMPARE(cgroup_parse_u64("18446744073709551615\n", 21, &v), 0);
        QCOMPARE(v, UINT64_MAX);
        QCOMPARE(cgroup_parse_keyed("oom_kill x\n", 11, "oom_kill", &v), -EINVAL);
        QCOMPARE(cgroup_parse_keyed("oom_kill 3 4\n", 13, "oom_kill", &v), -EINVAL);
    }

    void selfCgroup()
    {
        const QByteArray h = data("self_cgroup.hybrid");
        QVERIFY(self(h, "memory").startsWith(QLatin1String("/process_api/")));
        QCOMPARE(self(h, "pids"), QStringLiteral("/"));
        QCOMPARE(self(h, "cpuacct"), QStringLiteral("/"));
        QCOMPARE(self(h, ""), QStringLiteral("/"));
        QCOMPARE(self(h, "rdma"), QStringLiteral("error %1").arg(-ENOENT));

        const QByteArray c = data("self_cgroup.comount");
        QCOMPARE(self(c, "cpuacct"), QStringLiteral("/user.slice"));
        QCOMPARE(self(c, "cpu"), QStringLiteral("/user.slice"));
        QCOMPARE(self(c, "memory"), QStringLiteral("/user.slice/user-1000.slice/session-2.scope"));
        // "name=systemd" is not the v2 line.
        QCOMPARE(self(c, ""), QStringLiteral("/user.slice/user-1000.slice/session-2.scope"));
        QCOMPARE(self(c, "systemd"), QStringLiteral("error %1").arg(-ENOENT));
    }

    void mountInfo()
    {
        const QByteArray h = data("mountinfo.hybrid");
        QCOMPARE(mount(h, "memory"), QStringLiteral("/sys/fs/cgroup/memory|/"));
        QCOMPARE(mount(h, "pids"), QStringLiteral("/sys/fs/cgroup/pids|/"));
        QCOMPARE(mount(h, "freezer"), QStringLiteral("/sys/fs/cgroup/freezer|/"));
        QCOMPARE(mount(h, ""), QStringLiteral("/sys/fs/cgroup/unified|/"));

        const QByteArray c = data("mountinfo.comount");
        QCOMPARE(mount(c, "cpuacct"), QStringLiteral("/sys/fs/cgroup/cpu,cpuacct|/"));
        QCOMPARE(mount(c, "cpu"), QStringLiteral("/sys/fs/cgroup/cpu,cpuacct|/"));
        QCOMPARE(mount(c, "freezer"), QStringLiteral("error %1").arg(-ENOENT));
        QCOMPARE(mount(c, ""), QStringLiteral("error %1").arg(-ENOENT));

        const QByteArray k = data("mountinfo.container");
        QCOMPARE(mount(k, ""),
            QStringLiteral("/sys/fs/cgroup|/user.slice/user-1000.slice/user@1000.service/"
                           "app.slice/app-qt.scope"));

        // Octal escapes in the mount point are undone.
        const QByteArray e("41 31 0:38 / /mnt/cg\\0402 rw - cgroup2 cgroup2 rw\n");
        QCOMPARE(mount(e, ""), QStringLiteral("/mnt/cg 2|/"));
        // Optional fields before the separator do not confuse it.
        const QByteArray o("35 31 0:32 / /cg/mem rw shared:5 master:1 - cgroup cgroup rw,memory\n");
        QCOMPARE(mount(o, "memory"), QStringLiteral("/cg/mem|/"));
    }

    void names()
    {
        pid_t pid = 0;
        QVERIFY(cgroup_parse_name("qfs-123-4", &pid));
        QCOMPARE(pid, 123);
        QVERIFY(!cgroup_parse_name("qfs-123-", &pid));
        QVERIFY(!cgroup_parse_name("qfs--1", &pid));
        QVERIFY(!cgroup_parse_name("qfs-0-1", &pid));
        QVERIFY(!cgroup_parse_name("qfs-supervisor", &pid));
        QVERIFY(!cgroup_parse_name("qfs-1-2x", &pid));
        QVERIFY(!cgroup_parse_name("xqfs-1-2", &pid));
        QVERIFY(!cgroup_parse_name("qfs-99999999999-1", &pid));
    }

    void v2Plan_data()
    {
        QTest::addColumn<bool>("writable");
        QTest::addColumn<bool>("isRoot");
        QTest::addColumn<bool>("hasProcesses");
        QTest::addColumn<bool>("leafAlready");
        QTest::addColumn<uint>("available");
        QTest::addColumn<uint>("enabled");
        QTest::addColumn<uint>("v1Has");
        QTest::addColumn<int>("leaf");
        QTest::addColumn<bool>("use");
        QTest::addColumn<bool>("move");
        QTest::addColumn<uint>("enable");

        const uint M = CGROUP_CTRL_MEMORY, P = CGROUP_CTRL_PIDS, C = CGROUP_CTRL_CPU;
        const int AUTO = CGROUP_LEAF_AUTO, NEVER = CGROUP_LEAF_NEVER, ALWAYS = CGROUP_LEAF_ALWAYS;
        QTest::newRow("not writable") << false << false << false << false << (M | P | C) << 0u << 0u
                                      << AUTO << false << false << 0u;
        // Hybrid host: v2 without controllers, still used for kill and cpu.stat.
        QTest::newRow("hybrid root")
            << true << true << true << false << 0u << 0u << (M | P) << AUTO << true << false << 0u;
        QTest::newRow("delegated, empty") << true << false << false << false << (M | P | C) << 0u
                                          << 0u << AUTO << true << false << (M | P | C);
        QTest::newRow("delegated, busy") << true << false << true << false << (M | P | C) << 0u
                                         << 0u << AUTO << true << true << (M | P | C);
        QTest::newRow("busy, never") << true << false << true << false << (M | P | C) << 0u << 0u
                                     << NEVER << true << false << 0u;
        QTest::newRow("already enabled") << true << false << true << false << (M | P | C) << (M | P)
                                         << 0u << AUTO << true << false << 0u;
        QTest::newRow("leaf already, busy")
            << true << false << true << true << (M | P) << 0u << 0u << AUTO << true << false << 0u;
        QTest::newRow("root needs no move") << true << true << true << false << (M | P) << 0u << 0u
                                            << AUTO << true << false << (M | P);
        QTest::newRow("v1 has them") << true << false << true << false << (M | P) << 0u << (M | P)
                                     << AUTO << true << false << 0u;
        QTest::newRow("v1 has them, always") << true << false << true << false << (M | P) << 0u
                                             << (M | P) << ALWAYS << true << true << (M | P);
        QTest::newRow("only pids missing") << true << false << false << false << (M | P | C)
                                           << (M | C) << 0u << AUTO << true << false << P;
    }

    void v2Plan()
    {
        QFETCH(bool, writable);
        QFETCH(bool, isRoot);
        QFETCH(bool, hasProcesses);
        QFETCH(bool, leafAlready);
        QFETCH(uint, available);
        QFETCH(uint, enabled);
        QFETCH(uint, v1Has);
        QFETCH(int, leaf);
        struct cgroup_v2_facts f
        {
        };
        f.writable = writable;
        f.is_root = isRoot;
        f.has_processes = hasProcesses;
        f.is_leaf_already = leafAlready;
        f.available = available;
        f.enabled = enabled;
        f.needed = CGROUP_CTRL_MEMORY | CGROUP_CTRL_PIDS;
        f.v1_has = v1Has;
        f.leaf = cgroup_leaf_mode(leaf);
        struct cgroup_v2_plan p;
        cgroup_v2_plan(&f, &p);
        QTEST(p.use, "use");
        QTEST(p.move_to_leaf, "move");
        QTEST(uint(p.enable), "enable");
    }
};

QTEST_GUILESS_MAIN(TestCgroupParse)
#include "tst_cgroup_parse.moc"
