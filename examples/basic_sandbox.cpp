// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The QtForge documentation's "Basic Sandbox Creation" snippet, unchanged,
// as a program.  It starts /path/to/plugin, which does not exist here, so
// execute_plugin() fails with FileNotFound and the program prints nothing;
// resource_monitoring.cpp runs a real plugin.
#include "qtplugin/security/sandbox/plugin_sandbox.hpp"

#include <QCoreApplication>
#include <QDebug>

using namespace qtplugin;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    // clang-format off
    // --- seed snippet (unchanged) ---
    // Create a sandbox with strict security policy
    SecurityPolicy policy = SecurityPolicy::create_strict_policy();
    auto sandbox = std::make_unique<PluginSandbox>(policy);

    // Initialize the sandbox
    auto result = sandbox->initialize();
    if (result) {
        // Execute a plugin
        auto exec_result = sandbox->execute_plugin("/path/to/plugin", PluginType::Native);
        if (exec_result) {
            qDebug() << "Plugin started successfully";
        }
    }

    // Cleanup
    sandbox->shutdown();
    // --- end of seed snippet ---
    // clang-format on

    return 0;
}
