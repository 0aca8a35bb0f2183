#!/usr/bin/env bash
# The long form of the fuzz runs: tests/fuzz/long.sh TARGET MINUTES
#
# Builds the fuzz targets (build-fuzz, clang) if needed and fuzzes TARGET
# (fuzz_policy_json, fuzz_decide or fuzz_cli_args) until it has used
# MINUTES of CPU time, at nice 19, one process.  On a shared machine the
# process gets less CPU than wall time, so it runs in rounds of at most ten
# minutes of wall time and adds up the CPU time of each; every round starts
# from the corpus the previous ones grew.  Prints the figures of each round
# and the totals; exits 1 at the first crash, leak, timeout or failed
# invariant, leaving the input in build-fuzz/artifacts/TARGET/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/deps.sh
source "$here/../deps.sh"
# shellcheck source=tests/sanitize.sh
source "$here/../sanitize.sh"
# shellcheck source=tests/fuzz/fuzz.sh
source "$here/fuzz.sh"

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -eq 0 ]; then
    echo "usage: $0 TARGET MINUTES   (TARGET: ${QFS_FUZZ_TARGETS[*]})" >&2
    exit 2
fi
target="$1"
minutes="$2"
if [[ " ${QFS_FUZZ_TARGETS[*]} " != *" $target "* ]]; then
    echo "$0: unknown target '$target' (${QFS_FUZZ_TARGETS[*]})" >&2
    exit 2
fi

qfs_fuzz_build >/dev/null
want=$((minutes * 60))
qfs_children_cpu_seconds
start_cpu="$QFS_CHILDREN_CPU_SECONDS"
start_wall=$SECONDS
total_execs=0
round=0
while :; do
    qfs_children_cpu_seconds
    left="$(awk -v u="$QFS_CHILDREN_CPU_SECONDS" -v s="$start_cpu" -v w="$want" 'BEGIN { l = w - (u - s); print (l > 0 ? int(l + 0.999) : 0) }')"
    [ "$left" -gt 0 ] || break
    round=$((round + 1))
    # At least a minute: each round spends a few seconds reloading the corpus.
    wall=$((left < 60 ? 60 : left < 600 ? left : 600))
    printf 'round %d: %d s of wall time, %d CPU seconds still to go\n' "$round" "$wall" "$left"
    qfs_fuzz_run "$target" "$wall"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$QFS_BUILD_FUZZ/logs/$target.log")"
    total_execs=$((total_execs + execs))
    cp "$QFS_BUILD_FUZZ/logs/$target.log" "$QFS_BUILD_FUZZ/logs/$target.round$round.log"
done

qfs_children_cpu_seconds
cpu="$(awk -v u="$QFS_CHILDREN_CPU_SECONDS" -v s="$start_cpu" 'BEGIN { printf "%.0f", u - s }')"
last="$(grep 'DONE ' "$QFS_BUILD_FUZZ/logs/$target.log" | tail -n 1)"

# libFuzzer keeps every input that once added coverage; merge them into the
# smallest set that keeps all of it, for the next run to start from.
corpus_dir="$QFS_BUILD_FUZZ/corpus/$target"
rm -rf "$corpus_dir.min"
mkdir "$corpus_dir.min"
nice -n 19 "$QFS_BUILD_FUZZ/tests/fuzz/$target" -merge=1 "$corpus_dir.min" "$corpus_dir" \
    >"$QFS_BUILD_FUZZ/logs/$target.merge.log" 2>&1
rm -rf "$corpus_dir"
mv "$corpus_dir.min" "$corpus_dir"

printf '\n%s: %d rounds, %s CPU seconds in %d s of wall time\n' "$target" "$round" "$cpu" \
    "$((SECONDS - start_wall))"
printf '%s: %d executions, %d per CPU second; crashes, leaks, timeouts, failed invariants: 0\n' \
    "$target" "$total_execs" "$((cpu > 0 ? total_execs / cpu : 0))"
printf '%s: at the end: cov %s edges, ft %s features, corpus %s inputs; merged corpus %d files (%s)\n' \
    "$target" "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")" \
    "$(find "$corpus_dir" -type f | wc -l)" "$(du -sh "$corpus_dir" | cut -f1)"
echo "$target: logs in $QFS_BUILD_FUZZ/logs/"
