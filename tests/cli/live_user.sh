#!/bin/sh
# tests/cli/live_user.sh - the CLOB user channel and the trade lifecycle,
# `pmcopy live --live` against the fake CLOB (tests/fakes/fake_clob
# --ws-port) and the fake feeds on 127.0.0.1.
#
# Each check states what is injected and what must hold:
#  subscribe - the session subscribes to the user channel with its L2
#            credentials (the fake checks them) and says so in its log.
#  failed  - the venue takes a copy's trade back (MATCHED then FAILED):
#            the journal holds the FAILED report (status=failed, the fill's
#            size and price) and replays exactly; the store keeps the trade
#            as failed and its fill as failed; the position of the token
#            holds only the trade that stayed (the core and the store).
#  confirmed - a trade going MATCHED -> MINED -> CONFIRMED: the store's
#            trade row is confirmed and the order is confirmed (a position).
#  part    - one POST answer (one fill report) covers two venue trades
#            (two book levels) and the first fails: the FAILED report has
#            that trade's shares; the core takes that part back (replay
#            reproduces it) and the store's fill, order and position keep
#            the rest.
#  reconnect - the channel drops and is refused for a while: the session
#            logs it down and polls its resting order by hash meanwhile
#            (GET /data/order at the fake); a fill made at the venue while
#            it is down reaches the journal; the channel comes back
#            (a second subscribe) and the metrics count both.
#  recon   - a copy matched while the channel is down fails at the venue
#            (no event reaches the session): when the channel is back the
#            session reads GET /data/trades and journals the FAILED report;
#            the store keeps that trade and its fill failed.
#  restart - a copy's trade is still matched when the session stops and
#            fails at the venue while it is down: the next session follows
#            it again from the store (event=trades_followed), logs at level
#            error that it is not taken back, counts it in /metrics (no
#            FAILED report) and the store's trade is failed.
# Usage: sh tests/cli/live_user.sh path/to/pmcopy
name=live_user
. "$(dirname "$0")/live_lib.inc"

sql() { # db query: rows as text (the store read in place, WAL)
    python3 - "$1" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for r in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))
PY
}
user_stat() { # key: a counter of the fake's user channel
    curl -sf "http://127.0.0.1:$CP/_control/user" |
        sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
wait_user() { # key min
    for _ in $(seq 1 400); do
        [ "$(user_stat "$1")" -ge "$2" ] 2> /dev/null && return 0
        sleep 0.05
    done
    echo "$name: timed out waiting for user channel $1 >= $2" >&2
    return 1
}
wait_sql() { # query value: the store's answer (read in place) becomes value
    for _ in $(seq 1 200); do
        [ "$(sql "$db" "$1")" = "$2" ] && return 0
        sleep 0.05
    done
    return 1
}
wait_log() { # file pattern
    for _ in $(seq 1 400); do
        grep -q "$2" "$1" && return 0
        sleep 0.05
    done
    return 1
}

live_creds
start_fake clob "$clob" --ws-port 0 --max-seconds 120
CP=$port
UP=$(sed -n 's/^user_ws port=//p' "$tmp/clob.out")
curl -sf -X POST "http://127.0.0.1:$CP/_control/book" -d '{"token":"404","tick":"0.01","bids":[["0.48","100000"]],"asks":[["0.52","100000"]]}' > /dev/null
curl -sf -X POST "http://127.0.0.1:$CP/_control/book" -d '{"token":"505","tick":"0.01","bids":[["0.30","100000"]],"asks":[["0.70","100000"]]}' > /dev/null
curl -sf -X POST "http://127.0.0.1:$CP/_control/user" -d '{"fail_next":1,"mined_ms":100,"confirmed_ms":300,"failed_ms":200}' > /dev/null
printf '0 book token=404 bids=0.48:300 asks=0.52:2500\n0 book token=505 bids=0.30:300 asks=0.70:2500\n0 book token=606 bids=0.48:300 asks=0.52:2500\n' > "$tmp/user.sc"
start_fake feeds "$feeds" --scenario "$tmp/user.sc" --max-seconds 120
FP=$port
db="$tmp/user.db"
run_live() { # name: a session on the store $db, log $tmp/NAME.err; pid in $lp
    rm -f "$tmp/$1.ready"
    "$bin" live --live --trader $A --clob-url "http://127.0.0.1:$CP" \
        --user-ws "ws://127.0.0.1:$UP/ws/user" --rtds-ws "ws://127.0.0.1:$FP/rtds" \
        --book-ws "ws://127.0.0.1:$FP/ws/market" --data-api "" --chain-ws "" \
        --db "$db" --api-port 0 --ready-file "$tmp/$1.ready" --no-mlock \
        --copy-mode per_fill --order-tif GTC > /dev/null 2> "$tmp/$1.err" &
    lp=$!
    pids="$pids $lp"
    wait_ready "$tmp/$1.ready"
    AP=$(api_port_of "$tmp/$1.ready")
}
run_live user
wait_stat $FP rtds_subs 1

# ---- subscribe ---------------------------------------------------------------
check "subscribe: the fake took the L2 credentials" wait_user subscribes 1
check "subscribe: no refused credentials" [ "$(user_stat bad_auth)" = 0 ]
check "subscribe: the session logs the channel up" \
    wait_log "$tmp/user.err" 'event=user_channel state=up'

# ---- a failed trade, then a confirmed one -------------------------------------
# GTC at a crossing limit: matched at once (a resting remainder is none)
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx 1) log=1 rtds=0
check "failed: the FAILED report is journaled" \
    wait_log "$tmp/user.err" 'event=trade .*status=failed'
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=50 tx=$(tx 2) log=1 rtds=0
check "confirmed: the second trade is confirmed" \
    wait_log "$tmp/user.err" 'event=trade .*status=confirmed'
