#!/bin/sh
# tests/cli/rank.sh - `pmcopy rank --tape FILE` end to end: a wallet's copy
# P&L at L* is what `pmcopy backtest` of that wallet alone gives; the
# output is byte-identical for --jobs 1 and 2 (table, JSON, CSV); the
# candidates from arguments and --wallets; the report folder with each top
# wallet's own backtest report; the walk-forward validation; the
# population tape is deterministic; usage and input errors say what and
# where. $1 = the pmcopy binary.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "rank: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
fx=$root/fixtures/default.tape

# copy P&L at L* = the backtest of the wallet alone at that latency
"$bin" rank --tape "$fx" --latency 400 --json >"$tmp/fx.json" 2>"$tmp/fx.err"
check "fixture: runs" '[ $? -eq 0 ]'
for a in 0x1111111111111111111111111111111111111111 0x2222222222222222222222222222222222222222 0x3333333333333333333333333333333333333333; do
    "$bin" backtest "$fx" --trader $a --latency 400 --no-report --json >"$tmp/bt.json" 2>/dev/null
    want=$(sed -n 's/^ *"pnl_usd": \([-0-9.]*\),*$/\1/p' "$tmp/bt.json" | head -1)
    got=$(grep -o "\"wallet\":\"$a\"[^}]*}[^}]*}[^}]*\"copy_pnl_usd\":[-0-9.]*" "$tmp/fx.json" | sed 's/.*"copy_pnl_usd"://')
    check "$a: copy P&L at L* ($got) = backtest --trader ($want)" '[ -n "$want" ] && [ "$got" = "$want" ]'
done
check "fixture: one day of data -> unrated with the reason" 'grep -q "\"why_unrated\":\"1 active days (< 5)\"" "$tmp/fx.json"'
check "fixture: JSON keys" 'for k in wallet rank rated score_usd_day edge markets active_days source_pnl_usd copy_pnl_usd why_unrated; do grep -q "\"$k\":" "$tmp/fx.json" || exit 1; done'

# the population tape: deterministic, kinds in the address
"$bin" synth --population 60 --days 20 --out "$tmp/pop.tape" 2>/dev/null
"$bin" synth --population 60 --days 20 --out "$tmp/pop2.tape" 2>/dev/null
"$bin" synth --population 60 --days 20 --seed 8 --out "$tmp/pop3.tape" 2>/dev/null
check "synth --population: same seed, same bytes" 'cmp -s "$tmp/pop.tape" "$tmp/pop2.tape"'
check "synth --population: another seed, other bytes" '! cmp -s "$tmp/pop.tape" "$tmp/pop3.tape"'
check "synth --population: 60 wallets" '[ $(grep -c "^# pop wallet=" "$tmp/pop.tape") -eq 60 ]'

# --jobs 1 and 2: the same bytes, in every format
for f in "" --json --csv; do
    "$bin" rank --tape "$tmp/pop.tape" --latency 3s --jobs 1 $f >"$tmp/j1" 2>&1
    r1=$?
    "$bin" rank --tape "$tmp/pop.tape" --latency 3s --jobs 2 $f >"$tmp/j2" 2>&1
    check "jobs 1 = jobs 2 ($f)" '[ $r1 -eq 0 ] && cmp -s "$tmp/j1" "$tmp/j2"'
    [ -z "$f" ] && check "table: a copyable wallet on top" 'sed -n 2p "$tmp/j1" | grep -q "^ *1  0xc0"'
done
check "CSV: header and a row per wallet" 'head -1 "$tmp/j1" | grep -q "^rank,wallet,label,rated,score_usd_day,edge_0ms,edge_3000ms,edge_6000ms,edge_12000ms," && [ $(wc -l <"$tmp/j1") -eq 61 ]'

# candidates: arguments and --wallets, merged without repeats
a1=$(grep -m1 -o "0xc0[0-9a-f]*" "$tmp/pop.tape")
a2=$(grep -m1 -o "0xd0[0-9a-f]*" "$tmp/pop.tape")
printf '# candidates\n%s\n\n%s  # again\n' "$a2" "$a1" >"$tmp/w.txt"
"$bin" rank --tape "$tmp/pop.tape" "$a1" --wallets "$tmp/w.txt" --csv >"$tmp/c.csv" 2>&1
check "candidates: two wallets ranked" '[ $? -eq 0 ] && [ $(wc -l <"$tmp/c.csv") -eq 3 ]'
check "candidates: K = 2 in the table" '"$bin" rank --tape "$tmp/pop.tape" "$a1" "$a2" | grep -q "^2 wallets screened (K)"'
"$bin" rank --tape "$tmp/pop.tape" 0x9999999999999999999999999999999999999999 >/dev/null 2>"$tmp/e"
check "unknown wallet: exit 1 naming it" '[ $? -eq 1 ] && grep -q "0x9999999999999999999999999999999999999999 has no fill on the tape" "$tmp/e"'
printf 'nothex\n' >"$tmp/w2.txt"
"$bin" rank --tape "$tmp/pop.tape" --wallets "$tmp/w2.txt" >/dev/null 2>"$tmp/e"
check "bad --wallets line: exit 1 with file:line" '[ $? -eq 1 ] && grep -q "w2.txt:1: .nothex. is not a wallet address" "$tmp/e"'

