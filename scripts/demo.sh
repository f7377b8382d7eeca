#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine as root: install the
# dependencies, build, make a sample bundle whose spec breaks the contract
# the way production specs did (docs/USER-STORIES.md): a Docker-style exec
# 100m /tmp tmpfs, a /workspace bind with a noexec tmpfs at
# /workspace/node_modules, no /agent-home. Then start it under real runc
# twice, without and with the hook at createRuntime, as the agent (uid 1000),
# and print side by side what the workload sees.
#
# Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
hook=${BUILD_DIR:-$top/build}/oci-agent-hook

log=$(mktemp /tmp/oci-agent-hook-demo.XXXXXX.log)
work=$(mktemp -d /var/tmp/oci-agent-hook-demo.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf --one-file-system "$work"' EXIT

# step DESCRIPTION COMMAND...: one progress line; the command's output goes
# to the log, whose end is shown if the command fails (the log is kept then).
step() {
    local what=$1
    shift
    echo "demo: $what (log: $log)"
    if ! "$@" >> "$log" 2>&1; then
        echo "demo: $what failed; the end of $log:" >&2
        tail -n 25 "$log" | sed 's/^/  | /' >&2
        exit 1
    fi
}

step "installing packages" "$top/scripts/install-deps.sh"
step "building" "$top/scripts/build.sh"

# node_modules as a workspace checkout has it: a directory owned by root,
# 0755, which runc 1.1.5 passes on to a tmpfs mounted there.
mkdir -p "$work/workspace/node_modules"
chmod 0755 "$work/workspace/node_modules"
cat > "$work/policy.json" <<'JSON'
{
  "tmp": { "size": "256m" },
  "exclude": { "paths": ["/workspace/node_modules"] }
}
JSON

# What the agent (uid 1000) sees, one "row|value" line per row of the table.
# shellcheck disable=SC2016 # the container's shell expands it
probe='
mnt() { awk -v p="$1" "\$5 == p { o = \$6; for (i = 7; i <= NF; i++) if (\$i == \"-\") t = \$(i + 1) } END { print (t == \"\" ? \"no mount\" : t \" \" o) }" /proc/self/mountinfo; }
owner() { if [ -d "$1" ]; then stat -c "%a, owner %u:%g" "$1"; else echo missing; fi; }
size() { df -k "$1" | awk "NR == 2 { print int(\$2 / 1024) \" MiB\" }"; }
run_from() {  # write a small script into $1, then execute it
  if ! printf "#!/bin/sh\necho ran\n" > "$1/x.sh" 2> /dev/null; then echo "cannot write there"; return; fi
  chmod 755 "$1/x.sh"
  if r=$("$1/x.sh" 2>&1); then echo "$r"; else echo "refused: ${r##*: }"; fi
}
writable() { if touch "$1/f" 2> /dev/null; then echo yes; else echo no; fi; }
echo "/tmp: mount (type, options)|$(mnt /tmp)"
echo "/tmp: mode, owner|$(owner /tmp)"
echo "/tmp: size|$(size /tmp)"
echo "/tmp: write a script, run it|$(run_from /tmp)"
echo "node_modules: mount|$(mnt /workspace/node_modules)"
echo "node_modules: mode, owner|$(owner /workspace/node_modules)"
echo "node_modules: write a script, run it|$(run_from /workspace/node_modules)"
echo "/agent-home: mode, owner|$(owner /agent-home)"
echo "/agent-home: writable by the agent|$(writable /agent-home)"'

# The rootfs /tmp is made 1777 so that without the hook the agent can write
# there and the exec row shows what noexec changes (runc 1.1.5 gives a spec
# tmpfs the mode of the directory it covers).
make_demo_bundle() {  # make_demo_bundle DIR [make-bundle options]
    local dir=$1
    shift
    "$top/scripts/make-bundle.sh" "$dir" --user 1000:1000 \
        --tmpfs /tmp:nosuid,nodev,exec,size=100m --bind "$work/workspace:/workspace" \
        --tmpfs /workspace/node_modules:nosuid,nodev,noexec,size=64m "$@" \
        -- sh -c "$probe" && chmod 1777 "$dir/rootfs/tmp"
}
make_bundles() {
    make_demo_bundle "$work/plain" &&
        make_demo_bundle "$work/hooked" --hook "$hook" &&
        jq --arg p "$work/policy.json" '.hooks.createRuntime[0].args |= [.[0], "--config", $p, "createRuntime"]' \
            "$work/hooked/config.json" > "$work/c.json" && mv "$work/c.json" "$work/hooked/config.json"
}
step "making the sample bundles in $work" make_bundles

run_bundle() {  # run_bundle NAME: the workload's output in $work/NAME.out
    echo "== runc run $1"
    runc run -b "$work/$1" "oah-demo-$1-$$" < /dev/null > "$work/$1.out"
    cat "$work/$1.out"
}
step "running the bundle under runc without the hook" run_bundle plain
step "running it with oci-agent-hook at createRuntime" run_bundle hooked

echo
echo "What the agent (uid 1000) sees under runc $(runc --version | awk 'NR == 1 {print $3}'):"
echo "policy: tmp.size 256m, exclude.paths [/workspace/node_modules]; spec: /tmp tmpfs exec,size=100m,"
echo "        /workspace/node_modules tmpfs noexec,size=64m, no /agent-home in the image"
echo
{
    echo "|without the hook|with the hook"
    paste -d '|' "$work/plain.out" <(cut -d '|' -f 2 "$work/hooked.out")
} | awk -F '|' '{ printf "%-38s %-38s %s\n", $1, $2, $3 }'

echo
echo "The bundle's config.json afterwards records the mounts (the hook's tmpfs mounts):"
jq -c '.mounts[] | select(.type == "tmpfs" and (.destination == "/tmp" or (.destination | startswith("/workspace")))) | {destination, options}' \
    "$work/hooked/config.json"
rm -f "$log"