sleep 0.3
"$bin" journal --db "$db" > "$tmp/user.tape" 2> /dev/null
fsz=$(sed -n 's/.* status=fill sz=\([0-9.]*\) px=\([0-9.]*\).*/\1 \2/p' "$tmp/user.tape" | head -1)
xsz=$(sed -n 's/.* status=failed sz=\([0-9.]*\) px=\([0-9.]*\).*/\1 \2/p' "$tmp/user.tape" | head -1)
check "failed: one FAILED report, the exact inverse of the first fill ($fsz / $xsz)" \
    sh -c "[ -n '$fsz' ] && [ '$fsz' = '$xsz' ] && [ \$(grep -c ' status=failed ' '$tmp/user.tape') -eq 1 ]"
tf=$(sql "$db" "SELECT count(*) FROM trades WHERE status='failed'")
ff=$(sql "$db" "SELECT count(*) FROM fills WHERE failed_t IS NOT NULL")
check "failed: the store keeps the trade failed ($tf) and its fill failed ($ff)" \
    [ "$tf" = 1 -a "$ff" = 1 ]
tc=$(sql "$db" "SELECT count(*) FROM trades WHERE status='confirmed'")
oc=$(sql "$db" "SELECT count(*) FROM orders WHERE status='confirmed'")
check "confirmed: the store's trade ($tc) and order ($oc) are confirmed" \
    [ "$tc" = 1 -a "$oc" = 1 ]
second=$(sed -n 's/.* status=fill sz=\([0-9.]*\) .*/\1/p' "$tmp/user.tape" | sed -n 2p)
api "$AP" GET /positions > "$tmp/pos.json"
check "failed: the store's position holds the confirmed trade only ($second shares)" \
    grep -q "\"token\": \"404\", \"shares\": $second," "$tmp/pos.json"
api "$AP" GET /fills > "$tmp/fills.json"
check "failed: /fills shows the failed fill (failed_t) and totals the other" \
    sh -c "[ \$(grep -c '\"failed_t\": [0-9]' '$tmp/fills.json') -eq 1 ] && [ \$(grep -c '\"failed_t\": null' '$tmp/fills.json') -eq 1 ]"
api "$AP" GET /metrics > "$tmp/user.metrics"
check "failed: /metrics counts the trades by status" \
    sh -c "grep -q '^pmcopy_exec_trades_total{status=\"failed\"} 1' '$tmp/user.metrics' && grep -q '^pmcopy_exec_trades_total{status=\"confirmed\"} 1' '$tmp/user.metrics' && grep -q '^pmcopy_exec_failed_reports_total 1' '$tmp/user.metrics'"

