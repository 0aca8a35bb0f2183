// The decision functions: lexical paths on component boundaries, host
// patterns, and the policy checks (paths, hosts, APIs, process creation),
// including the path cache.
#include "qfs_test.h"

#include <QTemporaryDir>

#include <climits>

extern "C" {
#include "decide.h"
}

class TestDecide : public QObject
{
    Q_OBJECT

private slots:
    void normalize_data();
    void normalize();
    void normalizeLimits();
    void within_data();
    void within();
    void hostMatches_data();
    void hostMatches();
    void hostRejected_data();
    void hostRejected();
    void runtimePaths();
    void checkPath_data();
    void checkPath();
    void checkPathCache();
    void checkHost_data();
    void checkHost();
    void checkApi_data();
    void checkApi();
    void strictAllowList();
    void refusalReasons();
    void checkProcessCreation_data();
    void checkProcessCreation();
    void unrestrictedAllowsEverything();
};

void TestDecide::normalize_data()
{
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    const char *rows[][2] = {
        { "/", "/" },
        { "//", "/" },
        { "/.", "/" },
        { "/..", "/" },
        { "/../..", "/" },
        { "/tmp", "/tmp" },
        { "/tmp/", "/tmp" },
        { "//tmp//x///", "/tmp/x" },
        { "/tmp/./x", "/tmp/x" },
        { "/tmp/../etc", "/etc" },
        { "/tmp/x/../../etc/passwd", "/etc/passwd" },
        { "/a/b/c/../../d", "/a/d" },
        { "/../tmp", "/tmp" },
        { "/tmp/..", "/" },
        { "/tmp/.../x", "/tmp/.../x" },
        { "/tmp/..x/y", "/tmp/..x/y" },
        { "/tmp/.x", "/tmp/.x" },
        { "/a b/ c", "/a b/ c" },
    };
    for (auto &r : rows)
        QTest::newRow(r[0]) << r[0] << r[1];
}

void TestDecide::normalize()
{
    QFETCH(QString, in);
    QFETCH(QString, out);
    char buf[PATH_MAX];
    const int len = qfs_path_normalize(in.toUtf8().constData(), buf, sizeof(buf));
    QCOMPARE(len, int(out.size()));
    QCOMPARE(QString::fromUtf8(buf), out);
}

void TestDecide::normalizeLimits()
{
    char buf[8];
    QCOMPARE(qfs_path_normalize("relative", buf, sizeof(buf)), -EINVAL);
    QCOMPARE(qfs_path_normalize("", buf, sizeof(buf)), -EINVAL);
    QCOMPARE(qfs_path_normalize(nullptr, buf, sizeof(buf)), -EINVAL);
    QCOMPARE(qfs_path_normalize("/1234567", buf, sizeof(buf)), -ENAMETOOLONG);
    QCOMPARE(qfs_path_normalize("/123456", buf, sizeof(buf)), 7);
    QCOMPARE(qfs_path_normalize("/123456/../x", buf, sizeof(buf)), 2);
    QCOMPARE(qfs_path_normalize("/", buf, 1), -ENAMETOOLONG);
}

void TestDecide::within_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("dir");
    QTest::addColumn<int>("expected");
    struct Row
    {
        const char *path, *dir;
        int expected;
    } rows[] = {
        { "/tmp", "/tmp", 1 },
        { "/tmp/", "/tmp", 1 },
        { "/tmp/x", "/tmp", 1 },
        { "/tmp/x/y/z", "/tmp/", 1 },
        { "/tmpfoo", "/tmp", 0 },
        { "/tmp.d/x", "/tmp", 0 },
        { "/tm", "/tmp", 0 },
        { "/", "/tmp", 0 },
        { "/tmp/../etc", "/tmp", 0 },
        { "/tmp/../etc", "/etc", 1 },
        { "/tmp/x/..", "/tmp", 1 },
        { "/tmp/x/../..", "/tmp", 0 },
        { "/etc/passwd", "/", 1 },
        { "/", "/", 1 },
        { "/tmp", "/tmp/x/..", 1 },
        { "/var/tmp", "/tmp", 0 },
        { "/home/user/.cache/x", "/home/user/.cache", 1 },
        { "/home/user/.cachex", "/home/user/.cache", 0 },
        { "relative", "/tmp", -EINVAL },
        { "/tmp", "relative", -EINVAL },
    };
    for (auto &r : rows)
        QTest::newRow(qPrintable(QStringLiteral("%1 in %2").arg(r.path, r.dir)))
            << r.path << r.dir << r.expected;
}

