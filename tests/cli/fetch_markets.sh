#!/bin/sh
# tests/cli/fetch_markets.sh - `pmcopy fetch prints|markets|leaderboard|
# prices` against tests/fakes/fake_api.
#
# Each check states what the fake injects and what must hold:
#  prints      - /trades drops maker fills unless takerOnly=false: every
#                request of `fetch prints` sends takerOnly=false and every
#                print of the two markets (maker and taker rows) is served.
#                The same against a server without /v2/trades (legacy
#                offset route, takerOnly=false).
#  prints-cap  - a market with more prints (1500+) than the offset cap
#                (1000) and one page reach: by the v2 cursor every print is
#                served (exit 0); on the legacy route alone the run exits
#                non-zero naming the cap (never a silent truncation).
#  closed      - Gamma hides resolved markets when closed= is absent: no
#                request goes without closed=, and both the resolved and the
#                open market asked for are served.
#  414         - Gamma answers 414 to a request line over 4096 bytes; 30
#                markets asked by their 60 token ids (77 digits each, more
#                than 4096 bytes for 50 ids): the run exits 0 and serves
#                every one of the 30 markets; again when the server's limit
#                is 1024 bytes (about 10 ids a request).
#  leaderboard - limit 1..50 and offset 0..1000 else 400, period DAY when
#                absent: `--category politics --period week --order-by vol
#                --limit 120` sends timePeriod on every request, gets no 400
#                and is served ranks 1..120 of that board exactly once; a
#                run with no flags also sends timePeriod.
#  prices      - /prices-history needs startTs and endTs: a token's history
#                is asked with them and served.
# Usage: sh tests/cli/fetch_markets.sh path/to/pmcopy
name=fetch_markets
. "$(dirname "$0")/fetch_lib.inc"
need_fetch prints markets leaderboard prices

start_api m --markets 40 --wallets 1 --rows 50 --prints 60
M=$url
ctl $M info > "$tmp/info"
S=$(sed -n 's/^start=//p' "$tmp/info")
E=$(sed -n 's/^end=//p' "$tmp/info")
field() { # N-th market line's key
    awk -v n="$1" -v k="$2" '/^market/ && ++i == n {
        for (j = 2; j <= NF; j++) if (index($j, k "=") == 1) print substr($j, length(k) + 2)
    }' "$tmp/info"
}
C1=$(field 1 condition) # closed (resolved)
C2=$(field 2 condition) # open

# ---- prints: takerOnly=false ----------------------------------------------------
fx $M prints --condition $C1 --condition $C2 --since $S --until $E \
    --cache "$tmp/c" > "$tmp/p.out" 2> "$tmp/p.err"
check prints-exit test $? -eq 0 || cat "$tmp/p.err" >&2
check prints-asked test $(($(counter $M req_trades) + \
    $(counter $M req_v2_trades))) -ge 2
check prints-taker-false test "$(counter $M trades_taker_only)" -eq 0
{
    ctl $M "dataset?family=trades&market=$C1"
    ctl $M "dataset?family=trades&market=$C2"
} | sort > "$tmp/p.ds"
ctl $M 'served?family=trades&unique=1' | sort > "$tmp/p.served"
check prints-all same_lines prints "$tmp/p.served" "$tmp/p.ds"

# the same on the legacy route only (/v2/trades 404)
start_api leg --no-v2 --markets 40 --wallets 1 --rows 50 --prints 60
L=$url
fx $L prints --condition $C1 --condition $C2 --since $S --until $E \
    --cache "$tmp/cleg" > "$tmp/pl.out" 2> "$tmp/pl.err"
check legacy-prints-exit test $? -eq 0 || cat "$tmp/pl.err" >&2
check legacy-prints-asked test "$(counter $L req_trades)" -ge 2
check legacy-taker-false test "$(counter $L trades_taker_only)" -eq 0
ctl $L 'served?family=trades&unique=1' | sort > "$tmp/pl.served"
check legacy-prints-all same_lines legacy-prints "$tmp/pl.served" "$tmp/p.ds"

# ---- prints past the offset cap: all of them by cursor; on the legacy route
# an error naming the cap, never a silent truncation
for v in v2 legacy; do
    if [ $v = v2 ]; then
        start_api big --markets 2 --wallets 1 --rows 20 --prints 600 \
            --offset-cap 1000
    else
        start_api bigl --no-v2 --markets 2 --wallets 1 --rows 20 \
            --prints 600 --offset-cap 1000
    fi
    BG=$url
    CB=$(ctl $BG info | awk '/^market/ { sub("condition=", "", $3); print $3; exit }')
    fx $BG prints --condition $CB --since $S --until $E --cache "$tmp/cb$v" \
        > "$tmp/b.out" 2> "$tmp/b.err"
    rc=$?
    want=$(ctl $BG "dataset?family=trades&market=$CB" | wc -l)
    got=$(ctl $BG 'served?family=trades&unique=1' | wc -l)
    check prints-cap-data-$v test "$want" -gt 1500
    if [ $v = v2 ]; then
        check prints-cap-all-v2 test $rc -eq 0 -a "$got" -eq "$want" ||
            cat "$tmp/b.err" >&2
    else
        check prints-cap-fails-legacy test $rc -ne 0 -a $rc -ne 2
        check prints-cap-named-legacy grep -qi -e overflow -e cap \
            "$tmp/b.err"
    fi
