#!/usr/bin/env bash
# End-to-end: the poststop teardown (cleanup.teardown_paths). A host
# directory shared like a host /tmp is bind-mounted into real containers;
# hook mode records the container process's uid as the host sees it, and
# at delete the poststop stage removes the matching entries that uid owns
# there, whatever their age: not another uid's, not an unmatched name, a
# symlink as a link (its target, a host sentinel, survives); under a user
# namespace the mapped uid's (container 1000 -> host 101000). Refused: a
# container of host uid 0, and any container while another one of the same
# host uid runs (their entries cannot be told apart). Poststop exits 0
# whatever happens.
#
# Usage: test_teardown.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

make_sentinels
sentinel_before=$(sentinel_snapshot)
mounts_before=$(host_mounts)

# The shared directory: like a host /tmp, anyone may create in it.
SHARED=$E2E_WORK/shared
mkdir -m 1777 "$SHARED"
STATE=$E2E_WORK/state
mkdir -m 0700 "$STATE"
policy=$(write_policy teardown "{\"state_dir\": \"$STATE\", \"cleanup\": {\"teardown_paths\": [\"$SHARED\"]}}")

# What was there before any container: another uid's session, an unmatched
# file of uid 1000, a symlink of uid 1000 to the sentinel directory, an old
# session of uid 1000 (the teardown ignores age).
mkdir "$SHARED/claude-other"
echo other > "$SHARED/claude-other/f"
chown -R 1001:1001 "$SHARED/claude-other"
echo notes > "$SHARED/notes.txt"
chown 1000:1000 "$SHARED/notes.txt"
ln -s "$SENTINEL/dir" "$SHARED/claude-link"
chown -h 1000:1000 "$SHARED/claude-link"
mkdir "$SHARED/codex-old"
echo old > "$SHARED/codex-old/f"
chown -R 1000:1000 "$SHARED/codex-old"
touch -h -d "30 days ago" "$SHARED/codex-old/f" "$SHARED/codex-old"

# The workload writes an agent session into the shared directory.
# shellcheck disable=SC2016 # $1 is the workload's
SESSION='mkdir -p /shared/claude-$1/sub && echo a > /shared/claude-$1/f && echo b > /shared/claude-$1/sub/g'
# shellcheck disable=SC2016 # $1 is the workload's
b=$(probe_bundle teardown --user 1000:1000 --bind "$SHARED:/shared" --hook "$HOOK" --stage poststop --hook "$HOOK" \
    -- "set -- x; $SESSION")
hook_use_policy "$b" "$policy"

record() { echo "$STATE/$1.json"; }
there() { [ -e "$1" ] || [ -L "$1" ] || { echo "     $1 is gone"; return 1; }; }
gone() {
    if [ -e "$1" ] || [ -L "$1" ]; then
        echo "     $1 is still there: $(ls -ld "$1")"
        return 1
    fi
}
expect_eq() {  # expect_eq WHAT GOT WANT
    [ "$2" = "$3" ] && return 0
    echo "     $1: want '$3', got '$2'"
    return 1
}

# create_in BUNDLE: `create` (createRuntime runs, the record is written);
# sets $id, $rc, $out. The enosys accounting of lib.sh counts the start.
create_in() {
    e2e_start_begin "$1" || return 1
    id=$e2e_start_id
    # Into a file: the container's process inherits the runtime's stdio and
    # keeps it open until it ends (a pipe would wait for it).
    (cd "$1" && e2e_runtime_cmd create -b "$1" "$id" < /dev/null > "$E2E_WORK/$id.out" 2>&1)
    rc=$?
    out=$(cat "$E2E_WORK/$id.out")
}

# run_to_stop BUNDLE: create, start, wait until the workload has ended
# (the runtime says "stopped"); sets $id and $rc (0: it ran and stopped).
run_to_stop() {
    local status=""
    create_in "$1" || return 1
    [ "$rc" -eq 0 ] || return 1
    out=$(e2e_runtime_cmd start "$id" 2>&1) || { rc=$?; return 1; }
    for _ in $(seq 100); do
        status=$(e2e_runtime_cmd state "$id" 2> /dev/null | jq -r .status)
        [ "$status" = stopped ] && break
        sleep 0.1
    done
    [ "$status" = stopped ] || { rc=1; out="status '$status'"; return 1; }
}

# delete_it: `delete` (poststop runs); sets $rc and $out; ends the start
# for lib.sh's accounting.
delete_it() {
    out=$(e2e_runtime_cmd delete "$id" 2>&1)
    rc=$?
    e2e_start_end
}

# ---- uid 1000, no user namespace -------------------------------------------------
run_to_stop "$b"
check "uid 1000: the container ran and stopped" test "$rc" -eq 0
check "uid 1000: its session is in the shared dir before delete" there "$SHARED/claude-x/sub/g"
check "uid 1000: the record holds host uid 1000" expect_eq host_uid "$(jq -c .host_uid "$(record "$id")" 2>&1)" 1000
delete_it
check "uid 1000: delete exits 0" test "$rc" -eq 0
check "uid 1000: its session is gone" gone "$SHARED/claude-x"
check "uid 1000: its old session is gone (age does not matter)" gone "$SHARED/codex-old"
check "uid 1000: the symlink is gone" gone "$SHARED/claude-link"
check "uid 1000: the symlink's target, a host sentinel, is unchanged" \
    expect_eq sentinel "$(sentinel_snapshot)" "$sentinel_before"
check "uid 1000: uid 1001's session stays" there "$SHARED/claude-other/f"
check "uid 1000: an unmatched name stays" there "$SHARED/notes.txt"
check "uid 1000: the record is gone" gone "$(record "$id")"

