// SPDX-License-Identifier: LGPL-2.1-or-later
// The policy value types: defaults, the four built-ins, JSON through the C
// code, ResourceUsage.
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>
#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <qfsandbox/policy.h>

Q_DECLARE_METATYPE(qtplugin::SecurityPolicy)

using namespace qtplugin;
using namespace std::chrono_literals;

namespace {

QJsonObject c_json(qfs_policy *p)
{
    char *text = nullptr;
    if (qfs_policy_save_string(p, QFS_JSON_COMPACT, &text) < 0)
        return {};
    QJsonObject o = QJsonDocument::fromJson(QByteArray(text)).object();
    free(text);
    qfs_policy_free(p);
    return o;
}

SecurityPolicy everything_changed()
{
    SecurityPolicy p;
    p.level = SandboxSecurityLevel::Limited;
    p.policy_name = QStringLiteral("web_plugin");
    p.description = QStringLiteral("Policy for web-based plugins, \"quoted\" and ünicode");
    p.limits.cpu_time_limit = 300001ms;
    p.limits.memory_limit_mb = 257;
    p.limits.disk_space_limit_mb = 101;
    p.limits.max_file_handles = 51;
    p.limits.max_network_connections = 0;
    p.limits.execution_timeout = 120001ms;
    p.limits.max_processes = 7;
    p.permissions.allow_file_system_read = true;
    p.permissions.allow_file_system_write = true;
    p.permissions.allow_network_access = true;
    p.permissions.allow_process_creation = true;
    p.permissions.allow_system_calls = true;
    p.permissions.allow_registry_access = true;
    p.permissions.allow_environment_access = true;
    p.permissions.allowed_directories = { QStringLiteral("/tmp"), QStringLiteral("/usr/share") };
    p.permissions.allowed_hosts
        = { QStringLiteral("api.example.com"), QStringLiteral("*.cdn.com") };
    p.permissions.blocked_apis
        = { QStringLiteral("system"), QStringLiteral("exec"), QStringLiteral("@mount") };
    p.enforcement = SandboxEnforcement::BestEffort;
    p.monitor_interval_ms = 250ms;
    return p;
}

} // namespace

class TestPolicy : public QObject
{
    Q_OBJECT

private slots:
    void enums()
    {
        QCOMPARE(int(SandboxSecurityLevel::Unrestricted), 0);
        QCOMPARE(int(SandboxSecurityLevel::Limited), 1);
        QCOMPARE(int(SandboxSecurityLevel::Sandboxed), 2);
        QCOMPARE(int(SandboxSecurityLevel::Strict), 3);
        QVERIFY(SandboxSecurityLevel::Limited < SandboxSecurityLevel::Strict);
        QCOMPARE(int(SecurityViolationType::UnauthorizedFileAccess), 0);
        QCOMPARE(int(SecurityViolationType::UnauthorizedNetworkAccess), 1);
        QCOMPARE(int(SecurityViolationType::UnauthorizedProcessCreation), 2);
        QCOMPARE(int(SecurityViolationType::UnauthorizedSystemCall), 3);
        QCOMPARE(int(SecurityViolationType::UnauthorizedRegistryAccess), 4);
        QCOMPARE(int(SecurityViolationType::UnauthorizedEnvironmentAccess), 5);
        QCOMPARE(int(SecurityViolationType::ResourceLimitExceeded), 6);
        QCOMPARE(int(SecurityViolationType::BlockedAPICall), 7);
        QCOMPARE(int(SecurityViolationType::SuspiciousActivity), 8);
    }

