#!/usr/bin/env bash
# Hostile rootfs: the image's owner controls every entry under the rootfs.
# A /tmp, /agent-home or excluded path that is a symlink (absolute to a host
# directory, absolute to an in-rootfs name, relative climbing out, dangling),
# a FIFO or a regular file; a policy with ".."; root.path "/". In each case
# the hook refuses with a one-line message, the workload never runs, and
# nothing outside the rootfs changes.
#
# Safety: every link points at a sentinel this test made under its work dir,
# or at a directory that exists only inside the rootfs; never at a real
# system path. (The in-rootfs target is /oah-decoy, not /etc: a hook that
# wrongly resolved it from the host must not land on the host's /etc.)
#
# Usage: test_hostile_rootfs.sh RUNTIME HOOK   (RUNTIME: runc or crun)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
make_sentinels

# ---- control: the same bundle, unharmed, starts and leaves its marker ------
# (otherwise "the workload did not run" below would prove nothing)
hostile_bundle control
run_container "$BUNDLE"
check "control: an ordinary rootfs starts" test "$rc" -eq 0
check "control: the workload leaves its marker file" test -e "$MARKER_DIR/ran"
check "control: the workload prints its marker" has "$out" "$WORKLOAD_MARK"
check "control: /agent-home is made 1000:1000" test "$(stat -c %u:%g "$ROOTFS/agent-home")" = 1000:1000

# ---- /tmp -------------------------------------------------------------------
hostile_bundle tmp-abs
rmdir "$ROOTFS/tmp"
ln -s "$SENTINEL/dir" "$ROOTFS/tmp"
snapshot_host
run_container "$BUNDLE"
check_refused "/tmp -> sentinel dir (absolute host path)" "open in rootfs: /tmp: is a symlink"
check_host_unchanged "/tmp -> sentinel dir"

# An absolute link to a directory that exists only inside the rootfs: a hook
# that followed links "inside the root" would land on rootfs/oah-decoy.
hostile_bundle tmp-inroot
mkdir -m 0750 "$ROOTFS/oah-decoy"
echo decoy > "$ROOTFS/oah-decoy/file"
rmdir "$ROOTFS/tmp"
ln -s /oah-decoy "$ROOTFS/tmp"
decoy_state() { stat -c '%n %F %a %u:%g ctime=%Z' "$ROOTFS/oah-decoy" "$ROOTFS/oah-decoy/file"; ls -A "$ROOTFS/oah-decoy"; }
decoy_before=$(decoy_state)
host_decoy_existed=0
[ -e /oah-decoy ] && host_decoy_existed=1
snapshot_host
run_container "$BUNDLE"
check_refused "/tmp -> /oah-decoy (in-rootfs name)" "open in rootfs: /tmp: is a symlink"
check "/tmp -> /oah-decoy: rootfs/oah-decoy unchanged" same_text rootfs/oah-decoy "$decoy_before" "$(decoy_state)"
if [ "$host_decoy_existed" = 1 ]; then
    echo "     skip: /oah-decoy exists on the host, cannot check it was not created"
else
    check "/tmp -> /oah-decoy: no /oah-decoy appeared on the host" test ! -e /oah-decoy
    [ -d /oah-decoy ] && rmdir /oah-decoy  # only if this test's hook made it
fi
check_host_unchanged "/tmp -> /oah-decoy"

# A relative link that climbs out with more ".." than the rootfs is deep,
# then down to the sentinel: from the host it reaches the sentinel.
hostile_bundle tmp-climb
rmdir "$ROOTFS/tmp"
ln -s "../../../../../../../../../..$SENTINEL/dir" "$ROOTFS/tmp"
check "/tmp -> ../../..: the link does reach the sentinel from the host" test "$(readlink -f "$ROOTFS/tmp")" = "$SENTINEL/dir"
snapshot_host
run_container "$BUNDLE"
check_refused "/tmp -> ../../../..(sentinel)" "open in rootfs: /tmp: is a symlink"
check_host_unchanged "/tmp -> ../../../..(sentinel)"

