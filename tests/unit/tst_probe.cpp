// The host probe: its JSON shape, agreement with the kernel's own answers,
// and qfs_probe_level() agreeing with the per-level verdicts.
#include "qfs_test.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

class TestProbe : public QObject
{
    Q_OBJECT

private slots:
    void shape();
    void agreesWithKernel();
    void levels();
    void arguments();

private:
    static QJsonObject probe();
};

QJsonObject TestProbe::probe()
{
    char *text = nullptr;
    if (qfs_probe_json(0, &text) < 0)
        return {};
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &perr);
    free(text);
    return doc.object();
}

void TestProbe::shape()
{
    const QJsonObject r = probe();
    QVERIFY(!r.isEmpty());
    for (const char *key : { "kernel", "user_namespaces", "landlock", "seccomp", "no_new_privs",
             "pidfd", "clone3", "cgroup_v2", "cgroup_v1", "resource_backends", "levels" })
        QVERIFY2(r.contains(key), key);
    const QJsonObject ns = r["user_namespaces"].toObject()["namespaces"].toObject();
    QCOMPARE(ns.keys(), QStringList({ "cgroup", "ipc", "mount", "net", "pid", "user", "uts" }));
    const QJsonObject v1 = r["cgroup_v1"].toObject();
    QCOMPARE(v1.keys(), QStringList({ "cpuacct", "memory", "pids" }));
    const QJsonObject backends = r["resource_backends"].toObject();
    for (const QString &k : backends.keys())
        QVERIFY(QStringList({ "cgroup2", "cgroup1", "rlimit", "tmpfs" })
                    .contains(backends[k].toString()));
    QCOMPARE(backends["file_handles"].toString(), "rlimit");
    const QJsonArray levels = r["levels"].toArray();
    QCOMPARE(levels.size(), 4);
    for (int i = 0; i < 4; ++i) {
        const QJsonObject l = levels[i].toObject();
        QCOMPARE(l["level"].toInt(), i);
        QCOMPARE(l["name"].toString(), QString::fromUtf8(qfs_level_name(i)));
        QCOMPARE(l["enforceable"].toBool(), l["missing"].toArray().isEmpty());
    }
    // Unrestricted needs nothing.
    QCOMPARE(levels[0].toObject()["enforceable"].toBool(), true);

    char *compact = nullptr;
    QCOMPARE(qfs_probe_json(QFS_JSON_COMPACT, &compact), 0);
    QVERIFY(!QByteArray(compact).contains('\n'));
    free(compact);
}

void TestProbe::agreesWithKernel()
{
    const QJsonObject r = probe();
    const long abi
        = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    QCOMPARE(r["landlock"].toObject()["abi"].toInt(), abi > 0 ? int(abi) : 0);
    QCOMPARE(r["landlock"].toObject()["scoping"].toBool(), abi >= 6);
    const int fd = int(syscall(SYS_pidfd_open, getpid(), 0));
    QCOMPARE(r["pidfd"].toBool(), fd >= 0);
    if (fd >= 0)
        close(fd);

    // The levels' missing layers follow from the facts reported.
    const QJsonArray levels = r["levels"].toArray();
    const QStringList limited = levels[1].toObject()["missing"].toVariant().toStringList();
    QCOMPARE(limited.contains("landlock"), abi <= 0);
    QCOMPARE(limited.contains("seccomp"), !r["seccomp"].toObject()["filter"].toBool());
    const QStringList strict = levels[3].toObject()["missing"].toVariant().toStringList();
    QCOMPARE(strict.contains("seccomp user notification"),
        !r["seccomp"].toObject()["user_notification"].toBool());
    const QJsonObject ns = r["user_namespaces"].toObject()["namespaces"].toObject();
    for (const QString &k : ns.keys())
        QCOMPARE(strict.contains(k + " namespace"), !ns[k].toBool());
    for (const QString &m : limited)
        QVERIFY(strict.contains(m)); // each level needs all the one below needs
    for (int i = 0; i < 4; ++i)
        QCOMPARE(levels[i].toObject()["notes"].toArray().size(),
            qsizetype(i >= 1 && abi >= 1 && abi < 6));
}

void TestProbe::levels()
{
    const QJsonArray levels = probe()["levels"].toArray();
    for (int i = 0; i < 4; ++i) {
        qfs_error err {};
        const int r = qfs_probe_level(i, &err);
        const QJsonObject l = levels[i].toObject();
        if (l["enforceable"].toBool()) {
            QCOMPARE(r, 0);
            continue;
        }
        QCOMPARE(r, -ENOTSUP);
        QCOMPARE(QString::fromUtf8(err.field), "enforcement");
        QStringList missing = l["missing"].toVariant().toStringList();
        QCOMPARE(QString::fromUtf8(err.message),
            QStringLiteral("level %1 cannot be fully enforced here: missing %2")
                .arg(l["name"].toString(), missing.join(", ")));
    }
}

void TestProbe::arguments()
{
    qfs_error err {};
    QCOMPARE(qfs_probe_level(4, &err), -EINVAL);
    QCOMPARE(QString::fromUtf8(err.field), "level");
    QCOMPARE(qfs_probe_level(-1, nullptr), -EINVAL);
    QCOMPARE(qfs_probe_json(0, nullptr), -EINVAL);
    char *text = nullptr;
    QCOMPARE(qfs_probe_json(0x100, &text), -EINVAL);
}

QTEST_GUILESS_MAIN(TestProbe)
#include "tst_probe.moc"
