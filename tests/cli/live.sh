#!/bin/sh
# tests/cli/live.sh - `pmcopy live` end to end against the fake Polymarket
# servers on 127.0.0.1 (tests/fakes/fake_feeds, tests/fakes/fake_clob).
#
# Each check states what is injected and what must hold:
#  paper   - a source trade seen on RTDS, on chain and on the data API is
#            copied once; another wallet's trade is not; the paper venue
#            fills against the fake's book; the journal replays exactly;
#            every file of the store (database, -wal, -shm, -olog) is 0600
#            under umask 022.
#  signal  - SIGTERM: intake stops, buckets flush (ev=flush), exit 0.
#  api     - /health, /status, /metrics answer; POST /kill makes the next
#            copy a skip (killed); POST /resume lifts it.
#  creds   - --live without credentials refuses to start, sends nothing.
#  real    - --live against the fake CLOB: signed orders are accepted (the
#            fake checks the L2 HMAC and recovers the EIP-712 signature),
#            each order hash POSTed once (on the executor's lanes), orders
#            in the store as matched; memory locked (or the log says why
#            not; --no-mlock in the paper session locks nothing); the
#            process holding the key says at start that it allows no core
#            file (RLIMIT_CORE 0 in /proc/PID/limits) and no ptrace.
#  crash   - SIGKILL at random points of a live session, then restart on the
#            same store, many trials: no order hash is ever POSTed twice,
#            no order the venue acknowledged is missing from the store, no
#            source fill is lost (every scripted trade reaches the journal)
#            or copied twice (no fill key in two orders), and the journal
#            replays exactly; every trial must have placed orders at the
#            venue and copied source fills into them (one that placed
#            nothing proves nothing and fails).
# Usage: sh tests/cli/live.sh path/to/pmcopy
umask 022 # the store must be 0600 whatever the umask lets through
name=live
. "$(dirname "$0")/live_lib.inc"

# ---- paper session ---------------------------------------------------------
echo "0 book token=101 bids=0.48:300,0.47:100 asks=0.52:250,0.53:500" > "$tmp/paper.sc"
start_fake feeds1 "$feeds" --scenario "$tmp/paper.sc" --max-seconds 60
FP=$port
"$bin" live --paper --trader $A --chain-ws ws://127.0.0.1:$FP/rpc \
    --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market \
    --data-api http://127.0.0.1:$FP --db "$tmp/paper.db" --api-port 0 \
    --no-mlock --ready-file "$tmp/paper.ready" > "$tmp/paper.out" \
    2> "$tmp/paper.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/paper.ready"
paper_vmlck=$(awk '/^VmLck:/ {print $2}' "/proc/$lp/status")
AP=$(api_port_of "$tmp/paper.ready")
wait_stat $FP rtds_subs 1 && wait_stat $FP chain_subs 1
# A's first trade reaches every source; B's is not ours; A's second
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=200 tx=$(tx 1) log=3 rtds=0 chain=150 api=300
ctl $FP trade wallet=$B token=101 side=BUY px=0.53 sz=300 tx=$(tx 2) log=4 rtds=0 chain=100 api=300
wait_status $AP orders_sent 1 # its own 300 ms bucket is flushed
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=100 tx=$(tx 3) log=5 rtds=300 chain=0 api=300
wait_status $AP orders_sent 2
# every file of the store while it is open: 0600 under umask 022
modes="" nfiles=0 loose=0
for f in "$tmp"/paper.db*; do
    m=$(stat -c %a "$f")
    nfiles=$((nfiles + 1))
    [ "$m" = 600 ] || loose=$((loose + 1))
    modes="$modes $(basename "$f")=$m"
done
check "paper: the store's files (at least db, -wal, -shm, -olog) are 0600 ($modes)" \
    [ "$nfiles" -ge 4 -a "$loose" -eq 0 ]
sleep 0.5 # the later copies of the same fills arrive and are dropped
stop_live $lp
check "paper: SIGTERM exits 0 ($(tail -1 "$tmp/paper.err"))" [ "$rc" -eq 0 ]
check "paper: --no-mlock locks nothing (VmLck ${paper_vmlck:-?} kB)" \
    [ "${paper_vmlck:-1}" -eq 0 ]
