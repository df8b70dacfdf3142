#!/bin/sh
# tests/cli/rank_online.sh - `pmcopy rank` without a tape: candidates from
# the leaderboard, a file and arguments, their history fetched (through
# `pmcopy fetch`'s cache) from tests/fakes/fake_api.
# What must hold:
#  board     - --leaderboard --limit 6: the six wallets of the OVERALL
#              MONTH board are the candidates (K = 6), each with the P&L
#              the board served; the three with activity are backtested,
#              the three without are listed unrated ("no fill in the
#              window"), never ranked.
#  dedupe    - a wallet named as an argument, in --wallets and on the
#              board is one candidate and keeps the board's P&L.
#  same      - ranking addresses online gives the bytes of `fetch tape`
#              then `rank --tape` of the same addresses, in every format.
#  offline   - the same command again with --offline: the same bytes and
#              no request; --offline on an empty cache exits 1 naming the
#              missing page.
#  report    - --out DIR keeps the fetched history as DIR/history.tape
#              (the tape `fetch tape` writes) beside report.html, which
#              links only wallets that traded.
#  faults    - two 503s from the leaderboard are retried: the same bytes.
#  usage     - no window, --category without --leaderboard, an unknown
#              category: exit 2.
# Usage: sh tests/cli/rank_online.sh path/to/pmcopy
name=rank_online
. "$(dirname "$0")/fetch_lib.inc"
W1=$(wallet 1)
W2=$(wallet 2)
W3=$(wallet 3)

start_api r --wallets 3 --markets 30 --rows 500 --prints 40 --span 864000 \
    --open-every 0 --board 6
U=$url
ctl $U info > "$tmp/info"
S=$(sed -n 's/^start=//p' "$tmp/info")
# the markets resolve one second after the last fill: the window holds it
E=$(($(sed -n 's/^end=//p' "$tmp/info") + 2))
rk() { # URL ARGS...: pmcopy rank against the fake at URL
    ru=$1
    shift
    "$bin" rank --data-api "$ru" --gamma-url "$ru" --clob-url "$ru" \
        --progress none "$@"
}

# ---- board -----------------------------------------------------------------------
rk $U --leaderboard --limit 6 --since $S --until $E --cache "$tmp/c1" --json \
    > "$tmp/b.json" 2> "$tmp/b.err"
check board-exit test $? -eq 0 || cat "$tmp/b.err" >&2
check board-six test "$(grep -o '"wallet":' "$tmp/b.json" | wc -l)" -eq 6
check board-no-fill test "$(grep -o '"why_unrated":"no fill in the window"' \
    "$tmp/b.json" | wc -l)" -eq 3
for w in $W1 $W2 $W3; do
    obj=$(tr '\n' ' ' < "$tmp/b.json" | grep -o "{\"wallet\":\"$w\"[^{]*{[^}]*}[^{]*{[^}]*}[^{]*{[^}]*}[^}]*}")
    echo "$obj" | grep -q '"source_fills":[1-9]' || bad "board-backtested $w"
    echo "$obj" | grep -q '"why_unrated":"no fill' && bad "board-has-fills $w"
done
# the P&L each row of the board served
ctl $U 'served?family=leaderboard&unique=1' > "$tmp/served_b"
check board-served-six test "$(grep -c 'category=OVERALL period=MONTH order=PNL' "$tmp/served_b")" -eq 6
check board-period-sent test "$(counter $U leaderboard_no_period)" -eq 0
lb_ok=0
while read -r line; do
    a=$(echo "$line" | sed -n 's/.* wallet=\(0x[0-9a-f]*\).*/\1/p')
    p=$(echo "$line" | sed -n 's/.* pnl=\([-0-9.]*\).*/\1/p')
    [ -n "$a" ] && [ -n "$p" ] || continue
    got=$(tr '\n' ' ' < "$tmp/b.json" | grep -o "\"wallet\":\"$a\".*" |
        sed 's/\("why_unrated\).*//' |
        sed -n 's/.*"leaderboard_pnl_usd":\([-0-9.]*\).*/\1/p')
    if awk -v x="$got" -v y="$p" 'BEGIN { exit !(x != "" && x + 0 == y + 0) }'; then
        lb_ok=$((lb_ok + 1))
    else
        echo "$name: board pnl of $a: served $p, ranked '$got'" >&2
    fi
done < "$tmp/served_b"
check board-pnl test $lb_ok -eq 6
rk $U --leaderboard --limit 6 --since $S --until $E --cache "$tmp/c1" \
    > "$tmp/b.txt" 2> /dev/null
