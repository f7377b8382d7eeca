#!/usr/bin/env bash
# Functional end-to-end test: a read-only rootfs (root.readonly) and a user
# namespace. The mounts and the home are there as usual; the rootfs stays
# read-only elsewhere; under a user namespace the agent sees /tmp and the
# excluded paths owned by its root and /agent-home owned by its uid 1000.
#
# Usage: test_userns_readonly.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
policy=$(write_policy exclude '{"exclude": {"paths": ["/workspace/node_modules"]}}')

expect_root_readonly() {  # the top mount at / is read-only
    local line
    line=$(mounts_at / | tail -n 1)
    [[ ,$(mi_field "$line" opts), == *,ro,* ]] && return 0
    echo "     top mount at /: '$line'"
    return 1
}

# ---- root.readonly: true ---------------------------------------------------------
b=$(probe_bundle readonly --readonly --user 1000:1000 --hook "$HOOK" -- "/probe / /tmp $NM /agent-home")
hook_use_policy "$b" "$policy"
run_container "$b"
contract_checks "read-only rootfs"
check "read-only rootfs: / is mounted ro" expect_root_readonly
# /agent-home itself is a directory of the read-only rootfs, so the agent
# cannot create files in it (EROFS): the hook makes it exist with the right
# owner and mode, and a writable home on a read-only rootfs takes a volume
# (next scenario).

# As root: the rest of the rootfs is read-only, the mounts are writable.
reset_bundle "$b"
hook_use_policy "$b" "$policy"
e2e_edit_config "$b" '.process.user.uid = 0 | .process.user.gid = 0 |
    .process.args[2] = "/try etc touch /etc/probe; /try workspace touch /workspace/probe; /try tmp touch /tmp/probe; /try nm touch /workspace/node_modules/probe"'
run_container "$b"
check "read-only rootfs, as root: the container runs" expect_rc 0
check "read-only rootfs, as root: /etc is read-only" expect_re try etc '^fail .*Read-only file system'
check "read-only rootfs, as root: /workspace is read-only" expect_re try workspace '^fail .*Read-only file system'
check "read-only rootfs, as root: /tmp is writable" expect try tmp ok
check "read-only rootfs, as root: $NM is writable" expect try nm ok

# A volume at /agent-home (host dir root-owned 0700) on the read-only rootfs:
# the agent can write to its home. (The bind is added to the spec as
# make-bundle --bind would.)
host_home=$E2E_WORK/host-home
mkdir -m 0700 "$host_home"
reset_bundle "$b"
hook_use_policy "$b" "$policy"
# shellcheck disable=SC2016 # $src is jq's
e2e_edit_config "$b" --arg src "$host_home" \
    '.mounts += [{destination: "/agent-home", type: "bind", source: $src, options: ["rbind", "rw"]}]'
run_container "$b"
contract_checks "read-only rootfs + home volume"
check "read-only rootfs + home volume: uid 1000 creates a file in /agent-home" expect write /agent-home ok

# ---- user namespace (container 0 -> host 100000, size 65536) ------------------
b=$(probe_bundle userns --userns --user 1000:1000 --hook "$HOOK" -- "/probe /tmp $NM /agent-home")
hook_use_policy "$b" "$policy"
run_container "$b"
contract_checks "user namespace"
check "user namespace: uid 1000 creates a file in /agent-home" expect write /agent-home ok
check "user namespace: on the host, rootfs/agent-home is 101000:101000 755" \
    expect_host_stat "$b/rootfs/agent-home" "directory 755 101000:101000"

# ---- user namespace and a read-only rootfs -----------------------------------------
reset_bundle "$b"
hook_use_policy "$b" "$policy"
e2e_edit_config "$b" '.root.readonly = true'
run_container "$b"
contract_checks "user namespace + read-only rootfs"

e2e_summary
