#!/bin/sh
# tests/cli/follow_all.sh - `pmcopy backtest` with no trader configured
# follows every wallet on the tape: with 256 wallets (PMC_MAX_TRADERS) each
# one is copied (none skipped as unknown_trader); with 257 it stops with an
# error naming the limit and the wallet, instead of silently copying the
# first 256. $1 = the pmcopy binary.
set -u
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

echo "follow_all: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
