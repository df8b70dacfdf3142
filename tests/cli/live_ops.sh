#!/bin/sh
# tests/cli/live_ops.sh - operating `pmcopy live` safely, against the fake
# Polymarket servers on 127.0.0.1 (tests/fakes/fake_feeds, fake_clob).
#
# Each check states what is injected and what must hold:
#  lock    - a second `pmcopy live` on the store of a running session exits
#            non-zero at once naming the holder's pid and the lock file,
#            and the first session goes on (it used to die on "UNIQUE
#            constraint failed: journal.seq"); `journal --append` is refused
#            too; the read-only views (positions, history, traders, journal,
#            replay --db) work while it runs; after a SIGKILL the next
#            session takes the store (no stale lock).
#  ready   - /health is "alive", /ready is copying works: 200 while the
#            sources deliver; 503 with the reason when the kill switch is on
#            (and 200 again after /resume), when no source delivered data
#            for max_source_silence_s (the fake's RTDS goes silent), when
#            every source is off (and start-up warns), when every source
#            trader is disabled in the configuration, when the only
#            source cannot connect (its log line names the URL and host),
#            when the venue is unreachable (503s open the executor's
#            breaker; the executor's log names the URL and host).
#  metrics - the whole /metrics page parses per the Prometheus text format
#            (tests/cli/promtext.py: HELP and TYPE for every series, one
#            pmcopy_ prefix, fixed cumulative buckets ending in +Inf equal
#            to _count), in paper and in --live mode.
#  logs    - every stderr line of the sessions is logfmt starting ts=
#            level= event=; order lines carry the trader and the source
#            fill's price; skips are logged at --log-level debug only.
# Usage: sh tests/cli/live_ops.sh path/to/pmcopy
name=live_ops
. "$(dirname "$0")/live_lib.inc"
promtext="python3 $(dirname "$0")/promtext.py"

# live_bg LABEL ARGS...: a paper session in the background on the fakes'
# feeds; $lp its pid, $AP its API port, stderr in $tmp/LABEL.err
live_bg() {
    lab=$1
    shift
    rm -f "$tmp/$lab.ready"
    "$bin" live --api-port 0 --no-mlock --ready-file "$tmp/$lab.ready" "$@" \
        > /dev/null 2> "$tmp/$lab.err" &
    lp=$!
    pids="$pids $lp"
    wait_ready "$tmp/$lab.ready" || bad "$lab: session did not start ($(tail -2 "$tmp/$lab.err"))"
    AP=$(api_port_of "$tmp/$lab.ready")
}
wait_ready_is() { # port code [text]: /ready answers code (and holds text)
    for _ in $(seq 1 300); do
        c=$(api_code "$1" GET /ready)
        if [ "$c" = "$2" ]; then
            [ -z "${3:-}" ] && return 0
            curl -s "http://127.0.0.1:$1/ready" | grep -qF -- "$3" && return 0
        fi
        sleep 0.05
    done
    echo "$name: /ready never answered $2 ${3:-} (last: $c $(curl -s "http://127.0.0.1:$1/ready"))" >&2
    return 1
}

# ---- a paper session: lock, views, ready, metrics, logs ----------------------
echo "0 book token=101 bids=0.48:300,0.47:100 asks=0.52:250,0.53:500" > "$tmp/ops.sc"
start_fake feeds1 "$feeds" --scenario "$tmp/ops.sc" --max-seconds 120
FP=$port
db=$tmp/ops.db
feeds_args="--rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market --data-api \"\" --chain-ws \"\""
live_bg ops --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$db" --log-level debug
first=$lp
wait_stat $FP rtds_subs 1
check "ready: /health is 200 while alive" api_has "$AP" GET /health '"ok":true'
check "ready: /ready is 200 {\"ready\":true} with RTDS subscribed" wait_ready_is "$AP" 200 '{"ready":true}'
check "lock: the lock file holds the session's pid" [ "$(cat "$db-lock")" = "$first" ]

# the second instance on the same store
timeout 20 "$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --db "$db" --no-mlock \
    --run-for 3 > /dev/null 2> "$tmp/second.err"
rc=$?
check "lock: a second pmcopy live on the store exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "lock: ... saying who holds it ($(head -1 "$tmp/second.err"))" \
    grep -qxF "pmcopy live: the store $db is in use by pid $first (lock $db-lock)" "$tmp/second.err"