"$bin" journal --db "$tmp/paper.db" > "$tmp/paper.tape" 2>&1
fills=$(grep -c ' ev=fill ' "$tmp/paper.tape")
orders=$(grep -c ' ev=order ' "$tmp/paper.tape")
check "paper: two of A's trades reach the core once each, B's never (got $fills)" [ "$fills" -eq 2 ]
check "paper: no fill of wallet B" sh -c "! grep -q 'trader=$B' '$tmp/paper.tape'"
check "paper: two orders (got $orders)" [ "$orders" -eq 2 ]
check "paper: the venue filled them" [ "$(grep -c ' status=fill ' "$tmp/paper.tape")" -ge 2 ]
check "paper: logfmt log lines (running, order, stopped)" \
    sh -c "grep -q '^ts=[0-9T:.-]*Z level=info event=running mode=paper' '$tmp/paper.err' && grep -q 'event=order coid=pmc-' '$tmp/paper.err' && grep -q 'event=stopped inputs=' '$tmp/paper.err'"
check "paper: the journal replays exactly" \
    "$bin" replay --db "$tmp/paper.db" --trader $A
"$bin" positions --db "$tmp/paper.db" --json > "$tmp/pos.json" 2>&1
check "paper: positions shows token 101" grep -q '"101"' "$tmp/pos.json"
"$bin" history --db "$tmp/paper.db" --stages > "$tmp/stages.txt" 2>&1
check "paper: history --stages summarises both orders end to end" \
    grep -q '^total (source -> filled) *2 ' "$tmp/stages.txt"

# ---- SIGTERM flushes pending buckets -----------------------------------------
echo "0 book token=202 bids=0.48:300 asks=0.52:2500" > "$tmp/term.sc"
start_fake feeds2 "$feeds" --scenario "$tmp/term.sc" --max-seconds 60
FP=$port
"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/term.db" --api-port 0 --ready-file "$tmp/term.ready" \
    --set coalesce_ms=60000 --quiet > /dev/null 2> "$tmp/term.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/term.ready"