# ---- the channel drops; polling takes over; a fill while it is down ---------
# a GTC that rests (limit below the 0.70 ask)
ctl $FP trade wallet=$A token=505 side=BUY px=0.30 sz=100 tx=$(tx 3) log=1 rtds=0
wait_status $AP orders_sent 3
for _ in $(seq 1 100); do
    hash=$(sql "$db" "SELECT order_hash FROM orders WHERE token='505'")
    [ -n "$hash" ] && break
    sleep 0.05
done
curl -sf -X POST "http://127.0.0.1:$CP/_control/user" -d '{"drop":true,"refuse_ms":5000}' > /dev/null
check "reconnect: the session logs the channel down" \
    wait_log "$tmp/user.err" 'event=user_channel state=down'
# a copy that matches at once while the channel is down, its trade failing
# at the venue 200 ms later: no event reaches the session (none subscribed)
curl -sf -X POST "http://127.0.0.1:$CP/_control/user" -d '{"fail_next":1}' > /dev/null
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=60 tx=$(tx 4) log=1 rtds=0
wait_status $AP orders_sent 4
gets0=$(curl -sf "http://127.0.0.1:$CP/_control/log" | grep -o '"p": *"/data/order/' | wc -l)
curl -sf -X POST "http://127.0.0.1:$CP/_control/fill" -d "{\"hash\":\"$hash\",\"size\":\"2\"}" > /dev/null
check "reconnect: the fill made while the channel was down reaches the journal" \
    sh -c "for i in \$(seq 1 200); do '$bin' journal --db '$db' 2> /dev/null | grep -q 'status=fill sz=2 ' && exit 0; sleep 0.05; done; exit 1"
gets1=$(curl -sf "http://127.0.0.1:$CP/_control/log" | grep -o '"p": *"/data/order/' | wc -l)
check "reconnect: the resting order was polled by hash while down ($gets0 -> $gets1)" \
    [ "$gets1" -gt "$gets0" ]
check "reconnect: the channel comes back (a second subscribe)" wait_user subscribes 2
check "reconnect: the session logs it up again" \
    sh -c "for i in \$(seq 1 200); do [ \$(grep -c 'event=user_channel state=up' '$tmp/user.err') -ge 2 ] && exit 0; sleep 0.05; done; exit 1"
check "recon: the session reads GET /data/trades after the reconnect" \
    wait_log "$tmp/user.err" 'reconcile: GET /data/trades read'
check "recon: the trade that failed while the channel was down is journaled FAILED (2 in all)" \
    sh -c "for i in \$(seq 1 100); do [ \$('$bin' journal --db '$db' 2> /dev/null | grep -c ' status=failed ') -eq 2 ] && exit 0; sleep 0.05; done; exit 1"
tf=$(sql "$db" "SELECT count(*) FROM trades WHERE status='failed'")
ff=$(sql "$db" "SELECT count(*) FROM fills WHERE failed_t IS NOT NULL")
check "recon: the store keeps both trades failed ($tf) and both fills failed ($ff)" \
    [ "$tf" = 2 -a "$ff" = 2 ]
check "recon: the fake answered GET /data/trades ($(user_stat trades_gets) pages)" \
    [ "$(user_stat trades_gets)" -ge 1 ]
api "$AP" GET /metrics > "$tmp/user.metrics"
check "recon: /metrics counts the reconcile and one FAILED more" \
    sh -c "grep -q '^pmcopy_exec_recon_runs_total 1' '$tmp/user.metrics' && grep -q '^pmcopy_exec_recon_pages_total 1' '$tmp/user.metrics' && grep -q '^pmcopy_exec_failed_reports_total 2' '$tmp/user.metrics'"
check "reconnect: /metrics counts the connects and the drop" \
    sh -c "grep -q '^pmcopy_exec_user_connects_total 2' '$tmp/user.metrics' && grep -q '^pmcopy_exec_user_drops_total 1' '$tmp/user.metrics'"

