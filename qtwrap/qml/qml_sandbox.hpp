// SPDX-License-Identifier: LGPL-2.1-or-later
//
// QML types of the QtForge.Sandbox module:
//
//     import QtForge.Sandbox
//     Sandbox {
//         id: box
//         policyName: "strict"            // a policy registered with SandboxManager
//         onViolation: (type, details) => console.log(type, details.syscall)
//     }
//     Text { text: box.running ? box.usage.memoryUsedMb + " MB" : "idle" }
//     ... box.execute("/path/to/plugin", Sandbox.Native, { mode: "fast" })
//
// A Sandbox wraps one qtplugin::PluginSandbox.  Every property has a NOTIFY
// signal, and setters emit only when the value changes.
#pragma once

#include <QObject>
#include <QString>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <memory>

#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

namespace qtplugin::qml {

// ResourceUsage as a QML value type (Sandbox.usage).
class SandboxUsage
{
    Q_GADGET
    QML_VALUE_TYPE(sandboxUsage)
    Q_PROPERTY(qint64 cpuTimeUsed READ cpuTimeUsed CONSTANT)
    Q_PROPERTY(qint64 memoryUsedMb READ memoryUsedMb CONSTANT)
    Q_PROPERTY(qint64 diskSpaceUsedMb READ diskSpaceUsedMb CONSTANT)
    Q_PROPERTY(int fileHandlesUsed READ fileHandlesUsed CONSTANT)
    Q_PROPERTY(int networkConnectionsUsed READ networkConnectionsUsed CONSTANT)
    Q_PROPERTY(qint64 startTime READ startTime CONSTANT)

public:
    SandboxUsage() = default;
    explicit SandboxUsage(const ResourceUsage &usage)
        : m_usage(usage)
    { }

    qint64 cpuTimeUsed() const { return m_usage.cpu_time_used.count(); } // ms
    qint64 memoryUsedMb() const { return qint64(m_usage.memory_used_mb); }
    qint64 diskSpaceUsedMb() const { return qint64(m_usage.disk_space_used_mb); }
    int fileHandlesUsed() const { return m_usage.file_handles_used; }
    int networkConnectionsUsed() const { return m_usage.network_connections_used; }
    // Milliseconds of the steady clock.
    qint64 startTime() const;

    bool operator==(const SandboxUsage &other) const;

private:
    ResourceUsage m_usage;
};

class Sandbox : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    // Initialized (true) or shut down (false); execute() activates it.
    Q_PROPERTY(bool active READ active WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
    // Host pid of the running or last plugin, 0 before the first.
    Q_PROPERTY(qint64 pid READ pid NOTIFY pidChanged)
    // A policy registered with SandboxManager ("strict", "sandboxed", ...).
    Q_PROPERTY(QString policyName READ policyName WRITE setPolicyName NOTIFY policyNameChanged)
    // The policy's level, 0 (Unrestricted) to 3 (Strict).
    Q_PROPERTY(
        int securityLevel READ securityLevel WRITE setSecurityLevel NOTIFY securityLevelChanged)
    Q_PROPERTY(int monitorIntervalMs READ monitorIntervalMs WRITE setMonitorIntervalMs NOTIFY
            monitorIntervalMsChanged)
    Q_PROPERTY(qtplugin::qml::SandboxUsage usage READ usage NOTIFY usageChanged)
    Q_PROPERTY(int violationCount READ violationCount NOTIFY violationCountChanged)
    // Why the last call that could fail failed; empty after a success.
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)

public:
    enum Type { Native = 0, Python = 1, JavaScript = 2, Lua = 3 };
    Q_ENUM(Type)

    explicit Sandbox(QObject *parent = nullptr);
    ~Sandbox() override;

    bool active() const;
    void setActive(bool active);
    bool running() const { return m_running; }
    qint64 pid() const { return m_pid; }
    QString policyName() const;
    void setPolicyName(const QString &name);
    int securityLevel() const;
    void setSecurityLevel(int level);
    int monitorIntervalMs() const;
    void setMonitorIntervalMs(int ms);
    SandboxUsage usage() const { return m_usage; }
    int violationCount() const { return m_violations; }
    QString lastError() const { return m_lastError; }

    // Starts @path (activating the sandbox first); false with lastError set
    // when it cannot.  @arguments reach the plugin as --args <JSON>.
    Q_INVOKABLE bool execute(
        const QString &path, int type = Native, const QVariantMap &arguments = {});
    Q_INVOKABLE void terminate();

signals:
    void activeChanged();
    void runningChanged();
    void pidChanged();
    void policyNameChanged();
    void securityLevelChanged();
    void monitorIntervalMsChanged();
    void usageChanged();
    void violationCountChanged();
    void lastErrorChanged();
    // PluginSandbox's signals, in QML types.
    void violation(const QString &type, const QVariantMap &details);
    void limitExceeded(const QString &resource, const QVariantMap &usage);
    void finished(int exitCode, const QVariantMap &result);

private:
    bool applyPolicy(const SecurityPolicy &policy);
    void setRunning(bool running);
    void setPid(qint64 pid);
    void setUsage(const SandboxUsage &usage);
    void setLastError(const QString &error);

    std::unique_ptr<PluginSandbox> m_sandbox;
    bool m_running = false;
    qint64 m_pid = 0;
    SandboxUsage m_usage;
    int m_violations = 0;
    QString m_lastError;
};

} // namespace qtplugin::qml
