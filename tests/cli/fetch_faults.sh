#!/bin/sh
# tests/cli/fetch_faults.sh - `pmcopy fetch` through the faults of
# tests/fakes/fake_api: rate limits, server errors, slow and truncated
# answers, a SIGKILL, a second run and --offline.
#
# Each check states what the fake injects and what must hold:
#  429       - two /activity answers are 429 with Retry-After: 1, --jobs 1
#              (nothing in flight when it comes). The run exits 0 with the wallet complete; no /activity request comes
#              before the Retry-After elapsed (early_after_429 = 0, the gap
#              after a 429 >= 950 ms); at most 2 requests more than a clean
#              run (no retry storm).
#  5xx       - a burst of two 503s after two good pages: exit 0, complete,
#              at most 2 requests more than a clean run.
#  5xx-stuck - every /activity answer is 503, --retries 1: the run gives up
#              (exit non-zero naming the 503, not killed by the test's
#              timeout) after at most 2 requests.
#  slow      - three answers held 1.2 s, then a latency ramp (k-th answer
#              +30 k ms): exit 0, complete.
#  truncated - three bodies cut at half their Content-Length, then the
#              connection closed: each is asked again, exit 0, complete,
#              and every cached page is whole (pmcopy import reads all).
#  kill      - `fetch tape` with every answer slowed is SIGKILLed at two
#              points, then run again: its cache (except each .meta's
#              "time") and tape are byte-identical to one uninterrupted run
#              against a fresh fake.
#  sealed    - the same command run again (windows ended long ago) asks
#              no /activity; with every market resolved it makes zero
#              requests and writes the same tape.
#  offline   - --offline on a complete cache: exit 0, zero requests; on an
#              empty cache, or with one page removed: exit 1 naming the
#              missing /activity page, zero requests.
# Usage: sh tests/cli/fetch_faults.sh path/to/pmcopy
name=fetch_faults
. "$(dirname "$0")/fetch_lib.inc"
need_fetch wallet tape
W1=$(wallet 1)
DATA="--no-v2-activity --wallets 1 --rows 1200 --markets 3 --prints 40"

# complete URL: every activity row of W1 in [S, E] was served
complete() {
    ctl "$1" "dataset?family=activity&user=$W1&start=$S&end=$E" |
        sort > "$tmp/ds"
    ctl "$1" 'served?family=activity&unique=1' | sort > "$tmp/served"
    same_lines complete "$tmp/served" "$tmp/ds"
}
run_wallet() { # URL CACHE [FLAG...]: fetch wallet W1 over the data set; $rc
    ru=$1 rc=$2
    shift 2
    fx "$ru" wallet $W1 --since $S --until $E --cache "$rc" "$@" \
        > "$tmp/run.out" 2> "$tmp/run.err"
    rc=$?
    [ $rc -eq 0 ] || cat "$tmp/run.err" >&2
}

# ---- a clean run: the baseline -----------------------------------------------
start_api clean $DATA
CL=$url
S=$(ctl $CL info | sed -n 's/^start=//p')
E=$(ctl $CL info | sed -n 's/^end=//p')
run_wallet $CL "$tmp/c0"
check clean-exit test $rc -eq 0
check clean-complete complete $CL
base=$(counter $CL req_activity)

# ---- 429 + Retry-After ---------------------------------------------------------
start_api r429 $DATA --fault 'kind=429&count=2&retry_after=1&path=/activity&after=1'
# one request in flight: none can have been sent before the 429 arrived
run_wallet $url "$tmp/c1" --jobs 1
check 429-exit test $rc -eq 0
check 429-complete complete $url
check 429-fired test "$(counter $url status_429)" -eq 2
check 429-honoured test "$(counter $url early_after_429)" -eq 0
check 429-gap test "$(counter $url gap_after_429_ms)" -ge 950
check 429-no-storm test "$(counter $url req_activity)" -le $((base + 2))

# ---- 5xx burst ---------------------------------------------------------------------
start_api r5xx $DATA --fault 'kind=5xx&count=2&after=2&path=/activity'
run_wallet $url "$tmp/c2"
check 5xx-exit test $rc -eq 0
check 5xx-complete complete $url
check 5xx-fired test "$(counter $url status_503)" -eq 2
check 5xx-no-storm test "$(counter $url req_activity)" -le $((base + 2))

start_api stuck $DATA --fault 'kind=5xx&count=100000&path=/activity'
timeout 60 "$bin" fetch wallet $W1 --since $S --until $E --cache "$tmp/c3" \
    --data-api $url --gamma-url $url --clob-url $url --progress none \
    --retries 1 > /dev/null 2> "$tmp/stuck.err"
rc=$?
check 5xx-stuck-fails test $rc -ne 0 -a $rc -ne 124
check 5xx-stuck-bounded test "$(counter $url req_activity)" -le 2
check 5xx-stuck-named grep -q 503 "$tmp/stuck.err"

# ---- slow answers, a latency ramp ------------------------------------------------
start_api slow $DATA --fault 'kind=slow&ms=1200&count=3' \
    --fault 'kind=ramp&ms=30&count=10&after=3'
run_wallet $url "$tmp/c4"
check slow-exit test $rc -eq 0
check slow-complete complete $url

