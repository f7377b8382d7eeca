#!/usr/bin/env bash
# containerd (1.6) through its CRI plugin, the Kubernetes path: a runtime
# handler "agent" (the runc shim, runtime option BinaryName = the runtime
# wrapper oci-agent-runtime; a Kubernetes RuntimeClass names it) that passes
# the pod annotations oci-agent-hook/* into the specs (pod_annotations).
#
# The handler is what `oci-agent-hook install --engine containerd` writes,
# merged into the test's private config.toml (its root, state, sockets, the
# CRI plugin's settings, and the handler's runc Root, written first): the
# merged file must keep every private key, `containerd config dump` must
# read it, and containerd must run on it. At the end `uninstall` must give
# back the private file (compared as parsed TOML: install rewrites it
# through toml11, keys sorted).
#
# A private containerd with the CRI plugin (restrict_oom_score_adj, needed
# where the process lacks CAP_SYS_RESOURCE; sandbox_image = the busybox image
# built here, whose default command sleeps; no CNI: the pod uses the host's
# network), driven by tests/engines/cri/cri_client.py (Debian ships no
# crictl) over stubs generated here from tests/engines/cri/api.proto. A pod
# with the annotation oci-agent-hook/tmp-size: 64m (the policy says 256m) and
# one container, as uid 1000: what the workload sees (its CRI log), the
# bundle the runtime got, and the pod's sandbox container left alone (its
# spec has no hook and no /tmp tmpfs, its mount namespace no tmpfs at /tmp).
# Then an invalid policy: StartContainer fails and says why.
#
# Usage: test_cri.sh HOOK-BINARY   (oci-agent-runtime beside it)
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
ctrd_init cri "$1"
PY=/usr/bin/python3   # Debian's python, with python3-grpcio and python3-grpc-tools
"$PY" -c 'import grpc, grpc_tools.protoc, google.protobuf' 2> /dev/null ||
    e2e_skip "$PY lacks grpc, grpc_tools or protobuf (python3-grpcio python3-grpc-tools python3-protobuf)"
NS=k8s.io             # the CRI plugin's namespace
NM=/workspace/node_modules
good_policy='{"tmp": {"size": "256m"}, "exclude": {"paths": ["/workspace/node_modules"]}}'
printf '%s\n' "$good_policy" > "$POLICY"
STUBS=$E2E_WORK/cri-stubs
LOGS=$E2E_WORK/pod-logs
mkdir -p "$STUBS" "$LOGS" "$E2E_WORK/cni/bin" "$E2E_WORK/cni/conf"

