#!/bin/sh
# tests/cli/journal.sh - `pmcopy backtest --journal FILE` writes every
# record the core saw (as it saw it: detection-delayed fills, the simulated
# venue's exec reports, the shutdown flush) and every action it emitted;
# `pmcopy replay FILE` must reproduce each action byte for byte, on the
# default fixture and on every scenarios/sim/ tape. A tampered journal
# (an action changed, an input dropped) must fail replay.
# $1 = the pmcopy binary. Prints "journal: N passed, M failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "journal: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

# The configuration half of a scenario's flags (replay takes no simulator
# knobs): drop the backtest-only flags and their values.
cfg_flags() {
    skip=0
    for w in $1; do
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case "$w" in
        --latency-recorded|--json|--no-report) ;;
        --seed|--latency|--latency-*|--half-spread|--capital|--out|--name|--tape) skip=1 ;;
        *) printf '%s ' "$w" ;;
        esac
    done
}

# Every wallet on the tape, in order of first appearance (what backtest
# follows when none is configured), as --trader flags for replay.
traders() {
    grep -o 'trader=0x[0-9a-fA-F]*' "$1" | awk '!seen[$0]++ { sub(/trader=/, ""); printf "--trader %s ", $0 }'
}

run() { # name tape flags
    n=$1 t=$2 f=$3
    tr=$(traders "$t")
    cf=$(cfg_flags "$f")
    # shellcheck disable=SC2086
    "$bin" backtest "$t" $f --no-report --json --journal "$tmp/$n.journal" >"$tmp/$n.json" 2>"$tmp/$n.err"
    check "$n: backtest --journal runs" '[ $? -eq 0 ] && [ -s "$tmp/$n.journal" ]'
    # shellcheck disable=SC2086
    "$bin" backtest "$t" $f --no-report --json >"$tmp/$n.plain.json" 2>/dev/null
    check "$n: --journal leaves the results alone" 'cmp -s "$tmp/$n.json" "$tmp/$n.plain.json"'
    check "$n: journal is a tape" '[ "$(head -1 "$tmp/$n.journal")" = "#pmcopy-tape v1" ]'
    check "$n: journal holds the shutdown flush" 'grep -q " ev=flush$" "$tmp/$n.journal"'
    # shellcheck disable=SC2086
    "$bin" replay $tr $cf "$tmp/$n.journal" >"$tmp/$n.replay" 2>&1
    check "$n: replay reproduces every action" '[ $? -eq 0 ] && grep -q "all match" "$tmp/$n.replay" || { cat "$tmp/$n.replay" | head -5; false; }'
}

