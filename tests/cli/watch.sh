#!/bin/sh
# Fault tests of the watchers (live/watch) against the fake feeds on
# 127.0.0.1: $1 is the pmcopy binary; the fakes are next to it in
# fakes/fake_feeds and fakes/watch_probe (built by `make check`).
# Each test writes a scenario and starts the fake on a free port with its
# timeline held; the probe starts it once its websockets are subscribed
# (--start), and runs until the test's checks pass on what it has printed
# so far (records on stdout, counters in its --status file) or WATCH_LIMIT
# seconds (60) have passed; then it is stopped and the checks run once more
# on its final output. Nothing waits a fixed time: a slow machine (a
# sanitizer build next to other jobs) only makes a test take longer.
# WATCH_TIME=1 prints when each test starts.
set -u
bin=$1
fakes=$(dirname "$bin")/fakes
ff=$fakes/fake_feeds
probe=$fakes/watch_probe
limit=${WATCH_LIMIT:-60}
pass=0 fail=0
if [ ! -x "$ff" ] || [ ! -x "$probe" ]; then
    echo "watch: $ff or $probe is not built (make $ff $probe)"
    echo "watch: 0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d)
fpid= ppid_probe=
cleanup() {
    [ -n "$ppid_probe" ] && kill "$ppid_probe" 2>/dev/null
    [ -n "$fpid" ] && kill "$fpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

A=0x1111111111111111111111111111111111111111
B=0x2222222222222222222222222222222222222222
C=0x3333333333333333333333333333333333333333
tx() { printf '0x%064x' "$1"; }

# start_fake SCENARIO [free]: sets $port and $U; the timeline is held
# until the probe has subscribed, unless `free` (what the scenario lists at
# 0 is then there before the probe starts)
start_fake() {
    hold=--hold
    [ "${2:-}" = free ] && hold=
    "$ff" --scenario "$1" $hold --max-seconds $((limit + 30)) \
        >"$tmp/fake.out" 2>"$tmp/fake.err" &
    fpid=$!
    port=
    t_end=$(($(date +%s) + limit))
    while [ "$(date +%s)" -lt "$t_end" ] && kill -0 "$fpid" 2>/dev/null; do
        port=$(sed -n 's/^listening port=//p' "$tmp/fake.out" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.02
    done
    U=127.0.0.1:$port
}
stop_fake() { kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; fpid=; }

# probe_start ARGS...: the probe in the background, records in $tmp/out,
# counters in $tmp/st; it starts the fake's timeline once subscribed
probe_start() {
    rm -f "$tmp/st"
    : >"$tmp/out"
    "$probe" --fake-base "http://$U" --fake-stats --seed 7 --start \
        --status "$tmp/st" --run-ms $((limit * 1000)) "$@" \
        >"$tmp/out" 2>"$tmp/log" &
    ppid_probe=$!
}
# wait_for FN: until every check of FN passes (quietly), the probe ends or
# the time limit; 0 when FN passed
wait_for() {
    t_end=$(($(date +%s) + limit))
    while :; do
        if [ -s "$tmp/st" ]; then
            quiet=1 ok=1
            "$1"
            quiet=0
            [ $ok = 1 ] && return 0
        fi
        kill -0 "$ppid_probe" 2>/dev/null || return 1
        [ "$(date +%s)" -lt "$t_end" ] || return 1
        sleep 0.1
    done
}
probe_stop() {
    kill -TERM "$ppid_probe" 2>/dev/null
    wait "$ppid_probe" 2>/dev/null
    ppid_probe=
}
# run FN ARGS...: the probe until FN's checks pass, then FN on the final
# output (failures printed)
run() {
    fn=$1
    shift
    probe_start "$@"
    wait_for "$fn"
    probe_stop
    ok=1
    "$fn"
}
# stat SOURCE KEY -> the watcher's counter
stat() {
    sed -n "s/^#stat source=$1 .*\\b$2=\\([0-9]*\\).*/\\1/p" "$tmp/st" 2>/dev/null
}
# fake KEY -> the fake's counter, asked now
fake() {
    curl -sf --max-time 10 "http://$U/_control/stats" | sed -n "s/^$1=//p"
}
# fills with key prefix (tx hash) -> count
nfill() { grep -c "ev=fill .*key=$1:" "$tmp/out"; }
fill_src() { sed -n "s/^.*ev=fill .*key=$1:.* src=\\([a-z]*\\).*/\\1/p" "$tmp/out"; }
no_dup_keys() {
    d=$(sed -n 's/^.*ev=fill .*key=\([^ ]*\).*/\1/p' "$tmp/out" | sort | uniq -d)
    [ -z "$d" ] || { [ $quiet = 1 ] || echo "  duplicate keys: $d"; return 1; }
}

cur=
ok=1
quiet=0
begin() { cur=$1; ok=1; [ -n "${WATCH_TIME:-}" ] && echo "$(date +%s.%N | cut -c1-14) $1"; }
check() { # DESCRIPTION COMMAND...
    d=$1
    shift
    if ! "$@"; then
        [ $quiet = 1 ] || echo "  FAIL: $cur: $d"
        ok=0
    fi
}
ge() { [ "${1:-0}" -ge "$2" ] 2>/dev/null; }
eq() { [ "${1:-x}" = "$2" ]; }
end() {
    [ -n "$ppid_probe" ] && probe_stop
    stop_fake
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "  --- probe output ($cur)"; sed -n '1,60p' "$tmp/out"
        echo "  --- probe status"; cat "$tmp/st" 2>/dev/null
        echo "  --- probe log"; sed -n '1,40p' "$tmp/log"
        echo "  --- fake (port $port)"; sed -n '1,20p' "$tmp/fake.out" "$tmp/fake.err"
    fi
}

T1=$(tx 1) T2=$(tx 2) T3=$(tx 3) T4=$(tx 4)

# 1. The same fills on chain, RTDS and the data API (and a second chain
# copy): every canonical key reaches the loop once; the other sightings are
# counted as duplicates, which proves the three decoders give one key.
begin cross_source_duplicates
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.55 sz=10 tx=$T1 log=3 chain=0 chain_dup=50 rtds=100 api=0
500 trade wallet=$A token=202 side=SELL px=0.4 sz=2.5 tx=$T2 log=7 rtds=0 chain=100 api=0
600 trade wallet=$A token=303 side=BUY px=0.3 sz=1 tx=$T3 log=1 v=1 chain=0 rtds=50 api=0
EOF
start_fake "$tmp/s"
checks_cross_source_duplicates() {
    check "T1 once" eq "$(nfill $T1)" 1
    check "T2 once" eq "$(nfill $T2)" 1
    check "T3 (V1 log) once" eq "$(nfill $T3)" 1
    check "T1 first from chain" eq "$(fill_src $T1)" chain
    check "T2 first from rtds" eq "$(fill_src $T2)" rtds
    check "no duplicate keys" no_dup_keys
    check "chain saw 4 fills" eq "$(stat chain fills)" 4
    check "rtds sightings deduped" eq "$(stat rtds duplicates)" 2
    check "api sightings deduped" ge "$(stat api duplicates)" 3
    check "api polled" ge "$(stat api http_ok)" 1
    check "lag measured on chain" ge "$(sed -n 's/^#lag source=chain count=\([0-9]*\).*/\1/p' "$tmp/st")" 4
}
run checks_cross_source_duplicates --chain "ws://$U/rpc" --rtds "ws://$U/rtds" --api "http://$U" --wallet $A \
    --chain-v1 --poll-ms 400 --poll-idle-ms 400 --overlap-ms 60000
end

# 2. Dropped connection: the chain socket is closed and refused for a
# while; a fill during the gap is only on the data API. Must: reconnect,
# backfill from the checkpoint, the gap fill delivered once, no duplicates.
begin drop_reconnect_backfill
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.5 sz=10 tx=$T1 log=1 chain=0 api=0
600 drop chan=chain
600 refuse chan=chain ms=600
800 trade wallet=$A token=101 side=BUY px=0.5 sz=20 tx=$T2 log=1 chain=0 api=0
EOF
start_fake "$tmp/s"
checks_drop_reconnect_backfill() {
    check "reconnected" ge "$(stat chain established)" 2
    check "gap noticed" ge "$(stat chain gaps)" 1
    check "T1 once" eq "$(nfill $T1)" 1
    check "T2 (missed on chain) once" eq "$(nfill $T2)" 1
    check "T2 from the backfill" eq "$(fill_src $T2)" api
    check "refused at least once" ge "$(fake chain_refused)" 1
    check "no duplicate keys" no_dup_keys
}
run checks_drop_reconnect_backfill --chain "ws://$U/rpc" --api "http://$U" --wallet $A \
    --poll-ms 60000 --poll-idle-ms -1 --backoff-min-ms 200 --backoff-max-ms 400
end

# 3. Silent socket: RTDS keeps the socket open but sends nothing (no
# pongs); the watchdog reconnects; the fill lost in the silence comes from
# the backfill. T2 is made once the new connection has heard from the fake
# again (the silence is over): it comes live on rtds.
begin silent_watchdog
cat >"$tmp/s" <<EOF
300 silent chan=rtds ms=900
500 trade wallet=$A token=101 side=BUY px=0.5 sz=5 tx=$T1 log=1 rtds=0 api=0
EOF
start_fake "$tmp/s"
watchdog_fired() { check "watchdog fired" ge "$(stat rtds stale)" 1; }
heard_again() {
    check "reconnected" ge "$(stat rtds established)" 2
    check "up" eq "$(sed -n 's/^#up source=rtds up=//p' "$tmp/st")" 1
    check "a frame after the watchdog" ge "$(stat rtds frames)" $((f0 + 1))
}
checks_silent_watchdog() {
    check "watchdog fired" ge "$(stat rtds stale)" 1
    check "reconnected" ge "$(stat rtds established)" 2
    check "T1 (lost in silence) once" eq "$(nfill $T1)" 1
    check "T1 from the backfill" eq "$(fill_src $T1)" api
    check "T2 live on rtds" eq "$(fill_src $T2)" rtds
    check "pings answered" ge "$(fake rtds_pings)" 3
    check "no duplicate keys" no_dup_keys
}
probe_start --rtds "ws://$U/rtds" --api "http://$U" --wallet $A \
    --stale-ms 400 --heartbeat-ms 100 --poll-ms 60000 --poll-idle-ms -1 \
    --backoff-min-ms 100 --backoff-max-ms 200
wait_for watchdog_fired
f0=$(stat rtds frames)
wait_for heard_again
curl -sf --max-time 10 "http://$U/_control/trade?wallet=$A&token=101&side=SELL&px=0.6&sz=5&tx=$T2&log=2&rtds=0&api=0" >/dev/null ||
    echo "  $cur: control trade failed"
wait_for checks_silent_watchdog
probe_stop
ok=1
checks_silent_watchdog
end

# 4. Delayed and reordered messages: T1 happens first but its log comes
# 600 ms late, after T2; both delivered once, T2 first; the checkpoint is
# the later source time.
begin delayed_reordered
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.5 sz=1 tx=$T1 log=1 chain=600
400 trade wallet=$A token=101 side=BUY px=0.5 sz=2 tx=$T2 log=1 chain=0
EOF
start_fake "$tmp/s"
checks_delayed_reordered() {
    check "T1 once" eq "$(nfill $T1)" 1
    check "T2 once" eq "$(nfill $T2)" 1
    first=$(sed -n 's/^.*ev=fill .*key=\(0x[0-9a-f]*\):.*/\1/p' "$tmp/out" | head -1)
    check "T2 delivered first" eq "$first" "$T2"
    check "checkpoint advanced" ge "$(sed -n 's/^#checkpoint source=chain ms=//p' "$tmp/st")" 1
}
run checks_delayed_reordered --chain "ws://$U/rpc" --wallet $A
end

# 5. Malformed and oversized frames on every websocket: counted, the
# connection stays up, later messages are delivered.
begin malformed_oversized
cat >"$tmp/s" <<EOF
0 book token=101 bids=0.48:30 asks=0.52:25
300 malformed chan=all
400 oversized chan=all bytes=1200000
700 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=1 chain=0 rtds=0
750 price_change token=101 side=BUY px=0.49 sz=7 best_bid=0.49 best_ask=0.52
EOF
start_fake "$tmp/s"
checks_malformed_oversized() {
    for s in chain rtds book; do
        check "$s malformed counted" eq "$(stat $s malformed)" 1
        check "$s oversized counted" eq "$(stat $s oversized)" 1
        check "$s connection kept" eq "$(stat $s established)" 1
    done
    check "fill after the bad frames" eq "$(nfill $T1)" 1
    check "book update after the bad frames" ge "$(grep -c 'ev=quote token=101 bid=0.49' "$tmp/out")" 1
    check "reason logged" ge "$(grep -c 'malformed message dropped' "$tmp/log")" 3
}
run checks_malformed_oversized --chain "ws://$U/rpc" --rtds "ws://$U/rtds" --book "ws://$U/ws/market" \
    --token 101 --wallet $A
end

# 6. HTTP 429 with Retry-After: the poller pauses until then and retries.
begin http_429_retry_after
cat >"$tmp/s" <<EOF
0 http status=429 count=1 retry_after=1
0 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=1 api=0
EOF
start_fake "$tmp/s"
checks_http_429_retry_after() {
    check "429 seen" eq "$(stat api http_429)" 1
    check "retried after Retry-After" ge "$(fake gap_after_429_ms)" 950
    check "T1 fetched" eq "$(nfill $T1)" 1
}
run checks_http_429_retry_after --api "http://$U" --wallet $A --poll-ms 200 --backoff-min-ms 50
end

# 7. HTTP 429 with only a reset time (X-RateLimit-Reset, epoch seconds).
begin http_429_reset
cat >"$tmp/s" <<EOF
0 http status=429 count=1 reset=1
0 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=1 api=0
EOF
start_fake "$tmp/s"
checks_http_429_reset() {
    check "429 seen" eq "$(stat api http_429)" 1
    check "retried after the reset" ge "$(fake gap_after_429_ms)" 950
    check "T1 fetched" eq "$(nfill $T1)" 1
}
run checks_http_429_reset --api "http://$U" --wallet $A --poll-ms 200 --backoff-min-ms 50
end

# 8. 5xx burst: three 503s, retried with backoff (not hammered), then ok.
begin http_5xx_backoff
cat >"$tmp/s" <<EOF
0 http status=503 count=3
0 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=1 api=0
EOF
start_fake "$tmp/s"
checks_http_5xx_backoff() {
    check "three 5xx" eq "$(stat api http_5xx)" 3
    check "backoff between retries" ge "$(fake gap_after_5xx_ms)" 50
    check "T1 fetched" eq "$(nfill $T1)" 1
    check "one fetch per attempt" eq "$(fake api_requests)" "$(stat api requests)"
}
run checks_http_5xx_backoff --api "http://$U" --wallet $A --poll-ms 200 \
    --backoff-min-ms 100 --backoff-max-ms 400
end

# 9. A slow response past the timeout: the request times out and is
# retried; the /trades route.
begin slow_timeout
cat >"$tmp/s" <<EOF
0 slow ms=1500 count=1
0 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=1 api=0
EOF
start_fake "$tmp/s"
checks_slow_timeout() {
    check "timed out" eq "$(stat api timeouts)" 1
    check "T1 fetched after the retry" eq "$(nfill $T1)" 1
}
run checks_slow_timeout --api "http://$U" --wallet $A --poll-ms 200 \
    --timeout-ms 400 --backoff-min-ms 100 --route trades
end

# 10. Reorg: the log is re-sent with removed: true: counted and emitted as
# ev=removed under the fill's own canonical key (the fill stays once).
begin reorg_removed
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.5 sz=3 tx=$T1 log=4 chain=0
600 reorg tx=$T1 log=4
EOF
start_fake "$tmp/s"
checks_reorg_removed() {
    check "removed counted" eq "$(stat chain removed)" 1
    check "T1 once" eq "$(nfill $T1)" 1
    check "removed emitted once" eq "$(grep -c "ev=removed .*key=$T1:" "$tmp/out")" 1
    check "removed names the fill's key, trader and token" eq \
        "$(sed -n 's/^.*ev=removed \(trader=[^ ]* token=[^ ]* key=[^ ]*\).*/\1/p' "$tmp/out")" \
        "$(sed -n 's/^.*ev=fill \(trader=[^ ]* token=[^ ]*\) .* \(key=[^ ]*\).*/\1 \2/p' "$tmp/out")"
}
run checks_reorg_removed --chain "ws://$U/rpc" --wallet $A
end

# 11. More wallets than the per-subscription limit: no topic-2 filter, the
# other wallets' fills are filtered here.
begin wallet_limit_client_filter
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.5 sz=1 tx=$T1 log=1 chain=0
300 trade wallet=$B token=101 side=BUY px=0.5 sz=2 tx=$T2 log=2 chain=0
300 trade wallet=$C token=101 side=BUY px=0.5 sz=3 tx=$T3 log=3 chain=0
EOF
start_fake "$tmp/s"
checks_wallet_limit_client_filter() {
    check "A delivered" eq "$(nfill $T1)" 1
    check "B delivered" eq "$(nfill $T2)" 1
    check "C filtered here" eq "$(nfill $T3)" 0
    check "C counted" eq "$(stat chain other_wallets)" 1
}
run checks_wallet_limit_client_filter --chain "ws://$U/rpc" --wallet $A --wallet $B --max-wallets 1
end

# 12. Restart from a stored checkpoint: the first tick backfills from it,
# so a fill made while the process was down is delivered.
begin checkpoint_restore
cat >"$tmp/s" <<EOF
0 trade wallet=$A token=101 side=BUY px=0.5 sz=1 tx=$T4 log=1 api=0 ts=1700000000000
EOF
start_fake "$tmp/s" free
now_ms=$(($(date +%s) * 1000))
checks_checkpoint_restore() {
    check "the backfill was answered" ge "$(stat api http_ok)" 1
    no_ts=$(nfill $T4)
    check "an old fill outside the backfill window is not fetched" eq "$no_ts" 0
}
run checks_checkpoint_restore --rtds "ws://$U/rtds" --api "http://$U" --wallet $A \
    --poll-ms 60000 --poll-idle-ms -1 --checkpoint "rtds=$((now_ms - 5000))" \
    --overlap-ms 1000
end
cat >"$tmp/s" <<EOF
0 trade wallet=$A token=101 side=BUY px=0.5 sz=1 tx=$T4 log=1 api=0
EOF
begin checkpoint_restore_recent
start_fake "$tmp/s" free
now_ms=$(($(date +%s) * 1000))
checks_checkpoint_restore_recent() {
    check "backfill at start" ge "$(stat api requests)" 1
    check "fill made while down delivered" eq "$(nfill $T4)" 1
    check "from the data API" eq "$(fill_src $T4)" api
}
run checks_checkpoint_restore_recent --rtds "ws://$U/rtds" --api "http://$U" --wallet $A \
    --poll-ms 60000 --poll-idle-ms -1 --checkpoint "rtds=$((now_ms - 5000))"
end

# 13. Book channel: tokens added, PING every interval answered by PONG,
# snapshot -> quote and depth, price_change, last_trade_price,
# tick_size_change -> market.
begin book_channel
cat >"$tmp/s" <<EOF
0 book token=101 bids=0.48:30,0.47:10 asks=0.52:25,0.53:5
0 book token=202 bids=0.2:1 asks=0.3:1
400 price_change token=101 side=SELL px=0.51 sz=4 best_bid=0.48 best_ask=0.51
450 last_trade token=101 px=0.5 sz=3
500 tick token=101 old=0.01 new=0.001
EOF
start_fake "$tmp/s"
checks_book_channel() {
    check "snapshot quote" ge "$(grep -c 'ev=quote token=101 bid=0.48 ask=0.52 bidsz=30 asksz=25' "$tmp/out")" 1
    check "depth best first" ge "$(grep -c 'ev=book token=101 bids=0.48:30,0.47:10 asks=0.52:25,0.53:5' "$tmp/out")" 1
    check "second token" ge "$(grep -c 'ev=quote token=202' "$tmp/out")" 1
    check "price change" ge "$(grep -c 'ev=quote token=101 bid=0.48 ask=0.51' "$tmp/out")" 1
    check "trade print" eq "$(grep -c 'ev=trade token=101 px=0.5 sz=3' "$tmp/out")" 1
    check "tick size" eq "$(grep -c 'ev=market token=101 .*tick=0.001' "$tmp/out")" 1
    check "PINGs answered" ge "$(fake book_pings)" 3
    check "metrics exposed" ge "$(grep -c '^pmcopy_watch_lag_ms_bucket{source="book",le="+Inf"}' "$tmp/out")" 1
}
run checks_book_channel --book "ws://$U/ws/market" --token 101 --token 202 --heartbeat-ms 150 \
    --metrics
end

# 14. A market maker's order matched twice at one size and price in one
# transaction: two identical fills (logs 3 and 4), seen on chain (log 3
# delivered twice), on RTDS and on the data API. Both are distinct fills:
# each reaches the loop once (the k-th identical fill of a transaction is
# the k-th on every source), the other sightings are duplicates.
begin identical_fills_one_tx
cat >"$tmp/s" <<EOF
300 trade wallet=$A token=101 side=BUY px=0.55 sz=10 tx=$T4 log=3 chain=0 chain_dup=50 rtds=100 api=0
300 trade wallet=$A token=101 side=BUY px=0.55 sz=10 tx=$T4 log=4 chain=0 rtds=100 api=0
EOF
start_fake "$tmp/s"
checks_identical_fills_one_tx() {
    check "both fills reach the loop" eq "$(nfill $T4)" 2
    check "no duplicate keys" no_dup_keys
    check "chain saw 3 sightings" eq "$(stat chain fills)" 3
    check "the repeated log deduped" ge "$(stat chain duplicates)" 1
    check "rtds sightings deduped" eq "$(stat rtds duplicates)" 2
    check "api sightings deduped" ge "$(stat api duplicates)" 2
}
run checks_identical_fills_one_tx --chain "ws://$U/rpc" --rtds "ws://$U/rtds" --api "http://$U" --wallet $A \
    --poll-ms 400 --poll-idle-ms 400 --overlap-ms 60000
end

echo "watch: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
