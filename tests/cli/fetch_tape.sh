#!/bin/sh
# tests/cli/fetch_tape.sh - `pmcopy fetch tape` against tests/fakes/fake_api,
# then `pmcopy backtest` on the tape and `pmcopy import` on the cache.
#
# The fake serves two wallets (one fetched) over six markets, half of them
# resolved, ticks 0.01 and 0.001, fees on for some, neg-risk for some, with
# a maker's identical fills in one transaction, on the v2 cursor route.
# What must hold:
#  rows      - every activity TRADE row served is an ev=fill src=api
#              exactly once (multiset of trader, token, side, px, sz, ts,
#              tx); every SPLIT/MERGE/REDEEM served is in the tape once;
#              every /trades row served is an ev=trade exactly once (t,
#              token, px, sz), and those are all the prints (maker rows
#              too) of the markets the wallet traded; no fill of the other
#              wallet.
#  markets   - one ev=market per token of each traded market with the tick
#              Gamma states (0.001 where it says 0.001), fees off where
#              feesEnabled is false, the question or slug; ev=resolve for
#              both tokens of each resolved traded market (payouts 1 and
#              0), none for an open one.
#  backtest  - `pmcopy backtest TAPE --trader W` exits 0 and sees every
#              fill of the tape.
#  env, ISO  - the same command with ISO-8601 times, PMC_CACHE and the
#              PMC_*_URL variables instead of flags: the same tape, no
#              /activity request (the windows are sealed in the cache);
#              --progress json writes JSON lines on stderr.
#  import    - `pmcopy import` reads the cache's raw pages (activity,
#              trades, markets) as any native JSON: the activity pages give
#              the same fills as the tape.
# Usage: sh tests/cli/fetch_tape.sh path/to/pmcopy
name=fetch_tape
. "$(dirname "$0")/fetch_lib.inc"
need_fetch tape
W1=$(wallet 1)
W2=$(wallet 2)

start_api t --wallets 2 --rows 800 --markets 6 --prints 80 --dups 6
T=$url
ctl $T info > "$tmp/info"
S=$(sed -n 's/^start=//p' "$tmp/info")
E=$(sed -n 's/^end=//p' "$tmp/info")
fx $T tape $W1 --since $S --until $E --cache "$tmp/c" --out "$tmp/w.tape" \
    > "$tmp/t.out" 2> "$tmp/t.err"
check tape-exit test $? -eq 0 || cat "$tmp/t.err" >&2
check tape-header sh -c "head -1 '$tmp/w.tape' | grep -q '^#pmcopy-tape v1'"

# ---- every served row exactly once --------------------------------------------
tape_fills "$tmp/w.tape" > "$tmp/fills"
served_fills $T > "$tmp/sfills"
check rows-fills-once same_lines fills "$tmp/fills" "$tmp/sfills"
check rows-fills-w1 test "$(grep -c "trader=$W1" "$tmp/sfills")" -gt 500
check rows-no-w2 test "$(grep -c "trader=$W2" "$tmp/fills")" -eq 0
check rows-identical test "$(uniq -d "$tmp/fills" | wc -l)" -ge 10
check rows-src-api test "$(grep ' ev=fill ' "$tmp/w.tape" | grep -vc ' src=api')" -eq 0
for k in split merge redeem; do
    want=$(ctl $T 'served?family=activity&unique=1' | grep -c "^$k ")
    got=$(grep -c " ev=$k " "$tmp/w.tape")
    check "rows-$k-once" test "$got" -eq "$want" -a "$want" -gt 0
done
tape_trades "$tmp/w.tape" > "$tmp/trades"
served_trades $T > "$tmp/strades"
check rows-trades-once same_lines trades "$tmp/trades" "$tmp/strades"
check rows-trades-makers test "$(counter $T trades_taker_only)" -eq 0
# and those are every print of the markets the wallet traded, makers too
mkts=$(sed -n 's/.* ev=market .* market=\(0x[0-9a-f]*\) .*/\1/p' "$tmp/w.tape" |
    sort -u | tr '\n' , | sed 's/,$//')
ctl $T "dataset?family=trades&market=$mkts" | sed 's/ tx=.*//' | sort \
    > "$tmp/dtrades"
check rows-trades-all same_lines all-prints "$tmp/trades" "$tmp/dtrades"