check "lock: the first session still runs" kill -0 "$first"
printf '#pmcopy-tape v1\nt=1 ev=flush\n' > "$tmp/one.tape"
"$bin" journal --db "$db" --append "$tmp/one.tape" > /dev/null 2> "$tmp/append.err"
rc=$?
check "lock: journal --append beside the session is refused (exit $rc: $(cat "$tmp/append.err"))" \
    sh -c "[ $rc -ne 0 ] && grep -qF 'in use by pid $first' '$tmp/append.err'"

# trades: one copied (an order line), one too small (a skip, at debug)
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=200 tx=$(tx 1) log=1 rtds=0
wait_status $AP orders_sent 1
ctl $FP trade wallet=$A token=101 side=BUY px=0.51 sz=1 tx=$(tx 2) log=1 rtds=0
wait_status $AP fills_seen 2
for _ in $(seq 1 100); do grep -q 'event=skip' "$tmp/ops.err" && break; sleep 0.05; done

# the read-only views while the session runs
for v in positions history traders journal; do
    "$bin" $v --db "$db" > "$tmp/view_$v.out" 2>&1
    rc=$?
    check "lock: pmcopy $v works while the session runs (exit $rc: $(tail -1 "$tmp/view_$v.out"))" [ "$rc" -eq 0 ]
done
check "lock: the running session's journal shows its order" grep -q ' ev=order ' "$tmp/view_journal.out"
"$bin" replay --db "$db" > "$tmp/replay.out" 2>&1
rc=$?
check "lock: replay --db works while the session runs (exit $rc: $(tail -1 "$tmp/replay.out"))" [ "$rc" -eq 0 ]

# metrics
api "$AP" GET /metrics > "$tmp/paper.metrics"
$promtext metrics "$tmp/paper.metrics" > "$tmp/promtext.out" 2>&1
check "metrics: the paper /metrics parses per the text format ($(head -3 "$tmp/promtext.out"))" [ $? -eq 0 ]
check "metrics: the order is counted (orders_total 1, a fixed bucket set)" \
    sh -c "grep -qx 'pmcopy_orders_total 1' '$tmp/paper.metrics' && [ \$(grep -c '^pmcopy_order_commit_us_bucket{' '$tmp/paper.metrics') -eq 20 ]"
# the validator fails on what it must refuse (a check must be able to fail)
sed '/^# HELP pmcopy_killed /d' "$tmp/paper.metrics" > "$tmp/bad1.metrics"
grep -v 'pmcopy_frame_to_wire_us_bucket{le="+Inf"}' "$tmp/paper.metrics" > "$tmp/bad2.metrics"
sed 's/^pmcopy_frame_to_wire_us_bucket{le="10000000"} .*/pmcopy_frame_to_wire_us_bucket{le="10000000"} 0/' "$tmp/paper.metrics" > "$tmp/bad3.metrics"
sed 's/^pmcopy_killed /pmc_killed /' "$tmp/paper.metrics" > "$tmp/bad4.metrics"
for b in 1 2 3 4; do
    check "metrics: the validator refuses broken page $b" sh -c "! $promtext metrics '$tmp/bad$b.metrics' > /dev/null"
done

# the kill switch
api "$AP" POST /kill '{"reason":"test"}' > /dev/null
check "ready: kill switch on -> 503 with the reason" wait_ready_is "$AP" 503 'kill switch on'
check "ready: /health stays 200 while killed" test "$(api_code "$AP" GET /health)" = 200
api "$AP" POST /resume '{}' > /dev/null
check "ready: /resume -> 200 again" wait_ready_is "$AP" 200

stop_live "$first"
check "logs: the session exits 0 (got $rc)" [ "$rc" -eq 0 ]
$promtext logfmt "$tmp/ops.err" > "$tmp/logfmt.out" 2>&1
check "logs: every stderr line is logfmt ts= level= event= ($(head -3 "$tmp/logfmt.out"))" [ $? -eq 0 ]
check "logs: the order line names the trader and the source fill's price" \
    grep -q "level=info event=order .*trader=$A src_px=0.52" "$tmp/ops.err"
check "logs: the skip is logged at debug with its trader and price" \
    grep -q "level=debug event=skip reason=.* trader=$A src_px=0.51" "$tmp/ops.err"
