// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs the QML test cases of this directory (tst_*.qml) against the
// QtForge.Sandbox module, with the test plugin's path and the host's support
// for the Sandboxed level as context properties.
#include <QQmlContext>
#include <QQmlEngine>
#include <QtQuickTest>

#include <qfsandbox/probe.h>

class Setup : public QObject
{
    Q_OBJECT

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral(QFS_QML_DIR));
        qfs_error err {};
        const QString unavailable
            = qfs_probe_level(2, &err) < 0 ? QString::fromUtf8(err.message) : QString();
        engine->rootContext()->setContextProperty(
            QStringLiteral("pluginPath"), QStringLiteral(QFS_QT_PLUGIN));
        engine->rootContext()->setContextProperty(
            QStringLiteral("sandboxedUnavailable"), unavailable);
    }
};

QUICK_TEST_MAIN_WITH_SETUP(qml_sandbox, Setup)
#include "tst_qml_sandbox.moc"
