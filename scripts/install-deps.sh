#!/usr/bin/env bash
# Install the build and test dependencies of oci-agent-hook on Debian 12.
# Idempotent: when every package is already installed it does nothing
# (no apt-get update). Must run as root.
#
# Usage: scripts/install-deps.sh [-h|--help]
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config
    nlohmann-json3-dev libseccomp-dev libcli11-dev doctest-dev libtoml11-dev
    runc crun busybox-static jq util-linux procps hyperfine
    # the engines of the engine tests, and what they build images and talk CRI with
    podman conmon containerd docker.io umoci
    python3-grpcio python3-grpc-tools python3-protobuf protobuf-compiler
)

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: must run as root" >&2
    exit 1
fi

# A package counts as present only when dpkg reports it fully installed.
# One dpkg-query call for all of them (unknown packages print nothing).
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${PACKAGES[@]}" 2>/dev/null || true) "
missing=()
for pkg in "${PACKAGES[@]}"; do
    [[ $installed == *" $pkg:installed "* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps.sh: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

echo "install-deps.sh: missing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: apt-get update"
apt-get update
echo "install-deps.sh: apt-get install ${missing[*]}"
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps.sh: done"
