#!/usr/bin/env bash
# The hook judges each target by what it is, not by its name: the mount that
# holds it (mount id, superblock, flags, mount point) and the spec entry
# that made it.
#
# - An image symlink moves an engine volume onto a hook target: both
#   runtimes follow in-root symlinks in a mount's destination, so an image
#   with /data -> /agent-home gets the spec's /data volume mounted at
#   /agent-home. The hook must refuse (the mount point is not the
#   destination its spec entry names), not chown the host directory.
# - A host tmpfs bound at /tmp or at an excluded path is a volume, not the
#   runtime's tmpfs: the hook covers it with its own tmpfs and never
#   chowns or chmods the host's filesystem.
# - A spec /tmp tmpfs with "ro" is refused (a read-only /tmp is no /tmp).
# - home.path inside a volume mounted at one of its parents: an existing
#   home there belongs to the host and is refused; a missing one may be
#   made (as Docker makes mount points in a read-write volume). The
#   documented case, a volume at exactly home.path, is test_home.sh's.
#
# Host volumes are sentinel directories (and a tmpfs) this test made under
# its work dir; every image symlink points inside the rootfs.
#
# Usage: test_identity.sh RUNTIME HOOK   (RUNTIME: runc or crun)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
. "$(dirname "$0")/functional_lib.sh"
make_sentinels

NM=/workspace/node_modules
empty_policy=$(write_policy empty '{}')
nm_policy=$(write_policy node-modules '{"exclude": {"paths": ["/workspace/node_modules"]}}')

# ---- 2. an image symlink moves a volume onto /agent-home ------------------------
# Control: the same volume at /data, with no link in the image, starts and
# is left alone (the refusals below are the link's doing).
label="control: volume at /data, no image link"
vol=$(sentinel_volume data-control)
hostile_bundle data-control
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" bind "$vol" /data rbind,rw
snapshot_host
run_container "$BUNDLE"
check "$label: the container runs" expect_rc 0
check "$label: the workload ran" test -e "$MARKER_DIR/ran"
check "$label: /agent-home is made 1000:1000 in the rootfs" expect_host_stat "$ROOTFS/agent-home" "directory 755 1000:1000"
check_host_unchanged "$label"

# rootfs/data -> /agent-home: the runtime mounts the /data volume at
# rootfs/agent-home. With no /agent-home in the image, runc makes it; crun
# 1.8.1 refuses to mount through the dangling link itself (no hook runs), so
# the same case also runs with an empty /agent-home in the image.
for opts in rw ro; do
    for image_home in missing empty; do
        label="image /data -> /agent-home ($image_home), volume at /data ($opts)"
        vol=$(sentinel_volume "data-home-$opts-$image_home")
        hostile_bundle "data-home-$opts-$image_home"
        set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
        ln -s /agent-home "$ROOTFS/data"
        [ "$image_home" = empty ] && mkdir -m 0755 "$ROOTFS/agent-home"
        add_mount "$BUNDLE" bind "$vol" /data "rbind,$opts"
        snapshot_host
        run_container "$BUNDLE"
        if [ "$image_home" = missing ] && [ "$rc" -ne 0 ] && lacks "$out" "error running hook" &&
            lacks "$out" "error executing hook"; then
            echo "     skip: $label: $E2E_RUNTIME refuses the start itself, before any hook: $out"
        else
            check_refused "$label" "redirected" "/data" "/agent-home"
        fi
        check "$label: the volume's host dir keeps owner and mode" expect_host_stat "$vol" "directory 750 0:0"
        check_host_unchanged "$label"
    done
done

# rootfs/data -> /workspace: the /data volume lands at /workspace, where the
# excluded path's directory would be made (in the host's directory).
label="image /data -> /workspace, volume at /data, exclude $NM"
vol=$(sentinel_volume data-workspace)
hostile_bundle data-to-workspace
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$nm_policy" createRuntime
ln -s /workspace "$ROOTFS/data"
add_mount "$BUNDLE" bind "$vol" /data rbind,rw
snapshot_host
run_container "$BUNDLE"
check_refused "$label" "redirected"
check "$label: no node_modules made in the volume's host dir" test ! -e "$vol/node_modules"
check_host_unchanged "$label"

# ---- 3. a host tmpfs bound at /tmp or at an excluded path --------------------------
# host_tmpfs NAME: mounts a tmpfs of the host (512m, mode 0755, owned
# 1234:1234, holding a file) at $SENTINEL/NAME, so that the sentinel
# snapshots cover it; sets HOST_TMPFS. Each case gets a fresh one.
host_tmpfs() {
    HOST_TMPFS=$SENTINEL/$1
    mkdir "$HOST_TMPFS"
    mount -t tmpfs -o size=512m,mode=0755,uid=1234,gid=1234 oah-host-tmpfs "$HOST_TMPFS" ||
        e2e_skip "cannot mount a tmpfs at $HOST_TMPFS"
    echo "host data" > "$HOST_TMPFS/keep"
}

