// SPDX-License-Identifier: LGPL-2.1-or-later
import QtQuick
import QtTest
import QtForge.Sandbox

TestCase {
    id: root
    name: "QmlSandbox"
    when: windowShown

    Sandbox {
        id: box
        policyName: "sandboxed"
        monitorIntervalMs: 100
    }

    // Bindings, as an application writes them.
    property int boundMemory: box.usage.memoryUsedMb
    property bool boundRunning: box.running
    property real boundPid: box.pid
    property string boundName: box.policyName
    property int boundLevel: box.securityLevel

    SignalSpy { id: runningSpy; target: box; signalName: "runningChanged" }
    SignalSpy { id: pidSpy; target: box; signalName: "pidChanged" }
    SignalSpy { id: activeSpy; target: box; signalName: "activeChanged" }
    SignalSpy { id: nameSpy; target: box; signalName: "policyNameChanged" }
    SignalSpy { id: levelSpy; target: box; signalName: "securityLevelChanged" }
    SignalSpy { id: usageSpy; target: box; signalName: "usageChanged" }
    SignalSpy { id: finishedSpy; target: box; signalName: "finished" }
    SignalSpy { id: violationSpy; target: box; signalName: "violation" }

    function init() {
        for (const spy of [runningSpy, pidSpy, activeSpy, nameSpy, levelSpy, usageSpy,
                           finishedSpy, violationSpy])
            spy.clear()
    }

    function test_1_policyProperties() {
        compare(box.policyName, "sandboxed")
        compare(boundName, "sandboxed")
        compare(box.securityLevel, 2)
        box.policyName = "strict"
        compare(nameSpy.count, 1)
        compare(levelSpy.count, 1)
        compare(boundLevel, 3)
        box.policyName = "strict"          // unchanged: no signal
        compare(nameSpy.count, 1)
        box.policyName = "no-such-policy"  // rejected: stays
        compare(box.policyName, "strict")
        compare(nameSpy.count, 1)
        verify(box.lastError.indexOf("no-such-policy") >= 0)
        box.securityLevel = 2
        compare(levelSpy.count, 2)
        compare(boundLevel, 2)
        box.securityLevel = 2
        compare(levelSpy.count, 2)
        compare(box.monitorIntervalMs, 100)
    }

    function test_2_active() {
        verify(!box.active)
        box.active = true
        verify(box.active)
        compare(activeSpy.count, 1)
        box.active = true
        compare(activeSpy.count, 1)
        box.active = false
        verify(!box.active)
        compare(activeSpy.count, 2)
    }

    function test_3_runAPlugin() {
        if (sandboxedUnavailable !== "")
            skip(sandboxedUnavailable)
        box.policyName = "sandboxed"
        verify(box.execute(pluginPath, Sandbox.Native, { mode: "echo", code: 3 }), box.lastError)
        verify(box.active)
        verify(box.running)
        verify(boundRunning)
        verify(box.pid > 0)
        compare(boundPid, box.pid)
        compare(pidSpy.count, 1)
        finishedSpy.wait(10000)
        compare(finishedSpy.count, 1)
        compare(finishedSpy.signalArguments[0][0], 3)
        compare(finishedSpy.signalArguments[0][1].exit_status, "normal")
        compare(finishedSpy.signalArguments[0][1].stdout, '--args\n{"code":3,"mode":"echo"}\n')
        verify(!box.running)
        verify(!boundRunning)
        compare(runningSpy.count, 2)
    }

    function test_3_usageBinding() {
        if (sandboxedUnavailable !== "")
            skip(sandboxedUnavailable)
        box.policyName = "sandboxed"
        verify(box.execute(pluginPath, Sandbox.Native, { mode: "alloc", mb: 40, ms: 1500 }),
               box.lastError)
        // The bound usage follows the plugin's memory, sample by sample.
        tryVerify(function() { return boundMemory >= 38 }, 5000, "usage.memoryUsedMb")
        verify(usageSpy.count >= 2)
        verify(box.usage.startTime > 0)
        finishedSpy.wait(10000)
        compare(finishedSpy.signalArguments[0][0], 0)
    }

    function test_4_terminate() {
        if (sandboxedUnavailable !== "")
            skip(sandboxedUnavailable)
        verify(box.execute(pluginPath, Sandbox.Native, { mode: "sleep", ms: 10000 }), box.lastError)
        verify(box.running)
        box.terminate()
        tryCompare(box, "running", false)
        compare(finishedSpy.count, 1)
        compare(finishedSpy.signalArguments[0][1].exit_status, "crashed")
        compare(finishedSpy.signalArguments[0][0], 9)
        // QtForge reported the crash as a "process_error" violation.
        compare(violationSpy.count, 1)
        compare(violationSpy.signalArguments[0][0], "process_error")
    }

    function test_5_violations() {
        if (sandboxedUnavailable !== "")
            skip(sandboxedUnavailable)
        // Strict: no program may be executed after the start; the violation
        // ends the plugin, which QtForge reported as a process_error.
        box.policyName = "strict"
        const before = box.violationCount
        verify(box.execute(pluginPath, Sandbox.Native, { mode: "exec" }), box.lastError)
        finishedSpy.wait(10000)
        compare(violationSpy.count, 2)
        compare(violationSpy.signalArguments[0][0], "UnauthorizedProcessCreation")
        compare(violationSpy.signalArguments[0][1].syscall, "execve")
        compare(violationSpy.signalArguments[1][0], "process_error")
        compare(box.violationCount, before + 2)
        compare(finishedSpy.signalArguments[0][1].status, "violation")
        verify(!box.running)
    }

    function test_6_errors() {
        verify(!box.execute("/no/such/plugin"))
        verify(box.lastError.indexOf("/no/such/plugin") >= 0)
        verify(!box.running)
    }
}
