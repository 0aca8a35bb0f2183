// The network policy, judged from the server's side, in a test "internet"
// of our own: the test process enters a network namespace with only lo
// before anything else (tests/common/testnet_ns.h), and runs
// tests/live/testnet.py there, which serves DNS on 198.18.0.2:5353 and TCP
// (echo and HTTP) on api.example.test (198.18.0.3, fdec::3),
// evil.example.test (198.18.0.4), a.example.test (198.18.0.5) and the apex
// example.test (198.18.0.6), port 8080.  The supervisor asks that DNS
// server (qfs_sandbox_set_nameservers()).  Nothing here can send a packet
// off the machine: the namespace has no route out.
#include "live_test.h"

#include <QProcess>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testnet_ns.h"

using namespace live;

namespace {

QString g_noNet; // why the test network could not be built ("" when it was)

const char *const kNameserver = "198.18.0.2:5353";
const char *const kAddresses[]
    = { "198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5", "198.18.0.6", "fdec::3" };

} // namespace

class TestNetwork : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void noNetwork_data();
    void noNetwork();
    void allowedHost_data();
    void allowedHost();
    void deniedName_data();
    void deniedName();
    void deniedAddress();
    void wildcard();
    void literalAddresses();
    void curl_data();
    void curl();
    void limit_data();
    void limit();
    void closedConnectionsFreeTheirSlots();
    void nonBlockingConnect();
    void sandboxLoopback_data();
    void sandboxLoopback();
    void hostLoopbackUnreachable();
    void allNetwork();
    void countedAtLimited();
    void laterRunsJoinTheNamespace_data();
    void laterRunsJoinTheNamespace();

private:
    Result runNet(const qfs_policy *policy, const QStringList &args,
        const QString &program = QStringLiteral(QFS_NETPROBE));
    QStringList log() const;
    int seen(const QString &prefix) const;
    static QJsonArray violationsNaming(const Result &r, const QString &host);

    QTemporaryDir m_dir;
    QProcess m_server;
    QString m_log;
};

static Policy netPolicy(int level, const QStringList &hosts, bool network = true)
{
    Policy p = policy(level);
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, network);
    for (const QString &h : hosts)
        qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, h.toUtf8().constData());
    return p;
}

void TestNetwork::initTestCase()
{
    if (!g_noNet.isEmpty())
        QSKIP(qPrintable(QStringLiteral("no test network: ") + g_noNet));
    // Nothing but lo: what is sent here stays here.
    QCOMPARE(interfaces(0), QSet<QByteArray> { "lo" });
    QVERIFY(m_dir.isValid());
    m_log = m_dir.filePath(QStringLiteral("server.log"));
    QStringList args { QStringLiteral(QFS_SOURCE_DIR "/tests/live/testnet.py"),
        QStringLiteral("--log"), m_log, QStringLiteral("--dns"), QString::fromUtf8(kNameserver) };
    const QStringList zone { QStringLiteral("api.example.test=198.18.0.3"),
        QStringLiteral("api.example.test=fdec::3"), QStringLiteral("evil.example.test=198.18.0.4"),
        QStringLiteral("a.example.test=198.18.0.5"), QStringLiteral("example.test=198.18.0.6") };
    for (const QString &z : zone)
        args << QStringLiteral("--zone") << z;
    for (const char *a : { "198.18.0.3", "198.18.0.4", "198.18.0.5", "198.18.0.6", "[fdec::3]" })
        args << QStringLiteral("--tcp") << QStringLiteral("%1:8080").arg(QLatin1String(a));
    m_server.start(QStringLiteral("/usr/bin/python3"), args);
    QVERIFY(m_server.waitForStarted());
    QVERIFY2(m_server.waitForReadyRead(10000), m_server.readAllStandardError().constData());
    QCOMPARE(m_server.readLine().trimmed(), QByteArray("ready"));
}

void TestNetwork::cleanupTestCase()
{
    if (m_server.state() != QProcess::NotRunning) {
        m_server.closeWriteChannel();
        if (!m_server.waitForFinished(3000))
            m_server.kill();
        m_server.waitForFinished(3000);
    }
}

void TestNetwork::init()
{
    // Every run ends before the next starts, and the server logs a
    // connection before it answers it: nothing of the last test comes late.
    QFile f(m_log);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
}