# ---- one fill report of two venue trades; one of them fails -------------------
# 4 shares at 0.52, the rest at 0.53: the POST answer is one fill, the
# first trade fails
curl -sf -X POST "http://127.0.0.1:$CP/_control/book" -d '{"token":"606","tick":"0.01","bids":[["0.48","100000"]],"asks":[["0.52","4"],["0.53","100000"]]}' > /dev/null
curl -sf -X POST "http://127.0.0.1:$CP/_control/user" -d '{"fail_next":1}' > /dev/null
ctl $FP trade wallet=$A token=606 side=BUY px=0.52 sz=100 tx=$(tx 4) log=1 rtds=0
check "part: the FAILED report of the one trade (4 shares) is journaled" \
    sh -c "for i in \$(seq 1 200); do '$bin' journal --db '$db' 2> /dev/null | grep -q 'status=failed sz=4 ' && exit 0; sleep 0.05; done; exit 1"
sleep 0.3
pf=$(sql "$db" "SELECT f.sz, f.cost, f.fee, f.failed_t IS NULL FROM fills f JOIN orders o ON o.coid = f.coid WHERE o.token = '606'")
po=$(sql "$db" "SELECT filled, filled_cost FROM orders WHERE token = '606'")
# the FAILED report has the trade's own price (0.52, the fill's average
# 0.526): 4 x 0.52 off, the 6 shares left at 0.53 as they were bought
check "part: the FAILED report carries the trade's price" \
    sh -c "'$bin' journal --db '$db' 2> /dev/null | grep -q 'status=failed sz=4 px=0.52 '"
check "part: the store's fill keeps the 6 shares left at 0.53 ($pf), the order too ($po)" \
    [ "$pf" = "6000000|3180000|0|1" -a "$po" = "6000000|3180000" ]
api "$AP" GET /positions > "$tmp/pos6.json"
check "part: the store's position holds the 6 shares" \
    grep -q '"token": "606", "shares": 6,' "$tmp/pos6.json"
stop_live $lp
check "exit 0 ($(tail -1 "$tmp/user.err"))" [ "$rc" -eq 0 ]
check "the journal replays exactly (the FAILED report an input)" \
    sh -c "'$bin' replay --db '$db' > /dev/null 2>&1"
check "no credential in the log" sh -c "! grep -q 'AAAAAAAAAAAAAAAAAAAA\\|passphrase' '$tmp/user.err'"

# ---- restart: a trade still matched when the session stops fails while
# it is down; the next session follows it again from the store, reads GET
# /data/trades when the channel is up, and says loudly that it is not
# taken back
run_live user2
check "restart: the session is up again on the same store" wait_user subscribes 3
curl -sf -X POST "http://127.0.0.1:$CP/_control/user" -d '{"fail_next":1,"failed_ms":4000}' > /dev/null
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=80 tx=$(tx 5) log=1 rtds=0
check "restart: the copy's trade is matched in the store" \
    wait_sql "SELECT count(*) FROM trades WHERE status='matched'" 1
lost0=$(user_stat lost)
stop_live $lp
check "restart: the session stopped (exit $rc)" [ "$rc" -eq 0 ]
# the trade fails at the venue meanwhile: its event finds nobody subscribed
check "restart: the trade fails at the venue while no session is up" \
    wait_user lost $((lost0 + 1))
run_live user3
check "restart: the trade not final is followed again" \
    wait_log "$tmp/user3.err" 'event=trades_followed trades=1 refused=0'
check "restart: its failure is logged at level error, not taken back" \
    wait_log "$tmp/user3.err" 'level=error event=exec msg=.*from a run before the restart, failed'
api "$AP" GET /metrics > "$tmp/user3.metrics"
check "restart: /metrics counts it (seeded 1, failed unapplied 1, no FAILED report)" \
    sh -c "grep -q '^pmcopy_exec_trades_seeded_total 1' '$tmp/user3.metrics' && grep -q '^pmcopy_exec_trades_failed_unapplied_total 1' '$tmp/user3.metrics' && grep -q '^pmcopy_exec_failed_reports_total 0' '$tmp/user3.metrics'"
tm=$(sql "$db" "SELECT count(*) FROM trades WHERE status='matched'")
check "restart: the store's trade is failed now (matched left: $tm)" [ "$tm" = 0 ]
stop_live $lp
check "restart: exit 0" [ "$rc" -eq 0 ]

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
