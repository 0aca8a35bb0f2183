#!/usr/bin/env bash
# Every benchmark in one go, and one table of what they measured against
# the baselines each measured in the same run: launch (levels against a bare
# fork+exec and bubblewrap), monitor (cost per sample, CPU share of 1000
# idle sandboxes, supervisor memory per sandbox), seccomp (cost per syscall
# against a one-instruction filter), checks (the decision cache) and net
# (mediated connect() and throughput against direct ones).  A benchmark
# whose target was not built is left out, and the table says so.
#
#   tests/bench/run.sh [--from-logs]     (QFS_BUILD as in tests/run.sh)
#
# The full output of each benchmark is kept in $QFS_BUILD/bench-logs/;
# --from-logs prints the table of the last run again without running.
# Figures, not pass/fail: the script fails only when a benchmark does.
set -euo pipefail

# shellcheck source=tests/deps.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/deps.sh"

BENCHES=(checks launch seccomp monitor net)
LOGS="$QFS_BUILD/bench-logs"
mkdir -p "$LOGS"

machine() {
    local cpu cores
    cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    cores="$(nproc)"
    printf '%s, %s cores, Linux %s, %s\n' "${cpu:-unknown CPU}" "$cores" "$(uname -r)" \
        "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
}

# Builds what exists among the targets, then runs each in turn.
run_all() {
    local b targets=()
    for b in "${BENCHES[@]}"; do
        if grep -qs "^$b:" "$QFS_BUILD/Makefile" 2>/dev/null ||
            cmake --build "$QFS_BUILD" --target help 2>/dev/null | grep -qw "$b"; then
            targets+=("$b")
        fi
    done
    if [ "${#targets[@]}" -gt 0 ]; then
        cmake --build "$QFS_BUILD" -j"$(nproc)" --target "${targets[@]}" >/dev/null
    fi
    for b in "${BENCHES[@]}"; do
        local exe="$QFS_BUILD/tests/bench/$b"
        rm -f "$LOGS/$b.log"
        if [ ! -x "$exe" ]; then
            echo "($b: not built here, left out)" >&2
            continue
        fi
        local t0=$SECONDS
        echo "running $b ..." >&2
        "$exe" >"$LOGS/$b.log" 2>&1
        echo "  $b: $((SECONDS - t0)) s" >&2
    done
}

# The Nth number (1-based) of the first line matching @pattern in @log:
# the words that are numbers, so that labels such as "fork+exec+wait" or
# "1-instruction" do not count.
num() {
    local log="$1" pattern="$2" n="${3:-1}"
    [ -f "$LOGS/$log.log" ] || return 0
    grep -m1 -E "$pattern" "$LOGS/$log.log" | awk -v n="$n" '{
        k = 0
        for (i = 1; i <= NF; i++) {
            w = $i
            gsub(/[%,()]+$/, "", w)
            if (w ~ /^[-+]?[0-9]+(\.[0-9]+)?$/ && ++k == n) { print w; exit }
        }
    }'
}

# @a - @b in microseconds, both given in nanoseconds, signed.
added_us() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+.2f µs", (a - b) / 1000 }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

row() {
    printf '| %s | %s | %s | %s | %s |\n' "$@"
}

