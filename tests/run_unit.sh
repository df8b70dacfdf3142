#!/bin/sh
# Run every cmocka unit binary; print the totals; non-zero on any failure.
# Tests find ../shared/data through PMC_DATA (default: ../shared/data).
set -u
: "${PMC_DATA:=$(cd "$(dirname "$0")/.." && pwd)/../shared/data}"
export PMC_DATA
fail=0 total=0 bad=""
for t in "$@"; do
    total=$((total + 1))
    if [ "${VALGRIND:-0}" = 1 ]; then
        valgrind -q --error-exitcode=99 --leak-check=full "$t" || { fail=$((fail + 1)); bad="$bad $t"; }
    else
        "$t" || { fail=$((fail + 1)); bad="$bad $t"; }
    fi
done
echo "unit binaries: $((total - fail)) passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$bad"; exit 1; }