Result TestNetwork::runNet(
    const qfs_policy *policy, const QStringList &args, const QString &program)
{
    return run(policy, QFS_PLUGIN_NATIVE, program, args, {}, 60000, [](qfs_sandbox *sb) {
        const char *servers[] = { kNameserver, nullptr };
        qfs_error err {};
        if (qfs_sandbox_set_nameservers(sb, servers, &err) < 0)
            qFatal("qfs_sandbox_set_nameservers: %s", err.message);
    });
}

QStringList TestNetwork::log() const
{
    QStringList lines = QString::fromUtf8(readFile(m_log)).split(QLatin1Char('\n'));
    lines.removeAll(QString());
    return lines;
}

int TestNetwork::seen(const QString &prefix) const
{
    int n = 0;
    for (const QString &line : log())
        n += line.startsWith(prefix);
    return n;
}

QJsonArray TestNetwork::violationsNaming(const Result &r, const QString &host)
{
    QJsonArray out;
    for (const QJsonValue &v : r.report.value(QStringLiteral("violations")).toArray())
        if (v.toObject().value(QStringLiteral("host")).toString() == host)
            out.append(v);
    return out;
}

static void addLevels(bool limited = true)
{
    QTest::addColumn<int>("level");
    if (limited)
        QTest::newRow("limited") << int(QFS_LEVEL_LIMITED);
    QTest::newRow("sandboxed") << int(QFS_LEVEL_SANDBOXED);
    QTest::newRow("strict") << int(QFS_LEVEL_STRICT);
}

// The plugin's call failed: exit 1, or under Strict the violation ended it.
static bool failed(const Result &r, int level)
{
    if (r.status == QFS_STATUS_EXITED)
        return r.exitCode == 1;
    return level >= QFS_LEVEL_STRICT && r.status == QFS_STATUS_VIOLATION;
}

void TestNetwork::noNetwork_data()
{
    addLevels();
}

void TestNetwork::noNetwork()
{
    QFETCH(int, level);
    Policy p = netPolicy(level, {}, false);

    Result byAddress = runNet(p.get(), { "tcp", "198.18.0.3", "8080" });
    QCOMPARE(byAddress.start, 0);
    QVERIFY2(failed(byAddress, level), byAddress.err.constData());
    Result byName = runNet(p.get(), { "tcp", "api.example.test", "8080" });
    QCOMPARE(byName.start, 0);
    QVERIFY2(failed(byName, level), byName.err.constData());
    // Neither the host nor its DNS server heard of us (UDP included).
    QCOMPARE(log(), QStringList());
}

void TestNetwork::allowedHost_data()
{
    addLevels();
}

void TestNetwork::allowedHost()
{
    QFETCH(int, level);
    Policy p = netPolicy(level, { "api.example.test" });

    Result r = runNet(p.get(), { "tcp", "api.example.test", "8080", "hello api" });
    QCOMPARE(r.start, 0);
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello api\n"));
    // The server saw the connection and the data, at one of api's addresses.
    QCOMPARE(seen(QStringLiteral("conn ")), 1);
    const int v4 = seen(QStringLiteral("data 198.18.0.3 hello api"));
    const int v6 = seen(QStringLiteral("data fdec::3 hello api"));
    QCOMPARE(v4 + v6, 1);
    QCOMPARE(violationsNaming(r, QStringLiteral("api.example.test")).size(), 0);
    const QJsonObject net
        = r.report[QStringLiteral("enforcement")][QStringLiteral("network")].toObject();
    QCOMPARE(net[QStringLiteral("mode")].toString(), QStringLiteral("mediated"));
    QCOMPARE(net[QStringLiteral("connections")].toInt(), 1);
    QCOMPARE(
        r.report[QStringLiteral("usage")][QStringLiteral("network_connections_peak")].toInt(), 1);
}

void TestNetwork::deniedName_data()
{
    addLevels();
}

void TestNetwork::deniedName()
{
    QFETCH(int, level);
    Policy p = netPolicy(level, { "api.example.test" });

    Result r = runNet(p.get(), { "tcp", "evil.example.test", "8080" });
    QCOMPARE(r.start, 0);
    QVERIFY2(failed(r, level), r.err.constData());
    // Not even the name left the machine: the upstream server was never
    // asked, and evil heard nothing.
    QCOMPARE(log(), QStringList());
    const QJsonArray v = violationsNaming(r, QStringLiteral("evil.example.test"));
    QCOMPARE(v.size(), 1);
    QCOMPARE(v[0][QStringLiteral("type")].toString(), QStringLiteral("UnauthorizedNetworkAccess"));
    QCOMPARE(v[0][QStringLiteral("count")].toInt(), 1);
    if (level >= QFS_LEVEL_SANDBOXED) // Limited's libc also tries nscd's Unix socket
        QCOMPARE(r.report[QStringLiteral("violations")].toArray().size(), 1);
}

