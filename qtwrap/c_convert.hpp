// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Conversions between the facade's value types and the C library's: the
// whole of what the facade knows about policies.  Everything that judges a
// value lives in C.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

#include <qfsandbox/qfsandbox.h>
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

namespace qtplugin::detail {

struct PolicyFree
{
    void operator()(qfs_policy *p) const { qfs_policy_free(p); }
};
using CPolicy = std::unique_ptr<qfs_policy, PolicyFree>;

struct MallocFree
{
    void operator()(char *p) const;
};
using CString = std::unique_ptr<char, MallocFree>;

// A new C policy with the values of @policy (not validated).  Throws
// std::bad_alloc when the C library runs out of memory.
CPolicy to_c(const SecurityPolicy &policy);
// The values of @policy.  Fails (InvalidConfiguration, naming the field) only
// for a number that does not fit the facade's field type.
expected<SecurityPolicy, PluginError> from_c(const qfs_policy *policy);

// A policy from the JSON text of one, through qfs_policy_load_string().
expected<SecurityPolicy, PluginError> policy_from_json(const QJsonObject &json);
// The JSON object qfs_policy_save_string() writes for @policy.
QJsonObject policy_to_json(const SecurityPolicy &policy);

ResourceUsage usage_from_c(const qfs_usage &usage);

// @code with the message of @err; details carry the field (or setup step).
PluginError error_from_c(PluginErrorCode code, const qfs_error &err);
// The error rendered with its position, as the C tools print it.
QString format_error(const qfs_error &err);

// A JSON object from a malloc'ed string the C library returned (freed here).
QJsonObject json_from_c(char *text);

} // namespace qtplugin::detail
