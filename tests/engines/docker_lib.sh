# shellcheck shell=bash
# shellcheck disable=SC2154 # $out and $rc are set here and read by functional_lib.sh
# shellcheck disable=SC2034 # variables set here are read by test_docker.sh and lib.sh
# Helpers for the Docker engine test (test_docker.sh). Source
# tests/e2e/lib.sh and tests/e2e/functional_lib.sh first, then call
# docker_init HOOK.
#
# Everything lives in one private directory under /var/tmp ($E2E_WORK):
# daemon.json, dockerd's data-root, exec-root, pidfile, trust key and socket,
# and a containerd of the test's own (config.toml, root, state, sockets, opt
# dir), the image tar and the policy file.
#
# Why a containerd of our own rather than the one dockerd starts itself:
# - dockerd 20.10 uses /run/containerd/containerd.sock whenever that socket
#   exists (anyone's containerd at the default address) and only otherwise
#   starts one; naming ours with "containerd" in daemon.json means it never
#   looks;
# - the containerd dockerd starts loads the "opt" plugin with its default
#   path and creates /opt/containerd/{bin,lib} on the host; ours has its opt
#   path in the private directory.
# The policy reaches the wrapper through the environment of containerd (the
# wrapper is a child of the shim, a child of containerd): containerd is
# started with OCI_AGENT_HOOK_CONFIG=$POLICY; dockerd is not (it would pass
# its environment to a containerd it started itself, but it starts none
# here).
#
# dockerd 20.10 still writes outside its directories in two places, handled
# here: the trust key (default /etc/docker/key.json; daemon.json key
# "deprecated-key-path" moves it into the private directory) and
# /run/docker/plugins (hard-coded; removed at the end if it did not exist
# before and is empty). containerd's shims put their sockets in
# /run/containerd/s; each one our daemon's shims used is removed by name.
#
# Both daemons are stopped by their pid; our containerd's shims (found by
# its socket on their command line) and the containers left in dockerd's
# runc root are stopped too, then whatever is still mounted under the
# private directory is unmounted before it is removed (lib.sh).
#
# daemon.json is made the way an operator would: the private keys above are
# written first, then `oci-agent-hook install --engine docker` (the hook under
# test, --config-dir $E2E_WORK) merges its runtime into that file, so a real
# dockerd proves both the entry install writes and that the merge kept every
# other key. The runtime is the one install registers: oci-agent-runtime
# beside the hook binary (a stand-in wrapper goes beside a stand-in hook).
# The docker client is /usr/bin/docker (docker.io's, the daemon's version) when
# it exists, else `docker` on PATH; DOCKER_CLI=PATH replaces it.

# shellcheck source=tests/engines/engine_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/engine_lib.sh"

DOCKER_IMAGE=localhost/bb:latest

# docker_init HOOK
docker_init() {
    local tool
    e2e_init runc "$1"          # root, the hook, jq, runc; $E2E_WORK; exit trap
    E2E_RUNTIME=docker
    for tool in dockerd containerd containerd-shim-runc-v2 ctr; do
        command -v "$tool" > /dev/null || e2e_skip "$tool not installed (docker.io, containerd: scripts/install-deps.sh)"
    done
    DOCKER_CLI=${DOCKER_CLI:-}
    if [ -z "$DOCKER_CLI" ]; then
        if [ -x /usr/bin/docker ]; then
            DOCKER_CLI=/usr/bin/docker
        else
            DOCKER_CLI=$(command -v docker) || e2e_skip "docker client not installed (docker.io)"
        fi
    fi
    WRAPPER=$(dirname "$HOOK")/oci-agent-runtime   # what install registers
    [ -x "$WRAPPER" ] || e2e_skip "runtime wrapper $WRAPPER not built"
    DOCKER_RUNTIME=agent        # the runtime name install registers by default
    POLICY=$E2E_WORK/policy.json
    DOCKER_SOCK=$E2E_WORK/docker.sock
    DOCKER_EXEC_ROOT=$E2E_WORK/exec
    DOCKER_CONF=$E2E_WORK/daemon.json
    DOCKER_CONF_PRIVATE=$E2E_WORK/daemon.json.private   # the test's own keys, for the uninstall check
    CTRD_DIR=$E2E_WORK/containerd
    CTRD_SOCK=$CTRD_DIR/containerd.sock
    export DOCKER_HOST=unix://$DOCKER_SOCK
    # Docker client configuration (contexts, credentials) stays private too.
    export DOCKER_CONFIG=$E2E_WORK/client
    mkdir -p "$DOCKER_CONFIG" "$CTRD_DIR"
    # Host paths dockerd or containerd could write to: they must end as they began.
    DOCKER_HOST_PATHS_BEFORE=$(docker_host_paths)
    if [ -e /run/docker ]; then DOCKER_RUN_EXISTED=1; else DOCKER_RUN_EXISTED=0; fi
    trap docker_cleanup EXIT
}

