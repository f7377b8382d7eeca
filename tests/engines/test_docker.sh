#!/usr/bin/env bash
# Engine test: Docker 20.10 with the runtime wrapper oci-agent-runtime as a
# daemon.json runtime ("runtimes": {"agent": {"path": WRAPPER}}), on a private
# dockerd and containerd (see docker_lib.sh), with an image made by
# `docker import` of a busybox rootfs whose /tmp is 0755.
#
#   0. daemon.json is the test's private keys merged by `oci-agent-hook
#      install --engine docker`: the runtime "agent" is the wrapper beside
#      the hook, every private key is kept, dockerd starts on it and lists
#      the runtime; a second install changes nothing.
#   1. `docker run --runtime agent --user 1000:1000`: /tmp is the policy's
#      tmpfs (256m, noexec,nosuid,nodev, mode 1777) where the agent writes
#      but cannot run a binary or a script; the excluded path
#      /workspace/node_modules is an exec tmpfs (mode 1777) where it writes
#      and runs both; /agent-home exists, 1000:1000. The policy comes from
#      OCI_AGENT_HOOK_CONFIG in containerd's environment: 256m, not the
#      default 512m, shows it reached the wrapper. The bundle's config.json,
#      read while a container runs, records the mounts and the hook.
#   2. A user's `--tmpfs /tmp:exec,size=100m` ends up as the policy's /tmp.
#   3. "default-runtime": "agent" (`install --set-as-default`, then SIGHUP)
#      applies to a plain `docker run`. An explicit `--runtime runc` bypasses the
#      wrapper: Docker has no way to forbid it (the name "runc" is reserved
#      and cannot be redefined), so a user who may pass --runtime gets a /tmp
#      that is not the hook's, even an exec one of their choosing. This test
#      asserts that bypass, to document it.
#   4. A policy file that does not validate (rewritten in place: the wrapper
#      reads it on every create): `docker run` fails and the docker user sees
#      the reason (the JSON path tmp.max_size), not only the wrapper's name.
#   5. `uninstall --set-as-default` leaves daemon.json with the private keys
#      only (compared as JSON).
#
# Usage: test_docker.sh HOOK   (oci-agent-runtime is beside HOOK)
E2E_DIR=$(cd "$(dirname "$0")/../e2e" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$E2E_DIR/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$E2E_DIR/functional_lib.sh"
# shellcheck source=tests/engines/docker_lib.sh
source "$(dirname "$0")/docker_lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 HOOK"; exit 2; }
docker_init "$1"

NM=/workspace/node_modules
TMP_OPTS='"nosuid","noexec","nodev","mode=1777"'
EXCLUDED_OPTS='"nosuid","nodev","exec","mode=1777"'
GOOD_POLICY='{"tmp": {"size": "256m"}, "exclude": {"paths": ["/workspace/node_modules"]}}'
printf '%s\n' "$GOOD_POLICY" > "$POLICY"

if ! docker_start || ! docker_image; then
    check "the private containerd and dockerd start, docker import of the busybox image" false
    e2e_summary
    exit 1
fi

# What the agent sees: /probe facts (functional_lib.sh), its ids, and a shell
# script written and run in /tmp and in $NM.
# shellcheck disable=SC2016 # expanded by the container's shell
PROBE='echo "ids self $(id -u):$(id -g)"
/probe /tmp '"$NM"' /agent-home
for d in /tmp '"$NM"'; do
    printf "#!/bin/sh\necho script ran\n" > "$d/agent.sh" && chmod 0755 "$d/agent.sh"
    /try "script:$d" "$d/agent.sh"
done'

workload_did_not_run() { ! has "$out" "ids self"; }
pid_gone() { ! kill -0 "$1" 2> /dev/null; }
nothing_mounted_under() { ! grep -qF " $1/" /proc/self/mountinfo; }

# expect_script_denied DIR: the script written in DIR could not be run.
expect_script_denied() { expect_re try "script:$1" '^fail \(rc [0-9]+\): .*Permission denied'; }

