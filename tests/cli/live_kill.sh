#!/bin/sh
# tests/cli/live_kill.sh - `pmcopy live --live` killed at each deterministic
# kill point (PMCOPY_KILL_AT=<point>:<n>, live/killpoint.h), then restarted
# on the same store, against the fake CLOB and feeds on 127.0.0.1.
#
# One trial per point; the session must end by the point's SIGKILL (a
# point never reached fails the trial). After the restart, as in the
# random crash trials of live.sh: no order hash POSTed twice at the fake
# CLOB, every order the venue took in the store, every scripted source
# fill in the journal and none copied into two orders, the journal replays
# exactly, and orders were placed and fills copied.
#
#  durable   order committed to the store, not sent
#  sent      POST /order written, answer not read (on a lane, and once
#            with --clob-lanes 0 by libcurl)
#  answer    answer arrived, not reported or recorded
#  batch     a store batch applied in part, not committed
#  olog_grow the order log's file extended, mapping not grown
#  reconcile killed once after a POST was written (open order in the
#            store), then again while the restart looks that order up
# Also: a malformed PMCOPY_KILL_AT is refused naming it.
# Usage: sh tests/cli/live_kill.sh path/to/pmcopy
name=live_kill
. "$(dirname "$0")/live_lib.inc"

live_creds
# the bad value is refused at start, so the run never gets to the CLOB
(PMCOPY_KILL_AT=nowhere:1 "$bin" live --live --trader $A --no-db \
    --rtds-ws "" --book-ws "" --data-api "" --chain-ws "" \
    --clob-url http://127.0.0.1:9 --run-for 1 > /dev/null 2> "$tmp/bad1.err")
rc=$?
check "a kill point that does not exist is refused (exit $rc)" [ "$rc" -eq 1 ]
check "and named: $(tail -1 "$tmp/bad1.err")" \
    grep -q 'PMCOPY_KILL_AT="nowhere:1": "nowhere" is not a kill point' "$tmp/bad1.err"
(PMCOPY_KILL_AT=sent:0x "$bin" live --live --trader $A --no-db \
    --rtds-ws "" --book-ws "" --data-api "" --chain-ws "" \
    --clob-url http://127.0.0.1:9 --run-for 1 > /dev/null 2> "$tmp/bad2.err")
rc=$?
check "a bad count is refused (exit $rc): $(tail -1 "$tmp/bad2.err")" \
    sh -c "[ $rc -eq 1 ] && grep -q 'the count after .:. must be a whole number' '$tmp/bad2.err'"

start_trial_clob 1200
i=0
for spec in durable:2 sent:2 answer:3 batch:4 olog_grow:1 sent:1,reconcile:1; do
    i=$((i + 1))
    trial_begin $i
    trial_kill_points "$spec" "$spec"
    trial_check $i "$spec"
    # where the point is: an order killed at durable never reached the
    # venue (its look-up after the restart finds nothing); one killed at
    # sent or answer did
    case $spec in
    durable:*)
        check "$spec: the committed order was not at the venue" \
            grep -q 'rejected: not_at_venue' "$terr"
        ;;
    sent:* | answer:*)
        check "$spec: the written order was at the venue" \
            sh -c "! grep -q 'rejected: not_at_venue' '$terr'"
        ;;
    esac
done
# the POST carried by libcurl instead of a lane
i=$((i + 1))
trial_args="--clob-lanes 0"
trial_begin $i
trial_kill_points "sent:3 (libcurl)" sent:3
trial_check $i "sent:3 (libcurl)"
check "sent:3 (libcurl): the written order was at the venue" \
    sh -c "! grep -q 'rejected: not_at_venue' '$terr'"
trial_args=

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