printf 'ts=2026-01-01T00:00:00.000Z level=info event=x msg="a "b"\n' > "$tmp/badlog.err"
check "logs: the logfmt check refuses a broken quote" sh -c "! $promtext logfmt '$tmp/badlog.err' > /dev/null"

# a session at the default level does not log skips
live_bg quiet --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/quiet.db"
wait_ready_is "$AP" 200 # subscribed
ctl $FP trade wallet=$A token=101 side=BUY px=0.51 sz=1 tx=$(tx 3) log=1 rtds=0
wait_status $AP fills_seen 1
sleep 0.5
stop_live $lp
check "logs: no skip line at the default level (info)" sh -c "! grep -q 'event=skip' '$tmp/quiet.err'"
"$bin" live --log-level loud --trader $A --no-db > /dev/null 2>&1
rc=$?
check "logs: --log-level loud is a usage error (got $rc)" [ "$rc" -eq 2 ]

# ---- SIGKILL leaves no stale lock --------------------------------------------
live_bg k1 --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --db "$tmp/k.db"
kill -9 $lp
wait $lp 2> /dev/null
live_bg k2 --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --db "$tmp/k.db"
check "lock: after a SIGKILL the next session takes the store" kill -0 $lp
check "lock: ... and the lock holds its pid" [ "$(cat "$tmp/k.db-lock")" = "$lp" ]
stop_live $lp
check "lock: ... and stops cleanly (got $rc)" [ "$rc" -eq 0 ]

# ---- silence: no source data for max_source_silence_s ------------------------
live_bg silent --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --no-db --set max_source_silence_s=2
check "ready: sources deliver -> 200" wait_ready_is "$AP" 200
ctl $FP silent chan=rtds ms=6000
check "ready: RTDS silent past max_source_silence_s=2 -> 503 naming it" \
    wait_ready_is "$AP" 503 's (max_source_silence_s=2)'
check "ready: ... and what is wrong" \
    sh -c "curl -s 'http://127.0.0.1:$AP/ready' | grep -qF '\"ready\":false,\"reason\":\"no source delivered data for '"
api "$AP" GET /metrics > "$tmp/silent.metrics"
check "metrics: pmcopy_ready 0 and the silence in seconds" \
    sh -c "grep -qx 'pmcopy_ready 0' '$tmp/silent.metrics' && grep -q '^pmcopy_source_silence_seconds [2-9]' '$tmp/silent.metrics'"
stop_live $lp
$promtext logfmt "$tmp/silent.err" > "$tmp/logfmt2.out" 2>&1
check "logs: the silent session's lines are logfmt ($(head -2 "$tmp/logfmt2.out"))" [ $? -eq 0 ]

# ---- every source off ----------------------------------------------------------
live_bg nosrc --paper --trader $A --rtds-ws "" --book-ws "" --data-api "" \
    --chain-ws "" --no-db
check "ready: every source off -> 503" wait_ready_is "$AP" 503 'every source is off'
check "ready: start-up warns that no source is configured" \
    grep -q 'level=warn event=no_source ' "$tmp/nosrc.err"
stop_live $lp

# ---- every source trader disabled ------------------------------------------------
printf '{"traders": [{"address": "%s", "enabled": false}]}\n' $A > "$tmp/off.json"
live_bg troff --paper --config "$tmp/off.json" --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --no-db
check "ready: every source trader disabled -> 503" wait_ready_is "$AP" 503 'every source trader is disabled'
stop_live $lp
# ... or switched off at run time: the only trader disabled, then enabled
live_bg trrun --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws "" --data-api "" --chain-ws "" --no-db
check "ready: a session with its trader on is ready" wait_ready_is "$AP" 200
wait_stat $FP rtds_subs 1 # a frame on RTDS: another wallet's trade
ctl $FP trade wallet=$B token=101 side=BUY px=0.5 sz=10 tx=$(tx 77) log=1 rtds=0
for _ in $(seq 1 100); do # a service pass (every 250 ms) has seen it
    api "$AP" GET /status | grep -q '"rtds":{"up":true,"frames":[1-9][0-9]*,"silent_ms":[0-9]' && break
    sleep 0.05
