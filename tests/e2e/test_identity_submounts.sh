#!/usr/bin/env bash
# Mounts the runtime made beneath a directory the hook covers, judged by
# what they are (their mount, their spec entry), not by their names:
#
# - a read-only bind beneath /tmp (a Docker-style exec tmpfs) or beneath an
#   excluded path stays read-only, nosuid, nodev, noexec once the hook's
#   tmpfs covers its parent: crun applies a bind's "ro" and flags only after
#   the createRuntime hooks, on the original mount, so a clone the hook
#   reattached on top never got them (the workload could write into a
#   read-only host volume);
# - a bind listed before the /tmp tmpfs (mounted first, then hidden by the
#   runtime's own /tmp) is found and made visible on top of the hook's /tmp;
# - a refused start leaves nothing behind: every refusal is found before the
#   first effect (no directory made in a read-write volume for an excluded
#   path, when a later excluded path is refused);
# - paths from the annotation oci-agent-hook/exclude are bounded by the
#   policy (annotations.exclude_under, default ["/workspace"]): not /etc,
#   /usr/bin, /root, nor an exec tmpfs under the noexec /tmp.
#
# Host volumes are sentinel directories this test made under its work dir;
# after every run they are unchanged (content, owner, mode, ctime, mtime),
# and so are the host's mounts.
#
# Usage: test_identity_submounts.sh RUNTIME HOOK   (RUNTIME: runc or crun)
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
DOCKER_TMP=nosuid,nodev,exec,size=100m
RO_BIND=rbind,ro,nosuid,nodev,noexec

# What the workload does to a read-only bind at $1: read the sentinel's
# file, write (/probe), create a setuid binary.
ro_bind_script() {
    echo "/probe /tmp $1; /try read grep -qx inside $1/inner"
    echo "/try setuid sh -c 'cp /bin/busybox $1/suid && chmod 4755 $1/suid'"
}

# ro_bind_checks LABEL PATH: what the workload saw of the read-only bind at PATH.
ro_bind_checks() {
    check "$1: the workload reads the bind's content" expect try read ok
    check "$1: writing into $2 fails (read-only)" expect_re write "$2" 'Read-only file system'
    check "$1: creating a setuid file in $2 fails" expect_re try setuid '^fail'
    check "$1: the workload's mountinfo shows $2 ro,nosuid,nodev,noexec" \
        expect_mount_opts "$2" ro nosuid nodev noexec
}

# ---- 1. a read-only bind beneath a Docker-style exec /tmp ----------------------
hostile_bundle ro-under-tmp
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" tmpfs tmpfs /tmp "$DOCKER_TMP"
add_mount "$BUNDLE" bind "$(sentinel_volume ro-data)" /tmp/ro-data "$RO_BIND"
set_probe_workload "$BUNDLE" "$(ro_bind_script /tmp/ro-data)"
snapshot_host
run_container "$BUNDLE"
check "ro bind under /tmp: the container runs" expect_rc 0
check "ro bind under /tmp: /tmp is the hook's noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
ro_bind_checks "ro bind under /tmp" /tmp/ro-data
check_host_unchanged "ro bind under /tmp"

# ---- 1. a read-only bind beneath an excluded path --------------------------------
hostile_bundle ro-under-exclude
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$nm_policy" createRuntime
add_mount "$BUNDLE" bind "$(sentinel_volume ro-lib)" "$NM/ro-lib" "$RO_BIND"
set_probe_workload "$BUNDLE" "/probe $NM; $(ro_bind_script "$NM/ro-lib")"
snapshot_host
run_container "$BUNDLE"
check "ro bind under $NM: the container runs" expect_rc 0
check "ro bind under $NM: $NM is the hook's exec tmpfs (1048576k)" expect_tmpfs "$NM" exec 1048576
ro_bind_checks "ro bind under $NM" "$NM/ro-lib"
check_host_unchanged "ro bind under $NM"

# ---- 6. a bind the runtime hid under its own /tmp ----------------------------------
# The spec lists the /tmp/.X11-unix bind before the exec /tmp tmpfs: the
# runtime mounts the bind on the image's /tmp, then covers it with the tmpfs.
# Without open_tree (a kernel before 5.2; E2E_HOOK_VIA=enosys) the hook has
# no way to put a copy of the hidden bind on top of its /tmp: the safe
# outcome there is a refused start that says why.

# hidden_bind_refused LABEL: the start was that refusal (ENOSYS mode only).
hidden_bind_refused() {
    check_refused "$1 (no open_tree)" "mount tmpfs: /tmp/.X11-unix: hidden beneath /tmp" \
        "the kernel offers no open_tree/mount_setattr"
}
hostile_bundle hidden-x11
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" bind "$(sentinel_volume x11)" /tmp/.X11-unix rbind,rw
add_mount "$BUNDLE" tmpfs tmpfs /tmp "$DOCKER_TMP"
set_probe_workload "$BUNDLE" "/probe /tmp; /try x11 grep -qx inside /tmp/.X11-unix/inner"
snapshot_host
run_container "$BUNDLE"
if [ "$E2E_HOOK_VIA" = enosys ]; then
    hidden_bind_refused "bind hidden under /tmp"
