#!/bin/sh
# tests/cli/live_control.sh - the operator's controls of `pmcopy live`
# (live/control.c) in a paper session on the fake feeds (127.0.0.1), each
# through the local API as an operator's script calls it:
#  kill     - POST /kill {"reason":...}: the next copy is a skip (killed);
#             the journal holds `ev=kill ... by=api` with the reason and the
#             log `event=kill who=api reason="..."`; POST /resume lifts it.
#  bodies   - malformed JSON, a wrong type, an unknown key: 400 naming it.
#  traders  - POST /traders/A/disable: A's next fill is skipped trader_off
#             while B's is copied; enable: A is copied again; an unknown
#             trader is 404, a bad address 400.
#  file     - --kill-file: creating it stops buys (a kill by=kill_file), a
#             plain POST /resume is refused 409 naming kill_file, removing
#             the file lifts that kill.
#  replay   - `pmcopy replay --db` reproduces the session exactly.
# Usage: sh tests/cli/live_control.sh path/to/pmcopy
name=live_control
. "$(dirname "$0")/live_lib.inc"

wait_killed() { # api-port true|false
    for _ in $(seq 1 400); do
        api "$1" GET /status | grep -q "\"killed\":$2" && return 0
        sleep 0.05
    done
    echo "$name: timed out waiting for killed=$2" >&2
    return 1
}
num() { # api-port key: a number of /status
    api "$1" GET /status | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
body() { # port method path body: the answer's body whatever its status
    curl -s -X "$2" -H "Authorization: Bearer $PMC_API_TOKEN" \
        -H 'Content-Type: application/json' --data "$4" \
        "http://127.0.0.1:$1$3"
}

cat > "$tmp/c.sc" <<SC
0 book token=401 bids=0.48:3000 asks=0.52:5000
0 book token=402 bids=0.48:3000 asks=0.52:5000
SC
start_fake feeds "$feeds" --scenario "$tmp/c.sc" --max-seconds 120
FP=$port
kf=$tmp/stop-buying
"$bin" live --paper --trader $A --trader $B --rtds-ws ws://127.0.0.1:$FP/rtds \
    --book-ws ws://127.0.0.1:$FP/ws/market --data-api "" --chain-ws "" \
    --db "$tmp/c.db" --api-port 0 --ready-file "$tmp/c.ready" \
    --kill-file "$kf" --copy-mode per_fill --no-mlock --quiet \
    > /dev/null 2> "$tmp/c.err" &
lp=$!
pids="$pids $lp"
wait_ready "$tmp/c.ready"
AP=$(api_port_of "$tmp/c.ready")
wait_stat $FP rtds_subs 1
seq_=0
trade() { # wallet token: one BUY on RTDS, then wait until the core saw it
    seq_=$((seq_ + 1))
    before=$(num $AP fills_seen)
    ctl $FP trade wallet=$1 token=$2 side=BUY px=0.5 sz=100 tx=$(tx $seq_) log=1 rtds=0
    wait_status $AP fills_seen $((before + 1))
}

# ---- kill with a reason, resume ---------------------------------------------
trade $A 401
wait_status $AP orders 1
code=$(api_code $AP POST /kill '{"reason":"checking the wallets"}')
check "kill: POST /kill with a reason is 200 (got $code)" [ "$code" = 200 ]
wait_killed $AP true
check "kill: /status says who holds it" \
    api_has $AP GET /status '"kill":{"operator":true,"kill_file":false,"automatic":null}'
o=$(num $AP orders)
trade $A 401
check "kill: the next copy is skipped (orders stay $o, got $(num $AP orders))" \
    [ "$(num $AP orders)" = "$o" ]
check "kill: logged with who and why" \
    grep -q 'event=kill who=api reason="checking the wallets"' "$tmp/c.err"
check "kill: POST /resume lifts an operator kill" api_has $AP POST /resume '"queued":"resume"'
wait_killed $AP false
trade $A 401
wait_status $AP orders $((o + 1))
check "kill: copied again after the resume" [ "$(num $AP orders)" = $((o + 1)) ]

# ---- bodies -----------------------------------------------------------------
code=$(api_code $AP POST /kill '{"reason":')
check "bodies: malformed JSON is 400 (got $code)" [ "$code" = 400 ]
b=$(body $AP POST /kill '{"reason":')
check "bodies: ... naming it ($b)" sh -c "echo '$b' | grep -q 'malformed JSON'"
b=$(body $AP POST /kill '{"reason":7}')
check "bodies: a reason that is not a string is named ($b)" \
    sh -c "echo '$b' | grep -q 'reason must be a string'"
b=$(body $AP POST /resume '{"overide":"max_daily_loss"}')
check "bodies: an unknown key is named ($b)" \
    sh -c "echo '$b' | grep -q 'unknown key'"
check "bodies: none of them killed anything" wait_killed $AP false

# ---- traders ----------------------------------------------------------------
code=$(api_code $AP POST /traders/$A/disable '{"reason":"bad week"}')
check "traders: disable A is 200 (got $code)" [ "$code" = 200 ]
code=$(api_code $AP POST /traders/0x3333333333333333333333333333333333333333/disable)
check "traders: an unknown trader is 404 (got $code)" [ "$code" = 404 ]
code=$(api_code $AP POST /traders/0x12/disable)
check "traders: a bad address is 400 (got $code)" [ "$code" = 400 ]
o=$(num $AP orders)
trade $A 401
check "traders: A's fill is not copied while A is off" [ "$(num $AP orders)" = "$o" ]
trade $B 402
wait_status $AP orders $((o + 1))
check "traders: B's fill is copied meanwhile" [ "$(num $AP orders)" = $((o + 1)) ]
check "traders: the disable is logged" \
    grep -q "event=trader_disable who=api trader=$A reason=\"bad week\"" "$tmp/c.err"
check "traders: enable A" api_has $AP POST /traders/$A/enable '"queued":"trader_enable"'
o=$(num $AP orders)
trade $A 401
wait_status $AP orders $((o + 1))
check "traders: A is copied again" [ "$(num $AP orders)" = $((o + 1)) ]

# ---- the kill file ----------------------------------------------------------
touch "$kf"
wait_killed $AP true
check "file: /status says the kill file holds it" \
    api_has $AP GET /status '"kill":{"operator":false,"kill_file":true'
check "file: its kill is logged" grep -q 'event=kill who=kill_file' "$tmp/c.err"
code=$(api_code $AP POST /resume)
check "file: a plain resume is refused 409 while it exists (got $code)" [ "$code" = 409 ]
b=$(body $AP POST /resume '')
check "file: ... with the reason ($b)" sh -c "echo '$b' | grep -q '\"reason\":\"kill_file\"'"
o=$(num $AP orders)
trade $A 401
check "file: no new buy while it exists" [ "$(num $AP orders)" = "$o" ]
rm -f "$kf"
wait_killed $AP false
trade $A 401
wait_status $AP orders $((o + 1))
check "file: removing it lifts its kill" [ "$(num $AP orders)" = $((o + 1)) ]
check "file: the refusal is logged" \
    grep -q 'event=resume_refused who=core reason="kill_file"' "$tmp/c.err"

stop_live $lp
check "session: SIGTERM exits 0 (got $rc)" [ "$rc" -eq 0 ]
"$bin" journal --db "$tmp/c.db" > "$tmp/c.tape" 2>&1
check "journal: the API kill with who and why" \
    grep -q ' ev=kill reason="checking the wallets" by=api' "$tmp/c.tape"
check "journal: the resume by the API" grep -q ' ev=resume by=api' "$tmp/c.tape"
check "journal: the trader switches" \
    sh -c "grep -q ' ev=trader trader=$A state=off by=api reason=\"bad week\"' '$tmp/c.tape' && grep -q ' ev=trader trader=$A state=on by=api' '$tmp/c.tape'"
check "journal: A's fill skipped trader_off" grep -q ' ev=skip .*reason=trader_off' "$tmp/c.tape"
check "journal: skips while killed" \
    [ "$(grep -c ' ev=skip .*reason=killed' "$tmp/c.tape")" -eq 2 ]
check "journal: the kill file's kill, the refusal and its resume" \
    sh -c "grep -q ' ev=kill reason=\"kill file present\" by=kill_file' '$tmp/c.tape' && grep -q ' ev=refuse of=resume reason=kill_file' '$tmp/c.tape' && grep -q ' ev=resume by=kill_file' '$tmp/c.tape'"
check "replay: the journal replays exactly" "$bin" replay --db "$tmp/c.db"
# a tampered switch diverges: replay really re-decides the controls
sed 's/ ev=trader trader=\([^ ]*\) state=off by=api/ ev=trader trader=\1 state=on by=api/' \
    "$tmp/c.tape" > "$tmp/bad.tape"
check "replay: a journal without the disable does not replay" \
    sh -c "! '$bin' replay --trader $A --trader $B --copy-mode per_fill '$tmp/bad.tape' > /dev/null 2>&1"

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
