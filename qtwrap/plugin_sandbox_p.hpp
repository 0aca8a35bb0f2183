// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include "sandbox_loop.hpp"

#include <QMutex>
#include <QPointer>

#include <memory>

#include <qfsandbox/qfsandbox.h>
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

namespace qtplugin {

class PluginSandbox::Private
{
public:
    explicit Private(PluginSandbox *q, const SecurityPolicy &policy);

    // Called by the loop after dispatch, in the loop's thread; emits.
    void handle_event(const detail::LoopEvent &event);

    // Frees the C sandbox.  With @collect, a running plugin is killed and
    // reaped first so that its end is reported.  Locks: mutex held by the
    // caller; takes the loop's.
    void release(bool collect);

    // The C callbacks; userdata is the Private.  They run inside
    // qfs_loop_dispatch() with the loop's mutex held and only queue a copy.
    static const qfs_sandbox_callbacks c_callbacks;
    static detail::LoopEvent event(void *userdata, detail::LoopEvent::Kind kind);
    static void queue(void *userdata, detail::LoopEvent &&event);
    static void on_usage(qfs_sandbox *sb, const qfs_usage *usage, void *userdata);
    static void on_limit(
        qfs_sandbox *sb, qfs_resource resource, const qfs_usage *usage, void *userdata);
    static void on_violation(qfs_sandbox *sb, const qfs_violation *violation, void *userdata);
    static void on_exited(qfs_sandbox *sb, const qfs_exit *exit, void *userdata);

    PluginSandbox *const q;
    const QPointer<PluginSandbox> self;

    // Guards everything below.  Order: this mutex, then the loop's.
    mutable QMutex mutex;
    SecurityPolicy policy;
    bool active = false;
    std::shared_ptr<SandboxLoop> loop;
    qfs_sandbox *sb = nullptr;
    ResourceUsage usage; // latest sample, or the final one
    qint64 pid = 0;
};

} // namespace qtplugin
