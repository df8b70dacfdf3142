#!/bin/sh
# tests/cli/optimize_shard.sh - `pmcopy optimize --shard I/N` and `pmcopy
# merge` of its parts (docs/shards.md); the Slurm array case is in
# slurm.sh. What must hold:
#  equal    - the merged folder of N = 1, 3 (run at once, xargs -P 3) and
#             20 (more shards than trials: some own none) holds every file
#             of the unsharded run, byte for byte, and merge prints its
#             verdict;
#  restart  - a shard killed part-way and started again continues where it
#             stopped; merged, it equals the unsharded run; a shard already
#             done does nothing;
#  refuse   - merge refuses a missing part, a marker that does not match
#             its part's files, parts of two splits in one folder; a shard
#             with other options refuses the folder; --strict of merge;
#  auto     - --shard auto from Slurm's array variables;
#  usage    - a bad --shard, --shard with --resume, rank's options on an
#             optimize folder: exit 2.
# Usage: sh tests/cli/optimize_shard.sh path/to/pmcopy
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d /tmp/pmc_cli_optshard.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "optimize_shard: FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }
cd "$tmp" || exit 1

"$bin" synth --population 40 --days 20 --out pop.tape 2>/dev/null
opt() { "$bin" optimize pop.tape --progress none --capital 100000 "$@"; }
# same DIR REF: every file of REF is in DIR with the same bytes
same() {
    [ -s "$2/report.html" ] || return 1
    for f in "$2"/*; do cmp -s "$f" "$1/${f#"$2"/}" || { echo "  ${f#"$2"/} differs"; return 1; }; done
}
printf '{"latency_ms": [0, 500, 1000, 2000, 4000], "coalesce_ms": [0, 300, 800]}\n' >s.json

# ---- equal ---------------------------------------------------------------------------
opt --space s.json --out ref >ref.out 2>ref.err
check "unsharded run" '[ $? -eq 0 ]'
opt --space s.json --out n1 --shard 0/1 2>n1.err
check "n=1: shard says what it did" 'grep -q "shard 0/1: trials 0\.\.15 done" n1.err'
"$bin" merge n1 >n1.out 2>n1.merr
check "n=1: merge exit 0" '[ $? -eq 0 ]'
check "n=1: merged = unsharded" 'same n1 ref'
check "n=1: merge prints the verdict" 'sed "s|report: n1/|report: ref/|" n1.out | cmp -s - ref.out'
seq 0 2 | xargs -P 3 -I{} "$bin" optimize pop.tape --progress none --capital 100000 \
    --space s.json --out n3 --shard {}/3 2>n3.err
check "n=3 at once: three markers" '[ -e n3/part-0-of-3.done ] && [ -e n3/part-1-of-3.done ] && [ -e n3/part-2-of-3.done ]'
check "n=3: the shares" 'grep -q "shard 1/3: trials 5\.\.10 done" n3.err'
CAP_USD=1 "$bin" merge n3 >/dev/null 2>n3.merr
check "n=3: merged = unsharded (CAP_USD in the environment changes nothing)" 'same n3 ref'
for i in $(seq 0 19); do opt --space s.json --out n20 --shard "$i/20" 2>/dev/null; done
"$bin" merge n20 >/dev/null 2>n20.merr
check "n=20 (5 shards own no trial): merged = unsharded ($(cat n20.merr))" 'same n20 ref'

# ---- restart -----------------------------------------------------------------------------
printf '{"ratio": {"min": 0.02, "max": 0.5, "log": true}, "latency_ms": {"min": 0, "max": 4000}, "coalesce_ms": [0, 300, 800]}\n' >s3.json
opt --space s3.json --search sobol --trials 120 --seed 4 --out full --jobs 2 >/dev/null 2>&1
"$bin" optimize pop.tape --progress none --capital 100000 --space s3.json --search sobol \
    --trials 120 --seed 4 --out cut --shard 0/2 --jobs 1 2>/dev/null &
pid=$!
for _ in $(seq 1 500); do
    [ -f cut/part-0-of-2/trials.jsonl ] && [ "$(wc -l <cut/part-0-of-2/trials.jsonl)" -ge 15 ] && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
got=$(($(wc -l <cut/part-0-of-2/trials.jsonl) - 1))
check "restart: shard 0/2 killed part-way ($got of 60 trials)" '[ $got -ge 14 ] && [ $got -lt 60 ] && [ ! -e cut/part-0-of-2.done ]'
"$bin" merge cut >/dev/null 2>e
check "merge of an unfinished run: exit 1, names the part" '[ $? -eq 1 ] && grep -q "part-0-of-2.done: missing" e'
for i in 1 0; do
    opt --space s3.json --search sobol --trials 120 --seed 4 --out cut --shard "$i/2" 2>>cut.err
done
check "restart: the shard finished" '[ -e cut/part-0-of-2.done ]'
opt --space s3.json --search sobol --trials 120 --seed 4 --out cut --shard 1/2 2>again.err
check "a shard already done does nothing" 'grep -q "shard 1/2: already done (60 trials)" again.err'
"$bin" merge cut >/dev/null 2>cut.merr
check "restart: merged = unsharded ($(cat cut.merr))" 'same cut full'

# ---- refuse -------------------------------------------------------------------------------
opt --space s.json --out cut --shard 0/2 >/dev/null 2>e
check "a shard with other options: exit 1, another run" '[ $? -eq 1 ] && grep -q "holds another run: its manifest differs at line 2" e'
cp -r n3 tam
printf 'x' >>tam/part-1-of-3/trials.csv
"$bin" merge tam >/dev/null 2>e
check "a part changed after its marker: exit 1" '[ $? -eq 1 ] && grep -q "part-1-of-3: its files do not match" e'
cp -r n3 two
cp -r n1/part-0-of-1 n1/part-0-of-1.done two/
"$bin" merge two >/dev/null 2>e
check "parts of two splits: exit 1" '[ $? -eq 1 ] && grep -q "parts of different splits" e'
cp -r n3 mk
sed -i 's/trials=5/trials=6/' mk/part-2-of-3.done
"$bin" merge mk >/dev/null 2>e
check "a marker with another count: exit 1" '[ $? -eq 1 ] && grep -q "names shard 2/3 with 6 trials" e'
noise=$(grep -o "0xd0[0-9a-f]*" pop.tape | sort -u | sed 's/^/--trader /' | tr '\n' ' ')
printf '{"latency_ms": [0, 500, 1000, 2000, 4000], "coalesce_ms": [0, 300, 800], "cap_usd": [5, 10, 20]}\n' >s2.json
# shellcheck disable=SC2086
for i in 0 1; do opt --space s2.json --out nz --shard "$i/2" $noise 2>/dev/null; done
"$bin" merge nz --strict >/dev/null 2>e
check "merge --strict on noise: exit 1, says PBO" '[ $? -eq 1 ] && grep -q "pmcopy merge: --strict: PBO" e'

# ---- auto --------------------------------------------------------------------------------
for t in 4 5 6; do
    SLURM_ARRAY_TASK_ID=$t SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=3 \
        opt --space s.json --out au --shard auto 2>>au.err
done
"$bin" merge au >/dev/null 2>au.merr
check "auto (array 4-6): three parts, merged = unsharded" '[ -e au/part-2-of-3.done ] && same au ref'

# ---- usage --------------------------------------------------------------------------------
opt --space s.json --out u --shard 3/3 >/dev/null 2>e
check "--shard 3/3: exit 2" '[ $? -eq 2 ] && grep -q "shard" e'
opt --space s.json --out u --shard 0/2 --resume >/dev/null 2>e
check "--shard with --resume: exit 2" '[ $? -eq 2 ] && grep -q "no --resume" e'
"$bin" merge n3 --json >/dev/null 2>e
check "merge --json of an optimize run: exit 2" '[ $? -eq 2 ] && grep -q "is an optimize run" e'

echo "optimize_shard: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
