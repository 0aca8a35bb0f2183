// SPDX-License-Identifier: LGPL-2.1-or-later
#include "qml_sandbox.hpp"

#include <QJsonObject>

namespace qtplugin::qml {

qint64 SandboxUsage::startTime() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        m_usage.start_time.time_since_epoch())
        .count();
}

bool SandboxUsage::operator==(const SandboxUsage &o) const
{
    return m_usage.cpu_time_used == o.m_usage.cpu_time_used
        && m_usage.memory_used_mb == o.m_usage.memory_used_mb
        && m_usage.disk_space_used_mb == o.m_usage.disk_space_used_mb
        && m_usage.file_handles_used == o.m_usage.file_handles_used
        && m_usage.network_connections_used == o.m_usage.network_connections_used
        && m_usage.start_time == o.m_usage.start_time;
}

Sandbox::Sandbox(QObject *parent)
    : QObject(parent)
    , m_sandbox(std::make_unique<PluginSandbox>(SecurityPolicy()))
{
    PluginSandbox *s = m_sandbox.get();
    connect(s, &PluginSandbox::resource_usage_updated, this,
        [this](const ResourceUsage &u) { setUsage(SandboxUsage(u)); });
    connect(s, &PluginSandbox::resource_limit_exceeded, this,
        [this](const QString &resource, const QJsonObject &usage) {
            emit limitExceeded(resource, usage.toVariantMap());
        });
    connect(s, &PluginSandbox::security_violation, this,
        [this](const QString &type, const QJsonObject &details) {
            m_violations++;
            emit violationCountChanged();
            emit violation(type, details.toVariantMap());
        });
    connect(s, &PluginSandbox::execution_completed, this,
        [this](int exitCode, const QJsonObject &result) {
            setUsage(SandboxUsage(m_sandbox->get_resource_usage()));
            setRunning(m_sandbox->is_running());
            emit finished(exitCode, result.toVariantMap());
        });
}

Sandbox::~Sandbox() = default;

bool Sandbox::active() const
{
    return m_sandbox->is_active();
}

void Sandbox::setActive(bool active)
{
    if (active == m_sandbox->is_active())
        return;
    if (active) {
        if (auto r = m_sandbox->initialize(); !r) {
            setLastError(QString::fromStdString(r.error().message));
            return;
        }
    } else {
        m_sandbox->shutdown();
        setRunning(false);
    }
    setLastError({});
    emit activeChanged();
}

QString Sandbox::policyName() const
{
    return m_sandbox->get_policy().policy_name;
}

void Sandbox::setPolicyName(const QString &name)
{
    if (name == policyName())
        return;
    auto policy = SandboxManager::instance().get_policy(name);
    if (!policy) {
        setLastError(QString::fromStdString(policy.error().message));
        return;
    }
    SecurityPolicy p = *policy;
    // A name registered under another key still shows the key asked for.
    p.policy_name = name;
    p.monitor_interval_ms = m_sandbox->get_policy().monitor_interval_ms;
    applyPolicy(p);
}

int Sandbox::securityLevel() const
{
    return int(m_sandbox->get_policy().level);
}

void Sandbox::setSecurityLevel(int level)
{
    if (level == securityLevel())
        return;
    SecurityPolicy p = m_sandbox->get_policy();
    p.level = SandboxSecurityLevel(level);
    applyPolicy(p);
}

int Sandbox::monitorIntervalMs() const
{
    return int(m_sandbox->get_policy().monitor_interval_ms.count());
}

void Sandbox::setMonitorIntervalMs(int ms)
{
    if (ms == monitorIntervalMs())
        return;
    SecurityPolicy p = m_sandbox->get_policy();
    p.monitor_interval_ms = std::chrono::milliseconds(ms);
    applyPolicy(p);
}

bool Sandbox::applyPolicy(const SecurityPolicy &policy)
{
    const SecurityPolicy old = m_sandbox->get_policy();
    if (auto r = m_sandbox->update_policy(policy); !r) {
        setLastError(QString::fromStdString(r.error().message));
        return false;
    }
    setLastError({});
    if (old.policy_name != policy.policy_name)
        emit policyNameChanged();
    if (old.level != policy.level)
        emit securityLevelChanged();
    if (old.monitor_interval_ms != policy.monitor_interval_ms)
        emit monitorIntervalMsChanged();
    return true;
}

bool Sandbox::execute(const QString &path, int type, const QVariantMap &arguments)
{
    setActive(true);
    if (!m_sandbox->is_active())
        return false;
    auto r
        = m_sandbox->execute_plugin(path, PluginType(type), QJsonObject::fromVariantMap(arguments));
    if (!r) {
        setLastError(QString::fromStdString(r.error().message));
        return false;
    }
    setLastError({});
    setPid(r->value(QLatin1String("pid")).toInteger());
    setUsage(SandboxUsage(m_sandbox->get_resource_usage()));
    setRunning(true);
    return true;
}

void Sandbox::terminate()
{
    m_sandbox->terminate_plugin();
}

void Sandbox::setRunning(bool running)
{
    if (running == m_running)
        return;
    m_running = running;
    emit runningChanged();
}

void Sandbox::setPid(qint64 pid)
{
    if (pid == m_pid)
        return;
    m_pid = pid;
    emit pidChanged();
}

void Sandbox::setUsage(const SandboxUsage &usage)
{
    if (usage == m_usage)
        return;
    m_usage = usage;
    emit usageChanged();
}

void Sandbox::setLastError(const QString &error)
{
    if (error == m_lastError)
        return;
    m_lastError = error;
    emit lastErrorChanged();
}

} // namespace qtplugin::qml