# A FIFO: opening it for reading would block forever; the hook must not.
hostile_bundle tmp-fifo
rmdir "$ROOTFS/tmp"
mkfifo -m 0644 "$ROOTFS/tmp"
snapshot_host
run_container_within 30 "$BUNDLE"
check "/tmp a FIFO: the start ends within 30 s (took ${elapsed}s, rc $rc)" test "$rc" -ne 124 -a "$rc" -ne 137
check_refused "/tmp a FIFO" "open in rootfs: /tmp: is a fifo, not a directory"
check "/tmp a FIFO: it is still a FIFO" test -p "$ROOTFS/tmp"
# Release anything still blocked opening the FIFO (a hung hook), so it ends.
release_fifo "$ROOTFS/tmp"
check_host_unchanged "/tmp a FIFO"

# ---- /agent-home --------------------------------------------------------------
# A link to a sentinel directory stands for a link to /root: a hook that
# followed it would chown and chmod the sentinel.
hostile_bundle home-link
ln -s "$SENTINEL/dir" "$ROOTFS/agent-home"
snapshot_host
run_container "$BUNDLE"
check_refused "/agent-home -> sentinel dir" "open in rootfs: /agent-home: is a symlink"
check_host_unchanged "/agent-home -> sentinel dir"

# Dangling: a hook that followed it would create $SENTINEL/missing.
hostile_bundle home-dangling
ln -s "$SENTINEL/missing" "$ROOTFS/agent-home"
snapshot_host
run_container "$BUNDLE"
check_refused "/agent-home dangling link" "open in rootfs: /agent-home: is a symlink"
check "/agent-home dangling link: its target was not created" test ! -e "$SENTINEL/missing"
check "/agent-home dangling link: still a link" test -L "$ROOTFS/agent-home"
check_host_unchanged "/agent-home dangling link"

hostile_bundle home-file
echo "not a home" > "$ROOTFS/agent-home"
chmod 0640 "$ROOTFS/agent-home"
home_file_state() { stat -c '%F %a %u:%g %s ctime=%Z' "$ROOTFS/agent-home"; cat "$ROOTFS/agent-home"; }
home_file_before=$(home_file_state)
snapshot_host
run_container "$BUNDLE"
check_refused "/agent-home a regular file" "open in rootfs: /agent-home: is a regular file, not a directory"
check "/agent-home a regular file: file unchanged" same_text rootfs/agent-home "$home_file_before" "$(home_file_state)"
check_host_unchanged "/agent-home a regular file"

# A home path whose parent is a link: a hook that checked only the last
# component would create $SENTINEL/dir/agent and chown it.
echo '{"home": {"path": "/home/agent"}}' > "$E2E_WORK/policy-home.json"
hostile_bundle home-parent-link
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$E2E_WORK/policy-home.json" createRuntime
ln -s "$SENTINEL/dir" "$ROOTFS/home"
snapshot_host
run_container "$BUNDLE"
check_refused "home.path /home/agent, /home -> sentinel dir" "open in rootfs: /home: is a symlink"
check_host_unchanged "home.path /home/agent, /home -> sentinel dir"

# ---- excluded paths -----------------------------------------------------------
POLICY=$E2E_WORK/policy-node-modules.json
echo '{"exclude": {"paths": ["/workspace/node_modules"]}}' > "$POLICY"

# Control: the policy is read (the hook's args carry --config) and an
# ordinary rootfs gets its exclude mount.
hostile_bundle exclude-control
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$POLICY" createRuntime
edit_config "$BUNDLE" '.process.args = ["sh", "-c", "grep \" /workspace/node_modules \" /proc/self/mountinfo; echo WORKLOAD-RAN"]'
run_container "$BUNDLE"
check "exclude control: an ordinary rootfs starts with the policy" test "$rc" -eq 0
check "exclude control: /workspace/node_modules is a tmpfs" has_re "$out" ' /workspace/node_modules .* - tmpfs '

