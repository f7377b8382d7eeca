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

# ---- a profile precreate cannot merge: the container is refused ----------------
# A rule with the old singular "name" and no "names": runc takes it (a rule
# for no syscall), crun refuses the spec itself. precreate cannot add the
# lockdown to it, hands the spec on with its error in an annotation, and the
# createRuntime stage must refuse the container instead of starting it
# without the lockdown.
reset_bundle "$b"
e2e_edit_config "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "getpid", "action": "SCMP_ACT_ALLOW"}]}'
"$HOOK" --config "$locked" precreate < "$b/config.json" > "$b/config.json.new" 2> /dev/null && mv "$b/config.json.new" "$b/config.json"
check "unmergeable profile: precreate records its error in the spec" \
    grep -qF '"oci-agent-hook/refused": "plan seccomp: config.json (stdin): linux.seccomp.syscalls[0].names: expected an array of syscall names"' "$b/config.json"
run_container "$b"
check "unmergeable profile: the container is refused" [ "$rc" -ne 0 ]
check "unmergeable profile: the workload never ran" lacks "$out" "remount"
if [ "$E2E_RUNTIME" = runc ]; then
    check "unmergeable profile: runc shows precreate's reason" \
        has "$out" "createRuntime: precreate refused the spec: $b/config.json: annotations.oci-agent-hook/refused: plan seccomp: config.json (stdin): linux.seccomp.syscalls[0].names: expected an array of syscall names"
fi
# The same spec with the lockdown off: precreate plans it, the container runs.
reset_bundle "$b"
e2e_edit_config "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "getpid", "action": "SCMP_ACT_ALLOW"}]}'
"$HOOK" --config "$open" precreate < "$b/config.json" > "$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
check "unmergeable profile, deny_mount false: nothing refused" lacks "$(cat "$b/config.json")" "oci-agent-hook/refused"

# ---- a spec without a profile: 32-bit calls still run ---------------------------
# The created profile lists the CPU's companion architectures: with x86_64
# alone, an int 0x80 call (x86 arch) would meet the runtimes' bad-arch kill.
if [ "$(uname -m)" = x86_64 ] && command -v gcc > /dev/null; then
    reset_bundle "$b"
    printf '%s\n' '#include <stdio.h>' \
        'int main(void) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); printf("i386 getpid %ld\n", r); return 0; }' \
        > "$E2E_WORK/i386pid.c"
    gcc -static -O1 -o "$b/rootfs/i386pid" "$E2E_WORK/i386pid.c"
    e2e_edit_config "$b" '.process.args = ["/i386pid"]'
    "$HOOK" --config "$locked" precreate < "$b/config.json" > "$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
    check "32-bit: the created profile lists x86_64, x86 and x32" \
        [ "$(jq -c .linux.seccomp.architectures "$b/config.json")" = '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ]
    run_container "$b"
    check "32-bit: an i386 syscall runs under the lockdown" has_re "$out" '^i386 getpid [0-9]+'
    rm -f "$b/rootfs/i386pid"
else
    echo "SKIP 32-bit check: needs an x86_64 machine with gcc"
fi

# ---- deny_mount false: the same workload remounts /tmp exec ----------------
precreate_with "$open"
check "no lockdown: config.json has no seccomp profile" [ "$(jq -c .linux.seccomp "$b/config.json")" = null ]
run_container "$b"
check "no lockdown: the container ran" expect_rc 0
check "no lockdown: remount,exec /tmp succeeds (CAP_SYS_ADMIN is real)" expect try remount ok
check "no lockdown: /tmp became exec" expect exec /tmp ok
check "no lockdown: umount /tmp succeeds" expect try umount ok

e2e_summary