done

# ---- Gamma: the closed= trap -----------------------------------------------------
ctl $M reset > /dev/null
fx $M markets --condition $C1 --condition $C2 --cache "$tmp/cm" \
    > "$tmp/m.out" 2> "$tmp/m.err"
check markets-exit test $? -eq 0 || cat "$tmp/m.err" >&2
check markets-closed-sent test "$(counter $M markets_no_closed)" -eq 0
ctl $M 'served?family=markets&unique=1' > "$tmp/m.served"
check markets-resolved-found grep -q "market=$C1 closed=1" "$tmp/m.served"
check markets-open-found grep -q "market=$C2 closed=0" "$tmp/m.served"

# ---- Gamma: 414 on long URLs ------------------------------------------------------
ctl $M reset > /dev/null
set --
for i in $(seq 3 32); do
    set -- "$@" --token "$(field $i token0)" --token "$(field $i token1)"
done
fx $M markets "$@" --cache "$tmp/c414" > "$tmp/t.out" 2> "$tmp/t.err"
check 414-exit test $? -eq 0 || cat "$tmp/t.err" >&2
for i in $(seq 3 32); do field $i id; done | sort > "$tmp/t.want"
ctl $M 'served?family=markets&unique=1' | sed 's/^market id=\([0-9]*\) .*/\1/' |
    sort > "$tmp/t.got"
check 414-all-markets same_lines markets "$tmp/t.got" "$tmp/t.want"
check 414-closed-sent test "$(counter $M markets_no_closed)" -eq 0
# a server with a 1024-byte request line: about 10 ids a request
ctl $M 'set?max_line=1024' > /dev/null
ctl $M reset > /dev/null
fx $M markets "$@" --cache "$tmp/c1024" > "$tmp/t2.out" 2> "$tmp/t2.err"
check 1024-exit test $? -eq 0 || cat "$tmp/t2.err" >&2
ctl $M 'served?family=markets&unique=1' | sed 's/^market id=\([0-9]*\) .*/\1/' |
    sort > "$tmp/t2.got"
check 1024-all-markets same_lines markets-1024 "$tmp/t2.got" "$tmp/t.want"
ctl $M 'set?max_line=4096' > /dev/null

# ---- leaderboard -------------------------------------------------------------------
ctl $M reset > /dev/null
fx $M leaderboard --category politics --period week --order-by vol \
    --limit 120 --cache "$tmp/cl" > "$tmp/l.out" 2> "$tmp/l.err"
check board-exit test $? -eq 0 || cat "$tmp/l.err" >&2
check board-period-sent test "$(counter $M leaderboard_no_period)" -eq 0
check board-no-400 test -z "$(counter $M status_400)"
ctl $M 'served?family=leaderboard&unique=1' > "$tmp/l.served"
check board-120 test "$(grep -c 'category=POLITICS period=WEEK order=VOL' \
    "$tmp/l.served")" -eq 120
check board-only-asked test "$(wc -l < "$tmp/l.served")" -eq 120
check board-ranks sh -c "sed 's/.* rank=\([0-9]*\) .*/\1/' '$tmp/l.served' |
    sort -n | uniq | awk 'NR != \$1 { exit 1 } END { exit NR != 120 }'"
ctl $M reset > /dev/null
fx $M leaderboard --cache "$tmp/c2" > /dev/null 2> "$tmp/l2.err"
check board-default-exit test $? -eq 0 || cat "$tmp/l2.err" >&2
check board-default-period test "$(counter $M leaderboard_no_period)" -eq 0
check board-default-asked test "$(counter $M req_leaderboard)" -ge 1

# ---- prices-history -------------------------------------------------------------------
ctl $M reset > /dev/null
T1=$(field 1 token0)
fx $M prices $T1 --since $S --until $E --cache "$tmp/ch" > "$tmp/h.out" \
    2> "$tmp/h.err"
check prices-exit test $? -eq 0 || cat "$tmp/h.err" >&2
check prices-no-400 test -z "$(counter $M status_400)"
check prices-served test "$(counter $M rows_prices)" -gt 0

finish