void TestDecide::within()
{
    QFETCH(QString, path);
    QFETCH(QString, dir);
    QFETCH(int, expected);
    QCOMPARE(qfs_path_is_within(path.toUtf8().constData(), dir.toUtf8().constData()), expected);
}

void TestDecide::hostMatches_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("expected");
    struct Row
    {
        const char *pattern, *host;
        int port, expected;
    } rows[] = {
        { "api.example.com", "api.example.com", -1, 1 },
        { "api.example.com", "API.Example.COM", -1, 1 },
        { "API.EXAMPLE.COM", "api.example.com", 443, 1 },
        { "api.example.com", "api.example.com.", -1, 1 },
        { "api.example.com.", "api.example.com", -1, 1 },
        { "api.example.com", "example.com", -1, 0 },
        { "api.example.com", "x.api.example.com", -1, 0 },
        { "api.example.com", "api.example.co", -1, 0 },
        { "*.example.com", "a.example.com", -1, 1 },
        { "*.example.com", "a.b.example.com", 80, 1 },
        { "*.example.com", "A.EXAMPLE.COM", -1, 1 },
        { "*.example.com", "example.com", -1, 0 },
        { "*.example.com", "badexample.com", -1, 0 },
        { "*.example.com", "a.example.com.evil.org", -1, 0 },
        { "*.example.com", ".example.com", -1, -EINVAL },
        { "*.Example.Com", "x.example.com", -1, 1 },
        { "*.cdn.com", "static.cdn.com", -1, 1 },
        { "api.example.com:443", "api.example.com", 443, 1 },
        { "api.example.com:443", "api.example.com", 80, 0 },
        { "api.example.com:443", "api.example.com", -1, 0 },
        { "api.example.com:443", "api.example.com:443", -1, 1 },
        { "api.example.com:443", "api.example.com:443", 443, 1 },
        { "api.example.com:443", "api.example.com:443", 80, -EINVAL },
        { "api.example.com", "api.example.com:8080", -1, 1 },
        { "*.example.com:8443", "a.example.com", 8443, 1 },
        { "*.example.com:8443", "a.example.com", 443, 0 },
        { "10.0.0.1", "10.0.0.1", -1, 1 },
        { "10.0.0.1", "10.0.0.2", -1, 0 },
        { "10.0.0.1:22", "10.0.0.1", 22, 1 },
        { "10.0.0.1:22", "10.0.0.1:23", -1, 0 },
        { "10.0.0.1", "::ffff:10.0.0.1", -1, 1 },
        { "::1", "::1", -1, 1 },
        { "::1", "0:0:0:0:0:0:0:1", -1, 1 },
        { "[::1]:443", "[::1]:443", -1, 1 },
        { "[::1]:443", "::1", 443, 1 },
        { "[::1]:443", "::1", 80, 0 },
        { "[2001:db8::1]", "2001:DB8::1", -1, 1 },
        { "2001:db8::1", "2001:db8::2", -1, 0 },
        { "localhost", "127.0.0.1", -1, 0 },
        { "10.0.0.1", "a.example.com", -1, 0 },
        { "*.example.com", "10.0.0.1", -1, 0 },
        { "xn--bcher-kva.example", "XN--BCHER-KVA.example", -1, 1 },
        { "a-b.example.com", "a-b.example.com", -1, 1 },
        { "*", "a.example.com", -1, -EINVAL },
        { "*.com", "a.com", -1, -EINVAL },
        { "api.example.com", "*.example.com", -1, -EINVAL },
        { "api.example.com", "", -1, -EINVAL },
        { "api.example.com", "api.example.com", 0, -EINVAL },
        { "api.example.com", "api.example.com", 65536, -EINVAL },
    };
    for (auto &r : rows)
        QTest::newRow(qPrintable(QStringLiteral("%1 ~ %2 :%3").arg(r.pattern, r.host).arg(r.port)))
            << r.pattern << r.host << r.port << r.expected;
}

