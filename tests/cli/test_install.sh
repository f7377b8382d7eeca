#!/usr/bin/env bash
# install / uninstall --engine on temporary directories, for every engine:
# install, an idempotent second run (checksum and mtime unchanged), --dry-run
# writes nothing, uninstall restores (byte-identical when install created the
# file, semantically when it merged), unparsable configs are left untouched
# with an error naming file and position, a missing binary is refused.
set -uo pipefail
BIN=${1:?usage: test_install.sh PATH-TO-oci-agent-hook}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
echo '{}' > "$WORK/policy.json"
PY=/usr/bin/python3
# shellcheck source=tests/cli/lib.sh
. "$HERE/lib.sh"
run() { out=$("$BIN" "$@" 2> "$WORK/err"); rc=$?; err=$(cat "$WORK/err"); }
# Conditions on the last run, each one command so that check counts all of it.
exited() { [ "$rc" -eq "$1" ]; }
succeeded_saying() { [ "$rc" -eq 0 ] && has "$out" "$1"; }
succeeded_without() { [ "$rc" -eq 0 ] && ! has "$out" "$1"; }
refused() { [ "$rc" -eq 1 ] && has "$err" "$1"; }                         # exit 1, stderr names TEXT
refused_line() { [ "$rc" -eq 1 ] && one_line "$err" && has "$err" "$1"; }  # ... in one line
usage_error() { [ "$rc" -eq 2 ] && has "$err" "$1"; }
# refused_untouched LABEL FILE TEXT ARGS...: `install ARGS` fails with one
# line naming TEXT, and FILE keeps its bytes.
refused_untouched() {
    local label=$1 file=$2 text=$3 sum
    shift 3
    sum=$(sha256sum < "$file")
    run install "$@"
    check "$label" refused_line "$text"
    check "${label%%:*}: ... and the file is untouched" [ "$(sha256sum < "$file")" = "$sum" ]
}
state() { (cd "$1" && find . -type f -printf '%p %T@ ' -exec sha256sum {} \; | sort); }  # names, mtimes, checksums
# Semantic comparison; an explicit default runtime "runc" is the engines' default.
NORM='import json,sys
def norm(d):
    c = d.get("plugins", {}).get("io.containerd.grpc.v1.cri", {}).get("containerd", {})
    if c.get("default_runtime_name") == "runc": del c["default_runtime_name"]
    return json.dumps(d, sort_keys=True)'
toml_json() { "$PY" -c "$NORM"'
import tomllib; print(norm(tomllib.load(open(sys.argv[1],"rb"))))' "$1"; }
same_toml() { [ "$(toml_json "$1")" = "$(toml_json "$2")" ]; }
JQ_NORM='if ."default-runtime" == "runc" then del(."default-runtime") else . end'
same_json() { [ "$(jq -S "$JQ_NORM" "$1")" = "$(jq -S "$JQ_NORM" "$2")" ]; }
"$PY" -c 'import tomllib' 2> /dev/null || toml_json() {  # python < 3.11: python3-toml
    "$PY" -c "$NORM"'
import toml; print(norm(toml.load(sys.argv[1])))' "$1"; }
WRAPPER=$(cd "$(dirname "$(readlink -f "$BIN")")" && pwd)/oci-agent-runtime

# COMPARE json:FILE compares FILE in DIR semantically.
# common: install, idempotent, dry-run, uninstall of ENGINE in DIR
cycle() {  # cycle NAME DIR COMPARE ARGS...  (COMPARE: bytes|toml|json|gone)
    local name=$1 dir=$2 cmp=$3 before; shift 3
    cp -a "$dir" "$WORK/orig"
    before=$(state "$dir")
    run install --dry-run "$@"
    check "$name: --dry-run exits 0 and prints a change" succeeded_saying "would "
    check "$name: --dry-run writes nothing" [ "$(state "$dir")" = "$before" ]
    run install "$@"
    check "$name: install exits 0" [ "$rc" -eq 0 ]
    check "$name: install says what to restart or reload" grep -qE 'restart|reload' <<< "$out"
    check "$name: install wrote something" [ "$(state "$dir")" != "$before" ]
    local once; once=$(state "$dir")
    sleep 0.01
    run install "$@"
    check "$name: second install: nothing to change" has "$out" "already installed: nothing to change"
    check "$name: second install touches nothing (checksums, mtimes)" [ "$(state "$dir")" = "$once" ]
    run uninstall --dry-run "$@"
    check "$name: uninstall --dry-run writes nothing" [ "$(state "$dir")" = "$once" ]
    run uninstall "$@"
    check "$name: uninstall exits 0" [ "$rc" -eq 0 ]
    case $cmp in
        bytes) check "$name: uninstall restores byte-identically" diff -r "$WORK/orig" "$dir" ;;
        gone) check "$name: uninstall removes what install created" [ -z "$(ls -A "$dir")" ] ;;
        toml) check "$name: uninstall restores the config semantically" same_toml "$WORK/orig/config.toml" "$dir/config.toml" ;;
        json:*) check "$name: uninstall restores ${cmp#json:} semantically" same_json "$WORK/orig/${cmp#json:}" "$dir/${cmp#json:}" ;;
    esac
    run uninstall "$@"
    check "$name: second uninstall: nothing to change" has "$out" "not installed: nothing to change"
    rm -rf "$WORK/orig"
}

