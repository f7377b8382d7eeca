#!/usr/bin/env bash
# End-to-end test: the per-container records (hook/records.hpp). Hook mode
# writes <state_dir>/<id>.json at createRuntime, whole and root's only; the
# poststop stage removes it at delete, and a poststop that fails never
# blocks the delete; `ps` lists the live records and prunes those whose
# process is gone (or whose pid now belongs to another process); a state
# dir that is a symlink or not root's is refused with one line naming it.
#
# Usage: test_records.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
STATE=$E2E_WORK/state
policy=$(write_policy records "{\"exclude\": {\"paths\": [\"$NM\"]}, \"state_dir\": \"$STATE\"}")

# The hook at createRuntime and at poststop, both with the policy.
b=$(probe_bundle records --user 1000:1000 --hook "$HOOK" --stage poststop --hook "$HOOK" -- "sleep 300")
hook_use_policy "$b" "$policy"
e2e_hook_via "$b"

# create_container: `create` (createRuntime runs; the process waits for
# `start`); sets $id, $cpid (the container's pid), $rc, $out.
create_container() {
    e2e_seq=$((e2e_seq + 1))
    id=oah-$$-$e2e_seq
    e2e_ids+=("$id")
    (cd "$b" && e2e_runtime_cmd create -b "$b" "$id" < /dev/null > "$E2E_WORK/$id.out" 2>&1)
    rc=$?
    out=$(cat "$E2E_WORK/$id.out")
    cpid=$(e2e_runtime_cmd state "$id" 2> /dev/null | jq -r .pid)
}

# delete_container: `delete -f $id`; sets $rc and $out (stdout+stderr).
delete_container() {
    out=$(e2e_runtime_cmd delete -f "$id" 2>&1)
    rc=$?
}

record() { echo "$STATE/$id.json"; }
rec() { jq -c "$1" "$(record)" 2>&1; }  # rec FILTER: a field of the record, compact
start_time() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }

expect_eq() {  # expect_eq WHAT GOT WANT
    [ "$2" = "$3" ] && return 0
    echo "     $1: want '$3', got '$2'"
    return 1
}

one_line_with() {  # one_line_with TEXT NEEDLE: TEXT is one line holding NEEDLE
    [ "$(wc -l <<< "$1")" = 1 ] && has "$1" "$2" && return 0
    echo "     want one line with '$2', got: $1"
    return 1
}

gone() { ! e2e_runtime_cmd state "$id" > /dev/null 2>&1; }  # the runtime knows no $id

# ---- the record at createRuntime ----------------------------------------------
before=$(date -u +%s)
create_container
after=$(date -u +%s)
check "create runs" test "$rc" -eq 0 -a -n "$cpid" -a "$cpid" != null
check "the record is there" test -f "$(record)"
check "record: version 1" expect_eq version "$(rec .version)" 1
check "record: id" expect_eq id "$(rec .id)" "\"$id\""
check "record: pid is the container's" expect_eq pid "$(rec .pid)" "$cpid"
check "record: bundle" expect_eq bundle "$(rec .bundle)" "\"$b\""
check "record: rootfs" expect_eq rootfs "$(rec .rootfs)" "\"$b/rootfs\""
tmp_opts=$(jq -c '[.mounts[] | select(.destination == "/tmp")][0].options' "$b/config.json")
nm_opts=$(jq -c --arg d "$NM" '[.mounts[] | select(.destination == $d)][0].options' "$b/config.json")
check "record: the mounts, with the options config.json records" expect_eq mounts "$(rec .mounts)" \
    "[{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"options\":$tmp_opts,\"size_bytes\":536870912},{\"destination\":\"$NM\",\"type\":\"tmpfs\",\"options\":$nm_opts,\"size_bytes\":1073741824}]"
check "record: home" expect_eq home "$(rec .home)" '{"path":"/agent-home","uid":1000,"gid":1000}'
check "record: the policy's source" expect_eq policy "$(rec .policy)" "\"$policy\""
time=$(jq -r .time "$(record)")
t=$(date -u -d "$time" +%s 2> /dev/null || echo 0)
check "record: time is RFC 3339 UTC" has_re "$time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
check "record: time is when it was written ($time)" test "$t" -ge "$before" -a "$t" -le "$after"
check "record: pid_start_time is field 22 of /proc/<pid>/stat" expect_eq pid_start_time "$(rec .pid_start_time)" "$(start_time "$cpid")"
check "record: a file of mode 0600, root's" expect_host_stat "$(record)" "regular file 600 0:0"
check "state dir: mode 0700, root's" expect_host_stat "$STATE" "directory 700 0:0"
check "state dir: only the record (no temporary file left)" expect_eq "state dir" "$(ls -A "$STATE")" "$id.json"

# ---- ps -------------------------------------------------------------------------
out=$(e2e_hook ps --state-dir "$STATE" 2>&1)
check "ps: a header" has_re "$(head -n 1 <<< "$out")" "^ID +PID +BUNDLE +TMP_SIZE +AGE$"
check "ps: one line: id, pid, bundle, /tmp size, age" has_re "$(tail -n +2 <<< "$out")" "^$id +$cpid +$b +512m +[0-9]+s$"
out=$(e2e_hook --config "$policy" ps --format json 2>&1)
check "ps --format json (state dir from the policy): the record" \
    expect_eq json "$(jq -c --arg id "$id" '[.[] | select(.id == $id) | .pid == '"$cpid"' and (.age_seconds | type) == "number"]' <<< "$out" 2>&1)" "[true]"

# ---- poststop at delete ---------------------------------------------------------------
delete_container
check "delete exits 0" test "$rc" -eq 0
check "delete: the record is gone" test ! -e "$(record)"
check "delete: nothing left in the state dir" expect_eq "state dir" "$(ls -A "$STATE")" ""

