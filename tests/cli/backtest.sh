#!/bin/sh
# tests/cli/backtest.sh - `pmcopy backtest` and `pmcopy synth` end to end.
# $1 = the pmcopy binary. BLESS=1 rewrites scenarios/sim/*.expected.
# Prints "backtest: N passed, M failed"; non-zero on any failure.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "backtest: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

# usage and errors
"$bin" backtest --help >/dev/null; check "--help exits 0" '[ $? -eq 0 ]'
"$bin" backtest --nope >/dev/null 2>&1; check "bad flag exits 2" '[ $? -eq 2 ]'
"$bin" backtest --seed x >/dev/null 2>&1; check "bad seed exits 2" '[ $? -eq 2 ]'
"$bin" backtest "$tmp/missing.tape" --out "$tmp/m" >/dev/null 2>"$tmp/err"
check "missing tape exits 1" '[ $? -eq 1 ] && grep -q missing.tape "$tmp/err"'
printf '#pmcopy-tape v1\nt=1000 ev=quote token=a bid=0.5 ask=0.6\nt=900 ev=quote token=a bid=0.5 ask=0.6\n' >"$tmp/ooo.tape"
"$bin" backtest "$tmp/ooo.tape" --trader 0x1111111111111111111111111111111111111111 --out "$tmp/o" >/dev/null 2>"$tmp/err"
check "out-of-order tape exits 1 naming file:line" '[ $? -eq 1 ] && grep -q "ooo.tape:3" "$tmp/err"'
printf '#pmcopy-tape v1\nt=1000 ev=quote token=a bid=0.5 ask=0.6\nt=2000 ev=fill token=a px=1.5\n' >"$tmp/bad.tape"
"$bin" backtest "$tmp/bad.tape" --trader 0x1111111111111111111111111111111111111111 --out "$tmp/b" >/dev/null 2>"$tmp/err"
check "malformed tape exits 1 naming file:line" '[ $? -eq 1 ] && grep -q "bad.tape:3" "$tmp/err"'

# synth determinism and the committed fixture
"$bin" synth --out "$tmp/s1.tape" 2>/dev/null
"$bin" synth --seed 42 >"$tmp/s2.tape"
check "synth: same seed, same bytes" 'cmp -s "$tmp/s1.tape" "$tmp/s2.tape"'
check "synth: the committed fixture regenerates byte for byte" 'cmp -s "$tmp/s1.tape" "$root/fixtures/default.tape"'
"$bin" synth --seed 7 --hours 2 >"$tmp/s3.tape"
check "synth: another seed differs" '! cmp -s "$tmp/s1.tape" "$tmp/s3.tape"'

# default run twice: byte-identical report folders (charts included)
(cd "$tmp" && "$bin" backtest --out "$tmp/d1" >"$tmp/d1.txt" 2>&1)
check "default run exits 0" '[ $? -eq 0 ]'
(cd "$tmp" && "$bin" backtest --out "$tmp/d2" >/dev/null 2>&1)
for f in summary.json orders.csv fills.csv equity.csv markets.csv traders.csv skips.csv penalty.csv hist_detection.csv hist_slippage.csv report.html equity.svg; do
    check "determinism: $f" 'cmp -s "$tmp/d1/$f" "$tmp/d2/$f"'
done
check "default run prints the report path" 'grep -q "report: .*report.html" "$tmp/d1.txt"'
check "summary: accounting identity and core agree" 'grep -q "\"accounting_identity\": true, \"core_positions_agree\": true" "$tmp/d1/summary.json"'
check "charts written (png, svg)" '[ -s "$tmp/d1/equity.png" ] && [ -s "$tmp/d1/penalty.svg" ]'
check "report.html is self-contained (inline svg)" 'grep -q "<svg" "$tmp/d1/report.html" && ! grep -q "<img" "$tmp/d1/report.html"'
"$bin" backtest --json --no-report >"$tmp/j.json" 2>/dev/null
check "--json is valid JSON with the seed" 'python3 -m json.tool "$tmp/j.json" >/dev/null && grep -q "\"seed\": 20260217" "$tmp/j.json"'
"$bin" backtest --json --no-report --seed 1 >"$tmp/j1.json" 2>/dev/null
check "--seed changes the run" 'grep -q "\"seed\": 1," "$tmp/j1.json"'

