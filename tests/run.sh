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

main() {
    step_dependencies
    step_build
    step_tests
}

main "$@"
