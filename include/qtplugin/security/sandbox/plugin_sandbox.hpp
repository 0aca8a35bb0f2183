// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The QtForge sandbox API (namespace qtplugin) over the qfsandbox C library.
//
// Policies (SecurityPolicy with its ResourceLimits and SecurityPermissions)
// are plain values with QtForge's fields, defaults and JSON keys.  Their JSON
// conversion, their validation and every enforcement decision are made by the
// C library, so a policy means the same thing here, in a JSON file and in the
// `qfsandbox` command-line tool.
//
// A PluginSandbox runs one plugin at a time under its policy, enforced by the
// kernel (namespaces, Landlock, seccomp, cgroups, rlimits), and reports what
// happens through Qt signals:
//
//     PluginSandbox sandbox(SecurityPolicy::create_strict_policy());
//     sandbox.initialize();
//     connect(&sandbox, &PluginSandbox::execution_completed, ...);
//     sandbox.execute_plugin("/path/to/plugin", PluginType::Native);
//
// Threading: a sandbox belongs to the thread of its QObject; the supervision
// loop of that thread (one per thread, bound to a QSocketNotifier) delivers its
// signals there, always after the C library's dispatch has returned, so a slot
// may delete the sandbox.  The methods may be called from any thread.  Code
// without an event loop uses PluginSandbox::wait_for_finished().
//
// SandboxManager is a process-wide registry of sandboxes and named policies,
// callable from any thread.
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <qtplugin/core/dynamic_plugin_interface.hpp>
#include <qtplugin/security/sandbox/sandbox_export.hpp>
#include <qtplugin/utils/error_handling.hpp>

namespace qtplugin {

// Ordered; the JSON `level` stores the number.
enum class SandboxSecurityLevel { Unrestricted = 0, Limited = 1, Sandboxed = 2, Strict = 3 };

// What to do when this host cannot provide a layer the level needs
// (addition; JSON "enforcement": "require" or "best_effort").
enum class SandboxEnforcement { Require = 0, BestEffort = 1 };

struct QTFORGE_SANDBOX_EXPORT ResourceLimits
{
    std::chrono::milliseconds cpu_time_limit { 30000 };
    size_t memory_limit_mb { 256 };
    size_t disk_space_limit_mb { 100 };
    int max_file_handles { 50 };
    int max_network_connections { 10 };
    std::chrono::milliseconds execution_timeout { 60000 };
    // Addition: a ceiling on live processes that holds even when process
    // creation is allowed (JSON "max_processes").
    int max_processes { 64 };

    // Through the C JSON code: the "limits" object of a policy.
    QJsonObject to_json() const;
    // Missing keys keep their defaults; unknown keys and wrong types are
    // errors (InvalidConfiguration, naming the field).
    static qtplugin::expected<ResourceLimits, PluginError> from_json(const QJsonObject &json);

    bool operator==(const ResourceLimits &) const = default;
};

struct QTFORGE_SANDBOX_EXPORT SecurityPermissions
{
    bool allow_file_system_read { false };
    bool allow_file_system_write { false };
    bool allow_network_access { false };
    bool allow_process_creation { false };
    bool allow_system_calls { false };
    bool allow_registry_access { false }; // Windows only; kept in the schema
    bool allow_environment_access { false };
    QStringList allowed_directories;
    QStringList allowed_hosts; // "name", "*.name" (subdomains), "name:port", addresses
    QStringList blocked_apis; // syscall names, groups ("@mount"), QtForge names ("exec")

    QJsonObject to_json() const;
    static qtplugin::expected<SecurityPermissions, PluginError> from_json(const QJsonObject &json);

    bool operator==(const SecurityPermissions &) const = default;
};

struct QTFORGE_SANDBOX_EXPORT SecurityPolicy
{
    SandboxSecurityLevel level { SandboxSecurityLevel::Sandboxed };
    ResourceLimits limits;
    SecurityPermissions permissions;
    QString policy_name { QStringLiteral("default") };
    QString description { QStringLiteral("Default security policy") };
    // Additions (JSON "enforcement" and "monitor_interval_ms"): whether a
    // missing kernel layer refuses the start (Require) or is reported
    // (BestEffort), and how often resource_usage_updated is emitted.
    SandboxEnforcement enforcement { SandboxEnforcement::Require };
    std::chrono::milliseconds monitor_interval_ms { 1000 };

    QJsonObject to_json() const;
    static qtplugin::expected<SecurityPolicy, PluginError> from_json(const QJsonObject &json);

    // The four built-in policies, with exactly QtForge's values.
    static SecurityPolicy create_unrestricted_policy();
    static SecurityPolicy create_limited_policy();
    static SecurityPolicy create_sandboxed_policy();
    static SecurityPolicy create_strict_policy();

    bool operator==(const SecurityPolicy &) const = default;
};

struct QTFORGE_SANDBOX_EXPORT ResourceUsage
{
    std::chrono::milliseconds cpu_time_used { 0 };
    size_t memory_used_mb { 0 };
    size_t disk_space_used_mb { 0 };
    int file_handles_used { 0 };
    int network_connections_used { 0 };
    std::chrono::steady_clock::time_point start_time;