void TestDecide::hostMatches()
{
    QFETCH(QString, pattern);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, expected);
    QCOMPARE(
        qfs_host_matches(pattern.toUtf8().constData(), host.toUtf8().constData(), port), expected);
}

// Malformed patterns and the phrase that says why.
void TestDecide::hostRejected_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("why");
    const char *rows[][2] = {
        { "", "must not be empty" },
        { "*", "would admit every host (an empty allowed_hosts list already does)" },
        { "*.com",
            "needs at least two labels after \"*.\" (\"*.example.com\"), or it would "
            "admit a whole top-level domain" },
        { "*.", "would admit every host (an empty allowed_hosts list already does)" },
        { "*.com.",
            "needs at least two labels after \"*.\" (\"*.example.com\"), or it would "
            "admit a whole top-level domain" },
        { "a.*.com", "may use '*' only as the whole first label (\"*.example.com\")" },
        { "*foo.example.com", "may use '*' only as the whole first label (\"*.example.com\")" },
        { "**.example.com", "may use '*' only as the whole first label (\"*.example.com\")" },
        { "http://api.example.com", "must not contain a scheme (write the host name alone)" },
        { "ftp://x", "must not contain a scheme (write the host name alone)" },
        { "api.example.com/v1", "must not contain a path" },
        { "user@api.example.com", "must not contain user information" },
        { "api example.com", "must not contain spaces or control characters" },
        { " api.example.com", "must not contain spaces or control characters" },
        { "api.example.com\t", "must not contain spaces or control characters" },
        { "api..example.com", "has an empty label" },
        { ".example.com", "has an empty label" },
        { "..", "has an empty label" },
        { "-api.example.com", "has a label that begins or ends with '-'" },
        { "api-.example.com", "has a label that begins or ends with '-'" },
        { "api_v1.example.com", "may contain only letters, digits, '-' and '.'" },
        { "bücher.example", "may contain only letters, digits, '-' and '.'" },
        { "api.example.com:", "has a port outside 1..65535" },
        { "api.example.com:0", "has a port outside 1..65535" },
        { "api.example.com:65536", "has a port outside 1..65535" },
        { "api.example.com:+80", "has a port outside 1..65535" },
        { "api.example.com:http", "has a port outside 1..65535" },
        { ":443", "has an empty host name" },
        { "999.1.1.1", "is neither a valid IPv4 address nor a host name" },
        { "10.1", "is neither a valid IPv4 address nor a host name" },
        { "1.2.3.4.5", "is neither a valid IPv4 address nor a host name" },
        { "[::1", "has an unclosed '['" },
        { "[]:80", "is not a valid IPv6 address" },
        { "[::g]:80", "is not a valid IPv6 address" },
        { "[::1]80", "has text after ']' that is not \":port\"" },
        { "[::1]:0", "has a port outside 1..65535" },
        { "::1:80:x", "is not a valid IPv6 address (write \"[address]:port\" for a port)" },
    };
    for (auto &r : rows)
        QTest::newRow(r[0]) << QString::fromUtf8(r[0]) << QString::fromUtf8(r[1]);
    const QByteArray longLabel = QByteArray(64, 'a') + ".example.com";
    QTest::newRow("64-char label")
        << QString::fromUtf8(longLabel) << "has a label longer than 63 characters";
    QByteArray longName;
    while (longName.size() < 254)
        longName += "abcdefghi.";
    longName += "com";
    QTest::newRow("254+ chars") << QString::fromUtf8(longName) << "is longer than 253 characters";
}

void TestDecide::hostRejected()
{
    QFETCH(QString, pattern);
    QFETCH(QString, why);
    decide_host h;
    const char *reason = nullptr;
    QCOMPARE(decide_host_parse(pattern.toUtf8().constData(), true, &h, &reason), -EINVAL);
    QCOMPARE(QString::fromUtf8(reason), why);
}

