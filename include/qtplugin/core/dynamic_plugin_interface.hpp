// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The kinds of plugin, as QtForge numbers them.  The sandbox runs Native
// (an executable, or a shared library run by qfsandbox-host), Python
// (python3 FILE), JavaScript (node FILE) and Lua (lua FILE); Remote and
// Composite plugins have no process of their own and are not runnable here.
#pragma once

#include <qtplugin/utils/error_handling.hpp>

namespace qtplugin {

enum class PluginType {
    Native = 0,
    Python = 1,
    JavaScript = 2,
    Lua = 3,
    Remote = 4,
    Composite = 5,
};

} // namespace qtplugin