# ---- another container of the same host uid still runs ---------------------------
# The first is only created: its process waits for `start`, its record is live.
reset_bundle "$b"
hook_use_policy "$b" "$policy"
create_in "$b"
check "same uid: the first container is created" test "$rc" -eq 0
first=$id
b2=$(probe_bundle teardown2 --user 1000:1000 --bind "$SHARED:/shared" --hook "$HOOK" --stage poststop --hook "$HOOK" \
    -- "set -- y; $SESSION")
hook_use_policy "$b2" "$policy"
run_to_stop "$b2"
check "same uid: the second container ran and stopped" test "$rc" -eq 0
delete_it
check "same uid: delete of the second exits 0" test "$rc" -eq 0
check "same uid: its session stays while the first runs" there "$SHARED/claude-y/f"
check "same uid: its record is gone" gone "$(record "$id")"
# (Not delete_it: lib.sh's accounting has ended this start with the second's.)
out=$(e2e_runtime_cmd delete "$first" 2>&1)
rc=$?
check "same uid: delete of the first exits 0" test "$rc" -eq 0
check "same uid: once none of uid 1000 runs, the session goes" gone "$SHARED/claude-y"
check "same uid: the first's record is gone" gone "$(record "$first")"

# ---- host uid 0 (a root container): refused ---------------------------------------
reset_bundle "$b"
hook_use_policy "$b" "$policy"
e2e_edit_config "$b" '.process.user.uid = 0 | .process.user.gid = 0 | .process.args[2] = "set -- root; '"$SESSION"'"'
run_to_stop "$b"
check "uid 0: the container ran and stopped" test "$rc" -eq 0
check "uid 0: the record holds host uid 0" expect_eq host_uid "$(jq -c .host_uid "$(record "$id")" 2>&1)" 0
delete_it
check "uid 0: delete exits 0" test "$rc" -eq 0
check "uid 0: root's session stays" there "$SHARED/claude-root/sub/g"
check "uid 0: the record is gone" gone "$(record "$id")"
rm -rf "$SHARED/claude-root"

# The stage itself, as the runtime starts it (the state on stdin), on a
# record planted by the test: what it says on stderr, and that it exits 0.
poststop_direct() {  # poststop_direct ID: sets $rc, $err (stderr)
    printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"%s"}' "$1" "$b" |
        e2e_hook --config "$policy" poststop > /dev/null 2> "$E2E_WORK/poststop.err"
    rc=$?
    err=$(cat "$E2E_WORK/poststop.err")
}
plant() {  # plant ID HOST_UID: a record of a stopped container (pid 0: none)
    jq -n --arg id "$1" --arg b "$b" --argjson uid "$2" \
        '{version: 1, id: $id, pid: 0, bundle: $b, rootfs: ($b + "/rootfs"), mounts: [], home: null,
          policy: "built-in defaults", time: "2026-01-01T00:00:00Z", pid_start_time: 1}
         + (if $uid == null then {} else {host_uid: $uid} end)' > "$(record "$1")"
}
mkdir "$SHARED/claude-r"
plant planted-root 0
poststop_direct planted-root
check "poststop, host uid 0: exit 0" test "$rc" -eq 0
check "poststop, host uid 0: one line saying why nothing goes" expect_eq stderr "$err" \
    "oci-agent-hook: poststop: warning: teardown refused: the container ran as host uid 0 (root): root's entries in a shared directory are not only this container's; nothing removed"
check "poststop, host uid 0: root's entry stays" there "$SHARED/claude-r"
check "poststop, host uid 0: the record is gone" gone "$(record planted-root)"
rm -rf "$SHARED/claude-r"

mkdir "$SHARED/claude-z"
chown 1000:1000 "$SHARED/claude-z"
plant planted-old null
poststop_direct planted-old
check "poststop, a record without host uid: exit 0" test "$rc" -eq 0
check "poststop, a record without host uid: one line saying so" has "$err" \
    "oci-agent-hook: poststop: warning: the record has no host uid (written by an older hook"
check "poststop, a record without host uid: nothing removed" there "$SHARED/claude-z"
check "poststop, a record without host uid: the record is gone" gone "$(record planted-old)"
poststop_direct never-recorded
check "poststop, no record: exit 0, nothing on stderr" test "$rc" -eq 0 -a -z "$err"
check "poststop, no record: nothing removed" there "$SHARED/claude-z"
rm -rf "$SHARED/claude-z"

# ---- user namespace: container uid 1000 is host uid 101000 -------------------------
bu=$(probe_bundle teardown-userns --userns --user 1000:1000 --bind "$SHARED:/shared" --hook "$HOOK" \
    --stage poststop --hook "$HOOK" -- "set -- u; $SESSION")
hook_use_policy "$bu" "$policy"
# Host uid 1000's entry: not this container's (its 1000 is the host's 101000).
mkdir "$SHARED/claude-host1000"
chown 1000:1000 "$SHARED/claude-host1000"
run_to_stop "$bu"
check "userns: the container ran and stopped" test "$rc" -eq 0
check "userns: its session is host uid 101000's" expect_host_stat "$SHARED/claude-u" "directory 755 101000:101000"
check "userns: the record holds host uid 101000" expect_eq host_uid "$(jq -c .host_uid "$(record "$id")" 2>&1)" 101000
delete_it
check "userns: delete exits 0" test "$rc" -eq 0
check "userns: its session is gone" gone "$SHARED/claude-u"
check "userns: host uid 1000's entry stays" there "$SHARED/claude-host1000"
check "userns: uid 1001's session stays" there "$SHARED/claude-other/f"
check "userns: the record is gone" gone "$(record "$id")"

out=$(host_mounts)
check "host mounts unchanged" expect_eq mounts "$out" "$mounts_before"
check "state dir empty at the end" expect_eq "state dir" "$(ls -A "$STATE")" ""

e2e_summary
