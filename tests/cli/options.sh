#!/bin/sh
# The option parser as the commands see it: --opt=value and --opt value
# give the same bytes, short forms, `--`, usage errors (exit 2, one line
# naming the command, a near miss suggested), configuration flags in both
# forms, and --help on every command.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "options: $1"; fail=$((fail + 1)); }

# usage_err NAME WANT_STDERR cmd args...: exit 2 and exactly this message
usage_err() {
    name=$1 want=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    if [ "$rc" -ne 2 ]; then bad "$name: exit $rc, want 2"; return; fi
    if [ "$(cat "$tmp/err")" != "$want" ]; then
        bad "$name: stderr '$(cat "$tmp/err")', want '$want'"; return
    fi
    if [ -s "$tmp/out" ]; then bad "$name: wrote on stdout"; return; fi
    ok
}

# same NAME "args A" "args B": both runs exit 0 with identical stdout
same() {
    name=$1
    eval "\"\$bin\" $2" >"$tmp/a" 2>/dev/null; ra=$?
    eval "\"\$bin\" $3" >"$tmp/b" 2>/dev/null; rb=$?
    if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then bad "$name: exit $ra / $rb"; return; fi
    if ! [ -s "$tmp/a" ]; then bad "$name: no output"; return; fi
    if cmp -s "$tmp/a" "$tmp/b"; then ok; else bad "$name: outputs differ"; fi
}

# ---- --opt=value is --opt value ------------------------------------------
same "synth --hours=1 --seed=7" "synth --hours 1 --seed 7" "synth --hours=1 --seed=7"
"$bin" synth --hours 1 --seed 8 >"$tmp/s8" 2>/dev/null
if ! cmp -s "$tmp/a" "$tmp/s8"; then ok; else bad "synth --seed=7 is ignored"; fi
"$bin" synth -o "$tmp/o.tape" --hours=1 --seed=7 2>/dev/null
if cmp -s "$tmp/o.tape" "$tmp/a"; then ok; else bad "synth -o FILE"; fi
"$bin" synth --out="$tmp/o2.tape" --hours=1 --seed=7 2>/dev/null
if cmp -s "$tmp/o2.tape" "$tmp/a"; then ok; else bad "synth --out=FILE"; fi

tape=$root/scenarios/aggregate_mode.tape
args=$(cat "$root/scenarios/aggregate_mode.args")
eq_args=$(echo "$args" | sed 's/--\([a-z_-]*\) \([^ -][^ ]*\)/--\1=\2/g')
[ "$eq_args" != "$args" ] || bad "aggregate_mode.args has no --opt value to rewrite"
same "decide $eq_args" "decide $args <$tape" "decide $eq_args <$tape"
same "decide $args -- -" "decide $args <$tape" "decide $args -- - <$tape"

same "backtest --opt=value" \
    "backtest --no-report --json --seed 3 --latency 0.4s --capital 500" \
    "backtest --no-report -j --seed=3 --latency=0.4s --capital=500"
"$bin" backtest --no-report --json --seed 3 --latency 5s --capital 500 >"$tmp/c" 2>/dev/null
if ! cmp -s "$tmp/a" "$tmp/c"; then ok; else bad "backtest --latency=0.4s is ignored"; fi

# ---- usage errors ----------------------------------------------------------
"$bin" backtset >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -eq 2 ] && head -1 "$tmp/err" | grep -qxF "pmcopy: unknown command 'backtset' (did you mean 'backtest'?)"; then ok; else bad "unknown command: exit $rc, $(head -1 "$tmp/err")"; fi
usage_err "backtest --latncy" \
    "pmcopy backtest: unknown option '--latncy' (did you mean '--latency'?)" \
    backtest --latncy 5
usage_err "backtest --out" "pmcopy backtest: option '--out' needs a value" \
    backtest --out
usage_err "backtest --json=yes" "pmcopy backtest: option '--json' takes no value" \
    backtest --json=yes
usage_err "backtest --seed=x" "pmcopy backtest: --seed x: an unsigned integer" \
    backtest --seed=x
usage_err "decide config key" \
    "pmcopy decide: unknown option '--coalesce-mss' (did you mean '--coalesce-ms'?)" \
    decide --coalesce-mss 5
usage_err "synth --hours=0" "pmcopy synth: --hours 0: an integer in [1, 744]" \
    synth --hours=0
usage_err "history --jsno" \
    "pmcopy history: unknown option '--jsno' (did you mean '--json'?)" \
    history --jsno
usage_err "live --quite" \
    "pmcopy live: unknown option '--quite' (did you mean '--quiet'?)" \
    live --quite
usage_err "import -z" "pmcopy import: unknown option '-z' (see --help)" \
    import -z activity x
usage_err "order sign --digets" \
    "pmcopy order sign: unknown option '--digets' (did you mean '--digest'?)" \
    order sign --digets

# ---- --help and -h from the table, on every command -----------------------
for c in decide replay backtest synth live import positions history traders \
    journal "order sign"; do
    # shellcheck disable=SC2086
    "$bin" $c --help >"$tmp/h" 2>&1; rc=$?
    # shellcheck disable=SC2086
    "$bin" $c -h >"$tmp/h2" 2>&1
    if [ "$rc" -eq 0 ] && grep -q "^usage: pmcopy $c" "$tmp/h" &&
        grep -q -- "-h, --help" "$tmp/h" && cmp -s "$tmp/h" "$tmp/h2"; then ok
    else bad "$c --help"; fi
done

echo "options: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
