// Helpers shared by the unit suites: owning wrappers for C handles and
// error rendering.
#pragma once

#include <QString>
#include <QtTest>

#include <memory>

#include <qfsandbox/qfsandbox.h>

struct PolicyDeleter
{
    void operator()(qfs_policy *p) const { qfs_policy_free(p); }
};
using Policy = std::unique_ptr<qfs_policy, PolicyDeleter>;

inline Policy newPolicy()
{
    qfs_policy *p = nullptr;
    if (qfs_policy_new(&p) < 0)
        qFatal("qfs_policy_new failed");
    return Policy(p);
}

inline Policy builtinPolicy(const char *name)
{
    qfs_policy *p = nullptr;
    if (qfs_policy_new_builtin(name, &p) < 0)
        qFatal("qfs_policy_new_builtin(%s) failed", name);
    return Policy(p);
}

inline QString formatError(const qfs_error &err)
{
    char buf[1024];
    qfs_error_format(&err, buf, sizeof(buf));
    return QString::fromUtf8(buf);
}

inline QStringList listOf(const qfs_policy *p, qfs_list list)
{
    QStringList out;
    for (size_t i = 0; i < qfs_policy_list_count(p, list); ++i)
        out << QString::fromUtf8(qfs_policy_list_get(p, list, i));
    return out;
}

inline Policy loadString(
    const QByteArray &json, qfs_error *err = nullptr, const char *source = "test.json")
{
    qfs_policy *p = nullptr;
    qfs_error local;
    if (qfs_policy_load_string(
            json.constData(), size_t(json.size()), source, &p, err ? err : &local)
        < 0)
        return nullptr;
    return Policy(p);
}