void TestNetwork::deniedAddress()
{
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, { "api.example.test" });

    Result r = runNet(p.get(), { "tcp", "198.18.0.4", "8080" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("Permission denied"), r.err.constData());
    QCOMPARE(log(), QStringList());
    const QJsonArray v = r.report[QStringLiteral("violations")].toArray();
    QCOMPARE(v.size(), 1);
    QCOMPARE(v[0][QStringLiteral("syscall")].toString(), QStringLiteral("connect"));
    QCOMPARE(v[0][QStringLiteral("address")].toString(), QStringLiteral("198.18.0.4"));
    QCOMPARE(v[0][QStringLiteral("port")].toInt(), 8080);

    // api's own address, asked for by number: the resolver never gave it
    // out, so nothing makes it api's.
    Result byApi = runNet(p.get(), { "tcp", "198.18.0.3", "8080" });
    QCOMPARE(byApi.exitCode, 1);
    QCOMPARE(seen(QStringLiteral("conn ")), 0);
}

void TestNetwork::wildcard()
{
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, { "*.example.test" });

    Result sub = runNet(p.get(), { "tcp", "a.example.test", "8080" });
    QCOMPARE(sub.status, QFS_STATUS_EXITED);
    QVERIFY2(sub.exitCode == 0, sub.err.constData());
    QCOMPARE(log(),
        QStringList({ "dns a.example.test 1", "dns a.example.test 28", "conn 198.18.0.5",
            "data 198.18.0.5 hello" }));

    init();
    Result apex = runNet(p.get(), { "tcp", "example.test", "8080" });
    QCOMPARE(apex.exitCode, 1);
    QCOMPARE(log(), QStringList());
    QCOMPARE(violationsNaming(apex, QStringLiteral("example.test")).size(), 1);
}

void TestNetwork::literalAddresses()
{
    // Listed addresses, IPv4 and IPv6, with and without a port.
    Policy p
        = netPolicy(QFS_LEVEL_SANDBOXED, { "198.18.0.4:8080", "[fdec::3]:8080", "198.18.0.5" });

    Result v4 = runNet(p.get(), { "tcp", "198.18.0.4", "8080" });
    QVERIFY2(v4.exitCode == 0, v4.err.constData());
    Result v6 = runNet(p.get(), { "tcp", "fdec::3", "8080" });
    QVERIFY2(v6.exitCode == 0, v6.err.constData());
    Result mapped = runNet(p.get(), { "tcp", "::ffff:198.18.0.5", "8080" });
    QVERIFY2(mapped.exitCode == 0, mapped.err.constData());
    QCOMPARE(log(),
        QStringList({ "conn 198.18.0.4", "data 198.18.0.4 hello", "conn fdec::3",
            "data fdec::3 hello", "conn 198.18.0.5", "data 198.18.0.5 hello" }));

    init();
    // Another port of a listed address:port is another destination.
    Result otherPort = runNet(p.get(), { "tcp", "198.18.0.4", "9090" });
    QCOMPARE(otherPort.exitCode, 1);
    const QJsonArray v = otherPort.report[QStringLiteral("violations")].toArray();
    QCOMPARE(v.size(), 1);
    QCOMPARE(v[0][QStringLiteral("port")].toInt(), 9090);
    QCOMPARE(log(), QStringList());
}

void TestNetwork::curl_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<QStringList>("options");
    for (int level : { int(QFS_LEVEL_SANDBOXED), int(QFS_LEVEL_STRICT) }) {
        const QByteArray l = qfs_level_name(level);
        QTest::newRow(l + " http_proxy") << level << QStringList();
        QTest::newRow(l + " CONNECT") << level << QStringList { "--proxytunnel" };
        QTest::newRow(l + " socks5h")
            << level << QStringList { "--proxy", "socks5h://127.0.0.1:1080" };
    }
}

