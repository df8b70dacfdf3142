#!/bin/sh
# tests/cli/fetch_wallet.sh - `pmcopy fetch wallet` and `fetch tape` page a
# wallet's /activity against tests/fakes/fake_api without losing, inventing
# or merging a row.
#
# Each check states what the fake injects and what must hold:
#  halving   - legacy /activity only (/v2/activity 404; /v2/trades serves
#              the prints), an offset cap of 1000 and 3000 rows per
#              wallet: more rows than one window reaches. The run
#              exits 0 after several windows, every row of the wallet in
#              [since, until] is served, and the tape holds each served
#              TRADE row exactly once (a multiset: identical fills of one
#              transaction count as many times as they were served) and
#              each SPLIT/MERGE/REDEEM once.
#  from-cache - `fetch markets --from-cache` on that cache asks Gamma for
#              every market of the wallet's activity (and no other).
#  identical - that data set has transactions with 2-4 identical maker
#              fills; the tape keeps all of them.
#  overflow  - 1600 rows of one wallet in one second, cap 1000 + limit 500:
#              the one-second window cannot be paged. The run exits
#              non-zero and stderr says overflow and names the second
#              (epoch or ISO-8601); a run without that second exits 0.
#  deep      - 1200 rows in one second (more than the cap, fewer than the
#              cap + one page): the run halves down to that second, pages
#              it to the end, exits 0 and every row is served.
#  v2        - the v2 cursor route offered: fetch pages it (cursor, no
#              offset, never the legacy route), serves the whole wallet
#              including the 1600-row second (cursors have no cap) and
#              exits 0.
#  max-rows  - the v2 fake's wallet (more than 3000 rows) fetched with
#              --max-rows 1000: the run stops after the page that passes
#              1000 rows, exits 1 naming --max-rows, writes no --out tape
#              and sends fewer requests than the whole wallet needs; the
#              same cap fails from a warm cache (--offline) too; a cap
#              above the wallet's rows exits 0.
# Usage: sh tests/cli/fetch_wallet.sh path/to/pmcopy
name=fetch_wallet
. "$(dirname "$0")/fetch_lib.inc"
need_fetch wallet tape
W1=$(wallet 1)

# ---- halving at the offset cap, legacy route -----------------------------------
start_api h --no-v2-activity --wallets 1 --rows 3000 --markets 4 --prints 20 --dups 7 \
    --offset-cap 1000
H=$url
S=$(ctl $H info | sed -n 's/^start=//p')
E=$(ctl $H info | sed -n 's/^end=//p')
fx $H wallet $W1 --since $S --until $E --cache "$tmp/ch" \
    > "$tmp/h.out" 2> "$tmp/h.err"
check halving-exit test $? -eq 0 || cat "$tmp/h.err" >&2
check halving-windows test "$(counter $H req_activity)" -gt 7
check halving-v2-tried test "$(counter $H req_v2_activity)" -ge 1
ctl $H "dataset?family=activity&user=$W1&start=$S&end=$E" | sort > "$tmp/h.ds"
ctl $H 'served?family=activity&unique=1' | sort > "$tmp/h.served"
check halving-all-served same_lines served "$tmp/h.served" "$tmp/h.ds"

# the markets of the cached activity: every market the wallet touched
fx $H markets --from-cache --cache "$tmp/ch" > "$tmp/hm.out" 2> "$tmp/hm.err"
check from-cache-exit test $? -eq 0 || cat "$tmp/hm.err" >&2
ctl $H 'served?family=markets&unique=1' | sed 's/.* market=\(0x[0-9a-f]*\) .*/\1/' |
    sort > "$tmp/hm.got"
ctl $H info | awk '/^market/ { sub("condition=", "", $3); print $3 }' |
    while read -r c; do
        grep -q "$c" "$tmp/h.served" && echo "$c"
    done | sort > "$tmp/hm.want"
check from-cache-markets same_lines from-cache "$tmp/hm.got" "$tmp/hm.want"

# the tape from the same cache: no new activity request, rows exactly once
r0=$(counter $H req_activity)
fx $H tape $W1 --since $S --until $E --cache "$tmp/ch" --out "$tmp/h.tape" \
    > "$tmp/ht.out" 2> "$tmp/ht.err"
check tape-exit test $? -eq 0 || cat "$tmp/ht.err" >&2
check tape-cached test "$(counter $H req_activity)" -eq "$r0"
tape_fills "$tmp/h.tape" > "$tmp/h.fills"
grep '^fill ' "$tmp/h.served" > "$tmp/h.sfills"
check tape-fills-once same_lines fills "$tmp/h.fills" "$tmp/h.sfills"
for k in split merge redeem; do
    want=$(grep -c "^$k " "$tmp/h.served")
    got=$(grep -c " ev=$k " "$tmp/h.tape")
    check "tape-$k-once" test "$got" -eq "$want" -a "$want" -gt 0