# The parent of the excluded path is a link to "/": inside the rootfs that is
# the rootfs itself, from the host it is the host's root.
hostile_bundle exclude-parent-root
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$POLICY" createRuntime
rmdir "$ROOTFS/workspace"
ln -s / "$ROOTFS/workspace"
host_nm_existed=0
[ -e /node_modules ] && host_nm_existed=1
snapshot_host
run_container "$BUNDLE"
check_refused "/workspace -> / with exclude /workspace/node_modules" "open in rootfs: /workspace: is a symlink"
check "/workspace -> /: no rootfs/node_modules created" test ! -e "$ROOTFS/node_modules"
if [ "$host_nm_existed" = 1 ]; then
    echo "     skip: /node_modules exists on the host, cannot check it was not created"
else
    check "/workspace -> /: no /node_modules appeared on the host" test ! -e /node_modules
    [ -d /node_modules ] && rmdir /node_modules  # only if this test's hook made it
fi
check_host_unchanged "/workspace -> /"

hostile_bundle exclude-parent-sentinel
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$POLICY" createRuntime
rmdir "$ROOTFS/workspace"
ln -s "$SENTINEL/dir" "$ROOTFS/workspace"
snapshot_host
run_container "$BUNDLE"
check_refused "/workspace -> sentinel dir with exclude /workspace/node_modules" "open in rootfs: /workspace: is a symlink"
check_host_unchanged "/workspace -> sentinel dir"

# A policy entry with "..": rejected when the policy is validated.
DOTDOT_POLICY=$E2E_WORK/policy-dotdot.json
echo '{"exclude": {"paths": ["/workspace/../etc"]}}' > "$DOTDOT_POLICY"
hostile_bundle exclude-dotdot
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$DOTDOT_POLICY" createRuntime
etc_state() { stat -c '%n %F %a %u:%g ctime=%Z' "$ROOTFS/etc" "$ROOTFS/etc/passwd"; }
etc_before=$(etc_state)
snapshot_host
run_container "$BUNDLE"
check_refused "policy exclude \"/workspace/../etc\"" "validate policy: $DOTDOT_POLICY: exclude.paths[0]:" '".." segment'
check "policy with \"..\": rootfs/etc unchanged" same_text rootfs/etc "$etc_before" "$(etc_state)"
check_host_unchanged "policy with \"..\""

# ---- root.path "/" --------------------------------------------------------------
# The host's / as the container's rootfs. No bind mount here (the runtime
# would create its mount point in the host's /), and no cgroup mount: runc
# 1.1.5 on this hybrid-cgroup host fails to mount it over the host's
# /sys/fs/cgroup before any hook runs.
hostile_bundle root-slash
edit_config "$BUNDLE" '.root.path = "/"
    | .mounts |= map(select(.type != "cgroup" and .destination != "/marker"))
    | .process.args = ["sh", "-c", "echo WORKLOAD-RAN"]'
host_home_existed=0
[ -e /agent-home ] && host_home_existed=1
host_tmp_before=$(stat -c '%F %a %u:%g' /tmp)
snapshot_host
run_container "$BUNDLE"
check_refused 'root.path "/"' "open rootfs: /: " "refused"
if [ "$host_home_existed" = 1 ]; then
    echo "     skip: /agent-home exists on the host before the test, cannot check it was not created"
else
    check 'root.path "/": no /agent-home appeared on the host' test ! -e /agent-home
    [ -d /agent-home ] && rmdir /agent-home  # only if this test's hook made it
fi
check 'root.path "/": the host /tmp keeps its type, mode and owner' test "$(stat -c '%F %a %u:%g' /tmp)" = "$host_tmp_before"
check_host_unchanged 'root.path "/"'

e2e_summary
