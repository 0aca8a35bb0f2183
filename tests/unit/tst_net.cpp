// The network module's pieces that need no kernel: DNS messages (what the
// sandbox's resolver parses from the plugin and from upstream servers),
// nameserver syntax, the mode each policy gets, the proxy environment.
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>

#include <random>

#include "qfs_test.h"

extern "C" {
#include "net.h"
#include "net_internal.h"
}

class TestNet : public QObject
{
    Q_OBJECT

private slots:
    void queryRoundTrip();
    void queryRefusals_data();
    void queryRefusals();
    void answerRecords();
    void answerErrorHasNoRecords();
    void parseAnswerFollowsCnames();
    void parseAnswerRejects_data();
    void parseAnswerRejects();
    void parseAnswerTruncated();
    void hostileMessages();
    void nameservers_data();
    void nameservers();
    void systemNameservers();
    void modes_data();
    void modes();
    void proxyEnvironment();
};

static QByteArray query(const char *name, uint16_t qtype, uint16_t id = 0x1234)
{
    uint8_t buf[512];
    ssize_t n = net_dns_build_query(id, name, qtype, buf, sizeof(buf));
    if (n < 0)
        qFatal("net_dns_build_query(%s) failed", name);
    return QByteArray(reinterpret_cast<const char *>(buf), qsizetype(n));
}

static const uint8_t *bytes(const QByteArray &b)
{
    return reinterpret_cast<const uint8_t *>(b.constData());
}

void TestNet::queryRoundTrip()
{
    const QByteArray q = query("Api.Example.TEST", NET_DNS_TYPE_AAAA, 0xbeef);
    net_dns_question parsed;
    QCOMPARE(net_dns_parse_query(bytes(q), size_t(q.size()), &parsed), 0);
    QCOMPARE(parsed.id, uint16_t(0xbeef));
    QCOMPARE(QByteArray(parsed.name), QByteArray("api.example.test"));
    QVERIFY(parsed.valid_name);
    QCOMPARE(parsed.qtype, uint16_t(NET_DNS_TYPE_AAAA));
    QCOMPARE(parsed.qclass, uint16_t(1));
    // The question as sent, case and all, for the answer to echo.
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(parsed.raw), qsizetype(parsed.raw_len)),
        q.mid(12, qsizetype(parsed.raw_len)));
    QCOMPARE(parsed.raw_len, size_t(1 + 3 + 1 + 7 + 1 + 4 + 1 + 4));
}

void TestNet::queryRefusals_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<int>("expected");
    const QByteArray ok = query("a.example", NET_DNS_TYPE_A);
    QByteArray response = ok;
    response[2] = char(response[2] | 0x80);
    QByteArray opcode = ok;
    opcode[2] = char(opcode[2] | 0x10); // IQUERY
    QByteArray two = ok;
    two[5] = 2;
    QByteArray pointer = ok.left(12) + QByteArray("\xc0\x0c\x00\x01\x00\x01", 6);
    QByteArray cut = ok.left(14);
    QTest::newRow("too short") << ok.left(11) << -EBADMSG;
    QTest::newRow("a response") << response << -EBADMSG;
    QTest::newRow("not a query") << opcode << -EPROTO;
    QTest::newRow("two questions") << two << -EPROTO;
    QTest::newRow("compressed question") << pointer << -EPROTO;
    QTest::newRow("cut in the name") << cut << -EPROTO;
}

void TestNet::queryRefusals()
{
    QFETCH(QByteArray, message);
    QFETCH(int, expected);
    net_dns_question q;
    QCOMPARE(net_dns_parse_query(bytes(message), size_t(message.size()), &q), expected);
}

// The question of a query for @name, as the resolver sees it.
static net_dns_question question(const char *name, uint16_t id)
{
    const QByteArray q = query(name, NET_DNS_TYPE_A, id);
    net_dns_question parsed;
    if (net_dns_parse_query(bytes(q), size_t(q.size()), &parsed) < 0)
        qFatal("cannot parse the query for %s", name);
    return parsed;
}

