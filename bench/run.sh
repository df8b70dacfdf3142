#!/bin/sh
# Run every benchmark binary in BUILD/bench (default build) with no
# arguments, bench_live first; print a header per benchmark; fail if any
# of them fails.
# bench_core finds pmcopy through $PMCOPY (set here to BUILD/pmcopy).
set -u
build=${1:-build}
PMCOPY=${PMCOPY:-$build/pmcopy}
: "${PMC_DATA:=$(cd "$(dirname "$0")/.." && pwd)/../shared/data}"
export PMCOPY PMC_DATA
fail=0 ran=0 bad="" seen=""
# The latency benchmark runs first, on a quiet machine: right after
# bench_core's seconds of full CPU, this shared virtual machine's latency
# tail roughly doubles for about ten seconds (bench_live burst p99 143 us
# right after it against 55-63 us after a pause), which measures the
# previous benchmark, not this one.
for b in "$build"/bench/bench_live "$build"/bench/bench_*; do
    case "$seen " in *" $b "*) continue ;; esac
    seen="$seen $b"
    [ -x "$b" ] || continue
    ran=$((ran + 1))
    echo "==== $(basename "$b") ===="
    if ! "$b"; then
        fail=$((fail + 1))
        bad="$bad $(basename "$b")"
    fi
    echo
done
if [ "$ran" -eq 0 ]; then
    echo "bench: no benchmarks in $build/bench"
    exit 1
fi
echo "benchmarks: $((ran - fail)) passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$bad"; exit 1; }
