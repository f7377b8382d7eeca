#!/usr/bin/env bash
# containerd (1.6) through ctr, with the runtime wrapper oci-agent-runtime
# as the runc binary of the runc shim (io.containerd.runc.v2): `ctr run
# --runc-binary WRAPPER` sets the shim's runtime option BinaryName, the same
# option a CRI runtime handler sets (test_cri.sh). ctr 1.6 cannot select a
# handler configured in config.toml: outside the CRI plugin containerd 1.6
# has no named runtimes, and ctr sends the runc shim only --runc-binary,
# --runc-root and --runc-systemd-cgroup.
#
# A private containerd (CRI plugin disabled) with a private policy
# (tmp.size 256m, exclude.paths [/workspace/node_modules]), an image built
# here with umoci (busybox, /tmp 0755, running as the agent, uid 1000).
# Checks what the workload sees, the bundle the runtime got, and that an
# invalid policy stops `ctr run` with the reason in ctr's output.
#
# Usage: test_containerd.sh HOOK-BINARY   (oci-agent-runtime beside it)
# Root only; skips (77) with a reason otherwise, fails instead with E2E_REQUIRED=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$here/../e2e/lib.sh"
# shellcheck source=../e2e/functional_lib.sh
source "$here/../e2e/functional_lib.sh"
# shellcheck source=containerd_lib.sh
source "$here/containerd_lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 HOOK-BINARY"; exit 2; }
ctrd_init ctr "$1"
NS=oah-ctr-$$
NM=/workspace/node_modules
probe="/probe /tmp $NM /agent-home"
good_policy='{"tmp": {"size": "256m"}, "exclude": {"paths": ["/workspace/node_modules"]}}'
printf '%s\n' "$good_policy" > "$POLICY"

out=""
check "containerd starts (private config, CRI disabled)" ctrd_start
check "the busybox image is built with umoci and imported" ctrd_image "$NS"
[ "$e2e_failed" = 0 ] || { e2e_summary; exit 1; }

expect_failed() {  # the run failed (ctr exited non-zero)
    [ "$rc" != 0 ] && return 0
    echo "     ctr exit status: want non-zero, got 0"
    return 1
}
out_has() { has "$out" "$1" || { echo "     output lacks '$1'"; return 1; }; }
out_lacks() { ! has "$out" "$1" || { echo "     output holds '$1'"; return 1; }; }
no_containers() {
    local left
    left=$(ctrd -n "$NS" containers ls -q)
    [ -z "$left" ] && return 0
    echo "     containers left: $left"
    return 1
}

# ---- without the wrapper: the image as it is -------------------------------
ctr_run "$NS" -- sh -c "$probe"
check "plain runc: the container runs" expect_rc 0
check "plain runc: no tmpfs at /tmp" expect_no_tmpfs_at /tmp
check "plain runc: /tmp is the image's 0755 directory" expect stat /tmp "directory 755 0:0"
check "plain runc: no /agent-home" expect_re stat /agent-home "No such file"

# ---- ctr run --rm --runc-binary WRAPPER -------------------------------------
ctr_run "$NS" --runc-binary "$WRAPPER" -- sh -c "$probe"
check "ctr run --runc-binary: the container runs" expect_rc 0
engine_contract_checks "ctr run --runc-binary" 262144

# ---- the shim's BinaryName option: a detached container and its bundle -----
id=oah-$$-detached
log=$E2E_WORK/detached.log
out=$(ctrd -n "$NS" run -d --fifo-dir "$E2E_WORK/fifo" --runc-root "$CTRD_RUNC_ROOT" \
    --runtime io.containerd.runc.v2 --runc-binary "$WRAPPER" --log-uri "file://$log" \
    "$CTRD_IMAGE" "$id" sh -c "$probe; echo PROBE-DONE; exec sleep 100000" < /dev/null 2>&1)
rc=$?
check "detached (--runtime io.containerd.runc.v2): the container starts" expect_rc 0
bundle=$E2E_WORK/state/io.containerd.runtime.v2.task/$NS/$id
check "detached: the workload reports" wait_for_file_text "$log" PROBE-DONE 30
check "detached: the shim's BinaryName is the wrapper" expect_binary_name "$bundle"
check "detached: the spec's /tmp is the policy's noexec tmpfs (256m)" expect_spec_tmp "$bundle/config.json" 256m
check "detached: the spec registers the hook once at createRuntime and once at poststop" expect_hook_registered "$bundle/config.json"
out=$(cat "$log" 2> /dev/null)
check "detached: /tmp is a noexec tmpfs of 262144k" expect_tmpfs /tmp noexec 262144
check "detached: /tmp mode 1777" expect stat /tmp "directory 1777 0:0"
check "detached: /agent-home mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"
ctrd -n "$NS" tasks rm -f "$id" > /dev/null 2>&1
ctrd -n "$NS" containers rm "$id" > /dev/null 2>&1

# ---- an invalid policy: ctr run fails and says why --------------------------
printf '%s\n' '{"tmp": {"max_size": "lots"}}' > "$POLICY"
ctr_run "$NS" --runc-binary "$WRAPPER" -- sh -c 'echo WORKLOAD-RAN'
check "invalid policy: ctr run fails" expect_failed
check "invalid policy: ctr's output names the bad key (tmp.max_size)" out_has "tmp.max_size"
check "invalid policy: ctr's output names the wrapper" out_has "oci-agent-runtime"
check "invalid policy: the workload did not run" out_lacks WORKLOAD-RAN
check "invalid policy: no container is left behind" no_containers
echo "     ctr's output: $out"

# ---- the policy fixed: the next container starts, no daemon restart --------
printf '%s\n' "$good_policy" > "$POLICY"
ctr_run "$NS" --runc-binary "$WRAPPER" -- sh -c "$probe"
check "policy fixed: the next container runs" expect_rc 0
check "policy fixed: /tmp is a noexec tmpfs of 262144k" expect_tmpfs /tmp noexec 262144

e2e_summary
