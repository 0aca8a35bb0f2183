// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SandboxManager: a registry of sandboxes and named policies, callable from
// any thread, including threads that run no event loop.
//
// Sandboxes belong to the manager's thread: a sandbox created from a worker
// is moved there before it is initialized, so its supervision loop is the
// manager thread's loop.  Nothing here waits for the manager's thread (no
// BlockingQueuedConnection): a worker must never block on a main thread that
// may itself be joining the workers.  The C calls a worker makes on such a
// sandbox are serialised with the owning thread by the loop's mutex, and a
// sandbox whose last reference drops in a worker is deleted in its own thread
// (deleteLater()).
#include <qtplugin/security/sandbox/plugin_sandbox.hpp>

#include <QCoreApplication>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>
#include <map>

namespace qtplugin {

class SandboxManager::Private
{
public:
    mutable QMutex mutex;
    std::map<QString, std::shared_ptr<PluginSandbox>> sandboxes;
    std::map<QString, SecurityPolicy> policies;
};

namespace {

void delete_sandbox(PluginSandbox *sandbox)
{
    if (sandbox->thread() == QThread::currentThread())
        delete sandbox;
    else
        sandbox->deleteLater();
}

} // namespace

SandboxManager &SandboxManager::instance()
{
    static SandboxManager manager;
    return manager;
}

SandboxManager::SandboxManager()
    : d(std::make_unique<Private>())
{
    if (QCoreApplication *app = QCoreApplication::instance(); app && app->thread() != thread())
        moveToThread(app->thread());
    d->policies.emplace(
        QStringLiteral("unrestricted"), SecurityPolicy::create_unrestricted_policy());
    d->policies.emplace(QStringLiteral("limited"), SecurityPolicy::create_limited_policy());
    d->policies.emplace(QStringLiteral("sandboxed"), SecurityPolicy::create_sandboxed_policy());
    d->policies.emplace(QStringLiteral("strict"), SecurityPolicy::create_strict_policy());
}

SandboxManager::~SandboxManager()
{
    // At exit: end every plugin (each sandbox frees its C side).
    std::map<QString, std::shared_ptr<PluginSandbox>> sandboxes;
    {
        QMutexLocker locker(&d->mutex);
        sandboxes.swap(d->sandboxes);
    }
    for (auto &[id, sandbox] : sandboxes)
        disconnect(sandbox.get(), nullptr, this, nullptr);
}

expected<std::shared_ptr<PluginSandbox>, PluginError> SandboxManager::create_sandbox(
    const QString &sandbox_id, const SecurityPolicy &policy)
{
    const auto duplicate = [&sandbox_id] {
        return unexpected(PluginError(PluginErrorCode::InvalidArgument,
            "Sandbox with ID '" + sandbox_id.toStdString() + "' already exists"));
    };
    {
        QMutexLocker locker(&d->mutex);
        if (d->sandboxes.count(sandbox_id))
            return duplicate();
    }

    std::shared_ptr<PluginSandbox> sandbox(new PluginSandbox(policy), delete_sandbox);
    if (thread() != QThread::currentThread())
        sandbox->moveToThread(thread());
    if (auto r = sandbox->initialize(); !r)
        return unexpected(std::move(r).error());

    // Both signals are emitted in the manager's thread, so these lambdas run
    // there; the manager is their context, so they go with it.
    connect(sandbox.get(), &PluginSandbox::security_violation, this,
        [this, sandbox_id](const QString &violation, const QJsonObject &details) {
            emit security_event(sandbox_id, violation, details);
        });
    connect(sandbox.get(), &PluginSandbox::resource_limit_exceeded, this,
        [this, sandbox_id](const QString &resource, const QJsonObject &usage) {
            QJsonObject details = usage;
            details.insert(QLatin1String("resource"), resource);
            emit security_event(sandbox_id, QStringLiteral("resource_limit_exceeded"), details);
        });

    {
        QMutexLocker locker(&d->mutex);
        // Another thread may have taken the id meanwhile.
        if (!d->sandboxes.emplace(sandbox_id, sandbox).second) {
            locker.unlock();
            disconnect(sandbox.get(), nullptr, this, nullptr);
            return duplicate();
        }
    }
    emit sandbox_created(sandbox_id);
    return sandbox;
}

std::shared_ptr<PluginSandbox> SandboxManager::get_sandbox(const QString &sandbox_id)
{
    QMutexLocker locker(&d->mutex);
    auto it = d->sandboxes.find(sandbox_id);
    return it == d->sandboxes.end() ? nullptr : it->second;
}

void SandboxManager::remove_sandbox(const QString &sandbox_id)
{
    std::shared_ptr<PluginSandbox> sandbox;
    {
        QMutexLocker locker(&d->mutex);
        auto it = d->sandboxes.find(sandbox_id);
        if (it == d->sandboxes.end())
            return;
        sandbox = std::move(it->second);
        d->sandboxes.erase(it);
    }
    disconnect(sandbox.get(), nullptr, this, nullptr);
    sandbox->shutdown();
    emit sandbox_removed(sandbox_id);
}

std::vector<QString> SandboxManager::get_active_sandboxes() const
{
    std::vector<std::pair<QString, std::shared_ptr<PluginSandbox>>> all;
    {
        QMutexLocker locker(&d->mutex);
        all.assign(d->sandboxes.begin(), d->sandboxes.end());
    }
    std::vector<QString> active;
    for (const auto &[id, sandbox] : all)
        if (sandbox->is_active())
            active.push_back(id);
    return active;
}

void SandboxManager::register_policy(const QString &policy_name, const SecurityPolicy &policy)
{
    QMutexLocker locker(&d->mutex);
    d->policies.insert_or_assign(policy_name, policy);
}

expected<SecurityPolicy, PluginError> SandboxManager::get_policy(const QString &policy_name)
{
    QMutexLocker locker(&d->mutex);
    auto it = d->policies.find(policy_name);
    if (it == d->policies.end())
        return unexpected(PluginError(PluginErrorCode::NotFound,
            "Security policy '" + policy_name.toStdString() + "' not found"));
    return it->second;
}

std::vector<QString> SandboxManager::get_registered_policies() const
{
    QMutexLocker locker(&d->mutex);
    std::vector<QString> names;
    names.reserve(d->policies.size());
    for (const auto &entry : d->policies)
        names.push_back(entry.first);
    return names;
}

void SandboxManager::shutdown_all()
{
    std::map<QString, std::shared_ptr<PluginSandbox>> sandboxes;
    {
        QMutexLocker locker(&d->mutex);
        sandboxes.swap(d->sandboxes);
    }
    for (auto &[id, sandbox] : sandboxes) {
        disconnect(sandbox.get(), nullptr, this, nullptr);
        sandbox->shutdown();
        emit sandbox_removed(id);
    }
}

} // namespace qtplugin