# What exists at the default places of dockerd and containerd on the host.
docker_host_paths() {
    local p
    for p in /etc/docker /var/lib/docker /run/docker /var/run/docker.sock /opt/containerd /run/containerd/containerd.sock; do
        if [ -e "$p" ]; then
            echo "$p: $(find "$p" -maxdepth 2 2> /dev/null | sort | tr '\n' ' ')"
        else
            echo "$p: absent"
        fi
    done
}

dk() { timeout 120 "$DOCKER_CLI" "$@"; }   # the docker client on the private daemon

# docker_daemon_json: writes daemon.json with the test's private keys only
# (no runtime: install adds it), and a copy in $DOCKER_CONF_PRIVATE.
docker_daemon_json() {
    jq -n --arg w "$E2E_WORK" --arg sock "$DOCKER_SOCK" --arg exec "$DOCKER_EXEC_ROOT" \
        --arg ctrd "$CTRD_SOCK" '{
        "data-root": ($w + "/data"),
        "exec-root": $exec,
        "pidfile": ($w + "/docker.pid"),
        "hosts": ["unix://" + $sock],
        "containerd": $ctrd,
        "deprecated-key-path": ($w + "/key.json"),
        "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
        "bridge": "none",
        "storage-driver": "overlay2",
        "exec-opts": ["native.cgroupdriver=cgroupfs"],
        "log-level": "info"
    }' > "$DOCKER_CONF_PRIVATE" && cp "$DOCKER_CONF_PRIVATE" "$DOCKER_CONF"
}

# docker_install [OPTIONS], docker_uninstall [OPTIONS]: `oci-agent-hook
# install|uninstall --engine docker` on $DOCKER_CONF, for the hook under test
# (the policy is named so install validates the test's, not the host's);
# prints what it printed, returns its status.
# shellcheck disable=SC2120 # test_docker.sh passes options
docker_install() { "$HOOK" install --engine docker --config-dir "$E2E_WORK" --hook-path "$HOOK" --config "$POLICY" "$@" 2>&1; }
docker_uninstall() { "$HOOK" uninstall --engine docker --config-dir "$E2E_WORK" --hook-path "$HOOK" --config "$POLICY" "$@" 2>&1; }

# docker_conf_is_private: daemon.json holds exactly the private keys again
# (compared as JSON: key order and layout aside).
docker_conf_is_private() {
    local got want
    got=$(jq -S . "$DOCKER_CONF" 2>&1)
    want=$(jq -S . "$DOCKER_CONF_PRIVATE")
    [ "$got" = "$want" ] && return 0
    echo "     $DOCKER_CONF differs from the private keys:"
    diff <(echo "$want") <(echo "$got") | sed 's/^/     /'
    return 1
}

# docker_start: starts our containerd (with the policy in its environment),
# then dockerd on it; waits until both answer.
docker_start() {
    local i
    cat > "$CTRD_DIR/config.toml" << EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = "$CTRD_DIR/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_DIR/opt"
EOF
    OCI_AGENT_HOOK_CONFIG=$POLICY containerd --config "$CTRD_DIR/config.toml" > "$E2E_WORK/containerd.log" 2>&1 &
    CTRD_PID=$!
    for i in $(seq 1 100); do
        ctr -a "$CTRD_SOCK" version > /dev/null 2>&1 && break
        if ! kill -0 "$CTRD_PID" 2> /dev/null || [ "$i" = 100 ]; then
            echo "containerd did not start; its log:"
            tail -n 20 "$E2E_WORK/containerd.log"
            return 1
        fi
        sleep 0.1
    done
    docker_daemon_json || return 1
    if ! DOCKER_INSTALL_OUT=$(docker_install); then
        echo "oci-agent-hook install --engine docker failed: $DOCKER_INSTALL_OUT"
        return 1
    fi
    # No OCI_AGENT_HOOK_CONFIG here: the policy must come through containerd.
    env -u OCI_AGENT_HOOK_CONFIG dockerd --config-file "$DOCKER_CONF" > "$E2E_WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for i in $(seq 1 300); do
        dk version > /dev/null 2>&1 && return 0
        if ! kill -0 "$DOCKERD_PID" 2> /dev/null; then
            echo "dockerd exited; its log:"
            tail -n 20 "$E2E_WORK/dockerd.log"
            return 1
        fi
        sleep 0.1
    done
    echo "dockerd does not answer on $DOCKER_SOCK after 30 s; its log:"
    tail -n 20 "$E2E_WORK/dockerd.log"
    return 1
}

