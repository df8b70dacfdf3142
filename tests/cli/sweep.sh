#!/bin/sh
# tests/cli/sweep.sh - `pmcopy backtest --latency A,B,...`: a latency sweep.
# Each run's folder is the folder of a single `--latency X` run byte for
# byte, the comparison (sweep.csv, sweep.json, index.html, charts) holds
# their numbers in the order given, bad lists are refused naming the item,
# the tape is parsed once (a pipe works), two sweeps write the same bytes
# and --jobs changes nothing. $1 = the pmcopy binary.
# Prints "sweep: N passed, M failed"; non-zero on any failure.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "sweep: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
tape=$root/fixtures/default.tape

# bad lists: exit 2, the item named
refused() { # $1 list, $2 text expected on stderr
    want=$2
    "$bin" backtest "$tape" --latency "$1" --no-report >/dev/null 2>"$tmp/err"
    check "--latency '$1' refused naming the item" '[ $? -eq 2 ] && grep -qF "$want" "$tmp/err"'
}
refused "0.4s,,3s" "item 2 is empty"
refused "0.4s," "item 2 is empty"
refused ",3s" "item 1 is empty"
refused "0.4s,3x,22s" "item 2 '3x': milliseconds"
refused "0.4s,400" "item 2 '400' is 400 ms again (item 1)"
refused "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" "item 17 '17': more than 16 latencies"
"$bin" backtest "$tape" --latency 1,2 --journal "$tmp/j.tape" >/dev/null 2>"$tmp/err"
check "a sweep refuses --journal" '[ $? -eq 2 ] && grep -q "journal" "$tmp/err"'
"$bin" backtest "$tape" --latency-chain 5 --latency 1,2 >/dev/null 2>"$tmp/err"
check "a sweep refuses a per-source latency" '[ $? -eq 2 ] && grep -q "latency-chain" "$tmp/err"'

# the default fixture at 0.4 s, 3 s, 22 s
"$bin" backtest "$tape" --latency 0.4s,3s,22s --out "$tmp/d1" >"$tmp/d1.txt" 2>"$tmp/d1.err"
check "sweep exits 0" '[ $? -eq 0 ]'
check "sweep: no gnuplot warning" '! grep -qi "warning" "$tmp/d1.err" || { cat "$tmp/d1.err"; false; }'
n=$(grep -c '^t=' "$tape")
check "the tape parsed once ($n records)" 'grep -q "$n records parsed once" "$tmp/d1.err"'
check "sweep prints the index path" 'grep -q "report: .*/d1/index.html" "$tmp/d1.txt"'
for f in index.html sweep.csv sweep.json sweep_pnl.png sweep_fill.png sweep_penalty.png sweep_equity.png; do
    check "sweep writes $f" '[ -s "$tmp/d1/$f" ]'
done
check "sweep.json is JSON" 'python3 -m json.tool "$tmp/d1/sweep.json" >/dev/null'
for t in "P&L against detection latency" "Fill rate against detection latency" \
    "Follower penalty against detection latency" "Equity by detection latency"; do
    check "a chart titled $t" 'grep -l "$t" "$tmp"/d1/sweep_*.svg >/dev/null'
done
for ms in 400 3000 22000; do
    d=latency-${ms}ms
    check "index.html links $d/report.html" 'grep -q "href=\"$d/report.html\"" "$tmp/d1/index.html" && [ -s "$tmp/d1/$d/report.html" ]'
    # the same latency alone: the same folder, byte for byte
    "$bin" backtest "$tape" --latency "$ms" --out "$tmp/s$ms" >/dev/null 2>&1
    for f in summary.json orders.csv fills.csv equity.csv source_equity.csv source_markets.csv markets.csv traders.csv report.html; do
        check "$ms ms: $f as a single run" 'cmp -s "$tmp/s$ms/$f" "$tmp/d1/$d/$f"'
    done
    # its row: the numbers of its summary.json
    j=$tmp/s$ms/summary.json
    v() { sed -n "s/^  \"$1\": \\([^,]*\\),*\$/\\1/p" "$j"; }
    src=$(sed -n 's/^ *"source_pnl_usd": \([^,]*\),.*/\1/p' "$j")
    row=$(grep "^$ms," "$tmp/d1/sweep.csv")
    want="$ms,$(v pnl_usd),$(v fees_usd),$(v fill_rate),$src"
    check "$ms ms: sweep.csv row has its P&L, fees, fill rate, source P&L ($want)" '[ "${row#"$want",}" != "$row" ]'
    pen=$(echo "$row" | cut -d, -f6)
    check "$ms ms: follower penalty = source P&L - P&L" 'awk -v p="$pen" -v s="$src" -v c="$(v pnl_usd)" "BEGIN { d = s - c - p; exit !(d < 1e-6 && d > -1e-6) }"'
    sized=$(echo "$row" | cut -d, -f7)
    check "$ms ms: penalty at our size = the sum of source_markets.csv penalty_usd (cents each)" 'awk -F, -v p="$sized" "NR > 1 { s += \$8; n++ } END { d = s - p; e = 0.005 * n + 1e-6; exit !(d <= e && d >= -e) }" "$tmp/s$ms/source_markets.csv"'
    rest="$(v max_drawdown_usd),$(v max_drawdown_pct),$(v orders),$(v fill_legs),$(v source_fills_seen),$d/report.html"
    check "$ms ms: sweep.csv row has its drawdown, orders, fills ($rest)" '[ "${row%,"$rest"}" != "$row" ]'
