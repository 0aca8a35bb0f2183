// SPDX-License-Identifier: LGPL-2.1-or-later
// qtplugin::expected, unexpected, PluginError and the error codes.
#include <qtplugin/core/dynamic_plugin_interface.hpp>
#include <qtplugin/utils/error_handling.hpp>

#include <QJsonObject>
#include <QTest>

#include <memory>
#include <string>

using namespace qtplugin;

namespace {

expected<void, PluginError> fails_with_ctad()
{
    // Class template argument deduction, as QtForge code writes it.
    return qtplugin::unexpected(PluginError { PluginErrorCode::InvalidState, "already" });
}

expected<void, PluginError> succeeds()
{
    return {};
}

expected<QJsonObject, PluginError> object_or_error(bool ok)
{
    if (!ok)
        return make_error<QJsonObject>(PluginErrorCode::NotFound, "missing", "field x");
    QJsonObject o;
    o.insert(QLatin1String("status"), QLatin1String("started"));
    return o;
}

} // namespace

class TestErrorHandling : public QObject
{
    Q_OBJECT

private slots:
    void errorCodeNumbers()
    {
        struct
        {
            PluginErrorCode code;
            int number;
            const char *name;
        } const table[] = {
            { PluginErrorCode::Success, 0, "Success" },
            { PluginErrorCode::FileNotFound, 100, "FileNotFound" },
            { PluginErrorCode::InvalidFormat, 101, "InvalidFormat" },
            { PluginErrorCode::LoadFailed, 102, "LoadFailed" },
            { PluginErrorCode::UnloadFailed, 103, "UnloadFailed" },
            { PluginErrorCode::SymbolNotFound, 104, "SymbolNotFound" },
            { PluginErrorCode::AlreadyLoaded, 105, "AlreadyLoaded" },
            { PluginErrorCode::NotLoaded, 106, "NotLoaded" },
            { PluginErrorCode::PluginNotFound, 107, "PluginNotFound" },
            { PluginErrorCode::InitializationFailed, 200, "InitializationFailed" },
            { PluginErrorCode::ConfigurationError, 201, "ConfigurationError" },
            { PluginErrorCode::DependencyMissing, 202, "DependencyMissing" },
            { PluginErrorCode::VersionMismatch, 203, "VersionMismatch" },
            { PluginErrorCode::ExecutionFailed, 300, "ExecutionFailed" },
            { PluginErrorCode::CommandNotFound, 301, "CommandNotFound" },
            { PluginErrorCode::InvalidParameters, 302, "InvalidParameters" },
            { PluginErrorCode::StateError, 303, "StateError" },
            { PluginErrorCode::InvalidArgument, 304, "InvalidArgument" },
            { PluginErrorCode::NotFound, 305, "NotFound" },
            { PluginErrorCode::ResourceUnavailable, 306, "ResourceUnavailable" },
            { PluginErrorCode::AlreadyExists, 307, "AlreadyExists" },
            { PluginErrorCode::NotImplemented, 308, "NotImplemented" },
            { PluginErrorCode::InvalidState, 309, "InvalidState" },
            { PluginErrorCode::InvalidConfiguration, 310, "InvalidConfiguration" },
            { PluginErrorCode::DuplicatePlugin, 311, "DuplicatePlugin" },
            { PluginErrorCode::CircularDependency, 312, "CircularDependency" },
            { PluginErrorCode::OperationCancelled, 313, "OperationCancelled" },
            { PluginErrorCode::NotSupported, 314, "NotSupported" },
            { PluginErrorCode::IncompatibleVersion, 315, "IncompatibleVersion" },
            { PluginErrorCode::SystemError, 316, "SystemError" },
            { PluginErrorCode::SecurityViolation, 400, "SecurityViolation" },
            { PluginErrorCode::PermissionDenied, 401, "PermissionDenied" },
            { PluginErrorCode::SignatureInvalid, 402, "SignatureInvalid" },
            { PluginErrorCode::UntrustedSource, 403, "UntrustedSource" },
            { PluginErrorCode::OutOfMemory, 500, "OutOfMemory" },
            { PluginErrorCode::ResourceExhausted, 501, "ResourceExhausted" },
            { PluginErrorCode::NetworkError, 502, "NetworkError" },
            { PluginErrorCode::FileSystemError, 503, "FileSystemError" },
            { PluginErrorCode::ThreadingError, 504, "ThreadingError" },
            { PluginErrorCode::TimeoutError, 505, "TimeoutError" },
            { PluginErrorCode::UnknownError, 999, "UnknownError" },
        };
        for (const auto &row : table) {
            QCOMPARE(static_cast<int>(row.code), row.number);
            QCOMPARE(error_code_to_string(row.code), row.name);
        }
    }