done
api "$AP" GET /status > "$tmp/trrun.status"
check "status: each source's state, frames, silence and lag ($(head -c 300 "$tmp/trrun.status"))" \
    python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['sources']
r = s['rtds']
assert set(s) == {'chain', 'rtds', 'api', 'book', 'user'}, s
assert r['up'] is True and r['frames'] > 0, r
assert isinstance(r['silent_ms'], int) and 0 <= r['silent_ms'] < 60000, r
assert s['chain']['up'] is False and s['chain']['silent_ms'] is None, s
assert 'lag_ms_p50' in r and 'lag_ms_p95' in r, r
" "$tmp/trrun.status"
api "$AP" POST "/traders/$A/disable" '{"reason":"test"}' > /dev/null
check "ready: the only trader disabled at run time -> 503" \
    wait_ready_is "$AP" 503 'every source trader is disabled or cut off'
api "$AP" POST "/traders/$A/enable" > /dev/null
check "ready: enabled again -> 200" wait_ready_is "$AP" 200
stop_live $lp

# ---- the only source cannot connect: the log names the URL and host ----------
live_bg down --paper --trader $A --rtds-ws ws://127.0.0.1:9/rtds --book-ws "" \
    --data-api "" --chain-ws "" --no-db
check "ready: the only source down -> 503" wait_ready_is "$AP" 503 'no fill source connected (rtds down)'
for _ in $(seq 1 100); do grep -q 'event=watch source=rtds' "$tmp/down.err" && break; sleep 0.05; done
stop_live $lp
check "logs: the watcher's connection error names the URL and host" \
    grep -q 'level=warn event=watch source=rtds msg="connect failed (.*): ws://127.0.0.1:9/rtds (host 127.0.0.1)' "$tmp/down.err"
$promtext logfmt "$tmp/down.err" > "$tmp/logfmt3.out" 2>&1
check "logs: the failing source's lines are logfmt ($(head -2 "$tmp/logfmt3.out"))" [ $? -eq 0 ]

# ---- --live: the venue unreachable -------------------------------------------
live_creds
start_fake clob "$clob" --max-seconds 120
CP=$port
clob_book 404
echo "0 book token=404 bids=0.48:300 asks=0.52:2500" > "$tmp/real.sc"
start_fake feeds4 "$feeds" --scenario "$tmp/real.sc" --max-seconds 120
FP=$port
live_bg real --live --trader $A --clob-url http://127.0.0.1:$CP \
    --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market \
    --data-api "" --chain-ws "" --db "$tmp/real.db" --copy-mode per_fill
wait_stat $FP rtds_subs 1
check "ready: --live on a healthy venue -> 200" wait_ready_is "$AP" 200
curl -sf -X POST "http://127.0.0.1:$CP/_control/fault" \
    -d '{"kind":"status","status":503,"count":50}' > /dev/null
k=0
while [ $k -lt 3 ]; do
    k=$((k + 1))
    ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx $((40 + k))) log=1 rtds=0
done
check "ready: 503s from the CLOB open its breaker -> 503 venue unreachable" \
    wait_ready_is "$AP" 503 "venue unreachable: http://127.0.0.1:$CP"
api "$AP" GET /metrics > "$tmp/real.metrics"
$promtext metrics "$tmp/real.metrics" > "$tmp/promtext2.out" 2>&1
check "metrics: the --live /metrics parses too ($(head -3 "$tmp/promtext2.out"))" [ $? -eq 0 ]
stop_live $lp
$promtext logfmt "$tmp/real.err" > "$tmp/logfmt4.out" 2>&1
check "logs: the --live session's lines are logfmt ($(head -2 "$tmp/logfmt4.out"))" [ $? -eq 0 ]

# a CLOB that is not there: the executor's error names the URL and host
live_bg gone --live --trader $A --clob-url http://127.0.0.1:9 \
    --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws "" --data-api "" --chain-ws "" \
    --no-db --copy-mode per_fill
wait_ready_is "$AP" 200 # subscribed
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx 50) log=1 rtds=0
for _ in $(seq 1 200); do grep -q 'request failed' "$tmp/gone.err" && break; sleep 0.05; done
stop_live $lp
check "logs: the executor's connection error names the URL and host" \
    grep -q 'level=warn event=exec msg=".*request failed: .*http://127.0.0.1:9/.* (host 127.0.0.1)' "$tmp/gone.err"

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
