#!/bin/sh
# tools/man.sh - write the man pages pmcopy(1) and pmcopy-CMD(1) from the
# binary's own --help texts, so a page cannot say anything the binary does
# not: the body of each page is its command's --help output verbatim (in a
# no-fill block, with roff's special characters escaped), the NAME line is
# the command's line of `pmcopy --help`.
# usage: tools/man.sh PMCOPY OUTDIR
set -eu
bin=$1 out=$2
mkdir -p "$out"
ver=$("$bin" --version | sed -n '1s/^pmcopy //p')
# roff-escape stdin: backslash, a leading dot or quote, every hyphen
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }
page() { # name title summary help-args...
    n=$1 t=$2 s=$3
    shift 3
    {
        printf '.TH %s 1 "" "pmcopy %s" "pmcopy manual"\n' "$t" "$ver"
        printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$n" | esc)" \
            "$(printf '%s' "$s" | esc)"
        printf '.SH DESCRIPTION\n.nf\n'
        "$bin" "$@" | esc
        printf '.fi\n.SH SEE ALSO\n'
        if [ "$n" = pmcopy ]; then
            cmds | sed 's/^\(.*\)$/pmcopy\\-\1(1)/' | paste -sd, - |
                sed 's/,/, /g'
        else
            printf 'pmcopy(1)\n'
        fi
    } > "$out/$n.1"
}
cmds() { "$bin" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p'; }
page pmcopy PMCOPY "copy the trades of Polymarket wallets, backtest and rank them" --help
for c in $(cmds); do
    s=$("$bin" --help | sed -n "s/^  $c  *//p")
    page "pmcopy-$c" "PMCOPY-$(echo "$c" | tr a-z A-Z)" "$s" "$c" --help
done
