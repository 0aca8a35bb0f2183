// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The QtForge documentation's "Custom Security Policy" snippet, unchanged,
// as a program; it then prints the registered policy as JSON and whether the
// sandbox library accepts it (/var/cache must exist, *.trusted.com is a
// valid pattern).
#include "qtplugin/security/sandbox/plugin_sandbox.hpp"
#include "qtplugin/security/sandbox/security_enforcer.hpp"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QTextStream>

using namespace qtplugin;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    // clang-format off
    // --- seed snippet (unchanged) ---
    SecurityPolicy custom_policy;
    custom_policy.level = SandboxSecurityLevel::Limited;
    custom_policy.policy_name = "custom_policy";

    // Set resource limits
    custom_policy.limits.memory_limit_mb = 512;
    custom_policy.limits.cpu_time_limit = std::chrono::minutes(5);

    // Set permissions
    custom_policy.permissions.allow_file_system_read = true;
    custom_policy.permissions.allow_network_access = true;
    custom_policy.permissions.allowed_directories = {"/tmp", "/var/cache"};
    custom_policy.permissions.allowed_hosts = {"api.example.com", "*.trusted.com"};

    // Register the policy
    SandboxManager::instance().register_policy("custom", custom_policy);
    // --- end of seed snippet ---
    // clang-format on

    QTextStream out(stdout);
    const auto registered = SandboxManager::instance().get_policy("custom");
    out << QJsonDocument(registered->to_json()).toJson();
    QString error;
    if (!SecurityPolicyValidator::validate_policy(*registered, error)) {
        out << "invalid: " << error << "\n";
        return 1;
    }
    out << "valid\n";
    return 0;
}
