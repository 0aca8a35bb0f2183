// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A QML dashboard of a few sandboxes: live usage, state and violations,
// through the QtForge.Sandbox module.
//
//     example_qml_monitor [--screenshot FILE [--after MS]]
//
// With --screenshot it renders (offscreen works: QT_QPA_PLATFORM=offscreen),
// saves the window to FILE after MS milliseconds (default 4000) and exits.
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickWindow>
#include <QTimer>

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QStringLiteral("Save the window to <file> and exit."), QStringLiteral("file"));
    const QCommandLineOption after(QStringLiteral("after"),
        QStringLiteral("Take the screenshot after <ms>."), QStringLiteral("ms"),
        QStringLiteral("4000"));
    parser.addOptions({ screenshot, after });
    parser.process(app);

    // The offscreen platform has no OpenGL; Qt Quick's software renderer
    // draws the same scene.
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral(QFS_QML_DIR)); // the module in the build tree
    engine.rootContext()->setContextProperty(
        QStringLiteral("workerPath"), QStringLiteral(QFS_EXAMPLE_WORKER));
    engine.rootContext()->setContextProperty(
        QStringLiteral("proberPath"), QStringLiteral(QFS_EXAMPLE_PROBER));
    engine.load(QUrl(QStringLiteral("qrc:/qml-monitor/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;

    if (parser.isSet(screenshot)) {
        auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
        QTimer::singleShot(parser.value(after).toInt(), &app, [&] {
            const QImage image = window->grabWindow();
            const bool saved = image.save(parser.value(screenshot));
            QCoreApplication::exit(saved ? 0 : 1);
        });
    }
    return app.exec();
}
