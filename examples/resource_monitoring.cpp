// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The QtForge documentation's "Resource Monitoring" snippet, unchanged, inside
// a member function (its unqualified connect() is QObject's), followed by
// code that runs a real plugin so that the connected lambdas print: a worker
// that grows by 4 MiB every 100 ms under a 64 MiB limit.
//
//     example_resource_monitoring [PLUGIN]
#include "qtplugin/security/sandbox/plugin_sandbox.hpp"

#include <QCoreApplication>
#include <QDebug>
#include <QJsonDocument>

using namespace qtplugin;
using namespace std::chrono_literals;

class Monitor : public QObject
{
public:
    int run(const SecurityPolicy &policy, const QString &plugin)
    {
        // clang-format off
        // --- seed snippet (unchanged) ---
        auto sandbox = std::make_unique<PluginSandbox>(policy);

        // Connect to monitoring signals
        connect(sandbox.get(), &PluginSandbox::resource_usage_updated,
                [](const ResourceUsage& usage) {
                    qDebug() << "Memory usage:" << usage.memory_used_mb << "MB";
                    qDebug() << "CPU time:" << usage.cpu_time_used.count() << "ms";
                });

        connect(sandbox.get(), &PluginSandbox::resource_limit_exceeded,
                [](const QString& resource, const QJsonObject& usage) {
                    qWarning() << "Resource limit exceeded:" << resource;
                });
        // --- end of seed snippet ---
        // clang-format on

        connect(sandbox.get(), &PluginSandbox::security_violation,
            [](const QString &violation, const QJsonObject &details) {
                qWarning().noquote() << "Violation:" << violation
                                     << QJsonDocument(details).toJson(QJsonDocument::Compact);
            });
        connect(sandbox.get(), &PluginSandbox::execution_completed,
            [](int exit_code, const QJsonObject &result) {
                qInfo().noquote() << "Completed with" << exit_code
                                  << result.value("status").toString();
                QCoreApplication::quit();
            });

        if (auto r = sandbox->initialize(); !r) {
            qCritical() << r.error().to_string().c_str();
            return 1;
        }
        auto started = sandbox->execute_plugin(
            plugin, PluginType::Native, QJsonObject { { "seconds", 4 }, { "step_mb", 4 } });
        if (!started) {
            qCritical() << started.error().to_string().c_str();
            return 1;
        }
        qInfo() << "Started plugin, pid" << started->value("pid").toInteger();
        return QCoreApplication::exec();
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    SecurityPolicy policy = SecurityPolicy::create_sandboxed_policy();
    policy.limits.memory_limit_mb = 64;
    policy.monitor_interval_ms = 250ms;
    Monitor monitor;
    return monitor.run(
        policy, argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(QFS_EXAMPLE_WORKER));
}