done

# ---- identical fills in one transaction are all kept ----------------------------
dup=$(uniq -d "$tmp/h.sfills" | wc -l)
tdup=$(uniq -d "$tmp/h.fills" | wc -l)
check identical-in-data test "$dup" -ge 10
check identical-kept test "$tdup" -eq "$dup"

# ---- a one-second window that overflows ------------------------------------------
start_api o --no-v2-activity --wallets 1 --rows 200 --markets 3 --prints 5 \
    --burst 1600 --offset-cap 1000
O=$url
S=$(ctl $O info | sed -n 's/^start=//p')
E=$(ctl $O info | sed -n 's/^end=//p')
BT=$((S + (E - S + 1) / 2)) # the fake's default --burst-at
fx $O wallet $W1 --since $S --until $E --cache "$tmp/co" \
    > "$tmp/o.out" 2> "$tmp/o.err"
rc=$?
check overflow-exit test "$rc" -ne 0 -a "$rc" -ne 2
iso=$(date -u -d "@$BT" +%Y-%m-%dT%H:%M:%S)
check overflow-named sh -c "grep -qi overflow '$tmp/o.err' &&
    grep -q -e '$BT' -e '$iso' '$tmp/o.err'" || cat "$tmp/o.err" >&2
fx $O wallet $W1 --since $S --until $((BT - 1)) --cache "$tmp/co2" \
    > /dev/null 2> "$tmp/o2.err"
check overflow-outside-ok test $? -eq 0 || cat "$tmp/o2.err" >&2

# ---- 1200 rows in one second, under the cap + one page: halved down to the
# second, then paged to the end of it
start_api d --no-v2-activity --wallets 1 --rows 200 --markets 3 --prints 5 \
    --burst 1200 --offset-cap 1000
D=$url
fx $D wallet $W1 --since $S --until $E --cache "$tmp/cd" \
    > "$tmp/d.out" 2> "$tmp/d.err"
check deep-exit test $? -eq 0 || cat "$tmp/d.err" >&2
ctl $D "dataset?family=activity&user=$W1&start=$S&end=$E" | sort > "$tmp/d.ds"
ctl $D 'served?family=activity&unique=1' | sort > "$tmp/d.served"
check deep-all-served same_lines deep "$tmp/d.served" "$tmp/d.ds"
n=$(ctl $D "dataset?family=activity&user=$W1&start=$BT&end=$BT" | wc -l)
check deep-burst-second test "$n" -gt 1000

# ---- the v2 cursor route ------------------------------------------------------------
start_api v --wallets 1 --rows 1500 --markets 3 --prints 5 --burst 1600 \
    --offset-cap 1000
V=$url
fx $V wallet $W1 --since $S --until $E --cache "$tmp/cv" \
    > "$tmp/v.out" 2> "$tmp/v.err"
check v2-exit test $? -eq 0 || cat "$tmp/v.err" >&2
check v2-paged test "$(counter $V req_v2_activity)" -gt 6
check v2-no-legacy test "$(counter $V req_activity)" -eq 0
check v2-no-400 test -z "$(counter $V status_400)"
ctl $V "dataset?family=activity&user=$W1&start=$S&end=$E" | sort > "$tmp/v.ds"
ctl $V 'served?family=activity&unique=1' | sort > "$tmp/v.served"
check v2-all-served same_lines v2-served "$tmp/v.served" "$tmp/v.ds"

# ---- --max-rows: a run holds a bounded number of rows ------------------------------
nv=$(wc -l < "$tmp/v.ds")
r0=$(counter $V requests)
fx $V wallet $W1 --since $S --until $E --cache "$tmp/cm" --max-rows 1000 \
    --out "$tmp/m.tape" > "$tmp/m.out" 2> "$tmp/m.err"
check max-rows-exit test $? -eq 1
check max-rows-named grep -q -- "more than 1000 rows.*--max-rows 1000" "$tmp/m.err"
check max-rows-no-tape test ! -e "$tmp/m.tape"
r1=$(counter $V requests)
check max-rows-stops-early test $((r1 - r0)) -le 4
fx $V wallet $W1 --since $S --until $E --cache "$tmp/cv" --max-rows 1000 \
    --offline > "$tmp/mo.out" 2> "$tmp/mo.err"
check max-rows-offline-exit test $? -eq 1
check max-rows-offline-named grep -q -- "--max-rows 1000" "$tmp/mo.err"
fx $V wallet $W1 --since $S --until $E --cache "$tmp/cv" \
    --max-rows $((nv + 10)) --offline > "$tmp/mp.out" 2> "$tmp/mp.err"
check max-rows-above-exit test $? -eq 0 || cat "$tmp/mp.err" >&2

finish
