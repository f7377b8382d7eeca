#!/usr/bin/env bash
# Functional end-to-end test: /tmp as the agent (uid 1000) sees it (docs/USER-STORIES.md,
# story 1): a tmpfs, always noexec,nosuid,nodev, mode 1777, of the size the
# operator chose (policy file, AGENT_TMP_SIZE, annotation), whatever /tmp the
# bundle itself asked for.
#
# Usage: test_tmp.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

OPTS='"nosuid","noexec","nodev","mode=1777"'

# Two mounts at /tmp: the bundle's exec tmpfs of 100m at the bottom, and on
# it (its child) the top one, the policy's.
policy_tmp_covers_bundle_tmp() {
    local bottom top
    expect_mount_count /tmp 2 || return 1
    bottom=$(mounts_at /tmp | head -n 1)
    top=$(mounts_at /tmp | tail -n 1)
    if [ "$(mi_field "$top" parent)" = "$(mi_field "$bottom" id)" ] &&
        [[ ,$(mi_field "$bottom" opts), != *,noexec,* ]] &&
        [[ ,$(mi_field "$bottom" super), == *,size=102400k,* ]]; then
        return 0
    fi
    echo "     bottom: $bottom"
    echo "     top:    $top"
    return 1
}

# ---- built-in defaults (no policy file): 512m -------------------------------
# One bundle, reset between scenarios; the agent (uid 1000) runs the probe.
b=$(probe_bundle tmp --user 1000:1000 --hook "$HOOK" -- '/probe /tmp')
run_container "$b"
check "default: the container runs" expect_rc 0
check "default: /tmp is a tmpfs, nosuid,nodev,noexec, size=524288k (512m)" expect_tmpfs /tmp noexec 524288
check "default: one mount at /tmp" expect_mount_count /tmp 1
check "default: /tmp is a directory, mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
check "default: uid 1000 creates a file in /tmp" expect write /tmp ok
check "default: a binary copied to /tmp cannot run (Permission denied)" expect_noexec_denied /tmp
check "default: config.json records the /tmp tmpfs" expect_spec_options "$b" /tmp "[$OPTS,\"size=512m\"]"
# A second start of the recorded config: the runtime mounts the tmpfs
# itself, the hook keeps it, and writes nothing (the record holds already).
inode=$(stat -c %i "$b/config.json")
run_container "$b"
check "restart of the recorded config: the container runs" expect_rc 0
check "restart of the recorded config: /tmp is a noexec tmpfs of 524288k" expect_tmpfs /tmp noexec 524288
check "restart of the recorded config: config.json is not rewritten (same inode)" \
    test "$(stat -c %i "$b/config.json")" = "$inode"

# ---- the policy's tmp.size, through --config and OCI_AGENT_HOOK_CONFIG ---------
policy64=$(write_policy tmp-64m '{"tmp": {"size": "64m"}}')
reset_bundle "$b"
hook_use_policy "$b" "$policy64"
run_container "$b"
check "policy tmp.size 64m (--config): the container runs" expect_rc 0
check "policy tmp.size 64m (--config): /tmp is a noexec tmpfs of 65536k" expect_tmpfs /tmp noexec 65536
check "policy tmp.size 64m (--config): /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
check "policy tmp.size 64m (--config): a binary in /tmp cannot run" expect_noexec_denied /tmp
check "policy tmp.size 64m (--config): config.json records size=64m" expect_spec_options "$b" /tmp "[$OPTS,\"size=64m\"]"

policy48=$(write_policy tmp-48m '{"tmp": {"size": "48m"}}')
reset_bundle "$b"
# No --config in the entry's args (--config would win over the environment).
e2e_edit_config "$b" '.hooks |= with_entries(.value |= map(.args = [.args[0], .args[-1]]))'
hook_env "$b" "OCI_AGENT_HOOK_CONFIG=$policy48"
run_container "$b"
check "policy tmp.size 48m (OCI_AGENT_HOOK_CONFIG): the container runs" expect_rc 0
check "policy tmp.size 48m (OCI_AGENT_HOOK_CONFIG): /tmp is a noexec tmpfs of 49152k" expect_tmpfs /tmp noexec 49152