void TestDecide::runtimePaths()
{
    QStringList paths;
    for (size_t i = 0; i < decide_runtime_path_count(); ++i) {
        const char *p = decide_runtime_path(i);
        char buf[PATH_MAX];
        QCOMPARE(qfs_path_normalize(p, buf, sizeof(buf)), int(strlen(p))); // already normal
        paths << p;
    }
    QCOMPARE(decide_runtime_path(decide_runtime_path_count()), nullptr);
    for (const char *must : { "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache",
             "/etc/resolv.conf", "/etc/ssl/certs", "/etc/passwd" })
        QVERIFY2(paths.contains(must), must);
    for (const char *never : { "/etc", "/etc/shadow", "/home", "/root", "/var", "/proc", "/sys",
             "/dev", "/tmp", "/run" })
        QVERIFY2(!paths.contains(never), never);
}

// A sandboxed policy with one allowed directory, read and write toggled.
void TestDecide::checkPath_data()
{
    QTest::addColumn<bool>("read");
    QTest::addColumn<bool>("write");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("forWrite");
    QTest::addColumn<int>("expected");
    struct Row
    {
        bool read, write;
        const char *path;
        bool forWrite;
        int expected;
    } rows[] = {
        { false, false, "/usr/lib/x86_64-linux-gnu/libc.so.6", false, 1 },
        { false, false, "/usr/lib/x86_64-linux-gnu/libc.so.6", true, 0 },
        { false, false, "/etc/ld.so.cache", false, 1 },
        { false, false, "/etc/ld.so.conf.d/x.conf", false, 1 },
        { false, false, "/etc/shadow", false, 0 },
        { false, false, "/etc/passwd", false, 1 },
        { false, false, "/etc/passwd2", false, 0 },
        { false, false, "/usrx/lib", false, 0 },
        { false, false, "/usr/../etc/shadow", false, 0 },
        { false, false, "/lib/../etc/ld.so.cache", false, 1 },
        { false, false, "@DIR@/file", false, 0 },
        { true, false, "@DIR@/file", false, 1 },
        { true, false, "@DIR@", false, 1 },
        { true, false, "@DIR@/file", true, 0 },
        { true, false, "@DIR@x/file", false, 0 },
        { true, false, "@DIR@/../other", false, 0 },
        { true, false, "/home/user/secret", false, 0 },
        { false, true, "@DIR@/file", true, 1 },
        { false, true, "@DIR@/file", false, 0 },
        { false, true, "@DIR@/sub/../file", true, 1 },
        { false, true, "@DIR@/../escape", true, 0 },
        { true, true, "@DIR@//deep/./er", true, 1 },
        { true, true, "/tmp/elsewhere", true, 0 },
    };
    for (auto &r : rows)
        QTest::newRow(qPrintable(QStringLiteral("r%1 w%2 %3 %4")
                                     .arg(r.read)
                                     .arg(r.write)
                                     .arg(r.path)
                                     .arg(r.forWrite ? "write" : "read")))
            << r.read << r.write << r.path << r.forWrite << r.expected;
}

void TestDecide::checkPath()
{
    QFETCH(bool, read);
    QFETCH(bool, write);
    QFETCH(QString, path);
    QFETCH(bool, forWrite);
    QFETCH(int, expected);

    const QString dir = "/srv/plugin-data";
    Policy p = builtinPolicy("sandboxed");
    qfs_policy_list_clear(p.get(), QFS_LIST_ALLOWED_DIRECTORIES);
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/srv/plugin-data/");
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_READ, read);
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_WRITE, write);
    const QByteArray q = QString(path).replace("@DIR@", dir).toUtf8();
    // Twice: cold, then from the cache.
    QCOMPARE(qfs_policy_check_path(p.get(), q.constData(), forWrite), expected);
    QCOMPARE(qfs_policy_check_path(p.get(), q.constData(), forWrite), expected);
    QCOMPARE(qfs_policy_check_path(p.get(), "relative/x", forWrite), -EINVAL);
    QCOMPARE(qfs_policy_check_path(p.get(), nullptr, forWrite), -EINVAL);
}

