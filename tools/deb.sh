#!/bin/sh
# tools/deb.sh - build a Debian package of pmcopy with dpkg-deb: the tree
# tools/install.sh writes for PREFIX=/usr, and a control file whose Depends
# names the Debian package of every shared library the binary needs (its
# NEEDED entries, found with objdump, ldd and dpkg -S on this machine), so it installs on a clean Debian 12
# with apt. gnuplot is recommended (the report's PNG charts).
# usage: tools/deb.sh PMCOPY OUTDIR   (prints the path of the .deb)
set -eu
bin=$1 out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
ver=$("$bin" --version | sed -n '1s/^pmcopy //p')
arch=$(dpkg --print-architecture)
stage=$out/deb-stage
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
sh "$here/tools/install.sh" install "$bin" "$out/deb-gen" "$stage" /usr > /dev/null
strip --strip-debug "$stage/usr/bin/pmcopy" 2> /dev/null || true
needed=$(objdump -p "$bin" | sed -n 's/^ *NEEDED *//p')
deps=$(for n in $needed; do ldd "$bin" | sed -n "s/^[[:space:]]*$n => \(\/[^ ]*\) .*/\1/p"; done | while read -r lib; do
    real=$(readlink -f "$lib")
    p=$(dpkg -S "$lib" 2> /dev/null || dpkg -S "$real" 2> /dev/null || true)
    p=${p%%:*}
    [ -n "$p" ] && echo "$p"
done | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$deps" ] || { echo "deb: no library package found for $bin" >&2; exit 1; }
size=$(du -sk "$stage/usr" | cut -f1)
cat > "$stage/DEBIAN/control" <<CTL
Package: pmcopy
Version: $ver
Architecture: $arch
Maintainer: pmcopy <pmcopy@localhost>
Installed-Size: $size
Depends: $deps
Recommends: gnuplot-nox
Section: misc
Priority: optional
Homepage: https://github.com/pmcopy/pmcopy
Description: copy the trades of Polymarket wallets, backtest and rank them
 A deterministic decision core driven by a live bot (watchers, CLOB
 executor, SQLite store, local API) or by a discrete-event simulator
 (backtest, rank, optimize).
CTL
(cd "$stage" && find usr -type f | sort | xargs md5sum) > "$stage/DEBIAN/md5sums"
deb=$out/pmcopy_${ver}_$arch.deb
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" > /dev/null
echo "$deb"