else
    check "bind hidden under /tmp: the container runs" expect_rc 0
    check "bind hidden under /tmp: /tmp is the hook's noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
    check "bind hidden under /tmp: /tmp mode 1777" expect stat /tmp "directory 1777 0:0"
    check "bind hidden under /tmp: /tmp/.X11-unix shows the volume's file" expect try x11 ok
fi
check_host_unchanged "bind hidden under /tmp"

hostile_bundle hidden-x11-ro
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
add_mount "$BUNDLE" bind "$(sentinel_volume x11-ro)" /tmp/.X11-unix rbind,ro
add_mount "$BUNDLE" tmpfs tmpfs /tmp "$DOCKER_TMP"
set_probe_workload "$BUNDLE" "/probe /tmp /tmp/.X11-unix; /try x11 grep -qx inside /tmp/.X11-unix/inner"
snapshot_host
run_container "$BUNDLE"
if [ "$E2E_HOOK_VIA" = enosys ]; then
    hidden_bind_refused "ro bind hidden under /tmp"
else
    check "ro bind hidden under /tmp: the container runs" expect_rc 0
    check "ro bind hidden under /tmp: /tmp is the hook's noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
    check "ro bind hidden under /tmp: /tmp/.X11-unix shows the volume's file" expect try x11 ok
    check "ro bind hidden under /tmp: writing into /tmp/.X11-unix fails (read-only)" \
        expect_re write /tmp/.X11-unix 'Read-only file system'
    check "ro bind hidden under /tmp: the workload's mountinfo shows /tmp/.X11-unix ro" \
        expect_mount_opts /tmp/.X11-unix ro
fi
check_host_unchanged "ro bind hidden under /tmp"

# ---- 7. a refused start leaves nothing behind --------------------------------------
# /vol-rw/a/b could be made (read-write volume), /vol-ro/x cannot (read-only
# volume): the refusal of the second must come before any effect of the first.
two_policy=$(write_policy two-volumes '{"exclude": {"paths": ["/vol-rw/a/b", "/vol-ro/x"]}}')
hostile_bundle refused-early
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$two_policy" createRuntime
add_mount "$BUNDLE" bind "$(sentinel_volume vol-rw)" /vol-rw rbind,rw
add_mount "$BUNDLE" bind "$(sentinel_volume vol-ro)" /vol-ro rbind,ro
snapshot_host
run_container "$BUNDLE"
check_refused "exclude /vol-rw/a/b then /vol-ro/x" "/vol-ro" "read-only"
check "exclude /vol-rw/a/b then /vol-ro/x: no 'a' made in the /vol-rw volume" test ! -e "$SENTINEL/vol-rw/a"
check "exclude /vol-rw/a/b then /vol-ro/x: no 'x' made in the /vol-ro volume" test ! -e "$SENTINEL/vol-ro/x"
check_host_unchanged "exclude /vol-rw/a/b then /vol-ro/x"

# ---- 9. annotation paths are bounded ------------------------------------------------
# The default policy: annotations may add excluded paths, under /workspace only.
hostile_bundle annotation-bounds
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$empty_policy" createRuntime
edit_config "$BUNDLE" '.annotations["oci-agent-hook/exclude"] = "/etc,/usr/bin,/root,/tmp/exec-here,/workspace/ok"'
set_probe_workload "$BUNDLE" "mkdir -p /tmp/exec-here
/probe /etc /usr/bin /root /tmp /tmp/exec-here /workspace/ok; /try passwd grep -q ^agent: /etc/passwd"
snapshot_host
run_container "$BUNDLE"
check "annotation exclude bounds: the container runs" expect_rc 0
check "annotation exclude bounds: /workspace/ok is an exec tmpfs (1048576k)" expect_tmpfs /workspace/ok exec 1048576
check "annotation exclude bounds: a binary in /workspace/ok runs" expect exec /workspace/ok ok
for p in /etc /usr/bin /root; do
    check "annotation exclude bounds: $p is no tmpfs mount point" expect_no_tmpfs_at "$p"
done
check "annotation exclude bounds: the image's /etc/passwd is still there" expect try passwd ok
check "annotation exclude bounds: /tmp is the hook's noexec tmpfs (524288k)" expect_tmpfs /tmp noexec 524288
check "annotation exclude bounds: /tmp/exec-here is no mount point" expect_mount_count /tmp/exec-here 0
check "annotation exclude bounds: a binary in /tmp/exec-here cannot run" expect_noexec_denied /tmp/exec-here
check_host_unchanged "annotation exclude bounds"

e2e_summary
