#!/bin/sh
# tests/cli/fetch_fake.sh - the fake Polymarket history APIs
# (tests/fakes/fake_api) hold the traps `pmcopy fetch` is tested against, so
# a fetch test that passes means fetch handled them. Driven with curl.
#
# Each check states what is asked and what must hold:
#  determinism - two fakes with one seed list the same data set, another
#                seed a different one.
#  order       - /activity without sortDirection is newest first; ASC is
#                oldest first; start/end are inclusive seconds.
#  cap         - offset = cap answers, offset = cap + 1 is a 400; limit past
#                its maximum is a 400.
#  burst       - --burst puts more rows than the cap in one second.
#  identical   - the data set has transactions with identical fills.
#  v2          - /v2/activity pages by cursor to exactly the data set; an
#                offset parameter is a 400; --no-v2 makes it (and
#                /v2/trades) a 404, --no-v2-activity only /v2/activity.
#  takerOnly   - /trades without takerOnly=false drops the maker fills;
#                user= lists a followed wallet's fills, nothing for others.
#  gamma       - without closed= resolved markets are hidden; closed=true
#                shows them; 50 repeated clob_token_ids is a 414, 20 is not.
#  board       - the leaderboard's period defaults to DAY; limit 1..50 and
#                offset 0..1000, else 400; unknown category 400.
#  prices      - /prices-history needs startTs+endTs (or interval).
#  faults      - 429 carries Retry-After; a 5xx burst of 2 then 200; a
#                truncated body is short of its Content-Length; slow waits;
#                a ramp holds the k-th answer k times longer; drop closes.
#  served      - every distinct row served is listed once with unique=1,
#                and paging a wallet's rows serves exactly its data set.
#  keepalive   - two requests on one curl use one connection.
# Usage: sh tests/cli/fetch_fake.sh path/to/pmcopy
name=fetch_fake
. "$(dirname "$0")/fetch_lib.inc"
command -v curl > /dev/null || {
    echo "$name: curl is needed"
    exit 1
}
W1=$(wallet 1)
code() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
rows_in() { grep -o '"proxy[Ww_]*allet"' | wc -l; }

# ---- determinism -------------------------------------------------------------
start_api a --seed 7 --rows 300 --prints 50 --burst 45 --offset-cap 30 \
    --limit-max 10
A=$url
start_api b --seed 7 --rows 300 --prints 50 --burst 45 --offset-cap 30 \
    --limit-max 10
B=$url
start_api c --seed 8 --rows 300 --prints 50
C=$url
ctl $A 'dataset?family=activity' > "$tmp/a.ds"
ctl $A 'dataset?family=trades' >> "$tmp/a.ds"
ctl $B 'dataset?family=activity' > "$tmp/b.ds"
ctl $B 'dataset?family=trades' >> "$tmp/b.ds"
ctl $C 'dataset?family=activity' > "$tmp/c.ds"
check determinism-same cmp -s "$tmp/a.ds" "$tmp/b.ds"
check determinism-seed test "$(cmp -s "$tmp/a.ds" "$tmp/c.ds"; echo $?)" = 1
check determinism-rows test "$(grep -c '^fill ' "$tmp/a.ds")" -gt 300

# ---- order and time window ---------------------------------------------------
info=$(ctl $A info)
S0=$(echo "$info" | sed -n 's/^start=//p')
ts_list() { grep -o '"timestamp":[0-9]*' | sed 's/.*://'; }
curl -sf "$A/activity?user=$W1&limit=10" | ts_list > "$tmp/desc"
curl -sf "$A/activity?user=$W1&limit=10&sortDirection=ASC" | ts_list \
    > "$tmp/asc"
check order-desc sh -c "sort -rn '$tmp/desc' | cmp -s - '$tmp/desc'"
check order-asc sh -c "sort -n '$tmp/asc' | cmp -s - '$tmp/asc'"
check order-differ test "$(head -1 "$tmp/asc")" -lt "$(head -1 "$tmp/desc")"
T1=$(head -1 "$tmp/asc")
n=$(curl -sf "$A/activity?user=$W1&limit=10&start=$T1&end=$T1" | rows_in)
check window-inclusive test "$n" -ge 1
n=$(curl -sf "$A/activity?user=$W1&limit=10&start=$S0&end=$((T1 - 1))" |
    rows_in)
check window-before test "$n" -eq 0

# ---- offset cap, limit -------------------------------------------------------
check cap-at test "$(code "$A/activity?user=$W1&limit=10&offset=30")" = 200
check cap-past test "$(code "$A/activity?user=$W1&limit=10&offset=31")" = 400
check limit-past test "$(code "$A/activity?user=$W1&limit=11")" = 400
check limit-neg test "$(code "$A/activity?user=$W1&limit=-1")" = 400
check no-user test "$(code "$A/activity?limit=5")" = 400

