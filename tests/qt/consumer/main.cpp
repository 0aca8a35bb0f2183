// SPDX-License-Identifier: LGPL-2.1-or-later
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>
#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <cstdio>

int main()
{
    using namespace qtplugin;
    auto policy = SandboxManager::instance().get_policy(QStringLiteral("strict"));
    QString error;
    if (!policy || !SecurityPolicyValidator::validate_policy(*policy, error))
        return 1;
    PluginSandbox sandbox(*policy);
    if (!sandbox.initialize())
        return 2;
    std::printf("consumer: %s level %d\n", qPrintable(policy->policy_name), int(policy->level));
    return 0;
}
