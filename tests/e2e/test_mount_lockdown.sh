#!/usr/bin/env bash
# Functional end-to-end test: the seccomp mount lockdown (policy
# seccomp.deny_mount). A workload running as root with CAP_SYS_ADMIN in every
# capability set tries to remount the hook's /tmp exec and to unmount it.
# The spec goes through `$HOOK precreate` first, as podman hands it over.
# With deny_mount true (the default) both calls fail with EPERM and /tmp
# stays noexec; with deny_mount false the remount succeeds, so the
# capability is real and the first half can fail.
#
# Usage: test_mount_lockdown.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

locked=$(write_policy locked '{"seccomp": {"deny_mount": true}}')
open=$(write_policy open '{"seccomp": {"deny_mount": false}}')

b=$(probe_bundle lockdown -- \
    "/try remount mount -o remount,exec /tmp; /probe /tmp; /try umount umount /tmp; /try tmpfs-left sh -c 'stat -f -c %T /tmp | grep -qx tmpfs'")
# CAP_SYS_ADMIN in every set runc's spec fills (bounding, effective,
# permitted; ambient and inheritable when present).
e2e_edit_config "$b" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
cp "$b/config.json" "$b/config.json.made"

# precreate_with POLICY: config.json through `$HOOK --config POLICY precreate`.
precreate_with() {
    reset_bundle "$b"
    e2e_hook --config "$1" precreate < "$b/config.json" > "$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# ---- deny_mount true: EPERM ------------------------------------------------
precreate_with "$locked"
check "lockdown: config.json denies mount with EPERM" \
    [ "$(jq -c '[.linux.seccomp.syscalls[] | select(.names | index("mount")) | .action, .errnoRet]' "$b/config.json")" = '["SCMP_ACT_ERRNO",1]' ]
run_container "$b"
check "lockdown: the container ran" expect_rc 0
# busybox mount words EPERM (and EACCES, which a remount does not return)
# as "permission denied (are you root?)"; umount prints strerror itself.
check "lockdown: remount,exec /tmp fails with EPERM" \
    expect_re try remount '^fail \(rc [0-9]+\): .*(Operation not permitted|permission denied \(are you root\?\))'
check "lockdown: /tmp stays noexec" expect_noexec_denied /tmp
check "lockdown: umount /tmp fails with EPERM" expect_re try umount '^fail \(rc [0-9]+\): .*Operation not permitted'
check "lockdown: /tmp is still the tmpfs" expect try tmpfs-left ok

# ---- deny_mount false: the same workload remounts /tmp exec ----------------
precreate_with "$open"
check "no lockdown: config.json has no seccomp profile" [ "$(jq -c .linux.seccomp "$b/config.json")" = null ]
run_container "$b"
check "no lockdown: the container ran" expect_rc 0
check "no lockdown: remount,exec /tmp succeeds (CAP_SYS_ADMIN is real)" expect try remount ok
check "no lockdown: /tmp became exec" expect exec /tmp ok
check "no lockdown: umount /tmp succeeds" expect try umount ok

e2e_summary
