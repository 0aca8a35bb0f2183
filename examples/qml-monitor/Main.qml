// SPDX-License-Identifier: LGPL-2.1-or-later
// Three sandboxes, one card each: what runs, how much it uses, what it tried.
import QtQuick
import QtQuick.Window
import QtForge.Sandbox

Window {
    id: window
    width: 960
    height: 400
    visible: true
    color: "#1d2127"
    title: "qfsandbox monitor"

    readonly property var plugins: [
        { policy: "limited", path: workerPath, args: { seconds: 0, step_mb: 2, max_mb: 96 },
          memory: 512, label: "busy_worker" },
        { policy: "sandboxed", path: workerPath, args: { seconds: 0, step_mb: 4, max_mb: 200 },
          memory: 256, label: "busy_worker" },
        { policy: "strict", path: proberPath, args: { seconds: 0 },
          memory: 128, label: "prober" },
    ]

    Text {
        id: heading
        x: 20; y: 14
        color: "#e8eaed"
        font.pixelSize: 20
        font.bold: true
        text: "qfsandbox — live sandboxes"
    }

    Row {
        anchors { top: heading.bottom; topMargin: 14; left: parent.left; leftMargin: 20 }
        spacing: 16

        Repeater {
            model: window.plugins

            Rectangle {
                id: card
                required property var modelData
                property string lastViolation: "none"
                property string lastEnd: ""
                width: 294
                height: 320
                radius: 8
                color: "#262b33"
                border.color: box.running ? "#4caf50" : "#5f6368"

                Sandbox {
                    id: box
                    policyName: card.modelData.policy
                    monitorIntervalMs: 250
                    onViolation: (type, details) => {
                        if (type === "process_error")
                            return // the end of a run, shown below
                        const what = details.syscall || details.path || details.host
                            || details.error_type || ""
                        card.lastViolation = type + (what ? " (" + what + ")" : "")
                    }
                    onFinished: (exitCode, result) => {
                        card.lastEnd = result.status + ", exit " + exitCode
                        restart.start()
                    }
                    Component.onCompleted: execute(card.modelData.path, Sandbox.Native,
                                                   card.modelData.args)
                }
                Timer {
                    id: restart
                    interval: 1000
                    onTriggered: box.execute(card.modelData.path, Sandbox.Native,
                                             card.modelData.args)
                }

                Column {
                    anchors.fill: parent
                    anchors.margins: 14
                    spacing: 8

                    Text {
                        color: "#e8eaed"; font.pixelSize: 18; font.bold: true
                        text: box.policyName + "  ·  level " + box.securityLevel
                    }
                    Text {
                        color: box.running ? "#81c995" : "#9aa0a6"; font.pixelSize: 14
                        text: (box.running ? "running " : "idle ") + card.modelData.label
                              + (box.pid ? "  pid " + box.pid : "")
                    }
                    Text {
                        color: "#e8eaed"; font.pixelSize: 14
                        text: "memory " + box.usage.memoryUsedMb + " / "
                              + card.modelData.memory + " MB"
                    }
                    Rectangle {
                        width: parent.width; height: 12; radius: 6; color: "#3c4043"
                        Rectangle {
                            height: parent.height; radius: 6; color: "#8ab4f8"
                            width: parent.width * Math.min(1, box.usage.memoryUsedMb
                                                            / card.modelData.memory)
                        }
                    }
                    Text {
                        color: "#e8eaed"; font.pixelSize: 14
                        text: "CPU " + (box.usage.cpuTimeUsed / 1000).toFixed(2) + " s"
                    }
                    Text {
                        color: "#e8eaed"; font.pixelSize: 14
                        text: box.usage.fileHandlesUsed + " file handles, "
                              + box.usage.networkConnectionsUsed + " connections"
                    }
                    Text {
                        color: box.violationCount ? "#f28b82" : "#9aa0a6"; font.pixelSize: 14
                        text: "violations: " + box.violationCount
                    }
                    Text {
                        width: parent.width; wrapMode: Text.Wrap
                        color: "#f28b82"; font.pixelSize: 12
                        text: "last: " + card.lastViolation
                    }
                    Text {
                        width: parent.width; wrapMode: Text.Wrap
                        color: "#9aa0a6"; font.pixelSize: 12
                        text: box.lastError ? "error: " + box.lastError
                                            : card.lastEnd ? "last run: " + card.lastEnd : ""
                    }
                }
            }
        }
    }
}
