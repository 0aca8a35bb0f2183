// SPDX-License-Identifier: LGPL-2.1-or-later
// PluginSandbox, SandboxManager and SecurityEnforcer with real plugins under
// real sandboxes: every signal with its exact arguments.
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>
#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QPointer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <signal.h>
#include <thread>

#include <qfsandbox/probe.h>

Q_DECLARE_METATYPE(qtplugin::PluginType)

using namespace qtplugin;
using namespace std::chrono_literals;

namespace {

const QString plugin = QStringLiteral(QFS_QT_PLUGIN);

QJsonObject args(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

// A policy the plugin can run under at @level, with the usual limits.
SecurityPolicy policy_at(SandboxSecurityLevel level)
{
    SecurityPolicy p;
    p.level = level;
    p.policy_name = QStringLiteral("test");
    p.limits.execution_timeout = 20000ms;
    p.limits.cpu_time_limit = 20000ms;
    return p;
}

} // namespace

// Why this host cannot enforce @level, or an empty string.
QString unavailable(SandboxSecurityLevel level)
{
    qfs_error err {};
    return qfs_probe_level(int(level), &err) < 0 ? QString::fromUtf8(err.message) : QString();
}

// Skips the test, naming the missing layers, when this host cannot enforce
// @level; otherwise starts @path and fails on any error.
#define START_OR_SKIP(sandbox, level, path, type, arguments)                                       \
    if (const QString why_ = unavailable(level); !why_.isEmpty())                                  \
        QSKIP(qPrintable(why_));                                                                   \
    auto started = (sandbox).execute_plugin((path), (type), arguments);                            \
    QVERIFY2(started, started ? "" : started.error().to_string().c_str())

class TestSandboxLive : public QObject
{
    Q_OBJECT

public:
    int m_old_completed = -1;
    int m_old_usage = 0;

public slots:
    void old_completed(int code, const QJsonObject &) { m_old_completed = code; }
    void old_usage(const qtplugin::ResourceUsage &) { m_old_usage++; }

private slots:
    void completionCarriesOutputAndExitCode()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Strict));
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QSignalSpy violations(&s, &PluginSandbox::security_violation);
        // As existing QtForge code connects: old-style strings.
        m_old_completed = -1;
        QVERIFY(connect(&s, SIGNAL(execution_completed(int, QJsonObject)), this,
            SLOT(old_completed(int, QJsonObject))));
        START_OR_SKIP(s, SandboxSecurityLevel::Strict, plugin, PluginType::Native, {});

        const QJsonObject r = *started;
        QCOMPARE(r.size(), 3);
        QCOMPARE(r.value(QLatin1String("status")).toString(), QStringLiteral("started"));
        QCOMPARE(r.value(QLatin1String("plugin_path")).toString(), plugin);
        const qint64 pid = r.value(QLatin1String("pid")).toInteger();
        QVERIFY(pid > 0);
        QCOMPARE(s.plugin_pid(), pid);

        QVERIFY(completed.wait(10000));
        QCOMPARE(completed.count(), 1);
        QCOMPARE(completed.at(0).at(0).toInt(), 0);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("exit_code")).toInt(), 0);
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("normal"));
        QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("exited"));
        QCOMPARE(result.value(QLatin1String("stdout")).toString(), QStringLiteral("hello\n"));
        QCOMPARE(result.value(QLatin1String("stderr")).toString(), QStringLiteral("warning\n"));
        const QJsonObject usage = result.value(QLatin1String("resource_usage")).toObject();
        for (const char *key : { "cpu_time_used", "memory_used_mb", "disk_space_used_mb",
                 "file_handles_used", "network_connections_used", "start_time" })
            QVERIFY2(usage.contains(QLatin1String(key)), key);
        QVERIFY(!result.contains(QLatin1String("signal")));
        QCOMPARE(violations.count(), 0);
        QCOMPARE(m_old_completed, 0);
        QVERIFY(!s.is_running());
    }

    void argumentsAreCompactJson()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode": "echo", "code": 7})"));
        QVERIFY(completed.wait(10000));
        QCOMPARE(completed.at(0).at(0).toInt(), 7);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("normal"));
        QCOMPARE(result.value(QLatin1String("stdout")).toString(),
            QStringLiteral("--args\n{\"code\":7,\"mode\":\"echo\"}\n"));
        QVERIFY(!result.contains(QLatin1String("stderr"))); // empty: absent
    }

    void busyWhileRunning()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        QVERIFY(s.is_running());
        auto again = s.execute_plugin(plugin, PluginType::Native);
        QVERIFY(!again);
        QCOMPARE(again.error().code, PluginErrorCode::InvalidState);
        QCOMPARE(again.error().message,
            std::string("Another plugin is already running in this sandbox"));
        auto update = s.update_policy(SecurityPolicy::create_strict_policy());
        QVERIFY(!update);
        QCOMPARE(update.error().code, PluginErrorCode::InvalidState);
        QCOMPARE(s.get_policy().policy_name, QStringLiteral("test"));
        s.terminate_plugin();
        QVERIFY(!s.is_running()); // reaped before terminate_plugin() returned
        QVERIFY(s.update_policy(SecurityPolicy::create_strict_policy()));
    }

    void terminateReportsACrash()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QSignalSpy violations(&s, &PluginSandbox::security_violation);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        QElapsedTimer t;
        t.start();
        s.terminate_plugin();
        QTRY_COMPARE(completed.count(), 1);
        QVERIFY(t.elapsed() < 5000);
        QCOMPARE(completed.at(0).at(0).toInt(), SIGKILL);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("crashed"));
        QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("signaled"));
        QCOMPARE(result.value(QLatin1String("signal")).toInt(), SIGKILL);
        // QtForge's process_error, before the completion.
        QCOMPARE(violations.count(), 1);
        QCOMPARE(violations.at(0).at(0).toString(), QStringLiteral("process_error"));
        const QJsonObject details = violations.at(0).at(1).toJsonObject();
        QCOMPARE(details.value(QLatin1String("error_type")).toString(),
            QStringLiteral("Process crashed"));
        QCOMPARE(details.value(QLatin1String("error_code")).toInt(), 1);
    }

    void crash()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Limited));
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QSignalSpy violations(&s, &PluginSandbox::security_violation);
        START_OR_SKIP(s, SandboxSecurityLevel::Limited, plugin, PluginType::Native,
            args(R"({"mode":"crash"})"));
        QVERIFY(completed.wait(10000));
        QCOMPARE(completed.at(0).at(0).toInt(), SIGSEGV);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("crashed"));
        QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("signaled"));
        QCOMPARE(violations.count(), 1);
        QCOMPARE(violations.at(0).at(0).toString(), QStringLiteral("process_error"));
        QCOMPARE(
            violations.at(0).at(1).toJsonObject().value(QLatin1String("signal")).toInt(), SIGSEGV);
    }

    void memoryLimit()
    {
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Sandboxed);
        p.limits.memory_limit_mb = 32;
        PluginSandbox s(p);
        QVERIFY(s.initialize());
        QSignalSpy limits(&s, &PluginSandbox::resource_limit_exceeded);
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"alloc","mb":256,"ms":5000})"));
        QVERIFY(completed.wait(15000));
        QCOMPARE(limits.count(), 1);
        QCOMPARE(limits.at(0).at(0).toString(), QStringLiteral("memory"));
        const QJsonObject usage = limits.at(0).at(1).toJsonObject();
        QVERIFY(usage.contains(QLatin1String("memory_used_mb")));
        QVERIFY(usage.value(QLatin1String("memory_used_mb")).toInteger() <= 32);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(
            result.value(QLatin1String("status")).toString(), QStringLiteral("limit_exceeded"));
        QCOMPARE(result.value(QLatin1String("limit")).toString(), QStringLiteral("memory"));
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("crashed"));
    }

    void cpuLimit()
    {
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Limited);
        p.limits.cpu_time_limit = 300ms;
        PluginSandbox s(p);
        QVERIFY(s.initialize());
        QSignalSpy limits(&s, &PluginSandbox::resource_limit_exceeded);
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QElapsedTimer t;
        t.start();
        START_OR_SKIP(s, SandboxSecurityLevel::Limited, plugin, PluginType::Native,
            args(R"({"mode":"spin"})"));
        QVERIFY(completed.wait(10000));
        qInfo("cpu_time limit of 300 ms ended the spinner after %lld ms of wall time", t.elapsed());
        QCOMPARE(limits.count(), 1);
        QCOMPARE(limits.at(0).at(0).toString(), QStringLiteral("cpu_time"));
        const qint64 used
            = limits.at(0).at(1).toJsonObject().value(QLatin1String("cpu_time_used")).toInteger();
        QVERIFY2(used >= 300 && used < 1000, qPrintable(QString::number(used)));
        QCOMPARE(completed.at(0).at(1).toJsonObject().value(QLatin1String("limit")).toString(),
            QStringLiteral("cpu_time"));
    }

    void executionTimeout()
    {
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Sandboxed);
        p.limits.execution_timeout = 300ms;
        PluginSandbox s(p);
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QElapsedTimer t;
        t.start();
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        QVERIFY(completed.wait(10000));
        QVERIFY(t.elapsed() < 5000);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("timeout"));
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("crashed"));
    }

    void sandboxedReportsADeniedSyscall()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        QSignalSpy violations(&s, &PluginSandbox::security_violation);
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"ptrace"})"));
        QVERIFY(completed.wait(10000));

        QCOMPARE(violations.count(), 1);
        QCOMPARE(violations.at(0).at(0).toString(), QStringLiteral("UnauthorizedSystemCall"));
        const QJsonObject details = violations.at(0).at(1).toJsonObject();
        QCOMPARE(details.value(QLatin1String("syscall")).toString(), QStringLiteral("ptrace"));
        QVERIFY(details.value(QLatin1String("pid")).toInteger() > 0);
        // Sandboxed refuses the call and lets the plugin go on.
        QCOMPARE(completed.at(0).at(0).toInt(), 0);
        QCOMPARE(completed.at(0).at(1).toJsonObject().value(QLatin1String("status")).toString(),
            QStringLiteral("exited"));
    }

    void strictViolationReachesManagerAndEnforcer()
    {
        // Under Strict no program may be executed after the plugin's start,
        // and a violation ends the plugin.
        SandboxManager &m = SandboxManager::instance();
        auto created
            = m.create_sandbox(QStringLiteral("violator"), policy_at(SandboxSecurityLevel::Strict));
        QVERIFY(created);
        const auto remove = qScopeGuard([&m] { m.remove_sandbox(QStringLiteral("violator")); });
        PluginSandbox &s = **created;
        SecurityEnforcer enforcer(s.get_policy());
        enforcer.set_monitored_sandbox(&s);
        QSignalSpy violations(&s, &PluginSandbox::security_violation);
        QSignalSpy events(&m, &SandboxManager::security_event);
        QSignalSpy detected(&enforcer, &SecurityEnforcer::security_violation_detected);
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Strict, plugin, PluginType::Native,
            args(R"({"mode":"exec"})"));
        QVERIFY(completed.wait(10000));

        // The violation with everything the C event carries, then QtForge's
        // process_error for the plugin the sandbox ended.
        QCOMPARE(violations.count(), 2);
        QCOMPARE(violations.at(0).at(0).toString(), QStringLiteral("UnauthorizedProcessCreation"));
        const QJsonObject details = violations.at(0).at(1).toJsonObject();
        QCOMPARE(details.value(QLatin1String("type")).toString(),
            QStringLiteral("UnauthorizedProcessCreation"));
        QCOMPARE(details.value(QLatin1String("syscall")).toString(), QStringLiteral("execve"));
        const QString detail = details.value(QLatin1String("detail")).toString();
        QVERIFY2(detail.startsWith(QLatin1String("execve(\""))
                && detail.endsWith(QStringLiteral("\") — executing a program after the "
                                                  "plugin's start")),
            qPrintable(detail));
        // The level refuses it, not a blocked_apis entry.
        QVERIFY(!details.contains(QLatin1String("api")));
        QVERIFY(details.value(QLatin1String("pid")).toInteger() > 0);
        QCOMPARE(details.value(QLatin1String("count")).toInteger(), 1);
        QVERIFY(details.contains(QLatin1String("time_ms")));
        QCOMPARE(violations.at(1).at(0).toString(), QStringLiteral("process_error"));

        QCOMPARE(completed.at(0).at(0).toInt(), SIGKILL);
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("violation"));
        QCOMPARE(result.value(QLatin1String("exit_status")).toString(), QStringLiteral("crashed"));

        QCOMPARE(events.count(), 2);
        QCOMPARE(events.at(0).at(0).toString(), QStringLiteral("violator"));
        QCOMPARE(events.at(0).at(1).toString(), QStringLiteral("UnauthorizedProcessCreation"));
        QCOMPARE(events.at(0).at(2).toJsonObject(), details);
        QCOMPARE(events.at(1).at(1).toString(), QStringLiteral("process_error"));

        // The enforcer records the real violation (process_error is none).
        QCOMPARE(detected.count(), 1);
        const auto ev = detected.at(0).at(0).value<SecurityEvent>();
        QCOMPARE(ev.type, SecurityViolationType::UnauthorizedProcessCreation);
        QCOMPARE(ev.resource_path, QStringLiteral("execve"));
        QCOMPARE(ev.description, details.value(QLatin1String("detail")).toString());
        QCOMPARE(ev.details, details);
        QCOMPARE(enforcer.get_security_events().size(), size_t(1));
    }

    void usageUpdatesAtTheInterval()
    {
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Sandboxed);
        p.monitor_interval_ms = 100ms;
        PluginSandbox s(p);
        QVERIFY(s.initialize());
        QSignalSpy updates(&s, &PluginSandbox::resource_usage_updated);
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        QVERIFY(connect(&s, SIGNAL(resource_usage_updated(ResourceUsage)), this,
            SLOT(old_usage(qtplugin::ResourceUsage))));
        QVERIFY(connect(&s, SIGNAL(execution_completed(int, QJsonObject)), this,
            SLOT(old_completed(int, QJsonObject))));
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"alloc","mb":40,"ms":1500})"));
        QTRY_VERIFY_WITH_TIMEOUT(s.get_resource_usage().memory_used_mb >= 38, 3000);
        QVERIFY(completed.wait(10000));
        // 1.5 s at 100 ms: about 15 samples; allow for start-up and jitter.
        QVERIFY2(updates.count() >= 8 && updates.count() <= 20,
            qPrintable(QString::number(updates.count())));
        size_t peak = 0;
        for (const auto &args : std::as_const(updates)) {
            const auto u = args.at(0).value<ResourceUsage>();
            peak = std::max(peak, u.memory_used_mb);
            QVERIFY(u.start_time > std::chrono::steady_clock::time_point());
        }
        QVERIFY2(peak >= 38, qPrintable(QString::number(peak)));
        QCOMPARE(m_old_usage, updates.count());
        QCOMPARE(m_old_completed, 0);
        // After the end: the final usage.
        QVERIFY(s.get_resource_usage().cpu_time_used > 0ms);
    }

    void deleteFromInsideExecutionCompleted()
    {
        auto *s = new PluginSandbox(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s->initialize());
        QPointer<PluginSandbox> guard(s);
        const auto cleanup = qScopeGuard([&guard] { delete guard.data(); }); // on failure
        int calls = 0;
        connect(s, &PluginSandbox::execution_completed, this, [&calls, s] {
            calls++;
            delete s;
        });
        // A second slot on the same signal must not run on a deleted object.
        connect(s, &PluginSandbox::execution_completed, s, [&calls] { calls += 100; });
        START_OR_SKIP(*s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native, {});
        QTRY_VERIFY(!guard);
        QCOMPARE(calls, 1);
        // The loop goes on serving other sandboxes.
        PluginSandbox other(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(other.initialize());
        QSignalSpy completed(&other, &PluginSandbox::execution_completed);
        QVERIFY(other.execute_plugin(plugin, PluginType::Native));
        QVERIFY(completed.wait(10000));
    }

    void deleteWhileRunningFromAUsageSlot()
    {
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Sandboxed);
        p.monitor_interval_ms = 50ms;
        auto *s = new PluginSandbox(p);
        QVERIFY(s->initialize());
        QPointer<PluginSandbox> guard(s);
        const auto cleanup = qScopeGuard([&guard] { delete guard.data(); }); // on failure
        connect(s, &PluginSandbox::resource_usage_updated, this, [s] { delete s; });
        START_OR_SKIP(*s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        const qint64 pid = started->value(QLatin1String("pid")).toInteger();
        QTRY_VERIFY(!guard);
        // Deleting the sandbox ended the plugin: judged from the host.
        QTRY_VERIFY(kill(pid_t(pid), 0) < 0);
    }

    void waitForFinishedWithoutEventLoop()
    {
        if (const QString why = unavailable(SandboxSecurityLevel::Sandboxed); !why.isEmpty())
            QSKIP(qPrintable(why));
        std::atomic<int> completed { -1 };
        std::atomic<bool> in_own_thread { false };
        std::atomic<bool> finished { false };
        QString error;
        std::thread worker([&] {
            PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
            if (!s.initialize())
                return;
            QObject::connect(&s, &PluginSandbox::execution_completed, [&](int code) {
                completed = code;
                in_own_thread = QThread::currentThread() == s.thread();
            });
            auto r
                = s.execute_plugin(plugin, PluginType::Native, args(R"({"mode":"echo","code":5})"));
            if (!r) {
                error = QString::fromStdString(r.error().to_string());
                return;
            }
            finished = s.wait_for_finished(10000);
        });
        worker.join();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(finished);
        QCOMPARE(completed.load(), 5);
        QVERIFY(in_own_thread);
    }

    void waitForFinishedTimesOut()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        QElapsedTimer t;
        t.start();
        QVERIFY(!s.wait_for_finished(200));
        QVERIFY(t.elapsed() >= 190 && t.elapsed() < 2000);
        QVERIFY(s.is_running());
        s.shutdown(); // ends it
        QVERIFY(!s.is_running());
    }

    void shutdownEndsARunningPlugin()
    {
        PluginSandbox s(policy_at(SandboxSecurityLevel::Sandboxed));
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed, plugin, PluginType::Native,
            args(R"({"mode":"sleep","ms":10000})"));
        const pid_t pid = pid_t(started->value(QLatin1String("pid")).toInteger());
        s.shutdown();
        QVERIFY(!s.is_active());
        QCOMPARE(kill(pid, 0), -1); // gone, judged from the host
        QTRY_COMPARE(completed.count(), 1);
        QCOMPARE(completed.at(0).at(1).toJsonObject().value(QLatin1String("exit_status")),
            QJsonValue(QStringLiteral("crashed")));
        s.shutdown();
    }

    void interpreters_data()
    {
        QTest::addColumn<PluginType>("type");
        QTest::addColumn<QString>("script");
        QTest::addColumn<QString>("interpreter");
        QTest::addColumn<QString>("output");
        QTest::newRow("python") << PluginType::Python << "hello.py"
                                << "python3"
                                << "hello from python\n";
        QTest::newRow("javascript") << PluginType::JavaScript << "hello.js"
                                    << "node"
                                    << "hello from javascript\n";
        QTest::newRow("lua") << PluginType::Lua << "hello.lua"
                             << "lua"
                             << "hello from lua\n";
    }

    void interpreters()
    {
        QFETCH(PluginType, type);
        QFETCH(QString, script);
        QFETCH(QString, interpreter);
        QFETCH(QString, output);
        if (QStandardPaths::findExecutable(interpreter, { QStringLiteral("/usr/bin") }).isEmpty())
            QSKIP("interpreter not installed");
        SecurityPolicy p = policy_at(SandboxSecurityLevel::Sandboxed);
        p.limits.memory_limit_mb = 1024; // node reserves a lot of address space
        PluginSandbox s(p);
        QVERIFY(s.initialize());
        QSignalSpy completed(&s, &PluginSandbox::execution_completed);
        START_OR_SKIP(s, SandboxSecurityLevel::Sandboxed,
            QStringLiteral(QFS_QT_SCRIPTS "/") + script, type, {});
        QVERIFY(completed.wait(20000));
        const QJsonObject result = completed.at(0).at(1).toJsonObject();
        QVERIFY2(completed.at(0).at(0).toInt() == 0, QJsonDocument(result).toJson().constData());
        QCOMPARE(result.value(QLatin1String("stdout")).toString(), output);
    }
};

QTEST_GUILESS_MAIN(TestSandboxLive)
#include "tst_qt_sandbox_live.moc"
