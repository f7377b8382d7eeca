#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine as root: install the
# dependencies, build, make a sample bundle whose image and spec break every
# contract of the user stories (a 0755 /tmp, a Docker-style exec 100m /tmp
# tmpfs, a /workspace bind, no /agent-home), then start it with real runc
# twice, without and with the hook, and print what the workload sees.
#
# Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" > /dev/null
"$top/scripts/build.sh" > /dev/null
hook=${BUILD_DIR:-$top/build}/oci-agent-hook

work=$(mktemp -d /var/tmp/oci-agent-hook-demo.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf --one-file-system "$work"' EXIT
mkdir -p "$work/workspace"
cat > "$work/policy.json" <<'JSON'
{
  "tmp": { "size": "256m" },
  "exclude": { "paths": ["/workspace/node_modules"] }
}
JSON

# What the agent (uid 1000) sees: the mounts, modes and owners, and what it can do.
probe='
can() { d=$1; shift; if "$@" > /dev/null 2>&1; then echo "  $d: yes"; else echo "  $d: no"; fi; }
script() { printf "#!/bin/sh\necho ran\n" > "$1" && chmod 755 "$1"; }
echo "--- mounts (from /proc/self/mountinfo; the last line for a path is the one in use)"
awk "\$5 == \"/tmp\" || \$5 ~ \"^/workspace\" {print \"  \" \$5, \$6, \$(NF-2), \$NF}" /proc/self/mountinfo
echo "--- stat"
for p in /tmp /workspace/node_modules /agent-home; do
  [ -e $p ] && stat -c "  %n %A (%a) %u:%g" $p || echo "  $p missing"
done
echo "--- as uid $(id -u)"
can "write a file in /tmp" touch /tmp/f
script /tmp/x.sh 2> /dev/null
can "run a program from /tmp (must be no)" /tmp/x.sh
can "create /workspace/node_modules/.bin" mkdir -p /workspace/node_modules/.bin
script /workspace/node_modules/.bin/turbo 2> /dev/null
can "run a program from node_modules" /workspace/node_modules/.bin/turbo
can "write a file in /agent-home" touch /agent-home/f'

make_demo_bundle() {  # make_demo_bundle DIR [make-bundle options]
    local dir=$1
    shift
    "$top/scripts/make-bundle.sh" "$dir" --user 1000:1000 \
        --tmpfs /tmp:nosuid,nodev,exec,size=100m --bind "$work/workspace:/workspace" "$@" \
        -- sh -c "$probe" > /dev/null
}

echo "=== without the hook (runc $(runc --version | awk 'NR==1 {print $3}'))"
make_demo_bundle "$work/plain"
runc run -b "$work/plain" "oah-demo-plain-$$" < /dev/null || true

echo
echo "=== with oci-agent-hook at createRuntime (policy: tmp.size 256m, exclude /workspace/node_modules)"
make_demo_bundle "$work/hooked" --hook "$hook"
jq --arg p "$work/policy.json" '.hooks.createRuntime[0].args |= [.[0], "--config", $p, "createRuntime"]' \
    "$work/hooked/config.json" > "$work/c.json" && mv "$work/c.json" "$work/hooked/config.json"
runc run -b "$work/hooked" "oah-demo-hooked-$$" < /dev/null

echo
echo "=== the bundle's config.json afterwards records the mounts"
jq -c '.mounts[] | select(.type == "tmpfs" or .destination == "/workspace") | {destination, type, options}' \
    "$work/hooked/config.json"
