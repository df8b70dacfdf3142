#!/bin/sh
# tests/cli/paper_agree.sh - paper trading and the backtest agree.
#
# A recorded session (tests/cli/paper_agree.sc: books, price changes, trade
# prints and the trades of three copied wallets and one other over three
# minutes of source time, played ten times faster, about 20 s) runs through
# `pmcopy live --paper` against the fake feeds. Then the same recording,
# with the receive times the session journaled (a second session with GTC
# orders runs beside it, on its own fake feed):
#  db       - `pmcopy backtest --db STORE` (the journal, the session's
#             configuration and its measured order latency): orders one for
#             one (token, side, limit, size, fills, fees), P&L within 1 %;
#             for the GTC session too (resting orders, maker fills).
#  tape     - the journal exported as a tape (`pmcopy journal --db`) through
#             `pmcopy backtest --latency-recorded` with the order latency the
#             session measured (submit 0, report = the median the --db run
#             printed) and --compare: the same verdict.
#  covers   - the session is not trivial: at least 12 orders, a partial fill
#             (a FAK remainder), a SELL, a token without a book (the last
#             print +- the half spread on the 0.01 grid), a SELL refused
#             because its market had ended (market_closed).
#  perturb  - the check can fail: the same journal with 30 USD of capital
#             (the backtest's venue refuses what the session bought later)
#             and with another max_slippage (other limits) each exit 1 and
#             print the first order that differs, both sides and why.
#  failed   - trades the venue took back (status=failed): the session's
#             inputs through the simulator with trade_fail_share 0.4 make a
#             journal whose failed trades undo their fills; a backtest of it
#             agrees, one that fails no trade differs at the first.
#  errors   - a missing store, --db with a TAPE or a sweep, --compare on a
#             pipe, a malformed journal: named, exit 1 or 2.
# Determinism: the comparison reads only journaled times, so a slow machine
# changes the journal, never the verdict.
# AGREE_SET='--set KEY=VALUE ...' adds settings to both sessions (by hand,
# e.g. trade_fail_share: the venues' failure draws and their reports).
# Usage: sh tests/cli/paper_agree.sh path/to/pmcopy
name=paper_agree
. "$(dirname "$0")/live_lib.inc"
C=0x3333333333333333333333333333333333333333
D=0x4444444444444444444444444444444444444444

# the scenario: source times from a base 3 minutes ago; the 5-minute
# market's window ends about 11 s after the feed starts
now_s=$(date +%s)
base=$(((now_s - 200) * 1000))
slug=btc-updown-5m-$((now_s + 13 - 300))
awk -v base="$base" -v slug="$slug" -v a=$A -v b=$B -v c=$C -v d=$D '
/^#/ || NF == 0 { next }
{
    for (i = 3; i <= NF; i++) {
        if ($i ~ /^ts=@\+/) { s = substr($i, 6); $i = sprintf("ts=%.0f", base + s * 1000) }
        else if ($i ~ /^slug=@SLUG$/) $i = "slug=" slug
        else if ($i ~ /^wallet=@/) {
            w = substr($i, 9)
            $i = "wallet=" (w == "A" ? a : w == "B" ? b : w == "C" ? c : d)
        } else if ($i ~ /^tx=0x/) {
            h = substr($i, 6); v = 0
            for (k = 1; k <= length(h); k++)
                v = v * 16 + index("0123456789abcdef", substr(h, k, 1)) - 1
            $i = sprintf("tx=0x%064x", v)
        }
    }
    print
}' "$(dirname "$0")/paper_agree.sc" > "$tmp/session.sc"

# start_session NAME [--set ...]: a fake feed playing the scenario (held)
# and a paper session on it with its store NAME.db; sets fp_NAME, lp_NAME
start_session() {
    sn=$1
    shift
    start_fake "feeds_$sn" "$feeds" --scenario "$tmp/session.sc" \
        --max-seconds 90 --hold
    "$bin" live --paper --trader $A --trader $B --trader $C \
        --rtds-ws ws://127.0.0.1:$port/rtds \
        --book-ws ws://127.0.0.1:$port/ws/market --data-api "" --chain-ws "" \
        --db "$tmp/$sn.db" --api-port 0 --no-mlock \
        --ready-file "$tmp/$sn.ready" --set max_source_lag_ms=600000 \
        --set near_expiry_cutoff_seconds=3 ${AGREE_SET:-} "$@" > "$tmp/$sn.out" \
        2> "$tmp/$sn.err" &
    pids="$pids $!"
    eval "fp_$sn=$port lp_$sn=$!"
}
# two sessions side by side on the same recording: FAK orders (s) and GTC
# orders (g: what does not fill at once rests, and fills as maker later)
start_session s
start_session g --set order_tif=GTC
for sn in s g; do
    wait_ready "$tmp/$sn.ready" || bad "$sn: live did not start: $(cat "$tmp/$sn.err")"
