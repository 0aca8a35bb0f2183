#!/usr/bin/env bash
# A tour of qfsandbox: installs what is missing (as root; otherwise prints
# the apt-get line), builds, then shows the built-in policies, validates an
# example policy, shows a broken one rejected with its position, and asks
# the host what it can enforce.  Works from any directory.
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
