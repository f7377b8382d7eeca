#!/usr/bin/env bash
# Configure and build oci-agent-hook into build/ (or $BUILD_DIR).
# Usage: scripts/build.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
# Warnings are errors here (and so in CI, through run-tests.sh).
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DOCI_AGENT_HOOK_WERROR=ON > /dev/null
cmake --build "$build" -j "$(nproc)"