    void defaults()
    {
        const SecurityPolicy p;
        QCOMPARE(p.level, SandboxSecurityLevel::Sandboxed);
        QCOMPARE(p.policy_name, QStringLiteral("default"));
        QCOMPARE(p.description, QStringLiteral("Default security policy"));
        QCOMPARE(p.limits.cpu_time_limit, 30000ms);
        QCOMPARE(p.limits.memory_limit_mb, size_t(256));
        QCOMPARE(p.limits.disk_space_limit_mb, size_t(100));
        QCOMPARE(p.limits.max_file_handles, 50);
        QCOMPARE(p.limits.max_network_connections, 10);
        QCOMPARE(p.limits.execution_timeout, 60000ms);
        QCOMPARE(p.limits.max_processes, 64);
        QCOMPARE(p.enforcement, SandboxEnforcement::Require);
        QCOMPARE(p.monitor_interval_ms, 1000ms);
        QVERIFY(!p.permissions.allow_file_system_read);
        QVERIFY(!p.permissions.allow_file_system_write);
        QVERIFY(!p.permissions.allow_network_access);
        QVERIFY(!p.permissions.allow_process_creation);
        QVERIFY(!p.permissions.allow_system_calls);
        QVERIFY(!p.permissions.allow_registry_access);
        QVERIFY(!p.permissions.allow_environment_access);
        QVERIFY(p.permissions.allowed_directories.isEmpty());
        QVERIFY(p.permissions.allowed_hosts.isEmpty());
        QVERIFY(p.permissions.blocked_apis.isEmpty());

        // The facade's defaults are the C library's.
        qfs_policy *c = nullptr;
        QCOMPARE(qfs_policy_new(&c), 0);
        QCOMPARE(p.to_json(), c_json(c));
    }

    void builtins_data()
    {
        QTest::addColumn<SecurityPolicy>("policy");
        QTest::addColumn<int>("level");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("description");
        QTest::addColumn<qint64>("cpu");
        QTest::addColumn<int>("memory");
        QTest::addColumn<int>("disk");
        QTest::addColumn<int>("files");
        QTest::addColumn<int>("connections");
        QTest::addColumn<qint64>("timeout");
        QTest::addColumn<QString>("permissions"); // r w n p s g e, as 0/1
        QTest::addColumn<QStringList>("blocked");

        QTest::newRow("unrestricted")
            << SecurityPolicy::create_unrestricted_policy() << 0 << "unrestricted"
            << "Unrestricted access for trusted native plugins" << qint64(86400000) << 8192 << 100
            << 50 << 10 << qint64(3600000) << "1111111" << QStringList();
        QTest::newRow("limited") << SecurityPolicy::create_limited_policy() << 1 << "limited"
                                 << "Limited access with basic restrictions" << qint64(600000)
                                 << 512 << 200 << 100 << 20 << qint64(300000) << "1010000"
                                 << QStringList();
        QTest::newRow("sandboxed")
            << SecurityPolicy::create_sandboxed_policy() << 2 << "sandboxed"
            << "Full sandboxing with process isolation" << qint64(300000) << 256 << 100 << 50 << 10
            << qint64(120000) << "0000000" << QStringList();
        QTest::newRow("strict") << SecurityPolicy::create_strict_policy() << 3 << "strict"
                                << "Maximum security with minimal permissions" << qint64(120000)
                                << 128 << 50 << 25 << 5 << qint64(60000) << "0000000"
                                << QStringList { "system", "exec", "fork", "CreateProcess",
                                       "ShellExecute", "LoadLibrary", "dlopen", "mmap",
                                       "VirtualAlloc" };
    }

