# shellcheck shell=bash
# shellcheck disable=SC2034 # $out, $rc, $E2E_RUNTIME are read by lib.sh and functional_lib.sh
# Helpers for the containerd engine tests (test_containerd.sh: ctr;
# test_cri.sh: the Kubernetes CRI plugin). Source tests/e2e/lib.sh and
# tests/e2e/functional_lib.sh first, then call ctrd_init LABEL HOOK.
#
# Everything lives in one private directory under /var/tmp ($E2E_WORK): the
# daemon's config.toml, root, state and sockets, the runc root (runtime
# option Root / ctr --runc-root), ctr's FIFOs, the image, the policy. The
# daemon is started with OCI_AGENT_HOOK_CONFIG naming the private policy (it
# passes its environment down to the shim and so to the wrapper) and is
# stopped by its pid; the shims of this daemon (found by the -address of its
# socket on their command line) and the containers in the private runc root
# are stopped too, whatever state a failed test left. containerd still puts
# shim sockets in /run/containerd/s: each one this daemon's shims used is
# removed by name (from the bundles' `address` files).
#
# The runtime wrapper is oci-agent-runtime beside the hook binary: what
# `oci-agent-hook install --engine containerd --hook-path HOOK` registers as
# a CRI handler's BinaryName (test_cri.sh gets its handler that way, merged
# into the private config.toml), and what test_containerd.sh hands
# `ctr run --runc-binary` (ctr selects no handler).

# shellcheck source=tests/engines/engine_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/engine_lib.sh"

CTRD_IMAGE=localhost/bb:latest

# ctrd_init LABEL HOOK: LABEL names the checks in the output (ctr, cri).
ctrd_init() {
    local label=$1 hook=$2 tool
    e2e_init runc "$hook"       # root, the hook, jq, runc; $E2E_WORK; exit trap
    E2E_RUNTIME=$label
    for tool in containerd ctr containerd-shim-runc-v2 umoci; do
        command -v "$tool" > /dev/null || e2e_skip "$tool not installed (scripts/install-deps.sh)"
    done
    WRAPPER=$(dirname "$HOOK")/oci-agent-runtime
    [ -x "$WRAPPER" ] || e2e_skip "runtime wrapper $WRAPPER not built"
    CTRD_CONF=$E2E_WORK/config.toml
    CTRD_SOCK=$E2E_WORK/containerd.sock
    CTRD_RUNC_ROOT=$E2E_WORK/runc
    POLICY=$E2E_WORK/policy.json
    mkdir -p "$E2E_WORK/fifo" "$CTRD_RUNC_ROOT"
    trap ctrd_cleanup EXIT
}

# ctrd_config [CRI-TOML]: writes the private $CTRD_CONF (root, state,
# sockets, opt dir under $E2E_WORK). With no argument the CRI plugin is
# disabled; otherwise CRI-TOML is appended (the
# [plugins."io.containerd.grpc.v1.cri"] tables). A copy stays in
# $CTRD_CONF.private.
ctrd_config() {
    local cri=${1:-}
    {
        echo 'version = 2'
        echo "root = \"$E2E_WORK/root\""
        echo "state = \"$E2E_WORK/state\""
        [ -n "$cri" ] || echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
        echo '[grpc]'
        echo "  address = \"$CTRD_SOCK\""
        echo '[ttrpc]'
        echo "  address = \"$CTRD_SOCK.ttrpc\""
        echo '[debug]'
        echo "  address = \"$E2E_WORK/debug.sock\""
        echo '[plugins."io.containerd.internal.v1.opt"]'
        echo "  path = \"$E2E_WORK/opt\""
        [ -z "$cri" ] || printf '%s\n' "$cri"
    } > "$CTRD_CONF" && cp "$CTRD_CONF" "$CTRD_CONF.private"
}

# ctrd_install [OPTIONS], ctrd_uninstall [OPTIONS]: `oci-agent-hook
# install|uninstall --engine containerd` on $CTRD_CONF for the hook under
# test (the policy named, so install validates the test's); prints what it
# printed, returns its status.
ctrd_install() { "$HOOK" install --engine containerd --config-dir "$E2E_WORK" --hook-path "$HOOK" --config "$POLICY" "$@" 2>&1; }
ctrd_uninstall() { "$HOOK" uninstall --engine containerd --config-dir "$E2E_WORK" --hook-path "$HOOK" --config "$POLICY" "$@" 2>&1; }

