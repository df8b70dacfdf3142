#!/bin/sh
# tests/cli/rank_shard.sh - `pmcopy rank --shard I/N` and `pmcopy merge DIR`
# (docs/shards.md) on a 24-wallet tape made here: the synthetic fixture's
# three traders split into eight wallets each by market.
#
#  same     - merge of N = 1, 2, 3, 5 and 30 shards (more shards than
#             wallets) prints the unsharded run's bytes: table, --json,
#             --csv, --top; the shards of N = 3 run at once (xargs -P 3)
#             and race for the manifest; merge --out writes the report
#             folder's ranking.json and ranking.csv of the unsharded run.
#  share    - every shard of 3 gets wallets; the done markers count 24.
#  restart  - a shard killed after one batch (its batch file left, part and
#             marker not written) started again takes the batch's wallets
#             as they are (a label planted in the batch shows in the
#             output) and computes the rest; a stray temp file and a wallet
#             in two batches (two attempts at once) are passed over; a
#             finished shard started again does nothing.
#  crash    - a shard killed (SIGKILL) after its first batches and started
#             again: the merge of the rank ground truth (unrated wallets
#             too) still prints the unsharded run's bytes.
#  refuse   - another run into the same folder; merge with a done marker
#             removed, a part removed, a part of another run, a wallet in
#             two parts, a part changed after its marker, parts of two
#             splits, no manifest.
#  auto     - --shard auto from Slurm's and a Kubernetes indexed job's
#             variables; bad --shard values are usage errors.
# Usage: sh tests/cli/rank_shard.sh path/to/pmcopy
set -u
bin=${1:?usage: rank_shard.sh path/to/pmcopy}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
pass=0 fail=0
tmp=$(mktemp -d /tmp/pmc_cli_shard.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "rank_shard: FAIL: $*" >&2; }
cd "$tmp" || exit 1

# 168 h of the synthetic markets; each fill's trader gets a last hex digit
# 0-7 from its market's start time: 24 wallets, 7 active days each
"$bin" synth --hours 168 --out s.tape 2>/dev/null || { bad synth; exit 1; }
awk '/ ev=fill /{
        match($0, /token=btc[0-9]+m-[0-9]+/); s = substr($0, RSTART, RLENGTH)
        sub(/.*-/, "", s); v = int(s / 300) % 8
        match($0, /trader=0x[0-9a-f]+/); a = substr($0, RSTART, RLENGTH - 1)
        $0 = substr($0, 1, RSTART - 1) a v substr($0, RSTART + RLENGTH)
     } { print }' s.tape >t.tape
nw=$(grep -o 'trader=0x[0-9a-f]*' t.tape | sort -u | wc -l)
[ "$nw" -eq 24 ] && ok || bad "tape: 24 wallets expected, got $nw"

"$bin" rank --tape t.tape >ref.txt 2>ref.err || bad "unsharded rank: $(cat ref.err)"
"$bin" rank --tape t.tape --json >ref.json 2>/dev/null || bad "unsharded --json"
"$bin" rank --tape t.tape --csv >ref.csv 2>/dev/null || bad "unsharded --csv"
"$bin" rank --tape t.tape --top 5 >ref5.txt 2>/dev/null || bad "unsharded --top"
[ "$(grep -c '^ *[0-9]* *0x' ref.txt)" -eq 24 ] && ok || bad "unsharded table has not 24 rows"

# run N shards into DIR, P at a time
shards() { # N DIR P [rank options]
    n=$1 d=$2 p=$3
    shift 3
    i=0
    while [ "$i" -lt "$n" ]; do echo "$i"; i=$((i + 1)); done |
        xargs -P "$p" -I{} "$bin" rank --tape t.tape --shard "{}/$n" \
            --out "$d" "$@" 2>>"$d.log"
}
same() { # what a b
    if cmp -s "$2" "$3"; then ok; else bad "$1: $2 differs from $3"; diff "$2" "$3" | head -5 >&2; fi
}

