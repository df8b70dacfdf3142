#!/bin/sh
# tests/cli/optimize.sh - `pmcopy optimize` end to end on the rank ground
# truth (`pmcopy synth --population`: wallets of known kinds).
# What must hold:
#  planted   - copying every wallet (the copyable kind's edge lasts
#              minutes), the search over detection latency finds latency 0
#              the best, PBO is 0 and --strict passes;
#  noise     - copying only the noise wallets, no setting has an edge:
#              PBO > 0.5, and --strict exits 1 saying which test failed;
#  same      - the same command twice and --jobs 1 against --jobs 3 give
#              byte-identical folders (every file);
#  resume    - a run killed with SIGKILL mid-way and continued with
#              --resume equals an uninterrupted run, byte for byte;
#  best      - best.json is a --config: `pmcopy backtest` with it (and the
#              best trial's latency) gives the best trial's P&L;
#  files     - every output file, the walk-forward folds, the sensitivity
#              rows (one key and pairs; tests/cli/optimize_heat.sh checks
#              their numbers), the heatmap; usage errors exit 2 naming the
#              problem.
# Usage: sh tests/cli/optimize.sh path/to/pmcopy
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d /tmp/pmc_cli_optimize.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "optimize: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

"$bin" synth --population 40 --days 20 --out "$tmp/pop.tape" 2>/dev/null
opt() { "$bin" optimize "$tmp/pop.tape" --progress none --capital 100000 "$@"; }
field() { # FILE KEY: a number of a JSON file
    sed -n "s/.*\"$2\": *\([-0-9.a-z]*\).*/\1/p" "$1" | head -1
}

# ---- planted -----------------------------------------------------------------------
printf '{"latency_ms": [0, 2000, 60000, 600000], "coalesce_ms": [0, 800]}\n' >"$tmp/s1.json"
opt --space "$tmp/s1.json" --out "$tmp/p" --strict >"$tmp/p.out" 2>"$tmp/p.err"
check "planted: exit 0 with --strict" '[ $? -eq 0 ]'
check "planted: best latency 0" 'grep -q "\"params\": {\"latency_ms\":\"0\"" "$tmp/p/summary.json"'
check "planted: PBO 0" '[ "$(field "$tmp/p/overfit.json" pbo)" = "0.0000" ]'
check "planted: DSR >= 0.95" 'awk -v d="$(field "$tmp/p/overfit.json" dsr)" "BEGIN { exit !(d >= 0.95) }"'
check "planted: 8 trials" '[ $(($(wc -l <"$tmp/p/trials.csv") - 1)) -eq 8 ]'
check "planted: a stale copy (60 s) earns nothing" 'grep -q "^4,60000,0,0," "$tmp/p/trials.csv"'

# ---- noise -------------------------------------------------------------------------
noise=$(grep -o "0xd0[0-9a-f]*" "$tmp/pop.tape" | sort -u | sed 's/^/--trader /' | tr '\n' ' ')
printf '{"latency_ms": [0, 500, 1000, 2000, 4000], "coalesce_ms": [0, 300, 800], "cap_usd": [5, 10, 20]}\n' >"$tmp/s2.json"
# shellcheck disable=SC2086
opt --space "$tmp/s2.json" --out "$tmp/n" --strict $noise >"$tmp/n.out" 2>"$tmp/n.err"
check "noise: --strict exits 1" '[ $? -eq 1 ]'
check "noise: PBO > 0.5" 'awk -v p="$(field "$tmp/n/overfit.json" pbo)" "BEGIN { exit !(p > 0.5) }"'
check "noise: --strict says PBO" 'grep -q "strict: PBO 0\.[5-9][0-9]* > 0.5" "$tmp/n.err"'
check "noise: summary says it fails" 'grep -q "\"strict\": \"fails\"" "$tmp/n/summary.json"'

# ---- same bytes --------------------------------------------------------------------
# shellcheck disable=SC2086
opt --space "$tmp/s2.json" --out "$tmp/n2" --jobs 1 $noise >/dev/null 2>&1
# shellcheck disable=SC2086
opt --space "$tmp/s2.json" --out "$tmp/n3" --jobs 3 $noise >/dev/null 2>&1
check "jobs 2 = jobs 1" 'diff -r "$tmp/n" "$tmp/n2" >/dev/null'
check "jobs 1 = jobs 3" 'diff -r "$tmp/n2" "$tmp/n3" >/dev/null'

# ---- resume after SIGKILL -------------------------------------------------------------
printf '{"ratio": {"min": 0.02, "max": 0.5, "log": true}, "latency_ms": {"min": 0, "max": 4000}, "coalesce_ms": [0, 300, 800]}\n' >"$tmp/s3.json"
opt --space "$tmp/s3.json" --search sobol --trials 160 --seed 9 --out "$tmp/full" --jobs 1 >/dev/null 2>&1
check "sobol: 160 trials" '[ $(($(wc -l <"$tmp/full/trials.jsonl") - 1)) -eq 160 ]'
# the binary itself in the background (a shell function would be a
# subshell, and the kill would miss the process)
"$bin" optimize "$tmp/pop.tape" --progress none --capital 100000 --space "$tmp/s3.json" \
    --search sobol --trials 160 --seed 9 --out "$tmp/cut" --jobs 2 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do
    [ -f "$tmp/cut/trials.jsonl" ] && [ "$(wc -l <"$tmp/cut/trials.jsonl")" -ge 30 ] && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
