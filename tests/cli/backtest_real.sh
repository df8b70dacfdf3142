#!/bin/sh
# tests/cli/backtest_real.sh - copy wallet 0x1d00...0313 on its real
# 2026-02-17 activity (hxx344/deepmarket, read in place from $PMC_DATA) at
# detection latencies 0.4 s, 3 s and 22 s; resolutions from
# fixtures/deepmarket_resolutions.tape, other markets stay unresolved.
# $1 = pmcopy. Prints the P&L per latency and "backtest_real: N passed, M failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${PMC_DATA:=$root/../shared/data}"
dump=$PMC_DATA/hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "backtest_real: FAIL: $*"; }
if [ ! -r "$dump" ]; then
    echo "backtest_real: FAIL: reference data missing: $dump (set PMC_DATA)"
    echo "backtest_real: 0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" import activity "$dump" >"$tmp/act.tape" 2>"$tmp/imp.err" && ok || bad "import activity: $(cat "$tmp/imp.err")"
# merge by t (stable), header first
{ echo "#pmcopy-tape v1"
  grep -h '^t=' "$tmp/act.tape" "$root/fixtures/deepmarket_resolutions.tape" | sort -s -n -k1.3,1.15
} >"$tmp/real.tape"
printf "%-10s %12s %12s %10s %8s %8s %10s\n" latency "pnl_usd" "fees_usd" "orders" "filled" "unresolv" "drift_usd"
for lat in 400 3000 22000; do
    "$bin" backtest "$tmp/real.tape" --latency "$lat" --out "$tmp/r$lat" --json >"$tmp/r$lat.json" 2>"$tmp/r$lat.err"
    if [ $? -eq 0 ]; then ok; else bad "latency $lat: $(cat "$tmp/r$lat.err")"; continue; fi
    j=$tmp/r$lat.json
    v() { sed -n "s/^  \"$1\": \\([^,]*\\),*\$/\\1/p" "$j"; }
    drift=$(sed -n 's/.*"latency_drift_usd": \([^,]*\),.*/\1/p' "$j")
    printf "%-10s %12s %12s %10s %8s %8s %10s\n" "${lat}ms" "$(v pnl_usd)" "$(v fees_usd)" "$(v orders)" "$(v orders_filled)" "$(v unresolved_positions)" "$drift"
    grep -q '"accounting_identity": true, "core_positions_agree": true' "$j" && ok || bad "latency $lat: ledger checks"
    [ "$(v source_fills_seen)" = 2934 ] && ok || bad "latency $lat: 2934 source fills expected, got $(v source_fills_seen)"
    [ "$(v unresolved_positions)" -gt 0 ] && ok || bad "latency $lat: markets without a known winner must stay unresolved"
    [ "$(v orders)" -gt 0 ] && ok || bad "latency $lat: no orders"
done
# same inputs, same outputs
"$bin" backtest "$tmp/real.tape" --latency 3000 --out "$tmp/again" --json >"$tmp/again.json" 2>/dev/null
cmp -s "$tmp/again.json" "$tmp/r3000.json" && cmp -s "$tmp/again/fills.csv" "$tmp/r3000/fills.csv" && ok || bad "determinism"
# latency must matter: the detection delay shows in the order times
a=$(sed -n 2p "$tmp/r400/orders.csv" | cut -d, -f2) b=$(sed -n 2p "$tmp/r22000/orders.csv" | cut -d, -f2)
[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] && ok || bad "22 s latency must emit later than 0.4 s ($a vs $b)"
echo "backtest_real: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
