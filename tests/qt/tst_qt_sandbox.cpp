// SPDX-License-Identifier: LGPL-2.1-or-later
// PluginSandbox without starting a plugin: its error codes, their order, the
// policy life cycle, and the signal signatures old-style connections use.
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace qtplugin;
using namespace std::chrono_literals;

// A receiver in another thread, connected with old-style strings.
class Receiver : public QObject
{
    Q_OBJECT

public:
    int usages = 0;
    qtplugin::ResourceUsage last;
    QThread *delivered_in = nullptr;

public slots:
    void on_usage(const qtplugin::ResourceUsage &usage)
    {
        usages++;
        last = usage;
        delivered_in = QThread::currentThread();
    }
};

class TestSandbox : public QObject
{
    Q_OBJECT

private slots:
    void initializeTwiceIsInvalidState()
    {
        PluginSandbox s(SecurityPolicy::create_strict_policy());
        QVERIFY(!s.is_active());
        QVERIFY(s.initialize());
        QVERIFY(s.is_active());
        auto again = s.initialize();
        QVERIFY(!again);
        QCOMPARE(again.error().code, PluginErrorCode::InvalidState);
        QCOMPARE(int(again.error().code), 309);
        QCOMPARE(again.error().message, std::string("Sandbox is already initialized"));

        s.shutdown();
        QVERIFY(!s.is_active());
        s.shutdown(); // twice is safe
        QVERIFY(s.initialize()); // and it can start over
        QVERIFY(s.is_active());
    }