table() {
    echo "| measure | this run | baseline, same run | ratio | target |"
    echo "|---|---|---|---|---|"
    if [ -f "$LOGS/launch.log" ]; then
        local bare bwrap level v cpu_bare cpu_strict cpu_bwrap
        bare="$(num launch '^bare fork' 1)"
        bwrap="$(num launch '^bwrap' 1)"
        for level in unrestricted limited sandboxed strict; do
            v="$(num launch "^$level " 1)"
            row "launch to exit, $level (median)" "$v µs" "bare fork+exec+wait $bare µs" \
                "$(ratio "$v" "$bare")" "$([ "$level" = strict ] && echo '≤ 3' || echo)"
        done
        v="$(num launch '^strict ' 1)"
        if [ -n "$bwrap" ]; then
            row "launch to exit, strict (median)" "$v µs" "bwrap --unshare-all, ro / $bwrap µs" \
                "$(ratio "$v" "$bwrap")" "≤ 0.5"
            cpu_bwrap="$(num launch '^bwrap' 4)"
        fi
        cpu_bare="$(num launch '^bare fork' 4)"
        cpu_strict="$(num launch '^strict ' 4)"
        row "launch, strict, CPU time" "$cpu_strict µs" "bare $cpu_bare µs${cpu_bwrap:+, bwrap $cpu_bwrap µs}" \
            "$(ratio "$cpu_strict" "$cpu_bare")${cpu_bwrap:+ / $(ratio "$cpu_strict" "$cpu_bwrap")}" ""
    fi
    if [ -f "$LOGS/monitor.log" ]; then
        local idle naive cpu ncpu mem
        idle="$(num monitor 'monitor_sample, idle sandbox' 1)"
        naive="$(num monitor 'naive /proc/PID' 1)"
        row "monitor, one sample of an idle sandbox" "$idle µs" "naive /proc/PID/{stat,status,fd} $naive µs" \
            "$(ratio "$idle" "$naive")" "≤ 5 µs"
        cpu="$(num monitor 'CPU time .* of a core' 3)"
        ncpu="$(num monitor 'naive sampling would cost' 1)"
        row "supervising 1000 idle sandboxes at 1 Hz" "$cpu % of a core" "naive sampling $ncpu %" \
            "$(ratio "$cpu" "$ncpu")" "≤ 0.5 %"
        mem="$(num monitor 'memory cgroup charge after a sample' 1)"
        row "supervisor memory per sandbox" "$mem B" "" "" "≤ 65536 B"
    fi
    if [ -f "$LOGS/seccomp.log" ]; then
        local base_hot base_rd base_wr base_dn level_hot level_rd level_wr level_dn label
        base_hot="$(num seccomp '^1-instruction filter' 1)"
        base_rd="$(num seccomp '^1-instruction filter' 2)"
        base_wr="$(num seccomp '^1-instruction filter' 3)"
        base_dn="$(num seccomp '^1-instruction filter' 4)"
        for label in limited sandboxed strict; do
            level_hot="$(num seccomp "^$label \(reads reported\)" 1)"
            level_rd="$(num seccomp "^$label \(reads reported\)" 2)"
            level_wr="$(num seccomp "^$label \(reads reported\)" 3)"
            level_dn="$(num seccomp "^$label \(reads reported\)" 4)"
            row "getppid, $label" "$level_hot ns" "1-instruction filter $base_hot ns" \
                "$(ratio "$level_hot" "$base_hot")" "no measurable cost"
            row "open for reading (reported), $label" "$level_rd ns ($(added_us "$level_rd" "$base_rd"))" \
                "1-instruction filter $base_rd ns" "$(ratio "$level_rd" "$base_rd")" "< 20 µs added"
            row "open for writing (reported), $label" "$level_wr ns ($(added_us "$level_wr" "$base_wr"))" \
                "1-instruction filter $base_wr ns" "$(ratio "$level_wr" "$base_wr")" "< 20 µs added"
            if [ "$label" != strict ]; then
                row "open refused (reported), $label" "$level_dn ns ($(added_us "$level_dn" "$base_dn"))" \
                    "1-instruction filter $base_dn ns" "$(ratio "$level_dn" "$base_dn")" "< 20 µs added"
            fi
        done
    fi
    if [ -f "$LOGS/checks.log" ]; then
        local warm cold
        warm="$(num checks 'warm cache' 1)"
        cold="$(num checks 'cold \(every path new\)' 1)"
        row "path decisions, warm cache" "$warm million/s" "cold (every path new) $cold million/s" \
            "$(ratio "$warm" "$cold")" "≥ 5 million/s"
    fi
    if [ -f "$LOGS/net.log" ]; then
        local direct mediated tdirect tmediated
        direct="$(num net '^  direct .* us' 1)"
        mediated="$(num net '^  mediated .* us' 1)"
        row "connect(), mediated" "$mediated µs ($(awk -v a="$mediated" -v b="$direct" 'BEGIN { printf "%+.1f µs", a - b }'))" \
            "direct $direct µs" "$(ratio "$mediated" "$direct")" "≤ 100 µs added"
        tdirect="$(num net '^  direct .*MiB/s' 1)"
        tmediated="$(num net '^  mediated .*MiB/s' 1)"
        row "throughput through a mediated connection" "$tmediated MiB/s" "direct $tdirect MiB/s" \
            "$(ratio "$tmediated" "$tdirect")" "≥ 0.95"
    fi
}

main() {
    if [ "${1:-}" != "--from-logs" ]; then
        run_all
    fi
    echo
    echo "Machine: $(machine); run as uid $(id -u); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo
    table
}

main "$@"
