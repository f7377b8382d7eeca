#!/usr/bin/env bash
# Functional end-to-end test: the hook stages. The hook works at
# createRuntime and at prestart with the same result; registering it twice
# in one start (two hook entries) is harmless, and so is starting the bundle
# again once its config.json records the mounts.
#
# Usage: test_stages.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
policy=$(write_policy stages '{"exclude": {"paths": ["/workspace/node_modules"]}}')

# stage_checks LABEL: what the agent sees, the same whatever the stage; one
# mount at each of /tmp and the excluded path (nothing stacked twice).
stage_checks() {
    local label=$1
    contract_checks "$label"
    check "$label: one mount at /tmp" expect_mount_count /tmp 1
    check "$label: one mount at $NM" expect_mount_count "$NM" 1
    check "$label: uid 1000 creates a file in /agent-home" expect write /agent-home ok
}

# expect_mounts_as BUNDLE REF: config.json's mounts are those saved in REF.
expect_mounts_as() {
    local got
    got=$(jq -S .mounts "$1/config.json")
    [ "$got" = "$(cat "$2")" ] && return 0
    echo "     config.json mounts differ from the createRuntime run's:"
    diff <(cat "$2") <(printf '%s\n' "$got") | sed 's/^/       /'
    return 1
}

b=$(probe_bundle stages --user 1000:1000 --hook "$HOOK" -- "/probe /tmp $NM /agent-home")

# ---- createRuntime -----------------------------------------------------------
hook_use_policy "$b" "$policy"
run_container "$b"
stage_checks "createRuntime"
ref_mounts=$E2E_WORK/createRuntime-mounts.json
jq -S .mounts "$b/config.json" > "$ref_mounts"
check "createRuntime: config.json records /tmp" \
    expect_spec_options "$b" /tmp '["nosuid","noexec","nodev","mode=1777","size=512m"]'
check "createRuntime: config.json records $NM" \
    expect_spec_options "$b" "$NM" '["nosuid","nodev","exec","mode=1777","size=1g"]'

# ---- the same bundle started again: its config.json now has the mounts ------
# The runtime mounts the recorded tmpfs itself (runc 1.1.5 with the mode of
# the directory it covers); the hook keeps or fixes it, stacks nothing.
cp "$b/config.json" "$E2E_WORK/after-first-start.json"
run_container "$b"
stage_checks "second start"
check "second start: config.json is unchanged" cmp "$E2E_WORK/after-first-start.json" "$b/config.json"

# ---- prestart ----------------------------------------------------------------
reset_bundle "$b"
hook_entries "$b" prestart
hook_use_policy "$b" "$policy"
run_container "$b"
stage_checks "prestart"
check "prestart: config.json mounts as with createRuntime" expect_mounts_as "$b" "$ref_mounts"

# ---- the hook registered twice at createRuntime ---------------------------------
reset_bundle "$b"
hook_entries "$b" createRuntime createRuntime
hook_use_policy "$b" "$policy"
run_container "$b"
stage_checks "createRuntime twice"
check "createRuntime twice: config.json mounts as with createRuntime once" expect_mounts_as "$b" "$ref_mounts"

# ---- the hook registered at createRuntime and at prestart -----------------------
reset_bundle "$b"
hook_entries "$b" createRuntime prestart
hook_use_policy "$b" "$policy"
run_container "$b"
stage_checks "createRuntime + prestart"
check "createRuntime + prestart: config.json mounts as with createRuntime once" expect_mounts_as "$b" "$ref_mounts"

e2e_summary
