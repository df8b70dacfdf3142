#!/bin/sh
# tests/cli/live_views.sh - the operator's numbers of a paper session on the
# fake Polymarket servers (tests/fakes): the read API, one P&L, the position
# monitor.
#
#  read    - GET /positions, /orders, /fills, /skips, /stats answer JSON while
#            the loop writes; /positions and /orders are byte for byte what
#            `pmcopy positions --json` and `history --json` print; a limit
#            cuts an answer and says so (truncated, next_since); bad or
#            unknown query parameters are 400 naming the parameter; a POST
#            is 405; 40 reads during the session all answer 200.
#  pnl     - the source's prints move the core's mark (last 0.52) away from
#            the book's mid (0.50): /status, /positions and `pmcopy
#            positions` give the same unrealised P&L while the session runs
#            (before, the store marked at the journaled quote's mid:
#            -0.566689 against -1.166689), and after it stopped.
#  traders - `pmcopy traders` (the store's journal re-run through the core)
#            prints the accountability rows GET /traders gives from the
#            session's engine; A's counts (seen, eligible, copied, tracking,
#            the killed skip, orders); per-trader series in /metrics.
#  watch   - `positions --watch` while the session runs asks its API (GET
#            /quotes): the long is marked at the book's bid (0.48, not the
#            core's 0.52) and P&L today is the core's; a port that does not
#            answer, or answers something else, is named and the frame falls
#            back to the store's marks. On the store alone (`--count 2`,
#            stdout not a TTY): two plain frames (no escape sequences) with
#            the market, outcome, shares, average entry, mark and unrealised
#            P&L; SIGINT stops an endless one with exit 0; a bad --interval
#            is a usage error.
# Usage: sh tests/cli/live_views.sh path/to/pmcopy
name=live_views
. "$(dirname "$0")/live_lib.inc"

num() { # json-ish text, key: the first number after "key":
    sed -n "s/.*\"$2\": *\(-\{0,1\}[0-9.]*\).*/\1/p" "$1" | head -1
}

echo "0 book token=101 bids=0.48:300,0.47:100 asks=0.52:250,0.53:500" > "$tmp/v.sc"
start_fake feeds "$feeds" --scenario "$tmp/v.sc" --max-seconds 60
FP=$port
db=$tmp/v.db
echo "{\"traders\": [{\"address\": \"$A\", \"label\": \"alpha \\\"one\\\"\"}]}" > "$tmp/traders.json"
"$bin" live --paper --traders "$tmp/traders.json" --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$db" --api-port 0 --copy-mode per_fill --no-mlock \
    --ready-file "$tmp/v.ready" --quiet > /dev/null 2> "$tmp/v.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/v.ready"
AP=$(api_port_of "$tmp/v.ready")
wait_stat $FP rtds_subs 1
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=200 tx=$(tx 1) log=1 rtds=0 outcome=Yes
wait_status $AP orders_sent 1
# reads while the loop writes
reads_ok=0
for i in $(seq 1 20); do
    [ "$(api_code $AP GET /stats)" = 200 ] && reads_ok=$((reads_ok + 1))
    [ "$(api_code $AP GET /positions)" = 200 ] && reads_ok=$((reads_ok + 1))
    [ $i = 5 ] && ctl $FP trade wallet=$A token=101 side=BUY px=0.55 sz=100 tx=$(tx 2) log=2 rtds=0 outcome=Yes
done
check "read: 40 reads while the session trades all answer 200 ($reads_ok)" [ "$reads_ok" -eq 40 ]
wait_status $AP orders_sent 2
# a skip: killed
api $AP POST /kill '{"reason":"test"}' > /dev/null
for _ in $(seq 1 200); do
    api $AP GET /status | grep -q '"killed":true' && break
    sleep 0.05
done
ctl $FP trade wallet=$A token=101 side=BUY px=0.52 sz=100 tx=$(tx 3) log=3 rtds=0 outcome=Yes
wait_status $AP fills_seen 3

