#!/usr/bin/env bash
# Fallback: on a kernel without openat2 and the new mount API (fsopen,
# fsconfig, fsmount, move_mount, open_tree, mount_setattr), or under a
# seccomp profile that answers ENOSYS for them, the hook must take its
# fallback paths (component walk with O_NOFOLLOW, mount(2) through
# /proc/thread-self/fd) and give the container the same result, and still
# refuse a hostile rootfs.
#
# The hook is registered through tests/e2e/tools/enosys_exec, which installs
# a seccomp filter answering ENOSYS for those syscalls and then execs the
# hook: hook entry {path: enosys_exec, args: [enosys_exec, HOOK, createRuntime]}.
#
# Usage: test_fallback.sh RUNTIME HOOK   (RUNTIME: runc or crun)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
need_tool enosys_exec
ENOSYS_EXEC=$E2E_TOOLS/enosys_exec
make_sentinels

# ---- the filter bites ---------------------------------------------------------
out=$("$ENOSYS_EXEC" --self-test 2>&1)
for sc in $E2E_ENOSYS_CALLS; do
    check "filter: $sc answers ENOSYS under the filter" has_re "$out" "^$sc before=[^ ]+ after=ENOSYS$"
    check "filter: $sc exists on this kernel without the filter" lacks "$(grep "^$sc " <<< "$out")" "before=ENOSYS"
done
out=$("$ENOSYS_EXEC" /bin/grep Seccomp: /proc/self/status 2>&1)
check "filter: a program enosys_exec starts runs under it (Seccomp: 2)" has_re "$out" $'^Seccomp:\t2$'

# ---- the same result as with the new API -----------------------------------------
# shellcheck disable=SC2016 # the workload's own $-expansions
FACTS='
awk '\''$5 == "/tmp" { print "TMP mount", $6, $(NF-2), $NF }'\'' /proc/self/mountinfo
stat -c "TMP stat %F %a %u:%g" /tmp
stat -c "HOME stat %F %a %u:%g" /agent-home
if cp /bin/busybox /tmp/bb 2> /dev/null && /tmp/bb true 2> /dev/null; then echo "TMP exec allowed"; else echo "TMP exec refused"; fi
echo WORKLOAD-RAN'

hostile_bundle direct
set_workload "$BUNDLE" "$FACTS"
# The reference runs the hook without the filter, in every E2E_HOOK_VIA mode.
E2E_HOOK_VIA=direct run_container "$BUNDLE"
direct_out=$out
check "direct hook: the container starts" test "$rc" -eq 0

hostile_bundle fallback
set_workload "$BUNDLE" "$FACTS"
set_hook "$BUNDLE" "$ENOSYS_EXEC" "$ENOSYS_EXEC" "$HOOK" createRuntime
run_container "$BUNDLE"
check "fallback: the container starts" test "$rc" -eq 0
check "fallback: /tmp is a tmpfs, nosuid,nodev,noexec" \
    has_re "$out" '^TMP mount [^ ]*nosuid,nodev,noexec[^ ]* tmpfs '
check "fallback: /tmp is mode 1777, root-owned" has "$out" "TMP stat directory 1777 0:0"
check "fallback: nothing runs from /tmp" has "$out" "TMP exec refused"
check "fallback: /agent-home is a directory 1000:1000 mode 0755" has "$out" "HOME stat directory 755 1000:1000"
check "fallback: the same facts as the hook without the filter" same_text "workload facts" "$direct_out" "$out"

# ---- hostile rootfs, through the fallback ----------------------------------------------
# hostile_case NAME WHAT EXPECTED SETUP...: a fallback bundle, SETUP run in
# its rootfs, then refused with EXPECTED and nothing changed on the host.
hostile_case() {
    local name=$1 what=$2 expected=$3
    shift 3
    hostile_bundle "$name"
    set_hook "$BUNDLE" "$ENOSYS_EXEC" "$ENOSYS_EXEC" "$HOOK" createRuntime
    (cd "$ROOTFS" && "$@")
    snapshot_host
    run_container_within 30 "$BUNDLE"
    check "fallback: $what: the start ends within 30 s (took ${elapsed}s, rc $rc)" test "$rc" -ne 124 -a "$rc" -ne 137
    # Release anything still blocked opening a FIFO there (a hung hook).
    release_fifo "$ROOTFS/tmp"
    check_refused "fallback: $what" "$expected"
    check_host_unchanged "fallback: $what"
}

hostile_case home-link "/agent-home -> sentinel dir" "open in rootfs: /agent-home: is a symlink" \
    ln -s "$SENTINEL/dir" agent-home
hostile_case home-dangling "/agent-home dangling link" "open in rootfs: /agent-home: is a symlink" \
    ln -s "$SENTINEL/missing" agent-home
check "fallback: /agent-home dangling link: its target was not created" test ! -e "$SENTINEL/missing"
# shellcheck disable=SC2016 # $1 is the inner shell's
hostile_case tmp-link "/tmp -> sentinel dir" "open in rootfs: /tmp: is a symlink" \
    sh -c 'rmdir tmp && ln -s "$1" tmp' link "$SENTINEL/dir"
# shellcheck disable=SC2016
hostile_case tmp-climb "/tmp -> ../../..(sentinel)" "open in rootfs: /tmp: is a symlink" \
    sh -c 'rmdir tmp && ln -s "../../../../../../../../../..$1" tmp' link "$SENTINEL/dir"
hostile_case tmp-fifo "/tmp a FIFO" "open in rootfs: /tmp: is a fifo, not a directory" \
    sh -c 'rmdir tmp && mkfifo tmp'

e2e_summary