    void builtins()
    {
        QFETCH(SecurityPolicy, policy);
        QFETCH(int, level);
        QFETCH(QString, name);
        QFETCH(QString, description);
        QFETCH(qint64, cpu);
        QFETCH(int, memory);
        QFETCH(int, disk);
        QFETCH(int, files);
        QFETCH(int, connections);
        QFETCH(qint64, timeout);
        QFETCH(QString, permissions);
        QFETCH(QStringList, blocked);

        QCOMPARE(int(policy.level), level);
        QCOMPARE(policy.policy_name, name);
        QCOMPARE(policy.description, description);
        QCOMPARE(qint64(policy.limits.cpu_time_limit.count()), cpu);
        QCOMPARE(policy.limits.memory_limit_mb, size_t(memory));
        QCOMPARE(policy.limits.disk_space_limit_mb, size_t(disk));
        QCOMPARE(policy.limits.max_file_handles, files);
        QCOMPARE(policy.limits.max_network_connections, connections);
        QCOMPARE(qint64(policy.limits.execution_timeout.count()), timeout);
        const SecurityPermissions &m = policy.permissions;
        const QString flags = QString::number(m.allow_file_system_read)
            + QString::number(m.allow_file_system_write) + QString::number(m.allow_network_access)
            + QString::number(m.allow_process_creation) + QString::number(m.allow_system_calls)
            + QString::number(m.allow_registry_access)
            + QString::number(m.allow_environment_access);
        QCOMPARE(flags, permissions);
        QCOMPARE(m.blocked_apis, blocked);
        QVERIFY(m.allowed_hosts.isEmpty());

        // Directories: the temp location (and, for limited, the cache
        // location), each listed when it exists.
        QStringList dirs;
        const QString temp = QFileInfo(QDir::tempPath()).absoluteFilePath();
        QString cache = qEnvironmentVariable("XDG_CACHE_HOME");
        if (!QDir::isAbsolutePath(cache))
            cache = QDir::homePath() + QStringLiteral("/.cache");
        if (name == QLatin1String("limited") || name == QLatin1String("sandboxed"))
            dirs << temp;
        if (name == QLatin1String("limited") && QFileInfo(cache).isDir())
            dirs << cache;
        QCOMPARE(m.allowed_directories, dirs);

        // And they are the C library's built-ins.
        qfs_policy *c = nullptr;
        QCOMPARE(qfs_policy_new_builtin(name.toUtf8().constData(), &c), 0);
        QCOMPARE(policy.to_json(), c_json(c));
    }

    void jsonShape()
    {
        const QJsonObject j = SecurityPolicy::create_strict_policy().to_json();
        QCOMPARE(j.value(QLatin1String("level")).toInt(), 3);
        QCOMPARE(j.value(QLatin1String("policy_name")).toString(), QStringLiteral("strict"));
        const QJsonObject limits = j.value(QLatin1String("limits")).toObject();
        QCOMPARE(limits.value(QLatin1String("cpu_time_limit")).toInteger(), 120000);
        QCOMPARE(limits.value(QLatin1String("memory_limit_mb")).toInteger(), 128);
        QCOMPARE(limits.value(QLatin1String("disk_space_limit_mb")).toInteger(), 50);
        QCOMPARE(limits.value(QLatin1String("max_file_handles")).toInteger(), 25);
        QCOMPARE(limits.value(QLatin1String("max_network_connections")).toInteger(), 5);
        QCOMPARE(limits.value(QLatin1String("execution_timeout")).toInteger(), 60000);
        QCOMPARE(limits.value(QLatin1String("max_processes")).toInteger(), 64);
        const QJsonObject perms = j.value(QLatin1String("permissions")).toObject();
        QCOMPARE(perms.value(QLatin1String("allow_file_system_read")), QJsonValue(false));
        QCOMPARE(perms.value(QLatin1String("blocked_apis")).toArray().size(), 9);
        QCOMPARE(j.value(QLatin1String("enforcement")).toString(), QStringLiteral("require"));
        QCOMPARE(j.value(QLatin1String("monitor_interval_ms")).toInteger(), 1000);

        QCOMPARE(SecurityPolicy().limits.to_json(),
            SecurityPolicy().to_json()[QLatin1String("limits")].toObject());
        QCOMPARE(SecurityPolicy::create_limited_policy().permissions.to_json(),
            SecurityPolicy::create_limited_policy()
                .to_json()[QLatin1String("permissions")]
                .toObject());
    }

    void roundTrip()
    {
        const SecurityPolicy p = everything_changed();
        auto back = SecurityPolicy::from_json(p.to_json());
        QVERIFY2(back, back ? "" : back.error().message.c_str());
        QCOMPARE(*back, p);

        auto limits = ResourceLimits::from_json(p.limits.to_json());
        QVERIFY(limits);
        QCOMPARE(*limits, p.limits);
        auto perms = SecurityPermissions::from_json(p.permissions.to_json());
        QVERIFY(perms);
        QCOMPARE(*perms, p.permissions);
    }

