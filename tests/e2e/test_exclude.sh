#!/usr/bin/env bash
# Functional end-to-end test: excluded paths (docs/USER-STORIES.md, story 3). Each one is a
# tmpfs of mode 1777, exec (still nosuid,nodev), that the agent (uid 1000) can
# write to and run binaries from; under a bind-mounted /workspace it is
# mounted after the bind, so it is visible at its place, and the host
# directory only gets the mount point.
#
# Usage: test_exclude.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
PNPM=/workspace/.pnpm-store
EXCLUDED_OPTS='"nosuid","nodev","exec","mode=1777"'
policy=$(write_policy exclude '{"exclude": {"paths": ["/workspace/node_modules", "/workspace/.pnpm-store"]}}')

# excluded_checks LABEL SIZE_KB PATH...: what the agent sees at each excluded path.
excluded_checks() {
    local label=$1 size_kb=$2 p
    shift 2
    for p in "$@"; do
        check "$label: $p is a tmpfs, nosuid,nodev, exec, of ${size_kb}k" expect_tmpfs "$p" exec "$size_kb"
        check "$label: $p is a directory, mode 1777, owned 0:0" expect stat "$p" "directory 1777 0:0"
        check "$label: uid 1000 creates a file in $p" expect write "$p" ok
        check "$label: a binary copied to $p runs" expect exec "$p" ok
    done
}

# ---- excluded paths in the image's /workspace --------------------------------
script="/probe $NM $PNPM; /try mkdir-v11 mkdir $PNPM/v11"
b=$(probe_bundle exclude --user 1000:1000 --hook "$HOOK" -- "$script")
hook_use_policy "$b" "$policy"
run_container "$b"
check "image /workspace: the container runs" expect_rc 0
excluded_checks "image /workspace" 1048576 "$NM" "$PNPM"
check "image /workspace: uid 1000 runs mkdir $PNPM/v11" expect try mkdir-v11 ok
check "image /workspace: config.json records $NM" expect_spec_options "$b" "$NM" "[$EXCLUDED_OPTS,\"size=1g\"]"
check "image /workspace: config.json records $PNPM" expect_spec_options "$b" "$PNPM" "[$EXCLUDED_OPTS,\"size=1g\"]"

# ---- exclude.size, and more paths from the annotation oci-agent-hook/exclude --
policy256=$(write_policy exclude-256m '{"exclude": {"paths": ["/workspace/node_modules"], "size": "256m"}}')
reset_bundle "$b"
hook_use_policy "$b" "$policy256"
set_annotation "$b" oci-agent-hook/exclude /workspace/dist,/workspace/.cache
e2e_edit_config "$b" '.process.args[2] = "/probe /workspace/node_modules /workspace/dist /workspace/.cache"'
run_container "$b"
check "exclude.size 256m + annotation: the container runs" expect_rc 0
excluded_checks "exclude.size 256m + annotation" 262144 "$NM" /workspace/dist /workspace/.cache
check "exclude.size 256m + annotation: config.json records /workspace/.cache" expect_spec_options "$b" /workspace/.cache "[$EXCLUDED_OPTS,\"size=256m\"]"

# ---- excluded paths under a bind-mounted /workspace -----------------------------
host_ws=$E2E_WORK/host-workspace
mkdir -m 0755 "$host_ws"
echo "host file" > "$host_ws/README"
script="/probe /workspace $NM $PNPM; /try mkdir-v11 mkdir $PNPM/v11"
script+="; /try readme grep -qx 'host file' /workspace/README"
script+="; /try write-dep sh -c 'echo dep > $NM/dep.js && echo v > $PNPM/v11/pkg'"
b=$(probe_bundle exclude-bind --user 1000:1000 --bind "$host_ws:/workspace" --hook "$HOOK" -- "$script")
hook_use_policy "$b" "$policy"
run_container "$b"
check "bind /workspace: the container runs" expect_rc 0
check "bind /workspace: the host file is visible in /workspace (the bind is there)" expect try readme ok
excluded_checks "bind /workspace" 1048576 "$NM" "$PNPM"
check "bind /workspace: $NM is mounted on the /workspace bind (after it)" expect_parent "$NM" /workspace
check "bind /workspace: $PNPM is mounted on the /workspace bind (after it)" expect_parent "$PNPM" /workspace
check "bind /workspace: uid 1000 runs mkdir $PNPM/v11" expect try mkdir-v11 ok
check "bind /workspace: uid 1000 writes files in both" expect try write-dep ok

# The host directory only gets the two (empty) mount points: what the
# container wrote in them stayed in the tmpfs.
host_workspace_has_only_mountpoints() {
    local got want
    got=$(cd "$host_ws" && find . -mindepth 1 | sort)
    want=$(printf '%s\n' ./.pnpm-store ./README ./node_modules)
    if [ "$got" = "$want" ] && [ -d "$host_ws/node_modules" ] && [ -d "$host_ws/.pnpm-store" ] &&
        [ "$(cat "$host_ws/README")" = "host file" ]; then
        return 0
    fi
    echo "     host $host_ws holds:"
    (cd "$host_ws" && find . -mindepth 1 -printf '       %p %y %m %u:%g\n' | sort)
    return 1
}
check "bind /workspace: the host dir gets only the empty mount point dirs" host_workspace_has_only_mountpoints
check "bind /workspace: the host dir itself keeps mode 755, owner 0:0" expect_host_stat "$host_ws" "directory 755 0:0"

check "bind /workspace: config.json records /tmp" \
    expect_spec_options "$b" /tmp '["nosuid","noexec","nodev","mode=1777","size=512m"]'
check "bind /workspace: config.json records $NM" expect_spec_options "$b" "$NM" "[$EXCLUDED_OPTS,\"size=1g\"]"
check "bind /workspace: config.json records $PNPM" expect_spec_options "$b" "$PNPM" "[$EXCLUDED_OPTS,\"size=1g\"]"
check "bind /workspace: config.json has $NM after the /workspace bind" expect_spec_after "$b" /workspace "$NM"
check "bind /workspace: config.json has $PNPM after the /workspace bind" expect_spec_after "$b" /workspace "$PNPM"

e2e_summary
