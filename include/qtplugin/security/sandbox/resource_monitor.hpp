// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Usage of processes that are not sandboxed, and of the system, measured by
// the C library from /proc.  Sandboxes measure themselves
// (PluginSandbox::get_resource_usage()).
#pragma once

#include <QObject>
#include <QString>

#include <chrono>
#include <cstddef>
#include <memory>

#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

namespace qtplugin {

class QTFORGE_SANDBOX_EXPORT SandboxResourceMonitor : public QObject
{
    Q_OBJECT

public:
    explicit SandboxResourceMonitor(QObject *parent = nullptr);
    ~SandboxResourceMonitor() override;

    // Whether this host can be measured (is_supported()).
    bool initialize();
    void shutdown();

    // CPU time, resident memory and open descriptors of any process, with
    // its start time; all zero (and start_time now) when @pid does not exist
    // or cannot be read.
    ResourceUsage get_process_usage(qint64 pid);
    // CPU time of all CPUs since boot, memory in use, disk used on the file
    // system holding /tmp.
    ResourceUsage get_system_usage();

    static bool is_supported();

private:
    class Private;
    std::unique_ptr<Private> const d;
};

class QTFORGE_SANDBOX_EXPORT ResourceMonitorUtils
{
public:
    static size_t bytes_to_mb(size_t bytes) { return bytes / (1024 * 1024); }
    static double ms_to_seconds(std::chrono::milliseconds ms) { return ms.count() / 1000.0; }
    // 0 when @total_time is 0.
    static double calculate_cpu_percentage(
        std::chrono::milliseconds used_time, std::chrono::milliseconds total_time);
    // 0 when @total_mb is 0.
    static double calculate_memory_percentage(size_t used_mb, size_t total_mb);
    // "CPU 1.250 s, memory 12 MB, disk 0 MB, 4 file handles, 0 connections"
    static QString format_usage(const ResourceUsage &usage);
    // Whether any of the five counters is above @threshold_percentage of its
    // limit (limits of 0 are not considered).
    static bool exceeds_threshold(const ResourceUsage &usage, const ResourceLimits &limits,
        double threshold_percentage = 80.0);
};

} // namespace qtplugin
