#!/bin/sh
# tests/fuzz/long.sh - fuzz every target for long (make fuzz-long).
#
# Each libFuzzer target in BUILD/fuzz runs until FUZZ_RUNS executions
# (default 10 M) or, when FUZZ_SECONDS is set, for that many seconds; two
# targets run at a time (one per core). A run starts from the target's
# corpus (tests/fuzz/corpus/NAME) and writes what it finds into
# BUILD/fuzzlong/NAME/; afterwards the new inputs that add coverage are
# merged into tests/fuzz/corpus/NAME (-merge=1) and every crash, leak,
# timeout or out-of-memory input is copied there as a regression file
# (crash-*, leak-*, ...), so that `make fuzz-regress` runs it from then on.
# A summary line per target (executions, executions per second, seconds,
# new corpus files, crashes) goes to stdout and BUILD/fuzzlong/summary.txt.
# Exit status 1 when any target crashed.
# Usage: sh tests/fuzz/long.sh BUILD
set -u
build=${1:?usage: long.sh BUILD}
runs=${FUZZ_RUNS:-10000000}
secs=${FUZZ_SECONDS:-}
out=$build/fuzzlong
mkdir -p "$out"
: > "$out/summary.txt"

one() { # NAME
    name=$1
    bin=$build/fuzz/$name
    work=$out/$name
    corpus=tests/fuzz/corpus/$name
    rm -rf "$work"
    mkdir -p "$work/new" "$work/art" "$corpus"
    limit=""
    [ -n "$secs" ] && limit="-max_total_time=$secs"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" -runs="$runs" $limit -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/art/" \
        "$work/new" "$corpus" > "$work/log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
    before=$(find "$corpus" -type f | wc -l)
    "$bin" -merge=1 -timeout=10 "$corpus" "$work/new" > "$work/merge.log" 2>&1
    added=$(($(find "$corpus" -type f | wc -l) - before))
    crashes=0
    for f in "$work"/art/*; do
        [ -f "$f" ] || continue
        cp "$f" "$corpus/$(basename "$f")"
        crashes=$((crashes + 1))
    done
    reached=no
    [ "${execs:-0}" -ge "$runs" ] && reached=yes
    printf '%-22s %12s execs %8s exec/s %6ss  10M:%-3s +%s corpus  %s crashes (exit %s)\n' \
        "$name" "${execs:-?}" "${rate:-?}" "$took" "$reached" "$added" \
        "$crashes" "$rc" >> "$out/summary.txt"
}

names=""
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] && names="$names $(basename "$bin")"
done
set -- $names
while [ $# -gt 0 ]; do
    one "$1" &
    a=$!
    if [ $# -gt 1 ]; then
        one "$2" &
        b=$!
        wait $b
        shift
    fi
    wait $a
    shift
done
sort "$out/summary.txt" -o "$out/summary.txt"
echo "fuzz-long: $(date -u '+%Y-%m-%d %H:%M UTC'), FUZZ_RUNS=$runs FUZZ_SECONDS=${secs:-unset}"
cat "$out/summary.txt"
! grep -q ' [1-9][0-9]* crashes' "$out/summary.txt"
