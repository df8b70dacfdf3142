#!/bin/sh
# tests/cli/import_empty.sh - `pmcopy import` of every kind on inputs that
# hold no record (an empty file, an empty array, an empty object, an empty
# gzip stream, an empty JSON-lines file, an activity page with no rows)
# writes a tape holding only its header line and exits 0, or is refused
# naming the file (a document that is not of that kind): no
# sorting of an absent array (qsort(NULL, 0, ...) is undefined; the
# sanitizer build of `make asan` runs this script too and aborts on it).
# Usage: sh tests/cli/import_empty.sh path/to/pmcopy
set -u
bin=${1:?usage: import_empty.sh path/to/pmcopy}
pass=0 fail=0
tmp=$(mktemp -d /tmp/pmc_cli_impempty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "import_empty: FAIL: $*" >&2; }

: > "$tmp/empty.json"
printf '[]' > "$tmp/arr.json"
printf '[]\n' | gzip -c > "$tmp/arr.json.gz"
: | gzip -c > "$tmp/nothing.json.gz"
: > "$tmp/empty.jsonl"
printf '{"data":[]}' > "$tmp/env.json"
printf '{"history":[]}' > "$tmp/hist.json"
printf '{"jsonrpc":"2.0","id":1,"result":[]}' > "$tmp/logs.json"
for kind in activity trades prices markets book logs; do
    for f in empty.json arr.json arr.json.gz nothing.json.gz empty.jsonl \
        env.json hist.json logs.json; do
        "$bin" import "$kind" --no-meta "$tmp/$f" > "$tmp/out.tape" 2> "$tmp/err"
        rc=$?
        # a document that is no input of this kind may be refused (exit 1,
        # FILE: reason); what must never happen is a crash or a
        # sanitizer abort, and an accepted one must be the header alone
        case $rc in
        0)
            if [ "$(wc -l < "$tmp/out.tape")" -eq 1 ] &&
                head -1 "$tmp/out.tape" | grep -q '^#pmcopy-tape'; then
                ok
            else
                bad "$kind $f: exit 0 but not a header-only tape: $(cat "$tmp/err")"
            fi
            ;;
        1)
            if grep -q "$f" "$tmp/err" && ! grep -qi 'sanitizer\|runtime error' "$tmp/err"; then
                ok
            else
                bad "$kind $f: exit 1 without naming the file: $(cat "$tmp/err")"
            fi
            ;;
        *) bad "$kind $f: exit $rc: $(cat "$tmp/err")" ;;
        esac
    done
done
# the plain empty array is accepted by every kind that reads arrays
for kind in activity trades markets; do
    "$bin" import "$kind" "$tmp/arr.json" > "$tmp/out.tape" 2> "$tmp/err"
    if [ $? -eq 0 ]; then ok; else bad "$kind []: $(cat "$tmp/err")"; fi
done
echo "import_empty: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
