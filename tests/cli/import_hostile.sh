#!/bin/sh
# tests/cli/import_hostile.sh - `pmcopy import` on hostile inputs:
#  bomb - a gzip stream that inflates more than 200 times its size (100 MB
#         of zeros in about 100 kB) is refused with a message saying so,
#         before it costs its decompressed size;
#  oom  - under a memory limit (ulimit -v, not in sanitizer builds, whose
#         shadow memory needs terabytes of address space) a document too
#         large to hold (an object: read whole) is reported as out of
#         memory, not as a syntax error;
#  big  - a top-level array of 200k rows (73 MB, about 650 MB once parsed
#         whole) is read one row at a time: under ulimit -v 200000 it
#         imports, and its identical rows of a transaction get the keys of
#         a decode of the whole document (the same rows in a {"data": [...]}
#         envelope, which is decoded whole).
# Usage: sh tests/cli/import_hostile.sh path/to/pmcopy
set -u
bin=${1:?usage: import_hostile.sh path/to/pmcopy}
pass=0 fail=0
tmp=$(mktemp -d /tmp/pmc_cli_imphostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "import_hostile: FAIL: $*" >&2; }

head -c 100000000 /dev/zero | gzip -c > "$tmp/bomb.json.gz"
"$bin" import activity "$tmp/bomb.json.gz" > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'bomb.json.gz: decompresses to more than 200 times its size' "$tmp/err"; then
    ok
else
    bad "bomb: exit $rc: $(cat "$tmp/err")"
fi

if "$bin" version | grep -q '^sanitizers: none'; then
    python3 - "$tmp/env.json" "$tmp/big.json" "$tmp/dup.json" "$tmp/dupenv.json" <<'PY'
import sys
row = ('{"proxyWallet":"0x1111111111111111111111111111111111111111",'
       '"timestamp":%d,"conditionId":"0x%064x","type":"%s",'
       '"size":10,"usdcSize":5,"transactionHash":"0x%064x","price":0.5,'
       '"asset":"%d","side":"BUY","outcomeIndex":0,"outcome":"Yes"}')
def rows(n, dup):
    for i in range(n):
        if dup:  # 1000 transactions, rows of each identical
            yield row % (1700000000 + i % 13, i % 3,
                         "TRADE" if i % 5 else "MERGE", (i * 7919) % 1000, 1)
        else:
            yield row % (1700000000 + i % 977, i, "TRADE", i, i % 7)
def write(path, n, dup, env):
    with open(path, "w") as f:
        f.write('{"data":[' if env else "[\n")
        for i, r in enumerate(rows(n, dup)):
            f.write(("," if i else "") + r + "\n")
        f.write("]}" if env else "]\n")
write(sys.argv[1], 130000, False, True)
write(sys.argv[2], 200000, False, False)
write(sys.argv[3], 30000, True, False)
write(sys.argv[4], 30000, True, True)
PY
    # 40 MB of rows in an envelope (read whole): far more than 300 MB of
    # address space once parsed. Several limits: jansson runs out at
    # different places (inside its lexer a failed allocation reads as
    # "invalid token")
    for lim in 300000 350000; do
        (ulimit -v $lim && "$bin" import activity "$tmp/env.json") > /dev/null 2> "$tmp/err"
        rc=$?
        if [ "$rc" -eq 1 ] && grep -q 'out of memory' "$tmp/err" && ! grep -q 'syntax error' "$tmp/err"; then
            ok
        else
            bad "oom at ulimit -v $lim: exit $rc: $(head -c 300 "$tmp/err")"
        fi
    done
    (ulimit -v 200000 && "$bin" import activity "$tmp/big.json") > "$tmp/big.tape" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$(grep -c ' ev=fill ' "$tmp/big.tape")" -eq 200000 ] &&
        grep -q '^pmcopy import: activity: 200000 rows -> 200000 fills' "$tmp/err"; then
        ok
    else
        bad "big: exit $rc: $(head -c 300 "$tmp/err")"
    fi
    (ulimit -v 200000 && "$bin" import activity "$tmp/dup.json") > "$tmp/dup.tape" 2> /dev/null
    rc=$?
    "$bin" import activity "$tmp/dupenv.json" > "$tmp/dupenv.tape" 2> /dev/null
    if [ "$rc" -eq 0 ] && cmp -s "$tmp/dup.tape" "$tmp/dupenv.tape" &&
        grep -q 'key=[^ ]*:3 ' "$tmp/dup.tape"; then
        ok
    else
        bad "dup: exit $rc, or the keys differ from the whole document's"
    fi
fi
echo "import_hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
