# shellcheck shell=bash
# Sourced by tests/run.sh and tests/fuzz/fuzz.sh.  The sanitizer build
# (ASan + UBSan + LSan, gcc, its own build directory) and the runtime
# options every sanitized program runs with.
#
# Sets QFS_BUILD_ASAN (default $QFS_ROOT/build-asan, overridable from the
# environment); expects QFS_ROOT (tests/deps.sh sets it).

QFS_BUILD_ASAN="${QFS_BUILD_ASAN:-$QFS_ROOT/build-asan}"

# Exports the sanitizer options: every finding ends the process with a
# stack trace (halt_on_error, -fno-sanitize-recover at build time), leaks
# are findings, and LeakSanitizer reads tests/lsan.supp (allocations made
# once by libraries outside this project and kept until exit; each entry
# says why).  Extra words are appended to ASAN_OPTIONS.
qfs_sanitizer_options() {
    local extra="${1:-}"
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:print_stacktrace=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${extra:+:$extra}"
    export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
    export LSAN_OPTIONS="suppressions=$QFS_ROOT/tests/lsan.supp:print_suppressions=0"
}

# Configures and builds the sanitizer build (warnings are errors there too);
# extra arguments go to cmake.
qfs_asan_build() {
    cmake -S "$QFS_ROOT" -B "$QFS_BUILD_ASAN" -DQFS_WERROR=ON -DQFS_SANITIZE=ON \
        -DQFS_BUILD_EXAMPLES=OFF "$@"
    cmake --build "$QFS_BUILD_ASAN" -j"$(nproc)"
}