# ---- same ----------------------------------------------------------------
for n in 1 2 3 5 30; do
    p=2
    [ "$n" -eq 3 ] && p=3
    if shards "$n" "d$n" "$p"; then ok; else bad "shards of $n: $(cat "d$n.log")"; fi
    "$bin" merge "d$n" >"m$n.txt" 2>"m$n.err" || bad "merge d$n: $(cat "m$n.err")"
    same "n=$n table" m$n.txt ref.txt
done
for n in 1 3; do
    "$bin" merge "d$n" --json >"m$n.json" 2>/dev/null
    same "n=$n json" "m$n.json" ref.json
    "$bin" merge "d$n" --csv >"m$n.csv" 2>/dev/null
    same "n=$n csv" "m$n.csv" ref.csv
    "$bin" merge "d$n" --top 5 >"m$n.top" 2>/dev/null
    same "n=$n --top 5" "m$n.top" ref5.txt
done
# the report folder from the parts: the data files of the unsharded one
"$bin" rank --tape t.tape --out U >/dev/null 2>&1 || bad "unsharded rank --out"
"$bin" merge d3 --out R >/dev/null 2>R.err || bad "merge --out: $(cat R.err)"
same "merge --out ranking.json" R/ranking.json U/ranking.json
same "merge --out ranking.csv" R/ranking.csv U/ranking.csv
grep -q "sharded run d3" R/report.html 2>/dev/null && ok || bad "merge --out: no report.html naming the run"
# the same shards with other --jobs: the parts do not change
rm -rf j3 j3.log
shards 3 j3 1 --jobs 1 || bad "shards with --jobs 1"
for i in 0 1 2; do same "part $i with --jobs 1" "j3/part-$i-of-3" "d3/part-$i-of-3"; done

# ---- share ---------------------------------------------------------------
tot=0
for i in 0 1 2; do
    c=$(sed -n 's/.* wallets=\([0-9]*\) .*/\1/p' "d3/part-$i-of-3.done")
    [ "${c:-0}" -gt 0 ] && ok || bad "shard $i/3 got no wallet"
    tot=$((tot + ${c:-0}))
done
[ "$tot" -eq 24 ] && ok || bad "done markers of 3 shards count $tot wallets, not 24"
[ -d d3/part-0-of-3.d ] && bad "the batch folder outlived the done marker" || ok
[ "$(ls d30 | grep -c '^part-[0-9]*-of-30$')" -eq 30 ] && ok || bad "30 shards: not 30 parts (empty shards write empty parts)"

# ---- restart -------------------------------------------------------------
# what a shard of 1 leaves when killed after its first batch: the manifest
# and one batch file of 3 wallets (one relabelled), no part, no marker
rm -rf r && mkdir r && cp d1/manifest r/ && mkdir r/part-0-of-1.d
{ head -n 1 d1/part-0-of-1
  sed -n 2p d1/part-0-of-1 | sed 's/^\(wallet 0x[0-9a-f]*\) - /\1 52455355 /'
  sed -n 3,4p d1/part-0-of-1; } >r/part-0-of-1.d/b-000000
echo junk >r/part-0-of-1.d/b-000001.tmp
# a second attempt running at the same time wrote one of them too
{ head -n 1 d1/part-0-of-1; sed -n 3p d1/part-0-of-1; } >r/part-0-of-1.d/b-77-000000
if "$bin" rank --tape t.tape --shard 0/1 --out r 2>r.err; then ok; else bad "restart: $(cat r.err)"; fi
grep -q '24 of 24 wallets (3 from an earlier attempt)' r.err && ok || bad "restart: 3 wallets not taken from the batch: $(cat r.err)"
"$bin" merge r >r.txt 2>/dev/null || bad "merge after restart"
grep -q ' RESU ' r.txt && ok || bad "restart: the batch's wallet was computed again (its label is gone)"
w1=$(sed -n 2p d1/part-0-of-1 | cut -d' ' -f2)
[ "$(grep -v ' RESU ' r.txt)" = "$(grep -v "$w1" ref.txt)" ] && ok ||
    bad "restart: the other wallets differ from the unsharded run"
