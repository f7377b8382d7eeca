#!/usr/bin/env bash
# Install what building oci-agent-hook and running its tests need on Debian
# 12 (the benchmarks install their own extra tools). Idempotent: when every
# package is already installed it does nothing (no apt-get update). Must run
# as root.
#
# Usage: scripts/install-deps.sh [-h|--help]
set -euo pipefail

PACKAGES=(
    # build
    build-essential cmake pkg-config
    nlohmann-json3-dev libseccomp-dev libcli11-dev doctest-dev libtoml11-dev
    # the fuzz targets (scripts/fuzz.sh): clang, its libFuzzer and sanitizer
    # runtimes, llvm-symbolizer for the reports' file:line
    clang-14 libclang-rt-14-dev llvm-14
    # the end-to-end tests: runtimes, the sample image, the tools the scripts use
    runc crun busybox-static jq util-linux strace
    # the engines of the engine tests, and what they build images and talk CRI with
    podman conmon containerd docker.io umoci
    # (grpc_tools brings its own protoc)
    python3-grpcio python3-grpc-tools python3-protobuf
)

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: must run as root" >&2
    exit 1
fi

exec "$(dirname "$0")/ensure-packages.sh" "${PACKAGES[@]}"
