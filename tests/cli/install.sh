#!/bin/sh
# tests/cli/install.sh - what `make install`, `make uninstall` and `make deb`
# give an operator (tools/install.sh, tools/deb.sh):
#   installed   - an installed copy runs the default backtest from another
#                 folder with PMC_HOME unset (it finds the fixture and the
#                 report templates in ../share/pmcopy);
#   templates   - a missing template stops the backtest before anything of
#                 the report folder is written;
#   man         - a page per command of `pmcopy --help` and pmcopy(1); each
#                 page's text (roff unescaped, and as groff renders it) is
#                 the command's --help output line for line;
#   completion  - bash completes commands and a command's options; zsh's
#                 file names every command;
#   uninstall   - leaves no file behind;
#   deb         - the package installs into a throwaway root with dpkg,
#                 lists its files, runs, names only installed packages as
#                 dependencies, and is removed cleanly.
# $1 = the pmcopy binary.
set -u
name=install
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "/tmp/pmc_cli_install.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "$name: FAIL: $*" >&2
}
check() { # name command...
    n=$1
    shift
    if "$@"; then ok; else bad "$n"; fi
}

# ---- installed -------------------------------------------------------------
d=$tmp/dest p=/usr
sh "$here/tools/install.sh" install "$bin" "$tmp/gen" "$d" "$p" > "$tmp/inst.out"
ib=$d$p/bin/pmcopy
check "installed: binary" test -x "$ib"
check "installed: the unit starts the installed binary" \
    grep -q "^ExecStart=$p/bin/pmcopy live" "$d$p/lib/systemd/system/pmcopy.service"
mkdir "$tmp/elsewhere"
(cd "$tmp/elsewhere" && env -u PMC_HOME "$ib" backtest --out "$tmp/rep" \
    > "$tmp/bt.out" 2> "$tmp/bt.err")
check "installed: the default backtest runs without PMC_HOME ($(tail -1 "$tmp/bt.err"))" \
    test -s "$tmp/rep/report.html"
check "installed: the report names the default fixture" \
    grep -q "default.tape" "$tmp/rep/summary.json"

# ---- templates -------------------------------------------------------------
cp -R "$d" "$tmp/broken"
rm "$tmp/broken$p/share/pmcopy/reports/report.html.tmpl"
(cd "$tmp/elsewhere" && env -u PMC_HOME "$tmp/broken$p/bin/pmcopy" backtest \
    --out "$tmp/half" > /dev/null 2> "$tmp/half.err")
rc=$?
check "templates: a missing template fails the run (rc $rc)" test "$rc" -ne 0
check "templates: the error names the template" \
    grep -q "report.html.tmpl" "$tmp/half.err"
check "templates: no report folder is left half written" test ! -e "$tmp/half"