void TestNet::answerRecords()
{
    const net_dns_question parsed = question("api.example.test", 7);
    net_dns_result res {};
    res.n = 3;
    res.addrs[0] = net_addr { AF_INET, { 198, 18, 0, 3 } };
    res.addrs[1] = net_addr { AF_INET6, { 0xfd, 0xec, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 } };
    res.addrs[2] = net_addr { AF_INET, { 198, 18, 0, 9 } };
    uint8_t out[512];
    ssize_t n = net_dns_build_answer(&parsed, 0, &res, 30, out, sizeof(out));
    QVERIFY(n > 0);

    // Only the A records, as records of the question's own name.
    net_dns_result back;
    uint32_t ttl = 0;
    QCOMPARE(
        net_dns_parse_answer(out, size_t(n), 7, "api.example.test", NET_DNS_TYPE_A, &back, &ttl),
        0);
    QCOMPARE(back.rcode, 0);
    QCOMPARE(back.n, size_t(2));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(back.addrs[0].a), 4),
        QByteArray("\xc6\x12\x00\x03", 4));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(back.addrs[1].a), 4),
        QByteArray("\xc6\x12\x00\x09", 4));
    QCOMPARE(ttl, 30u);
    QCOMPARE(int(out[2]) & 0x81, 0x81); // QR, and RD echoed
}

void TestNet::answerErrorHasNoRecords()
{
    const net_dns_question parsed = question("evil.example.test", 9);
    net_dns_result res {};
    res.n = 1;
    res.addrs[0] = net_addr { AF_INET, { 1, 2, 3, 4 } };
    uint8_t out[512];
    ssize_t n = net_dns_build_answer(&parsed, 3, &res, 30, out, sizeof(out));
    QCOMPARE(n, ssize_t(12 + parsed.raw_len));
    QCOMPARE(int(out[3]) & 0xf, 3);
    QCOMPARE(int(out[6]) << 8 | out[7], 0);
}

// A response built by hand: the question, then records (name, type, ttl, rdata).
struct Rr
{
    QByteArray name; // wire form, may be a pointer
    uint16_t type;
    uint32_t ttl;
    QByteArray rdata;
};

static QByteArray wireName(const char *dotted)
{
    QByteArray out;
    for (const QByteArray &l : QByteArray(dotted).split('.'))
        out += char(l.size()) + l;
    return out + '\0';
}

static QByteArray response(
    uint16_t id, const char *qname, uint16_t qtype, const QList<Rr> &rrs, uint16_t flags = 0x8180)
{
    QByteArray m;
    auto put16 = [&m](uint16_t v) {
        m += char(v >> 8);
        m += char(v & 0xff);
    };
    put16(id);
    put16(flags);
    put16(1);
    put16(uint16_t(rrs.size()));
    put16(0);
    put16(0);
    m += wireName(qname);
    put16(qtype);
    put16(1);
    for (const Rr &r : rrs) {
        m += r.name;
        put16(r.type);
        put16(1);
        put16(uint16_t(r.ttl >> 16));
        put16(uint16_t(r.ttl));
        put16(uint16_t(r.rdata.size()));
        m += r.rdata;
    }
    return m;
}

void TestNet::parseAnswerFollowsCnames()
{
    const QByteArray ptr("\xc0\x0c", 2); // the question's name
    const QList<Rr> rrs {
        { ptr, NET_DNS_TYPE_CNAME, 300, wireName("lb.cdn.test") },
        { wireName("lb.cdn.test"), NET_DNS_TYPE_CNAME, 60, wireName("edge.cdn.test") },
        { wireName("edge.cdn.test"), NET_DNS_TYPE_A, 120, QByteArray("\x0a\x00\x00\x01", 4) },
        { wireName("other.test"), NET_DNS_TYPE_A, 5, QByteArray("\x0a\x00\x00\x02", 4) },
        { ptr, NET_DNS_TYPE_A, 200, QByteArray("\x0a\x00\x00\x03", 4) },
    };
    const QByteArray m = response(42, "api.example.test", NET_DNS_TYPE_A, rrs);
    net_dns_result res;
    uint32_t ttl = 0;
    QCOMPARE(net_dns_parse_answer(
                 bytes(m), size_t(m.size()), 42, "api.example.test", NET_DNS_TYPE_A, &res, &ttl),
        0);
    QCOMPARE(res.n, size_t(2)); // 10.0.0.1 through the chain, 10.0.0.3 itself; not other.test's
    QCOMPARE(int(res.addrs[0].a[3]), 1);
    QCOMPARE(int(res.addrs[1].a[3]), 3);
    QCOMPARE(ttl, 60u); // the shortest of the records used
}