# toml_json FILE: the TOML file as JSON with sorted keys (Debian's python
# 3.11 tomllib), to compare configs by meaning, not layout.
toml_json() {
    /usr/bin/python3 -c 'import json, sys, tomllib
print(json.dumps(tomllib.load(open(sys.argv[1], "rb")), sort_keys=True, indent=1))' "$1"
}

# ctrd_run: starts containerd on $CTRD_CONF; waits until it answers.
ctrd_run() {
    local i
    OCI_AGENT_HOOK_CONFIG=$POLICY containerd --config "$CTRD_CONF" > "$E2E_WORK/containerd.log" 2>&1 &
    CTRD_PID=$!
    for i in $(seq 1 100); do
        ctr -a "$CTRD_SOCK" version > /dev/null 2>&1 && return 0
        if ! kill -0 "$CTRD_PID" 2> /dev/null; then
            echo "containerd exited; its log:"
            tail -n 20 "$E2E_WORK/containerd.log"
            return 1
        fi
        sleep 0.1
    done
    echo "containerd does not answer on $CTRD_SOCK after 10 s; its log:"
    tail -n 20 "$E2E_WORK/containerd.log"
    return 1
}

# ctrd_start [CRI-TOML]: ctrd_config, then ctrd_run.
ctrd_start() { ctrd_config "$@" && ctrd_run; }

ctrd() { timeout 120 ctr -a "$CTRD_SOCK" "$@"; }  # ctrd -n NS ...: ctr on the private daemon

# ctrd_shim_pids: the shims this daemon started (by its socket on their command line).
ctrd_shim_pids() { containerd_shim_pids "$CTRD_SOCK"; }

ctrd_cleanup() {
    local ns id pid addr socks=()
    if [ -n "${CTRD_PID:-}" ]; then
        # Containers left running: killed and deleted in the private runc root.
        for ns in "$CTRD_RUNC_ROOT"/*/; do
            [ -d "$ns" ] || continue
            for id in $(runc --root "$ns" list -q 2> /dev/null); do
                runc --root "$ns" delete -f "$id" > /dev/null 2>&1
            done
        done
        # The shim sockets in /run/containerd/s this daemon's shims use.
        while read -r addr; do
            [[ $addr == unix:///run/containerd/s/* ]] && socks+=("${addr#unix://}")
        done < <(cat "$E2E_WORK"/state/io.containerd.runtime.v2.task/*/*/address 2> /dev/null)
        for pid in $(ctrd_shim_pids); do
            kill "$pid" 2> /dev/null
        done
        kill "$CTRD_PID" 2> /dev/null
        for _ in $(seq 1 100); do
            kill -0 "$CTRD_PID" 2> /dev/null || break
            sleep 0.1
        done
        kill -9 "$CTRD_PID" 2> /dev/null
        wait "$CTRD_PID" 2> /dev/null
        for pid in $(ctrd_shim_pids); do
            kill -9 "$pid" 2> /dev/null
        done
        rm -f "${socks[@]}"
    fi
    e2e_cleanup
}

# ctrd_image NS: builds a busybox image (scripts/make-bundle.sh's rootfs, with
# the /probe and /try scripts of functional_lib.sh; its /tmp is 0755) with
# umoci, as an OCI archive, and imports it into namespace NS as $CTRD_IMAGE.
# The image runs as the agent (1000:1000) and its default command sleeps (a
# CRI sandbox runs the sandbox image's command for the pod's lifetime).
ctrd_image() {
    local ns=$1 dir=$E2E_WORK/image
    mkdir -p "$dir"
    "$E2E_ROOT/scripts/make-bundle.sh" "$dir/bundle" > /dev/null || return 1
    install_probe "$dir/bundle/rootfs"
    umoci init --layout "$dir/oci" &&
        umoci new --image "$dir/oci:latest" &&
        umoci unpack --image "$dir/oci:latest" "$dir/unpacked" > /dev/null &&
        cp -a "$dir/bundle/rootfs/." "$dir/unpacked/rootfs/" &&
        umoci repack --image "$dir/oci:latest" "$dir/unpacked" &&
        umoci config --image "$dir/oci:latest" --config.user 1000:1000 \
            --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            --config.cmd sleep --config.cmd 100000 &&
        tar -C "$dir/oci" -cf "$dir/bb.tar" . &&
        ctrd -n "$ns" images import --base-name "${CTRD_IMAGE%:*}" "$dir/bb.tar" > /dev/null || return 1
    rm -rf "$dir/bundle" "$dir/unpacked"
}