# --- podman / crio: hooks.d files from scripts/hooks.d -------------------------
for e in podman crio; do
    mkdir -p "$WORK/$e.d"
    run install --engine "$e" --config-dir "$WORK/$e.d"
    check "$e: hooks.d files created" test -f "$WORK/$e.d/oci-agent-hook-precreate.json" -a -f "$WORK/$e.d/oci-agent-hook-createruntime.json" -a -f "$WORK/$e.d/oci-agent-hook-poststop.json"
    check "$e: hook.path is this binary" [ "$(jq -r .hook.path "$WORK/$e.d/oci-agent-hook-precreate.json")" = "$(readlink -f "$BIN")" ]
    check "$e: explicit policy passed on as --config" [ "$(jq -c .hook.args "$WORK/$e.d/oci-agent-hook-createruntime.json")" = "[\"oci-agent-hook\",\"--config\",\"$WORK/policy.json\",\"createRuntime\"]" ]
    check "$e: the rest is scripts/hooks.d's" [ "$(jq -c 'del(.hook.path, .hook.args)' "$WORK/$e.d/oci-agent-hook-precreate.json")" = "$(jq -c 'del(.hook.path, .hook.args)' "$HERE/../../scripts/hooks.d/oci-agent-hook-precreate.json")" ]
    "$BIN" uninstall --engine "$e" --config-dir "$WORK/$e.d" > /dev/null
    cycle "$e" "$WORK/$e.d" gone --engine "$e" --config-dir "$WORK/$e.d"