void TestNet::parseAnswerRejects_data()
{
    QTest::addColumn<QByteArray>("message");
    const QList<Rr> one { { QByteArray("\xc0\x0c", 2), NET_DNS_TYPE_A, 1, QByteArray(4, 'x') } };
    QTest::newRow("wrong id") << response(1, "a.test", NET_DNS_TYPE_A, one);
    QTest::newRow("other name") << response(42, "b.test", NET_DNS_TYPE_A, one);
    QTest::newRow("other type") << response(42, "a.test", NET_DNS_TYPE_AAAA, one);
    QTest::newRow("not a response") << response(42, "a.test", NET_DNS_TYPE_A, one, 0x0100);
    // The answer section starts at 24.
    QTest::newRow("pointer to itself") << response(42, "a.test", NET_DNS_TYPE_A,
        { { QByteArray("\xc0\x18", 2), NET_DNS_TYPE_A, 1, QByteArray(4, 'x') } });
    QTest::newRow("pointer forward") << response(42, "a.test", NET_DNS_TYPE_A,
        { { QByteArray("\xc0\x40", 2), NET_DNS_TYPE_A, 1, QByteArray(4, 'x') } });
    QByteArray cut = response(42, "a.test", NET_DNS_TYPE_A, one);
    cut.chop(2);
    QTest::newRow("rdata past the end") << cut;
}

void TestNet::parseAnswerRejects()
{
    QFETCH(QByteArray, message);
    net_dns_result res;
    uint32_t ttl;
    QCOMPARE(net_dns_parse_answer(
                 bytes(message), size_t(message.size()), 42, "a.test", NET_DNS_TYPE_A, &res, &ttl),
        -EBADMSG);
}

void TestNet::parseAnswerTruncated()
{
    // TC: what arrived is used as far as it goes.
    const QByteArray ptr("\xc0\x0c", 2);
    QByteArray m = response(42, "a.test", NET_DNS_TYPE_A,
        { { ptr, NET_DNS_TYPE_A, 9, QByteArray("\x01\x02\x03\x04", 4) },
            { ptr, NET_DNS_TYPE_A, 9, QByteArray("\x05\x06\x07\x08", 4) } },
        0x8380);
    m.chop(3);
    net_dns_result res;
    uint32_t ttl;
    QCOMPARE(
        net_dns_parse_answer(bytes(m), size_t(m.size()), 42, "a.test", NET_DNS_TYPE_A, &res, &ttl),
        0);
    QCOMPARE(res.n, size_t(1));
}

void TestNet::hostileMessages()
{
    // Random damage to good messages: every result is an answer or a
    // refusal, never a read past the buffer (the sanitizer build checks).
    std::mt19937 rng(12345);
    const QByteArray ptr("\xc0\x0c", 2);
    const QByteArray seeds[] = {
        query("api.example.test", NET_DNS_TYPE_A),
        response(42, "a.test", NET_DNS_TYPE_A,
            { { ptr, NET_DNS_TYPE_CNAME, 5, wireName("b.test") },
                { wireName("b.test"), NET_DNS_TYPE_A, 5, QByteArray(4, 'x') } }),
    };
    int answered = 0;
    for (int i = 0; i < 20000; i++) {
        QByteArray m = seeds[i % 2];
        for (int k = 0, n = 1 + int(rng() % 4); k < n; k++)
            m[int(rng() % uint32_t(m.size()))] = char(rng());
        if (rng() % 4 == 0)
            m.truncate(int(rng() % uint32_t(m.size() + 1)));
        std::vector<uint8_t> exact(m.begin(), m.end()); // no slack after the end
        net_dns_question q;
        net_dns_result res;
        uint32_t ttl;
        const int a = net_dns_parse_query(exact.data(), exact.size(), &q);
        const int b = net_dns_parse_answer(
            exact.data(), exact.size(), 42, "a.test", NET_DNS_TYPE_A, &res, &ttl);
        QVERIFY(a == 0 || a == -EBADMSG || a == -EPROTO);
        QVERIFY(b == 0 || b == -EBADMSG);
        QVERIFY(res.n <= NET_DNS_MAX_ADDRS);
        answered += a == 0;
    }
    QVERIFY(answered > 0);
}

void TestNet::nameservers_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("family");
    QTest::addColumn<int>("port");
    QTest::newRow("v4") << "10.0.0.1" << AF_INET << 53;
    QTest::newRow("v4 port") << "198.18.0.2:5353" << AF_INET << 5353;
    QTest::newRow("v6") << "::1" << AF_INET6 << 53;
    QTest::newRow("v6 port") << "[fdec::3]:5353" << AF_INET6 << 5353;
    QTest::newRow("v6 bracketed") << "[::1]" << AF_INET6 << 53;
    QTest::newRow("empty") << "" << -1 << 0;
    QTest::newRow("port 0") << "10.0.0.1:0" << -1 << 0;
    QTest::newRow("port too big") << "10.0.0.1:65536" << -1 << 0;
    QTest::newRow("a name") << "dns.example" << -1 << 0;
    QTest::newRow("open bracket") << "[::1" << -1 << 0;
    QTest::newRow("after the bracket") << "[::1]x" << -1 << 0;
}

