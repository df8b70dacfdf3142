#!/bin/sh
# Run every tests/cli/*.sh (except this one) with the pmcopy binary as $1.
set -u
bin=$1
pass=0 fail=0 bad=""
: "${PMC_DATA:=$(cd "$(dirname "$0")/../.." && pwd)/../shared/data}"
export PMC_DATA
for s in "$(dirname "$0")"/*.sh; do
    [ "$(basename "$s")" = run.sh ] && continue
    if sh "$s" "$bin"; then pass=$((pass + 1)); else fail=$((fail + 1)); bad="$bad $(basename "$s")"; fi
done
echo "cli scripts: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { echo "failed:$bad"; exit 1; }
