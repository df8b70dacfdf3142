#!/bin/sh
# tests/cli/follow_all.sh - `pmcopy backtest` with no trader configured
# follows every wallet on the tape: with 256 wallets (PMC_MAX_TRADERS) each
# one is copied (none skipped as unknown_trader); with 257 it stops with an
# error naming the limit and the wallet, instead of silently copying the
# first 256. The tape is read once (a pipe works). follow_all (the key
# backtest sets) decides byte for byte as the explicit list of the same
# wallets in order of first appearance. $1 = the pmcopy binary.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "follow_all: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

tape() { # wallets file: one market, one buy per wallet, one second apart
    awk -v n="$1" 'BEGIN {
        t0 = 1771286400000
        print "#pmcopy-tape v1"
        printf "t=%.0f ev=market token=up1 market=m1 end=%.0f tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2 outcome=Up\n", t0, t0 + 86400000
        printf "t=%.0f ev=quote token=up1 bid=0.49 ask=0.5\n", t0
        for (i = 1; i <= n; i++)
            printf "t=%.0f ev=fill trader=0x%040x token=up1 side=BUY px=0.50 sz=100 key=k%d market=m1 src=rtds\n", t0 + i * 1000, i, i
        printf "t=%.0f ev=resolve token=up1 payout=1\n", t0 + 86400000 + 60000
    }' >"$2"
}

tape 256 "$tmp/w256.tape"
"$bin" backtest "$tmp/w256.tape" --copy-mode per_fill --no-report --json >"$tmp/w256.json" 2>"$tmp/w256.err"
check "256 wallets: runs" '[ $? -eq 0 ]'
check "256 wallets: every wallet followed" 'grep -q "\"traders\": 256" "$tmp/w256.json"'
check "256 wallets: no fill skipped as unknown_trader" '! grep -q "\"unknown_trader\": [1-9]" "$tmp/w256.json"'
check "256 wallets: every source fill reached the core" 'grep -q "\"source_fills_seen\": 256" "$tmp/w256.json"'

tape 257 "$tmp/w257.tape"
"$bin" backtest "$tmp/w257.tape" --copy-mode per_fill --no-report --json >"$tmp/w257.json" 2>"$tmp/w257.err"
check "257 wallets: exits 1" '[ $? -eq 1 ]'
check "257 wallets: the error names the limit, the wallet and the line" 'grep -q "w257.tape:260: wallet 0x0000000000000000000000000000000000000101 .*at most 256 (PMC_MAX_TRADERS)" "$tmp/w257.err"'
"$bin" backtest "$tmp/w257.tape" --trader 0x0000000000000000000000000000000000000001 --copy-mode per_fill --no-report --json >"$tmp/one.json" 2>/dev/null
check "257 wallets, one named: runs" '[ $? -eq 0 ] && grep -q "\"orders\": 1," "$tmp/one.json"'

# the tape read once: from a pipe as from the file
cat "$tmp/w256.tape" | "$bin" backtest /dev/stdin --copy-mode per_fill --no-report --json >"$tmp/pipe.json" 2>"$tmp/pipe.err"
check "a tape on a pipe: runs" '[ $? -eq 0 ]'
check "a tape on a pipe: every wallet followed, every fill seen" 'grep -q "\"traders\": 256" "$tmp/pipe.json" && grep -q "\"source_fills_seen\": 256" "$tmp/pipe.json"'
check "a tape on a pipe: the orders of the file" 'grep "\"orders" "$tmp/pipe.json" >"$tmp/pipe.o" && grep "\"orders" "$tmp/w256.json" >"$tmp/file.o" && cmp -s "$tmp/pipe.o" "$tmp/file.o"'
"$bin" backtest "$tmp/w256.tape" --set follow_all=true --copy-mode per_fill --no-report --json >"$tmp/set.json" 2>/dev/null
check "--set follow_all=true: as with no trader" '[ $? -eq 0 ] && cmp -s "$tmp/w256.json" "$tmp/set.json"'