# host_tmpfs_checks LABEL PATH: the workload saw its own tmpfs at PATH, not
# the host's, and wrote there; the host tmpfs is untouched.
host_tmpfs_checks() {
    check "$1: the host tmpfs's file is not visible at $2" expect try hidden ok
    check "$1: the workload writes a file in $2" expect try write ok
    check "$1: that file is not in the host tmpfs" test ! -e "$HOST_TMPFS/from-container"
    check "$1: the host tmpfs root keeps 1234:1234 mode 755" expect_host_stat "$HOST_TMPFS" "directory 755 1234:1234"
    check "$1: the host tmpfs keeps its file" test "$(cat "$HOST_TMPFS/keep")" = "host data"
    check_host_unchanged "$1"
}

label="host tmpfs bound at /tmp"
host_tmpfs host-tmpfs-tmp
hostile_bundle host-tmpfs-tmp
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" bind "$HOST_TMPFS" /tmp rbind,nosuid,nodev,noexec
set_probe_workload "$BUNDLE" "/probe /tmp; /try hidden test ! -e /tmp/keep; /try write sh -c 'echo x > /tmp/from-container'"
snapshot_host
run_container "$BUNDLE"
check "$label: the container runs" expect_rc 0
check "$label: /tmp is a noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
check "$label: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
host_tmpfs_checks "$label" /tmp
umount "$HOST_TMPFS"

# An excluded path of the same size as the host tmpfs (exclude.size 512m).
label="host tmpfs bound at $NM"
nm512_policy=$(write_policy node-modules-512m '{"exclude": {"paths": ["/workspace/node_modules"], "size": "512m"}}')
host_tmpfs host-tmpfs-nm
hostile_bundle host-tmpfs-nm
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$nm512_policy" createRuntime
add_mount "$BUNDLE" bind "$HOST_TMPFS" "$NM" rbind,nosuid,nodev
set_probe_workload "$BUNDLE" "/probe $NM; /try hidden test ! -e $NM/keep; /try write sh -c 'echo x > $NM/from-container'"
snapshot_host
run_container "$BUNDLE"
check "$label: the container runs" expect_rc 0
check "$label: $NM is an exec tmpfs (524288k)" expect_tmpfs "$NM" exec 524288
check "$label: $NM mode 1777, owned 0:0" expect stat "$NM" "directory 1777 0:0"
host_tmpfs_checks "$label" "$NM"
umount "$HOST_TMPFS"

# ---- 5. a spec /tmp tmpfs mounted read-only ------------------------------------------
label="spec /tmp tmpfs with ro"
hostile_bundle tmp-ro
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" tmpfs tmpfs /tmp nosuid,nodev,noexec,ro,mode=1777,size=64m
snapshot_host
run_container "$BUNDLE"
check_refused "$label" "/tmp" "read-only"
check_host_unchanged "$label"

# ---- 10. home.path inside a volume mounted at its parent ----------------------------
home_policy=$(write_policy home-agent '{"home": {"path": "/home/agent"}}')

# The volume already holds agent/ (1234:1234 0700, with a file): the host's.
mkdir -m 0755 "$SENTINEL/home"
mkdir -m 0700 "$SENTINEL/home/agent"
echo "host secret" > "$SENTINEL/home/agent/file"
chown -R 1234:1234 "$SENTINEL/home/agent"
label="home.path /home/agent, volume at /home holding agent/"
hostile_bundle home-in-volume
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$home_policy" createRuntime
add_mount "$BUNDLE" bind "$SENTINEL/home" /home rbind,rw
snapshot_host
run_container "$BUNDLE"
check_refused "$label" "/home/agent"
# "/home" on its own, not just as the start of "/home/agent".
[ "$rc" -ne 0 ] && check "$label: the message names the volume /home" has_re "$(hook_stderr)" '/home([^/[:alnum:]_.-]|$)'
check "$label: the host's agent/ keeps 1234:1234 mode 700" \
    expect_host_stat "$SENTINEL/home/agent" "directory 700 1234:1234"
check_host_unchanged "$label"

# The volume has no agent/: the hook may make it, owned by the agent.
# (Not a sentinel: the volume is expected to gain agent/.)
home_vol=$E2E_WORK/home-volume
mkdir -m 0755 "$home_vol"
label="home.path /home/agent, volume at /home without agent/"
hostile_bundle home-made-in-volume
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$home_policy" createRuntime
add_mount "$BUNDLE" bind "$home_vol" /home rbind,rw
set_probe_workload "$BUNDLE" "/probe /home/agent"
snapshot_host
run_container "$BUNDLE"
check "$label: the container runs" expect_rc 0
check "$label: the workload sees /home/agent, mode 755, owned 1000:1000" expect stat /home/agent "directory 755 1000:1000"
check_host_unchanged "$label"

e2e_summary