# ctr_run NS [ctr run options] -- COMMAND...: `ctr run --rm` of $CTRD_IMAGE
# to completion; sets $out (ctr's and the workload's output) and $rc.
ctr_run() {
    local ns=$1 opts=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    e2e_seq=$((e2e_seq + 1))
    out=$(ctrd -n "$ns" run --rm --fifo-dir "$E2E_WORK/fifo" --runc-root "$CTRD_RUNC_ROOT" "${opts[@]}" \
        "$CTRD_IMAGE" "oah-$$-$e2e_seq" "$@" < /dev/null 2>&1)
    rc=$?
}

# engine_contract_checks LABEL TMP_KB: what the agent sees after a start
# through an engine: /tmp a noexec tmpfs of TMP_KB, $NM an exec tmpfs of the
# policy's exclude.size (1g), both 1777, /agent-home 755 1000:1000.
engine_contract_checks() {
    local label=$1 kb=$2
    check "$label: /tmp is a noexec,nosuid,nodev tmpfs of ${kb}k" expect_tmpfs /tmp noexec "$kb"
    check "$label: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
    check "$label: uid 1000 creates a file in /tmp" expect write /tmp ok
    check "$label: a binary in /tmp cannot run" expect_noexec_denied /tmp
    check "$label: $NM is an exec tmpfs of 1048576k" expect_tmpfs "$NM" exec 1048576
    check "$label: $NM mode 1777, owned 0:0" expect stat "$NM" "directory 1777 0:0"
    check "$label: uid 1000 creates a file in $NM" expect write "$NM" ok
    check "$label: a binary in $NM runs" expect exec "$NM" ok
    check "$label: /agent-home mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"
}

# ---- a bundle's config.json, as the runtime got it ---------------------------

expect_no_hook_entry() {  # expect_no_hook_entry CONFIG
    local got
    got=$(hook_entries_in "$1")
    [ -z "$got" ] && return 0
    echo "     $1: oci-agent-hook entries: $got"
    return 1
}

# expect_spec_tmp CONFIG SIZE: the spec's only /tmp mount is the hook's
# tmpfs: noexec, nosuid, nodev, mode=1777, size=SIZE.
expect_spec_tmp() {
    local got
    got=$(jq -c '[.mounts[] | select(.destination == "/tmp")]' "$1")
    jq -e --arg size "size=$2" 'length == 1 and .[0].type == "tmpfs"
        and (.[0].options | index("noexec") and index("nosuid") and index("nodev")
             and index("mode=1777") and index($size))' <<< "$got" > /dev/null && return 0
    echo "     $1: /tmp mounts: $got"
    return 1
}

expect_no_spec_tmp() {  # expect_no_spec_tmp CONFIG: no mount at /tmp at all
    local got
    got=$(jq -c '[.mounts[] | select(.destination == "/tmp")]' "$1")
    [ "$got" = "[]" ] && return 0
    echo "     $1: /tmp mounts: $got"
    return 1
}

# expect_binary_name BUNDLE: the runc shim ran this container with
# BinaryName = the wrapper (options.json, written by the shim).
expect_binary_name() {
    local got
    got=$(jq -r '.binary_name // ""' "$1/options.json" 2>&1)
    [ "$got" = "$WRAPPER" ] && return 0
    echo "     $1/options.json binary_name: want '$WRAPPER', got '$got'"
    return 1
}

# expect_no_tmpfs_in_pid PID: the mount namespace of PID (seen from the host)
# has no tmpfs at /tmp.
expect_no_tmpfs_in_pid() {
    local got
    got=$(awk '$5 == "/tmp"' "/proc/$1/mountinfo" 2>&1)
    [ -z "$got" ] && return 0
    echo "     /tmp in the mount namespace of pid $1: $got"
    return 1
}

# wait_for_file_text FILE TEXT SECONDS
wait_for_file_text() {
    local _
    for _ in $(seq 1 $(($3 * 10))); do
        grep -qF -- "$2" "$1" 2> /dev/null && return 0
        sleep 0.1
    done
    return 1
}