    void initializeChecksInQtForgeOrder_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("memory");
        QTest::addColumn<qint64>("cpu");
        QTest::addColumn<qint64>("timeout");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("field");
        QTest::newRow("everything wrong")
            << "" << 0 << qint64(0) << qint64(0) << "Security policy name cannot be empty"
            << "policy_name";
        QTest::newRow("memory first")
            << "x" << 0 << qint64(-1) << qint64(0) << "Memory limit must be greater than 0"
            << "limits.memory_limit_mb";
        QTest::newRow("cpu then") << "x" << 1 << qint64(-1) << qint64(0)
                                  << "CPU time limit must be positive"
                                  << "limits.cpu_time_limit";
        QTest::newRow("timeout last")
            << "x" << 1 << qint64(1) << qint64(-5) << "Execution timeout must be positive"
            << "limits.execution_timeout";
    }

    void initializeChecksInQtForgeOrder()
    {
        QFETCH(QString, name);
        QFETCH(int, memory);
        QFETCH(qint64, cpu);
        QFETCH(qint64, timeout);
        QFETCH(QString, message);
        QFETCH(QString, field);
        SecurityPolicy p;
        p.policy_name = name;
        p.limits.memory_limit_mb = size_t(memory);
        p.limits.cpu_time_limit = std::chrono::milliseconds(cpu);
        p.limits.execution_timeout = std::chrono::milliseconds(timeout);
        PluginSandbox s(p);
        auto r = s.initialize();
        QVERIFY(!r);
        QCOMPARE(r.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(int(r.error().code), 310);
        QCOMPARE(QString::fromStdString(r.error().message), message);
        QCOMPARE(QString::fromStdString(r.error().details), field);
        QVERIFY(!s.is_active());
    }

    void initializeThenTheCValidation()
    {
        SecurityPolicy p;
        p.permissions.blocked_apis = { QStringLiteral("exec"), QStringLiteral("teleport") };
        PluginSandbox s(p);
        auto r = s.initialize();
        QVERIFY(!r);
        QCOMPARE(r.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(r.error().details, std::string("permissions.blocked_apis[1]"));
        QVERIFY2(QString::fromStdString(r.error().message).contains(QLatin1String("teleport")),
            r.error().message.c_str());

        p = SecurityPolicy();
        p.level = SandboxSecurityLevel(7);
        PluginSandbox s2(p);
        r = s2.initialize();
        QVERIFY(!r);
        QCOMPARE(r.error().details, std::string("level"));
    }

    void executeErrors()
    {
        PluginSandbox s(SecurityPolicy::create_strict_policy());
        auto r = s.execute_plugin(QStringLiteral(QFS_QT_PLUGIN), PluginType::Native);
        QVERIFY(!r);
        QCOMPARE(r.error().code, PluginErrorCode::InvalidState);
        QCOMPARE(r.error().message, std::string("Sandbox is not initialized"));

        QVERIFY(s.initialize());
        r = s.execute_plugin(QStringLiteral("/no/such/plugin"), PluginType::Native);
        QVERIFY(!r);
        QCOMPARE(r.error().code, PluginErrorCode::FileNotFound);
        QCOMPARE(int(r.error().code), 100);
        QCOMPARE(r.error().message, std::string("Plugin file not found: /no/such/plugin"));
        r = s.execute_plugin(QString(), PluginType::Python);
        QCOMPARE(r.error().code, PluginErrorCode::FileNotFound);

        for (PluginType t : { PluginType::Remote, PluginType::Composite }) {
            r = s.execute_plugin(QStringLiteral(QFS_QT_PLUGIN), t);
            QVERIFY(!r);
            QCOMPARE(r.error().code, PluginErrorCode::NotSupported);
            QCOMPARE(int(r.error().code), 314);
        }
        QVERIFY(!s.is_running());
        QCOMPARE(s.plugin_pid(), qint64(0));
    }

    void policyLifeCycle()
    {
        PluginSandbox s(SecurityPolicy::create_strict_policy());
        QCOMPARE(s.get_policy(), SecurityPolicy::create_strict_policy());
        // Not active yet: stored as is (QtForge did the same).
        QVERIFY(s.update_policy(SecurityPolicy::create_limited_policy()));
        QCOMPARE(s.get_policy().policy_name, QStringLiteral("limited"));
        QVERIFY(s.initialize());
        QVERIFY(s.update_policy(SecurityPolicy::create_sandboxed_policy()));
        QCOMPARE(s.get_policy().level, SandboxSecurityLevel::Sandboxed);
        // Active: the C validation judges the new policy.
        SecurityPolicy bad = SecurityPolicy::create_sandboxed_policy();
        bad.permissions.allowed_hosts = { QStringLiteral("*") };
        auto r = s.update_policy(bad);
        QVERIFY(!r);
        QCOMPARE(r.error().code, PluginErrorCode::InvalidConfiguration);
        QCOMPARE(r.error().details, std::string("permissions.allowed_hosts[0]"));
        QCOMPARE(s.get_policy().level, SandboxSecurityLevel::Sandboxed); // unchanged
    }

    void usageBeforeAnyRun()
    {
        PluginSandbox s(SecurityPolicy::create_strict_policy());
        const auto before = std::chrono::steady_clock::now();
        QVERIFY(s.initialize());
        const ResourceUsage u = s.get_resource_usage();
        QCOMPARE(u.cpu_time_used, 0ms);
        QCOMPARE(u.memory_used_mb, size_t(0));
        QVERIFY(u.start_time >= before);
        QVERIFY(!u.exceeds_limits(s.get_policy().limits));
        QVERIFY(!s.wait_for_finished(0) || !s.is_running());
    }

    void oldStyleSignatures()
    {
        // The normalised signatures existing QtForge code connects with.
        PluginSandbox s(SecurityPolicy {});
        const QMetaObject *mo = s.metaObject();
        for (const char *sig : { "resource_usage_updated(ResourceUsage)",
                 "security_violation(QString,QJsonObject)", "execution_completed(int,QJsonObject)",
                 "resource_limit_exceeded(QString,QJsonObject)" })
            QVERIFY2(mo->indexOfSignal(sig) >= 0, sig);
        QVERIFY(SandboxManager::staticMetaObject.indexOfSignal("sandbox_created(QString)") >= 0);

        QSignalSpy usage(&s, SIGNAL(resource_usage_updated(ResourceUsage)));
        QVERIFY(usage.isValid());
        QSignalSpy violation(&s, SIGNAL(security_violation(QString, QJsonObject)));
        QVERIFY(violation.isValid());
        QSignalSpy completed(&s, SIGNAL(execution_completed(int, QJsonObject)));
        QVERIFY(completed.isValid());
    }

    void queuedOldStyleConnectionCarriesResourceUsage()
    {
        PluginSandbox s(SecurityPolicy {});
        QThread thread;
        Receiver receiver;
        receiver.moveToThread(&thread);
        thread.start();
        QVERIFY(connect(&s, SIGNAL(resource_usage_updated(ResourceUsage)), &receiver,
            SLOT(on_usage(qtplugin::ResourceUsage)), Qt::QueuedConnection));
        ResourceUsage u;
        u.memory_used_mb = 77;
        u.cpu_time_used = 1234ms;
        emit s.resource_usage_updated(u);
        QTRY_COMPARE(receiver.usages, 1);
        QCOMPARE(receiver.last.memory_used_mb, size_t(77));
        QCOMPARE(receiver.last.cpu_time_used, 1234ms);
        QCOMPARE(receiver.delivered_in, &thread);
        thread.quit();
        thread.wait();
    }
};

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_qt_sandbox.moc"