    void seedDocumentExample()
    {
        // The JSON example of the QtForge documentation.
        const QByteArray text = R"({
            "level": 2,
            "policy_name": "web_plugin",
            "description": "Policy for web-based plugins",
            "limits": {
                "cpu_time_limit": 300000,
                "memory_limit_mb": 256,
                "execution_timeout": 120000
            },
            "permissions": {
                "allow_network_access": true,
                "allowed_hosts": ["api.example.com", "*.cdn.com"],
                "blocked_apis": ["system", "exec"]
            }
        })";
        auto p = SecurityPolicy::from_json(QJsonDocument::fromJson(text).object());
        QVERIFY(p);
        QCOMPARE(p->level, SandboxSecurityLevel::Sandboxed);
        QCOMPARE(p->policy_name, QStringLiteral("web_plugin"));
        QCOMPARE(p->limits.cpu_time_limit, 300000ms);
        QCOMPARE(p->limits.max_file_handles, 50); // missing keys keep defaults
        QVERIFY(p->permissions.allow_network_access);
        QVERIFY(!p->permissions.allow_file_system_read);
        QCOMPARE(p->permissions.allowed_hosts,
            QStringList({ QStringLiteral("api.example.com"), QStringLiteral("*.cdn.com") }));
        QCOMPARE(p->permissions.blocked_apis,
            QStringList({ QStringLiteral("system"), QStringLiteral("exec") }));
        QString message;
        QVERIFY2(SecurityPolicyValidator::validate_policy(*p, message), qPrintable(message));
    }

    void missingKeysKeepDefaults()
    {
        auto l
            = ResourceLimits::from_json(QJsonObject { { QLatin1String("memory_limit_mb"), 64 } });
        QVERIFY(l);
        QCOMPARE(l->memory_limit_mb, size_t(64));
        QCOMPARE(l->cpu_time_limit, 30000ms);
        auto m = SecurityPermissions::from_json(
            QJsonObject { { QLatin1String("allow_network_access"), true } });
        QVERIFY(m);
        QVERIFY(m->allow_network_access);
        QVERIFY(!m->allow_file_system_read);
        auto p = SecurityPolicy::from_json(QJsonObject {});
        QVERIFY(p);
        QCOMPARE(*p, SecurityPolicy());
    }

    void jsonErrors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("wrong type")
            << QByteArray(R"({"limits":{"memory_limit_mb":"lots"}})") << "limits.memory_limit_mb"
            << "limits.memory_limit_mb must be a non-negative integer, "
               "not a string";
        QTest::newRow("negative") << QByteArray(R"({"limits":{"max_file_handles":-1}})")
                                  << "limits.max_file_handles"
                                  << "limits.max_file_handles must be a non-negative integer, "
                                     "not -1";
        QTest::newRow("unknown key") << QByteArray(R"({"permissions":{"allow_teleport":true}})")
                                     << "permissions.allow_teleport"
                                     << "unknown key \"permissions.allow_teleport\"";
        QTest::newRow("bool") << QByteArray(R"({"permissions":{"allow_network_access":1}})")
                              << "permissions.allow_network_access"
                              << "permissions.allow_network_access must be true or false";
        QTest::newRow("list") << QByteArray(R"({"permissions":{"blocked_apis":["exec",3]}})")
                              << "permissions.blocked_apis[1]"
                              << "permissions.blocked_apis[1] must be a string";
    }

    void jsonErrors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, message);
        auto p = SecurityPolicy::from_json(QJsonDocument::fromJson(json).object());
        QVERIFY(!p);
        QCOMPARE(p.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(QString::fromStdString(p.error().details), field);
        QVERIFY2(QString::fromStdString(p.error().message).startsWith(message),
            p.error().message.c_str());
    }

    void limitsAndPermissionsErrorsNameTheirObject()
    {
        auto l = ResourceLimits::from_json(
            QJsonObject { { QLatin1String("execution_timeout"), 1.5 } });
        QVERIFY(!l);
        QCOMPARE(l.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(l.error().details, std::string("limits.execution_timeout"));
        auto m = SecurityPermissions::from_json(QJsonObject { { QLatin1String("level"), 2 } });
        QVERIFY(!m);
        QCOMPARE(m.error().details, std::string("permissions.level"));
    }

    void outOfRangeForTheFacadeType()
    {
        // Valid JSON for the C schema, but too big for QtForge's int field.
        auto l = ResourceLimits::from_json(
            QJsonObject { { QLatin1String("max_file_handles"), qint64(1) << 40 } });
        QVERIFY(!l);
        QCOMPARE(l.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(l.error().details, std::string("limits.max_file_handles"));
    }

    void validator()
    {
        QString message;
        QVERIFY(SecurityPolicyValidator::validate_policy(
            SecurityPolicy::create_strict_policy(), message));
        QVERIFY(message.isEmpty());
        SecurityPolicy bad;
        bad.permissions.blocked_apis = { QStringLiteral("no_such_api") };
        QVERIFY(!SecurityPolicyValidator::validate_policy(bad, message));
        QVERIFY2(
            message.contains(QLatin1String("permissions.blocked_apis[0]")), qPrintable(message));
        bad = SecurityPolicy();
        bad.permissions.allowed_directories = { QStringLiteral("relative/dir") };
        QVERIFY(!SecurityPolicyValidator::validate_policy(bad, message));
        QVERIFY2(message.contains(QLatin1String("must be an absolute path")), qPrintable(message));
    }

    void usageToJson()
    {
        ResourceUsage u;
        u.cpu_time_used = 1234ms;
        u.memory_used_mb = 56;
        u.disk_space_used_mb = 7;
        u.file_handles_used = 8;
        u.network_connections_used = 9;
        u.start_time = std::chrono::steady_clock::time_point(123456789ms);
        const QJsonObject j = u.to_json();
        QCOMPARE(j.size(), 6);
        QCOMPARE(j.value(QLatin1String("cpu_time_used")).toInteger(), 1234);
        QCOMPARE(j.value(QLatin1String("memory_used_mb")).toInteger(), 56);
        QCOMPARE(j.value(QLatin1String("disk_space_used_mb")).toInteger(), 7);
        QCOMPARE(j.value(QLatin1String("file_handles_used")).toInteger(), 8);
        QCOMPARE(j.value(QLatin1String("network_connections_used")).toInteger(), 9);
        QCOMPARE(j.value(QLatin1String("start_time")).toInteger(), 123456789);
    }

    void exceedsLimits()
    {
        ResourceLimits l;
        ResourceUsage u;
        u.start_time = std::chrono::steady_clock::now();
        u.cpu_time_used = l.cpu_time_limit;
        u.memory_used_mb = l.memory_limit_mb;
        u.disk_space_used_mb = l.disk_space_limit_mb;
        u.file_handles_used = l.max_file_handles;
        u.network_connections_used = l.max_network_connections;
        QVERIFY(!u.exceeds_limits(l)); // equal is not exceeding

        ResourceUsage v = u;
        v.cpu_time_used += 1ms;
        QVERIFY(v.exceeds_limits(l));
        v = u;
        v.memory_used_mb++;
        QVERIFY(v.exceeds_limits(l));
        v = u;
        v.disk_space_used_mb++;
        QVERIFY(v.exceeds_limits(l));
        v = u;
        v.file_handles_used++;
        QVERIFY(v.exceeds_limits(l));
        v = u;
        v.network_connections_used++;
        QVERIFY(v.exceeds_limits(l));
        v = u;
        v.start_time = std::chrono::steady_clock::now() - l.execution_timeout - 10ms;
        QVERIFY(v.exceeds_limits(l));
        v.start_time = std::chrono::steady_clock::now() - l.execution_timeout + 10s;
        QVERIFY(!v.exceeds_limits(l));
    }

    void metatypes()
    {
        QVERIFY(QMetaType::fromName("qtplugin::ResourceUsage").isValid());
        QVERIFY(QMetaType::fromName("ResourceUsage").isValid());
        QCOMPARE(QMetaType::fromName("ResourceUsage"), QMetaType::fromType<ResourceUsage>());
        QVERIFY(QMetaType::fromName("qtplugin::SecurityEvent").isValid());
        QCOMPARE(QMetaType::fromName("SecurityEvent"), QMetaType::fromType<SecurityEvent>());
    }
};

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_qt_policy.moc"