got=$(($(wc -l <"$tmp/cut/trials.jsonl") - 1))
check "resume: killed part-way ($got of 160 trials)" '[ $got -ge 29 ] && [ $got -lt 160 ]'
printf '{"trial":' >>"$tmp/cut/trials.jsonl" # a torn line, as a kill mid-write leaves
opt --space "$tmp/s3.json" --search sobol --trials 160 --seed 9 --out "$tmp/cut" --jobs 2 --resume >/dev/null 2>"$tmp/r.err"
check "resume: exit 0" '[ $? -eq 0 ]'
check "resume: equals the uninterrupted run" 'diff -r "$tmp/full" "$tmp/cut" >/dev/null'
opt --space "$tmp/s3.json" --search sobol --trials 160 --seed 9 --out "$tmp/cut" >/dev/null 2>"$tmp/e"
check "an existing run without --resume: exit 1" '[ $? -eq 1 ] && grep -q "already holds a run" "$tmp/e"'
opt --space "$tmp/s2.json" --out "$tmp/cut" --resume >/dev/null 2>"$tmp/e"
check "--resume of another run: exit 1" '[ $? -eq 1 ] && grep -q "run.id differs" "$tmp/e"'

# ---- best.json is a configuration ----------------------------------------------------
want=$(sed -n 's/^  "pnl_usd": \(.*\),$/\1/p' "$tmp/p/summary.json")
best=$(grep -m1 '"trial":0,' "$tmp/p/trials.jsonl" | sed 's/.*"pnl_usd":\([-0-9.]*\).*/\1/')
"$bin" backtest "$tmp/pop.tape" --config "$tmp/p/best.json" --latency 0 --capital 100000 --no-report --json >"$tmp/bt.json" 2>/dev/null
got=$(sed -n 's/^ *"pnl_usd": \([-0-9.]*\),*$/\1/p' "$tmp/bt.json" | head -1)
check "best.json: backtest gives the best trial's P&L ($got = $best)" '[ -n "$best" ] && awk -v a="$got" -v b="$best" "BEGIN { exit !(a + 0 == b + 0) }"'

# ---- files -------------------------------------------------------------------------------
for f in trials.csv trials.jsonl daily_pnl.csv best.json walkforward.csv oos_equity.csv overfit.json sensitivity.csv summary.json report.html; do
    check "file $f" '[ -s "$tmp/p/$f" ]'
done
check "daily_pnl.csv: 20 days x 8 trials" '[ $(wc -l <"$tmp/p/daily_pnl.csv") -eq 21 ] && head -1 "$tmp/p/daily_pnl.csv" | grep -q "^day,trial_0,.*,trial_7$"'
check "walkforward.csv: 4 out-of-sample folds" '[ $(wc -l <"$tmp/p/walkforward.csv") -eq 5 ]'
check "sensitivity.csv: a row per value" '[ $(grep -c "^latency_ms,.*,,$" "$tmp/p/sensitivity.csv") -eq 4 ] && [ $(grep -c "^coalesce_ms,.*,,$" "$tmp/p/sensitivity.csv") -eq 2 ]'
check "sensitivity.csv: a row per pair of values" '[ $(grep -c "^latency_ms,.*,coalesce_ms,[0-9]*$" "$tmp/p/sensitivity.csv") -eq 8 ]'
check "report.html: a heatmap" '[ $(grep -c "<svg class=heat" "$tmp/p/report.html") -eq 1 ]'
check "trials.jsonl: tape sha256" 'head -1 "$tmp/p/trials.jsonl" | grep -q "\"tape_sha256\":\"$(sha256sum <"$tmp/pop.tape" | cut -c1-64)\""'
check "report.html: verdict and curve" 'grep -q "probability of backtest overfitting" "$tmp/p/report.html" && grep -q "<polyline" "$tmp/p/report.html"'
opt --space "$tmp/s1.json" --folds 4 --embargo 2d --out "$tmp/e2" >/dev/null 2>&1
check "--embargo 2d: in-sample ends 2 days before each fold" 'awk -F, "NR > 1 { split(\$3, a, \"-\"); split(\$4, b, \"-\"); if (b[3] - a[3] != 3) bad = 1 } END { exit bad }" "$tmp/e2/walkforward.csv"'

# ---- usage -------------------------------------------------------------------------------
"$bin" optimize "$tmp/pop.tape" >/dev/null 2>"$tmp/e"
check "no --space: exit 2" '[ $? -eq 2 ] && grep -q "give one TAPE and --space" "$tmp/e"'
printf '{"coalesce": [1]}\n' >"$tmp/bad.json"
"$bin" optimize "$tmp/pop.tape" --space "$tmp/bad.json" --out "$tmp/x" >/dev/null 2>"$tmp/e"
check "unknown key: exit 2 naming it" '[ $? -eq 2 ] && grep -q "key .coalesce.: not a configuration key" "$tmp/e" && grep -q "did you mean .coalesce_ms." "$tmp/e"'
"$bin" optimize "$tmp/pop.tape" --space "$tmp/s3.json" --search sobol --out "$tmp/x" >/dev/null 2>"$tmp/e"
check "sobol without --trials: exit 2" '[ $? -eq 2 ] && grep -q "needs --trials" "$tmp/e"'
"$bin" optimize "$tmp/pop.tape" --space "$tmp/s1.json" --objective best >/dev/null 2>"$tmp/e"
check "bad --objective: exit 2" '[ $? -eq 2 ]'

echo "optimize: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
