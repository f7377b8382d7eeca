#!/usr/bin/env bash
# Configure and build oci-agent-hook into build/ (or $BUILD_DIR).
# Usage: scripts/build.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" > /dev/null
cmake --build "$build" -j "$(nproc)"
