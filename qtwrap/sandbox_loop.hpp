// SPDX-License-Identifier: LGPL-2.1-or-later
//
// One qfs_loop per thread, bound to that thread's Qt event loop.
//
// The C library owns no threads: a qfs_loop is one epoll descriptor that
// becomes readable when any of its sandboxes has something to report.  A
// SandboxLoop lives in one thread, watches that descriptor with a
// QSocketNotifier (plus a single-shot QTimer for the loop's next deadline) and
// calls qfs_loop_dispatch().  The C callbacks only copy their event into a
// queue; the queue is emptied, and Qt signals emitted, after dispatch has
// returned, in the loop's own thread, so a slot may delete any sandbox,
// including the one it is called for.
//
// The C library allows only one thread at a time on a loop and its
// sandboxes.  Every call into it on this loop's sandboxes holds mutex(), so
// the facade's methods may be called from any thread (SandboxManager's
// workers) while the owning thread dispatches.
#pragma once

#include <QByteArray>
#include <QMutex>
#include <QObject>
#include <QPointer>

#include <deque>
#include <memory>

#include <qfsandbox/qfsandbox.h>
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

class QSocketNotifier;
class QThread;
class QTimer;

namespace qtplugin {

namespace detail {

// A copy of one C callback's data, kept until it is emitted.
struct LoopEvent
{
    enum Kind { Usage, Limit, Violation, Exited } kind = Usage;
    QPointer<PluginSandbox> target;
    qfs_usage usage {};
    int resource = -1; // Limit
    int violation_type = -1; // Violation
    QByteArray violation_json; // Violation: qfs_violation_to_json()
    // Exited:
    int status = -1;
    int exit_code = -1;
    int signal = 0;
    int limit = -1;
    QByteArray out;
    QByteArray err;
    bool out_truncated = false;
    bool err_truncated = false;
};

} // namespace detail

class SandboxLoop : public QObject
{
    Q_OBJECT

public:
    // The loop of @thread, created on first use (from any thread).  Shared by
    // every sandbox of that thread; it lives as long as one of them does.
    static std::shared_ptr<SandboxLoop> for_thread(QThread *thread);
    ~SandboxLoop() override;

    qfs_loop *loop() const { return m_loop; }
    // Held around every C call on this loop or one of its sandboxes.
    QMutex &mutex() { return m_mutex; }

    // From C callbacks only (mutex() is held).
    void push(detail::LoopEvent &&event);

    // After a plugin was started from any thread: make sure the socket
    // notifier exists (creating it needs the owning thread and its event
    // dispatcher) and the deadline timer is armed.
    void wake();
    // One non-blocking dispatch, then emit what it produced if the calling
    // thread owns the loop; otherwise leave that to the owning thread.
    void dispatch_once();
    // Emit the queued events (owning thread only); from any other thread,
    // ask the owning thread to do it.
    void deliver_or_post();

private:
    // Marks the loop as running one of its own slots (see destroy()).
    struct Busy
    {
        explicit Busy(SandboxLoop *l)
            : loop(l)
        {
            loop->m_busy++;
        }
        ~Busy() { loop->m_busy--; }
        SandboxLoop *const loop;
    };

    explicit SandboxLoop(qfs_loop *loop);
    static void destroy(SandboxLoop *loop);
    void setup_notifier();
    void on_ready();
    void deliver();
    void rearm();

    qfs_loop *m_loop = nullptr;
    QMutex m_mutex;
    std::deque<detail::LoopEvent> m_queue; // guarded by m_mutex
    bool m_deliver_posted = false; // guarded by m_mutex
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_timer = nullptr;
    int m_busy = 0; // owning thread only
};

} // namespace qtplugin
