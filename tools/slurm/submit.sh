#!/bin/sh
# tools/slurm/submit.sh - submit a sharded `pmcopy rank` run to Slurm: an
# array of N shard tasks (tools/slurm/rank.sbatch) and one merge job that
# starts when every task has succeeded and writes OUTDIR/ranking.FMT.
#
#   tools/slurm/submit.sh N TAPE OUTDIR [rank options...]
#
# FMT: json (default), csv or txt (the table): set PMCOPY_FORMAT. Extra sbatch
# options (partition, account, time): set SBATCH_OPTS. Prints the two job ids.
set -eu
if [ $# -lt 3 ]; then
    echo "usage: tools/slurm/submit.sh N TAPE OUTDIR [rank options...]" >&2
    exit 2
fi
n=$1
tape=$2
out=$3
shift 3
case $n in
'' | *[!0-9]*) echo "submit.sh: N must be a positive integer" >&2; exit 2 ;;
esac
[ "$n" -ge 1 ] || { echo "submit.sh: N must be >= 1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
pmcopy=${PMCOPY:-pmcopy}
fmt=${PMCOPY_FORMAT:-json}
case $fmt in
json) flag=--json ;;
csv) flag=--csv ;;
txt) flag= ;;
*) echo "submit.sh: PMCOPY_FORMAT is json, csv or txt" >&2; exit 2 ;;
esac
mkdir -p "$out"
# shellcheck disable=SC2086
arr=$(sbatch --parsable ${SBATCH_OPTS:-} --array="0-$((n - 1))" \
    --export=ALL,PMCOPY="$pmcopy" "$here/rank.sbatch" "$tape" "$out" "$@")
arr=${arr%%;*}
# shellcheck disable=SC2086
mrg=$(sbatch --parsable ${SBATCH_OPTS:-} --dependency=afterok:"$arr" \
    --job-name=pmcopy-merge --output="$out/merge-%j.out" \
    --wrap="\"$pmcopy\" merge \"$out\" $flag > \"$out/ranking.$fmt.tmp\" && mv \"$out/ranking.$fmt.tmp\" \"$out/ranking.$fmt\"")
mrg=${mrg%%;*}
echo "shards: job $arr (array 0-$((n - 1))); merge: job $mrg -> $out/ranking.$fmt"
