// SPDX-License-Identifier: LGPL-2.1-or-later
//
// PluginSandbox over qfs_sandbox, and the policy value types.  Policies go to
// and from JSON through the C library (qfs_policy_load_string() and
// qfs_policy_save_string()), so there is one schema and one set of messages.
#include "c_convert.hpp"
#include "plugin_sandbox_p.hpp"
#include "sandbox_loop.hpp"

#include <qtplugin/security/sandbox/security_enforcer.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>
#include <cstring>
#include <new>
#include <poll.h>

namespace qtplugin {

using detail::CPolicy;

static void register_metatypes()
{
    // Both spellings: the qualified one for new-style connections and
    // QSignalSpy, the one moc writes into normalised signatures for old-style
    // SIGNAL() strings and queued connections.
    qRegisterMetaType<ResourceUsage>();
    qRegisterMetaType<ResourceUsage>("ResourceUsage");
    qRegisterMetaType<SecurityEvent>();
    qRegisterMetaType<SecurityEvent>("SecurityEvent");
}
Q_CONSTRUCTOR_FUNCTION(register_metatypes)

// ---------------------------------------------------------------- policies

// ResourceLimits and SecurityPermissions are the "limits" and "permissions"
// objects of a policy's JSON: converted as part of a whole policy.
template<typename Part>
static QJsonObject part_to_json(Part SecurityPolicy::*member, const Part &part, const char *key)
{
    SecurityPolicy p;
    p.*member = part;
    return detail::policy_to_json(p).value(QLatin1String(key)).toObject();
}

template<typename Part>
static expected<Part, PluginError> part_from_json(
    Part SecurityPolicy::*member, const QJsonObject &json, const char *key)
{
    auto p = detail::policy_from_json(QJsonObject { { QLatin1String(key), json } });
    if (!p)
        return unexpected(std::move(p).error());
    return (*p).*member;
}

QJsonObject ResourceLimits::to_json() const
{
    return part_to_json(&SecurityPolicy::limits, *this, "limits");
}

expected<ResourceLimits, PluginError> ResourceLimits::from_json(const QJsonObject &json)
{
    return part_from_json(&SecurityPolicy::limits, json, "limits");
}

QJsonObject SecurityPermissions::to_json() const
{
    return part_to_json(&SecurityPolicy::permissions, *this, "permissions");
}

expected<SecurityPermissions, PluginError> SecurityPermissions::from_json(const QJsonObject &json)
{
    return part_from_json(&SecurityPolicy::permissions, json, "permissions");
}

QJsonObject SecurityPolicy::to_json() const
{
    return detail::policy_to_json(*this);
}

expected<SecurityPolicy, PluginError> SecurityPolicy::from_json(const QJsonObject &json)
{
    return detail::policy_from_json(json);
}

static SecurityPolicy builtin_policy(const char *name)
{
    qfs_policy *raw = nullptr;
    const int r = qfs_policy_new_builtin(name, &raw);
    if (r == -ENOMEM)
        throw std::bad_alloc();
    Q_ASSERT(r >= 0);
    CPolicy p(raw);
    // The built-in values always fit the facade's types.
    return detail::from_c(p.get()).value();
}

SecurityPolicy SecurityPolicy::create_unrestricted_policy()
{
    return builtin_policy("unrestricted");
}

SecurityPolicy SecurityPolicy::create_limited_policy()
{
    return builtin_policy("limited");
}

SecurityPolicy SecurityPolicy::create_sandboxed_policy()
{
    return builtin_policy("sandboxed");
}

SecurityPolicy SecurityPolicy::create_strict_policy()
{
    return builtin_policy("strict");
}

// ------------------------------------------------------------------ usage

QJsonObject ResourceUsage::to_json() const
{
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    return QJsonObject {
        { QLatin1String("cpu_time_used"), qint64(cpu_time_used.count()) },
        { QLatin1String("memory_used_mb"), qint64(memory_used_mb) },
        { QLatin1String("disk_space_used_mb"), qint64(disk_space_used_mb) },
        { QLatin1String("file_handles_used"), file_handles_used },
        { QLatin1String("network_connections_used"), network_connections_used },
        { QLatin1String("start_time"),
            qint64(duration_cast<milliseconds>(start_time.time_since_epoch()).count()) },
    };
}

bool ResourceUsage::exceeds_limits(const ResourceLimits &limits) const
{
    return cpu_time_used > limits.cpu_time_limit || memory_used_mb > limits.memory_limit_mb
        || disk_space_used_mb > limits.disk_space_limit_mb
        || file_handles_used > limits.max_file_handles
        || network_connections_used > limits.max_network_connections
        || std::chrono::steady_clock::now() - start_time > limits.execution_timeout;
}

// ------------------------------------------------------- C callbacks (copy)

// Called inside qfs_loop_dispatch() with the loop's mutex held: copy, queue,
// nothing else.
detail::LoopEvent PluginSandbox::Private::event(void *userdata, detail::LoopEvent::Kind kind)
{
    detail::LoopEvent e;
    e.kind = kind;
    e.target = static_cast<Private *>(userdata)->self;
    return e;
}

void PluginSandbox::Private::queue(void *userdata, detail::LoopEvent &&e)
{
    static_cast<Private *>(userdata)->loop->push(std::move(e));
}

void PluginSandbox::Private::on_usage(qfs_sandbox *, const qfs_usage *usage, void *userdata)
{
    detail::LoopEvent e = event(userdata, detail::LoopEvent::Usage);
    e.usage = *usage;
    queue(userdata, std::move(e));
}

void PluginSandbox::Private::on_limit(
    qfs_sandbox *, qfs_resource resource, const qfs_usage *usage, void *userdata)
{
    detail::LoopEvent e = event(userdata, detail::LoopEvent::Limit);
    e.resource = resource;
    e.usage = *usage;
    queue(userdata, std::move(e));
}

void PluginSandbox::Private::on_violation(qfs_sandbox *, const qfs_violation *v, void *userdata)
{
    detail::LoopEvent e = event(userdata, detail::LoopEvent::Violation);
    e.violation_type = v->type;
    char *json = nullptr;
    if (qfs_violation_to_json(v, QFS_JSON_COMPACT, &json) >= 0) {
        e.violation_json = QByteArray(json);
        free(json);
    }
    queue(userdata, std::move(e));
}

static QByteArray output_of(qfs_sandbox *sb, int fd, bool *truncated)
{
    const char *data = nullptr;
    size_t len = 0;
    if (qfs_sandbox_get_output(sb, fd, &data, &len, truncated) < 0 || !data)
        return {};
    return QByteArray(data, qsizetype(len));
}

void PluginSandbox::Private::on_exited(qfs_sandbox *sb, const qfs_exit *x, void *userdata)
{
    detail::LoopEvent e = event(userdata, detail::LoopEvent::Exited);
    e.status = x->status;
    e.exit_code = x->exit_code;
    e.signal = x->signal;
    e.limit = x->limit;
    if (x->usage)
        e.usage = *x->usage;
    e.out = output_of(sb, 1, &e.out_truncated);
    e.err = output_of(sb, 2, &e.err_truncated);
    queue(userdata, std::move(e));
}

const qfs_sandbox_callbacks PluginSandbox::Private::c_callbacks = {
    on_usage,
    on_limit,
    on_violation,
    on_exited,
};

namespace {

QString name_or_number(const char *name, int value)
{
    return name ? QString::fromUtf8(name) : QString::number(value);
}

PluginError error(PluginErrorCode code, const char *message, const char *details = "")
{
    return PluginError(code, message, details);
}

} // namespace

// ------------------------------------------------------------ PluginSandbox

PluginSandbox::Private::Private(PluginSandbox *q_, const SecurityPolicy &p)
    : q(q_)
    , self(q_)
    , policy(p)
{ }

void PluginSandbox::Private::release(bool collect)
{
    if (!sb)
        return;
    QMutexLocker locker(&loop->mutex());
    if (collect && qfs_sandbox_is_running(sb)) {
        // Kill and reap it here so that its end is queued and reported.
        qfs_sandbox_kill(sb);
        qfs_sandbox_wait(sb, 5000);
    }
    sb = qfs_sandbox_free(sb);
}

void PluginSandbox::Private::handle_event(const detail::LoopEvent &e)
{
    const QPointer<PluginSandbox> guard = self;
    const ResourceUsage u = detail::usage_from_c(e.usage);

    switch (e.kind) {
    case detail::LoopEvent::Usage: {
        QMutexLocker locker(&mutex);
        usage = u;
    }
        emit q->resource_usage_updated(u);
        return;

    case detail::LoopEvent::Limit: {
        QMutexLocker locker(&mutex);
        usage = u;
    }
        emit q->resource_limit_exceeded(
            name_or_number(qfs_resource_name(e.resource), e.resource), u.to_json());
        return;

    case detail::LoopEvent::Violation:
        emit q->security_violation(
            name_or_number(qfs_violation_type_name(e.violation_type), e.violation_type),
            QJsonDocument::fromJson(e.violation_json).object());
        return;

    case detail::LoopEvent::Exited:
        break;
    }

    {
        QMutexLocker locker(&mutex);
        usage = u;
    }
    const bool normal = e.status == QFS_STATUS_EXITED;
    // As QProcess reports it: the exit status, or the number of the signal
    // that ended the plugin.
    const int code = normal ? e.exit_code : (e.signal ? e.signal : -1);
    QJsonObject result {
        { QLatin1String("exit_code"), code },
        { QLatin1String("exit_status"),
            normal ? QLatin1String("normal") : QLatin1String("crashed") },
        { QLatin1String("resource_usage"), u.to_json() },
        { QLatin1String("status"), name_or_number(qfs_status_name(e.status), e.status) },
    };
    if (e.signal)
        result.insert(QLatin1String("signal"), e.signal);
    if (e.limit >= 0)
        result.insert(QLatin1String("limit"), name_or_number(qfs_resource_name(e.limit), e.limit));
    if (!e.out.isEmpty())
        result.insert(QLatin1String("stdout"), QString::fromUtf8(e.out));
    if (!e.err.isEmpty())
        result.insert(QLatin1String("stderr"), QString::fromUtf8(e.err));
    if (e.out_truncated)
        result.insert(QLatin1String("stdout_truncated"), true);
    if (e.err_truncated)
        result.insert(QLatin1String("stderr_truncated"), true);

    if (!normal) {
        // QtForge reported every abnormal end (QProcess::Crashed) this way.
        emit q->security_violation(QStringLiteral("process_error"),
            QJsonObject {
                { QLatin1String("error_type"), QLatin1String("Process crashed") },
                { QLatin1String("error_code"), 1 },
                { QLatin1String("status"), result.value(QLatin1String("status")) },
                { QLatin1String("signal"), e.signal },
                { QLatin1String("resource_usage"), u.to_json() },
            });
        if (!guard)
            return;
    }
    emit q->execution_completed(code, result);
}

PluginSandbox::PluginSandbox(const SecurityPolicy &policy, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, policy))
{ }