# ---- truncated bodies -----------------------------------------------------------------
start_api trunc $DATA --fault 'kind=truncate&count=3&path=/activity'
run_wallet $url "$tmp/c5"
check trunc-exit test $rc -eq 0
check trunc-complete complete $url
check trunc-retried test "$(counter $url req_activity)" -ge $((base + 3))
find "$tmp/c5" -name '*.json' -path '*activity*' > "$tmp/pages"
check trunc-pages-cached test -s "$tmp/pages"
# shellcheck disable=SC2046
"$bin" import activity $(cat "$tmp/pages") > /dev/null 2> "$tmp/imp.err"
check trunc-pages-whole test $? -eq 0 || cat "$tmp/imp.err" >&2

# ---- SIGKILL mid-fetch, then a rerun ------------------------------------------------------
start_api ref $DATA
fx $url tape $W1 --since $S --until $E --cache "$tmp/kref" \
    --out "$tmp/ref.tape" > /dev/null 2> "$tmp/ref.err"
check kill-ref-exit test $? -eq 0 || cat "$tmp/ref.err" >&2
start_api kill $DATA --fault 'kind=slow&ms=300&count=100000'
K=$url
for at in 0.5 1.0; do
    # the binary itself in the background (not fx, a function: its
    # subshell would take the SIGKILL and leave the fetch running on into
    # the rerun and the comparison below)
    "$bin" fetch tape --data-api $K --gamma-url $K --clob-url $K \
        --progress none $W1 --since $S --until $E --cache "$tmp/kc" \
        --out "$tmp/k.tape" > /dev/null 2>&1 &
    kp=$!
    sleep $at
    kill -9 $kp 2> /dev/null
    wait $kp 2> /dev/null
done
check kill-was-mid test ! -s "$tmp/k.tape"
ctl $K clear > /dev/null
fx $K tape $W1 --since $S --until $E --cache "$tmp/kc" --out "$tmp/k.tape" \
    > /dev/null 2> "$tmp/k.err"
check kill-rerun-exit test $? -eq 0 || cat "$tmp/k.err" >&2
check kill-cache-identical same_cache kill "$tmp/kc" "$tmp/kref"
check kill-tape-identical cmp -s "$tmp/k.tape" "$tmp/ref.tape"

# ---- sealed windows: a second run makes no request --------------------------------------
# (an open market's prints and metadata may still change: those may be
# asked again, the wallet's windows may not)
ctl $K reset > /dev/null
fx $K tape $W1 --since $S --until $E --cache "$tmp/kc" --out "$tmp/k2.tape" \
    > /dev/null 2> "$tmp/k2.err"
check sealed-exit test $? -eq 0 || cat "$tmp/k2.err" >&2
check sealed-no-activity test "$(counter $K req_activity)" -eq 0 -a \
    "$(counter $K req_v2_activity)" -eq 0
check sealed-same-tape cmp -s "$tmp/k2.tape" "$tmp/ref.tape"
start_api sealed $DATA --open-every 0 # every market resolved
fx $url tape $W1 --since $S --until $E --cache "$tmp/ks" --out "$tmp/s1.tape" \
    > /dev/null 2> "$tmp/s1.err"
check sealed-first-exit test $? -eq 0 || cat "$tmp/s1.err" >&2
ctl $url reset > /dev/null
fx $url tape $W1 --since $S --until $E --cache "$tmp/ks" --out "$tmp/s2.tape" \
    > /dev/null 2> "$tmp/s2.err"
check sealed-second-exit test $? -eq 0 || cat "$tmp/s2.err" >&2
check sealed-no-request test "$(counter $url requests)" -eq 0
check sealed-second-same cmp -s "$tmp/s1.tape" "$tmp/s2.tape"

# ---- --offline ---------------------------------------------------------------------------
ctl $K reset > /dev/null

fx $K tape $W1 --since $S --until $E --cache "$tmp/kc" --out "$tmp/k3.tape" \
    --offline > /dev/null 2> "$tmp/o1.err"
check offline-full-exit test $? -eq 0 || cat "$tmp/o1.err" >&2
check offline-full-same cmp -s "$tmp/k3.tape" "$tmp/ref.tape"
fx $K wallet $W1 --since $S --until $E --cache "$tmp/empty" --offline \
    > /dev/null 2> "$tmp/o2.err"
check offline-empty-exit test $? -eq 1
check offline-empty-named grep -q activity "$tmp/o2.err"
# one cached activity page removed
meta=$(grep -l '"url":"/activity' $(find "$tmp/kc" -name '*.meta') | head -1)
if [ -n "$meta" ]; then
    rm -f "$meta" "${meta%.meta}.json"
    fx $K tape $W1 --since $S --until $E --cache "$tmp/kc" \
        --out "$tmp/k4.tape" --offline > /dev/null 2> "$tmp/o3.err"
    check offline-missing-exit test $? -eq 1
    check offline-missing-named grep -q activity "$tmp/o3.err"
    check offline-missing-no-tape test ! -s "$tmp/k4.tape"
else
    bad "offline-missing: no cached /activity page found to remove"
fi
check offline-no-request test "$(counter $K requests)" -eq 0

finish