# docker_reload [EXTRA-JQ]: sends dockerd SIGHUP (after editing daemon.json
# with the jq filter EXTRA-JQ, if given); waits until `docker info` shows the
# default runtime the file names (runc when none).
docker_reload() {
    local want i
    if [ -n "${1:-}" ]; then
        jq "$1" "$DOCKER_CONF" > "$DOCKER_CONF.new" && mv "$DOCKER_CONF.new" "$DOCKER_CONF" || return 1
    fi
    want=$(jq -r '."default-runtime" // "runc"' "$DOCKER_CONF")
    kill -HUP "$DOCKERD_PID"
    for i in $(seq 1 100); do
        [ "$(dk info -f '{{.DefaultRuntime}}' 2> /dev/null)" = "$want" ] && return 0
        sleep 0.1
    done
    echo "dockerd did not reload: default runtime is $(dk info -f '{{.DefaultRuntime}}' 2>&1), want $want"
    return 1
}

# The shims our containerd started (by its socket on their command line).
docker_shim_pids() { containerd_shim_pids "$CTRD_SOCK"; }

# stop_pid PID: SIGTERM, up to 15 s, then SIGKILL; reaps it.
stop_pid() {
    local i
    kill "$1" 2> /dev/null || return 0
    for i in $(seq 1 150); do
        kill -0 "$1" 2> /dev/null || break
        sleep 0.1
    done
    kill -9 "$1" 2> /dev/null
    wait "$1" 2> /dev/null
}

# docker_stop_daemons: stops the containers, dockerd, our containerd and its
# shims, each by pid, and removes what they left outside $E2E_WORK. Safe to
# call twice (the test calls it to check the host; the exit trap again).
docker_stop_daemons() {
    local ids id pid addr socks=() root
    [ "${DOCKER_STOPPED:-0}" = 1 ] && return 0
    DOCKER_STOPPED=1
    if [ -n "${DOCKERD_PID:-}" ]; then
        ids=$(dk ps -aq 2> /dev/null)
        # shellcheck disable=SC2086 # one id per word
        [ -n "$ids" ] && dk rm -f $ids > /dev/null 2>&1
        stop_pid "$DOCKERD_PID"
    fi
    if [ -n "${CTRD_PID:-}" ]; then
        # Containers left in dockerd's runc root(s): killed and deleted.
        for root in "$DOCKER_EXEC_ROOT"/runtime-*/*/; do
            [ -d "$root" ] || continue
            for id in $(runc --root "$root" list -q 2> /dev/null); do
                runc --root "$root" delete -f "$id" > /dev/null 2>&1
            done
        done
        while read -r addr; do
            [[ $addr == unix:///run/containerd/s/* ]] && socks+=("${addr#unix://}")
        done < <(cat "$CTRD_DIR"/state/io.containerd.runtime.v2.task/*/*/address 2> /dev/null)
        for pid in $(docker_shim_pids); do
            kill "$pid" 2> /dev/null
        done
        stop_pid "$CTRD_PID"
        for pid in $(docker_shim_pids); do
            kill -9 "$pid" 2> /dev/null
        done
        [ ${#socks[@]} -eq 0 ] || rm -f "${socks[@]}"
    fi
    # dockerd's hard-coded plugin directory: ours if it was not there before.
    if [ "${DOCKER_RUN_EXISTED:-1}" = 0 ]; then
        rmdir /run/docker/plugins /run/docker 2> /dev/null
    fi
}

docker_cleanup() {
    docker_stop_daemons
    e2e_cleanup
}

# docker_image: imports a busybox image: scripts/make-bundle.sh's rootfs
# (root and agent 1000:1000 in /etc/passwd, /tmp mode 0755, /workspace),
# with the /probe and /try scripts of functional_lib.sh.
docker_image() {
    local dir=$E2E_WORK/image
    mkdir -p "$dir"
    "$E2E_ROOT/scripts/make-bundle.sh" "$dir/bundle" > /dev/null || return 1
    install_probe "$dir/bundle/rootfs"
    tar -C "$dir/bundle/rootfs" -cf "$dir/rootfs.tar" . &&
        dk import "$dir/rootfs.tar" "$DOCKER_IMAGE" > /dev/null || return 1
    rm -rf "$dir"
}

# docker_run [docker run options] -- COMMAND...: `docker run --rm` of the
# image to completion, no network; sets $out (docker's and the workload's
# output) and $rc.
docker_run() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    out=$(dk run --pull never --rm --network none "${opts[@]}" "$DOCKER_IMAGE" "$@" < /dev/null 2>&1)
    rc=$?
}

# docker_bundle ID: the bundle directory containerd made for container ID
# (dockerd's namespace is "moby").
docker_bundle() { echo "$CTRD_DIR/state/io.containerd.runtime.v2.task/moby/$1"; }
