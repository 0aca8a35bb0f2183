// SPDX-License-Identifier: LGPL-2.1-or-later
// SecurityEnforcer's answers (from the C decision code) and its event log.
#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qtplugin;

class TestEnforcer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_allowed;

    SecurityPolicy reader() const
    {
        SecurityPolicy p = SecurityPolicy::create_sandboxed_policy();
        p.permissions.allow_file_system_read = true;
        p.permissions.allowed_directories = { m_allowed };
        return p;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_allowed = m_dir.path() + QStringLiteral("/data");
        QVERIFY(QDir().mkpath(m_allowed));
        QVERIFY(QDir().mkpath(m_dir.path() + QStringLiteral("/datafoo")));
    }

    void initializeValidates()
    {
        SecurityEnforcer good(reader());
        QVERIFY(good.initialize());
        SecurityPolicy bad = reader();
        bad.permissions.allowed_directories = { m_dir.path() + QStringLiteral("/missing") };
        SecurityEnforcer enforcer(bad);
        QVERIFY(!enforcer.initialize());
    }

    void fileAccessOnComponentBoundaries()
    {
        SecurityEnforcer e(reader());
        QSignalSpy spy(&e, &SecurityEnforcer::security_violation_detected);
        QVERIFY(e.validate_file_access(m_allowed + QStringLiteral("/file.txt")));
        QVERIFY(e.validate_file_access(m_allowed));
        // "/datafoo" is not inside "/data".
        QVERIFY(!e.validate_file_access(m_dir.path() + QStringLiteral("/datafoo/x")));
        // Normalised before it is judged.
        QVERIFY(!e.validate_file_access(m_allowed + QStringLiteral("/../datafoo/x")));
        QVERIFY(e.validate_file_access(m_allowed + QStringLiteral("//sub/./../f")));
        // Read only: writing is denied.
        QVERIFY(!e.validate_file_access(m_allowed + QStringLiteral("/file.txt"), true));
        // Runtime directories are always readable.
        QVERIFY(e.validate_file_access(QStringLiteral("/usr/lib")));
        QVERIFY(!e.validate_file_access(QStringLiteral("/etc/shadow")));
        // Relative paths mean nothing to the sandbox.
        QVERIFY(!e.validate_file_access(QStringLiteral("relative/path")));

        QCOMPARE(spy.count(), 5);
        const auto first = spy.at(0).at(0).value<SecurityEvent>();
        QCOMPARE(first.type, SecurityViolationType::UnauthorizedFileAccess);
        QCOMPARE(first.resource_path, m_dir.path() + QStringLiteral("/datafoo/x"));
        QCOMPARE(first.description, QStringLiteral("File read access denied by policy"));
        const auto write = spy.at(2).at(0).value<SecurityEvent>();
        QCOMPARE(write.description, QStringLiteral("File write access denied by policy"));
        QCOMPARE(write.details.value(QLatin1String("write")).toBool(), true);
        QCOMPARE(e.get_security_events().size(), size_t(5));

        QVERIFY(e.is_directory_allowed(m_allowed));
        QVERIFY(!e.is_directory_allowed(m_dir.path() + QStringLiteral("/datafoo")));
        QCOMPARE(e.get_security_events().size(), size_t(5)); // is_*() records nothing
    }

    void writeNeedsPermission()
    {
        SecurityPolicy p = reader();
        p.permissions.allow_file_system_write = true;
        SecurityEnforcer e(p);
        QVERIFY(e.validate_file_access(m_allowed + QStringLiteral("/out"), true));
        QVERIFY(!e.validate_file_access(QStringLiteral("/usr/lib/out"), true));
    }

    void hosts()
    {
        SecurityPolicy p = SecurityPolicy::create_sandboxed_policy();
        SecurityEnforcer closed(p);
        QVERIFY(!closed.validate_network_access(QStringLiteral("api.example.com"), 443));
        QCOMPARE(closed.get_security_events().front().type,
            SecurityViolationType::UnauthorizedNetworkAccess);

        p.permissions.allow_network_access = true;
        p.permissions.allowed_hosts
            = { QStringLiteral("api.example.com"), QStringLiteral("*.trusted.com") };
        SecurityEnforcer e(p);
        QVERIFY(e.validate_network_access(QStringLiteral("api.example.com"), 443));
        QVERIFY(e.validate_network_access(QStringLiteral("API.Example.com")));
        QVERIFY(e.is_host_allowed(QStringLiteral("cdn.trusted.com")));
        QVERIFY(e.is_host_allowed(QStringLiteral("a.b.trusted.com")));
        QVERIFY(!e.is_host_allowed(QStringLiteral("trusted.com"))); // not the apex
        QVERIFY(!e.is_host_allowed(QStringLiteral("eviltrusted.com")));
        QVERIFY(!e.is_host_allowed(QStringLiteral("other.example.com")));
        QVERIFY(!e.validate_network_access(QStringLiteral("evil.com"), 80));
        const SecurityEvent ev = e.get_security_events().back();
        QCOMPARE(ev.resource_path, QStringLiteral("evil.com"));
        QCOMPARE(ev.details.value(QLatin1String("port")).toInt(), 80);

        // An empty list admits every host once the network is allowed.
        SecurityPolicy open = SecurityPolicy::create_limited_policy();
        SecurityEnforcer any(open);
        QVERIFY(any.is_host_allowed(QStringLiteral("anything.example.org")));
    }

    void apisAndSyscalls()
    {
        SecurityEnforcer strict(SecurityPolicy::create_strict_policy());
        QVERIFY(strict.is_api_blocked(QStringLiteral("exec")));
        QVERIFY(strict.is_api_blocked(QStringLiteral("fork")));
        QVERIFY(strict.is_api_blocked(QStringLiteral("ptrace")));
        QVERIFY(!strict.is_api_blocked(QStringLiteral("read")));
        QVERIFY(!strict.validate_api_call(QStringLiteral("system")));
        QVERIFY(strict.validate_api_call(QStringLiteral("getpid")));
        QVERIFY(!strict.validate_system_call(QStringLiteral("mount")));
        QVERIFY(strict.validate_system_call(QStringLiteral("read")));
        QVERIFY(!strict.validate_system_call(QStringLiteral("no_such_syscall")));
        const auto events = strict.get_security_events();
        QCOMPARE(events.size(), size_t(3));
        QCOMPARE(events[0].type, SecurityViolationType::BlockedAPICall);
        QCOMPARE(events[0].resource_path, QStringLiteral("system"));
        QCOMPARE(events[1].type, SecurityViolationType::UnauthorizedSystemCall);
        QCOMPARE(events[1].description, QStringLiteral("System call denied by policy"));
        QCOMPARE(events[2].description, QStringLiteral("Unknown system call"));

        SecurityEnforcer open(SecurityPolicy::create_unrestricted_policy());
        QVERIFY(!open.is_api_blocked(QStringLiteral("ptrace")));
        QVERIFY(open.validate_system_call(QStringLiteral("mount")));
    }

    void processCreation()
    {
        SecurityEnforcer strict(SecurityPolicy::create_strict_policy());
        QVERIFY(!strict.validate_process_creation(QStringLiteral("/bin/sh")));
        QVERIFY(!strict.validate_process_creation(QString()));
        QCOMPARE(strict.get_security_events().front().type,
            SecurityViolationType::UnauthorizedProcessCreation);

        SecurityPolicy p = SecurityPolicy::create_limited_policy();
        p.permissions.allow_process_creation = true;
        SecurityEnforcer limited(p);
        QVERIFY(limited.validate_process_creation(QStringLiteral("/bin/sh")));
        QVERIFY(limited.validate_process_creation(QString()));
    }

    void updatePolicy()
    {
        SecurityEnforcer e(SecurityPolicy::create_strict_policy());
        QVERIFY(e.is_api_blocked(QStringLiteral("exec")));
        e.update_policy(SecurityPolicy::create_unrestricted_policy());
        QCOMPARE(e.get_policy().policy_name, QStringLiteral("unrestricted"));
        QVERIFY(!e.is_api_blocked(QStringLiteral("exec")));
    }

    void logKeepsTheLast1000()
    {
        SecurityEnforcer e(SecurityPolicy::create_strict_policy());
        for (int i = 0; i < 1005; i++)
            QVERIFY(!e.validate_network_access(QStringLiteral("h%1.example.com").arg(i)));
        const auto events = e.get_security_events();
        QCOMPARE(events.size(), size_t(1000));
        QCOMPARE(events.front().resource_path, QStringLiteral("h5.example.com"));
        QCOMPARE(events.back().resource_path, QStringLiteral("h1004.example.com"));
        QVERIFY(events.front().timestamp <= events.back().timestamp);
        e.clear_security_events();
        QVERIFY(e.get_security_events().empty());
    }

    void eventJson()
    {
        SecurityEvent ev;
        ev.type = SecurityViolationType::BlockedAPICall;
        ev.description = QStringLiteral("d");
        ev.resource_path = QStringLiteral("exec");
        ev.details = QJsonObject { { QLatin1String("k"), 1 } };
        ev.timestamp = std::chrono::steady_clock::time_point(std::chrono::milliseconds(42));
        const QJsonObject j = ev.to_json();
        QCOMPARE(j.value(QLatin1String("type")).toInt(), 7);
        QCOMPARE(j.value(QLatin1String("description")).toString(), QStringLiteral("d"));
        QCOMPARE(j.value(QLatin1String("resource_path")).toString(), QStringLiteral("exec"));
        QCOMPARE(j.value(QLatin1String("details")).toObject().value(QLatin1String("k")).toInt(), 1);
        QCOMPARE(j.value(QLatin1String("timestamp")).toInteger(), 42);
    }
};

QTEST_GUILESS_MAIN(TestEnforcer)
#include "tst_qt_enforcer.moc"
