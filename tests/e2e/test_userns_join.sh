#!/usr/bin/env bash
# A user namespace joined by path ({"type": "user", "path": "/proc/PID/ns/user"}):
# the ids the container sees are those of that namespace, as the kernel
# says (/proc/<pid>/uid_map and gid_map), whatever the spec's
# uidMappings/gidMappings say or whether it has any. The hook must give
# /agent-home to the container's 1000:1000 and /tmp to its root.
#
# A holder process (this test's, killed at the end) sits in a new user
# namespace mapping 0 -> 100000 (size 65536) for uids and gids; the rootfs
# is chowned to 100000 as for a --userns bundle, under /var/tmp (the mapped
# root must traverse the bundle's parents).
#
# Cases: no mappings in the spec (runc 1.1.5 cannot start that at all: it
# requires spec mappings with any user namespace, opencontainers/runc#4122,
# fixed in runc 1.2; the case is skipped there with the reason); spec
# mappings equal to the namespace's (what runc 1.1.5 needs to join);
# spec mappings that differ from the namespace's (0 -> 200000: both
# runtimes here start it; the namespace is what counts).
#
# Usage: test_userns_join.sh RUNTIME HOOK   (RUNTIME: runc or crun)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
. "$(dirname "$0")/functional_lib.sh"

command -v unshare > /dev/null || e2e_skip "unshare (util-linux) not installed"
make_sentinels
empty_policy=$(write_policy empty '{}')

# ---- the holder of the user namespace ------------------------------------------
# unshare(CLONE_NEWUSER), then sleep; the maps are written from here (root
# in the initial namespace may map any ids). Its stdio is not this test's, so
# that nothing waits on it; the cleanup kills it by its pid.
unshare --user sleep 100000 < /dev/null > /dev/null 2>&1 &
HOLDER=$!
e2e_track_pid "$HOLDER"
own_userns=$(readlink /proc/self/ns/user)
for _ in $(seq 100); do
    ns=$(readlink "/proc/$HOLDER/ns/user" 2> /dev/null) || e2e_skip "the user namespace holder died"
    [ "$ns" != "$own_userns" ] && break
    sleep 0.05
done
[ "$ns" != "$own_userns" ] || e2e_skip "the holder did not enter a new user namespace"
if ! { echo "0 100000 65536" > "/proc/$HOLDER/uid_map" && echo "0 100000 65536" > "/proc/$HOLDER/gid_map"; }; then
    e2e_skip "cannot write the holder's uid_map/gid_map"
fi
USERNS=/proc/$HOLDER/ns/user

# joined_bundle NAME MAPPINGS-JSON: a hostile_bundle whose rootfs (and
# marker dir) belong to the namespace's root, joining $USERNS, with
# MAPPINGS-JSON (null: none) as spec uidMappings and gidMappings; the
# workload reports its user namespace, /tmp and /agent-home.
joined_bundle() {
    hostile_bundle "$1"
    set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
    chown -R -h 100000:100000 "$ROOTFS" "$MARKER_DIR"
    # shellcheck disable=SC2016 # $ns, $m are jq's
    e2e_edit_config "$BUNDLE" --arg ns "$USERNS" --argjson m "$2" '
        .linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{type: "user", path: $ns}]
      | .mounts |= map(select(.type != "cgroup"))
      | if $m == null then del(.linux.uidMappings, .linux.gidMappings)
        else .linux.uidMappings = $m | .linux.gidMappings = $m end'
    # shellcheck disable=SC2016 # the workload's shell expands it
    set_probe_workload "$BUNDLE" 'echo "userns / $(readlink /proc/self/ns/user)"; /probe /tmp /agent-home'
    snapshot_host
}

# joined_checks LABEL: what the workload and the host see after the start.
joined_checks() {
    check "$1: the container runs" expect_rc 0
    check "$1: the container is in the holder's user namespace" expect userns / "$ns"
    check "$1: the workload sees /agent-home mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"
    check "$1: the workload sees /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
    check "$1: /tmp is a noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
    check "$1: on the host, rootfs/agent-home is 101000:101000 755" \
        expect_host_stat "$ROOTFS/agent-home" "directory 755 101000:101000"
    check_host_unchanged "$1"
}

# ---- no mappings in the spec: only the namespace says which ids are which ------
label="userns by path, no spec mappings"
joined_bundle no-mappings null
run_container "$BUNDLE"
if [ "$E2E_RUNTIME" = runc ] && [ "$rc" -ne 0 ] && has "$out" "User namespaces enabled, but no uid mappings found"; then
    # runc 1.1.5 takes a user namespace's ids only from the spec and fails
    # before any hook runs (opencontainers/runc#4122, fixed in runc 1.2 by
    # #4124, which reads the joined namespace's maps).
    echo "     skip: $label: runc $(runc --version | awk 'NR == 1 {print $3}') refuses to join a user namespace without spec mappings: $out"
else
    joined_checks "$label"
fi

# ---- spec mappings equal to the namespace's (all runc 1.1.5 can join) -------------
label="userns by path, spec mappings equal to the namespace's"
joined_bundle same-mappings '[{"containerID": 0, "hostID": 100000, "size": 65536}]'
run_container "$BUNDLE"
joined_checks "$label"

# ---- spec mappings that differ from the namespace's ---------------------------------
# The spec says 0 -> 200000; the kernel says 0 -> 100000. Both runtimes here
# start it (they do not write maps into a namespace they join).
label="userns by path, spec mappings 0 -> 200000, namespace 0 -> 100000"
joined_bundle other-mappings '[{"containerID": 0, "hostID": 200000, "size": 65536}]'
run_container "$BUNDLE"
joined_checks "$label"
check "$label: nothing in the rootfs was given to host uid 201000" \
    test -z "$(find "$ROOTFS" -xdev \( -uid 201000 -o -gid 201000 \) -print -quit)"

e2e_summary
