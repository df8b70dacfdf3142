#!/bin/sh
# tests/cli/slurm.sh - a sharded `pmcopy rank` on a real single-node Slurm
# cluster started here: munged, slurmctld and slurmd with a configuration in
# a temporary folder, every address on 127.0.0.1, free ports, no systemd
# (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none), stopped on
# exit (trap). The job is tools/slurm/rank.sbatch (and optimize.sbatch) as `sbatch -W
# --array=0-2`; then `pmcopy merge` of its folder must print the bytes of
# the unsharded run, of n = 1 and of n = 3 run by xargs; so must the
# ranking.json of tools/slurm/submit.sh (the array and a merge job chained
# by afterok); with one done marker removed, merge must fail.
#
# Needs root (the daemons run as root, as in CI) and the Debian packages
# slurm-wlm and munge (`make deps` installs them); without root it says
# SKIP. Usage: sh tests/cli/slurm.sh path/to/pmcopy
set -u
bin=${1:?usage: slurm.sh path/to/pmcopy}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "slurm: FAIL: $*" >&2; }
finish() {
    echo "slurm: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

if [ "$(id -u)" != 0 ]; then
    echo "slurm: SKIP: needs root to start munged, slurmctld and slurmd"
    finish
fi
for d in munged slurmctld slurmd sbatch sinfo scontrol; do
    if ! command -v "$d" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$d" ]; then
        bad "$d not installed (make deps installs slurm-wlm and munge)"
        finish
    fi
done
PATH=$PATH:/usr/sbin
tmp=$(mktemp -d /tmp/pmc_cli_slurm.XXXXXX)
chmod 711 "$tmp"
pids=""
stop() {
    # the daemons this test started, by the pids they wrote, and nothing else
    for f in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/munged.pid"; do
        [ -s "$f" ] || continue
        p=$(cat "$f")
        kill "$p" 2>/dev/null || continue
        n=0
        while kill -0 "$p" 2>/dev/null && [ "$n" -lt 50 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        kill -9 "$p" 2>/dev/null
    done
    if [ -n "${KEEP_TMP:-}" ]; then echo "slurm: kept $tmp"; else rm -rf "$tmp"; fi
}
trap stop EXIT
trap 'exit 1' INT TERM

# a free TCP port on 127.0.0.1 (bound and released; the daemons take it
# right after)
freeport() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + $$ % 20000 + $1))
}
# wait until `cmd` succeeds, up to $1 tenths of a second
waitfor() {
    n=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# ---- munge: its own key, socket, log and pid file ------------------------
mkdir -p "$tmp/munge" && chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge/munge.socket
munged --socket="$sock" --key-file="$tmp/munge/munge.key" \
    --log-file="$tmp/munge/munged.log" --pid-file="$tmp/munge/munged.pid" \
    --seed-file="$tmp/munge/munged.seed" --force 2>"$tmp/munged.err" ||
    { bad "munged did not start: $(cat "$tmp/munged.err" "$tmp/munge/munged.log" 2>/dev/null)"; finish; }
waitfor 50 test -S "$sock" || { bad "munged: no socket"; finish; }
ok

# ---- slurm: one node, this host, every address 127.0.0.1 -----------------
host=$(hostname -s)
cpus=$(slurmd -C 2>/dev/null | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' | head -n 1)
[ -n "$cpus" ] || cpus=1
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=pmctest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(freeport 1)
SlurmdPort=$(freeport 2)
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=pmc Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" 2>"$tmp/slurmctld.err" ||
    { bad "slurmctld did not start: $(cat "$tmp/slurmctld.err"; tail -5 "$tmp/slurmctld.log")"; finish; }
slurmd -f "$SLURM_CONF" 2>"$tmp/slurmd.err" ||
    { bad "slurmd did not start: $(cat "$tmp/slurmd.err"; tail -5 "$tmp/slurmd.log")"; finish; }
idle() { sinfo -h -o %t | grep -q idle; }
if waitfor 300 idle; then ok; else
    bad "the node did not come up: $(sinfo 2>&1; tail -5 "$tmp/slurmctld.log" "$tmp/slurmd.log")"
    finish
fi

# ---- the run -------------------------------------------------------------
# the 24-wallet tape of rank_shard.sh (the synthetic traders split by market)
cd "$tmp" || exit 1
"$bin" synth --hours 168 --out s.tape 2>/dev/null || { bad synth; finish; }
awk '/ ev=fill /{
        match($0, /token=btc[0-9]+m-[0-9]+/); s = substr($0, RSTART, RLENGTH)
        sub(/.*-/, "", s); v = int(s / 300) % 8
        match($0, /trader=0x[0-9a-f]+/); a = substr($0, RSTART, RLENGTH - 1)
        $0 = substr($0, 1, RSTART - 1) a v substr($0, RSTART + RLENGTH)
     } { print }' s.tape >t.tape
"$bin" rank --tape t.tape --json >ref.json 2>ref.err || bad "unsharded rank: $(cat ref.err)"
"$bin" rank --tape t.tape --shard 0/1 --out n1 2>n1.err && "$bin" merge n1 --json >n1.json ||
    bad "n=1: $(cat n1.err)"
seq 0 2 | xargs -P 2 -I{} "$bin" rank --tape t.tape --shard {}/3 --out n3 2>n3.err &&
    "$bin" merge n3 --json >n3.json || bad "n=3 by xargs: $(cat n3.err)"

# the job array: each task one shard (--shard auto), output files here
if timeout 300 sbatch -W --array=0-2 -c 1 -o "$tmp/task-%a.out" -e "$tmp/task-%a.err" \
    --export=ALL,PMCOPY="$bin" "$root/tools/slurm/rank.sbatch" "$tmp/t.tape" "$tmp/sl" \
    >sbatch.out 2>sbatch.err; then ok; else
    bad "sbatch -W --array=0-2: $(cat sbatch.out sbatch.err task-*.err 2>/dev/null | head -20)"
fi
for i in 0 1 2; do
    grep -q "shard $i/3: " "task-$i.err" 2>/dev/null && ok || bad "array task $i did not compute shard $i/3: $(cat "task-$i.err" 2>/dev/null)"
    [ -e "sl/part-$i-of-3.done" ] && ok || bad "array task $i: no sl/part-$i-of-3.done"
done
"$bin" merge sl --json >sl.json 2>merge.err || bad "merge of the Slurm run: $(cat merge.err)"
for f in n1.json n3.json sl.json; do
    if [ -s "$f" ] && cmp -s "$f" ref.json; then ok; else bad "$f is not the unsharded run's output"; fi
done
cmp -s sl/part-1-of-3 n3/part-1-of-3 && ok || bad "Slurm's part 1/3 differs from the xargs run's"

# tools/slurm/submit.sh: the array and a merge job that waits for it
if PMCOPY=$bin SBATCH_OPTS="-c 1 -o $tmp/sub-%A_%a.out" sh "$root/tools/slurm/submit.sh" 3 \
    "$tmp/t.tape" "$tmp/sub" >submit.out 2>submit.err; then ok; else
    bad "submit.sh: $(cat submit.out submit.err)"
fi
waitfor 1200 test -s sub/ranking.json ||
    bad "submit.sh: no sub/ranking.json after 120 s: $(cat sub/merge-*.out sub-*.out 2>/dev/null | head; squeue 2>&1 | head)"
cmp -s sub/ranking.json ref.json && ok || bad "submit.sh: sub/ranking.json is not the unsharded run's output"

# pmcopy optimize: the same contract (tools/slurm/optimize.sbatch)
"$bin" synth --population 24 --days 12 --out pop.tape 2>/dev/null || bad "synth --population"
printf '{"latency_ms": [0, 1000, 4000], "coalesce_ms": [0, 800]}\n' >space.json
"$bin" optimize "$tmp/pop.tape" --space "$tmp/space.json" --progress none --out oref >/dev/null 2>oref.err ||
    bad "unsharded optimize: $(cat oref.err)"
if timeout 300 sbatch -W --array=0-2 -c 1 -o "$tmp/otask-%a.out" -e "$tmp/otask-%a.err" \
    --export=ALL,PMCOPY="$bin" "$root/tools/slurm/optimize.sbatch" "$tmp/pop.tape" "$tmp/osl" \
    --space "$tmp/space.json" >osbatch.out 2>osbatch.err; then ok; else
    bad "optimize: sbatch -W --array=0-2: $(cat osbatch.out osbatch.err otask-*.err 2>/dev/null | head -20)"
fi
for i in 0 1 2; do
    [ -e "osl/part-$i-of-3.done" ] && ok || bad "optimize array task $i: no osl/part-$i-of-3.done: $(cat "otask-$i.err" 2>/dev/null)"
done
"$bin" merge osl >omerge.out 2>omerge.err || bad "merge of the Slurm optimize run: $(cat omerge.err)"
same=1
for f in oref/*; do
    cmp -s "$f" "osl/${f#oref/}" || { same=0; echo "slurm: optimize: ${f#oref/} differs"; }
done
[ -e oref/report.html ] && [ $same -eq 1 ] && ok || bad "the merged Slurm optimize run is not the unsharded run's files"

# one done marker removed: merge refuses
rm sl/part-1-of-3.done
if "$bin" merge sl --json >/dev/null 2>merge.err; then
    bad "merge accepted a part without its done marker"
else
    grep -q "part-1-of-3: no done marker" merge.err && ok || bad "merge without a marker: $(cat merge.err)"
fi
finish