cri_toml="[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"$CTRD_IMAGE\"
  restrict_oom_score_adj = true
  stream_server_address = \"127.0.0.1\"
  stream_server_port = \"0\"
  [plugins.\"io.containerd.grpc.v1.cri\".cni]
    bin_dir = \"$E2E_WORK/cni/bin\"
    conf_dir = \"$E2E_WORK/cni/conf\"
  [plugins.\"io.containerd.grpc.v1.cri\".containerd]
    default_runtime_name = \"runc\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]
        Root = \"$CTRD_RUNC_ROOT\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.agent.options]
      Root = \"$CTRD_RUNC_ROOT\""
# What install adds to that handler (it keeps options.Root, the test's).
AGENT='.plugins."io.containerd.grpc.v1.cri".containerd.runtimes.agent'

cri() { timeout 120 "$PY" "$here/cri/cri_client.py" --socket "$CTRD_SOCK" --stubs "$STUBS" "$@"; }
pods=()
cri_cleanup() {  # pods first (their containers go with them), then the daemon
    local p
    for p in "${pods[@]:-}"; do
        [ -n "$p" ] || continue
        cri stopp "$p" > /dev/null 2>&1
        cri rmp "$p" > /dev/null 2>&1
    done
    ctrd_cleanup
}
trap cri_cleanup EXIT

out=""
check "the private config.toml is written" ctrd_config "$cri_toml"

# ---- the handler from install ------------------------------------------------
out=$(ctrd_install)
sed 's/^/     /' <<< "install --engine containerd said: $out"
check "install --engine containerd: succeeds, updates $CTRD_CONF" has "$out" "updated $CTRD_CONF:"
toml_json "$CTRD_CONF.private" > "$E2E_WORK/private.json"
toml_json "$CTRD_CONF" > "$E2E_WORK/installed.json"
check "install: handler agent = the runc shim with BinaryName = the wrapper beside the hook, pod_annotations oci-agent-hook/*" \
    expect_jq "$E2E_WORK/installed.json" --arg w "$WRAPPER" --arg root "$CTRD_RUNC_ROOT" \
    "$AGENT"' == {runtime_type: "io.containerd.runc.v2", pod_annotations: ["oci-agent-hook/*"],
                  options: {BinaryName: $w, Root: $root}}'
check "install: every private key kept (the file less what install adds is the private file)" \
    test "$(jq -S "del($AGENT.runtime_type, $AGENT.pod_annotations, $AGENT.options.BinaryName)" \
        "$E2E_WORK/installed.json")" = "$(jq -S . "$E2E_WORK/private.json")"
out=$(ctrd_install)
check "install a second time: nothing to change" has "$out" "already installed: nothing to change"
# containerd's own reading of the merged file (its config, defaults filled in).
out=$(containerd --config "$CTRD_CONF" config dump 2>&1) && printf '%s\n' "$out" > "$E2E_WORK/dump.toml" &&
    out=$(toml_json "$E2E_WORK/dump.toml" 2>&1) && printf '%s\n' "$out" > "$E2E_WORK/dump.json"
check "containerd config dump reads the merged file: private root, state, gRPC address, CRI settings" \
    expect_jq "$E2E_WORK/dump.json" --arg w "$E2E_WORK" --arg sock "$CTRD_SOCK" --arg img "$CTRD_IMAGE" \
    '.root == $w + "/root" and .state == $w + "/state" and .grpc.address == $sock
     and .plugins."io.containerd.grpc.v1.cri".sandbox_image == $img
     and .plugins."io.containerd.grpc.v1.cri".restrict_oom_score_adj == true
     and .plugins."io.containerd.grpc.v1.cri".containerd.default_runtime_name == "runc"'
check "containerd config dump: the handler agent as install wrote it, runc kept" \
    expect_jq "$E2E_WORK/dump.json" --arg w "$WRAPPER" --arg root "$CTRD_RUNC_ROOT" \
    "$AGENT"' as $a | .plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.Root == $root
     and $a.runtime_type == "io.containerd.runc.v2" and $a.pod_annotations == ["oci-agent-hook/*"]
     and $a.options.BinaryName == $w and $a.options.Root == $root'
check "containerd starts on the merged config.toml (CRI plugin, handler agent)" ctrd_run
check "the busybox image is built with umoci and imported as $CTRD_IMAGE" ctrd_image "$NS"
check "the CRI stubs are generated from tests/engines/cri/api.proto" \
    "$PY" -m grpc_tools.protoc -I "$here/cri" --python_out="$STUBS" --grpc_python_out="$STUBS" "$here/cri/api.proto"
out=$(cri version 2>&1)
check "the CRI plugin answers Version" has "$out" "containerd"
[ "$e2e_failed" = 0 ] || { e2e_summary; exit 1; }

out_has() { has "$out" "$1" || { echo "     output lacks '$1'"; return 1; }; }
bundle_of() { echo "$E2E_WORK/state/io.containerd.runtime.v2.task/$NS/$1"; }

# ---- a pod with oci-agent-hook/tmp-size: 64m, host network ------------------
jq -n --arg logs "$LOGS" '{
    metadata: {name: "agent-pod", uid: "oah-pod-uid", namespace: "default"},
    log_directory: $logs,
    annotations: {"oci-agent-hook/tmp-size": "64m"},
    linux: {security_context: {namespace_options: {network: "NODE"}}}}' > "$E2E_WORK/pod.json"
jq -n --arg img "$CTRD_IMAGE" --arg nm "$NM" '{
    metadata: {name: "agent"},
    image: {image: $img},
    command: ["sh", "-c", ("/probe /tmp " + $nm + " /agent-home; echo PROBE-DONE; exec sleep 100000")],
    log_path: "agent.log",
    linux: {security_context: {run_as_user: {value: 1000}, run_as_group: {value: 1000}}}}' > "$E2E_WORK/agent.json"

