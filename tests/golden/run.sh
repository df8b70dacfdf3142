#!/bin/sh
# Golden scenarios: every scenarios/NAME.tape is run through `pmcopy decide`
# twice (the two outputs must be byte-identical) and compared with
# scenarios/NAME.golden. NAME.args holds extra flags; NAME.json, if present,
# is passed as --config. Each scenario is also journaled (decide --echo) and
# the journal must replay exactly; a tampered journal must not.
# BLESS=1 rewrites the golden files instead (review the diff).
set -u
bin=$1
dir=${SCENARIOS:-scenarios}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for tape in "$dir"/*.tape; do
    name=$(basename "$tape" .tape)
    args=""
    [ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
    [ -f "$dir/$name.json" ] && args="$args --config $dir/$name.json"
    # shellcheck disable=SC2086
    if ! "$bin" decide $args < "$tape" > "$tmp/1" 2> "$tmp/err"; then
        echo "golden: $name: decide failed: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    # shellcheck disable=SC2086
    "$bin" decide $args < "$tape" > "$tmp/2" 2>/dev/null
    if ! cmp -s "$tmp/1" "$tmp/2"; then
        echo "golden: $name: two runs differ (not deterministic)"; fail=$((fail + 1)); continue
    fi
    if [ "${BLESS:-0}" = 1 ]; then
        cp "$tmp/1" "$dir/$name.golden"
    elif ! diff -u "$dir/$name.golden" "$tmp/1" > "$tmp/diff" 2>&1; then
        echo "golden: $name: actions differ from $dir/$name.golden:"; cat "$tmp/diff"
        fail=$((fail + 1)); continue
    fi
    # shellcheck disable=SC2086
    "$bin" decide --echo $args < "$tape" > "$tmp/journal" 2>/dev/null
    # shellcheck disable=SC2086
    if ! "$bin" replay $args "$tmp/journal" > /dev/null 2> "$tmp/err"; then
        echo "golden: $name: journal does not replay: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    # the journal minus the inputs must be exactly the decide output
    grep -E ' ev=(order|skip|refuse)( |$)| ev=(kill|trader) .*by=core' "$tmp/journal" > "$tmp/acts" || true
    grep -v '^#' "$tmp/1" > "$tmp/acts1" || true
    if ! cmp -s "$tmp/acts" "$tmp/acts1"; then
        echo "golden: $name: journal actions differ from decide output"; fail=$((fail + 1)); continue
    fi
    # tamper with the first order's size: replay must name the divergence
    if grep -q ' ev=order ' "$tmp/journal"; then
        awk '!done && / ev=order / { sub(/ sz=[0-9.]+/, " sz=999"); done=1 } { print }' \
            "$tmp/journal" > "$tmp/bad"
        # shellcheck disable=SC2086
        if "$bin" replay $args "$tmp/bad" > /dev/null 2> "$tmp/err" ||
            ! grep -q 'diverges' "$tmp/err"; then
            echo "golden: $name: a tampered journal replayed without error"; fail=$((fail + 1)); continue
        fi
    fi
    pass=$((pass + 1))
done
echo "golden scenarios: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