void TestNetwork::curl()
{
    QFETCH(int, level);
    QFETCH(QStringList, options);
    if (!QFile::exists(QStringLiteral("/usr/bin/curl")))
        QSKIP("curl is not installed");
    Policy p = netPolicy(level, { "api.example.test" });
    const QStringList base = QStringList { "-sS", "-f", "-m", "10" } + options;

    // curl leaves the name to the proxy named by http_proxy (or --proxy).
    Result ok = runNet(p.get(), base + QStringList { "http://api.example.test:8080/through" },
        QStringLiteral("/usr/bin/curl"));
    QCOMPARE(ok.status, QFS_STATUS_EXITED);
    QVERIFY2(ok.exitCode == 0, ok.err.constData());
    QCOMPARE(ok.out, QByteArray("198.18.0.3"));
    QCOMPARE(seen(QStringLiteral("http 198.18.0.3 GET /through api.example.test:8080")), 1);

    init();
    Result evil = runNet(p.get(), base + QStringList { "http://evil.example.test:8080/" },
        QStringLiteral("/usr/bin/curl"));
    QVERIFY(evil.status != QFS_STATUS_EXITED || evil.exitCode != 0);
    QCOMPARE(log(), QStringList());
    QCOMPARE(violationsNaming(evil, QStringLiteral("evil.example.test")).size(), 1);
}

void TestNetwork::limit_data()
{
    addLevels(false);
}

void TestNetwork::limit()
{
    QFETCH(int, level);
    Policy p = netPolicy(level, { "api.example.test" });
    qfs_policy_set_limit(p.get(), QFS_LIMIT_NETWORK_CONNECTIONS, 5);

    Result r = runNet(p.get(), { "many", "6", "api.example.test", "8080" });
    QCOMPARE(r.start, 0);
    // Five reached the server, the sixth did not.
    QCOMPARE(seen(QStringLiteral("conn ")), 5);
    QCOMPARE(r.limits, QStringList { "network_connections" });
    const QJsonObject usage = r.report[QStringLiteral("usage")].toObject();
    QCOMPARE(usage[QStringLiteral("network_connections_peak")].toInt(), 5);
    const QJsonObject net
        = r.report[QStringLiteral("enforcement")][QStringLiteral("network")].toObject();
    if (level >= QFS_LEVEL_STRICT) {
        // Strict ends the sandbox at the limit.
        QCOMPARE(r.status, QFS_STATUS_LIMIT_EXCEEDED);
        QCOMPARE(
            r.report[QStringLiteral("limit")].toString(), QStringLiteral("network_connections"));
        return;
    }
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("connection 6: No buffer space available"), r.err.constData());
    // The probe tried both of api's addresses: two refusals, one event.
    QCOMPARE(net[QStringLiteral("refused_by_limit")].toInt(), 2);
    const QJsonArray v = r.report[QStringLiteral("violations")].toArray();
    QCOMPARE(v.size(), 1);
    QCOMPARE(v[0][QStringLiteral("type")].toString(), QStringLiteral("ResourceLimitExceeded"));
    QCOMPARE(v[0][QStringLiteral("host")].toString(), QStringLiteral("api.example.test"));
    QCOMPARE(v[0][QStringLiteral("count")].toInt(), 2);
}

void TestNetwork::closedConnectionsFreeTheirSlots()
{
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, { "api.example.test" });
    qfs_policy_set_limit(p.get(), QFS_LIMIT_NETWORK_CONNECTIONS, 2);

    Result r = runNet(p.get(), { "seq", "6", "api.example.test", "8080" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(seen(QStringLiteral("conn ")), 6);
    QVERIFY(r.limits.isEmpty());
    QVERIFY(
        r.report[QStringLiteral("usage")][QStringLiteral("network_connections_peak")].toInt() <= 2);
}

void TestNetwork::nonBlockingConnect()
{
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, { "api.example.test" });

    Result r = runNet(p.get(), { "tcp-nb", "api.example.test", "8080", "nb" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("nb\n"));
    QCOMPARE(seen(QStringLiteral("conn ")), 1);
}

void TestNetwork::sandboxLoopback_data()
{
    addLevels(false);
}

void TestNetwork::sandboxLoopback()
{
    // listen() and a connect() to the sandbox's own loopback work as
    // ever, made by the supervisor inside the sandbox.
    QFETCH(int, level);
    Policy p = netPolicy(level, { "api.example.test" });

    Result r = runNet(p.get(), { "self" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("self\n"));
    QCOMPARE(r.report[QStringLiteral("violations")].toArray().size(), 0);
}

void TestNetwork::hostLoopbackUnreachable()
{
    // The network allowed is not the supervisor's loopback: the plugin's
    // 127.0.0.1 is its own.
    QString port;
    int fd = loopbackSocket(SOCK_STREAM, &port);
    QVERIFY(fd >= 0);
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, {});

    Result r = runNet(p.get(), { "tcp", "127.0.0.1", port });
    const int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0)
        close(conn);
    close(fd);
    QCOMPARE(r.exitCode, 1);
    QVERIFY(conn < 0);
}