    // start_time as milliseconds of the steady clock.
    QJsonObject to_json() const;
    // Strict `>` on the five counters, and time since start_time past
    // execution_timeout.
    bool exceeds_limits(const ResourceLimits &limits) const;
};

class QTFORGE_SANDBOX_EXPORT PluginSandbox : public QObject
{
    Q_OBJECT

public:
    explicit PluginSandbox(const SecurityPolicy &policy, QObject *parent = nullptr);
    // Shuts down: a running plugin is killed, with every process it started.
    ~PluginSandbox() override;

    // InvalidState if already active; InvalidConfiguration for an empty
    // policy_name, memory_limit_mb 0, cpu_time_limit <= 0 or
    // execution_timeout <= 0 (in that order), then for whatever the C
    // validation rejects (message naming the field, field in details).
    qtplugin::expected<void, PluginError> initialize();

    // Safe to call twice.  Ends a running plugin; its execution_completed
    // (and process_error) signals still follow from the event loop.
    void shutdown();

    // Starts the plugin and returns at once with
    // {"status":"started","pid":<pid>,"plugin_path":<path>}; the result comes
    // with execution_completed.  Non-empty @arguments reach the plugin as
    // `--args <compact JSON>`.  Errors: InvalidState (not initialized, or a
    // plugin already runs), FileNotFound (empty or missing path), NotSupported
    // (a type this host cannot run), ExecutionFailed (the sandbox could not be
    // set up; the message names the step and a "process_error"
    // security_violation is emitted).
    qtplugin::expected<QJsonObject, PluginError> execute_plugin(
        const QString &plugin_path, PluginType plugin_type, const QJsonObject &arguments = {});

    // Measured now while a plugin runs; the final usage after it ended.
    ResourceUsage get_resource_usage() const;

    // InvalidState while a plugin runs; InvalidConfiguration for a policy the
    // C validation rejects (only checked once the sandbox is active).
    qtplugin::expected<void, PluginError> update_policy(const SecurityPolicy &policy);

    const SecurityPolicy &get_policy() const;
    bool is_active() const;

    // Kills the plugin and everything it started; execution_completed
    // follows with exit_status "crashed".
    void terminate_plugin();

    // Additions.
    bool is_running() const;
    // Host pid of the running (or last) plugin, 0 before the first start.
    qint64 plugin_pid() const;
    // Runs this thread's supervision loop until the plugin has ended or
    // @msecs passed (-1: no limit).  For code without an event loop; signals
    // of sandboxes of this thread are delivered from inside it.  Returns true
    // when no plugin runs.
    bool wait_for_finished(int msecs = 30000);
    // The C library's report of the current or last run: status, usage,
    // violations, the effective policy and which layer enforced what.
    QJsonObject get_report() const;

signals:
    // resource: cpu_time, memory, disk_space, file_handles,
    // network_connections or processes; usage: ResourceUsage::to_json().
    void resource_limit_exceeded(const QString &resource, const QJsonObject &usage);
    // violation: the SecurityViolationType name ("UnauthorizedSystemCall"...)
    // with everything the C event carries, or "process_error" for a start
    // failure or an abnormal end.
    void security_violation(const QString &violation, const QJsonObject &details);
    // result: exit_code, exit_status ("normal"/"crashed"), resource_usage,
    // stdout and stderr when non-empty, plus status (the C report's status
    // name), and signal / limit when they apply.
    void execution_completed(int exit_code, const QJsonObject &result);
    // At the policy's monitor_interval_ms while a plugin runs.
    void resource_usage_updated(const ResourceUsage &usage);

private:
    class Private;
    friend class Private;
    friend class SandboxLoop;
    std::unique_ptr<Private> const d;
};

class QTFORGE_SANDBOX_EXPORT SandboxManager : public QObject
{
    Q_OBJECT

public:
    // The process-wide manager; registers the four built-in policies on first
    // use.  It lives in the application's main thread (or, without a
    // QCoreApplication, the thread that first called instance()), and so do
    // the sandboxes it creates.
    static SandboxManager &instance();

    // InvalidArgument for a duplicate id; the errors of initialize().  The
    // sandbox comes back initialized.
    qtplugin::expected<std::shared_ptr<PluginSandbox>, PluginError> create_sandbox(
        const QString &sandbox_id, const SecurityPolicy &policy);
    std::shared_ptr<PluginSandbox> get_sandbox(const QString &sandbox_id);
    // Shuts the sandbox down and forgets it.
    void remove_sandbox(const QString &sandbox_id);
    std::vector<QString> get_active_sandboxes() const;

    void register_policy(const QString &policy_name, const SecurityPolicy &policy);
    qtplugin::expected<SecurityPolicy, PluginError> get_policy(const QString &policy_name);
    // Sorted by name.
    std::vector<QString> get_registered_policies() const;

    void shutdown_all();

signals:
    void sandbox_created(const QString &sandbox_id);
    void sandbox_removed(const QString &sandbox_id);
    // For every security_violation of a managed sandbox (event = its
    // violation name) and every resource_limit_exceeded (event =
    // "resource_limit_exceeded", details = usage plus "resource").
    void security_event(
        const QString &sandbox_id, const QString &event, const QJsonObject &details);

private:
    SandboxManager();
    ~SandboxManager() override;
    class Private;
    std::unique_ptr<Private> const d;
};

} // namespace qtplugin

Q_DECLARE_METATYPE(qtplugin::ResourceUsage)