# ---- one P&L -------------------------------------------------------------------
same=0
for _ in $(seq 1 100); do
    api $AP GET /status > "$tmp/status.json"
    api $AP GET /positions > "$tmp/pos_api.json"
    "$bin" positions --db "$db" --json > "$tmp/pos_cli.json" 2>&1
    u1=$(sed -n 's/.*"unrealized_usd":\(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/status.json")
    u2=$(sed -n '/"totals"/s/.*"unrealized": *\(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/pos_api.json")
    u3=$(sed -n '/"totals"/s/.*"unrealized": *\(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/pos_cli.json")
    if [ -n "$u1" ] && [ "$u1" = "$u2" ] && [ "$u2" = "$u3" ]; then
        same=1
        break
    fi
    sleep 0.1
done
check "pnl: /status, /positions and positions agree on unrealised P&L ($u1, $u2, $u3)" \
    [ "$same" -eq 1 ]
check "pnl: at the core's mark, the source's last print (0.52: -0.566689)" \
    [ "$u1" = -0.566689 ]

# ---- per-trader accountability ----------------------------------------------
same=0
for _ in $(seq 1 50); do
    api $AP GET /traders > "$tmp/traders_api.json"
    "$bin" traders --db "$db" --json > "$tmp/traders_cli.json" 2> "$tmp/traders_cli.err"
    grep '"fills_seen"' "$tmp/traders_api.json" > "$tmp/tr_api.rows"
    grep '"fills_seen"' "$tmp/traders_cli.json" > "$tmp/tr_cli.rows"
    if [ -s "$tmp/tr_api.rows" ] && cmp -s "$tmp/tr_api.rows" "$tmp/tr_cli.rows"; then
        same=1
        break
    fi
    sleep 0.1
done
check "traders: pmcopy traders (the journal through the core) gives GET /traders' numbers ($(cat "$tmp/tr_cli.rows" "$tmp/traders_cli.err"))" \
    [ "$same" -eq 1 ]
check "traders: A (label from the traders file) saw 3 fills, 3 eligible, copied 2, 1 skipped killed, 2 orders" \
    grep -q "\"trader\": \"$A\", \"label\": \"alpha \\\\\"one\\\\\"\", \"off\": \"on\", \"fills_seen\": 3, \"fills_eligible\": 3, \"fills_copied\": 2, \"tracking\": 0.666666, \"skips\": {\"killed\": 1}, \"orders\": 2, \"order_fills\": 2, \"rejects\": 0, " "$tmp/tr_api.rows"
check "traders: both of A's orders filled: orders_filled 2, fill rate 1 (the last fields)" \
    grep -q "\"orders_filled\": 2, \"fill_rate\": 1}" "$tmp/tr_api.rows"
"$bin" traders --db "$db" > "$tmp/traders_cli.txt" 2>&1
check "traders: the text table has the filled orders and the fill rate ($(grep "^$A" "$tmp/traders_cli.txt"))" \
    sh -c "grep -q 'fill_rate' '$tmp/traders_cli.txt' && grep '^$A' '$tmp/traders_cli.txt' | grep -Eq ' 2 +2 +1 +2 '"
check "traders: our unrealised P&L of A's copies is the session's" \
    grep -q "\"unrealized_usd\": $u1," "$tmp/tr_api.rows"
api $AP GET /metrics > "$tmp/metrics.txt"
check "traders: per-trader series in /metrics with HELP and TYPE" \
    sh -c "grep -q '^pmcopy_trader_fills_copied_total{trader=\"$A\"} 2\$' '$tmp/metrics.txt' && grep -q '^pmcopy_trader_orders_filled_total{trader=\"$A\"} 2\$' '$tmp/metrics.txt' && grep -q '^pmcopy_trader_skips_total{trader=\"$A\",reason=\"killed\"} 1\$' '$tmp/metrics.txt' && grep -q '^# TYPE pmcopy_trader_unrealized_usd gauge' '$tmp/metrics.txt'"

# ---- the read API ------------------------------------------------------------
check "read: /positions is what positions --json prints" \
    cmp -s "$tmp/pos_api.json" "$tmp/pos_cli.json"
check "read: /positions lists token 101 with 30 shares" \
    grep -q '"token": "101", "shares": 30,' "$tmp/pos_api.json"
api $AP GET '/orders?limit=1000' > "$tmp/orders_api.json"
"$bin" history --db "$db" --json > "$tmp/orders_cli.json"
check "read: /orders holds what history --json prints (2 orders)" \
    sh -c "grep -q '\"orders\": 2,' '$tmp/orders_api.json' && grep -q '\"truncated\": false' '$tmp/orders_api.json' && [ \"\$(grep -c '\"coid\"' '$tmp/orders_api.json')\" = \"\$(grep -c '\"coid\"' '$tmp/orders_cli.json')\" ]"
api $AP GET '/orders?limit=1' > "$tmp/orders1.json"
check "read: /orders?limit=1 lists one order and says it was cut" \
    sh -c "[ \"\$(grep -c '\"coid\"' '$tmp/orders1.json')\" = 1 ] && grep -q '\"limit\": 1, \"truncated\": true, \"next_since\": [0-9]' '$tmp/orders1.json'"
next=$(sed -n 's/.*"next_since": \([0-9]*\).*/\1/p' "$tmp/orders1.json")
api $AP GET "/orders?since=$next&limit=10" > "$tmp/orders2.json"
check "read: /orders?since=next_since goes on with the other order" \
    sh -c "[ \"\$(grep -c '\"coid\"' '$tmp/orders2.json')\" = 1 ] && ! cmp -s '$tmp/orders1.json' '$tmp/orders2.json'"
api $AP GET /orders > "$tmp/orders_def.json"
check "read: /orders without a limit says its default limit (100)" \
    grep -q '"limit": 100, "truncated": false' "$tmp/orders_def.json"
check "read: /fills lists both executions" api_has $AP GET /fills '"count": 2'

api $AP GET '/skips?reason=killed' > "$tmp/skips.json"
check "read: /skips?reason=killed lists the killed copy" \
    sh -c "grep -q '\"reason\": \"killed\"' '$tmp/skips.json' && grep -q '\"count\": 1' '$tmp/skips.json'"
check "read: /skips?reason=stale lists none" \
    api_has $AP GET '/skips?reason=stale' '"count": 0'
api $AP GET /stats > "$tmp/stats.json"
check "read: /stats counts orders by status, fills, skips, stage latencies" \
    sh -c "grep -q '\"orders\": 2,' '$tmp/stats.json' && grep -q '\"matched\": 2' '$tmp/stats.json' && grep -q '\"fills\": 2' '$tmp/stats.json' && grep -q '\"killed\": 1' '$tmp/stats.json' && grep -q '\"total\": {\"n\": 2' '$tmp/stats.json'"
bad_q() { # path parameter: 400 naming the parameter
    curl -s -H "Authorization: Bearer $PMC_API_TOKEN" \
        -w ' %{http_code}' "http://127.0.0.1:$AP$1" > "$tmp/bad.out"
    grep -q "\"parameter\":\"$2\"" "$tmp/bad.out" && grep -q ' 400$' "$tmp/bad.out"
}
check "read: limit=0 is 400 naming limit" bad_q '/orders?limit=0' limit
check "read: limit=1001 (over the maximum) is 400 naming limit" bad_q '/orders?limit=1001' limit
check "read: limit=abc is 400 naming limit" bad_q '/orders?limit=abc' limit
check "read: since=yesterday is 400 naming since" bad_q '/fills?since=yesterday' since
check "read: reason=nope is 400 naming reason" bad_q '/skips?reason=nope' reason
check "read: an unknown parameter is 400 naming it" bad_q '/orders?colour=red' colour
check "read: a parameter given twice is 400" bad_q '/orders?limit=1&limit=2' limit
check "read: a bad escape is 400" bad_q '/orders?since=%zz' since
check "read: an escaped date is read (since=2000-01-01T00%3A00%3A00Z)" \
    test "$(api_code $AP GET '/orders?since=2000-01-01T00%3A00%3A00Z')" = 200
check "read: POST /positions is 405" test "$(api_code $AP POST /positions)" = 405

# ---- the position monitor, asking the session ---------------------------------
api $AP GET /quotes > "$tmp/quotes.json"
check "watch: GET /quotes gives the bid, ask and core mark of the long, exact decimals" \
    grep -q '"quotes":\[{"token":"101","bid":"0.48","ask":"0.52","mark":"0.52"}\]' "$tmp/quotes.json"
check "watch: GET /quotes gives the core's P&L today" \
    grep -q '"pnl_today_usd":"-0.566689","realized_today_usd":"0","unrealized_usd":"-0.566689"' "$tmp/quotes.json"
check "watch: GET /quotes needs the token" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AP/quotes")" = 401
"$bin" positions --db "$db" --watch --count 1 --api-port "$AP" > "$tmp/wapi.out" 2>&1
check "watch: marks from the session's book ($(head -3 "$tmp/wapi.out" | tail -1))" \
    grep -q "^marks: the book's bid from the session at 127.0.0.1:$AP\$" "$tmp/wapi.out"
check "watch: the long marked at the bid 0.48 (the core marks 0.52): unrealised -1.766689" \
    grep -q ' Yes  *30  *0\.538889  *0\.48  *-1\.766689 bid    101$' "$tmp/wapi.out"
check "watch: value at the bid, P&L today the core's" \
    sh -c "grep -q '^open 1, closed 0 | value 14.4 USD, cost basis 16.166689 USD, unrealised -1.766689 USD' '$tmp/wapi.out' && grep -q '^P&L today -0.566689 USD (realised 0, unrealised change -0.566689 at the core.s marks), realised total 0 USD' '$tmp/wapi.out'"
PMC_API_TOKEN=wrong-token-0123456789 "$bin" positions --db "$db" --watch --count 1 \
    --api-port "$AP" > "$tmp/wtok.out" 2>&1
check "watch: a wrong token is named and the store's marks are used" \
    sh -c "grep -q '^marks: the store.s (session: 127.0.0.1:$AP: GET /quotes: HTTP 401)' '$tmp/wtok.out' && grep -q ' 0\.52  *-0\.566689 store  *101$' '$tmp/wtok.out'"
"$bin" positions --db "$db" --watch --count 1 --api-port "$FP" > "$tmp/wfp.out" 2>&1
check "watch: a port answering something else is named" \
    grep -q "^marks: the store's (session: 127.0.0.1:$FP: GET /quotes: HTTP 404)" "$tmp/wfp.out"

stop_live $lp
check "the session exits 0 ($(tail -1 "$tmp/v.err"))" [ "$rc" -eq 0 ]
"$bin" positions --db "$db" --watch --count 1 --api-port "$AP" > "$tmp/wdown.out" 2>&1
rc=$?
check "watch: the session gone, the frame says so and exits 0 (rc $rc)" \
    sh -c "[ $rc -eq 0 ] && grep -q \"^marks: the store's (session: 127.0.0.1:$AP: \" '$tmp/wdown.out' && grep -q ' store  *101$' '$tmp/wdown.out'"
"$bin" positions --db "$db" --json > "$tmp/pos_end.json" 2>&1
u4=$(sed -n '/"totals"/s/.*"unrealized": *\(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/pos_end.json")
check "pnl: after the session, positions gives its last /status value ($u4, $u1)" \
    [ "$u4" = "$u1" ]

# ---- the position monitor ----------------------------------------------------
"$bin" positions --db "$db" --watch --interval 0.1 --count 2 > "$tmp/watch.out" 2>&1
rc=$?
check "watch: --count 2 exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "watch: two frames" [ "$(grep -c '^pmcopy positions ' "$tmp/watch.out")" -eq 2 ]
check "watch: no escape sequences when stdout is not a TTY" \
    sh -c "! grep -q \"\$(printf '\\033')\" '$tmp/watch.out'"
check "watch: the position row (outcome, shares, average entry, mark, unrealised, token)" \
    grep -q ' Yes  *30  *0\.538889  *0\.52  *-0\.566689 store  *101$' "$tmp/watch.out"
check "watch: value and P&L lines" \
    sh -c "grep -q '^open 1, closed 0 | value 15.6 USD, cost basis 16.166689 USD, unrealised -0.566689 USD' '$tmp/watch.out' && grep -q '^realised today 0 USD, realised total 0 USD' '$tmp/watch.out'"
# on a terminal (script(1) gives it one): cursor hidden, each frame from the
# cursor's home, every line clearing what the last frame left, the rest of
# the screen cleared, the cursor shown again at the end
if command -v script > /dev/null; then
    script -qc "'$bin' positions --db '$db' --watch --interval 0.1 --count 2" \
        /dev/null < /dev/null > "$tmp/watch_tty.out" 2>&1
    esc=$(printf '\033')
    check "watch: on a TTY, two frames redrawn in place" \
        sh -c "[ \"\$(grep -o '${esc}\\[H' '$tmp/watch_tty.out' | wc -l)\" -eq 2 ] && [ \"\$(grep -o '${esc}\\[J' '$tmp/watch_tty.out' | wc -l)\" -eq 2 ] && grep -q '0\\.538889.*${esc}\\[K' '$tmp/watch_tty.out' && grep -q '${esc}\\[?25h' '$tmp/watch_tty.out'"
fi
"$bin" positions --db "$db" --watch --interval 0.1 > "$tmp/watch2.out" 2>&1 &
wp=$!
pids="$pids $wp"
for _ in $(seq 1 100); do
    [ "$(grep -c '^pmcopy positions ' "$tmp/watch2.out")" -ge 2 ] && break
    sleep 0.05
done
kill -INT $wp
wait $wp
rc=$?
check "watch: SIGINT stops it with exit 0 (got $rc)" [ "$rc" -eq 0 ]
"$bin" positions --db "$db" --watch --interval 0 > /dev/null 2> "$tmp/wi.err"
rc=$?
check "watch: --interval 0 is a usage error (exit $rc)" \
    sh -c "[ $rc -eq 2 ] && grep -q 'interval' '$tmp/wi.err'"
"$bin" positions --db "$db" --interval 1 > /dev/null 2>&1
rc=$?
check "watch: --interval without --watch is a usage error (exit $rc)" [ "$rc" -eq 2 ]

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