done
wait_stat $fp_s rtds_subs 1 && wait_stat $fp_g rtds_subs 1
curl -sf "http://127.0.0.1:$fp_s/_control/start" > /dev/null
curl -sf "http://127.0.0.1:$fp_g/_control/start" > /dev/null
# the last trade at 18 s; its bucket is flushed 300 ms later
sleep 18
for sn in s g; do
    wait_status "$(api_port_of "$tmp/$sn.ready")" fills_seen 16
done
sleep 1
for sn in s g; do
    eval "stop_live \$lp_$sn"
    check "session $sn: SIGTERM exits 0 (got $rc)" [ "$rc" -eq 0 ]
    check "session $sn: the journal replays" "$bin" replay --db "$tmp/$sn.db"
done

# ---- db: the store's journal through the simulator ----------------------
"$bin" backtest --db "$tmp/s.db" --no-report > "$tmp/db.out" 2> "$tmp/db.err"
rc=$?
check "db: backtest --db agrees (exit $rc)" \
    [ "$rc" -eq 0 ]
check "db: agree: yes" grep -q '^agree: yes$' "$tmp/db.out"
[ "$rc" -eq 0 ] || sed -n '/^P&L:/p; /^DIFFER/,$p' "$tmp/db.out" >&2
lat=$(sed -n 's/.*order latency (decided -> first report): median \([0-9]*\) ms.*/\1/p' "$tmp/db.err")
check "db: the measured order latency is printed (got '$lat')" [ -n "$lat" ]

