#!/bin/sh
# tools/completion.sh - write bash and zsh completion for pmcopy from the
# binary's own --help texts: the commands from `pmcopy --help`, each
# command's long options from `pmcopy CMD --help` (so a new option is
# completed as soon as it is documented).
# usage: tools/completion.sh PMCOPY OUTDIR  (writes OUTDIR/pmcopy.bash and
# OUTDIR/_pmcopy)
set -eu
bin=$1 out=$2
mkdir -p "$out"
cmds=$("$bin" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' | tr '\n' ' ')
opts() { # the long options of one command, once each, in order
    "$bin" "$1" --help |
        sed -n 's/^ \{1,8\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' |
        awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}
{
    printf '# bash completion for pmcopy (generated from its --help texts)\n'
    printf '_pmcopy() {\n'
    printf '    local cur=${COMP_WORDS[COMP_CWORD]} words=""\n'
    printf '    if [ "$COMP_CWORD" -eq 1 ]; then\n'
    printf '        words="%s--help --version"\n' "$cmds"
    printf '    else\n        case ${COMP_WORDS[1]} in\n'
    for c in $cmds; do
        printf '        %s) words="%s" ;;\n' "$c" "$(opts "$c")"
    done
    printf '        esac\n    fi\n'
    printf '    case $cur in\n'
    printf '    -*|"") COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;\n'
    printf '    *) if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi ;;\n'
    printf '    esac\n}\ncomplete -o filenames -F _pmcopy pmcopy\n'
} > "$out/pmcopy.bash"
{
    printf '#compdef pmcopy\n# zsh completion for pmcopy (generated from its --help texts)\n'
    printf '_pmcopy() {\n'
    printf '    if (( CURRENT == 2 )); then\n'
    printf '        compadd -- %s--help --version\n' "$cmds"
    printf '        return\n    fi\n'
    printf '    case ${words[2]} in\n'
    for c in $cmds; do
        printf '    %s) compadd -- %s ;;\n' "$c" "$(opts "$c")"
    done
    printf '    esac\n    _files\n}\n_pmcopy "$@"\n'
} > "$out/_pmcopy"
