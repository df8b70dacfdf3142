#!/bin/sh
# tests/layers.sh - the one-way dependency rule of docs/architecture.md,
# checked on the include graph of the sources:
#
#     core <- proto <- {sim, live} <- research <- app
#
# A file may include headers of its own layer and of the layers below it;
# sim/ and live/ never include each other; core/ includes only core/ and
# the C library. Modules (x.c with x.h) must not include each other in a
# circle. Each violation is printed as file:line: the include and the rule,
# and the script exits 1. tests/, bench/ and tools/ may include anything.
#
# With BUILD, the objects under BUILD/ are read too: no two object files
# may call each other in a circle (nm: who defines what another uses).
#
# usage: sh tests/layers.sh [BUILD]
set -eu
build=${1:-}

rank() {
    case "$1" in
    core/*) echo 0 ;;
    proto/*) echo 1 ;;
    sim/*) echo 2 ;;
    live/*) echo 2 ;;
    research/*) echo 3 ;;
    app/*) echo 4 ;;
    *) echo -1 ;;
    esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
files=$(find core proto sim live research app -name '*.[ch]' 2>/dev/null | sort)

# 1. layering, per include line
for f in $files; do
    fr=$(rank "$f")
    ftop=${f%%/*}
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' >"$tmp/inc" || true
    while read -r line inc; do
        case "$inc" in
        */*) target=$inc ;;
        *) target=$(dirname "$f")/$inc ;; # same-folder include
        esac
        if [ ! -f "$target" ]; then
            echo "$f:$line: includes \"$inc\", which is not a file of the tree"
            bad=1
            continue
        fi
        tr=$(rank "$target")
        ttop=${target%%/*}
        if [ "$tr" -gt "$fr" ]; then
            echo "$f:$line: includes $target: $ftop/ may not depend on $ttop/ (core <- proto <- {sim, live} <- research <- app)"
            bad=1
        elif [ "$tr" = 2 ] && [ "$fr" = 2 ] && [ "$ftop" != "$ttop" ]; then
            echo "$f:$line: includes $target: sim/ and live/ never include each other"
            bad=1
        fi
        echo "$f $target" >>"$tmp/edges"
    done <"$tmp/inc"
    if [ "$ftop" = core ] &&
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
        grep -v '<\(stddef\|stdint\|stdbool\|string\|limits\|inttypes\|stdarg\|stdalign\|assert\)\.h>' \
            >"$tmp/sys"; then
        sed "s#^\([0-9]*\):#$f:\1: core/ includes only core/ and the C library's pure headers: #" "$tmp/sys"
        bad=1
    fi
done

# 2. no circles between modules (a module is x.c together with x.h)
if [ -s "$tmp/edges" ]; then
    # a private header x_int.h belongs to module x
    sed 's/\.[ch]\( \|$\)/\1/g; s/_int\( \|$\)/\1/g' "$tmp/edges" |
        awk '$1 != $2' | sort -u >"$tmp/mods"
    # tsort names the members of every loop on stderr
    if ! tsort "$tmp/mods" >/dev/null 2>"$tmp/loops"; then
        echo "modules include each other in a circle:"
        grep -v 'input contains a loop' "$tmp/loops" | sed 's/^tsort: /  /'
        bad=1
    fi
fi

# 3. no circles of calls between object files
if [ -n "$build" ]; then
    objs=$(cd "$build" && find core proto sim live research app -name '*.o' 2>/dev/null | sort)
    for o in $objs; do
        nm --defined-only -g "$build/$o" | awk -v o="$o" 'NF==3 {print $3, o}'
    done | sort >"$tmp/defs"
    for o in $objs; do
        nm -u "$build/$o" | awk -v o="$o" '{print $NF, o}'
    done | sort >"$tmp/uses"
    join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 {print $2, $3}' | sort -u >"$tmp/calls"
    if ! tsort "$tmp/calls" >/dev/null 2>"$tmp/cloops"; then
        echo "object files call each other in a circle:"
        grep -v 'input contains a loop' "$tmp/cloops" | sed 's/^tsort: /  /'
        bad=1
    fi
fi

if [ "$bad" != 0 ]; then
    echo "layers: FAILED (see docs/architecture.md)"
    echo "layers: 0 passed, 1 failed"
    exit 1
fi
echo "layers: $(echo "$files" | wc -l) files, $(wc -l <"$tmp/edges") includes, one way, no circle"
echo "layers: 1 passed, 0 failed"