# agent_checks LABEL: the contract, as uid 1000 sees it, after docker_run of $PROBE.
agent_checks() {
    local label=$1
    check "$label: the container runs" expect_rc 0
    check "$label: the workload runs as 1000:1000" expect ids self 1000:1000
    check "$label: /tmp is a noexec,nosuid,nodev tmpfs of 262144k (policy 256m, from containerd's environment)" \
        expect_tmpfs /tmp noexec 262144
    check "$label: one mount at /tmp" expect_mount_count /tmp 1
    check "$label: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
    check "$label: uid 1000 creates a file in /tmp" expect write /tmp ok
    check "$label: a binary copied to /tmp cannot run" expect_noexec_denied /tmp
    check "$label: a script written in /tmp cannot run" expect_script_denied /tmp
    check "$label: $NM is an exec,nosuid,nodev tmpfs of 1048576k" expect_tmpfs "$NM" exec 1048576
    check "$label: $NM mode 1777, owned 0:0" expect stat "$NM" "directory 1777 0:0"
    check "$label: uid 1000 creates a file in $NM" expect write "$NM" ok
    check "$label: a binary copied to $NM runs" expect exec "$NM" ok
    check "$label: a script written in $NM runs" expect try "script:$NM" ok
    check "$label: /agent-home mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"
    check "$label: uid 1000 creates a file in /agent-home" expect write /agent-home ok
}

# ---- 0. daemon.json as install merged it ---------------------------------------
sed 's/^/     /' <<< "install --engine docker said: $DOCKER_INSTALL_OUT"
check "install: reports the update of $DOCKER_CONF" has "$DOCKER_INSTALL_OUT" "updated $DOCKER_CONF:"
check "install: daemon.json runs runtime $DOCKER_RUNTIME through the wrapper beside the hook ($WRAPPER)" \
    expect_jq "$DOCKER_CONF" --arg rt "$DOCKER_RUNTIME" --arg w "$WRAPPER" '.runtimes == {($rt): {path: $w}}'
check "install: every private key of daemon.json kept" \
    test "$(jq -S 'del(.runtimes)' "$DOCKER_CONF")" = "$(jq -S . "$DOCKER_CONF_PRIVATE")"
out=$(docker_install)
check "install a second time: nothing to change" has "$out" "already installed: nothing to change"
check "dockerd knows the runtime agent" has "$(dk info -f '{{json .Runtimes}}' 2>&1)" '"agent"'
check "dockerd uses our containerd (it started none under its exec-root)" test ! -e "$DOCKER_EXEC_ROOT/containerd"

# ---- 1. --runtime agent ------------------------------------------------------
docker_run --runtime agent --user 1000:1000 -- sh -c "$PROBE"
agent_checks "--runtime agent"

# ---- 2. a user's exec /tmp ---------------------------------------------------
docker_run --runtime agent --user 1000:1000 --tmpfs /tmp:exec,size=100m -- sh -c "$PROBE"
agent_checks "--runtime agent --tmpfs /tmp:exec,size=100m"

# The bundle's config.json as the runtime got it, read while the container
# runs (dockerd's bundle is containerd's task directory, removed at exit).
expect_no_user_tmp() {  # no mount of 100m left in the spec
    local got
    got=$(jq -c '[.mounts[] | select(.options // [] | index("size=100m"))]' "$1/config.json")
    [ "$got" = "[]" ] && return 0
    echo "     $1/config.json still has the user's mount: $got"
    return 1
}
out=$(dk run -d --pull never --network none --runtime agent --user 1000:1000 --tmpfs /tmp:exec,size=100m \
    "$DOCKER_IMAGE" sleep 60 2>&1)
rc=$?
id=$(tail -n 1 <<< "$out")
bundle=$(docker_bundle "$id")
if [ "$rc" = 0 ] && [ -f "$bundle/config.json" ]; then
    check "bundle config.json: one /tmp mount, the policy's" expect_spec_options "$bundle" /tmp "[$TMP_OPTS,\"size=256m\"]"
    check "bundle config.json: the user's 100m tmpfs is gone" expect_no_user_tmp "$bundle"
    check "bundle config.json: $NM recorded" expect_spec_options "$bundle" "$NM" "[$EXCLUDED_OPTS,\"size=1g\"]"
    check "bundle config.json: the hook registered once at createRuntime and once at poststop" expect_hook_registered "$bundle/config.json"
