#!/bin/sh
# Check for the Debian packages pmcopy needs; install the missing ones when
# we can (root, or sudo without a password), else print the apt-get line.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev libcurl4-openssl-dev libssl-dev
libwebsockets-dev libmicrohttpd-dev libjansson-dev libsecp256k1-dev libgsl-dev libcmocka-dev
libsystemd-dev
gnuplot-nox clang libclang-rt-14-dev sqlite3 zlib1g-dev curl openssl
clang-format slurm-wlm munge chromium groff-base logrotate prometheus"
# the dashboard's browser test (tests/cli/dashboard_browser.sh) drives
# chromium through chromedriver
PKGS="$PKGS chromium-driver"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
    echo "deps: cannot install (not root, no password-less sudo). Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Installing slurm-wlm and munge must not start their daemons (the Slurm
# test starts its own, on 127.0.0.1, and stops them): without systemd,
# a temporary policy-rc.d tells invoke-rc.d not to start services.
policy=""
if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
    $SUDO chmod 755 $policy
    trap '$SUDO rm -f $policy' EXIT
fi
$SUDO apt-get update -q >/dev/null || $SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