run default "$root/fixtures/default.tape" ""
for t in "$root"/scenarios/sim/*.tape; do
    n=$(basename "$t" .tape)
    run "$n" "$t" "$(sed -n 's/^# flags: //p' "$t")"
done

# a real recording (wallet 0x1d00...0313 on 2026-02-17, read in place from
# $PMC_DATA, as tests/cli/backtest_real.sh builds it)
: "${PMC_DATA:=$root/../shared/data}"
dump=$PMC_DATA/hxx344__deepmarket/docs/pm_account_0x1d_raw_trades.json
if [ -r "$dump" ]; then
    "$bin" import activity "$dump" >"$tmp/act.tape" 2>/dev/null
    { echo "#pmcopy-tape v1"
      grep -h '^t=' "$tmp/act.tape" "$root/fixtures/deepmarket_resolutions.tape" | sort -s -n -k1.3,1.15
    } >"$tmp/real.tape"
    run real "$tmp/real.tape" "--latency 3000"
else
    bad "reference data missing: $dump (set PMC_DATA)"
fi

# the configuration beside the journal (JOURNAL-config.json): replay needs
# no flag, and says where its configuration came from; without the file
# the same replay diverges (no trader configured: every fill unknown)
bare() { # name tape flags
    n=$1 t=$2 f=$3
    # shellcheck disable=SC2086
    "$bin" backtest "$t" $f --no-report --json --journal "$tmp/$n.bt.tape" >/dev/null 2>"$tmp/$n.bt.err"
    check "$n: backtest --journal writes its configuration beside it" '[ $? -eq 0 ] && [ -s "$tmp/$n.bt.tape-config.json" ]'
    (cd "$tmp" && "$bin" replay "$n.bt.tape") >"$tmp/$n.bt.replay" 2>&1
    check "$n: replay FILE with no flag reproduces every action" '[ $? -eq 0 ] && grep -q "all match" "$tmp/$n.bt.replay" || { head -5 "$tmp/$n.bt.replay"; false; }'
    check "$n: replay names the configuration it loaded" 'grep -qx "pmcopy replay: configuration from $n.bt.tape-config.json" "$tmp/$n.bt.replay"'
    mv "$tmp/$n.bt.tape-config.json" "$tmp/$n.saved.json"
    "$bin" replay "$tmp/$n.bt.tape" >"$tmp/$n.bt.noconf" 2>&1
    check "$n: without the file the replay diverges" '[ $? -eq 1 ] && grep -q "diverges" "$tmp/$n.bt.noconf" && ! grep -q "configuration from" "$tmp/$n.bt.noconf"'
    "$bin" replay --config "$tmp/$n.saved.json" "$tmp/$n.bt.tape" >"$tmp/$n.bt.explicit" 2>&1
    check "$n: the file given with --config replays too" '[ $? -eq 0 ] && grep -q "all match" "$tmp/$n.bt.explicit"'
}
bare default "$root/fixtures/default.tape" ""
bare fok_unfilled "$root/scenarios/sim/fok_unfilled.tape" "$(sed -n 's/^# flags: //p' "$root/scenarios/sim/fok_unfilled.tape")"
check "fok_unfilled: the saved configuration is the run's" 'grep -q "\"order_tif\": \"FOK\"" "$tmp/fok_unfilled.saved.json" && grep -q "\"follow_all\": true" "$tmp/fok_unfilled.saved.json"'

# what the default journal shows: fills seen after their detection latency,
# the simulated venue's reports, orders and skips
j="$tmp/default.journal"
check "default: fills reach the core after their source time" 'awk "/ ev=fill / { for (i = 1; i <= NF; i++) { if (\$i ~ /^t=/) t = substr(\$i, 3); if (\$i ~ /^ts=/) ts = substr(\$i, 4) } if (t > ts) late++ } END { exit !(late > 0) }" "$j"'
check "default: exec reports and orders are journaled" 'grep -q " ev=exec .*status=fill" "$j" && grep -q " ev=order " "$j"'
check "latency_delay: the fill is seen 22 s after the source" 'grep -q "^t=1771286442000 ev=fill .*ts=1771286420000" "$tmp/latency_delay.journal"'
check "reject_kill: the venue rejects reach the core" 'grep -q "ev=exec .*status=reject" "$tmp/reject_kill.journal"'

# tampering: a changed action, a dropped input
tr=$(traders "$root/fixtures/default.tape")
awk '!done && / ev=order / { sub(/ sz=[0-9.]+/, " sz=999"); done = 1 } { print }' "$j" >"$tmp/t1.journal"
check "tamper: the journal was changed" '! cmp -s "$j" "$tmp/t1.journal"'
# shellcheck disable=SC2086
"$bin" replay $tr "$tmp/t1.journal" >/dev/null 2>"$tmp/t1.err"
check "tamper: a changed order fails replay naming the line" '[ $? -eq 1 ] && grep -q "t1.journal:[0-9]*: diverges" "$tmp/t1.err"'
# the source fill behind the first order
k=$(grep -m1 " ev=order " "$j" | sed 's/.* keys=\([^ ,]*\).*/\1/')
awk -v k="$k" '!done && / ev=fill / && index($0, " key=" k " ") { done = 1; next } { print }' "$j" >"$tmp/t2.journal"
check "tamper: the input was dropped" '[ -n "$k" ] && [ $(wc -l <"$tmp/t2.journal") -eq $(($(wc -l <"$j") - 1)) ]'
# shellcheck disable=SC2086
"$bin" replay $tr "$tmp/t2.journal" >/dev/null 2>"$tmp/t2.err"
check "tamper: a dropped source fill fails replay" '[ $? -eq 1 ] && grep -q "diverges" "$tmp/t2.err"'

echo "journal: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