// Answers change with the policy, and stay right past the cache's size.
void TestDecide::checkPathCache()
{
    Policy p = builtinPolicy("strict");
    const char *file = "/srv/data/x";
    QCOMPARE(qfs_policy_check_path(p.get(), file, false), 0);
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/srv/data");
    QCOMPARE(qfs_policy_check_path(p.get(), file, false), 0); // read permission still off
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_READ, true);
    QCOMPARE(qfs_policy_check_path(p.get(), file, false), 1);
    QCOMPARE(qfs_policy_check_path(p.get(), file, true), 0); // write is a separate key
    qfs_policy_set_permission(p.get(), QFS_PERM_FILE_SYSTEM_WRITE, true);
    QCOMPARE(qfs_policy_check_path(p.get(), file, true), 1);
    qfs_policy_list_clear(p.get(), QFS_LIST_ALLOWED_DIRECTORIES);
    QCOMPARE(qfs_policy_check_path(p.get(), file, true), 0);
    QCOMPARE(qfs_policy_check_path(p.get(), file, false), 0);

    // Many distinct paths (several times the cache) keep correct answers.
    qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_DIRECTORIES, "/srv/data");
    for (int round = 0; round < 2; ++round)
        for (int i = 0; i < 5000; ++i) {
            const QByteArray in = "/srv/data/f" + QByteArray::number(i);
            const QByteArray out = "/srv/datb/f" + QByteArray::number(i);
            QCOMPARE(qfs_policy_check_path(p.get(), in.constData(), i % 2), 1);
            QCOMPARE(qfs_policy_check_path(p.get(), out.constData(), i % 2), 0);
        }

    // Paths longer than the cache keeps are still answered.
    const QByteArray longPath = "/srv/data/" + QByteArray(3000, 'a');
    QCOMPARE(qfs_policy_check_path(p.get(), longPath.constData(), false), 1);
    const QByteArray tooLong = "/srv/data/" + QByteArray(PATH_MAX, 'a');
    QCOMPARE(qfs_policy_check_path(p.get(), tooLong.constData(), false), 0);

    // A copy has its own cache and the same answers.
    qfs_policy *raw = nullptr;
    QCOMPARE(qfs_policy_copy(p.get(), &raw), 0);
    Policy copy(raw);
    QCOMPARE(qfs_policy_check_path(copy.get(), file, false), 1);
    qfs_policy_set_permission(copy.get(), QFS_PERM_FILE_SYSTEM_READ, false);
    QCOMPARE(qfs_policy_check_path(copy.get(), file, false), 0);
    QCOMPARE(qfs_policy_check_path(p.get(), file, false), 1);
}

void TestDecide::checkHost_data()
{
    QTest::addColumn<bool>("network");
    QTest::addColumn<QStringList>("hosts");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("expected");
    const QStringList web = { "api.example.com:443", "*.cdn.example.com", "10.1.2.3" };
    QTest::newRow("no network") << false << QStringList() << "api.example.com" << 443 << 0;
    QTest::newRow("empty list admits all") << true << QStringList() << "any.where" << 80 << 1;
    QTest::newRow("exact port") << true << web << "api.example.com" << 443 << 1;
    QTest::newRow("wrong port") << true << web << "api.example.com" << 80 << 0;
    QTest::newRow("subdomain") << true << web << "img.cdn.example.com" << 80 << 1;
    QTest::newRow("apex") << true << web << "cdn.example.com" << 80 << 0;
    QTest::newRow("ip") << true << web << "10.1.2.3" << 5432 << 1;
    QTest::newRow("mapped ip") << true << web << "::ffff:10.1.2.3" << 5432 << 1;
    QTest::newRow("other ip") << true << web << "10.1.2.4" << 5432 << 0;
    QTest::newRow("network off with list") << false << web << "api.example.com" << 443 << 0;
    QTest::newRow("malformed host") << true << web << "http://api.example.com" << 443 << -EINVAL;
    QTest::newRow("malformed port") << true << web << "api.example.com" << 70000 << -EINVAL;
    QTest::newRow("bad entries match nothing")
        << true << QStringList({ "*", "*.com" }) << "a.com" << 80 << 0;
}