void TestNetwork::allNetwork()
{
    Policy p = netPolicy(QFS_LEVEL_SANDBOXED, {});

    Result r = runNet(p.get(), { "tcp", "evil.example.test", "8080" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(seen(QStringLiteral("conn 198.18.0.4")), 1);
    QCOMPARE(
        r.report[QStringLiteral("usage")][QStringLiteral("network_connections_peak")].toInt(), 1);
}

void TestNetwork::countedAtLimited()
{
    // Limited keeps the host's network; its connections are counted.
    Policy p = netPolicy(QFS_LEVEL_LIMITED, {});
    qfs_policy_set_limit(p.get(), QFS_LIMIT_NETWORK_CONNECTIONS, 2);

    Result r = runNet(p.get(), { "many", "3", "198.18.0.4", "8080" });
    QCOMPARE(r.status, QFS_STATUS_EXITED);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("connection 3: No buffer space available"), r.err.constData());
    QCOMPARE(seen(QStringLiteral("conn 198.18.0.4")), 2);
    QCOMPARE(r.limits, QStringList { "network_connections" });
    const QJsonObject net
        = r.report[QStringLiteral("enforcement")][QStringLiteral("network")].toObject();
    QCOMPARE(net[QStringLiteral("mode")].toString(), QStringLiteral("counted"));
}

void TestNetwork::laterRunsJoinTheNamespace_data()
{
    addLevels();
}

void TestNetwork::laterRunsJoinTheNamespace()
{
    // A sandbox's later runs join its network namespace: the services are
    // made there again (the last run's sockets are gone), and the
    // addresses Limited adds to lo are there already.
    QFETCH(int, level);
    Policy p = netPolicy(level, { "api.example.test" });
    qfs_loop *loop = nullptr;
    qfs_sandbox *sb = nullptr;
    qfs_error err {};
    QCOMPARE(qfs_loop_new(&loop), 0);
    QCOMPARE(qfs_sandbox_new(loop, p.get(), &sb, &err), 0);
    const char *servers[] = { kNameserver, nullptr };
    QCOMPARE(qfs_sandbox_set_nameservers(sb, servers, &err), 0);
    std::vector<QByteArray> store;
    std::vector<const char *> argv = argvOf({ "tcp", "api.example.test", "8080" }, store);
    QStringList reused;
    for (int run = 0; run < 2; run++) {
        QCOMPARE(qfs_sandbox_start(sb, QFS_PLUGIN_NATIVE, QFS_NETPROBE, argv.data(), &err), 0);
        QCOMPARE(qfs_sandbox_wait(sb, 60000), 0);
        char *json = nullptr;
        QCOMPARE(qfs_sandbox_report_json(sb, QFS_JSON_COMPACT, &json), 0);
        const QJsonObject report = QJsonDocument::fromJson(json).object();
        free(json);
        QCOMPARE(report[QStringLiteral("exit_code")].toInt(), 0);
        reused = report[QStringLiteral("enforcement")][QStringLiteral("reused_namespaces")]
                     .toVariant()
                     .toStringList();
    }
    qfs_sandbox_free(sb);
    qfs_loop_free(loop);
    QCOMPARE(reused, QStringList({ "user", "net" }));
    QCOMPARE(seen(QStringLiteral("conn ")), 2);
}

// The test network is entered before Qt starts a thread.
int main(int argc, char **argv)
{
    char why[256] = "";
    if (testnet_enter(why, sizeof(why)) < 0) {
        g_noNet = QString::fromUtf8(why);
    } else {
        for (const char *a : kAddresses)
            if (testnet_add_address(a) < 0 && g_noNet.isEmpty())
                g_noNet = QStringLiteral("adding %1 to lo failed").arg(QLatin1String(a));
    }
    QCoreApplication app(argc, argv);
    TestNetwork t;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&t, argc, argv);
}

#include "tst_network.moc"
