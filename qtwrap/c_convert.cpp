// SPDX-License-Identifier: LGPL-2.1-or-later
#include "c_convert.hpp"

#include <QJsonDocument>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace qtplugin::detail {

void MallocFree::operator()(char *p) const
{
    free(p);
}

namespace {

void check(int r)
{
    if (r == -ENOMEM)
        throw std::bad_alloc();
    // Any other failure means a bad argument: a facade bug, not user input.
    Q_ASSERT(r >= 0);
}

void set_list(qfs_policy *p, qfs_list list, const QStringList &values)
{
    check(qfs_policy_list_clear(p, list));
    for (const QString &v : values)
        check(qfs_policy_list_add(p, list, v.toUtf8().constData()));
}

QStringList get_list(const qfs_policy *p, qfs_list list)
{
    QStringList out;
    const size_t n = qfs_policy_list_count(p, list);
    out.reserve(qsizetype(n));
    for (size_t i = 0; i < n; i++)
        out.append(QString::fromUtf8(qfs_policy_list_get(p, list, i)));
    return out;
}

template<typename T> bool fits(int64_t v)
{
    return v >= 0
        ? uint64_t(v) <= uint64_t(std::numeric_limits<T>::max())
        : std::numeric_limits<T>::is_signed && v >= int64_t(std::numeric_limits<T>::min());
}

// The JSON key of a limit, for error messages.
const char *limit_key(qfs_limit limit)
{
    switch (limit) {
    case QFS_LIMIT_CPU_TIME_MS:
        return "limits.cpu_time_limit";
    case QFS_LIMIT_MEMORY_MB:
        return "limits.memory_limit_mb";
    case QFS_LIMIT_DISK_SPACE_MB:
        return "limits.disk_space_limit_mb";
    case QFS_LIMIT_FILE_HANDLES:
        return "limits.max_file_handles";
    case QFS_LIMIT_NETWORK_CONNECTIONS:
        return "limits.max_network_connections";
    case QFS_LIMIT_EXECUTION_TIMEOUT_MS:
        return "limits.execution_timeout";
    case QFS_LIMIT_MAX_PROCESSES:
        return "limits.max_processes";
    }
    return "limits";
}

template<typename T> bool get_limit(const qfs_policy *p, qfs_limit limit, T &out, PluginError &err)
{
    const int64_t v = qfs_policy_get_limit(p, limit);
    if (!fits<T>(v)) {
        err = PluginError(PluginErrorCode::InvalidConfiguration,
            std::string(limit_key(limit)) + " is out of range (" + std::to_string(v) + ")",
            limit_key(limit));
        return false;
    }
    out = T(v);
    return true;
}

} // namespace

CPolicy to_c(const SecurityPolicy &s)
{
    qfs_policy *raw = nullptr;
    check(qfs_policy_new(&raw));
    CPolicy p(raw);
    qfs_policy *c = p.get();

    check(qfs_policy_set_level(c, int(s.level)));
    check(qfs_policy_set_name(c, s.policy_name.toUtf8().constData()));
    check(qfs_policy_set_description(c, s.description.toUtf8().constData()));

    const ResourceLimits &l = s.limits;
    check(qfs_policy_set_limit(c, QFS_LIMIT_CPU_TIME_MS, l.cpu_time_limit.count()));
    check(qfs_policy_set_limit(c, QFS_LIMIT_MEMORY_MB, int64_t(l.memory_limit_mb)));
    check(qfs_policy_set_limit(c, QFS_LIMIT_DISK_SPACE_MB, int64_t(l.disk_space_limit_mb)));
    check(qfs_policy_set_limit(c, QFS_LIMIT_FILE_HANDLES, l.max_file_handles));
    check(qfs_policy_set_limit(c, QFS_LIMIT_NETWORK_CONNECTIONS, l.max_network_connections));
    check(qfs_policy_set_limit(c, QFS_LIMIT_EXECUTION_TIMEOUT_MS, l.execution_timeout.count()));
    check(qfs_policy_set_limit(c, QFS_LIMIT_MAX_PROCESSES, l.max_processes));

    const SecurityPermissions &m = s.permissions;
    check(qfs_policy_set_permission(c, QFS_PERM_FILE_SYSTEM_READ, m.allow_file_system_read));
    check(qfs_policy_set_permission(c, QFS_PERM_FILE_SYSTEM_WRITE, m.allow_file_system_write));
    check(qfs_policy_set_permission(c, QFS_PERM_NETWORK_ACCESS, m.allow_network_access));
    check(qfs_policy_set_permission(c, QFS_PERM_PROCESS_CREATION, m.allow_process_creation));
    check(qfs_policy_set_permission(c, QFS_PERM_SYSTEM_CALLS, m.allow_system_calls));
    check(qfs_policy_set_permission(c, QFS_PERM_REGISTRY_ACCESS, m.allow_registry_access));
    check(qfs_policy_set_permission(c, QFS_PERM_ENVIRONMENT_ACCESS, m.allow_environment_access));
    set_list(c, QFS_LIST_ALLOWED_DIRECTORIES, m.allowed_directories);
    set_list(c, QFS_LIST_ALLOWED_HOSTS, m.allowed_hosts);
    set_list(c, QFS_LIST_BLOCKED_APIS, m.blocked_apis);

    check(qfs_policy_set_enforcement(c, int(s.enforcement)));
    check(qfs_policy_set_monitor_interval_ms(c, s.monitor_interval_ms.count()));
    return p;
}