void TestDecide::checkHost()
{
    QFETCH(bool, network);
    QFETCH(QStringList, hosts);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, expected);
    Policy p = builtinPolicy("sandboxed");
    qfs_policy_set_permission(p.get(), QFS_PERM_NETWORK_ACCESS, network);
    for (const QString &h : hosts)
        qfs_policy_list_add(p.get(), QFS_LIST_ALLOWED_HOSTS, h.toUtf8().constData());
    QCOMPARE(qfs_policy_check_host(p.get(), host.toUtf8().constData(), port), expected);
}

void TestDecide::checkApi_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addColumn<bool>("processCreation");
    QTest::addColumn<QStringList>("blocked");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("expected");
    struct Row
    {
        const char *policy;
        bool processCreation;
        QStringList blocked;
        const char *name;
        int expected;
    } rows[] = {
        // Unknown names.
        { "limited", true, {}, "frobnicate", -ENOENT },
        { "limited", true, {}, "vm86", -ENOENT },
        // The baseline from Limited up, named or through a group.
        { "limited", true, {}, "mount", 0 },
        { "limited", true, {}, "@mount", 0 },
        { "limited", true, {}, "ptrace", 0 },
        { "limited", true, {}, "@debug", 0 },
        { "limited", true, {}, "@raw-io", 0 }, // the x86-64 members are in the baseline
        { "limited", true, {}, "@keyring", 0 },
        { "limited", true, {}, "personality", 0 },
        { "limited", true, {}, "getpid", 1 },
        { "limited", true, {}, "@network", 1 },
        { "limited", true, {}, "socket", 1 },
        { "limited", true, {}, "@process", 1 },
        { "limited", true, {}, "@privileged", 1 }, // setuid is not in the baseline
        // blocked_apis.
        { "limited", true, { "@network" }, "@network", 0 },
        { "limited", true, { "@network" }, "connect", 0 },
        { "limited", true, { "@network" }, "sendto", 1 },
        { "limited", true,
            { "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4" },
            "@network", 0 }, // every member (socketcall is not on x86-64)
        { "limited", true, { "socket" }, "@network", 1 },
        { "limited", true, { "getpid" }, "getpid", 0 },
        // Process creation and exec.
        { "limited", true, {}, "fork", 1 },
        { "limited", true, {}, "clone", 1 },
        { "limited", false, {}, "fork", 0 },
        { "limited", false, {}, "clone", 0 },
        { "limited", false, {}, "clone3", 0 },
        { "limited", false, {}, "execve", 1 },
        { "limited", false, {}, "exec", 1 }, // exec needs no execve too
        { "limited", true, { "fork" }, "vfork", 0 },
        { "limited", true, { "exec" }, "fork", 0 },
        { "limited", true, { "exec" }, "execveat", 0 },
        { "limited", true, { "exec" }, "system", 0 }, // same effects
        { "limited", true, { "execve" }, "execve", 0 },
        { "limited", true, { "execve" }, "exec", 1 }, // still creates processes
        { "limited", true, { "execve", "fork" }, "exec", 0 },
        { "limited", true, { "fork" }, "@process", 1 },
        // W^X and noexec restrict, block no syscall.
        { "limited", true, { "mmap" }, "mmap", 0 },
        { "limited", true, { "mmap" }, "VirtualAlloc", 0 },
        { "limited", true, { "mmap" }, "mprotect", 1 },
        { "limited", true, { "dlopen" }, "LoadLibrary", 0 },
        { "limited", true, { "dlopen" }, "openat", 1 },
        // Strict blocks exec and process creation whatever the permission says.
        { "strict", true, {}, "fork", 0 },
        { "strict", true, {}, "exec", 0 },
        { "strict", true, {}, "execve", 0 },
        { "strict", true, {}, "mmap", 0 },
        { "strict", true, {}, "read", 1 },
        { "sandboxed", true, {}, "fork", 1 },
        { "sandboxed", false, {}, "fork", 0 },
        // Strict's allow-list: what is not on it is refused (unless
        // allow_system_calls), argument-checked calls stay allowed.
        { "strict", true, {}, "setuid", 0 },
        { "sandboxed", true, {}, "setuid", 1 },
        { "strict", true, {}, "sethostname", 0 },
        { "strict", true, {}, "@privileged", 0 },
        { "sandboxed", true, {}, "@privileged", 1 },
        { "strict", true, {}, "mincore", 1 },
        { "strict", true, {}, "getppid", 1 },
        { "strict", true, {}, "ioctl", 1 },
        { "strict", true, {}, "socket", 1 },
        { "strict", true, {}, "memfd_create", 1 },
        // clone3 answers ENOSYS at every restricted level (libc falls back
        // to clone, whose flags the filter can read).
        { "limited", true, {}, "clone3", 0 },
        // A plain clone in blocked_apis means "no process creation".
        { "limited", true, { "clone" }, "clone", 0 },
        { "limited", true, { "clone" }, "fork", 0 },
    };
    for (auto &r : rows)
        QTest::newRow(qPrintable(QStringLiteral("%1 proc=%2 [%3] %4")
                                     .arg(r.policy)
                                     .arg(r.processCreation)
                                     .arg(r.blocked.join(','))
                                     .arg(r.name)))
            << r.policy << r.processCreation << r.blocked << r.name << r.expected;
}

