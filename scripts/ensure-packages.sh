#!/usr/bin/env bash
# Make sure the named Debian packages are installed; install the missing
# ones. Idempotent: when every package is already installed it does nothing
# (no apt-get update) and needs no root. Shared by install-deps.sh and the
# benchmarks (which install their own extra tools).
#
# Usage: scripts/ensure-packages.sh [--quiet] PACKAGE...
#   --quiet   print nothing when every package is already there
set -euo pipefail

quiet=0
if [[ ${1:-} == --quiet ]]; then
    quiet=1
    shift
fi
if [[ $# -eq 0 || ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    [[ $# -eq 0 ]] && exit 2
    exit 0
fi

# A package counts as present only when dpkg reports it fully installed.
# One dpkg-query call for all of them (unknown packages print nothing).
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "$@" 2>/dev/null || true) "
missing=()
for pkg in "$@"; do
    [[ $installed == *" $pkg:installed "* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    [[ $quiet == 1 ]] || echo "ensure-packages.sh: all $# packages already installed"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-packages.sh: missing ${missing[*]}; installing them needs root" >&2
    exit 1
fi

echo "ensure-packages.sh: missing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "ensure-packages.sh: apt-get update"
apt-get update
echo "ensure-packages.sh: apt-get install ${missing[*]}"
apt-get install -y --no-install-recommends "${missing[@]}"
echo "ensure-packages.sh: done"