PluginSandbox::~PluginSandbox()
{
    QMutexLocker locker(&d->mutex);
    d->release(false);
}

expected<void, PluginError> PluginSandbox::initialize()
{
    QMutexLocker locker(&d->mutex);
    if (d->active)
        return unexpected(error(PluginErrorCode::InvalidState, "Sandbox is already initialized"));

    // QtForge's checks, in its order; the C validation below decides the rest.
    const SecurityPolicy &p = d->policy;
    if (p.policy_name.isEmpty())
        return unexpected(error(PluginErrorCode::InvalidConfiguration,
            "Security policy name cannot be empty", "policy_name"));
    if (p.limits.memory_limit_mb == 0)
        return unexpected(error(PluginErrorCode::InvalidConfiguration,
            "Memory limit must be greater than 0", "limits.memory_limit_mb"));
    if (p.limits.cpu_time_limit.count() <= 0)
        return unexpected(error(PluginErrorCode::InvalidConfiguration,
            "CPU time limit must be positive", "limits.cpu_time_limit"));
    if (p.limits.execution_timeout.count() <= 0)
        return unexpected(error(PluginErrorCode::InvalidConfiguration,
            "Execution timeout must be positive", "limits.execution_timeout"));

    // The sandbox is supervised by the loop of the thread it belongs to.
    std::shared_ptr<SandboxLoop> loop = SandboxLoop::for_thread(thread());
    if (!loop)
        return unexpected(error(PluginErrorCode::ResourceUnavailable,
            "Cannot create the supervision loop (out of descriptors?)"));
    CPolicy cp = detail::to_c(p);
    qfs_sandbox *sb = nullptr;
    qfs_error err {};
    int r;
    {
        QMutexLocker loop_locker(&loop->mutex());
        r = qfs_sandbox_new(loop->loop(), cp.get(), &sb, &err);
        if (r >= 0)
            qfs_sandbox_set_callbacks(sb, &Private::c_callbacks, d.get());
    }
    if (r == -ENOMEM)
        throw std::bad_alloc();
    if (r < 0)
        return unexpected(detail::error_from_c(PluginErrorCode::InvalidConfiguration, err));

    d->loop = std::move(loop);
    d->sb = sb;
    d->active = true;
    d->pid = 0;
    d->usage = ResourceUsage {};
    d->usage.start_time = std::chrono::steady_clock::now();
    return {};
}