void TestDecide::checkApi()
{
    QFETCH(QString, policy);
    QFETCH(bool, processCreation);
    QFETCH(QStringList, blocked);
    QFETCH(QString, name);
    QFETCH(int, expected);
    Policy p = builtinPolicy(policy.toUtf8().constData());
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, processCreation);
    for (const QString &b : blocked)
        qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, b.toUtf8().constData());
    QCOMPARE(qfs_policy_check_api(p.get(), name.toUtf8().constData()), expected);
}

void TestDecide::checkProcessCreation_data()
{
    QTest::addColumn<QString>("policy");
    QTest::addColumn<bool>("permission");
    QTest::addColumn<QStringList>("blocked");
    QTest::addColumn<QString>("executable");
    QTest::addColumn<int>("expected");
    QTest::newRow("off") << "limited" << false << QStringList() << "" << 0;
    QTest::newRow("on, any") << "limited" << true << QStringList() << "" << 1;
    QTest::newRow("on, runtime binary")
        << "limited" << true << QStringList() << "/usr/bin/env" << 1;
    QTest::newRow("on, unreadable binary")
        << "sandboxed" << true << QStringList() << "/opt/tool/bin/x" << 0;
    QTest::newRow("on, fork blocked") << "limited" << true << QStringList({ "fork" }) << "" << 0;
    QTest::newRow("on, exec blocked, any")
        << "limited" << true << QStringList({ "execve" }) << "" << 1;
    QTest::newRow("on, exec blocked, binary")
        << "limited" << true << QStringList({ "execve" }) << "/usr/bin/env" << 0;
    QTest::newRow("strict") << "strict" << true << QStringList() << "" << 0;
    QTest::newRow("relative") << "limited" << true << QStringList() << "bin/x" << -EINVAL;
}

void TestDecide::checkProcessCreation()
{
    QFETCH(QString, policy);
    QFETCH(bool, permission);
    QFETCH(QStringList, blocked);
    QFETCH(QString, executable);
    QFETCH(int, expected);
    Policy p = builtinPolicy(policy.toUtf8().constData());
    qfs_policy_set_permission(p.get(), QFS_PERM_PROCESS_CREATION, permission);
    for (const QString &b : blocked)
        qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, b.toUtf8().constData());
    const QByteArray exe = executable.toUtf8();
    QCOMPARE(qfs_policy_check_process_creation(p.get(), exe.isEmpty() ? nullptr : exe.constData()),
        expected);
}

// The allow-list is Strict's shape only without allow_system_calls; the
// filter and the decisions agree on which syscalls blocked_apis names.
void TestDecide::strictAllowList()
{
    Policy p = builtinPolicy("strict");
    QVERIFY(decide_allow_list(p.get()));
    QCOMPARE(qfs_policy_check_api(p.get(), "setuid"), 0);
    qfs_policy_set_permission(p.get(), QFS_PERM_SYSTEM_CALLS, true);
    QVERIFY(!decide_allow_list(p.get()));
    QCOMPARE(qfs_policy_check_api(p.get(), "setuid"), 1);
    QCOMPARE(qfs_policy_check_api(p.get(), "mount"), 0); // the baseline stays

    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "clone");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "@swap");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "getpid");
    QStringList named;
    decide_blocked_syscalls(
        p.get(), [](const char *s, void *ud) { static_cast<QStringList *>(ud)->append(s); },
        &named);
    QCOMPARE(named, QStringList({ "swapon", "swapoff", "getpid" }));
}