# ---- man -------------------------------------------------------------------
cmds=$("$bin" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
check "man: commands listed" test -n "$cmds"
man=$d$p/share/man/man1
unroff() { # the no-fill body of a page, roff escapes undone
    sed -n '/^\.nf$/,/^\.fi$/p' "$1" | sed -e '1d' -e '$d' |
        sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g'
}
render() { # the DESCRIPTION as groff renders it, indent removed
    groff -man -Tutf8 -P-cbu -rLL=200n "$1" 2> /dev/null |
        sed -n '/^DESCRIPTION$/,/^SEE ALSO$/p' | sed -e '1d' -e '$d' |
        sed 's/^       //' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
for c in "" $cmds; do
    page=$man/pmcopy${c:+-$c}.1
    if [ ! -s "$page" ]; then
        bad "man: no page for '${c:-pmcopy}'"
        continue
    fi
    # shellcheck disable=SC2086
    "$bin" $c --help > "$tmp/help.txt"
    unroff "$page" > "$tmp/page.txt"
    check "man: pmcopy${c:+-$c}(1) is the --help text" cmp -s "$tmp/help.txt" "$tmp/page.txt"
    if command -v groff > /dev/null; then
        render "$page" > "$tmp/render.txt"
        sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/help.txt" > "$tmp/help.trim"
        check "man: pmcopy${c:+-$c}(1) renders as the --help text" \
            cmp -s "$tmp/help.trim" "$tmp/render.txt"
    fi
done
check "man: pmcopy(1) lists every command page" \
    test "$(grep -o 'pmcopy\\-[a-z]*(1)' "$man/pmcopy.1" | wc -l)" -eq "$(echo "$cmds" | wc -l)"
# a drift is seen: a page that differs from --help fails the comparison
sed 's/^usage:/usage (old):/' "$man/pmcopy-backtest.1" > "$tmp/drift.1"
"$bin" backtest --help > "$tmp/help.txt"
unroff "$tmp/drift.1" > "$tmp/page.txt"
check "man: a page that drifted from --help is caught" \
    sh -c "! cmp -s '$tmp/help.txt' '$tmp/page.txt'"

# ---- completion ------------------------------------------------------------
comp=$d$p/share/bash-completion/completions/pmcopy
complete_words() { # words... (the last one is completed)
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pmcopy; echo "${COMPREPLY[*]}"' \
        _ "$comp" "$@"
}
check "completion: a command" test "$(complete_words pmcopy backt)" = backtest
r=$(complete_words pmcopy backtest --laten)
check "completion: a command's options ($r)" sh -c "echo '$r' | grep -qw -- --latency-recorded"
r=$(complete_words pmcopy live --kill)
check "completion: options of another command are not offered ($r)" \
    sh -c "! echo '$r' | grep -qw -- --latency-recorded"
for c in $cmds; do
    grep -q "^    $c) compadd" "$d$p/share/zsh/vendor-completions/_pmcopy" ||
        bad "completion: zsh has no case for $c"
done
ok

# ---- uninstall -------------------------------------------------------------
sh "$here/tools/install.sh" uninstall "$bin" "$tmp/gen" "$d" "$p" > /dev/null
left=$(find "$d" -type f | wc -l)
check "uninstall: no file left ($left)" test "$left" -eq 0

# ---- deb -------------------------------------------------------------------
if command -v dpkg-deb > /dev/null; then
    deb=$(sh "$here/tools/deb.sh" "$bin" "$tmp/deb")
    check "deb: built" test -s "$deb"
    r=$tmp/root
    mkdir -p "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/info"
    : > "$r/var/lib/dpkg/status"
    nr=""
    [ "$(id -u)" = 0 ] || nr=--force-not-root
    # the throwaway root has no packages: its dependencies are checked
    # against this machine's below
    dpkg $nr --root="$r" --force-depends --force-script-chrootless \
        -i "$deb" > "$tmp/dpkg.out" 2>&1
    check "deb: dpkg installs it ($(tail -1 "$tmp/dpkg.out"))" \
        sh -c "dpkg $nr --root='$r' -s pmcopy 2>/dev/null | grep -q '^Status: install ok installed'"
    check "deb: the systemd unit is where systemd finds it" \
        sh -c "dpkg $nr --root='$r' -L pmcopy | grep -q /usr/lib/systemd/system/pmcopy.service"
    check "deb: dpkg lists the man pages" \
        sh -c "dpkg $nr --root='$r' -L pmcopy | grep -q /usr/share/man/man1/pmcopy-live.1"
    (cd "$tmp/elsewhere" && env -u PMC_HOME "$r/usr/bin/pmcopy" backtest \
        --no-report > "$tmp/deb.out" 2>&1)
    check "deb: the installed binary runs the default backtest" \
        grep -q "accounting identity ok" "$tmp/deb.out"
    deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//')
    check "deb: depends on the libraries it links (sqlite, curl, websockets)" \
        sh -c "echo '$deps' | grep -q libsqlite3 && echo '$deps' | grep -q libcurl && echo '$deps' | grep -q libwebsockets"
    for dp in $deps; do
        dpkg -s "$dp" 2> /dev/null | grep -q '^Status: install ok installed' ||
            bad "deb: depends on $dp, which is not a Debian package here"
    done
    dpkg $nr --root="$r" --force-script-chrootless -r pmcopy > /dev/null 2>&1
    check "deb: removed cleanly" test ! -e "$r/usr/bin/pmcopy"
else
    bad "deb: dpkg-deb not found"
fi

echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
