#!/bin/sh
# tests/cli/import_hostile.sh - `pmcopy import` on hostile inputs:
#  bomb - a gzip stream that inflates more than 200 times its size (100 MB
#         of zeros in about 100 kB) is refused with a message saying so,
#         before it costs its decompressed size;
#  oom  - under a memory limit (ulimit -v, not in sanitizer builds, whose
#         shadow memory needs terabytes of address space) a document too
#         large to hold is reported as out of memory, not as a syntax error.
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
    # 40 MB of rows: far more than 300 MB of address space once parsed
    python3 - "$tmp/big.json" <<'PY'
import sys
row = ('{"proxyWallet":"0x1111111111111111111111111111111111111111",'
       '"timestamp":1700000000,"conditionId":"0x%064x","type":"TRADE",'
       '"size":10,"usdcSize":5,"transactionHash":"0x%064x","price":0.5,'
       '"asset":"123","side":"BUY","outcomeIndex":0,"outcome":"Yes"}')
with open(sys.argv[1], "w") as f:
    f.write("[")
    for i in range(130000):
        f.write(("," if i else "") + row % (i, i))
    f.write("]")
PY
    # several limits: jansson runs out at different places (inside its
    # lexer a failed allocation reads as "invalid token")
    for lim in 300000 350000; do
        (ulimit -v $lim && "$bin" import activity "$tmp/big.json") > /dev/null 2> "$tmp/err"
        rc=$?
        if [ "$rc" -eq 1 ] && grep -q 'out of memory' "$tmp/err" && ! grep -q 'syntax error' "$tmp/err"; then
            ok
        else
            bad "oom at ulimit -v $lim: exit $rc: $(head -c 300 "$tmp/err")"
        fi
    done
fi
echo "import_hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