void PluginSandbox::shutdown()
{
    std::shared_ptr<SandboxLoop> loop;
    {
        QMutexLocker locker(&d->mutex);
        if (!d->active)
            return;
        d->release(true);
        d->active = false;
        loop = d->loop;
    }
    // The killed plugin's end, if any, is reported now (this thread owns the
    // loop) or by the owning thread.  A slot may delete this sandbox.
    loop->deliver_or_post();
}

expected<QJsonObject, PluginError> PluginSandbox::execute_plugin(
    const QString &plugin_path, PluginType plugin_type, const QJsonObject &arguments)
{
    std::shared_ptr<SandboxLoop> loop;
    QJsonObject process_error;
    PluginError failure;
    {
        QMutexLocker locker(&d->mutex);
        if (!d->active)
            return unexpected(error(PluginErrorCode::InvalidState, "Sandbox is not initialized"));
        loop = d->loop;
        {
            QMutexLocker loop_locker(&loop->mutex());
            if (qfs_sandbox_is_running(d->sb))
                return unexpected(error(PluginErrorCode::InvalidState,
                    "Another plugin is already running in this sandbox"));
        }
        if (plugin_path.isEmpty() || !QFileInfo::exists(plugin_path))
            return unexpected(PluginError(PluginErrorCode::FileNotFound,
                "Plugin file not found: " + plugin_path.toStdString()));
        const int type = int(plugin_type);
        if (type < QFS_PLUGIN_NATIVE || type > QFS_PLUGIN_LUA)
            return unexpected(PluginError(PluginErrorCode::NotSupported,
                "Unsupported plugin type " + std::to_string(type)
                    + ": only native, Python, JavaScript and Lua "
                      "plugins run in a sandbox"));

        const QByteArray path = QFile::encodeName(plugin_path);
        const QByteArray json = QJsonDocument(arguments).toJson(QJsonDocument::Compact);
        const char *argv_args[] = { "--args", json.constData(), nullptr };
        const char *const *argv = arguments.isEmpty() ? nullptr : argv_args;

        qfs_error err {};
        int r;
        pid_t pid = 0;
        {
            QMutexLocker loop_locker(&loop->mutex());
            r = qfs_sandbox_start(d->sb, qfs_plugin_type(type), path.constData(), argv, &err);
            if (r >= 0)
                pid = qfs_sandbox_get_pid(d->sb);
        }
        if (r >= 0) {
            d->pid = pid;
            d->usage = ResourceUsage {};
            d->usage.start_time = std::chrono::steady_clock::now();
            locker.unlock();
            loop->wake();
            return QJsonObject {
                { QLatin1String("status"), QLatin1String("started") },
                { QLatin1String("pid"), qint64(pid) },
                { QLatin1String("plugin_path"), plugin_path },
            };
        }

        if (r == -ENOMEM)
            throw std::bad_alloc();
        const std::string why = detail::format_error(err).toStdString();
        switch (r) {
        case -EBUSY:
            return unexpected(error(PluginErrorCode::InvalidState,
                "Another plugin is already running in this sandbox"));
        case -ENOENT:
            return unexpected(PluginError(PluginErrorCode::FileNotFound,
                "Plugin file not found: " + plugin_path.toStdString(), why));
        case -ENOTSUP:
            // The C library names the step: "plugin" when this type cannot
            // run here (no interpreter, no plugin host); anything else is a
            // kernel layer the policy needs, which is a failure to start.
            if (strcmp(err.field, "plugin") == 0)
                return unexpected(PluginError(PluginErrorCode::NotSupported, why, err.field));
            break;
        default:
            break;
        }
        failure = PluginError(
            PluginErrorCode::ExecutionFailed, "Failed to start plugin process: " + why, err.field);
        process_error = QJsonObject {
            { QLatin1String("error_type"), QLatin1String("Failed to start") },
            { QLatin1String("error_code"), 0 },
            { QLatin1String("message"), detail::format_error(err) },
            { QLatin1String("step"), QString::fromUtf8(err.field) },
            { QLatin1String("errno"), err.errnum },
            { QLatin1String("resource_usage"), d->usage.to_json() },
        };
    }
    // As QtForge (QProcess::FailedToStart): signalled before the call returns.
    emit security_violation(QStringLiteral("process_error"), process_error);
    return unexpected(std::move(failure));
}

