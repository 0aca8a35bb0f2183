// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SecurityEnforcer: every answer comes from the C decision functions
// (enforcer.h) that the launcher builds its Landlock rules and seccomp filter
// from and the supervisor judges notifications with.
#include "c_convert.hpp"

#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <QFile>
#include <QMutex>
#include <QMutexLocker>
#include <QPointer>

#include <deque>

namespace qtplugin {

namespace {
constexpr size_t max_events = 1000;
}

QJsonObject SecurityEvent::to_json() const
{
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    return QJsonObject {
        { QLatin1String("type"), int(type) },
        { QLatin1String("description"), description },
        { QLatin1String("resource_path"), resource_path },
        { QLatin1String("details"), details },
        { QLatin1String("timestamp"),
            qint64(duration_cast<milliseconds>(timestamp.time_since_epoch()).count()) },
    };
}

class SecurityEnforcer::Private
{
public:
    // Guards everything below.  The C check functions keep a cache inside
    // the policy, so they too run under it.
    mutable QMutex mutex;
    SecurityPolicy policy;
    detail::CPolicy cpolicy;
    std::deque<SecurityEvent> events;
    QPointer<PluginSandbox> monitored;

    // One question to the C decision code, under the lock.
    template<typename Check> auto ask(Check check)
    {
        QMutexLocker locker(&mutex);
        return check(cpolicy.get());
    }
};

SecurityEnforcer::SecurityEnforcer(const SecurityPolicy &policy, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->policy = policy;
    d->cpolicy = detail::to_c(policy);
}

SecurityEnforcer::~SecurityEnforcer() = default;

bool SecurityEnforcer::initialize()
{
    QMutexLocker locker(&d->mutex);
    qfs_error err {};
    return qfs_policy_validate(d->cpolicy.get(), &err) == 0;
}

void SecurityEnforcer::shutdown()
{
    set_monitored_sandbox(nullptr);
}

void SecurityEnforcer::record(SecurityViolationType type, const QString &description,
    const QString &resource, const QJsonObject &details)
{
    SecurityEvent event;
    event.type = type;
    event.description = description;
    event.resource_path = resource;
    event.details = details;
    event.timestamp = std::chrono::steady_clock::now();
    {
        QMutexLocker locker(&d->mutex);
        d->events.push_back(event);
        if (d->events.size() > max_events)
            d->events.pop_front();
    }
    emit security_violation_detected(event);
}

bool SecurityEnforcer::judge(int answer, SecurityViolationType type, const QString &invalid,
    const QString &denied, const QString &resource, const QJsonObject &details)
{
    if (answer == 1)
        return true;
    record(type, answer < 0 ? invalid : denied, resource, details);
    return false;
}

bool SecurityEnforcer::validate_file_access(const QString &path, bool write_access)
{
    const QByteArray p = QFile::encodeName(path);
    return judge(d->ask([&](const qfs_policy *c) {
        return qfs_policy_check_path(c, p.constData(), write_access);
    }),
        SecurityViolationType::UnauthorizedFileAccess,
        QStringLiteral("File access with a path that is not absolute"),
        write_access ? QStringLiteral("File write access denied by policy")
                     : QStringLiteral("File read access denied by policy"),
        path, QJsonObject { { QLatin1String("write"), write_access } });
}

bool SecurityEnforcer::validate_network_access(const QString &host, int port)
{
    const QByteArray h = host.toUtf8();
    return judge(
        d->ask([&](const qfs_policy *c) { return qfs_policy_check_host(c, h.constData(), port); }),
        SecurityViolationType::UnauthorizedNetworkAccess,
        QStringLiteral("Network access to a malformed host"),
        QStringLiteral("Network access denied by policy"), host,
        QJsonObject { { QLatin1String("port"), port } });
}

bool SecurityEnforcer::validate_process_creation(const QString &executable)
{
    const QByteArray exe = QFile::encodeName(executable);
    return judge(d->ask([&](const qfs_policy *c) {
        return qfs_policy_check_process_creation(
            c, executable.isEmpty() ? nullptr : exe.constData());
    }),
        SecurityViolationType::UnauthorizedProcessCreation,
        QStringLiteral("Process creation with a path that is not absolute"),
        QStringLiteral("Process creation denied by policy"), executable);
}

bool SecurityEnforcer::validate_system_call(const QString &call_name)
{
    const QByteArray name = call_name.toUtf8();
    return judge(
        d->ask([&](const qfs_policy *c) { return qfs_policy_check_api(c, name.constData()); }),
        SecurityViolationType::UnauthorizedSystemCall, QStringLiteral("Unknown system call"),
        QStringLiteral("System call denied by policy"), call_name);
}

bool SecurityEnforcer::validate_api_call(const QString &api_name)
{
    if (!is_api_blocked(api_name))
        return true;
    record(SecurityViolationType::BlockedAPICall, QStringLiteral("Blocked API call attempted"),
        api_name);
    return false;
}

bool SecurityEnforcer::is_directory_allowed(const QString &path)
{
    const QByteArray p = QFile::encodeName(path);
    return d->ask([&](const qfs_policy *c) {
        return qfs_policy_check_path(c, p.constData(), false) == 1
            || qfs_policy_check_path(c, p.constData(), true) == 1;
    });
}

bool SecurityEnforcer::is_host_allowed(const QString &host)
{
    const QByteArray h = host.toUtf8();
    return d->ask([&](const qfs_policy *c) { return qfs_policy_check_host(c, h.constData(), -1); })
        == 1;
}

bool SecurityEnforcer::is_api_blocked(const QString &api_name)
{
    const QByteArray name = api_name.toUtf8();
    return d->ask([&](const qfs_policy *c) { return qfs_policy_check_api(c, name.constData()); })
        == 0;
}

const SecurityPolicy &SecurityEnforcer::get_policy() const
{
    QMutexLocker locker(&d->mutex);
    return d->policy;
}

void SecurityEnforcer::update_policy(const SecurityPolicy &policy)
{
    detail::CPolicy cp = detail::to_c(policy);
    QMutexLocker locker(&d->mutex);
    d->policy = policy;
    d->cpolicy = std::move(cp);
}

void SecurityEnforcer::set_monitored_sandbox(PluginSandbox *sandbox)
{
    QPointer<PluginSandbox> previous;
    {
        QMutexLocker locker(&d->mutex);
        previous = d->monitored;
        d->monitored = sandbox;
    }
    if (previous)
        disconnect(previous.data(), nullptr, this, nullptr);
    if (!sandbox)
        return;

    connect(sandbox, &PluginSandbox::security_violation, this,
        [this](const QString &violation, const QJsonObject &details) {
            // The C violation types by name; "process_error" is not one.
            for (int t = QFS_VIOLATION_UNAUTHORIZED_FILE_ACCESS;
                 t <= QFS_VIOLATION_SUSPICIOUS_ACTIVITY; t++) {
                if (violation != QLatin1String(qfs_violation_type_name(t)))
                    continue;
                QString resource;
                for (const char *key : { "path", "host", "address", "syscall", "api" }) {
                    resource = details.value(QLatin1String(key)).toString();
                    if (!resource.isEmpty())
                        break;
                }
                record(SecurityViolationType(t),
                    details.value(QLatin1String("detail")).toString(violation), resource, details);
                return;
            }
        });
    connect(sandbox, &PluginSandbox::resource_limit_exceeded, this,
        [this](const QString &resource, const QJsonObject &usage) {
            record(SecurityViolationType::ResourceLimitExceeded,
                QStringLiteral("Resource limit exceeded: ") + resource, resource, usage);
        });
}

std::vector<SecurityEvent> SecurityEnforcer::get_security_events() const
{
    QMutexLocker locker(&d->mutex);
    return std::vector<SecurityEvent>(d->events.begin(), d->events.end());
}

void SecurityEnforcer::clear_security_events()
{
    QMutexLocker locker(&d->mutex);
    d->events.clear();
}

bool SecurityPolicyValidator::validate_policy(const SecurityPolicy &policy, QString &error_message)
{
    detail::CPolicy cp = detail::to_c(policy);
    qfs_error err {};
    if (qfs_policy_validate(cp.get(), &err) == 0)
        return true;
    error_message = detail::format_error(err);
    return false;
}

} // namespace qtplugin
