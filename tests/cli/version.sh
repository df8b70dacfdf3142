#!/bin/sh
# pmcopy --version and pmcopy version: the same five lines (version, git
# commit, compiler, flags, sanitizers); the commit is the checkout's.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "version: $1"; fail=$((fail + 1)); }

"$bin" --version >"$tmp/a" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 0 ] && ok || bad "--version: exit $rc"
"$bin" version >"$tmp/b" 2>&1; rc=$?
[ "$rc" -eq 0 ] && ok || bad "version: exit $rc"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "--version and version differ"
[ -s "$tmp/err" ] && bad "--version wrote on stderr" || ok
[ "$(wc -l <"$tmp/a")" -eq 5 ] && ok || bad "not five lines: $(cat "$tmp/a")"
grep -qE '^pmcopy [0-9]+\.[0-9]+\.[0-9]+' "$tmp/a" && ok || bad "no version line"
grep -qE '^cc: .+' "$tmp/a" && ok || bad "no cc line"
grep -qE '^cflags: .*-O' "$tmp/a" && ok || bad "no cflags line"
grep -qE '^sanitizers: (none|.*-fsanitize=)' "$tmp/a" && ok || bad "no sanitizers line"
commit=$(sed -n 's/^commit: //p' "$tmp/a")
if want=$(git -C "$root" describe --always --dirty 2>/dev/null); then
    # built from this checkout: the same commit (dirtiness may differ)
    [ "${commit%-dirty}" = "${want%-dirty}" ] && ok ||
        bad "commit '$commit', checkout is at '$want'"
else
    [ "$commit" = unknown ] && ok || bad "commit '$commit' outside a checkout"
fi
"$bin" version --bogus >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok || bad "version --bogus: exit $rc, want 2"
"$bin" --help | grep -q -- "--version" && ok || bad "pmcopy --help does not name --version"

echo "version: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