# the wallets of a tape in order of first appearance, as a traders file
traders() {
    grep -o 'trader=0x[0-9a-fA-F]*' "$1" | awk 'BEGIN { printf "[" } !seen[$0]++ { sub(/trader=/, ""); printf "%s\"%s\"", n++ ? ", " : "", $0 } END { print "]" }'
}
# decide: follow_all against the explicit list, byte for byte
for t in "$root/fixtures/default.tape" "$tmp/w256.tape"; do
    n=$(basename "$t" .tape)
    for m in per_fill aggregate intent_net; do
        "$bin" decide --follow-all true --copy-mode $m "$t" >"$tmp/$n.$m.fa" 2>&1
        check "decide $n $m: follow_all runs" '[ $? -eq 0 ] && grep -q " ev=order " "$tmp/$n.$m.fa"'
        traders "$t" >"$tmp/$n.traders.json"
        "$bin" decide --traders "$tmp/$n.traders.json" --copy-mode $m "$t" >"$tmp/$n.$m.list" 2>&1
        check "decide $n $m: follow_all = the explicit list" 'cmp -s "$tmp/$n.$m.fa" "$tmp/$n.$m.list"'
        "$bin" decide --copy-mode $m "$t" >"$tmp/$n.$m.none" 2>&1
        check "decide $n $m: without follow_all nothing is copied" '! grep -q " ev=order " "$tmp/$n.$m.none"'
    done
done
"$bin" decide --follow-all true "$tmp/w257.tape" >/dev/null 2>"$tmp/d257.err"
check "decide, 257 wallets: refused, not a silent skip" '[ $? -eq 1 ] && grep -q "w257.tape:260: .*full.*follow_all copies at most 256 wallets" "$tmp/d257.err"'

# detection latency can bring wallet 2's first fill (rtds, 0.4 s) to the
# core before wallet 1's (chain, 3 s): the per-trader figures still match
# the explicit list in tape order
w1=0x00000000000000000000000000000000000000a1
w2=0x00000000000000000000000000000000000000b2
awk -v a=$w1 -v b=$w2 'BEGIN {
    t0 = 1771286400000
    print "#pmcopy-tape v1"
    printf "t=%.0f ev=market token=up1 market=m1 end=%.0f tick=0.01 minsz=5 fee_rate=0.25 fee_exp=2 outcome=Up\n", t0, t0 + 86400000
    printf "t=%.0f ev=quote token=up1 bid=0.49 ask=0.5\n", t0
    printf "t=%.0f ev=fill trader=%s token=up1 side=BUY px=0.50 sz=100 key=a1 market=m1 src=chain\n", t0 + 1000, a
    printf "t=%.0f ev=fill trader=%s token=up1 side=BUY px=0.50 sz=300 key=b1 market=m1 src=rtds\n", t0 + 1500, b
    printf "t=%.0f ev=fill trader=%s token=up1 side=BUY px=0.50 sz=200 key=a2 market=m1 src=chain\n", t0 + 60000, a
    printf "t=%.0f ev=resolve token=up1 payout=1\n", t0 + 86400000 + 60000
}' >"$tmp/swap.tape"
"$bin" backtest "$tmp/swap.tape" --copy-mode per_fill --out "$tmp/swap_fa" --name swap --journal "$tmp/swap.j" >/dev/null 2>&1
check "latency swap: runs" '[ $? -eq 0 ]'
check "latency swap: the core sees wallet 2 first" '[ "$(grep -m1 -o "ev=fill trader=0x[0-9a-f]*" "$tmp/swap.j")" = "ev=fill trader=$w2" ]'
"$bin" backtest "$tmp/swap.tape" --trader $w1 --trader $w2 --copy-mode per_fill --out "$tmp/swap_list" --name swap >/dev/null 2>&1
check "latency swap: traders.csv as with the explicit list" 'cmp -s "$tmp/swap_fa/traders.csv" "$tmp/swap_list/traders.csv" && grep -q "^$w2,.*,1,150," "$tmp/swap_fa/traders.csv"'
check "latency swap: the summary as with the explicit list" 'cmp -s "$tmp/swap_fa/summary.json" "$tmp/swap_list/summary.json"'

echo "follow_all: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
