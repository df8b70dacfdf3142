#!/bin/sh
# bench/side_by_side.sh on stand-in benchmarks that print fixed figures:
# B/A for every pair (both orders of the cores), their mean, and clear
# errors for a run without its figure, a zero figure and bad arguments.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
sbs="$root/bench/side_by_side.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "side_by_side: $1"; fail=$((fail + 1)); }

# fake NAME FILLS: a benchmark printing bench_core's summary line
fake() {
    cat >"$tmp/$1" <<EOF
#!/bin/sh
echo "core: outcome: 10 orders"
echo "core: step $2 M fills/s, 9.99 M events/s, 100.0 ns/event mean (best of 3 loops)"
EOF
    chmod +x "$tmp/$1"
}
fake a 8.00
fake b 10.00
fake zero 0
printf '#!/bin/sh\necho "no figure here"\n' >"$tmp/none"
chmod +x "$tmp/none"

sh "$sbs" "$tmp/a" "$tmp/b" 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ]; then
    bad "a against b: exit $rc ($(cat "$tmp/err"))"
else
    [ "$(grep -c 'B/A 1.250$' "$tmp/out")" -eq 4 ] && ok ||
        bad "want 4 pairs at 1.250, got: $(cat "$tmp/out")"
    grep -qx 'mean B/A 1.250 over 4 pairs' "$tmp/out" && ok ||
        bad "mean line: $(tail -n 1 "$tmp/out")"
    grep -q '^A 8.00 (cpu 0)  B 10.00 (cpu 1)' "$tmp/out" &&
        grep -q '^A 8.00 (cpu 1)  B 10.00 (cpu 0)' "$tmp/out" && ok ||
        bad "the cores are not swapped: $(cat "$tmp/out")"
fi

sh "$sbs" "$tmp/b" "$tmp/a" 1 >"$tmp/out" 2>&1
grep -qx 'mean B/A 0.800 over 2 pairs' "$tmp/out" && ok ||
    bad "b against a: $(cat "$tmp/out")"

SBS_PATTERN='events/s' SBS_FIELD=6 sh "$sbs" "$tmp/a" "$tmp/b" 1 >"$tmp/out" 2>&1
grep -qx 'mean B/A 1.000 over 2 pairs' "$tmp/out" && ok ||
    bad "another field: $(cat "$tmp/out")"

sh "$sbs" "$tmp/a" "$tmp/none" 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "no figure from $tmp/none" "$tmp/err" && ok ||
    bad "a run without its figure: exit $rc, '$(cat "$tmp/err")'"

sh "$sbs" "$tmp/zero" "$tmp/a" 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "A's figure is 0" "$tmp/err" && ok ||
    bad "a zero figure: exit $rc, '$(cat "$tmp/err")'"

sh "$sbs" "$tmp/a" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q usage "$tmp/err" && ok || bad "one argument: exit $rc"
sh "$sbs" "$tmp/a" "$tmp/b" x >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "ROUNDS must be a number" "$tmp/err" && ok ||
    bad "ROUNDS x: exit $rc"
sh "$sbs" "$tmp/a" "$tmp/missing" 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "is not an executable" "$tmp/err" && ok ||
    bad "a missing binary: exit $rc"

echo "side_by_side: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