ResourceUsage PluginSandbox::get_resource_usage() const
{
    QMutexLocker locker(&d->mutex);
    if (d->sb && d->pid) {
        QMutexLocker loop_locker(&d->loop->mutex());
        const qfs_usage *u = nullptr;
        if (qfs_sandbox_sample(d->sb, &u) >= 0 && u)
            d->usage = detail::usage_from_c(*u);
    }
    return d->usage;
}

expected<void, PluginError> PluginSandbox::update_policy(const SecurityPolicy &policy)
{
    QMutexLocker locker(&d->mutex);
    if (d->sb) {
        CPolicy cp = detail::to_c(policy);
        qfs_error err {};
        int r;
        {
            QMutexLocker loop_locker(&d->loop->mutex());
            r = qfs_sandbox_update_policy(d->sb, cp.get(), &err);
        }
        if (r == -EBUSY)
            return unexpected(error(
                PluginErrorCode::InvalidState, "Cannot update policy while plugin is running"));
        if (r == -ENOMEM)
            throw std::bad_alloc();
        if (r < 0)
            return unexpected(detail::error_from_c(PluginErrorCode::InvalidConfiguration, err));
    }
    d->policy = policy;
    return {};
}

const SecurityPolicy &PluginSandbox::get_policy() const
{
    QMutexLocker locker(&d->mutex);
    return d->policy;
}