expected<SecurityPolicy, PluginError> from_c(const qfs_policy *c)
{
    SecurityPolicy s;
    PluginError err;

    s.level = SandboxSecurityLevel(qfs_policy_get_level(c));
    s.policy_name = QString::fromUtf8(qfs_policy_get_name(c));
    s.description = QString::fromUtf8(qfs_policy_get_description(c));

    ResourceLimits &l = s.limits;
    l.cpu_time_limit = std::chrono::milliseconds(qfs_policy_get_limit(c, QFS_LIMIT_CPU_TIME_MS));
    l.execution_timeout
        = std::chrono::milliseconds(qfs_policy_get_limit(c, QFS_LIMIT_EXECUTION_TIMEOUT_MS));
    if (!get_limit(c, QFS_LIMIT_MEMORY_MB, l.memory_limit_mb, err)
        || !get_limit(c, QFS_LIMIT_DISK_SPACE_MB, l.disk_space_limit_mb, err)
        || !get_limit(c, QFS_LIMIT_FILE_HANDLES, l.max_file_handles, err)
        || !get_limit(c, QFS_LIMIT_NETWORK_CONNECTIONS, l.max_network_connections, err)
        || !get_limit(c, QFS_LIMIT_MAX_PROCESSES, l.max_processes, err))
        return unexpected(std::move(err));

    SecurityPermissions &m = s.permissions;
    m.allow_file_system_read = qfs_policy_get_permission(c, QFS_PERM_FILE_SYSTEM_READ);
    m.allow_file_system_write = qfs_policy_get_permission(c, QFS_PERM_FILE_SYSTEM_WRITE);
    m.allow_network_access = qfs_policy_get_permission(c, QFS_PERM_NETWORK_ACCESS);
    m.allow_process_creation = qfs_policy_get_permission(c, QFS_PERM_PROCESS_CREATION);
    m.allow_system_calls = qfs_policy_get_permission(c, QFS_PERM_SYSTEM_CALLS);
    m.allow_registry_access = qfs_policy_get_permission(c, QFS_PERM_REGISTRY_ACCESS);
    m.allow_environment_access = qfs_policy_get_permission(c, QFS_PERM_ENVIRONMENT_ACCESS);
    m.allowed_directories = get_list(c, QFS_LIST_ALLOWED_DIRECTORIES);
    m.allowed_hosts = get_list(c, QFS_LIST_ALLOWED_HOSTS);
    m.blocked_apis = get_list(c, QFS_LIST_BLOCKED_APIS);

    s.enforcement = SandboxEnforcement(qfs_policy_get_enforcement(c));
    s.monitor_interval_ms = std::chrono::milliseconds(qfs_policy_get_monitor_interval_ms(c));
    return s;
}

expected<SecurityPolicy, PluginError> policy_from_json(const QJsonObject &json)
{
    const QByteArray text = QJsonDocument(json).toJson(QJsonDocument::Compact);
    qfs_policy *raw = nullptr;
    qfs_error err {};
    const int r
        = qfs_policy_load_string(text.constData(), size_t(text.size()), nullptr, &raw, &err);
    if (r == -ENOMEM)
        throw std::bad_alloc();
    if (r < 0)
        return unexpected(error_from_c(PluginErrorCode::InvalidConfiguration, err));
    CPolicy p(raw);
    return from_c(p.get());
}

QJsonObject policy_to_json(const SecurityPolicy &policy)
{
    CPolicy p = to_c(policy);
    char *text = nullptr;
    check(qfs_policy_save_string(p.get(), QFS_JSON_COMPACT, &text));
    return json_from_c(text);
}

ResourceUsage usage_from_c(const qfs_usage &u)
{
    ResourceUsage r;
    r.cpu_time_used = std::chrono::milliseconds(u.cpu_time_used_ms);
    r.memory_used_mb = size_t(u.memory_used_mb);
    r.disk_space_used_mb = size_t(u.disk_space_used_mb);
    r.file_handles_used = int(u.file_handles_used);
    r.network_connections_used = int(u.network_connections_used);
    // The C library's CLOCK_MONOTONIC is the steady clock's epoch on Linux.
    r.start_time
        = std::chrono::steady_clock::time_point(std::chrono::milliseconds(u.start_time_ms));
    return r;
}

PluginError error_from_c(PluginErrorCode code, const qfs_error &err)
{
    std::string message = err.message;
    if (message.empty())
        message = err.errnum ? strerror(err.errnum) : "unknown error";
    return PluginError(code, std::move(message), err.field);
}

QString format_error(const qfs_error &err)
{
    char buf[1024];
    if (qfs_error_format(&err, buf, sizeof(buf)) < 0)
        return QString::fromUtf8(err.message);
    return QString::fromUtf8(buf);
}

QJsonObject json_from_c(char *text)
{
    CString owned(text);
    if (!text)
        return {};
    return QJsonDocument::fromJson(QByteArray::fromRawData(text, qsizetype(strlen(text)))).object();
}

} // namespace qtplugin::detail