pod=$(cri runp "$E2E_WORK/pod.json" agent 2> "$E2E_WORK/err")
pods+=("$pod")
out=$(cat "$E2E_WORK/err")
check "RunPodSandbox with runtime handler agent" test -n "$pod"
ctr=$(cri create "$pod" "$E2E_WORK/agent.json" "$E2E_WORK/pod.json" 2> "$E2E_WORK/err")
out=$(cat "$E2E_WORK/err")
check "CreateContainer" test -n "$ctr"
out=$(cri start "$ctr" 2>&1)
check "StartContainer" test -z "$out"
check "the container's CRI log shows the workload's report" wait_for_file_text "$LOGS/agent.log" PROBE-DONE 30

# The CRI log format: "TIME STREAM F|P LINE".
out=$(sed -E 's/^[^ ]+ (stdout|stderr) [FP] //' "$LOGS/agent.log" 2> /dev/null)
engine_contract_checks "pod container" 65536

sandbox=$(bundle_of "$pod")
bundle=$(bundle_of "$ctr")
check "the container ran through the wrapper (the shim's BinaryName)" expect_binary_name "$bundle"
check "the pod annotation reached the container's spec" \
    expect_jq "$bundle/config.json" '.annotations["oci-agent-hook/tmp-size"] == "64m"'
check "the container's spec: /tmp is the annotation's noexec tmpfs (64m)" expect_spec_tmp "$bundle/config.json" 64m
check "the container's spec registers the hook once at createRuntime and once at poststop" expect_hook_registered "$bundle/config.json"

check "the sandbox ran through the wrapper too (the shim's BinaryName)" expect_binary_name "$sandbox"
check "the sandbox's spec says container-type sandbox" \
    expect_jq "$sandbox/config.json" '.annotations["io.kubernetes.cri.container-type"] == "sandbox"'
check "sandbox left alone: no oci-agent-hook entry in its spec" expect_no_hook_entry "$sandbox/config.json"
check "sandbox left alone: no /tmp mount in its spec" expect_no_spec_tmp "$sandbox/config.json"
check "sandbox left alone: no /agent-home made in its rootfs" test ! -e "$sandbox/rootfs/agent-home"
check "sandbox left alone: no tmpfs at /tmp in its mount namespace" expect_no_tmpfs_in_pid "$(cat "$sandbox/init.pid" 2> /dev/null)"

# ---- an invalid policy: StartContainer fails and says why ------------------
printf '%s\n' '{"tmp": {"max_size": "lots"}}' > "$POLICY"
jq '.metadata.name = "agent-bad-policy" | .log_path = "agent-bad-policy.log"
    | .command = ["sh", "-c", "echo WORKLOAD-RAN"]' "$E2E_WORK/agent.json" > "$E2E_WORK/bad.json"
bad=$(cri create "$pod" "$E2E_WORK/bad.json" "$E2E_WORK/pod.json" 2> /dev/null)
out=$(cri start "$bad" 2>&1)
check "invalid policy: StartContainer fails" test -n "$out"
check "invalid policy: the error names the bad key (tmp.max_size)" out_has "tmp.max_size"
check "invalid policy: the error names the wrapper" out_has "oci-agent-runtime"
check "invalid policy: the workload did not run" test ! -s "$LOGS/agent-bad-policy.log"
echo "     StartContainer said: $out"
printf '%s\n' "$good_policy" > "$POLICY"

# ---- teardown through CRI ---------------------------------------------------
out=$(cri stop "$ctr" 2>&1 && cri rm "$ctr" 2>&1 && cri stopp "$pod" 2>&1 && cri rmp "$pod" 2>&1)
check "the container and the pod stop and are removed" test -z "$out"
check "no bundle is left in containerd's state" test ! -e "$bundle" -a ! -e "$sandbox"

# ---- uninstall: the private config.toml again --------------------------------
out=$(ctrd_uninstall)
rc=$?
sed 's/^/     /' <<< "uninstall --engine containerd said: $out"
check "uninstall: succeeds" test "$rc" = 0
out=$(diff <(jq -S . "$E2E_WORK/private.json") <(toml_json "$CTRD_CONF" 2>&1 | jq -S . 2>&1))
check "uninstall: config.toml means the private file again (parsed TOML compared)" test -z "$out"

e2e_summary
