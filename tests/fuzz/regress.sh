#!/bin/sh
# Run every fuzz target over its regression corpus (tests/fuzz/corpus/NAME).
set -u
dir=$1
fail=0 pass=0
for bin in "$dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus=tests/fuzz/corpus/$name
    n=$(find "$corpus" -type f 2>/dev/null | wc -l)
    if [ "$n" -eq 0 ]; then echo "fuzz-regress: $name has no corpus in $corpus"; fail=$((fail + 1)); continue; fi
    if find "$corpus" -type f -print0 | xargs -0 "$bin"; then
        pass=$((pass + 1)); echo "fuzz-regress: $name: $n inputs ok"
    else
        fail=$((fail + 1)); echo "fuzz-regress: $name: FAILED"
    fi
done
echo "fuzz targets: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