# ---- markets and resolutions ------------------------------------------------------
grep '^market ' "$tmp/info" > "$tmp/info.markets"
traded=$(sed -n 's/.* token=\([0-9]*\) .*/\1/p' "$tmp/fills" | sort -u)
mk_ok=0 mk_bad=""
res_ok=0 res_bad=""
while read -r _ id cond t0 t1 closed _ tick fees _ _; do
    t0=${t0#token0=} t1=${t1#token1=} tick=${tick#tick=}
    echo "$traded" | grep -q -e "^$t0\$" -e "^$t1\$" || continue
    for tok in $t0 $t1; do
        line=$(grep " ev=market token=$tok " "$tmp/w.tape" | head -1)
        case "$line" in
        *" tick=$tick "*) mk_ok=$((mk_ok + 1)) ;;
        *) mk_bad="$mk_bad $id:tick" ;;
        esac
        case "$fees:$line" in
        fees=0:*" fee_rate=0 "*) ;;
        fees=1:*) ;;
        *) mk_bad="$mk_bad $id:fees" ;;
        esac
        case "$line" in
        *"Fake market"* | *fake-market-*) ;;
        *) mk_bad="$mk_bad $id:name" ;;
        esac
    done
    nres=$(grep -c -e " ev=resolve token=$t0 " -e " ev=resolve token=$t1 " \
        "$tmp/w.tape")
    if [ "$closed" = closed=1 ]; then
        pay=$(grep -e " ev=resolve token=$t0 " -e " ev=resolve token=$t1 " \
            "$tmp/w.tape" | sed 's/.*payout=\([0-9.]*\).*/\1/' | sort | tr '\n' ,)
        if [ "$nres" -eq 2 ] && [ "$pay" = "0,1," ]; then
            res_ok=$((res_ok + 1))
        else
            res_bad="$res_bad $id:$nres:$pay"
        fi
    elif [ "$nres" -ne 0 ]; then
        res_bad="$res_bad $id:open-resolved"
    fi
done < "$tmp/info.markets"
check markets-records test "$mk_ok" -ge 8 -a -z "$mk_bad" ||
    echo "$name: markets:$mk_bad" >&2
check markets-resolves test "$res_ok" -ge 2 -a -z "$res_bad" ||
    echo "$name: resolves:$res_bad" >&2

# ---- backtest on the tape ---------------------------------------------------------------
"$bin" backtest "$tmp/w.tape" --trader $W1 --no-report > "$tmp/bt.out" \
    2> "$tmp/bt.err"
check backtest-exit test $? -eq 0 || cat "$tmp/bt.err" >&2
nf=$(grep -c ' ev=fill ' "$tmp/w.tape")
check backtest-sees-fills grep -q "source fills *$nf seen" "$tmp/bt.out"

# ---- import reads the cache's pages --------------------------------------------------------
pages() { # route word: cached bodies whose .meta url starts with /ROUTE
    for m in $(find "$tmp/c" -name '*.meta'); do
        grep -q "\"url\":\"/$1" "$m" && echo "${m%.meta}.json"
    done
}
pages v2/activity > "$tmp/pa"
pages activity >> "$tmp/pa"
# shellcheck disable=SC2046
"$bin" import activity $(cat "$tmp/pa") > "$tmp/imp.tape" 2> "$tmp/imp.err"
check import-activity test $? -eq 0 || cat "$tmp/imp.err" >&2
tape_fills "$tmp/imp.tape" | uniq > "$tmp/imp.fills"
uniq "$tmp/fills" > "$tmp/fills.u"
check import-activity-fills same_lines import "$tmp/imp.fills" "$tmp/fills.u"
# shellcheck disable=SC2046
"$bin" import trades $(pages v2/trades) $(pages trades) > "$tmp/imp2.tape" \
    2> "$tmp/imp2.err"
check import-trades test $? -eq 0 -a "$(grep -c ' ev=fill ' "$tmp/imp2.tape")" -gt 0 ||
    cat "$tmp/imp2.err" >&2
# shellcheck disable=SC2046
"$bin" import markets $(pages markets) > "$tmp/imp3.tape" 2> "$tmp/imp3.err"
check import-markets test $? -eq 0 -a "$(grep -c ' ev=market ' "$tmp/imp3.tape")" -gt 0 ||
    cat "$tmp/imp3.err" >&2

# ---- the same command with ISO-8601 times and the environment's URLs and
# cache: the same tape from the cache, no request for the wallet
ctl $T reset > /dev/null
isoS=$(date -u -d "@$S" +%Y-%m-%dT%H:%M:%SZ)
isoE=$(date -u -d "@$E" +%Y-%m-%dT%H:%M:%SZ)
PMC_CACHE="$tmp/c" PMC_DATA_API_URL=$T PMC_GAMMA_URL=$T PMC_CLOB_URL=$T \
    "$bin" fetch tape $W1 --since "$isoS" --until "$isoE" --out "$tmp/w2.tape" \
    --progress json > /dev/null 2> "$tmp/t2.err"
check env-iso-exit test $? -eq 0 || cat "$tmp/t2.err" >&2
check env-iso-same-tape cmp -s "$tmp/w.tape" "$tmp/w2.tape"
check env-iso-cached test "$(counter $T req_v2_activity)" -eq 0 -a \
    "$(counter $T req_activity)" -eq 0
check progress-json grep -q '^{' "$tmp/t2.err"

finish