# a window: --since / --until keep the wallets' fills in [since, until)
s0=1767225600
"$bin" rank --tape "$tmp/pop.tape" "$a1" --since $((s0 + 5 * 86400)) --until $((s0 + 10 * 86400)) --json >"$tmp/win.json" 2>"$tmp/e"
check "window: 5 days, at most 5 active days" '[ $? -eq 0 ] && grep -q "\"active_days\":[0-5]," "$tmp/win.json"'
"$bin" rank --tape "$tmp/pop.tape" --since 100 --until 50 >/dev/null 2>&1
check "window: --until before --since: exit 2" '[ $? -eq 2 ]'

# report folder
"$bin" rank --tape "$tmp/pop.tape" --latency 3s --out "$tmp/rep" --report-top 3 >"$tmp/rep.out" 2>&1
check "report: runs" '[ $? -eq 0 ] && grep -q "report: $tmp/rep/report.html" "$tmp/rep.out"'
check "report: ranking files" '[ -s "$tmp/rep/ranking.json" ] && [ -s "$tmp/rep/ranking.csv" ]'
top1=$(sed -n 's/^ *1  \(0x[0-9a-f]*\).*/\1/p' "$tmp/rep.out")
check "report: the top wallet's own backtest report, linked" '[ -s "$tmp/rep/wallets/$top1/report.html" ] && [ -s "$tmp/rep/wallets/$top1/summary.json" ] && grep -q "href=\"wallets/$top1/report.html\"" "$tmp/rep/report.html"'
check "report: curves and scatter" '[ $(grep -c "<svg" "$tmp/rep/report.html") -eq 2 ] && grep -q "<polyline" "$tmp/rep/report.html"'
check "report: 3 wallet reports" '[ $(ls "$tmp/rep/wallets" | wc -l) -eq 3 ]'

# validation: folds and the overall line
"$bin" synth --population 40 --days 24 --out "$tmp/v.tape" 2>/dev/null
"$bin" rank --tape "$tmp/v.tape" --validate --train 14d --test 3d --json >"$tmp/v.json" 2>"$tmp/v.err"
check "validate: runs" '[ $? -eq 0 ]'
check "validate: 3 folds, baselines, overall" '[ $(grep -o "\"fold\":\"[0-9]*\"" "$tmp/v.json" | wc -l) -eq 3 ] && grep -q "\"overall\":" "$tmp/v.json" && grep -q "\"source_pnl_per_volume\":{\"spearman\"" "$tmp/v.json" && grep -q "top_k_by_score_usd_day" "$tmp/v.json"'
"$bin" rank --tape "$tmp/v.tape" --validate --train 30d --test 7d >/dev/null 2>"$tmp/e"
check "validate: too short a tape says so" '[ $? -eq 1 ] && grep -q "one fold needs train + test = 37.0 days" "$tmp/e"'

# usage and input errors
"$bin" rank >/dev/null 2>"$tmp/e"
check "no tape and no window: exit 2" '[ $? -eq 2 ] && grep -q "give --since T and --until T (or rank a tape with --tape FILE)" "$tmp/e"'
"$bin" rank --tape "$fx" --latency fast >/dev/null 2>"$tmp/e"
check "bad --latency: exit 2" '[ $? -eq 2 ] && grep -q "\-\-latency fast" "$tmp/e"'
"$bin" rank --tape "$fx" --jobs 65 >/dev/null 2>"$tmp/e"
check "--jobs 65: exit 2" '[ $? -eq 2 ]'
"$bin" rank --tape "$fx" --json --csv >/dev/null 2>"$tmp/e"
check "--json --csv: exit 2" '[ $? -eq 2 ]'
printf '#pmcopy-tape v1\nt=5 ev=quote token=a bid=0.4 ask=0.5\nt=4 ev=quote token=a bid=0.4 ask=0.5\n' >"$tmp/bad.tape"
"$bin" rank --tape "$tmp/bad.tape" >/dev/null 2>"$tmp/e"
check "tape back in time: exit 1 with file:line" '[ $? -eq 1 ] && grep -q "bad.tape:3: t=4 goes back in time" "$tmp/e"'

echo "rank: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