[ -e r/part-0-of-1.d ] && bad "restart: batch folder left" || ok
# a finished shard started again does nothing
s0=$(sha256sum d3/part-1-of-3 | cut -c1-64)
"$bin" rank --tape t.tape --shard 1/3 --out d3 2>again.err || bad "finished shard again: $(cat again.err)"
grep -q 'already done' again.err && ok || bad "finished shard computed again: $(cat again.err)"
[ "$(sha256sum d3/part-1-of-3 | cut -c1-64)" = "$s0" ] && ok || bad "finished shard rewrote its part"

# ---- crash ---------------------------------------------------------------
# the rank ground truth (120 wallets of five kinds, some unrated): shard 0/2
# killed (SIGKILL) once its first batches are on disk, then started again;
# the merge still prints the unsharded run's bytes
"$bin" synth --population 120 --days 30 --out p.tape 2>/dev/null || bad "synth --population"
"$bin" rank --tape p.tape --json >p.json 2>/dev/null || bad "unsharded rank of the population"
"$bin" rank --tape p.tape --shard 0/2 --jobs 1 --out k >/dev/null 2>k.err &
kp=$!
n=0
# a whole batch: b-PID-N renamed into place (its temp file b-PID-N.PID.tmp
# would match b-* too, and a kill before the rename leaves nothing)
while [ "$n" -lt 600 ] && ! ls k/part-0-of-2.d 2>/dev/null | grep -q '^b-[0-9]*-[0-9]*$'; do
    sleep 0.01
    n=$((n + 1))
done
kill -9 "$kp" 2>/dev/null
wait "$kp" 2>/dev/null
if [ -e k/part-0-of-2.done ]; then
    bad "crash: the shard finished before it could be killed (a larger tape is needed)"
else
    ok
    "$bin" rank --tape p.tape --shard 0/2 --jobs 1 --out k 2>k.err || bad "crash: restart: $(cat k.err)"
    e=$(sed -n 's/.*wallets (\([0-9]*\) from an earlier attempt).*/\1/p' k.err)
    [ "${e:-0}" -gt 0 ] && ok || bad "crash: the restart took nothing from the killed attempt: $(cat k.err)"
fi
"$bin" rank --tape p.tape --shard 1/2 --out k 2>/dev/null || bad "crash: shard 1/2"
"$bin" merge k --json >k.json 2>km.err || bad "crash: merge: $(cat km.err)"
same "merge after a killed shard" k.json p.json
grep -q '"rated":false' p.json && ok || bad "the population has no unrated wallet to carry through the parts"

# ---- refuse --------------------------------------------------------------
expect_fail() { # name pattern command...
    name=$1 pat=$2
    shift 2
    "$@" >/dev/null 2>ef.err
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q -- "$pat" ef.err; then ok; else
        bad "$name: exit $rc, want 1 with '$pat': $(cat ef.err)"
    fi
}
expect_fail "another run, same folder" "holds another run: its manifest differs at line 3" \
    "$bin" rank --tape t.tape --shard 0/3 --out d3 --latency 800
