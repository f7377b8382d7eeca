#!/usr/bin/env bash
# Mounts the runtime made beneath a directory the hook covers with a new
# tmpfs stay visible on top of it: a Docker-style exec /tmp with a
# /tmp/.X11-unix directory bind and a file bind inside it, under the new
# mount API and under the classic fallback (seccomp ENOSYS).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"

src=$E2E_WORK/x11
mkdir -p "$src"
echo "x11 socket stand-in" > "$src/X0"
echo "file bind" > "$E2E_WORK/agent.sock"

# shellcheck disable=SC2016 # the workload's own $-expansions
probe='
awk "\$5 == \"/tmp\" {print \"TMP\", \$6}" /proc/self/mountinfo | tail -n 1
cat /tmp/.X11-unix/X0
cat /tmp/agent.sock
stat -c "MODE %a" /tmp'

check_bundle() {  # check_bundle LABEL BUNDLE
    run_container "$2"
    check "$1: runtime exits 0" [ "$rc" -eq 0 ]
    check "$1: /tmp is the hook's noexec tmpfs" has_re "$out" '^TMP [^ ]*noexec'
    check "$1: /tmp/.X11-unix bind still visible" has "$out" "x11 socket stand-in"
    check "$1: file bind in /tmp still visible" has "$out" "file bind"
    check "$1: /tmp mode 1777" has "$out" "MODE 1777"
}

b=$(new_bundle api --hook "$HOOK" --tmpfs /tmp:nosuid,nodev,exec,size=100m \
    --bind "$src:/tmp/.X11-unix" --bind "$E2E_WORK/agent.sock:/tmp/agent.sock" -- sh -c "$probe")
check_bundle "new mount API" "$b"

# The same bundle with no /tmp mount in the spec: the binds sit on the image's /tmp.
b=$(new_bundle plain --hook "$HOOK" --bind "$src:/tmp/.X11-unix" \
    --bind "$E2E_WORK/agent.sock:/tmp/agent.sock" -- sh -c "$probe")
check_bundle "binds on the image's /tmp" "$b"

[ -x "$E2E_TOOLS/enosys_exec" ] || e2e_skip "tool enosys_exec not built in $E2E_TOOLS"
b=$(new_bundle classic --hook "$HOOK" --tmpfs /tmp:nosuid,nodev,exec,size=100m \
    --bind "$src:/tmp/.X11-unix" --bind "$E2E_WORK/agent.sock:/tmp/agent.sock" -- sh -c "$probe")
jq --arg t "$E2E_TOOLS/enosys_exec" --arg h "$HOOK" \
    '.hooks.createRuntime[0] = {path: $t, args: ["enosys_exec", $h, "createRuntime"]}' \
    "$b/config.json" > "$b/config.new" && mv "$b/config.new" "$b/config.json"
check_bundle "classic mount(2) fallback" "$b"

e2e_summary
