// SPDX-License-Identifier: LGPL-2.1-or-later
#include "c_convert.hpp"

#include <qtplugin/security/sandbox/resource_monitor.hpp>

#include <unistd.h>

namespace qtplugin {

class SandboxResourceMonitor::Private
{
public:
    bool initialized = false;
};

SandboxResourceMonitor::SandboxResourceMonitor(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{ }

SandboxResourceMonitor::~SandboxResourceMonitor() = default;

bool SandboxResourceMonitor::initialize()
{
    d->initialized = is_supported();
    return d->initialized;
}

void SandboxResourceMonitor::shutdown()
{
    d->initialized = false;
}

static ResourceUsage unknown_usage()
{
    ResourceUsage usage;
    usage.start_time = std::chrono::steady_clock::now();
    return usage;
}

ResourceUsage SandboxResourceMonitor::get_process_usage(qint64 pid)
{
    qfs_usage u {};
    if (pid <= 0 || pid != qint64(pid_t(pid)) || qfs_process_usage(pid_t(pid), &u) < 0)
        return unknown_usage();
    return detail::usage_from_c(u);
}

ResourceUsage SandboxResourceMonitor::get_system_usage()
{
    qfs_usage u {};
    if (qfs_system_usage(&u) < 0)
        return unknown_usage();
    ResourceUsage usage = detail::usage_from_c(u);
    // The system has no start time of its own here; QtForge used "now".
    usage.start_time = std::chrono::steady_clock::now();
    return usage;
}

bool SandboxResourceMonitor::is_supported()
{
    qfs_usage u {};
    return qfs_process_usage(getpid(), &u) == 0;
}

double ResourceMonitorUtils::calculate_cpu_percentage(
    std::chrono::milliseconds used_time, std::chrono::milliseconds total_time)
{
    if (total_time.count() == 0)
        return 0.0;
    return double(used_time.count()) / double(total_time.count()) * 100.0;
}

double ResourceMonitorUtils::calculate_memory_percentage(size_t used_mb, size_t total_mb)
{
    if (total_mb == 0)
        return 0.0;
    return double(used_mb) / double(total_mb) * 100.0;
}

QString ResourceMonitorUtils::format_usage(const ResourceUsage &usage)
{
    return QStringLiteral("CPU %1 s, memory %2 MB, disk %3 MB, %4 file handles, %5 connections")
        .arg(ms_to_seconds(usage.cpu_time_used), 0, 'f', 3)
        .arg(qulonglong(usage.memory_used_mb))
        .arg(qulonglong(usage.disk_space_used_mb))
        .arg(usage.file_handles_used)
        .arg(usage.network_connections_used);
}

bool ResourceMonitorUtils::exceeds_threshold(
    const ResourceUsage &usage, const ResourceLimits &limits, double threshold_percentage)
{
    const auto above = [threshold_percentage](double used, double limit) {
        return limit > 0 && used / limit * 100.0 > threshold_percentage;
    };
    return above(double(usage.cpu_time_used.count()), double(limits.cpu_time_limit.count()))
        || above(double(usage.memory_used_mb), double(limits.memory_limit_mb))
        || above(double(usage.disk_space_used_mb), double(limits.disk_space_limit_mb))
        || above(usage.file_handles_used, limits.max_file_handles)
        || above(usage.network_connections_used, limits.max_network_connections);
}

} // namespace qtplugin