    void pluginTypeNumbers()
    {
        QCOMPARE(int(PluginType::Native), 0);
        QCOMPARE(int(PluginType::Python), 1);
        QCOMPARE(int(PluginType::JavaScript), 2);
        QCOMPARE(int(PluginType::Lua), 3);
        QCOMPARE(int(PluginType::Remote), 4);
        QCOMPARE(int(PluginType::Composite), 5);
    }

    void pluginErrorConstructors()
    {
        const PluginError a(PluginErrorCode::NotFound);
        QCOMPARE(a.code, PluginErrorCode::NotFound);
        QCOMPARE(a.message, std::string("NotFound"));
        QVERIFY(a.details.empty());

        const PluginError b { PluginErrorCode::InvalidState, "Sandbox is already initialized" };
        QCOMPARE(b.message, std::string("Sandbox is already initialized"));
        QVERIFY(b.details.empty());
        QCOMPARE(b.to_string(), std::string("InvalidState (309): Sandbox is already initialized"));

        const PluginError c { PluginErrorCode::InvalidConfiguration, "bad",
            "limits.memory_limit_mb" };
        QCOMPARE(c.details, std::string("limits.memory_limit_mb"));
        QCOMPARE(
            c.to_string(), std::string("InvalidConfiguration (310): bad [limits.memory_limit_mb]"));
    }

    void voidExpected()
    {
        const auto ok = succeeds();
        QVERIFY(ok.has_value());
        QVERIFY(bool(ok));
        ok.value(); // does not throw

        const auto bad = fails_with_ctad();
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, PluginErrorCode::InvalidState);
        QCOMPARE(bad.error().message, std::string("already"));
        QVERIFY_THROWS_EXCEPTION(bad_expected_access<PluginError>, bad.value());
    }

    void valueExpected()
    {
        auto ok = object_or_error(true);
        QVERIFY(ok);
        QCOMPARE(ok->value(QLatin1String("status")).toString(), QStringLiteral("started"));
        QCOMPARE((*ok).size(), 1);
        QCOMPARE(ok.value().size(), 1);

        auto bad = object_or_error(false);
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().code, PluginErrorCode::NotFound);
        QCOMPARE(bad.error().details, std::string("field x"));
        QCOMPARE(bad.value_or(QJsonObject { { QLatin1String("fallback"), 1 } }).size(), 1);
        QVERIFY(bad.value_or(QJsonObject {}).isEmpty());
        try {
            (void)bad.value();
            QFAIL("value() of an error must throw");
        } catch (const bad_expected_access<PluginError> &e) {
            QCOMPARE(e.error().code, PluginErrorCode::NotFound);
        }
    }

    void implicitConversions()
    {
        // From T, from something T is built from, and from unexpected<E>.
        PluginResult<int> a = 7;
        QCOMPARE(*a, 7);
        PluginResult<std::string> b = "text";
        QCOMPARE(b.value(), std::string("text"));
        PluginResult<std::shared_ptr<int>> c = std::make_shared<int>(3);
        QCOMPARE(**c, 3);
        PluginResult<int> d = unexpected(PluginError(PluginErrorCode::TimeoutError));
        QCOMPARE(d.error().code, PluginErrorCode::TimeoutError);
        // Move-only values.
        PluginResult<std::unique_ptr<int>> e = std::make_unique<int>(5);
        std::unique_ptr<int> moved = std::move(e).value();
        QCOMPARE(*moved, 5);
    }

    void helpers()
    {
        auto s = make_success(42);
        static_assert(std::is_same_v<decltype(s), PluginResult<int>>);
        QCOMPARE(*s, 42);
        QVERIFY(make_success().has_value());

        auto e1 = make_error<int>(PluginErrorCode::NotSupported);
        QCOMPARE(e1.error().code, PluginErrorCode::NotSupported);
        auto e2 = make_error<void>(PluginErrorCode::ExecutionFailed, "could not start");
        QCOMPARE(e2.error().message, std::string("could not start"));
        auto e3 = make_error<QString>(PluginErrorCode::InvalidArgument, "dup", "id");
        QCOMPARE(e3.error().details, std::string("id"));
        auto e4 = make_error<int>(PluginError(PluginErrorCode::NotFound, "x"));
        QCOMPARE(e4.error().message, std::string("x"));
    }
};

QTEST_GUILESS_MAIN(TestErrorHandling)
#include "tst_qt_error_handling.moc"
