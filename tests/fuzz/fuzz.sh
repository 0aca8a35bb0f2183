# shellcheck shell=bash
# Sourced by tests/run.sh and tests/fuzz/long.sh: the fuzz build (clang,
# libFuzzer, ASan + UBSan, its own build directory) and one fuzzing run.
#
# Sets QFS_BUILD_FUZZ (default $QFS_ROOT/build-fuzz) and QFS_FUZZ_TARGETS;
# expects QFS_ROOT (tests/deps.sh) and tests/sanitize.sh to be sourced.
# Each target keeps the corpus it grows in $QFS_BUILD_FUZZ/corpus/TARGET
# (the seed corpus in the source tree is only read) and writes what it finds
# to $QFS_BUILD_FUZZ/artifacts/TARGET/.

QFS_BUILD_FUZZ="${QFS_BUILD_FUZZ:-$QFS_ROOT/build-fuzz}"
# shellcheck disable=SC2034 # used by the scripts that source this file
QFS_FUZZ_TARGETS=(fuzz_policy_json fuzz_decide fuzz_cli_args)

# Configures and builds the fuzz targets alone: no Qt, no examples.
qfs_fuzz_build() {
    CC=clang CXX=clang++ cmake -S "$QFS_ROOT" -B "$QFS_BUILD_FUZZ" -DQFS_FUZZ=ON \
        -DQFS_WERROR=ON -DQFS_BUILD_TESTS=OFF -DQFS_BUILD_QT=OFF -DQFS_BUILD_EXAMPLES=OFF
    cmake --build "$QFS_BUILD_FUZZ" -j"$(nproc)"
}

# Sets QFS_CHILDREN_CPU_SECONDS to the CPU time (user + system) of this
# shell's finished children.  Neither may run in a subshell (a command
# substitution is a fresh process without those children), so the builtin
# `times` writes to a file and the result comes back in a variable.
qfs_children_cpu_seconds() {
    local file
    file="$(mktemp)"
    times >"$file"
    # The second line, "1m2.345s 0m0.678s", is the children's: 63.0
    # shellcheck disable=SC2034 # read by the caller
    QFS_CHILDREN_CPU_SECONDS="$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.1f\n", n }' "$file")"
    rm -f "$file"
}

# qfs_fuzz_run TARGET SECONDS [libFuzzer options...]
# Runs TARGET for SECONDS of wall time at the lowest priority, one process,
# over its grown corpus and its seed corpus, with its dictionary.  Prints
# one line of figures; on a crash, leak, timeout or failed invariant prints
# the end of the log and the input that caused it, and returns 1.
qfs_fuzz_run() {
    local target="$1" seconds="$2"
    shift 2
    local bin="$QFS_BUILD_FUZZ/tests/fuzz/$target"
    local seeds="$QFS_ROOT/tests/fuzz/corpus/$target"
    local corpus="$QFS_BUILD_FUZZ/corpus/$target"
    local artifacts="$QFS_BUILD_FUZZ/artifacts/$target"
    local log="$QFS_BUILD_FUZZ/logs/$target.log"
    local dict=() status=0

    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    if [ -f "$QFS_ROOT/tests/fuzz/$target.dict" ]; then
        dict=(-dict="$QFS_ROOT/tests/fuzz/$target.dict")
    fi
    # A smaller quarantine than ASan's 256 MiB keeps each run near 150 MiB
    # on a machine shared with builds; use-after-free is still caught for
    # the last 64 MiB freed, far more than one input allocates.
    qfs_sanitizer_options quarantine_size_mb=64
    nice -n 19 "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$@" \
        "$corpus" "$seeds" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || ! grep -q '^Done \|DONE ' "$log"; then
        echo "$target FAILED (exit status $status); the end of $log:" >&2
        tail -n 40 "$log" >&2
        ls -l "$artifacts" >&2
        return 1
    fi
    qfs_fuzz_summary "$target" "$log"
}

# Prints the figures of a finished run from its log.
qfs_fuzz_summary() {
    local target="$1" log="$2"
    local execs rate done_line
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    done_line="$(grep 'DONE ' "$log" | tail -n 1)"
    printf '%-17s %10s runs %8s/s  cov %s  ft %s  corpus %s  crashes 0\n' "$target" \
        "$execs" "$rate" \
        "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$done_line")"
}
