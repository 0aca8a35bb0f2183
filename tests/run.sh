#!/usr/bin/env bash
# Everything CI checks, in order: the Debian packages, a warning-free build
# (-DQFS_WERROR=ON), every test through ctest.  Works from any directory;
# .ci/run calls it.
#
# Each step is a function and main() lists them: a later step (the live
# tests again as an unprivileged uid, a sanitizer build, fuzz smoke runs) is
# one more function and one more line in main().
set -euo pipefail

# shellcheck source=tests/deps.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/deps.sh"

step() {
    printf '\n==> %s\n' "$*"
}

step_dependencies() {
    step "Debian packages"
    qfs_ensure_packages
}

step_build() {
    step "build in $QFS_BUILD (warnings are errors)"
    qfs_build
}

step_tests() {
    step "tests"
    ctest --test-dir "$QFS_BUILD" --output-on-failure
}

# The live tests again as an unprivileged uid, the hostile suite among them:
# the launcher takes a different path there (no root to drop, only the
# caller's own ids to map, setgroups denied, no cgroups of its own).  ctest writes its logs next to the CTestTestfile it
# reads, so it gets a directory of its own that includes the build tree's
# live tests; the tests make their temporary directories themselves.
QFS_UNPRIVILEGED_UID=65534

step_live_unprivileged() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "(not root: the live tests above already ran unprivileged)"
        return 0
    fi
    step "live tests again as uid $QFS_UNPRIVILEGED_UID"
    chmod -R a+rX "$QFS_BUILD" "$QFS_ROOT/tests" "$QFS_ROOT/README.md"
    local uid="$QFS_UNPRIVILEGED_UID" dir
    if ! setpriv --reuid="$uid" --regid="$uid" --clear-groups \
        test -x "$QFS_BUILD/tests/live/tst_launch"; then
        echo "uid $uid cannot reach $QFS_BUILD (a parent directory is closed to it);" >&2
        echo "move the checkout somewhere world-traversable or set QFS_BUILD" >&2
        return 1
    fi
    dir="$(mktemp -d)"
    printf 'subdirs("%s")\nsubdirs("%s")\n' "$QFS_BUILD/tests/live" "$QFS_BUILD/tests/hostile" \
        >"$dir/CTestTestfile.cmake"
    chown -R "$uid:$uid" "$dir"
    local rc=0
    setpriv --reuid="$uid" --regid="$uid" --clear-groups \
        env HOME="$dir" ctest --test-dir "$dir" -L live --output-on-failure || rc=$?
    rm -rf "$dir"
    return "$rc"
}

# Runs a step and keeps its wall time for the summary.
STEP_TIMES=()
timed() {
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    STEP_TIMES+=("$(printf '%5d s  %s%s' $((SECONDS - t0)) "$1" "$([ "$rc" -eq 0 ] || echo "  (failed: $rc)")")")
    return "$rc"
}

summary() {
    local rc=$?
    printf '\n==> step times\n'
    printf '%s\n' "${STEP_TIMES[@]}"
    printf '%5d s  total\n' "$SECONDS"
    return "$rc"
}

main() {
    trap summary EXIT
    timed step_dependencies
    timed step_build
    timed step_tests
    timed step_live_unprivileged
}

main "$@"