shards 3 o3 2 --latency 800 || bad "the other run"
cpd() { rm -rf "$2" && cp -r "$1" "$2"; }
cpd d3 x && rm x/part-1-of-3.done
expect_fail "done marker removed" "x/part-1-of-3: no done marker" "$bin" merge x
cpd d3 x && rm x/part-2-of-3 x/part-2-of-3.done
expect_fail "part removed" "candidates are in no part.*shards without a part: 2/3" "$bin" merge x
cpd d3 x && rm x/part-2-of-3
expect_fail "marker without part" "x/part-2-of-3.done: its part is missing" "$bin" merge x
cpd d3 x && cp o3/part-1-of-3 o3/part-1-of-3.done x/
expect_fail "part of another run" "x/part-1-of-3.done: of another run" "$bin" merge x
cpd d3 x && sed -i '2s/^\(wallet 0x[0-9a-f]* - 0 - [0-9]*\) /\11 /' x/part-0-of-3
expect_fail "part changed after its marker" "changed after the shard finished" "$bin" merge x
cpd d3 x && cp d1/part-0-of-1 d1/part-0-of-1.done x/
expect_fail "two splits" "parts of different splits" "$bin" merge x
# a wallet in two parts: part 1 also carries part 0's wallets, its marker
# made to match (as a buggy or mixed-up shard would)
cpd d3 x
{ sed -n 1p d3/part-1-of-3; sed -n '2,$p' d3/part-0-of-3; sed -n '2,$p' d3/part-1-of-3; } >x/part-1-of-3
c=$(($(wc -l <x/part-1-of-3) - 1))
h=$(sha256sum x/part-1-of-3 | cut -c1-64)
sed "s/wallets=[0-9]* sha256=[0-9a-f]*/wallets=$c sha256=$h/" d3/part-1-of-3.done >x/part-1-of-3.done
expect_fail "wallet in two parts" "is also in part-0-of-3" "$bin" merge x
rm -rf x && mkdir x
expect_fail "no manifest" "no manifest" "$bin" merge x
expect_fail "no folder" "nothere" "$bin" merge nothere

# ---- auto and usage ------------------------------------------------------
rm -rf a
if env SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=7 \
    SLURM_ARRAY_TASK_COUNT=3 "$bin" rank --tape t.tape --shard auto --out a 2>a.err &&
    [ -e a/part-1-of-3.done ]; then ok; else bad "auto (Slurm array 5-7, task 6): $(cat a.err)"; fi
if env JOB_COMPLETION_INDEX=2 PMCOPY_SHARDS=3 "$bin" rank --tape t.tape --shard auto --out a 2>a.err &&
    [ -e a/part-2-of-3.done ]; then ok; else bad "auto (indexed job 2 of 3): $(cat a.err)"; fi
if env SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=1 PMCOPY_SHARDS=3 "$bin" rank --tape t.tape --shard auto --out a 2>a.err &&
    [ -e a/part-0-of-3.done ]; then ok; else bad "auto (a re-run task with PMCOPY_SHARDS): $(cat a.err)"; fi
same "parts from auto" a/part-1-of-3 d3/part-1-of-3
"$bin" merge a >a.txt 2>/dev/null
same "merge of the auto shards" a.txt ref.txt
usage() { # name pattern args...
    name=$1 pat=$2
    shift 2
    env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u PMCOPY_SHARDS "$bin" rank --tape t.tape "$@" >/dev/null 2>u.err
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- "$pat" u.err; then ok; else bad "$name: exit $rc, want 2 with '$pat': $(cat u.err)"; fi
}
usage "shard 3/3" "I must be below N" --shard 3/3 --out u
usage "shard 0/0" "I/N with integers" --shard 0/0 --out u
usage "shard x" "I/N (e.g. 0/4) or auto" --shard x --out u
usage "shard 1/5000" "N <= 4096" --shard 1/5000 --out u
usage "auto without scheduler" "neither SLURM_ARRAY_TASK_ID" --shard auto --out u
usage "no --out" "needs --out DIR" --shard 0/2
if env SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=9 SLURM_ARRAY_TASK_COUNT=3 \
    "$bin" rank --tape t.tape --shard auto --out u >/dev/null 2>u.err; then
    bad "a sparse Slurm array accepted"
else grep -q "not contiguous" u.err && ok || bad "sparse array: $(cat u.err)"; fi
if env JOB_COMPLETION_INDEX=1 "$bin" rank --tape t.tape --shard auto --out u >/dev/null 2>u.err; then
    bad "indexed job without PMCOPY_SHARDS accepted"
else grep -q "PMCOPY_SHARDS" u.err && ok || bad "indexed job without PMCOPY_SHARDS: $(cat u.err)"; fi
echo "rank_shard: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
