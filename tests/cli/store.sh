#!/bin/sh
# tests/cli/store.sh - end-to-end test of the store commands: `pmcopy
# journal` (--append then export: byte-identical), `pmcopy replay --db`
# (a journal that replays, and a tampered one that must not), and the
# operator views `positions`, `history`, `traders` on a small store (the
# journal through pmcopy, orders and fills inserted with the sqlite3 shell),
# checked field by field in CSV and JSON; --help, usage errors (exit 2) and
# missing / foreign / garbage files (exit 1 with the file named).
# Usage: sh tests/cli/store.sh path/to/pmcopy
set -u
bin=${1:?usage: store.sh path/to/pmcopy}
root=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
tmp=$(mktemp -d /tmp/pmc_cli_store.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "store: FAIL: $*" >&2; }

# run ARGS...: stdout -> $tmp/out, stderr -> $tmp/err, exit code -> $rc
run() {
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
expect_rc() { # name rc
    if [ "$rc" -eq "$2" ]; then ok; else
        bad "$1: exit $rc, want $2"
        cat "$tmp/err" >&2
    fi
}
expect_out() { # name needle
    if grep -qF -- "$2" "$tmp/out"; then ok; else
        bad "$1: stdout lacks '$2'"
        cat "$tmp/out" >&2
    fi
}
expect_no() { # name needle
    if grep -qF -- "$2" "$tmp/out"; then bad "$1: stdout has '$2'"; else ok; fi
}
expect_err() { # name needle
    if grep -qF -- "$2" "$tmp/err"; then ok; else
        bad "$1: stderr lacks '$2'"
        cat "$tmp/err" >&2
    fi
}

TA=0x1111111111111111111111111111111111111111
TB=0x2222222222222222222222222222222222222222
TOK=21742633143463906290569050155826241533067272736897614950488156847949938836455
db=$tmp/s.db

# ---- journal --append / export / replay --db -----------------------------
scen=$root/scenarios/bypass
args=$(cat "$scen.args")
# shellcheck disable=SC2086
"$bin" decide --echo $args <"$scen.tape" >"$tmp/j.tape"
run journal --db "$tmp/j.db" --append "$tmp/j.tape"
expect_rc "journal --append" 0
run journal --db "$tmp/j.db"
expect_rc "journal export" 0
if cmp -s "$tmp/out" "$tmp/j.tape"; then ok; else bad "journal export differs from the appended tape"; fi
# shellcheck disable=SC2086
run replay $args --db "$tmp/j.db"
expect_rc "replay --db" 0
expect_out "replay --db" "all match"
run replay --db "$tmp/j.db"   # without the scenario's config: diverges
expect_rc "replay --db, other config" 1
expect_err "replay --db, other config" "diverges"
run replay --db "$tmp/j.db" "$tmp/j.tape"
expect_rc "replay FILE and --db" 2
run replay --db "$tmp/none.db"
expect_rc "replay --db missing" 1
expect_err "replay --db missing" "$tmp/none.db"
# a tampered journal (an action changed) must not replay
sed 's/ev=order coid=pmc-/ev=order coid=pmc-f/' "$tmp/j.tape" >"$tmp/t.tape"
run journal --db "$tmp/t.db" --append "$tmp/t.tape"
expect_rc "journal --append tampered" 0
# shellcheck disable=SC2086
run replay $args --db "$tmp/t.db"
expect_rc "replay --db tampered" 1
# appending older records than the journal's last is refused
run journal --db "$tmp/j.db" --append "$tmp/j.tape"
expect_rc "journal --append older" 1
expect_err "journal --append older" "older than the journal"

# ---- a small store -----------------------------------------------------------
cat >"$tmp/m.tape" <<EOF
#pmcopy-tape v1
t=1767229200000 ev=market token=$TOK market=0xc1 end=1767230100000 tick=0.01
t=1767236500000 ev=quote token=$TOK bid=0.5 ask=0.6
EOF
run journal --db "$db" --append "$tmp/m.tape"
expect_rc "journal --append (store)" 0
# Buy 10 @ 0.40 (fee 0.01) for A 3/4 + B 1/4; sell 4 @ 0.60 (fee 0.02) for
# A; a rejected buy for A. Money in micros, times in ms.
sqlite3 "$db" <<EOF
INSERT INTO orders(coid, token, side, px, sz, tif, keys, traders, status,
  venue_id, order_hash, signed_body, error, ts_source, ts_recv, ts_decided,
  ts_submitted, ts_acked, ts_done, journal_seq) VALUES
 ('pmc-00000000000000c1', '$TOK', 'BUY', 450000, 10000000, 'FAK',
  '0xk1:1,0xk2:2', '$TA,$TB', 'confirmed', '0xv1', '0xh1', '{"order":{}}',
  NULL, 1767229199000, 1767229199500, 1767229200000, 1767229200001,
  1767229200050, 1767229200300, 1),
 ('pmc-00000000000000c2', '$TOK', 'SELL', 580000, 4000000, 'FAK', '0xk3:1',
  '$TA', 'matched', NULL, NULL, NULL, NULL, 1767232800000, 1767232800100,
  1767232800200, 1767232800201, NULL, NULL, 1),
 ('pmc-00000000000000c3', '999', 'BUY', 500000, 10000000, 'FOK', '0xk4:1',
  '$TA', 'rejected', NULL, NULL, NULL, 'min size, "5"', 1767236400000,
  1767236400100, 1767236400200, 1767236400201, NULL, 1767236400300, 1);
INSERT INTO order_traders(coid, trader, share) VALUES
 ('pmc-00000000000000c1', '$TA', 750000),
 ('pmc-00000000000000c1', '$TB', 250000),
 ('pmc-00000000000000c2', '$TA', 1000000),
 ('pmc-00000000000000c3', '$TA', 1000000);
INSERT INTO fills(coid, trade_id, sz, px, cost, fee, t) VALUES
 ('pmc-00000000000000c1', 'tr-1', 10000000, 400000, 4000000, 10000,
  1767229200100),
 ('pmc-00000000000000c2', 'tr-2', 4000000, 600000, 2400000, 20000,
  1767232800300);
INSERT INTO trader_stats(trader, day, notional_today, notional_total,
  trades_today, trades_total, successes, failures, updated) VALUES
 ('$TA', 20454, 10695000, 10695000, 3, 3, 2, 1, 1767236400300),
 ('$TB', 20454, 1125000, 1125000, 1, 1, 1, 0, 1767229200300);
EOF
[ $? -eq 0 ] && ok || bad "sqlite3 inserts"

# positions
run positions --db "$db" --json
expect_rc "positions --json" 0
expect_out "positions --json" "{\"token\": \"$TOK\", \"shares\": 6, \"avg_px\": 0.401, \"cost_basis\": 2.406, \"mark\": 0.55, \"mark_t\": 1767236500000, \"resolved\": false, \"realized\": 0.776, \"unrealized\": 0.894, \"bought\": 4, \"sold\": 2.4, \"fees\": 0.03, \"fills\": 2}"
expect_out "positions --json" "\"totals\": {\"positions\": 1, \"cost_basis\": 2.406, \"realized\": 0.776, \"unrealized\": 0.894, \"fees\": 0.03}"
run positions --db "$db"
expect_rc "positions" 0
expect_out "positions" "realised 0.776 USD, unrealised 0.894 USD"
DB_PATH=$db "$bin" positions >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_rc "positions via DB_PATH" 0
expect_out "positions via DB_PATH" "$TOK"

# history
run history --db "$db" --csv
expect_rc "history --csv" 0
if head -1 "$tmp/out" | grep -qx 'coid,status,side,token,limit_px,size,tif,filled,avg_px,filled_cost,fees,fills,traders,keys,venue_id,order_hash,paper,error,ts_source,ts_recv,ts_decided,ts_submitted,ts_acked,ts_filled,ts_done'; then ok; else bad "history --csv header"; fi
expect_out "history --csv c1" "pmc-00000000000000c1,confirmed,BUY,$TOK,0.45,10,FAK,10,0.4,4,0.01,1,\"$TA,$TB\",\"0xk1:1,0xk2:2\",0xv1,0xh1,0,,1767229199000,1767229199500,1767229200000,1767229200001,1767229200050,1767229200100,1767229200300"
expect_out "history --csv c3" "pmc-00000000000000c3,rejected,BUY,999,0.5,10,FOK,0,,0,0,0,$TA,0xk4:1,,,1,\"min size, \"\"5\"\"\",1767236400000,1767236400100,1767236400200,1767236400201,,,1767236400300"
if [ "$(wc -l <"$tmp/out")" -eq 4 ]; then ok; else bad "history --csv: want 4 lines"; fi
run history --db "$db" --json --token 999
expect_rc "history --json --token" 0
expect_out "history --json --token" "{\"coid\": \"pmc-00000000000000c3\", \"status\": \"rejected\", \"side\": \"BUY\", \"token\": \"999\", \"limit_px\": 0.5, \"size\": 10, \"tif\": \"FOK\", \"filled\": 0, \"avg_px\": null, \"filled_cost\": 0, \"fees\": 0, \"fills\": 0, \"traders\": [\"$TA\"], \"keys\": [\"0xk4:1\"], \"venue_id\": null, \"order_hash\": null, \"paper\": true, \"error\": \"min size, \\\"5\\\"\", \"ts_source\": 1767236400000"
expect_out "history --json --token" "\"totals\": {\"orders\": 1, \"filled_cost\": 0, \"fees\": 0}"
expect_no "history --json --token" "pmc-00000000000000c1"
run history --db "$db" --trader "${TB#0x}" --csv
expect_out "history --trader" "pmc-00000000000000c1"
expect_no "history --trader" "pmc-00000000000000c2"
run history --db "$db" --since 2026-01-01T02:00:00Z --until 1767236400200
expect_rc "history --since --until" 0
expect_out "history --since --until" "pmc-00000000000000c2"
expect_no "history --since --until" "pmc-00000000000000c1"
expect_no "history --since --until" "pmc-00000000000000c3"
expect_out "history --since --until" "1 orders"
run history --db "$db" --status open --csv
expect_out "history --status open" "pmc-00000000000000c2"
expect_no "history --status open" "pmc-00000000000000c1"

# traders
run traders --db "$db" --json
expect_rc "traders --json" 0
expect_out "traders --json" "\"now\": 1767236500000"
expect_out "traders --json A" "{\"trader\": \"$TA\", \"orders\": 3, \"fills\": 2, \"copied_notional\": 10.695, \"filled_cost\": 5.4, \"realized\": 0.582, \"successes\": 2, \"failures\": 1, \"trades_today\": 3, \"notional_today\": 10.695}"
expect_out "traders --json B" "{\"trader\": \"$TB\", \"orders\": 1, \"fills\": 1, \"copied_notional\": 1.125, \"filled_cost\": 1, \"realized\": 0.194, \"successes\": 1, \"failures\": 0, \"trades_today\": 1, \"notional_today\": 1.125}"
run traders --db "$db" --json --now 2026-01-02
expect_out "traders --now next day" "\"trades_today\": 0, \"notional_today\": 0}"
run traders --db "$db"
expect_rc "traders" 0
expect_out "traders" "$TA"

# ---- help, usage and file errors -----------------------------------------
for c in positions history traders journal; do
    run "$c" --help
    expect_rc "$c --help" 0
    expect_out "$c --help" "usage: pmcopy $c"
    run "$c" --bogus
    expect_rc "$c --bogus" 2
    run "$c" --db "$tmp/missing.db"
    expect_rc "$c missing db" 1
    expect_err "$c missing db" "$tmp/missing.db: cannot open"
done
run history --db "$db" --since yesterday
expect_rc "history --since bad" 2
expect_err "history --since bad" "--since yesterday"
run history --db "$db" --status bogus
expect_rc "history --status bad" 2
run history --db "$db" --trader 0x12
expect_rc "history --trader bad" 2
printf 'not a database at all, just some text\n' >"$tmp/garbage.db"
run positions --db "$tmp/garbage.db"
expect_rc "garbage db" 1
expect_err "garbage db" "$tmp/garbage.db: not a pmcopy store: file is not a database"
sqlite3 "$tmp/foreign.db" "CREATE TABLE t(x);"
run history --db "$tmp/foreign.db"
expect_rc "foreign db" 1
expect_err "foreign db" "not a pmcopy store"
# nothing was written to a store by the views
if [ ! -e "$tmp/missing.db" ]; then ok; else bad "a view created a database"; fi

# ---- the live loop stops on any store error -------------------------------
# A store write refused with ERANGE (PMC_STORE_FAULT: the first seen key,
# the first fill) must stop trading with the store's message, exactly like
# an I/O error: `pmcopy live` exits 1 naming the store and the failure.
feeds=$(cd "$(dirname "$bin")" && pwd)/fakes/fake_feeds
if [ -x "$feeds" ]; then
    for fault in seen fill; do
        echo "0 book token=101 bids=0.48:300 asks=0.52:2500" >"$tmp/f.sc"
        "$feeds" --scenario "$tmp/f.sc" --max-seconds 30 >"$tmp/feeds.out" \
            2>"$tmp/feeds.err" &
        fp=$!
        port=""
        for _ in $(seq 1 100); do
            port=$(sed -n 's/^listening port=//p' "$tmp/feeds.out")
            [ -n "$port" ] && break
            sleep 0.05
        done
        rm -f "$tmp/live.ready" "$tmp/live-$fault.db"
        PMC_STORE_FAULT=$fault:1 "$bin" live --paper --trader "$TA" \
            --rtds-ws "ws://127.0.0.1:$port/rtds" \
            --book-ws "ws://127.0.0.1:$port/ws/market" --data-api "" \
            --chain-ws "" --db "$tmp/live-$fault.db" --api-port 0 --no-mlock \
            --copy-mode per_fill --ready-file "$tmp/live.ready" --quiet \
            >/dev/null 2>"$tmp/live.err" &
        lp=$!
        for _ in $(seq 1 200); do
            [ -s "$tmp/live.ready" ] && break
            sleep 0.05
        done
        for _ in $(seq 1 100); do
            curl -sf "http://127.0.0.1:$port/_control/stats" |
                grep -q '^rtds_subs=[1-9]' && break
            sleep 0.05
        done
        curl -sf "http://127.0.0.1:$port/_control/trade?wallet=$TA&token=101&side=BUY&px=0.52&sz=100&tx=0x$(printf '%064x' 7)&log=1&rtds=0" >/dev/null
        # it must stop on its own (bounded wait), not run on
        for _ in $(seq 1 100); do
            kill -0 "$lp" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "$lp" 2>/dev/null; then
            bad "live with a refused $fault write is still trading"
            kill -TERM "$lp"
        fi
        wait "$lp"
        rc=$?
        cp "$tmp/live.err" "$tmp/err"
        expect_rc "live stops on a refused $fault write" 1
        expect_err "live names the store error ($fault)" "queue: a $fault"
        expect_err "live names the store error ($fault)" "(injected)"
        kill "$fp" 2>/dev/null
        wait "$fp" 2>/dev/null
    done
else
    bad "missing $feeds (make check builds it)"
fi

echo "store: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
