#!/bin/sh
# tests/layers.sh can fail: a tiny tree with one violation of each kind must
# be refused, each named, and the same tree without them accepted.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/tests/layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "layers: $1"; fail=$((fail + 1)); }

tree() {
    rm -rf "$tmp/t"
    mkdir -p "$tmp/t/core" "$tmp/t/proto" "$tmp/t/live" "$tmp/t/sim" "$tmp/t/app"
    printf '#include <string.h>\nint pmc_a(void);\n' >"$tmp/t/core/a.h"
    printf '#include "core/a.h"\nint pmc_a(void) { return 1; }\n' >"$tmp/t/core/a.c"
    printf '#include "core/a.h"\nint pmc_p(void);\n' >"$tmp/t/proto/p.h"
    printf '#include "proto/p.h"\nint pmc_p(void) { return pmc_a(); }\n' >"$tmp/t/proto/p.c"
    printf '#include "proto/p.h"\nint pmc_l(void);\n' >"$tmp/t/live/l.h"
    printf '#include "live/l.h"\nint pmc_l(void) { return pmc_p(); }\n' >"$tmp/t/live/l.c"
    printf 'int pmc_s(void);\n' >"$tmp/t/sim/s.h"
    printf '#include "sim/s.h"\nint pmc_s(void) { return 0; }\n' >"$tmp/t/sim/s.c"
    printf '#include "live/l.h"\n#include "sim/s.h"\nint main(void) { return pmc_l() + pmc_s(); }\n' >"$tmp/t/app/main.c"
}

# expect NAME WANT_RC [PATTERN]: run the check in the tree
expect() {
    (cd "$tmp/t" && sh "$check" ${build:-}) >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$2" ]; then bad "$1: exit $rc, want $2: $(cat "$tmp/out")"; return; fi
    if [ -n "${3:-}" ] && ! grep -q "$3" "$tmp/out"; then
        bad "$1: no '$3' in: $(cat "$tmp/out")"; return
    fi
    ok
}

tree
build="" expect "clean tree" 0 "1 passed, 0 failed"

tree
printf '#include "live/l.h"\n' >>"$tmp/t/core/a.c"
build="" expect "core includes live" 1 "core/a.c:3: includes live/l.h: core/ may not depend on live/"

tree
printf '#include "sim/s.h"\n' >>"$tmp/t/live/l.c"
build="" expect "live includes sim" 1 "live/l.c:3: includes sim/s.h: sim/ and live/ never include each other"

tree
printf '#include <stdio.h>\n' >>"$tmp/t/core/a.c"
build="" expect "core includes stdio" 1 "core/a.c:3: core/ includes only"

tree
printf '#include "core/nothere.h"\n' >>"$tmp/t/proto/p.c"
build="" expect "include of no file" 1 "not a file of the tree"

# a call circle between two object files of one layer
if command -v cc >/dev/null 2>&1; then
    tree
    printf 'int pmc_m(void);\nint pmc_n(void);\n' >"$tmp/t/live/m.h"
    printf '#include "live/m.h"\nint pmc_m(void) { return pmc_n(); }\n' >"$tmp/t/live/m.c"
    printf '#include "live/m.h"\nint pmc_n(void) { return pmc_m(); }\n' >"$tmp/t/live/n.c"
    mkdir -p "$tmp/t/b/live" "$tmp/t/b/core" "$tmp/t/b/proto"
    for f in live/m live/n live/l proto/p core/a; do
        cc -I"$tmp/t" -c "$tmp/t/$f.c" -o "$tmp/t/b/$f.o" || bad "cc $f"
    done
    build=b expect "call circle" 1 "object files call each other in a circle"
    rm "$tmp/t/live/n.c" "$tmp/t/b/live/n.o"
    build=b expect "no circle once broken" 0 "1 passed, 0 failed"
fi

echo "layers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