done
# CRI-O reads crio.conf's hooks_dir only (default /usr/share/containers/oci/hooks.d): install says so.
run install --engine crio --config-dir "$WORK/crio.d" --dry-run
check "crio: install tells to list the directory in crio.conf's hooks_dir" has "$out" "CRI-O reads only the directories in crio.conf's hooks_dir (default /usr/share/containers/oci/hooks.d): add $WORK/crio.d to it"
run install --engine podman --config-dir "$WORK/podman.d" --dry-run
check "podman: no hooks_dir line (podman reads /etc/containers/oci/hooks.d too)" succeeded_without "hooks_dir"
echo '{"other": true}' > "$WORK/podman.d/oci-agent-hook-precreate.json"
run install --engine podman --config-dir "$WORK/podman.d"
check "podman: a different existing file is refused, one line" refused_line "oci-agent-hook: install: install: $WORK/podman.d/oci-agent-hook-precreate.json: exists with other content"
check "podman: ... and left alone" [ "$(cat "$WORK/podman.d/oci-agent-hook-precreate.json")" = '{"other": true}' ]
rm -f "$WORK/podman.d"/*

# --- docker: daemon.json ---------------------------------------------------------
mkdir -p "$WORK/docker"
cycle "docker (no daemon.json)" "$WORK/docker" gone --engine docker --config-dir "$WORK/docker"
printf '{\n  "log-level": "warn",\n  "runtimes": {"other": {"path": "/x"}},\n  "default-runtime": "runc"\n}\n' > "$WORK/docker/daemon.json"
cycle "docker (merged, --set-as-default)" "$WORK/docker" json:daemon.json --engine docker --config-dir "$WORK/docker" --set-as-default
run install --engine docker --config-dir "$WORK/docker" --runtime-name myagent --set-as-default
check "docker: runtimes entry and default-runtime, other keys kept" \
    jq -e --arg w "$WRAPPER" '.runtimes.myagent.path == $w and .runtimes.other.path == "/x" and ."default-runtime" == "myagent" and ."log-level" == "warn"' "$WORK/docker/daemon.json" > /dev/null
run uninstall --engine docker --config-dir "$WORK/docker" --runtime-name myagent
check "docker: uninstall of the default runtime without --set-as-default refused" refused "default-runtime"
"$BIN" uninstall --engine docker --config-dir "$WORK/docker" --runtime-name myagent --set-as-default > /dev/null
echo '{"runtimes": {"agent": {"path": "/usr/bin/something-else"}}}' > "$WORK/docker/daemon.json"
refused_untouched "docker: a different runtimes.agent is refused" "$WORK/docker/daemon.json" "runtimes.agent is" \
    --engine docker --config-dir "$WORK/docker"
echo '{"default-runtime": "nvidia"}' > "$WORK/docker/daemon.json"
run install --engine docker --config-dir "$WORK/docker" --set-as-default
check "docker: a different default-runtime is refused" refused 'default-runtime is "nvidia"'
printf '{"log-level": "warn",,}\n' > "$WORK/docker/daemon.json"
refused_untouched "docker: unparsable daemon.json: error naming the file and byte" "$WORK/docker/daemon.json" \
    "parse JSON: $WORK/docker/daemon.json: byte 22" --engine docker --config-dir "$WORK/docker"
rm -f "$WORK/docker/daemon.json"

# --- containerd: config.toml -----------------------------------------------------
mkdir -p "$WORK/ctrd"
cycle "containerd (no config.toml)" "$WORK/ctrd" gone --engine containerd --config-dir "$WORK/ctrd"
cp "$FIX/containerd-config.toml" "$WORK/ctrd/config.toml"
cycle "containerd (merged)" "$WORK/ctrd" toml --engine containerd --config-dir "$WORK/ctrd"
cycle "containerd (merged, --set-as-default)" "$WORK/ctrd" toml --engine containerd --config-dir "$WORK/ctrd" --set-as-default
run install --engine containerd --config-dir "$WORK/ctrd" --set-as-default
check "containerd: handler and default, other runtimes and keys kept" "$PY" - "$WORK/ctrd/config.toml" "$WRAPPER" << 'PYEOF'
import sys
try:
    import tomllib; d = tomllib.load(open(sys.argv[1], "rb"))
except ImportError:
    import toml; d = toml.load(sys.argv[1])
c = d["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]
a = c["runtimes"]["agent"]
assert a["runtime_type"] == "io.containerd.runc.v2" and a["pod_annotations"] == ["oci-agent-hook/*"], a
assert a["options"]["BinaryName"] == sys.argv[2], a
assert c["default_runtime_name"] == "agent" and c["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
assert d["plugins"]["io.containerd.grpc.v1.cri"]["sandbox_image"] == "registry.k8s.io/pause:3.6"
assert d["grpc"]["address"] == "/run/containerd/containerd.sock"
PYEOF
"$BIN" uninstall --engine containerd --config-dir "$WORK/ctrd" --set-as-default > /dev/null
# Debian's config.toml: a CRI table without runtimes. containerd's default
# runtimes map (runc) is replaced by any runtimes table, so runc comes too.
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n' > "$WORK/ctrd/config.toml"
cycle "containerd (Debian-like, no runtimes)" "$WORK/ctrd" toml --engine containerd --config-dir "$WORK/ctrd"
"$BIN" install --engine containerd --config-dir "$WORK/ctrd" > /dev/null
check "containerd: runc stays a runtime where the file had no runtimes table" \
    grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' "$WORK/ctrd/config.toml"
"$BIN" uninstall --engine containerd --config-dir "$WORK/ctrd" > /dev/null
# imports: a drop-in when the main file has no CRI table
mkdir -p "$WORK/ctrd2/conf.d"
printf 'version = 2\nimports = ["%s/conf.d/*.toml"]\n' "$WORK/ctrd2" > "$WORK/ctrd2/config.toml"
run install --engine containerd --config-dir "$WORK/ctrd2"
check "containerd imports: the handler goes into a drop-in" succeeded_saying "created $WORK/ctrd2/conf.d/oci-agent-hook.toml"
check "containerd imports: ... which exists" test -f "$WORK/ctrd2/conf.d/oci-agent-hook.toml"
check "containerd imports: config.toml untouched" [ "$(cat "$WORK/ctrd2/config.toml")" = "$(printf 'version = 2\nimports = ["%s/conf.d/*.toml"]' "$WORK/ctrd2")" ]
run uninstall --engine containerd --config-dir "$WORK/ctrd2"
check "containerd imports: uninstall succeeds" exited 0
check "containerd imports: ... and removes the drop-in" test ! -e "$WORK/ctrd2/conf.d/oci-agent-hook.toml"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd\nx = 1\n' > "$WORK/ctrd/config.toml"
refused_untouched "containerd: unparsable config.toml: error naming file, line and column" "$WORK/ctrd/config.toml" \
    "parse TOML: $WORK/ctrd/config.toml: line 2, column" --engine containerd --config-dir "$WORK/ctrd"
printf 'root = "/x"\n' > "$WORK/ctrd/config.toml"
run install --engine containerd --config-dir "$WORK/ctrd"
check "containerd: a version 1 config is refused" refused "version 1"

# --- runc / crun: a bundle's config.json ------------------------------------------
for e in runc crun; do
    mkdir -p "$WORK/$e"
    cp "$FIX/runc-spec.json" "$WORK/$e/config.json"
    "$BIN" rewrite --bundle "$WORK/$e" --dry-run > /dev/null  # the fixture parses
    cycle "$e bundle" "$WORK/$e" json:config.json --engine "$e" --bundle "$WORK/$e"
    run install --engine "$e" --bundle "$WORK/$e"
    check "$e: the createRuntime entry names this binary and the policy" \
        jq -e --arg p "$(readlink -f "$BIN")" --arg c "$WORK/policy.json" '.hooks.createRuntime[-1] | .path == $p and .args == ["oci-agent-hook", "--config", $c, "createRuntime"]' "$WORK/$e/config.json" > /dev/null
done

# --- refusals ------------------------------------------------------------------------
run install --engine docker --config-dir "$WORK/docker" --hook-path "$WORK/missing/oci-agent-hook"
check "missing binary refused, naming the path" refused_line "install: verify binary: $WORK/missing/oci-agent-hook: No such file or directory"
check "... and nothing written" [ ! -e "$WORK/docker/daemon.json" ]
mkdir -p "$WORK/nowrap"; cp "$BIN" "$WORK/nowrap/oci-agent-hook"
run install --engine docker --config-dir "$WORK/docker" --hook-path "$WORK/nowrap/oci-agent-hook"
check "missing wrapper refused, naming it" refused "$WORK/nowrap/oci-agent-runtime: No such file or directory"
echo '{"tmp": {"max_size": "lots"}}' > "$WORK/bad-policy.json"
run --config "$WORK/bad-policy.json" install --engine docker --config-dir "$WORK/docker"
check "a policy that does not validate is refused" refused "bad-policy.json"
check "... and nothing is written" test ! -e "$WORK/docker/daemon.json"
run install --engine runc
check "runc without --bundle: usage error" usage_error "--bundle is required"
run install --engine docker --bundle "$WORK/runc"
check "docker with --bundle: usage error" [ "$rc" -eq 2 ]
run install --engine lxc
check "unknown engine: usage error" [ "$rc" -eq 2 ]

cli_finish install