check board-K grep -q '^6 wallets screened (K)' "$tmp/b.txt"

# a wallet named and on the board: one candidate, with the board's P&L
printf '%s\n%s # again\n' "$W2" "$W2" > "$tmp/cands"
rk $U $W2 --wallets "$tmp/cands" --leaderboard --limit 6 --since $S --until $E \
    --cache "$tmp/c1" --csv > "$tmp/d.csv" 2> /dev/null
check dedupe-exit test $? -eq 0
check dedupe-six test "$(($(wc -l < "$tmp/d.csv") - 1))" -eq 6
check dedupe-once test "$(grep -c "$W2" "$tmp/d.csv")" -eq 1
check dedupe-lb-pnl sh -c "grep '$W2' '$tmp/d.csv' | grep -q ',214285.714286,'"

# ---- same as fetch tape + rank --tape ---------------------------------------------
fx $U tape $W1 $W2 $W3 --since $S --until $E --cache "$tmp/c2" \
    --out "$tmp/w.tape" 2> /dev/null
check same-fetch test $? -eq 0
for f in --json --csv ""; do
    rk $U $W1 $W2 $W3 --since $S --until $E --cache "$tmp/c2" $f \
        > "$tmp/on" 2> "$tmp/on.err"
    r1=$?
    "$bin" rank --tape "$tmp/w.tape" $W1 $W2 $W3 --since $S --until $E $f \
        > "$tmp/off" 2> /dev/null
    check "same${f:-table}" sh -c "[ $r1 -eq 0 ] && cmp -s '$tmp/on' '$tmp/off'"
done
check same-rated grep -q '^ *1  0x' "$tmp/on"

# ---- offline -----------------------------------------------------------------------
before=$(counter $U requests)
rk $U --leaderboard --limit 6 --since $S --until $E --cache "$tmp/c1" --json \
    --offline > "$tmp/o.json" 2> /dev/null
check offline-exit test $? -eq 0
check offline-same cmp -s "$tmp/b.json" "$tmp/o.json"
check offline-no-request test "$(counter $U requests)" -eq "$before"
rk $U $W1 --since $S --until $E --cache "$tmp/empty" --offline \
    > /dev/null 2> "$tmp/oe.err"
check offline-miss test $? -eq 1
check offline-miss-named grep -q 'offline' "$tmp/oe.err"

# ---- report ------------------------------------------------------------------------
rk $U --leaderboard --limit 6 --since $S --until $E --cache "$tmp/c1" \
    --out "$tmp/rep" --report-top 6 > "$tmp/rep.out" 2> /dev/null
check report-exit test $? -eq 0
check report-html test -s "$tmp/rep/report.html"
check report-history cmp -s "$tmp/rep/history.tape" "$tmp/w.tape"
check report-links test "$(ls "$tmp/rep/wallets" | wc -l)" -eq 3
for w in $W1 $W2 $W3; do
    check "report-$w" test -s "$tmp/rep/wallets/$w/report.html"
done

# ---- faults ------------------------------------------------------------------------
ctl $U 'fault?kind=5xx&status=503&path=/v1/leaderboard&count=2' > /dev/null
rk $U --leaderboard --limit 6 --since $S --until $E --cache "$tmp/c3" --json \
    > "$tmp/f.json" 2> "$tmp/f.err"
check faults-exit test $? -eq 0
check faults-same cmp -s "$tmp/b.json" "$tmp/f.json"
check faults-retried grep -q ' [1-9][0-9]* retries' "$tmp/f.err"

# ---- usage -------------------------------------------------------------------------
rk $U $W1 --cache "$tmp/c1" > /dev/null 2> "$tmp/u.err"
check usage-window sh -c "[ $? -eq 2 ] && grep -q 'give --since T and --until T' '$tmp/u.err'"
rk $U $W1 --since $S --until $E --category SPORTS --cache "$tmp/c1" \
    > /dev/null 2> "$tmp/u.err"
check usage-category sh -c "[ $? -eq 2 ] && grep -q 'need --leaderboard' '$tmp/u.err'"
rk $U --leaderboard --category NOPE --since $S --until $E --cache "$tmp/c1" \
    > /dev/null 2> "$tmp/u.err"
check usage-unknown-category sh -c "[ $? -eq 2 ] && grep -q \"unknown category 'NOPE'\" '$tmp/u.err'"
rk $U --since $S --until $E --cache "$tmp/c1" > /dev/null 2> "$tmp/u.err"
check usage-no-candidate sh -c "[ $? -eq 2 ] && grep -q 'no candidate' '$tmp/u.err'"
finish
