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
status=0
ctest --output-on-failure "$@" || status=$?
# A long run's log may be cut in the middle: repeat the end of each failed
# test's output (where fuzz.sh and the e2e tests put their findings) last.
if ((status != 0)) && [[ -f Testing/Temporary/LastTestsFailed.log ]]; then
    while IFS=: read -r _ name; do
        echo "=== $name failed; the end of its output ==="
        awk -v test="$name" '$0 ~ "^[0-9]+/[0-9]+ Test: " && $NF == test { mine = 1; next }
            mine && /^Output:/ { getline; grab = 1; next }
            grab && /^<end of output>/ { exit }
            grab' Testing/Temporary/LastTest.log | cut -c1-300 | tail -n 60
    done < Testing/Temporary/LastTestsFailed.log
fi
exit "$status"
