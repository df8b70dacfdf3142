#!/bin/sh
# tools/install.sh - install or uninstall pmcopy: the binary, the files it
# finds at run time in PREFIX/share/pmcopy (the report templates and the
# default fixture: pmc_find_shared looks in ../share/pmcopy beside the
# binary, so no PMC_HOME is needed), the man pages, bash and zsh completion,
# the systemd unit and the service kit of contrib/.
# The man pages and completion are written from the binary's --help texts
# (tools/man.sh, tools/completion.sh) into GEN first.
# usage: tools/install.sh install|uninstall PMCOPY GEN DESTDIR PREFIX
set -eu
what=$1 bin=$2 gen=$3 dest=$4 prefix=$5
root=$dest$prefix
here=$(cd "$(dirname "$0")/.." && pwd)
shared="reports/charts.gp reports/report.html.tmpl reports/sweep.gp
fixtures/default.tape"
# the service kit, installed as examples (the unit also where systemd
# finds it, its ExecStart pointed at PREFIX/bin)
contrib="systemd/pmcopy.service logrotate/pmcopy prometheus/alerts.yml
grafana/pmcopy.json"
sh "$here/tools/man.sh" "$bin" "$gen/man"
sh "$here/tools/completion.sh" "$bin" "$gen/completion"
files() { # every installed path, relative to PREFIX
    echo bin/pmcopy
    for f in $shared; do echo "share/pmcopy/$f"; done
    for m in "$gen"/man/*.1; do echo "share/man/man1/$(basename "$m")"; done
    echo share/bash-completion/completions/pmcopy
    echo share/zsh/vendor-completions/_pmcopy
    echo lib/systemd/system/pmcopy.service
    for f in $contrib; do echo "share/pmcopy/contrib/$f"; done
    echo share/doc/pmcopy/RUNBOOK.md
}
case $what in
install)
    install -d "$root/bin" "$root/share/pmcopy/reports" \
        "$root/share/pmcopy/fixtures" "$root/share/man/man1" \
        "$root/share/bash-completion/completions" \
        "$root/share/zsh/vendor-completions"
    install -m 0755 "$bin" "$root/bin/pmcopy"
    for f in $shared; do install -m 0644 "$here/$f" "$root/share/pmcopy/$f"; done
    install -m 0644 "$gen"/man/*.1 "$root/share/man/man1/"
    install -m 0644 "$gen/completion/pmcopy.bash" \
        "$root/share/bash-completion/completions/pmcopy"
    install -m 0644 "$gen/completion/_pmcopy" \
        "$root/share/zsh/vendor-completions/_pmcopy"
    install -d "$root/lib/systemd/system"
    sed "s|/usr/bin/pmcopy|$prefix/bin/pmcopy|" \
        "$here/contrib/systemd/pmcopy.service" > "$gen/pmcopy.service"
    install -m 0644 "$gen/pmcopy.service" "$root/lib/systemd/system/pmcopy.service"
    for f in $contrib; do
        install -d "$root/share/pmcopy/contrib/$(dirname "$f")"
        install -m 0644 "$here/contrib/$f" "$root/share/pmcopy/contrib/$f"
    done
    install -d "$root/share/doc/pmcopy"
    install -m 0644 "$here/RUNBOOK.md" "$root/share/doc/pmcopy/RUNBOOK.md"
    echo "installed pmcopy into $root ($(files | wc -l) files)"
    ;;
uninstall)
    n=0
    for f in $(files); do
        if [ -e "$root/$f" ]; then rm -f "$root/$f" && n=$((n + 1)); fi
    done
    for d in share/pmcopy/reports share/pmcopy/fixtures \
        $(for f in $contrib; do echo "share/pmcopy/contrib/$(dirname "$f")"; done) \
        share/pmcopy/contrib share/pmcopy share/doc/pmcopy; do
        rmdir "$root/$d" 2> /dev/null || true
    done
    echo "removed $n files of pmcopy from $root"
    ;;
*)
    echo "usage: tools/install.sh install|uninstall PMCOPY GEN DESTDIR PREFIX" >&2
    exit 2
    ;;
esac