// Why a call is refused: the first of blocked_apis, the baseline, the
// effects, clone3, the allow-list; with the type and errno it reports.
void TestDecide::refusalReasons()
{
    Policy p = builtinPolicy("strict");
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "@keyring");
    decide_refusal r {};

    QVERIFY(decide_syscall_refusal(p.get(), "keyctl", &r));
    QCOMPARE(int(r.source), int(DECIDE_BLOCKED));
    QCOMPARE(QString(r.api), QString("@keyring"));
    QCOMPARE(QString(r.reason), QString("using the kernel keyring"));
    QCOMPARE(int(r.type), int(QFS_VIOLATION_UNAUTHORIZED_SYSTEM_CALL));
    QCOMPARE(r.error, EPERM);

    QVERIFY(decide_syscall_refusal(p.get(), "ptrace", &r));
    QCOMPARE(int(r.source), int(DECIDE_BASELINE));
    QVERIFY(r.api == nullptr);

    QVERIFY(decide_syscall_refusal(p.get(), "execve", &r));
    QCOMPARE(int(r.source), int(DECIDE_EFFECT));
    QCOMPARE(QString(r.api), QString("exec"));
    QCOMPARE(int(r.type), int(QFS_VIOLATION_UNAUTHORIZED_PROCESS_CREATION));

    QVERIFY(decide_syscall_refusal(p.get(), "vfork", &r));
    QCOMPARE(QString(r.api), QString("fork")); // the QtForge name of the effect first

    QVERIFY(decide_syscall_refusal(p.get(), "clone3", &r));
    QCOMPARE(int(r.source), int(DECIDE_ALWAYS));
    QCOMPARE(r.error, ENOSYS);

    QVERIFY(decide_syscall_refusal(p.get(), "sethostname", &r));
    QCOMPARE(int(r.source), int(DECIDE_UNLISTED));
    QCOMPARE(QString(r.reason), QString("not on Strict's allow-list"));

    QVERIFY(!decide_syscall_refusal(p.get(), "getppid", &r));

    // A plain syscall name reports BlockedAPICall.
    Policy l = builtinPolicy("limited");
    qfs_policy_list_add(l.get(), QFS_LIST_BLOCKED_APIS, "getpid");
    QVERIFY(decide_syscall_refusal(l.get(), "getpid", &r));
    QCOMPARE(int(r.type), int(QFS_VIOLATION_BLOCKED_API_CALL));
    QCOMPARE(QString(r.api), QString("getpid"));
    QVERIFY(r.reason == nullptr);
}

// Unrestricted enforces nothing, so every check says yes (but bad input is
// still bad input).
void TestDecide::unrestrictedAllowsEverything()
{
    Policy p = newPolicy();
    qfs_policy_set_level(p.get(), QFS_LEVEL_UNRESTRICTED);
    qfs_policy_list_add(p.get(), QFS_LIST_BLOCKED_APIS, "@mount");
    QCOMPARE(qfs_policy_check_path(p.get(), "/etc/shadow", true), 1);
    QCOMPARE(qfs_policy_check_host(p.get(), "anything.example", 1), 1);
    QCOMPARE(qfs_policy_check_api(p.get(), "@mount"), 1);
    QCOMPARE(qfs_policy_check_api(p.get(), "mount"), 1);
    QCOMPARE(qfs_policy_check_process_creation(p.get(), "/bin/sh"), 1);
    QCOMPARE(decide_api_effects(p.get()), 0u);
    QCOMPARE(qfs_policy_check_api(p.get(), "frobnicate"), -ENOENT);
    QCOMPARE(qfs_policy_check_host(p.get(), "http://x", 1), -EINVAL);
    QCOMPARE(qfs_policy_check_path(p.get(), "relative", false), -EINVAL);
    QCOMPARE(qfs_policy_check_api(nullptr, "mount"), -EINVAL);
}

QTEST_GUILESS_MAIN(TestDecide)
#include "tst_decide.moc"
