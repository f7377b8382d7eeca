#!/usr/bin/env bash
# Failure path: when the hook cannot apply its plan, the start fails and the
# user is told why in one line naming the step and the path: runc prints the
# hook's stderr in its own error; crun prints only "error executing hook", so
# the message is read from the run.oci.hooks.stderr file as well.
#
# Cases: /agent-home a regular file; an excluded path under a read-only bind
# mount (its directory cannot be created); an excluded path on a mount with
# shared propagation (a tmpfs there would propagate out); a missing policy
# file named by --config; the hook registered at createContainer, where the
# state's pid is no container process (runc: 1, the host's init; crun: 0).
#
# Usage: test_failure_path.sh RUNTIME HOOK   (RUNTIME: runc or crun)
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
make_sentinels

# check_user_sees WHAT REGEX: the hook's one message line matches
# "oci-agent-hook: createRuntime: STEP: PATH: REASON" (REGEX: STEP: PATH: ...),
# and the user can read it: in runc's output, or crun's hook stderr file.
check_user_sees() {
    local msg
    [ "$rc" -eq 0 ] && return  # check_refused has failed it already
    msg=$(hook_stderr)
    check "$1: the message names step and path" has_re "$msg" "^oci-agent-hook: createRuntime: $2"
    case $E2E_RUNTIME in
        runc) check "$1: runc's output carries the hook's message" has "$out" "$msg" ;;
        crun) check "$1: crun's output names the failing hook" has "$out" "error executing hook \`$E2E_HOOK_EXEC\` (exit code: 1)" ;;
    esac
}

empty_dir() {
    [ -z "$(ls -A "$1")" ] && return 0
    echo "     $1 now holds: $(find "$1" -mindepth 1 -printf '%p %M %u:%g\n')"
    return 1
}

# ---- control: the same bundle starts when nothing is wrong -------------------
hostile_bundle control
run_container "$BUNDLE"
check "control: an ordinary rootfs starts" test "$rc" -eq 0 -a -e "$MARKER_DIR/ran"

# ---- /agent-home a regular file -------------------------------------------------
hostile_bundle home-file
echo "a file" > "$ROOTFS/agent-home"
snapshot_host
run_container "$BUNDLE"
check_refused "/agent-home a regular file" "/agent-home" "not a directory"
check_user_sees "/agent-home a regular file" "open in rootfs: /agent-home: is a regular file, not a directory"
check "/agent-home a regular file: still that file" test "$(cat "$ROOTFS/agent-home")" = "a file"
check_host_unchanged "/agent-home a regular file"

# ---- an excluded path under a read-only bind mount ------------------------------
# /data is a read-only bind of a host directory: /data/cache cannot be made,
# and the host directory must not gain it. (runc applies "ro" before the
# hook runs, so the mkdir fails with EROFS; crun applies it later, so there
# the hook itself has to notice that the spec makes /data read-only.)
RO_SRC=$E2E_WORK/ro-src
mkdir -p "$RO_SRC"
echo '{"exclude": {"paths": ["/data/cache"]}}' > "$E2E_WORK/policy-data-cache.json"
hostile_bundle exclude-readonly
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$E2E_WORK/policy-data-cache.json" createRuntime
edit_config "$BUNDLE" ".mounts += [{destination: \"/data\", type: \"bind\", source: \"$RO_SRC\", options: [\"rbind\", \"ro\"]}]"
snapshot_host
run_container "$BUNDLE"
check_refused "exclude under a read-only mount" "/data/cache"
[ "$rc" -ne 0 ] && check "exclude under a read-only mount: the message says read-only" has_re "$(hook_stderr | tr '[:upper:]' '[:lower:]')" "read-only"
check_user_sees "exclude under a read-only mount" "[a-z ]+: /data(/cache)?: "
check "exclude under a read-only mount: nothing made in the bind source" empty_dir "$RO_SRC"
check_host_unchanged "exclude under a read-only mount"

# ---- an excluded path on a mount with shared propagation -------------------------
# The container's /data is an rshared bind: a tmpfs mounted under it would
# propagate to its peers, so the hook refuses to mount there.
SHARED_SRC=$E2E_WORK/shared-src
mkdir -p "$SHARED_SRC/cache"
hostile_bundle exclude-shared
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$E2E_WORK/policy-data-cache.json" createRuntime
edit_config "$BUNDLE" ".mounts += [{destination: \"/data\", type: \"bind\", source: \"$SHARED_SRC\", options: [\"rbind\", \"rw\", \"rshared\"]}]"
snapshot_host
run_container "$BUNDLE"
check_refused "exclude on a shared mount" "/data/cache" "shared propagation"
check_user_sees "exclude on a shared mount" "mount tmpfs: /data/cache: .*shared propagation"
check "exclude on a shared mount: nothing mounted on the host's source" \
    lacks "$(host_mounts)" "$SHARED_SRC"
check_host_unchanged "exclude on a shared mount"

# ---- a missing policy file -------------------------------------------------------------
hostile_bundle policy-missing
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$E2E_WORK/no-such-policy.json" createRuntime
snapshot_host
run_container "$BUNDLE"
check_refused "missing policy file" "$E2E_WORK/no-such-policy.json" "No such file or directory"
check_user_sees "missing policy file" "load policy: $E2E_WORK/no-such-policy.json: No such file or directory"
check_host_unchanged "missing policy file"

# ---- registered at createContainer ------------------------------------------------
hostile_bundle create-container
edit_config "$BUNDLE" '.hooks.createContainer = .hooks.createRuntime | del(.hooks.createRuntime)'
snapshot_host
run_container "$BUNDLE"
check_refused "registered at createContainer" "pid" "register the hook at createRuntime or prestart"
check_user_sees "registered at createContainer" "read state: state \\(stdin\\): pid: no container process \\(pid [01]\\)"
check "registered at createContainer: no /agent-home made" test ! -e "$ROOTFS/agent-home"
check_host_unchanged "registered at createContainer"

e2e_summary
