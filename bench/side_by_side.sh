#!/bin/sh
# Compare two builds of one benchmark side by side: A on one core and B on
# the other at the same time, then swapped, ROUNDS times. Each run prints
# its figure on a line that matches SBS_PATTERN, in field SBS_FIELD. Prints
# B/A for every pair of runs and their mean. Running both at once, on both
# cores, cancels most of the machine's drift between runs (on the 2-core
# build machine one binary's speed moves by about 5 % within minutes; the
# same binary against itself gives 1.00 +- 0.01).
#
# usage: sh bench/side_by_side.sh A B [ROUNDS]      (ROUNDS default 3)
# env:   SBS_PATTERN  the figure's line, grep -E (default: bench_core's
#                     "M events/s" line, the loop over all events)
#        SBS_FIELD    its field, awk numbering (default 3: fills/s)
#        SBS_CPUS     the two cores (default "0 1")
#        and the benchmark's own; for bench_core BENCH_SKIP_E2E=1 and
#        BENCH_PASSES=5 unless set.
set -u
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: sh bench/side_by_side.sh A B [ROUNDS]" >&2
    exit 2
fi
a=$1 b=$2 rounds=${3:-3}
case $rounds in '' | *[!0-9]*) echo "side_by_side: ROUNDS must be a number, not '$rounds'" >&2; exit 2 ;; esac
for x in "$a" "$b"; do
    [ -x "$x" ] || { echo "side_by_side: $x is not an executable" >&2; exit 2; }
done
pattern=${SBS_PATTERN:-'M events/s'}
field=${SBS_FIELD:-3}
set -- ${SBS_CPUS:-0 1}
c0=$1 c1=$2
: "${BENCH_SKIP_E2E:=1}" "${BENCH_PASSES:=5}"
export BENCH_SKIP_E2E BENCH_PASSES
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin=taskset
command -v taskset >/dev/null 2>&1 || pin=""

# run CPU BIN OUT: the figure of one run into OUT, or a message and exit
run() {
    if [ -n "$pin" ]; then taskset -c "$1" "$2"; else "$2"; fi >"$3.log" 2>&1
    v=$(grep -E "$pattern" "$3.log" | head -n 1 | awk -v f="$field" '{print $f}')
    case $v in
    '' | *[!0-9.]*)
        echo "side_by_side: no figure from $2 (pattern '$pattern', field $field)" >"$3"
        return 1 ;;
    esac
    echo "$v" >"$3"
}

i=0 sum=0 n=0
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    for order in 1 2; do
        if [ "$order" = 1 ]; then ca=$c0 cb=$c1; else ca=$c1 cb=$c0; fi
        run "$ca" "$a" "$tmp/a" & pa=$!
        run "$cb" "$b" "$tmp/b"; rb=$?
        wait "$pa"; ra=$?
        if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then
            cat "$tmp/a" "$tmp/b" | grep side_by_side >&2
            exit 1
        fi
        va=$(cat "$tmp/a") vb=$(cat "$tmp/b")
        r=$(awk -v x="$va" -v y="$vb" 'BEGIN { if (x + 0 <= 0) exit 1; printf "%.3f", y / x }') || {
            echo "side_by_side: A's figure is $va" >&2; exit 1; }
        echo "A $va (cpu $ca)  B $vb (cpu $cb)  B/A $r"
        sum=$(awk -v s="$sum" -v r="$r" 'BEGIN { printf "%.6f", s + r }')
        n=$((n + 1))
    done
done
awk -v s="$sum" -v n="$n" 'BEGIN { printf "mean B/A %.3f over %d pairs\n", s / n, n }'