else
    check "a detached container runs and its bundle is at $bundle" false
fi
dk rm -f "$id" > /dev/null 2>&1

# ---- 3. default-runtime, and --runtime runc bypassing it -----------------------
out=$(docker_install --set-as-default)
rc=$?
sed 's/^/     /' <<< "install --set-as-default said: $out"
check "install --set-as-default: succeeds" test "$rc" = 0
check "install --set-as-default: daemon.json says default-runtime $DOCKER_RUNTIME" \
    expect_jq "$DOCKER_CONF" --arg rt "$DOCKER_RUNTIME" '."default-runtime" == $rt'
out=$(docker_reload)
rc=$?
check "SIGHUP: dockerd reloads default-runtime agent" expect_rc 0
docker_run --user 1000:1000 -- sh -c "$PROBE"
agent_checks "default-runtime agent, plain docker run"

docker_run --runtime runc --user 1000:1000 -- sh -c "$PROBE"
check "--runtime runc (bypass): the container runs" expect_rc 0
check "--runtime runc (bypass): no tmpfs at /tmp, the image's 0755 directory" expect_no_tmpfs_at /tmp
check "--runtime runc (bypass): /tmp is the image's, mode 755" expect stat /tmp "directory 755 0:0"
check "--runtime runc (bypass): no $NM tmpfs" expect_no_tmpfs_at "$NM"
check "--runtime runc (bypass): no /agent-home" expect_re stat /agent-home "No such file or directory"

# As root: runc gives this tmpfs the image's 0755 (it ignores mode=), so the
# agent could not even write there; root shows that it is exec.
docker_run --runtime runc --tmpfs /tmp:exec,size=100m -- sh -c "$PROBE"
check "--runtime runc --tmpfs /tmp:exec,size=100m (bypass): the user's exec tmpfs of 102400k" expect_tmpfs /tmp exec 102400
check "--runtime runc --tmpfs /tmp:exec,size=100m (bypass): a binary in /tmp runs (as root)" expect exec /tmp ok

# ---- 4. a policy that does not validate --------------------------------------
printf '%s\n' '{"tmp": {"max_size": "lots"}}' > "$POLICY"
docker_run --runtime agent --user 1000:1000 -- sh -c "$PROBE"
echo "     what the docker user sees (docker run exit status $rc): $out"
check "bad policy: docker run fails" test "$rc" != 0
check "bad policy: the docker user sees the reason (tmp.max_size)" has "$out" tmp.max_size
check "bad policy: ... and the value at fault (\"lots\")" has "$out" lots
check "bad policy: ... from oci-agent-runtime" has "$out" "oci-agent-runtime:"
check "bad policy: the workload never ran" workload_did_not_run
docker_run -- sh -c "$PROBE"
check "bad policy, default runtime: docker run fails" test "$rc" != 0
check "bad policy, default runtime: the docker user sees the reason (tmp.max_size)" has "$out" tmp.max_size
check "bad policy: no container left behind" test -z "$(dk ps -aq 2>&1)"

printf '%s\n' "$GOOD_POLICY" > "$POLICY"
docker_run --runtime agent --user 1000:1000 -- sh -c "$PROBE"
check "policy repaired: the next container starts with the contract" expect_tmpfs /tmp noexec 262144

# ---- 5. uninstall -----------------------------------------------------------------
out=$(docker_uninstall --set-as-default)
rc=$?
sed 's/^/     /' <<< "uninstall --set-as-default said: $out"
check "uninstall --set-as-default: succeeds" test "$rc" = 0
check "uninstall: daemon.json holds the private keys only again" docker_conf_is_private

# ---- the host ------------------------------------------------------------------
docker_stop_daemons
check "host: dockerd stopped" pid_gone "$DOCKERD_PID"
check "host: containerd stopped" pid_gone "$CTRD_PID"
check "host: no shim of our containerd left" test -z "$(docker_shim_pids)"
check "host: nothing left mounted under $E2E_WORK" nothing_mounted_under "$E2E_WORK"
check "host: /etc/docker, /var/lib/docker, /opt/containerd... unchanged" \
    test "$(docker_host_paths)" = "$DOCKER_HOST_PATHS_BEFORE"

e2e_summary