bool PluginSandbox::is_active() const
{
    QMutexLocker locker(&d->mutex);
    return d->active;
}

bool PluginSandbox::is_running() const
{
    QMutexLocker locker(&d->mutex);
    if (!d->sb)
        return false;
    QMutexLocker loop_locker(&d->loop->mutex());
    return qfs_sandbox_is_running(d->sb);
}

qint64 PluginSandbox::plugin_pid() const
{
    QMutexLocker locker(&d->mutex);
    return d->pid;
}

void PluginSandbox::terminate_plugin()
{
    std::shared_ptr<SandboxLoop> loop;
    {
        QMutexLocker locker(&d->mutex);
        if (!d->sb)
            return;
        loop = d->loop;
        QMutexLocker loop_locker(&loop->mutex());
        if (!qfs_sandbox_is_running(d->sb))
            return;
        qfs_sandbox_kill(d->sb);
        // Reaped before returning, as QtForge's terminate did, so that a new
        // plugin can be started at once.
        qfs_sandbox_wait(d->sb, 5000);
    }
    loop->deliver_or_post();
}

bool PluginSandbox::wait_for_finished(int msecs)
{
    const QPointer<PluginSandbox> guard(this);
    QElapsedTimer timer;
    timer.start();
    std::shared_ptr<SandboxLoop> loop;
    for (;;) {
        {
            QMutexLocker locker(&d->mutex);
            if (!d->sb)
                return true;
            loop = d->loop;
            QMutexLocker loop_locker(&loop->mutex());
            if (!qfs_sandbox_is_running(d->sb))
                break;
        }
        int wait = -1;
        if (msecs >= 0) {
            wait = int(msecs - timer.elapsed());
            if (wait <= 0)
                return false;
        }
        int deadline;
        {
            QMutexLocker loop_locker(&loop->mutex());
            deadline = qfs_loop_get_timeout(loop->loop());
        }
        if (deadline >= 0 && (wait < 0 || deadline < wait))
            wait = deadline;
        pollfd pfd = { qfs_loop_get_fd(loop->loop()), POLLIN, 0 };
        poll(&pfd, 1, wait);
        loop->dispatch_once();
        if (!guard)
            return true; // a slot deleted this sandbox
    }
    loop->deliver_or_post();
    return true;
}

QJsonObject PluginSandbox::get_report() const
{
    QMutexLocker locker(&d->mutex);
    if (!d->sb)
        return {};
    char *text = nullptr;
    QMutexLocker loop_locker(&d->loop->mutex());
    if (qfs_sandbox_report_json(d->sb, QFS_JSON_COMPACT, &text) < 0)
        return {};
    return detail::json_from_c(text);
}

} // namespace qtplugin