AP=$(api_port_of "$tmp/term.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=202 side=BUY px=0.52 sz=100 tx=$(tx 11) log=1 rtds=0
wait_status $AP fills_seen 1
stop_live $lp
check "signal: SIGTERM exits 0 (got $rc)" [ "$rc" -eq 0 ]
"$bin" journal --db "$tmp/term.db" > "$tmp/term.tape" 2>&1
check "signal: the journal ends with the shutdown flush" \
    sh -c "grep -v ' ev=\\(order\\|skip\\|exec\\)' '$tmp/term.tape' | tail -1 | grep -q ' ev=flush'"
check "signal: the pending bucket (60 s window) was flushed into an order" \
    grep -q ' ev=order .*token=202' "$tmp/term.tape"
check "signal: the journal replays" "$bin" replay --db "$tmp/term.db"

# ---- API --------------------------------------------------------------------
echo "0 book token=303 bids=0.48:300 asks=0.52:2500" > "$tmp/api.sc"
start_fake feeds3 "$feeds" --scenario "$tmp/api.sc" --max-seconds 60
FP=$port
"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/api.db" --api-port 0 --ready-file "$tmp/api.ready" \
    --copy-mode per_fill --quiet > /dev/null 2> "$tmp/api.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/api.ready"
AP=$(api_port_of "$tmp/api.ready")
check "api: /health" api_has "$AP" GET /health '"ok":true'
check "api: /status is JSON with the mode" \
    api_has "$AP" GET /status '"mode":"paper"'
# header names are case-insensitive, and a name is matched whole
st=$(raw_status $AP "GET /health HTTP/1.1\\r\\nHost: 127.0.0.1:$AP\\r\\nCONTENT-LENGTH: 99999999\\r\\n\\r\\n")
check "api: CONTENT-LENGTH is Content-Length (got $st)" [ "$st" = 413 ]
st=$(raw_status $AP "GET /health HTTP/1.1\\r\\nHost: 127.0.0.1:$AP\\r\\nX-Not-Content-Length: 99999999\\r\\n\\r\\n")
check "api: another header ending in Content-Length is not it (got $st)" [ "$st" = 200 ]
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=303 side=BUY px=0.52 sz=100 tx=$(tx 21) log=1 rtds=0
wait_status $AP orders 1
check "api: POST /kill" api_has "$AP" POST /kill queued
wait_status $AP killed 0
for _ in $(seq 1 200); do
    api $AP GET /status | grep -q '"killed":true' && break
    sleep 0.05
done
ctl $FP trade wallet=$A token=303 side=BUY px=0.52 sz=100 tx=$(tx 22) log=1 rtds=0
wait_status $AP fills_seen 2
api $AP GET /metrics > "$tmp/metrics.txt"
check "api: /metrics counts the order and the killed skip" \
    sh -c "grep -q '^pmcopy_orders_total 1' '$tmp/metrics.txt' && grep -q 'pmcopy_skips_total{reason=\"killed\"} 1' '$tmp/metrics.txt'"
check "api: /metrics has the watchers' lag histogram" grep -q '^pmcopy_watch_lag_ms_bucket{' "$tmp/metrics.txt"
check "api: unknown path is 404" test "$(api_code "$AP" GET /nope)" = 404
stop_live $lp
check "api: replay --db alone re-decides with the session's saved configuration" \
    "$bin" replay --db "$tmp/api.db"
check "api: the kill is journaled as an input and replays" \
    sh -c "'$bin' journal --db '$tmp/api.db' | grep -q ' ev=kill reason=operator' && '$bin' replay --db '$tmp/api.db' --trader $A --copy-mode per_fill > /dev/null"

# ---- credentials ------------------------------------------------------------
env -u PMC_PRIVATE_KEY -u PMC_PRIVATE_KEY_FILE -u PMC_API_KEY \
    "$bin" live --live --trader $A --no-db --rtds-ws "" --book-ws "" \
    --data-api "" --clob-url http://127.0.0.1:9 > /dev/null 2> "$tmp/creds.err"
rc=$?
check "creds: --live without credentials exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "creds: the message names the missing credential" grep -q 'PMC_PRIVATE_KEY' "$tmp/creds.err"

# ---- real orders against the fake CLOB ---------------------------------------
live_creds
TRIALS=${LIVE_CRASH_TRIALS:-8}
# the fake CLOB serves the real-order checks and every crash trial
# a safety net only (cleanup stops it): room for a slow sanitizer build on a
# loaded machine
start_trial_clob $((600 + TRIALS * 60))
clob_book 404
echo "0 book token=404 bids=0.48:300 asks=0.52:2500" > "$tmp/real.sc"
start_fake feeds4 "$feeds" --scenario "$tmp/real.sc" --max-seconds 60
FP=$port
"$bin" live --live --trader $A --clob-url http://127.0.0.1:$CP \
    --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market \
    --data-api "" --chain-ws "" --db "$tmp/real.db" --api-port 0 \
    --ready-file "$tmp/real.ready" --quiet > /dev/null 2> "$tmp/real.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/real.ready"
real_vmlck=$(awk '/^VmLck:/ {print $2}' "/proc/$lp/status")
real_core=$(awk '/^Max core file size/ {print $5 "/" $6}' "/proc/$lp/limits")
AP=$(api_port_of "$tmp/real.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx 31) log=1 rtds=0
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=150 tx=$(tx 32) log=1 rtds=600
wait_status $AP orders_sent 2
sleep 0.3
api "$AP" GET /metrics > "$tmp/real.metrics"
stop_live $lp # the drain waits for both answers
check "real: exit 0 ($(tail -1 "$tmp/real.err"))" [ "$rc" -eq 0 ]
# memory is locked when the limit or CAP_IPC_LOCK allow; else it says why
if grep -q 'event=memory_locked' "$tmp/real.err"; then
    check "real: memory locked (VmLck ${real_vmlck:-?} kB)" [ "${real_vmlck:-0}" -gt 1000 ]
else
    check "real: memory not locked, and the log says why" \
        grep -q 'event=memory_not_locked .*\(RLIMIT_MEMLOCK\|sanitizer build\)' \
        "$tmp/real.err"
fi
check "real: the key's process allows no core file (limit $real_core)" \
    [ "$real_core" = "0/0" ]
check "real: and says at start it allows no core file and no ptrace" \
    grep -q 'level=info event=secrets_protected dumpable=0 core_limit=0' \
    "$tmp/real.err"
check "real: both orders went out on the executor's lanes" \
    grep -q '^pmcopy_exec_lane_posts_total 2$' "$tmp/real.metrics"
"$bin" live --live --clob-lanes 9 --trader $A --no-db > /dev/null 2>&1
rc=$?
check "real: --clob-lanes 9 is a usage error (got $rc)" [ "$rc" -eq 2 ]
"$bin" live --live --clob-batch 16 --trader $A --no-db > /dev/null 2>&1
rc=$?
check "real: --clob-batch 16 is a usage error (got $rc)" [ "$rc" -eq 2 ]
curl -sf "http://127.0.0.1:$CP/_control/log" > "$tmp/clob.log"
check "real: the fake accepted two orders" grep -q '"orders": *2\|"orders":2' "$tmp/clob.log"
check "real: no order hash POSTed twice" grep -q '"max_posts_per_hash": *1\|"max_posts_per_hash":1' "$tmp/clob.log"
"$bin" history --db "$tmp/real.db" --csv > "$tmp/hist.csv" 2>&1
check "real: both orders matched in the store" [ "$(grep -c ',matched,' "$tmp/hist.csv")" -eq 2 ]
check "real: the secret never reaches the log" sh -c "! grep -q 'ac0974bec39a17e3\\|AAAAAAAAAAAAAAAAAAAA' '$tmp/real.err'"
check "real: the journal replays" "$bin" replay --db "$tmp/real.db" --trader $A

# ---- a flush across tokens: one POST /orders ----------------------------------
# a large fill (>= bypass_shares) is copied at once: one order per token,
# alone (POST /order; the executor learns the tokens' metadata); then a
# small fill per token waits in its bucket (coalesce_ms 60 s) and both
# buckets flush at shutdown: one loop pass, both orders in one POST /orders
# (the fake counts requests)
curl -sf -X POST "http://127.0.0.1:$CP/_control/reset" > /dev/null
clob_book 404
clob_book 405
printf '0 book token=404 bids=0.48:300 asks=0.52:2500\n0 book token=405 bids=0.48:300 asks=0.52:2500\n' > "$tmp/batch.sc"
start_fake feeds5 "$feeds" --scenario "$tmp/batch.sc" --max-seconds 60
FP=$port
"$bin" live --live --trader $A --clob-url http://127.0.0.1:$CP \
    --rtds-ws ws://127.0.0.1:$FP/rtds --book-ws ws://127.0.0.1:$FP/ws/market \
    --data-api "" --chain-ws "" --db "$tmp/batch.db" --api-port 0 \
    --set coalesce_ms=60000 --set bypass_shares=150 \
    --ready-file "$tmp/batch.ready" --quiet \
    > /dev/null 2> "$tmp/batch.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/batch.ready"
AP=$(api_port_of "$tmp/batch.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=200 tx=$(tx 41) log=1 rtds=0
ctl $FP trade wallet=$A token=405 side=BUY px=0.52 sz=200 tx=$(tx 42) log=1 rtds=0
wait_status $AP orders_sent 2
sleep 0.5
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx 43) log=1 rtds=0
ctl $FP trade wallet=$A token=405 side=BUY px=0.52 sz=100 tx=$(tx 44) log=1 rtds=0
wait_status $AP fills_seen 4
stop_live $lp # the shutdown flush emits both orders in one pass
check "batch: exit 0 ($(tail -1 "$tmp/batch.err"))" [ "$rc" -eq 0 ]
posts=$(curl -sf "http://127.0.0.1:$CP/_control/posts")
check "batch: two orders alone, then two in one POST /orders ($posts)" \
    sh -c "echo '$posts' | grep -q '\"total\": *4.*\"batches\": *1'"
"$bin" history --db "$tmp/batch.db" --csv > "$tmp/bhist.csv" 2>&1
check "batch: all four orders matched in the store" [ "$(grep -c ',matched,' "$tmp/bhist.csv")" -eq 4 ]
check "batch: the journal replays" "$bin" replay --db "$tmp/batch.db" --trader $A --set coalesce_ms=60000 --set bypass_shares=150

# ---- crash safety -------------------------------------------------------------
i=0
while [ $i -lt $TRIALS ]; do
    i=$((i + 1))
    trial_begin $i
    # a pseudo-random kill point in 0.3 .. 3.2 s
    ms=$(( (i * 7919 + 311) % 2900 + 300 ))
    trial_kill_random "crash $i (killed at ${ms} ms)" $ms
    trial_check $i "crash $i"
done

echo "live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