# ---- a burst: more rows in one second than the cap reaches -------------------
BT=$(($(echo "$info" | sed -n 's/^end=//p') - S0 + 1))
BT=$((S0 + BT / 2))
n=$(ctl $A "dataset?family=activity&user=$W1&start=$BT&end=$BT" | wc -l)
check burst-rows test "$n" -gt 40
n=$(curl -sf "$A/activity?user=$W1&limit=10&offset=30&start=$BT&end=$BT&sortDirection=ASC" |
    rows_in)
check burst-full-at-cap test "$n" -eq 10

# ---- identical fills in one transaction ---------------------------------------
n=$(grep '^fill ' "$tmp/a.ds" | grep -c "trader=$W1")
d=$(grep '^fill ' "$tmp/a.ds" | grep "trader=$W1" | sort | uniq -d | wc -l)
check identical test "$d" -ge 3 -a "$n" -gt 0

# ---- v2 cursor paging --------------------------------------------------------
check v2-offset test "$(code "$A/v2/activity?user=$W1&limit=10&offset=0")" = 400
cur="" pages=0 got=0
while :; do
    curl -sf "$C/v2/activity?user=$W1&limit=100${cur:+&cursor=$cur}" \
        > "$tmp/v2page" || break
    got=$((got + $(rows_in < "$tmp/v2page")))
    pages=$((pages + 1))
    cur=$(sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p' "$tmp/v2page")
    [ -n "$cur" ] || break
    [ "$pages" -lt 1000 ] || break
done
want=$(ctl $C "dataset?family=activity&user=$W1" | wc -l)
check v2-all test "$got" -eq "$want" -a "$pages" -gt 1
check v2-envelope grep -q '"has_more":false,"next_cursor":null' "$tmp/v2page"
check v2-snake grep -q '"proxy_wallet"' "$tmp/v2page"
start_api nov2 --no-v2 --rows 10 --prints 2
check v2-off test "$(code "$url/v2/activity?user=$W1")" = 404
check v2-off-legacy test "$(code "$url/activity?user=$W1")" = 200
check v2-off-trades test "$(code "$url/v2/trades?user=$W1")" = 404
start_api nov2a --no-v2-activity --rows 10 --prints 2
check v2-act-off test "$(code "$url/v2/activity?user=$W1")" = 404
check v2-act-off-trades test "$(code "$url/v2/trades?user=$W1")" = 200

# ---- /trades takerOnly -------------------------------------------------------
M0=$(echo "$info" | awk '/^market/ {sub("condition=", "", $3); print $3; exit}')
t1=$(curl -sf "$A/trades?market=$M0&limit=10000" | rows_in)
t2=$(curl -sf "$A/trades?market=$M0&limit=10000&takerOnly=false" | rows_in)
t3=$(ctl $A "dataset?family=trades&market=$M0" | wc -l)
check takeronly-drops test "$t1" -lt "$t2"
check takeronly-false-all test "$t2" -eq "$t3"
check takeronly-counted test "$(counter $A trades_taker_only)" -eq 1
n=$(curl -sf "$A/trades?user=$W1&takerOnly=false&limit=10000" | rows_in)
check trades-user test "$n" -gt 0
n=$(curl -sf "$A/trades?user=0x$(printf '%040x' $((0xb0000)))&limit=5" | rows_in)
check trades-user-unknown test "$n" -eq 0

# ---- Gamma /markets ----------------------------------------------------------
closed_c=$(echo "$info" | awk '/^market/ && /closed=1/ {sub("condition=", "", $3); print $3; exit}')
open_c=$(echo "$info" | awk '/^market/ && /closed=0/ {sub("condition=", "", $3); print $3; exit}')
q="condition_ids=$closed_c,$open_c"
check gamma-default-hides test "$(curl -sf "$A/markets?$q" | grep -o '"conditionId"' | wc -l)" -eq 1
check gamma-default-open sh -c "curl -sf '$A/markets?$q' | grep -q '$open_c'"
check gamma-closed-true sh -c "curl -sf '$A/markets?$q&closed=true' | grep -q '\"closed\":true'"
check gamma-counted test "$(counter $A markets_no_closed)" -eq 2
toks=$(echo "$info" | awk '/^market/ {sub("token0=", "", $4); print $4}')
q20="" q50=""
i=0
for t in $toks $toks $toks $toks $toks $toks $toks $toks $toks; do
    i=$((i + 1))
    [ $i -le 20 ] && q20="$q20&clob_token_ids=$t"
    [ $i -le 50 ] && q50="$q50&clob_token_ids=$t"
done
check gamma-414 test "$(code "$A/markets?closed=false$q50")" = 414
check gamma-20 test "$(code "$A/markets?closed=false$q20")" = 200
check gamma-414-counted test "$(counter $A status_414)" -eq 1

# ---- leaderboard -------------------------------------------------------------
curl -sf "$A/v1/leaderboard?limit=5" > "$tmp/b0"
curl -sf "$A/v1/leaderboard?limit=5&timePeriod=DAY" > "$tmp/b1"
curl -sf "$A/v1/leaderboard?limit=5&timePeriod=ALL" > "$tmp/b2"
check board-day-default cmp -s "$tmp/b0" "$tmp/b1"
check board-all-differs test "$(cmp -s "$tmp/b0" "$tmp/b2"; echo $?)" = 1
check board-limit0 test "$(code "$A/v1/leaderboard?limit=0&timePeriod=DAY")" = 400
check board-limit51 test "$(code "$A/v1/leaderboard?limit=51&timePeriod=DAY")" = 400
check board-offset test "$(code "$A/v1/leaderboard?offset=1001&timePeriod=DAY")" = 400
check board-offset-max test "$(code "$A/v1/leaderboard?offset=1000&timePeriod=DAY")" = 200
check board-category test "$(code "$A/v1/leaderboard?category=NOPE&timePeriod=DAY")" = 400
check board-counted test "$(counter $A leaderboard_no_period)" -eq 1

# ---- /prices-history ---------------------------------------------------------
T0=$(echo "$toks" | head -1)
check prices-need-ts test "$(code "$A/prices-history?market=$T0")" = 400
check prices-history sh -c "curl -sf '$A/prices-history?market=$T0&startTs=0&endTs=9999999999&fidelity=60' | grep -q '\"history\":\[{\"t\":'"

# ---- faults ------------------------------------------------------------------
ctl $B 'fault?kind=429&count=1&retry_after=2&path=/activity' > /dev/null
curl -s -D "$tmp/h429" -o /dev/null "$B/activity?user=$W1&limit=1"
check fault-429 grep -q '^HTTP/1.1 429' "$tmp/h429"
check fault-retry-after grep -qi '^Retry-After: 2' "$tmp/h429"
curl -sf -o /dev/null "$B/activity?user=$W1&limit=1"
check fault-early-counted test "$(counter $B early_after_429)" -eq 1
ctl $B 'fault?kind=5xx&count=2&path=/trades' > /dev/null
c1=$(code "$B/trades?market=$M0") c2=$(code "$B/trades?market=$M0")
c3=$(code "$B/trades?market=$M0")
check fault-5xx test "$c1$c2$c3" = 503503200
ctl $B 'fault?kind=truncate&count=1&path=/activity' > /dev/null
curl -s -o /dev/null "$B/activity?user=$W1&limit=5"
check fault-truncated test $? -eq 18 # curl: partial file
ctl $B 'fault?kind=slow&ms=400&count=1' > /dev/null
t=$(curl -s -o /dev/null -w '%{time_total}' "$B/activity?user=$W1&limit=1")
check fault-slow awk "BEGIN { exit !($t >= 0.4) }"
ctl $B 'fault?kind=ramp&ms=200&count=2&path=/v1/' > /dev/null
t1=$(curl -s -o /dev/null -w '%{time_total}' "$B/v1/leaderboard?timePeriod=DAY")
t2=$(curl -s -o /dev/null -w '%{time_total}' "$B/v1/leaderboard?timePeriod=DAY")
t3=$(curl -s -o /dev/null -w '%{time_total}' "$B/v1/leaderboard?timePeriod=DAY")
check fault-ramp awk "BEGIN { exit !($t1 >= 0.2 && $t2 >= 0.4 && $t3 < $t2) }"
ctl $B 'fault?kind=drop&count=1' > /dev/null
curl -s -o /dev/null "$B/v1/leaderboard?timePeriod=DAY"
check fault-drop test $? -eq 52 # curl: empty reply
check fault-bad-kind test "$(code "$B/_control/fault?kind=nope")" = 400

# ---- served rows -------------------------------------------------------------
ctl $C reset > /dev/null
off=0
while [ $off -le 10000 ]; do
    curl -sf "$C/activity?user=$W1&limit=500&offset=$off&sortDirection=ASC" \
        > "$tmp/page" || break
    [ "$(rows_in < "$tmp/page")" -gt 0 ] || break
    off=$((off + 500))
done
# the first page once more: a repeat is served twice but listed once
curl -sf -o /dev/null "$C/activity?user=$W1&limit=500&sortDirection=ASC"
ctl $C 'served?family=activity&unique=1' | sort > "$tmp/served"
ctl $C "dataset?family=activity&user=$W1" | sort > "$tmp/ds"
check served-unique same_lines served "$tmp/served" "$tmp/ds"
all=$(ctl $C 'served?family=activity' | wc -l)
check served-repeats test "$all" -gt "$(wc -l < "$tmp/ds")"
check served-count test "$(counter $C rows_activity)" -eq "$all"

# ---- keep-alive --------------------------------------------------------------
c0=$(counter $C connections)
curl -sf -o /dev/null -o /dev/null "$C/v1/leaderboard?timePeriod=DAY" \
    "$C/v1/leaderboard?timePeriod=WEEK"
c1=$(counter $C connections)
# each ctl is one connection too: the two requests shared one
check keepalive test $((c1 - c0)) -eq 2

finish