# A foreground run ends with the runtime's destroy: poststop runs then.
probe=$(probe_bundle records-run --hook "$HOOK" --stage poststop --hook "$HOOK" -- "/probe /tmp")
hook_use_policy "$probe" "$policy"
run_container "$probe"
check "run: the container ran" expect_rc 0
check "run: no record left once it ended" expect_eq "state dir" "$(ls -A "$STATE")" ""

# ---- a poststop that fails does not block the delete ------------------------------
create_container
check "create (state dir not root's at delete)" test "$rc" -eq 0 -a -f "$(record)"
chown 1000 "$STATE"
delete_container
check "state dir not root's: delete exits 0" test "$rc" -eq 0
check "state dir not root's: the container is gone" gone
check "state dir not root's: the record is left alone" test -f "$(record)"
chown 0 "$STATE"
rm -f "$(record)"

# The stage itself, as the runtime starts it: one line naming the state dir, exit 0.
poststop_direct() {  # poststop_direct ID: sets $rc, $out (stdout), $err (stderr)
    out=$(printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"%s"}' "$1" "$b" |
        e2e_hook --config "$policy" poststop 2> "$E2E_WORK/poststop.err")
    rc=$?
    err=$(cat "$E2E_WORK/poststop.err")
}
chown 1000 "$STATE"
poststop_direct gone-1
check "poststop, state dir not root's: exit 0" test "$rc" -eq 0
check "poststop, state dir not root's: one line naming it" \
    expect_eq stderr "$err" "oci-agent-hook: poststop: remove record: $STATE: state dir is owned by uid 1000, not by root (the container's removal goes on)"
chown 0 "$STATE"
poststop_direct never-recorded
check "poststop, no record (already gone): exit 0, nothing on stderr" test "$rc" -eq 0 -a -z "$err" -a -z "$out"
poststop_direct ../../etc/passwd
check "poststop, an id that is a path: exit 0" test "$rc" -eq 0
check "poststop, an id that is a path: one line" \
    one_line_with "$err" 'container id "../../etc/passwd" must begin with a letter or digit'
out=$(printf 'not json' | e2e_hook --config "$policy" poststop 2>&1)
rc=$?
check "poststop, unusable state: exit 0" test "$rc" -eq 0
check "poststop, unusable state: one line" one_line_with "$out" "oci-agent-hook: poststop: "

# ---- pruning: a record whose process is gone ------------------------------------
create_container
check "create (to be killed)" test "$rc" -eq 0 -a -f "$(record)"
kill -9 "$cpid"
for _ in $(seq 50); do [ -e "/proc/$cpid" ] || break; sleep 0.1; done
check "the killed container's record is still there before ps" test -f "$(record)"
out=$(e2e_hook ps --state-dir "$STATE" 2>&1)
check "ps: the dead container is not listed" lacks "$out" "$id"
check "ps: its record is pruned" test ! -e "$(record)"
delete_container
check "delete after pruning exits 0" test "$rc" -eq 0

# A record whose pid now belongs to another process (reused pid): pruned;
# the same pid with its own start time: kept.
sleep 300 &
sleeper=$!
e2e_track_pid "$sleeper"
fake() {  # fake ID START_TIME: a record of $sleeper
    jq -n --arg id "$1" --argjson pid "$sleeper" --argjson st "$2" --arg b "$b" \
        '{version: 1, id: $id, pid: $pid, bundle: $b, rootfs: ($b + "/rootfs"), mounts: [], home: null,
          policy: "built-in defaults", time: "2026-01-01T00:00:00Z", pid_start_time: $st}' > "$STATE/$1.json"
}
fake reused $(($(start_time "$sleeper") + 1))
fake same "$(start_time "$sleeper")"
echo '{"version": 1' > "$STATE/broken.json"
out=$(e2e_hook ps --state-dir "$STATE" 2> "$E2E_WORK/ps.err")
rc=$?
err=$(cat "$E2E_WORK/ps.err")
check "ps with a broken file exits 0" test "$rc" -eq 0
check "ps: a reused pid's record is pruned" test ! -e "$STATE/reused.json"
check "ps: a record of the same process is listed" has_re "$out" "^same +$sleeper "
check "ps: the broken file is skipped with one warning naming it" one_line_with "$err" "warning: parse JSON: $STATE/broken.json"
check "ps: the broken file is kept" test -e "$STATE/broken.json"
rm -f "$STATE/same.json" "$STATE/broken.json"

# ---- the state dir must be root's real directory ---------------------------------------
mv "$STATE" "$STATE.real"
ln -s "$STATE.real" "$STATE"
out=$(e2e_hook ps --state-dir "$STATE" 2>&1)
rc=$?
check "ps, state dir a symlink: exit 1" test "$rc" -eq 1
check "ps, state dir a symlink: refused with one line naming it" \
    expect_eq stderr "$out" "oci-agent-hook: ps: list records: $STATE: state dir is a symlink (a state dir must be a real directory)"
create_container
check "create, state dir a symlink: the container starts all the same" test "$rc" -eq 0
check "create, state dir a symlink: no record through the link" expect_eq "state dir" "$(ls -A "$STATE.real")" ""
delete_container
check "delete, state dir a symlink: exits 0" test "$rc" -eq 0
rm "$STATE"
mv "$STATE.real" "$STATE"

chown 1000 "$STATE"
out=$(e2e_hook ps --state-dir "$STATE" 2>&1)
rc=$?
check "ps, state dir not root's: exit 1" test "$rc" -eq 1
check "ps, state dir not root's: refused with one line naming it" \
    expect_eq stderr "$out" "oci-agent-hook: ps: list records: $STATE: state dir is owned by uid 1000, not by root"
chown 0 "$STATE"

e2e_summary
