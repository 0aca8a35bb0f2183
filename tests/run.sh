#!/usr/bin/env bash
# Everything CI checks, in order: the Debian packages, a warning-free build
# (-DQFS_WERROR=ON), every test through ctest, the live tests again as an
# unprivileged uid, the unit and live tests again under ASan/UBSan/LSan
# (build-asan), the fuzz targets' seeds and a short run of each
# (build-fuzz).  Works from any directory; .ci/run calls it.
#
# Each step is a function and main() lists them: a later step is one more
# function and one more line in main().
set -euo pipefail

# shellcheck source=tests/deps.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/deps.sh"
# shellcheck source=tests/sanitize.sh
source "$QFS_ROOT/tests/sanitize.sh"
# shellcheck source=tests/fuzz/fuzz.sh
source "$QFS_ROOT/tests/fuzz/fuzz.sh"

# Seconds each fuzz target runs in the smoke step (the long form is
# tests/fuzz/long.sh).
QFS_FUZZ_SMOKE_SECONDS="${QFS_FUZZ_SMOKE_SECONDS:-30}"

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

step_sanitizers() {
    step "sanitizer build in $QFS_BUILD_ASAN (ASan, UBSan, LSan): unit and live tests"
    qfs_asan_build
    qfs_sanitizer_options
    ctest --test-dir "$QFS_BUILD_ASAN" --output-on-failure -L '^(unit|live)$'
}

step_fuzz() {
    local target
    step "fuzz targets in $QFS_BUILD_FUZZ (clang, libFuzzer): seed corpus, then ${QFS_FUZZ_SMOKE_SECONDS} s each"
    qfs_fuzz_build
    qfs_sanitizer_options
    ctest --test-dir "$QFS_BUILD_FUZZ" --output-on-failure -L '^fuzz$'
    for target in "${QFS_FUZZ_TARGETS[@]}"; do
        qfs_fuzz_run "$target" "$QFS_FUZZ_SMOKE_SECONDS"
    done
}

# Runs a step and keeps its wall time for the summary.  The step runs in a
# subshell outside any `||`, so that set -e still stops it at its first
# failing command (bash ignores -e inside a function called as `f || ...`).
STEP_TIMES=()
timed() {
    local t0=$SECONDS rc=0
    set +e
    ("$@")
    rc=$?
    set -e
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
    timed step_sanitizers
    timed step_fuzz
}

main "$@"