# whole-ledger limits: no BUY order above the per-order cap, none inside the
# expiry cutoff; bought notional per UTC day <= the daily cap
check "ledger: per-order cap and expiry cutoff" 'awk -F, "
    NR==FNR { if (FNR > 1) end[\$1] = \$2; next }
    FNR > 1 && \$8 == \"BUY\" {
        if (\$10 * \$11 > 25.000001) { print \"over cap: \" \$1; bad = 1 }
        if (end[\$6] > 0 && \$2 > end[\$6] - 25000) { print \"in cutoff: \" \$1; bad = 1 }
    }
    END { exit bad }" "$tmp/d1/markets.csv" "$tmp/d1/orders.csv"'
check "ledger: daily bought notional <= 2000 USD" 'awk -F, "
    FNR > 1 && \$6 == \"BUY\" { d = int(\$2 / 86400000); s[d] += \$10 }
    END { for (d in s) if (s[d] > 2000.000001) { print d, s[d]; bad = 1 }; exit bad }" "$tmp/d1/fills.csv"'
check "ledger: 15-minute window bought notional <= 400 USD" 'awk -F, "
    FNR > 1 && \$6 == \"BUY\" { w = int(\$2 / 900000); s[w] += \$10 }
    END { for (w in s) if (s[w] > 400.000001) { print w, s[w]; bad = 1 }; exit bad }" "$tmp/d1/fills.csv"'

# the report names markets (ev=market question=/slug=), says whether the
# tape has a price path between a token's source fills, and shows the kill
# switch: when it tripped and why
W=0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
{
    echo '#pmcopy-tape v1'
    echo 't=1771286400000 ev=market token=y1 market=m1 end=1771290000000 tick=0.01 outcome=Yes question="Will it rain, or not?" slug=will-it-rain'
    echo 't=1771286400000 ev=market token=y2 market=m2 end=1771290000000 tick=0.01 outcome=Yes slug=only-a-slug'
    echo "t=1771286420000 ev=fill trader=$W token=y1 side=BUY px=0.40 sz=100 key=k1 market=m1 src=chain"
    echo "t=1771286420000 ev=fill trader=$W token=y2 side=BUY px=0.40 sz=100 key=k3 market=m2 src=chain"
    echo 't=1771286430000 ev=trade token=y1 px=0.41 sz=5'
    echo "t=1771286440000 ev=fill trader=$W token=y1 side=BUY px=0.42 sz=100 key=k2 market=m1 src=chain"
} >"$tmp/path.tape"
"$bin" backtest "$tmp/path.tape" --copy-mode per_fill --out "$tmp/pa" >"$tmp/pa.txt" 2>&1
check "price path present: runs" '[ $? -eq 0 ]'
check "price path present: no warning" '! grep -q "price path" "$tmp/pa.txt" && grep -q "\"latency_meaningful\": true" "$tmp/pa/summary.json"'
check "markets.csv names markets by question, else slug" 'grep -q ",\"Will it rain, or not?\"$" "$tmp/pa/markets.csv" && grep -q ",only-a-slug$" "$tmp/pa/markets.csv"'
check "report.html names markets" 'grep -q "Will it rain, or not?" "$tmp/pa/report.html"'
check "report.html: kill switch not tripped" 'grep -q "kill switch</th><td>not tripped" "$tmp/pa/report.html"'
grep -v ' ev=trade ' "$tmp/path.tape" >"$tmp/nopath.tape"
"$bin" backtest "$tmp/nopath.tape" --copy-mode per_fill --out "$tmp/np" >"$tmp/np.txt" 2>&1
check "no price path: the summary says latency results are meaningless" 'grep -q "price path *NONE between source fills on 1 of 1 tokens" "$tmp/np.txt" && grep -q "\"without_prices_between_fills\": 1, \"latency_meaningful\": false" "$tmp/np/summary.json"'
check "no price path: report.html says so" 'grep -q "price path</th><td>NONE between source fills" "$tmp/np/report.html"'
"$bin" backtest "$root/scenarios/sim/reject_kill.tape" --copy-mode per_fill --latency-jitter 0 --capital 5 --out "$tmp/rk" >/dev/null 2>&1
check "report.html shows when the kill switch tripped, and why" 'grep -q "kill switch</th><td>TRIPPED 1x; first at 2026-02-17 00:00:25 UTC: max_consecutive_rejects" "$tmp/rk/report.html" && grep -q "\"first_kill_ms\": 1771286425550" "$tmp/rk/summary.json"'

# matched trades that fail on chain (trade_fail_share): counted, undone in
# the ledger and in the core (the checks hold), the same on every run
"$bin" backtest --no-report -j --set trade_fail_share=0.3 >"$tmp/tf1.json" 2>&1
check "trade_fail_share 0.3: runs" '[ $? -eq 0 ]'
"$bin" backtest --no-report -j --set trade_fail_share=0.3 >"$tmp/tf2.json" 2>&1
"$bin" backtest --no-report -j >"$tmp/tf0.json" 2>&1
check "trade_fail_share 0.3: the same on every run" 'cmp -s "$tmp/tf1.json" "$tmp/tf2.json"'
check "trade_fail_share 0.3: trades failed, the books and the core agree" 'grep -q "\"trades_failed\": [1-9]" "$tmp/tf1.json" && grep -q "\"accounting_identity\": true, \"core_positions_agree\": true" "$tmp/tf1.json"'
check "trade_fail_share 0.3: another P&L than without" '[ "$(grep "\"pnl_usd\"" "$tmp/tf1.json")" != "$(grep "\"pnl_usd\"" "$tmp/tf0.json")" ]'
check "trade_fail_share 0: no failed trades in the summary" '! grep -q "trades_failed" "$tmp/tf0.json"'
# the report nets a failed leg out: a fills.csv row (liquidity failed, its
# amounts negated) per failed trade; the follower penalty, the markets' and
# the traders' bought notional agree with the ledger's sums
"$bin" backtest --set trade_fail_share=0.3 --out "$tmp/tfr" >/dev/null 2>&1
nfail=$(sed -n 's/.*"trades_failed": \([0-9]*\).*/\1/p' "$tmp/tfr/summary.json")
check "failed trades: one failed row each in fills.csv" '[ -n "$nfail" ] && [ "$nfail" -gt 0 ] && [ "$(awk -F, "\$7 == \"failed\" && \$9 < 0 && \$10 < 0" "$tmp/tfr/fills.csv" | wc -l)" -eq "$nfail" ]'
check "failed trades: penalty.csv = the sums of fills.csv" 'awk -F, "
    FNR == 1 { next }
    NR == FNR { d += \$15; s += \$16; f += \$11; next }
    \$1 == \"latency drift\" { pd = \$2 } \$1 == \"spread\" { ps = \$2 } \$1 == \"fees\" { pf = \$2 }
    END { e = 0.000001; exit !((d - pd) < e && (pd - d) < e && (s - ps) < e && (ps - s) < e && (f - pf) < e && (pf - f) < e) }" "$tmp/tfr/fills.csv" "$tmp/tfr/penalty.csv"'
check "failed trades: markets and traders bought = the ledger's net BUY notional" 'awk -F, "
    FNR == 1 { k++; next }
    k == 1 && \$6 == \"BUY\" { l += \$10 }
    k == 2 { m += \$5 }
    k == 3 { t += \$7 }
    END { exit !((l - m) < 0.000001 && (m - l) < 0.000001 && m - t > -0.000001 && m - t < 0.01) }" "$tmp/tfr/fills.csv" "$tmp/tfr/markets.csv" "$tmp/tfr/traders.csv"'

# GTD: the order's exp is its emission rounded up to a second + order_ttl_s;
# the simulator ends its resting part then ("expired", cancel reported
# lat_report later), the same on every run; GTC rests to the end of data
cat >"$tmp/gtd.tape" <<'EOF'
#pmcopy-tape v1
t=1767229200000 ev=market market=m1 token=101 tick=0.01 end=1767315600000
t=1767229200000 ev=quote token=101 bid=0.4 ask=0.52 bidsz=1000 asksz=1
t=1767229201000 ev=fill trader=0x1111111111111111111111111111111111111111 token=101 side=BUY px=0.5 sz=100 key=0xa1:1
t=1767229500000 ev=quote token=101 bid=0.4 ask=0.7 bidsz=1000 asksz=1000
EOF
gtd="$tmp/gtd.tape --trader 0x1111111111111111111111111111111111111111"
"$bin" decide $gtd --set order_tif=GTD --set order_ttl_s=120 >"$tmp/gtd.dec" 2>/dev/null
check "GTD: the order carries exp (emitted 01.300 -> 02 + 120 s)" 'grep -q "ev=order .*tif=GTD .* exp=1767229322$" "$tmp/gtd.dec"'
for k in 1 2; do
    "$bin" backtest $gtd --set order_tif=GTD --set order_ttl_s=120 --out "$tmp/gtd$k" >/dev/null 2>&1
done
check "GTD: the resting part expires at exp (+ report latency)" 'grep -q "^pmc-[0-9a-f]*,1767229204300,1767229204401,1767229325050,.*,GTD,0.52,10,.*,1,0.52,.*,partial,expired," "$tmp/gtd1/orders.csv"'
check "GTD: same tape, same expiry, same bytes" 'cmp -s "$tmp/gtd1/orders.csv" "$tmp/gtd2/orders.csv"'
"$bin" backtest $gtd --set order_tif=GTC --out "$tmp/gtc" >/dev/null 2>&1
check "GTC on the same tape rests to the end of data" 'grep -q ",GTC,.*,partial,end_of_data," "$tmp/gtc/orders.csv"'

# golden scenarios: hand-computed expectations + blessed ledger files
for t in "$root"/scenarios/sim/*.tape; do
    n=$(basename "$t" .tape)
    flags=$(sed -n 's/^# flags: //p' "$t")
    # shellcheck disable=SC2086
    "$bin" backtest "$t" $flags --out "$tmp/sc/$n" >/dev/null 2>"$tmp/sc_$n.err"
    check "scenario $n runs" '[ $? -eq 0 ]'
    sed -n 's/^# expect: //p' "$t" >"$tmp/sc_$n.exp"
    while IFS= read -r e; do
        check "scenario $n: $e" 'grep -qF "$e" "$tmp/sc/$n/summary.json"'
    done <"$tmp/sc_$n.exp"
    { cat "$tmp/sc/$n/orders.csv"; cat "$tmp/sc/$n/fills.csv"; } >"$tmp/sc_$n.got"
    if [ "${BLESS:-0}" = 1 ]; then cp "$tmp/sc_$n.got" "$root/scenarios/sim/$n.expected"; fi
    check "scenario $n: orders+fills match $n.expected" 'cmp -s "$tmp/sc_$n.got" "$root/scenarios/sim/$n.expected" || { diff "$root/scenarios/sim/$n.expected" "$tmp/sc_$n.got" | head -5; false; }'
done

echo "backtest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