"$bin" backtest --db "$tmp/g.db" --no-report > "$tmp/gdb.out" 2> "$tmp/gdb.err"
rc=$?
check "db: the GTC session agrees too (exit $rc)" \
    [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed -n '/^P&L:/p; /^DIFFER/,$p' "$tmp/gdb.out" >&2
"$bin" journal --db "$tmp/g.db" > "$tmp/g.tape"
check "covers: a GTC order rested and filled later as maker (no fee)" \
    grep -q 'status=fill sz=[0-9.]* px=[0-9.]*$' "$tmp/g.tape"

# ---- tape: the exported journal with --latency-recorded -------------------
"$bin" journal --db "$tmp/s.db" > "$tmp/s.tape"
"$bin" backtest "$tmp/s.tape" --config "$tmp/s.db-config.json" \
    --latency-recorded --latency-submit 0 --latency-jitter 0 \
    --latency-report "${lat:-0}" --compare --no-report > "$tmp/tape.out" \
    2> "$tmp/tape.err"
rc=$?
check "tape: backtest --latency-recorded --compare agrees (exit $rc)" \
    [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed -n '/^P&L:/p; /^DIFFER/,$p' "$tmp/tape.out" >&2
check "tape: the same orders and P&L as --db" \
    sh -c "grep -E '^(orders|P&L):' '$tmp/db.out' > '$tmp/a' && grep -E '^(orders|P&L):' '$tmp/tape.out' > '$tmp/b' && cmp -s '$tmp/a' '$tmp/b'"

# ---- covers: what the session did -----------------------------------------
orders=$(grep -c ' ev=order ' "$tmp/s.tape")
check "covers: at least 12 orders (got $orders)" [ "$orders" -ge 12 ]
check "covers: a FAK remainder cancelled after a partial fill" \
    grep -q 'status=cancel reason="FAK remainder"' "$tmp/s.tape"
check "covers: a SELL filled" sh -c "grep ' ev=order .*side=SELL' '$tmp/s.tape' | grep -q ."
check "covers: the SELL after the market's end refused (market_closed)" \
    grep -q 'status=reject reason=market_closed' "$tmp/s.tape"
check "covers: the bookless token 401 filled on the 0.01 grid" \
    grep -q 'status=fill sz=10 px=0.62 ' "$tmp/s.tape"
check "covers: three wallets copied" \
    sh -c "for w in $A $B $C; do grep -q \"ev=fill trader=\$w\" '$tmp/s.tape' || exit 1; done"

# ---- perturb: a difference is found and named -----------------------------
"$bin" backtest --db "$tmp/s.db" --config "$tmp/s.db-config.json" \
    --capital 30 --no-report > "$tmp/p1.out" 2> "$tmp/p1.err"
rc=$?
check "perturb: 30 USD of capital differs (exit $rc)" [ "$rc" -eq 1 ]
check "perturb: the first differing order is printed with both sides" \
    sh -c "grep -q '^DIFFER: order [0-9]* of' '$tmp/p1.out' && grep -q '^  live ' '$tmp/p1.out' && grep -q '^  backtest ' '$tmp/p1.out'"
check "perturb: and why (the backtest's venue refused it: insufficient_balance)" \
    grep -q 'reason: insufficient_balance' "$tmp/p1.out"
"$bin" backtest --db "$tmp/s.db" --config "$tmp/s.db-config.json" \
    --set max_slippage=0.05 --no-report > "$tmp/p2.out" 2> "$tmp/p2.err"
rc=$?
check "perturb: another max_slippage differs (exit $rc)" [ "$rc" -eq 1 ]
check "perturb: order 1 has another limit price" \
    grep -q '^DIFFER: order 1 of .*: another limit price' "$tmp/p2.out"

# ---- failed: trades the venue took back ------------------------------------
# the session's inputs through the simulator with a third of its trades
# failing make a journal (a session whose venue failed trades, status=failed
# after 1.5 s); compared with a backtest of it, the failed trades undo their
# fills on both sides; a backtest that fails none differs at the first
L="--latency-recorded --latency-submit 0 --latency-jitter 0 --latency-report 0 --no-report"
"$bin" backtest "$tmp/s.tape" --config "$tmp/s.db-config.json" $L \
    --set trade_fail_share=0.4 --set trade_fail_after_ms=1500 \
    --journal "$tmp/f.tape" > /dev/null 2> "$tmp/f.err"
nf=$(grep -c ' status=failed ' "$tmp/f.tape")
check "failed: the journal holds failed trades (got $nf)" [ "$nf" -ge 2 ]
"$bin" backtest "$tmp/f.tape" --config "$tmp/f.tape-config.json" $L \
    --compare > "$tmp/f1.out" 2>&1
rc=$?
check "failed: the backtest fails the same trades and agrees (exit $rc)" \
    sh -c "[ $rc -eq 0 ] && grep -q '^agree: yes' '$tmp/f1.out'"
"$bin" backtest "$tmp/f.tape" --config "$tmp/f.tape-config.json" $L \
    --set trade_fail_share=0 --compare > "$tmp/f2.out" 2>&1
rc=$?
check "failed: one that fails none differs at the first failed trade (exit $rc)" \
    sh -c "[ $rc -eq 1 ] && grep -q '^DIFFER: order [0-9]* .*: the fills differ' '$tmp/f2.out' && grep -q '(1 trades failed)' '$tmp/f2.out'"

# ---- errors: named, never a crash -----------------------------------------
usage() { # expected-exit pattern args...: exit code and stderr
    want=$1 pat=$2
    shift 2
    "$bin" backtest "$@" > /dev/null 2> "$tmp/e.err"
    got=$?
    [ "$got" -eq "$want" ] && grep -q -- "$pat" "$tmp/e.err"
}
check "errors: a missing store is named (exit 1)" \
    usage 1 "$tmp/none.db: cannot open" --db "$tmp/none.db" --no-report
check "errors: --db and a TAPE (exit 2)" \
    usage 2 'a TAPE or --db, not both' --db "$tmp/s.db" "$tmp/s.tape"
check "errors: --compare on stdin (exit 2)" \
    usage 2 'needs the journal as a file' - --compare
check "errors: --db with a latency sweep (exit 2)" \
    usage 2 'cannot be combined with --db' --db "$tmp/s.db" --latency 1,2
echo garbage > "$tmp/bad.tape"
check "errors: a malformed journal names file:line (exit 1)" \
    usage 1 "$tmp/bad.tape:1: not a pmcopy tape" "$tmp/bad.tape" --compare \
    --no-report

if [ "$fail" -ne 0 ] && [ -n "${KEEP_FAILED:-}" ]; then
    mkdir -p "$KEEP_FAILED" && cp -r "$tmp"/. "$KEEP_FAILED"/
fi
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
