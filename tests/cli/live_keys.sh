#!/bin/sh
# tests/cli/live_keys.sh - an order copying more than 64 source fills keeps
# every one of them: 70 trades of one wallet coalesce into one bucket
# (coalesce_ms=60000, max_bucket_fills=100) that SIGTERM flushes into one
# paper order; the store's row for it names all 70 fill keys (the live
# loop's pending-order copy stopped at 64) and the journal replays.
# $1 = the pmcopy binary (fakes from the same build folder).
set -u
bin=${1:?usage: live_keys.sh path/to/pmcopy}
bdir=$(cd "$(dirname "$bin")" && pwd)
feeds=$bdir/fakes/fake_feeds
pass=0 fail=0
tmp=$(mktemp -d /tmp/pmc_cli_keys.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "live_keys: FAIL: $*" >&2; }
check() { n=$1; shift; if "$@"; then ok; else bad "$n"; fi; }
[ -x "$feeds" ] || { echo "live_keys: missing $feeds (make check builds it)"; exit 1; }

A=0x1111111111111111111111111111111111111111
export PMC_API_TOKEN=keys-test-token-0123456789 # the local API's token
tx() { printf '0x%064x' "$1"; }
echo "0 book token=303 bids=0.48:300 asks=0.52:250000" > "$tmp/keys.sc"
"$feeds" --scenario "$tmp/keys.sc" --max-seconds 60 > "$tmp/feeds.out" 2> "$tmp/feeds.err" &
pids="$pids $!"
for _ in $(seq 1 100); do
    FP=$(sed -n 's/^listening port=//p' "$tmp/feeds.out" 2>/dev/null)
    [ -n "$FP" ] && break
    sleep 0.05
done
[ -n "$FP" ] || { echo "live_keys: fake feeds did not start"; exit 1; }
ctl() { p=$1 v=$2; shift 2; q=$(printf '%s&' "$@"); curl -sf "http://127.0.0.1:$p/_control/$v?${q%&}" > /dev/null; }
wait_for() { # cmd...: poll up to 20 s
    for _ in $(seq 1 400); do "$@" && return 0; sleep 0.05; done
    return 1
}
fills_seen() { # api-port min
    n=$(curl -sf -H "Authorization: Bearer $PMC_API_TOKEN" "http://127.0.0.1:$1/status" | sed -n 's/.*"fills_seen":\([0-9]*\).*/\1/p')
    [ "${n:-0}" -ge "$2" ]
}

"$bin" live --paper --trader $A --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/keys.db" --api-port 0 --ready-file "$tmp/keys.ready" \
    --set coalesce_ms=60000 --set max_bucket_fills=100 --no-mlock --quiet \
    > /dev/null 2> "$tmp/keys.err" &
lp=$!
pids="$pids $lp"
wait_for test -s "$tmp/keys.ready" || { echo "live_keys: pmcopy did not start: $(cat "$tmp/keys.err")"; exit 1; }
AP=$(sed -n 's/^api_port=//p' "$tmp/keys.ready")
wait_for sh -c "curl -sf http://127.0.0.1:$FP/_control/stats | grep -q '^rtds_subs=[1-9]'"
i=0
while [ $i -lt 70 ]; do
    i=$((i + 1))
    ctl $FP trade wallet=$A token=303 side=BUY px=0.52 sz=10 tx=$(tx $((500 + i))) log=$i rtds=0
done
check "all 70 source fills reach the core" wait_for fills_seen "$AP" 70
kill -TERM $lp
wait $lp
rc=$?
check "SIGTERM exits 0 ($(tail -1 "$tmp/keys.err"))" [ "$rc" -eq 0 ]
python3 - "$tmp/keys.db" > "$tmp/keys.txt" <<'PY'
import sqlite3, sys
for coid, keys, traders in sqlite3.connect(sys.argv[1]).execute("SELECT coid, keys, traders FROM orders"):
    print(coid, len(keys.split(",")), traders)
PY
check "one order, committed with all 70 fill keys ($(cat "$tmp/keys.txt"))" \
    sh -c "[ \$(wc -l < '$tmp/keys.txt') -eq 1 ] && awk '{ exit !(\$2 == 70) }' '$tmp/keys.txt'"
"$bin" journal --db "$tmp/keys.db" > "$tmp/keys.tape" 2>&1
check "the journaled order names 70 fills" \
    sh -c "grep ' ev=order ' '$tmp/keys.tape' | sed 's/.* keys=\\([^ ]*\\).*/\\1/' | awk -F, '{ exit !(NF == 70) }'"
check "the journal replays" sh -c "'$bin' replay --db '$tmp/keys.db' --trader $A --set coalesce_ms=60000 --set max_bucket_fills=100 > /dev/null 2>&1"
echo "live_keys: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
