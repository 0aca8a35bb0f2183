// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The QtForge documentation's "Using SandboxManager" snippet, unchanged, as a
// program, with a line around it that shows what it did.
#include "qtplugin/security/sandbox/plugin_sandbox.hpp"

#include <QCoreApplication>
#include <QDebug>

using namespace qtplugin;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QObject::connect(&SandboxManager::instance(), &SandboxManager::sandbox_created,
        [](const QString &id) { qInfo() << "created" << id; });
    QObject::connect(&SandboxManager::instance(), &SandboxManager::sandbox_removed,
        [](const QString &id) { qInfo() << "removed" << id; });

    // clang-format off
    // --- seed snippet (unchanged) ---
    // Get the singleton instance
    SandboxManager& manager = SandboxManager::instance();

    // Create a sandbox
    auto policy = manager.get_policy("sandboxed").value();
    auto sandbox_result = manager.create_sandbox("my_sandbox", policy);

    if (sandbox_result) {
        auto sandbox = sandbox_result.value();
        // Use the sandbox...
    }

    // Cleanup
    manager.remove_sandbox("my_sandbox");
    // --- end of seed snippet ---
    // clang-format on

    return manager.get_sandbox("my_sandbox") == nullptr ? 0 : 1;
}
