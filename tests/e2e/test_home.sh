#!/usr/bin/env bash
# Functional end-to-end test: the agent's home (docs/USER-STORIES.md, story 4). /agent-home is
# a directory owned by 1000:1000, mode 755, that the agent (uid 1000) can
# write to: when the image lacks it, when the image has it root-owned 0700,
# and when a volume is mounted there.
#
# Usage: test_home.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

HOME_DIR=/agent-home

# One mount at /agent-home, the bind of the host dir $host_home (its root in
# mountinfo is that dir, as seen in its filesystem).
volume_is_the_only_mount() {
    local line
    expect_mount_count "$HOME_DIR" 1 || return 1
    line=$(mounts_at "$HOME_DIR")
    [[ $(mi_field "$line" root) == */"${host_home##*/}" ]] && return 0
    echo "     mount at $HOME_DIR: $line"
    return 1
}

# ---- the image has no /agent-home ------------------------------------------
script="/probe $HOME_DIR; /try mkdir-config mkdir -p $HOME_DIR/.config/agent"
b=$(probe_bundle home --user 1000:1000 --hook "$HOOK" -- "$script")
[ ! -e "$b/rootfs$HOME_DIR" ] || echo "note: the image already has $HOME_DIR"
run_container "$b"
check "no home in the image: the container runs" expect_rc 0
check "no home in the image: $HOME_DIR is a directory, mode 755, owned 1000:1000" expect stat "$HOME_DIR" "directory 755 1000:1000"
check "no home in the image: uid 1000 creates a file in $HOME_DIR" expect write "$HOME_DIR" ok
check "no home in the image: uid 1000 runs mkdir -p $HOME_DIR/.config/agent" expect try mkdir-config ok
check "no home in the image: on the host, rootfs$HOME_DIR is 1000:1000 755" expect_host_stat "$b/rootfs$HOME_DIR" "directory 755 1000:1000"

# ---- the image has /agent-home, root-owned 0700, with a file in it ----------
reset_bundle "$b"
mkdir -m 0700 "$b/rootfs$HOME_DIR"
echo "export AGENT=1" > "$b/rootfs$HOME_DIR/.profile"
chmod 0644 "$b/rootfs$HOME_DIR/.profile"
# shellcheck disable=SC2016 # $s is jq's
e2e_edit_config "$b" --arg s "/probe $HOME_DIR; /try profile grep -qx 'export AGENT=1' $HOME_DIR/.profile" '.process.args[2] = $s'
run_container "$b"
check "image home root 0700: the container runs" expect_rc 0
check "image home root 0700: $HOME_DIR is now mode 755, owned 1000:1000" expect stat "$HOME_DIR" "directory 755 1000:1000"
check "image home root 0700: uid 1000 creates a file in $HOME_DIR" expect write "$HOME_DIR" ok
check "image home root 0700: the image's $HOME_DIR/.profile is still there, readable" expect try profile ok
check "image home root 0700: no mount was put at $HOME_DIR" expect_mount_count "$HOME_DIR" 0

# ---- a volume (a host dir, root-owned 0700) is mounted at /agent-home -------
# The hook chowns the directory it finds at /agent-home, which is the host
# directory of the volume: after the run the host directory is owned
# 1000:1000, mode 755. That is expected (the agent must be able to write to
# its home, docs/USER-STORIES.md story 4), and checked below so that a change is noticed.
host_home=$E2E_WORK/host-home
mkdir -m 0700 "$host_home"
echo "from the volume" > "$host_home/notes"
script="/probe $HOME_DIR; /try notes grep -qx 'from the volume' $HOME_DIR/notes"
b=$(probe_bundle home-volume --user 1000:1000 --bind "$host_home:$HOME_DIR" --hook "$HOOK" -- "$script")
run_container "$b"
check "volume at home: the container runs" expect_rc 0
check "volume at home: $HOME_DIR is mode 755, owned 1000:1000" expect stat "$HOME_DIR" "directory 755 1000:1000"
check "volume at home: uid 1000 creates a file in $HOME_DIR" expect write "$HOME_DIR" ok
check "volume at home: the volume's file is visible in $HOME_DIR" expect try notes ok
check "volume at home: $HOME_DIR is still the volume (one bind mount of the host dir)" \
    volume_is_the_only_mount
check "volume at home: the host dir of the volume is now 1000:1000 755 (documented)" expect_host_stat "$host_home" "directory 755 1000:1000"

e2e_summary
