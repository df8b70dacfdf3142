#!/bin/sh
# tests/cli/live_undo.sh - what the venue or the chain takes back, end to
# end: `pmcopy live --paper` against the fake feeds on 127.0.0.1.
#  withdrawn - a chain fill waits in its bucket (coalesce_ms 60 s); the fake
#              re-sends its log with "removed": true: the watcher emits
#              ev=removed, the core skips the fill (reason=removed), no order
#              is sent; the store keeps it withdrawn.
#  failed    - a bypass-sized chain fill is copied at once; the paper venue
#              fails every matched trade (trade_fail_share 1) 200 ms later:
#              status=failed in the journal after each fill report,
#              /metrics counts it (the core undoes it: tests/unit/test_engine_failed.c).
#  late      - that fill's log is then removed: nothing is undone, the store
#              marks the copy (orders view: source_removed 1), /metrics counts
#              it (late, copied). The journal replays exactly.
# Usage: sh tests/cli/live_undo.sh path/to/pmcopy
name=live_undo
. "$(dirname "$0")/live_lib.inc"

echo "0 book token=404 bids=0.48:300 asks=0.52:2500" > "$tmp/u.sc"
start_fake feeds "$feeds" --scenario "$tmp/u.sc" --max-seconds 60
FP=$port
"$bin" live --paper --trader $A --chain-ws ws://127.0.0.1:$FP/rpc \
    --book-ws ws://127.0.0.1:$FP/ws/market --rtds-ws "" --data-api "" \
    --db "$tmp/u.db" --api-port 0 --ready-file "$tmp/u.ready" \
    --set coalesce_ms=60000 --set trade_fail_share=1 \
    --set trade_fail_after_ms=200 --quiet > /dev/null 2> "$tmp/u.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/u.ready"
AP=$(api_port_of "$tmp/u.ready")
wait_stat $FP chain_subs 1
metric() { api "$AP" GET /metrics | sed -n "s/^$1 //p"; }
wait_metric() { # series min
    for _ in $(seq 1 400); do
        v=$(metric "$1")
        [ "${v:-0}" -ge "$2" ] 2> /dev/null && return 0
        sleep 0.05
    done
    echo "$name: timed out waiting for $1 >= $2" >&2
    return 1
}

# withdrawn: in its 60 s bucket when its log is removed
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=100 tx=$(tx 21) log=1 chain=0
wait_status $AP fills_seen 1
ctl $FP reorg tx=$(tx 21) log=1
check "withdrawn: counted" wait_metric 'pmcopy_source_fills_removed_total{outcome="withdrawn"}' 1

# failed: a bypass-sized fill is copied at once, its trade fails
ctl $FP trade wallet=$A token=404 side=BUY px=0.52 sz=5000 tx=$(tx 22) log=2 chain=0
wait_status $AP orders_sent 1
check "failed: the fill report taken back" wait_metric pmcopy_fills_failed_total 1

# late: the copied fill's log is removed
ctl $FP reorg tx=$(tx 22) log=2
check "late: counted" wait_metric 'pmcopy_source_fills_removed_total{outcome="late"}' 1
check "late: the store has the copy" wait_metric pmcopy_source_fills_removed_copied_total 1
stop_live $lp
check "SIGTERM exits 0 (got $rc)" [ "$rc" -eq 0 ]

"$bin" journal --db "$tmp/u.db" > "$tmp/u.tape" 2>&1
check "journal: two removals" [ "$(grep -c ' ev=removed trader=' "$tmp/u.tape")" -eq 2 ]
check "journal: the waiting fill skipped as removed" grep -q ' ev=skip key=.* reason=removed' "$tmp/u.tape"
check "journal: one order (the bypass fill's)" [ "$(grep -c ' ev=order ' "$tmp/u.tape")" -eq 1 ]
check "journal: each fill report failed" \
    [ "$(grep -c ' status=fill ' "$tmp/u.tape")" -eq "$(grep -c ' status=failed ' "$tmp/u.tape")" ]
check "journal: the removed keys are the fills' keys" sh -c \
    "[ \"\$(sed -n 's/.* ev=fill .* key=\\([^ ]*\\).*/\\1/p' '$tmp/u.tape' | sort)\" = \"\$(sed -n 's/.* ev=removed .* key=\\([^ ]*\\).*/\\1/p' '$tmp/u.tape' | sort)\" ]"
check "the journal replays exactly" "$bin" replay --db "$tmp/u.db" --trader $A \
    --set coalesce_ms=60000
"$bin" history --db "$tmp/u.db" --json > "$tmp/h.json" 2>&1
check "orders view: the copy is marked" grep -q '"source_removed": 1' "$tmp/h.json"
"$bin" history --db "$tmp/u.db" > "$tmp/h.txt" 2>&1
check "orders view (text): the copy is marked" grep -q 'source removed: 1' "$tmp/h.txt"

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
