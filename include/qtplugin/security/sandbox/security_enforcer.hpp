// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SecurityEnforcer answers "would the sandbox allow this?" for a policy, with
// the same C decision code the sandbox enforces with (paths compared on whole
// components after normalisation, host patterns, the blocked-API table).
// Failed validate_*() calls are recorded as security events, as QtForge did;
// attached to a sandbox (set_monitored_sandbox()) it also records and signals
// the violations and limit breaches the sandbox really observed.
//
// Threading: an enforcer may be used from several threads; its signal is
// emitted in the thread that made the failed call or, for a monitored
// sandbox, in the sandbox's thread.
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <chrono>
#include <memory>
#include <vector>

#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

namespace qtplugin {

enum class SecurityViolationType {
    UnauthorizedFileAccess = 0,
    UnauthorizedNetworkAccess = 1,
    UnauthorizedProcessCreation = 2,
    UnauthorizedSystemCall = 3,
    UnauthorizedRegistryAccess = 4,
    UnauthorizedEnvironmentAccess = 5,
    ResourceLimitExceeded = 6,
    BlockedAPICall = 7,
    SuspiciousActivity = 8,
};

struct QTFORGE_SANDBOX_EXPORT SecurityEvent
{
    SecurityViolationType type { SecurityViolationType::SuspiciousActivity };
    QString description;
    // The path, host, syscall or API the event is about.
    QString resource_path;
    QJsonObject details;
    std::chrono::steady_clock::time_point timestamp;

    // type as its number, timestamp as steady-clock milliseconds.
    QJsonObject to_json() const;
};

class QTFORGE_SANDBOX_EXPORT SecurityEnforcer : public QObject
{
    Q_OBJECT

public:
    explicit SecurityEnforcer(const SecurityPolicy &policy, QObject *parent = nullptr);
    ~SecurityEnforcer() override;

    // Whether the policy is valid (qfs_policy_validate()).
    bool initialize();
    // Stops monitoring a sandbox.
    void shutdown();

    // Each returns whether the sandbox would allow the operation; a denial is
    // recorded as a SecurityEvent and signalled.
    bool validate_file_access(const QString &path, bool write_access = false);
    bool validate_network_access(const QString &host, int port = -1);
    // An empty @executable asks whether any process may be started.
    bool validate_process_creation(const QString &executable);
    // Allowed when @call_name is a syscall of this architecture that neither
    // the level nor blocked_apis forbids.
    bool validate_system_call(const QString &call_name);
    // Denied only when blocked_apis or the level blocks @api_name.
    bool validate_api_call(const QString &api_name);

    // Readable or writable by the plugin under this policy.
    bool is_directory_allowed(const QString &path);
    // Reachable on some port under this policy.
    bool is_host_allowed(const QString &host);
    bool is_api_blocked(const QString &api_name);

    const SecurityPolicy &get_policy() const;
    void update_policy(const SecurityPolicy &policy);

    // Addition: record and signal the violations and limit breaches of
    // @sandbox as they happen (nullptr stops).  Not owned.
    void set_monitored_sandbox(PluginSandbox *sandbox);

    // The last 1000 events, oldest first.
    std::vector<SecurityEvent> get_security_events() const;
    void clear_security_events();

signals:
    void security_violation_detected(const SecurityEvent &event);

private:
    void record(SecurityViolationType type, const QString &description, const QString &resource,
        const QJsonObject &details = {});
    // True when @answer (a C check's result) is 1; otherwise records the
    // event, described by @invalid (answer < 0) or @denied (answer 0).
    bool judge(int answer, SecurityViolationType type, const QString &invalid,
        const QString &denied, const QString &resource, const QJsonObject &details = {});

    class Private;
    std::unique_ptr<Private> const d;
};

// Static checks of a policy, forwarded to the C validation.
class QTFORGE_SANDBOX_EXPORT SecurityPolicyValidator
{
public:
    // True when valid; otherwise @error_message receives the C message
    // ("limits.memory_limit_mb must be ...").
    static bool validate_policy(const SecurityPolicy &policy, QString &error_message);
};

} // namespace qtplugin

Q_DECLARE_METATYPE(qtplugin::SecurityEvent)