void TestNet::nameservers()
{
    QFETCH(QString, text);
    QFETCH(int, family);
    QFETCH(int, port);
    net_nameserver ns;
    const int r = net_nameserver_parse(text.toUtf8().constData(), &ns);
    if (family < 0) {
        QCOMPARE(r, -EINVAL);
        return;
    }
    QCOMPARE(r, 0);
    QCOMPARE(int(ns.addr.ss_family), family);
    const uint16_t p = family == AF_INET ? reinterpret_cast<sockaddr_in *>(&ns.addr)->sin_port
                                         : reinterpret_cast<sockaddr_in6 *>(&ns.addr)->sin6_port;
    QCOMPARE(int(ntohs(p)), port);
}

void TestNet::systemNameservers()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("resolv.conf"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# nameserver 9.9.9.9\nsearch example.org\nnameserver 10.0.0.1\n"
            "nameserver fe80::1%eth0\nnameserver  ::1 \nnameserver 10.0.0.2:53\n");
    f.close();
    net_nameserver ns[NET_MAX_NAMESERVERS];
    QCOMPARE(net_system_nameservers(QFile::encodeName(path).constData(), ns, NET_MAX_NAMESERVERS),
        size_t(2));
    QCOMPARE(int(ns[0].addr.ss_family), AF_INET);
    QCOMPARE(int(ns[1].addr.ss_family), AF_INET6);
    // None named: 127.0.0.1, as the C library assumes.
    QCOMPARE(net_system_nameservers("/nonexistent", ns, NET_MAX_NAMESERVERS), size_t(1));
    QCOMPARE(reinterpret_cast<sockaddr_in *>(&ns[0].addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
}

void TestNet::modes_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<bool>("network");
    QTest::addColumn<bool>("hosts");
    QTest::addColumn<int>("mode");
    QTest::newRow("unrestricted") << int(QFS_LEVEL_UNRESTRICTED) << false << false
                                  << int(NET_MODE_HOST);
    QTest::newRow("limited, off") << int(QFS_LEVEL_LIMITED) << false << true << int(NET_MODE_NONE);
    QTest::newRow("limited, all") << int(QFS_LEVEL_LIMITED) << true << false
                                  << int(NET_MODE_COUNTED);
    QTest::newRow("limited, hosts")
        << int(QFS_LEVEL_LIMITED) << true << true << int(NET_MODE_MEDIATED);
    QTest::newRow("sandboxed, off")
        << int(QFS_LEVEL_SANDBOXED) << false << false << int(NET_MODE_NONE);
    QTest::newRow("sandboxed, all")
        << int(QFS_LEVEL_SANDBOXED) << true << false << int(NET_MODE_MEDIATED);
    QTest::newRow("strict, hosts")
        << int(QFS_LEVEL_STRICT) << true << true << int(NET_MODE_MEDIATED);
}

void TestNet::modes()
{
    QFETCH(int, level);
    QFETCH(bool, network);
    QFETCH(bool, hosts);
    QFETCH(int, mode);
    qfs_policy *p = nullptr;
    QCOMPARE(qfs_policy_new(&p), 0);
    qfs_policy_set_level(p, level);
    qfs_policy_set_permission(p, QFS_PERM_NETWORK_ACCESS, network);
    if (hosts)
        qfs_policy_list_add(p, QFS_LIST_ALLOWED_HOSTS, "api.example.test");
    QCOMPARE(int(net_mode_of(p)), mode);
    qfs_policy_free(p);
}

void TestNet::proxyEnvironment()
{
    char **env = static_cast<char **>(calloc(4, sizeof(char *)));
    env[0] = strdup("PATH=/usr/bin");
    env[1] = strdup("http_proxy=http://corporate:8080");
    env[2] = strdup("NO_PROXY_NOT=x");
    QCOMPARE(net_env_apply(&env), 0);
    QStringList got;
    for (char **e = env; *e; e++) {
        got << QString::fromUtf8(*e);
        free(*e);
    }
    free(env);
    got.sort();
    QCOMPARE(got,
        QStringList({ "ALL_PROXY=socks5h://127.0.0.1:1080", "HTTPS_PROXY=http://127.0.0.1:3128",
            "HTTP_PROXY=http://127.0.0.1:3128", "NO_PROXY=localhost,127.0.0.1,::1",
            "NO_PROXY_NOT=x", "PATH=/usr/bin", "all_proxy=socks5h://127.0.0.1:1080",
            "http_proxy=http://127.0.0.1:3128", "https_proxy=http://127.0.0.1:3128",
            "no_proxy=localhost,127.0.0.1,::1" }));
}

QTEST_GUILESS_MAIN(TestNet)
#include "tst_net.moc"
