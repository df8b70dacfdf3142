#!/bin/sh
# tests/soak.sh - `make soak`: many crash trials of `pmcopy live --live`
# against the fake CLOB and feeds (not part of `make check`).
#
# SOAK_TRIALS (default 200) trials killed with SIGKILL at a pseudo-random
# moment, and SOAK_POINT_TRIALS (default 20) trials per deterministic kill
# point (PMCOPY_KILL_AT, live/killpoint.h) with varying counts: durable,
# sent and answer at the 1st..6th reach, batch at the 1st..20th, olog_grow
# in 1..3 sessions in a row, reconcile after a kill at durable, sent or
# answer. Each trial restarts on the same store and checks what
# tests/cli/live_lib.inc's trial_check checks. SOAK_JOBS (default 4)
# workers run trials side by side, each with its own fake CLOB (a trial
# mostly waits on its session's clock, so this is light on the CPU).
#
# Prints one row per kind: trials, orders at the venue, duplicates (an
# order hash POSTed again, a source fill copied twice), lost (an order the
# venue took missing from the store, a source fill missing from the
# journal), replay mismatches, failed trials (any check, a kill point not
# reached, a restart that failed, a trial that placed nothing). Exit 1
# unless duplicates, lost, mismatches and failed trials are all 0; the
# failed trials' stores and logs are then kept (KEEP_FAILED, default a
# folder under the run's temporary folder, which is then kept).
# Usage: sh tests/soak.sh path/to/pmcopy
set -u
R=${SOAK_TRIALS:-200}
P=${SOAK_POINT_TRIALS:-20}
JOBS=${SOAK_JOBS:-4}
POINTS="durable sent answer batch olog_grow reconcile"
NP=6
total=$((R + NP * P))

if [ -z "${SOAK_WORKER:-}" ]; then
    bin=${1:?usage: soak.sh path/to/pmcopy}
    out=$(mktemp -d /tmp/pmc_soak.XXXXXX)
    KEEP_FAILED=${KEEP_FAILED:-$out/failed}
    export KEEP_FAILED
    # kept when a trial failed (its store, logs and scenario)
    trap '[ -d "$KEEP_FAILED" ] && echo "soak: failed trials kept in $KEEP_FAILED" || rm -rf "$out"' EXIT INT TERM
    echo "soak: $R random trials, $P per kill point ($POINTS), $JOBS workers"
    start=$(date +%s)
    w=0 wpids=""
    while [ $w -lt "$JOBS" ]; do
        SOAK_WORKER=$((w + 1)) sh "$0" "$bin" > "$out/w$w.txt" 2> "$out/w$w.err" &
        wpids="$wpids $!"
        w=$((w + 1))
    done
    for p in $wpids; do wait "$p"; done
    secs=$(($(date +%s) - start))
    cat "$out"/w*.err >&2
    cat "$out"/w*.txt | awk -v secs="$secs" -v want="$total" '
        $1 == "trial" {
            k = $2; seen[k] = 1; n[k]++; o[k] += $3; d[k] += $4; l[k] += $5
            r[k] += $6; f[k] += ($7 > 0); tot++
        }
        END {
            printf "%-10s %7s %7s %10s %5s %17s %7s\n", "kind", "trials",
                   "orders", "duplicates", "lost", "replay_mismatches", "failed"
            split("random durable sent answer batch olog_grow reconcile", ks, " ")
            for (i = 1; i <= 7; i++) {
                k = ks[i]
                if (!(k in seen)) continue
                printf "%-10s %7d %7d %10d %5d %17d %7d\n", k, n[k], o[k],
                       d[k], l[k], r[k], f[k]
                N += n[k]; O += o[k]; D += d[k]; L += l[k]; R += r[k]; F += f[k]
            }
            printf "%-10s %7d %7d %10d %5d %17d %7d\n", "total", N, O, D, L, R, F
            bad = D + L + R + F
            if (tot != want) {
                printf "soak: %d of %d trials reported\n", tot, want
                bad = 1
            }
            printf "soak: %s in %d s\n", bad ? "FAILED" : "passed", secs
            exit bad ? 1 : 0
        }'
    exit $?
fi

# ---- a worker: trials t = SOAK_WORKER, SOAK_WORKER + JOBS, ... -------------
name=soak$SOAK_WORKER
. "$(dirname "$0")/cli/live_lib.inc"
live_creds
start_trial_clob $((60 + (total / JOBS + 1) * 30))
t=$SOAK_WORKER
while [ $t -le $total ]; do
    trial_begin $t
    if [ $t -le $R ]; then
        kind=random
        # a pseudo-random moment in 0.3 .. 3.2 s
        ms=$(((t * 7919 + 311) % 2900 + 300))
        trial_kill_random "soak $t random ${ms} ms" $ms
    else
        j=$(((t - R - 1) / NP)) # 0 .. P-1: the count varies with it
        kind=$(echo $POINTS | cut -d' ' -f$(((t - R - 1) % NP + 1)))
        case $kind in
        durable | sent | answer) spec=$kind:$((j % 6 + 1)) ;;
        batch) spec=batch:$(((j * 7) % 20 + 1)) ;;
        olog_grow)
            spec=olog_grow:1
            c=$((j % 3))
            while [ $c -gt 0 ]; do
                spec=$spec,olog_grow:1
                c=$((c - 1))
            done
            ;;
        reconcile)
            first=$(echo "durable sent answer" | cut -d' ' -f$((j % 3 + 1)))
            spec=$first:$((j / 3 % 3 + 1)),reconcile:1
            ;;
        esac
        trial_kill_points "soak $t $spec" "$spec"
    fi
    trial_check $t "soak $t ${spec:-}"
    echo "trial $kind $t_orders $t_dup $t_lost $t_replay $t_bad"
    spec=
    t=$((t + JOBS))
done
