#!/usr/bin/env bash
# Set up and run every test on a fresh Debian 12 machine, as root: installs
# the dependencies, builds, then runs the unit tests, the command tests,
# the end-to-end tests on real runc and crun containers and the engine tests
# (podman, containerd with ctr and CRI, Docker) through CTest.
# End-to-end and engine tests may not skip here (E2E_REQUIRED=1): a skip is
# a failure. Works on cgroup v2 only hosts (the Debian 12 default) and on
# hybrid ones: scripts/crun-hybrid looks at /sys/fs/cgroup and runs crun the
# way that host needs.
#
# Usage: scripts/run-tests.sh [extra ctest arguments, e.g. -R e2e_runc]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
export E2E_REQUIRED=${E2E_REQUIRED:-1}
cd "${BUILD_DIR:-$top/build}"
ctest --output-on-failure "$@"