done
check "the index links 3 runs" '[ "$(grep -c "report.html\">latency-" "$tmp/d1/index.html")" -eq 3 ]'

# the same sweep again: the same bytes (charts included); on 2 threads too
"$bin" backtest "$tape" --latency 0.4s,3s,22s --out "$tmp/d2" >/dev/null 2>&1
check "two sweeps: identical folders" 'diff -r "$tmp/d1" "$tmp/d2" >/dev/null'
"$bin" backtest "$tape" --latency 0.4s,3s,22s --jobs 2 --out "$tmp/d3" >/dev/null 2>&1
check "--jobs 2: identical folders" 'diff -r "$tmp/d1" "$tmp/d3" >/dev/null'
"$bin" backtest "$tape" --latency 0.4s,3s,22s --json --out "$tmp/d4" >"$tmp/d4.json" 2>/dev/null
check "--json prints sweep.json" 'cmp -s "$tmp/d4.json" "$tmp/d1/sweep.json"'

# without --out: the table only, the same numbers, no folder
(cd "$tmp" && "$bin" backtest "$tape" --latency 0.4s,3s,22s >"$tmp/t.txt" 2>/dev/null)
check "without --out: exits 0, no report folder" '[ $? -eq 0 ] && [ ! -e "$tmp/reports" ]'
cols() { awk 'NR > 1 && NF >= 11 { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$1"; }
cols "$tmp/d1.txt" >"$tmp/t1"
cols "$tmp/t.txt" >"$tmp/t2"
check "without --out: the table's numbers" '[ "$(wc -l <"$tmp/t2")" -eq 3 ] && cmp -s "$tmp/t1" "$tmp/t2"'

# from a pipe: the tape can be read only once, and the runs are those of
# the file (their name and tape path aside)
cat "$tape" | "$bin" backtest /dev/stdin --latency 0.4s,3s,22s --out "$tmp/p" >/dev/null 2>&1
check "sweep from a pipe exits 0" '[ $? -eq 0 ]'
for ms in 400 3000 22000; do
    check "pipe: $ms ms as the file" 'grep -v "\"tape\"\|\"name\"" "$tmp/p/latency-${ms}ms/summary.json" >"$tmp/pa" && grep -v "\"tape\"\|\"name\"" "$tmp/d1/latency-${ms}ms/summary.json" >"$tmp/pb" && cmp -s "$tmp/pa" "$tmp/pb" && cmp -s "$tmp/p/latency-${ms}ms/orders.csv" "$tmp/d1/latency-${ms}ms/orders.csv"'
done

# a scenario, latencies out of order: rows in the order given, each run the
# single run (hand-computed: 22 s latency fills at 0.51, P&L 4.743875)
sc=$root/scenarios/sim/latency_delay.tape
flags="--copy-mode per_fill --latency-jitter 0"
# shellcheck disable=SC2086
"$bin" backtest "$sc" $flags --latency 30s,0,22s,10s --out "$tmp/sc" >/dev/null 2>"$tmp/sc.err"
check "scenario sweep exits 0" '[ $? -eq 0 ]'
check "scenario: rows in the order given" '[ "$(cut -d, -f1 "$tmp/sc/sweep.csv" | tr "\n" " ")" = "latency_ms 30000 0 22000 10000 " ]'
check "scenario: 22 s row has the hand-computed P&L" 'grep -q "^22000,4.743875," "$tmp/sc/sweep.csv"'
single_warn=0
for ms in 30000 0 22000 10000; do
    # shellcheck disable=SC2086
    "$bin" backtest "$sc" $flags --latency "$ms" --out "$tmp/sc1" >/dev/null 2>"$tmp/sc1.err"
    single_warn=$((single_warn + $(grep -ci warning "$tmp/sc1.err")))
    check "scenario $ms ms: summary.json, orders and fills as a single run" 'cmp -s "$tmp/sc1/summary.json" "$tmp/sc/latency-${ms}ms/summary.json" && cmp -s "$tmp/sc1/orders.csv" "$tmp/sc/latency-${ms}ms/orders.csv" && cmp -s "$tmp/sc1/fills.csv" "$tmp/sc/latency-${ms}ms/fills.csv"'
done

# a single run's own charts warn on a one-fill tape; the sweep's (flat
# curves included) add nothing
check "scenario: the sweep charts add no gnuplot warning" '[ "$(grep -ci warning "$tmp/sc.err")" -eq "$single_warn" ] || { cat "$tmp/sc.err"; false; }'

# one value is the single run of before: no sweep page
"$bin" backtest "$tape" --latency 3s --out "$tmp/one" >/dev/null 2>&1
check "one value: a plain report folder" '[ -s "$tmp/one/report.html" ] && [ ! -e "$tmp/one/index.html" ] && cmp -s "$tmp/one/summary.json" "$tmp/s3000/summary.json"'

echo "sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
