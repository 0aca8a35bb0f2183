// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sandbox_loop.hpp"
#include "plugin_sandbox_p.hpp"

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QMutexLocker>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <new>

namespace qtplugin {

namespace {

// QThread -> its loop.  Never destroyed: sandboxes held by static objects
// (the manager) may outlive any other static.
struct Registry
{
    QMutex mutex;
    QHash<QThread *, std::weak_ptr<SandboxLoop>> loops;
};

Registry &registry()
{
    static Registry *r = new Registry;
    return *r;
}

} // namespace

// The last sandbox of a thread may go away from inside one of the loop's
// own slots (a slot deleting it while the loop delivers), or in another
// thread: then the loop is deleted later, by its own thread's event loop.
void SandboxLoop::destroy(SandboxLoop *loop)
{
    if (loop->thread() == QThread::currentThread() && loop->m_busy == 0)
        delete loop;
    else
        loop->deleteLater();
}

std::shared_ptr<SandboxLoop> SandboxLoop::for_thread(QThread *thread)
{
    Registry &reg = registry();
    QMutexLocker locker(&reg.mutex);
    if (auto existing = reg.loops.value(thread).lock())
        return existing;

    qfs_loop *raw = nullptr;
    const int r = qfs_loop_new(&raw);
    if (r == -ENOMEM)
        throw std::bad_alloc();
    if (r < 0)
        return nullptr; // out of descriptors; the caller reports it
    auto *loop = new SandboxLoop(raw);
    if (thread != QThread::currentThread())
        loop->moveToThread(thread);
    std::shared_ptr<SandboxLoop> shared(loop, destroy);
    if (!reg.loops.contains(thread)) {
        // A dead thread's address may be reused by a new QThread.
        QObject::connect(thread, &QObject::destroyed, [thread] {
            Registry &rg = registry();
            QMutexLocker l(&rg.mutex);
            rg.loops.remove(thread);
        });
    }
    reg.loops.insert(thread, shared);
    locker.unlock();
    loop->wake();
    return shared;
}

SandboxLoop::SandboxLoop(qfs_loop *loop)
    : m_loop(loop)
{ }

SandboxLoop::~SandboxLoop()
{
    // The sandboxes are gone (each held a reference to this object), so the
    // C loop is destroyed with this last reference.
    m_loop = qfs_loop_free(m_loop);
}

void SandboxLoop::push(detail::LoopEvent &&event)
{
    m_queue.push_back(std::move(event));
}

void SandboxLoop::wake()
{
    if (thread() != QThread::currentThread()) {
        QMetaObject::invokeMethod(this, &SandboxLoop::setup_notifier, Qt::QueuedConnection);
        return;
    }
    setup_notifier();
}

void SandboxLoop::setup_notifier()
{
    if (!m_notifier && QAbstractEventDispatcher::instance(thread())) {
        m_notifier = new QSocketNotifier(qfs_loop_get_fd(m_loop), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &SandboxLoop::on_ready);
        m_timer = new QTimer(this);
        m_timer->setSingleShot(true);
        connect(m_timer, &QTimer::timeout, this, &SandboxLoop::on_ready);
    }
    rearm();
}

void SandboxLoop::on_ready()
{
    const Busy busy(this);
    {
        QMutexLocker locker(&m_mutex);
        qfs_loop_dispatch(m_loop);
    }
    deliver();
    rearm();
}

void SandboxLoop::dispatch_once()
{
    {
        QMutexLocker locker(&m_mutex);
        qfs_loop_dispatch(m_loop);
    }
    deliver_or_post();
}

void SandboxLoop::deliver_or_post()
{
    if (thread() == QThread::currentThread()) {
        deliver();
        return;
    }
    QMutexLocker locker(&m_mutex);
    if (m_queue.empty() || m_deliver_posted)
        return;
    m_deliver_posted = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            const Busy busy(this);
            deliver();
        },
        Qt::QueuedConnection);
}

void SandboxLoop::deliver()
{
    // One event at a time, without the lock while emitting: a slot may run
    // a nested loop (wait_for_finished), start plugins, or delete sandboxes.
    // A deleted sandbox's events are dropped through their QPointer.
    for (;;) {
        detail::LoopEvent event;
        {
            QMutexLocker locker(&m_mutex);
            m_deliver_posted = false;
            if (m_queue.empty())
                return;
            event = std::move(m_queue.front());
            m_queue.pop_front();
        }
        if (PluginSandbox *sandbox = event.target.data())
            sandbox->d->handle_event(event);
    }
}

void SandboxLoop::rearm()
{
    if (!m_timer)
        return;
    int timeout;
    {
        QMutexLocker locker(&m_mutex);
        timeout = qfs_loop_get_timeout(m_loop);
    }
    if (timeout >= 0)
        m_timer->start(timeout);
    else
        m_timer->stop();
}

} // namespace qtplugin
