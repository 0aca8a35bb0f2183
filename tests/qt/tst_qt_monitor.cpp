// SPDX-License-Identifier: LGPL-2.1-or-later
// SandboxResourceMonitor (any process, the system) and ResourceMonitorUtils.
#include <qtplugin/security/sandbox/resource_monitor.hpp>

#include <QCoreApplication>
#include <QTest>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace qtplugin;
using namespace std::chrono_literals;

class TestMonitor : public QObject
{
    Q_OBJECT

private slots:
    void supported()
    {
        QVERIFY(SandboxResourceMonitor::is_supported());
        SandboxResourceMonitor m;
        QVERIFY(m.initialize());
        m.shutdown();
    }

    void ownProcess()
    {
        SandboxResourceMonitor m;
        // Allocate and touch 32 MiB, open 20 extra descriptors.
        std::vector<char> block(32 << 20, 1);
        std::vector<int> fds;
        for (int i = 0; i < 20; i++)
            fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
        // Burn a little CPU so that the figure is not zero.
        volatile unsigned long n = 0;
        for (unsigned long i = 0; i < 50000000UL; i++)
            n = n + i;

        const ResourceUsage u = m.get_process_usage(QCoreApplication::applicationPid());
        QVERIFY2(u.memory_used_mb >= 32, qPrintable(QString::number(u.memory_used_mb)));
        QVERIFY2(u.file_handles_used >= 23, qPrintable(QString::number(u.file_handles_used)));
        QVERIFY(u.cpu_time_used > 0ms);
        // Started before now, on the steady clock.
        QVERIFY(u.start_time <= std::chrono::steady_clock::now());
        QVERIFY(u.start_time > std::chrono::steady_clock::time_point());
        for (int fd : fds)
            close(fd);
        QCOMPARE(block[block.size() / 2], char(1));
    }

    void otherProcess()
    {
        // A child that is not ours in any way the monitor knows about.
        const auto before = std::chrono::steady_clock::now();
        const pid_t child = fork();
        if (child == 0) {
            pause();
            _exit(0);
        }
        QVERIFY(child > 0);
        SandboxResourceMonitor m;
        const ResourceUsage u = m.get_process_usage(child);
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        QVERIFY(u.file_handles_used >= 3);
        // Its own start time (not ours, not now), to the clock tick.
        QVERIFY(u.start_time >= before - 20ms);
        QVERIFY(u.start_time <= std::chrono::steady_clock::now());

        // Gone: all zero.
        const ResourceUsage gone = m.get_process_usage(child);
        QCOMPARE(gone.memory_used_mb, size_t(0));
        QCOMPARE(gone.file_handles_used, 0);
        QCOMPARE(gone.cpu_time_used, 0ms);
        QCOMPARE(m.get_process_usage(-1).memory_used_mb, size_t(0));
    }

    void system()
    {
        SandboxResourceMonitor m;
        const ResourceUsage u = m.get_system_usage();
        QVERIFY(u.memory_used_mb > 0);
        QVERIFY(u.cpu_time_used > 0ms);
    }

    void utils()
    {
        QCOMPARE(ResourceMonitorUtils::bytes_to_mb(5u << 20), size_t(5));
        QCOMPARE(ResourceMonitorUtils::bytes_to_mb((1u << 20) - 1), size_t(0));
        QCOMPARE(ResourceMonitorUtils::ms_to_seconds(1500ms), 1.5);
        QCOMPARE(ResourceMonitorUtils::calculate_cpu_percentage(250ms, 1000ms), 25.0);
        QCOMPARE(ResourceMonitorUtils::calculate_cpu_percentage(250ms, 0ms), 0.0);
        QCOMPARE(ResourceMonitorUtils::calculate_memory_percentage(64, 256), 25.0);
        QCOMPARE(ResourceMonitorUtils::calculate_memory_percentage(64, 0), 0.0);

        ResourceUsage u;
        u.cpu_time_used = 1250ms;
        u.memory_used_mb = 12;
        u.file_handles_used = 4;
        QCOMPARE(ResourceMonitorUtils::format_usage(u),
            QStringLiteral("CPU 1.250 s, memory 12 MB, disk 0 MB, 4 file handles, "
                           "0 connections"));
    }

    void threshold()
    {
        ResourceLimits l; // 30000 ms, 256 MB, 100 MB, 50 files, 10 connections
        ResourceUsage u;
        QVERIFY(!ResourceMonitorUtils::exceeds_threshold(u, l));
        u.memory_used_mb = 204; // 79.7 %
        QVERIFY(!ResourceMonitorUtils::exceeds_threshold(u, l));
        u.memory_used_mb = 205; // 80.1 %
        QVERIFY(ResourceMonitorUtils::exceeds_threshold(u, l));
        u = ResourceUsage();
        u.file_handles_used = 40; // exactly 80 %: not above
        QVERIFY(!ResourceMonitorUtils::exceeds_threshold(u, l));
        QVERIFY(ResourceMonitorUtils::exceeds_threshold(u, l, 79.0));
        u = ResourceUsage();
        u.cpu_time_used = 15001ms;
        QVERIFY(ResourceMonitorUtils::exceeds_threshold(u, l, 50.0));
        u = ResourceUsage();
        u.network_connections_used = 9;
        QVERIFY(ResourceMonitorUtils::exceeds_threshold(u, l));
        u = ResourceUsage();
        u.disk_space_used_mb = 81;
        QVERIFY(ResourceMonitorUtils::exceeds_threshold(u, l));
        // A limit of 0 is not a ratio.
        l.max_network_connections = 0;
        u = ResourceUsage();
        u.network_connections_used = 1;
        QVERIFY(!ResourceMonitorUtils::exceeds_threshold(u, l));
    }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_qt_monitor.moc"
