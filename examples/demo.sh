#!/usr/bin/env bash
# A tour of qfsandbox: installs what is missing (as root; otherwise prints
# the apt-get line), builds, then shows the built-in policies, validates an
# example policy, shows a broken one rejected with its position, asks the
# host what it can enforce, and runs the example plugins under the strict
# policy, judging each from the host side.  Works from any directory.
set -euo pipefail

# shellcheck source=tests/deps.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/deps.sh"

say() {
    if [ -t 1 ]; then
        printf '\n\033[1m==> %s\033[0m\n' "$*"
    else
        printf '\n==> %s\n' "$*"
    fi
}

say "Debian packages"
qfs_ensure_packages

say "Building (log: $QFS_BUILD/demo-build.log)"
mkdir -p "$QFS_BUILD"
if ! qfs_build >"$QFS_BUILD/demo-build.log" 2>&1; then
    tail -n 40 "$QFS_BUILD/demo-build.log" >&2
    exit 1
fi
echo "built $QFS_BUILD/csrc/qfsandbox"

qfsandbox() {
    "$QFS_BUILD/csrc/qfsandbox" "$@"
}

cd "$QFS_ROOT"

say "The built-in policies (QtForge's four, with its exact numbers)"
qfsandbox policy list

say "The strict policy as JSON: qfsandbox policy show strict"
qfsandbox policy show strict

say "Validating examples/policies/web_plugin.json (the QtForge documentation's example)"
qfsandbox policy validate examples/policies/web_plugin.json

say "A broken policy is rejected with file, line and column (exit status 125)"
status=0
qfsandbox policy validate examples/policies/broken_plugin.json || status=$?
echo "exit status: $status"
if [ "$status" -ne 125 ]; then
    echo "expected exit status 125" >&2
    exit 1
fi

say "What this host offers: qfsandbox check"
qfsandbox check

say "Plugins under the strict policy (examples/plugins/), judged from the host"
# The plugins are copied to a directory of their own, so that the plugin's
# uid (nobody, when this runs as root) can reach them wherever the checkout
# lives; the secret lies next to that directory, outside it.
work="$(mktemp -d)"
listener_pid=
cleanup() {
    [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir "$work/plugins"
cp examples/plugins/*.py "$QFS_BUILD/examples/hello_plugin.so" "$work/plugins/"
chmod -R a+rX "$work/plugins"
printf 'the host'"'"'s secret\n' >"$work/secret.txt"
chmod 644 "$work/secret.txt"
home="${HOME:-/root}"

# A listener on the host's loopback that records whatever reaches it.
python3 - "$work/port" "$work/received" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    open(sys.argv[2], "ab").write(c.recv(100) or b"(a connection)\n")
    c.close()
PY
listener_pid=$!
for _ in $(seq 50); do [ -e "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

# demo_run TITLE [qfsandbox run arguments...]: runs, then prints the exit
# status and the report's summary.
demo_run() {
    local title="$1" rc=0
    shift
    printf '\n--- %s\n' "$title"
    qfsandbox run --report "$work/report.json" "$@" || rc=$?
    python3 - "$work/report.json" "$rc" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = r.get("enforcement") or {}
opt = lambda v: "-" if v is None else v
print("    exit status %s; report: status %s, exit code %s, signal %s, %d violation(s)"
      % (sys.argv[2], r["status"], opt(r["exit_code"]), opt(r["signal"]), len(r["violations"])))
for v in r["violations"]:
    print("      %s: %s" % (v["type"], v.get("detail", "")))
print("    enforced by: %s namespaces, Landlock ABI %s, seccomp %s, uid %s"
      % (",".join(e.get("namespaces", [])) or "no", (e.get("landlock") or {}).get("abi"),
         (e.get("seccomp") or {}).get("mode"), e.get("uid")))
PY
}

demo_run "a well-behaved native plugin (a shared library, run by qfsandbox-host)" \
    -- "$work/plugins/hello_plugin.so" --args '{"n":10}'

demo_run "a plugin that reads $work/secret.txt, outside its own directory" \
    --type python -- "$work/plugins/read_outside.py" "$work/secret.txt"

demo_run "a plugin that writes into $home" \
    --type python -- "$work/plugins/write_home.py" "$home"
if [ -e "$home/qfsandbox-demo-was-here.txt" ]; then
    echo "    host side: $home/qfsandbox-demo-was-here.txt APPEARED" >&2
    exit 1
fi
echo "    host side: $home/qfsandbox-demo-was-here.txt did not appear"

demo_run "a plugin that forks" --type python -- "$work/plugins/forks.py"

demo_run "a plugin that connects to 127.0.0.1:$port, where the host listens" \
    --type python -- "$work/plugins/connects.py" "$port"
if [ -s "$work/received" ]; then
    echo "    host side: the listener RECEIVED: $(cat "$work/received")" >&2
    exit 1
fi
echo "    host side: the listener received nothing"

demo_run "for contrast: the same connection under 'limited' with the network allowed" \
    --policy limited --type python -- "$work/plugins/connects.py" "$port"
sleep 0.2
echo "    host side: the listener received: $(cat "$work/received" 2>/dev/null || echo nothing)"