# ---- AGENT_TMP_SIZE in the hook entry's environment beats the policy --------
reset_bundle "$b"
hook_use_policy "$b" "$policy64"
hook_env "$b" AGENT_TMP_SIZE=128m
run_container "$b"
check "AGENT_TMP_SIZE=128m over policy 64m: the container runs" expect_rc 0
check "AGENT_TMP_SIZE=128m over policy 64m: /tmp is a noexec tmpfs of 131072k" expect_tmpfs /tmp noexec 131072
check "AGENT_TMP_SIZE=128m over policy 64m: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
check "AGENT_TMP_SIZE=128m over policy 64m: config.json records size=128m" expect_spec_options "$b" /tmp "[$OPTS,\"size=128m\"]"

# ---- the annotation oci-agent-hook/tmp-size beats both -----------------------
reset_bundle "$b"
set_annotation "$b" oci-agent-hook/tmp-size 96m
run_container "$b"
check "annotation tmp-size=96m: the container runs" expect_rc 0
check "annotation tmp-size=96m: /tmp is a noexec tmpfs of 98304k" expect_tmpfs /tmp noexec 98304
check "annotation tmp-size=96m: a binary in /tmp cannot run" expect_noexec_denied /tmp

reset_bundle "$b"
set_annotation "$b" oci-agent-hook/tmp-size 96m
hook_use_policy "$b" "$policy64"
hook_env "$b" AGENT_TMP_SIZE=128m
run_container "$b"
check "annotation 96m + AGENT_TMP_SIZE 128m + policy 64m: the annotation wins (98304k)" expect_tmpfs /tmp noexec 98304

# annotations.allow_overrides=false: the annotation is ignored.
policy_locked=$(write_policy tmp-locked '{"tmp": {"size": "64m"}, "annotations": {"allow_overrides": false}}')
reset_bundle "$b"
set_annotation "$b" oci-agent-hook/tmp-size 96m
hook_use_policy "$b" "$policy_locked"
run_container "$b"
check "allow_overrides=false: the container runs" expect_rc 0
check "allow_overrides=false: annotation 96m ignored, policy 64m used (65536k)" expect_tmpfs /tmp noexec 65536

# ---- a size that is not valid falls back to the default; a huge one is clamped
reset_bundle "$b"
hook_env "$b" AGENT_TMP_SIZE=lots
run_container "$b"
check "AGENT_TMP_SIZE=lots: the container runs" expect_rc 0
check "AGENT_TMP_SIZE=lots: falls back to the default 512m (524288k)" expect_tmpfs /tmp noexec 524288

reset_bundle "$b"
hook_env "$b" AGENT_TMP_SIZE=64g
run_container "$b"
check "AGENT_TMP_SIZE=64g: the container runs" expect_rc 0
check "AGENT_TMP_SIZE=64g: clamped to the default max_size 4g (4194304k)" expect_tmpfs /tmp noexec 4194304

# ---- the bundle already asks for an exec /tmp of 100m -------------------------
# The runtime mounts the bundle's tmpfs; the hook mounts the policy's on top
# of it. What the workload sees at /tmp is the policy's.
b=$(probe_bundle tmp-spec-exec --user 1000:1000 --tmpfs /tmp:nosuid,nodev,exec,size=100m --hook "$HOOK" -- '/probe /tmp')
run_container "$b"
check "bundle with exec /tmp 100m: the container runs" expect_rc 0
check "bundle with exec /tmp 100m: the top mount at /tmp is noexec, 524288k" expect_tmpfs /tmp noexec 524288
check "bundle with exec /tmp 100m: the policy's tmpfs covers the bundle's exec 100m tmpfs" policy_tmp_covers_bundle_tmp
check "bundle with exec /tmp 100m: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
check "bundle with exec /tmp 100m: uid 1000 creates a file in /tmp" expect write /tmp ok
check "bundle with exec /tmp 100m: a binary in /tmp cannot run" expect_noexec_denied /tmp
check "bundle with exec /tmp 100m: config.json has one /tmp, the policy's" expect_spec_options "$b" /tmp "[$OPTS,\"size=512m\"]"

e2e_summary
