#!/usr/bin/env bash
# cgroup2_only.sh COMMAND [ARGS...]: runs COMMAND where /sys/fs/cgroup is a
# plain cgroup2 mount, as on a cgroup v2 only host (the Debian 12 default),
# even on a hybrid host: in a private mount namespace (propagation made
# private first, so nothing reaches the host's mount tree) with cgroup2
# mounted over /sys/fs/cgroup. On a host that is already v2 only it runs
# COMMAND as it is (mounting cgroup2 there again would fail).
#
# CTest runs an end-to-end script under crun through it, so that
# scripts/crun-hybrid's v2 only path (crun run directly) is exercised on a
# hybrid CI machine too. Needs root, like the end-to-end tests.
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: ${0##*/} COMMAND [ARGS...]" >&2; exit 2; }
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
    exec "$@"
fi
if [[ $(id -u) -ne 0 ]]; then
    # Let the script itself say why it skips (or fails with E2E_REQUIRED=1).
    exec "$@"
fi
# shellcheck disable=SC2016 # the inner script expands its own "$@"
exec unshare --mount -- bash -c '
    set -e
    mount --make-rprivate /
    mount -t cgroup2 none /sys/fs/cgroup
    [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "cgroup2_only.sh: /sys/fs/cgroup is not cgroup2 after mounting it" >&2; exit 1; }
    exec "$@"
' cgroup2_only "$@"
