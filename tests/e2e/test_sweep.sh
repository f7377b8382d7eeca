#!/usr/bin/env bash
# End-to-end: `oci-agent-hook sweep --pid` inside a real running container's
# /tmp (the hook's tmpfs). The trees are made from the host through
# /proc/PID/root/tmp with controlled atime and mtime: a stale entry holding
# a symlink to a host sentinel directory (an absolute link: followed from
# the sweep's side it would name the host's directory) and a bind mount made
# inside the container's namespace, an active entry with one fresh file, an
# entirely stale entry. --dry-run changes nothing and gives the real run's
# numbers; the sentinel and the host's mounts do not change.
#
# Usage: test_sweep.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
# shellcheck source=tests/cli/sweep_lib.sh
source "$(dirname "$0")/../cli/sweep_lib.sh"
e2e_init "$1" "$2"
command -v nsenter > /dev/null || e2e_skip "nsenter not installed (util-linux)"

make_sentinels
# Old, like everything the sweep should remove: a sweep that followed the
# link would find nothing young there to stop it.
find "$SENTINEL" -depth -exec touch -h -d "5 days ago" {} +
sentinel_before=$(sentinel_snapshot)
mounts_before=$(host_mounts)
SYNC=$E2E_WORK/sync
mkdir -m 0777 "$SYNC"
# The workload says it runs, then waits for the test to let it end.
# shellcheck disable=SC2016 # its own shell expands $i
b=$(new_bundle sweep --hook "$HOOK" --bind "$SYNC:/sync" -- \
    sh -c 'touch /sync/ready; i=0; while [ ! -e /sync/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done')
# The hook's record of the container (sweep without --pid reads them) goes
# to the test's own state dir.
mkdir -m 0700 "$E2E_WORK/state"
policy=$(write_policy sweep "{\"state_dir\": \"$E2E_WORK/state\"}")
hook_use_policy "$b" "$policy"

e2e_start_begin "$b" || { e2e_summary; exit 1; }
(cd "$b" && e2e_runtime_within 180 run -b "$b" "$e2e_start_id" < /dev/null > "$E2E_WORK/run.out" 2>&1; echo $? > "$E2E_WORK/run.rc") &
runner=$!
e2e_track_pid "$runner"
for _ in $(seq 300); do [ -e "$SYNC/ready" ] && break; sleep 0.1; done
pid=$(e2e_runtime_cmd state "$e2e_start_id" 2> /dev/null | jq -r '.pid // empty')
out=$(cat "$E2E_WORK/run.out" 2> /dev/null)
check "the container runs" test -e "$SYNC/ready" -a -n "$pid"
if ! [ -e "$SYNC/ready" ] || [ -z "$pid" ]; then e2e_summary; exit 1; fi

R=/proc/$pid/root/tmp
out=$(awk '$5 == "/tmp"' "/proc/$pid/mountinfo")
check "the container's /tmp is the hook's tmpfs" has_re "$out" ' - tmpfs .*size=524288k'

# ---- the trees, made from the host -------------------------------------------
mkdir -p "$R/claude-stale/sub" "$R/claude-stale/mnt" "$R/bindsrc" "$R/claude-active/d" "$R/gemini-gone/d/e" "$R/other-old"
blob "$R/claude-stale/a" 10000
blob "$R/claude-stale/sub/b" 20000
ln -s "$SENTINEL" "$R/claude-stale/link"
blob "$R/bindsrc/inside" 5000
blob "$R/claude-active/old" 3000
blob "$R/claude-active/d/fresh" 3000
blob "$R/gemini-gone/d/e/f" 7000
blob "$R/other-old/x" 3000
# Everything old, children first; then the one fresh file.
find "$R" -depth -exec touch -h -d "5 days ago" {} +
touch "$R/claude-active/d/fresh"
# A bind mount of the same tmpfs (same st_dev) inside the stale entry, made
# in the container's mount namespace.
out=$(nsenter -t "$pid" -m -- mount --bind /tmp/bindsrc /tmp/claude-stale/mnt 2>&1)
check "a bind mount inside the stale entry" test -e "$R/claude-stale/mnt/inside"

paths=("$R/claude-stale" "$R/claude-stale/a" "$R/claude-stale/sub" "$R/claude-stale/sub/b" "$R/claude-stale/link"
       "$R/claude-stale/mnt" "$R/claude-stale/mnt/inside" "$R/bindsrc/inside" "$R/claude-active" "$R/claude-active/old"
       "$R/claude-active/d" "$R/claude-active/d/fresh" "$R/gemini-gone" "$R/gemini-gone/d" "$R/gemini-gone/d/e"
       "$R/gemini-gone/d/e/f" "$R/other-old" "$R/other-old/x")
want_bytes=$(bytes_of "$R/claude-stale/a" "$R/claude-stale/sub" "$R/claude-stale/sub/b" "$R/claude-stale/link" \
    "$R/gemini-gone" "$R/gemini-gone/d" "$R/gemini-gone/d/e" "$R/gemini-gone/d/e/f")
want="pid $pid: 8 entries, $want_bytes bytes, 8 inodes"
before=$(snapshot)

# ---- sweep --pid --------------------------------------------------------------
sweep() { out=$(e2e_hook sweep "$@" 2> "$E2E_WORK/sweep.err"); rc=$?; err=$(cat "$E2E_WORK/sweep.err"); }
sweep --pid "$pid" --dry-run
check "dry run: exit 0, no stderr" test "$rc" -eq 0 -a -z "$err"
check "dry run: the summary" test "$(tail -n 1 <<< "$out")" = "$want would free"
check "dry run: lists the symlink" has "$out" "would remove /proc/$pid/root/tmp/claude-stale/link ("
check "dry run: keeps the active entry" has "$out" "keep /proc/$pid/root/tmp/claude-active: active"
check "dry run: nothing changed, atimes included" test "$(snapshot)" = "$before"

sweep --pid "$pid"
check "sweep: exit 0, no stderr" test "$rc" -eq 0 -a -z "$err"
check "sweep: the dry run's numbers" test "$out" = "$want freed"
check "sweep: stale files gone" gone "$R/claude-stale/a"
check "sweep: emptied directory gone" gone "$R/claude-stale/sub"
check "sweep: the symlink is gone" gone "$R/claude-stale/link"
check "sweep: the bind mount is not crossed" there "$R/claude-stale/mnt/inside"
check "sweep: the entry holding the mount stays" there "$R/claude-stale"
check "sweep: the active entry survives whole" \
    test "$(snapshot | grep -F "$R/claude-active")" = "$(grep -F "$R/claude-active" <<< "$before")"
check "sweep: a stale entry goes whole" gone "$R/gemini-gone"
check "sweep: an unmatched name is not touched" there "$R/other-old/x"
check "sweep: the bind source (unmatched) is not touched" there "$R/bindsrc/inside"
out=$(sentinel_snapshot)
check "the host sentinel the symlink named is unchanged" test "$out" = "$sentinel_before"

sweep --pid "$pid"
check "again: nothing to remove" test "$rc $out" = "0 pid $pid: nothing to remove"
out=$(e2e_hook --config "$policy" sweep 2>&1)
check "without --pid: the recorded container, by id" test "$out" = "$e2e_start_id: nothing to remove"

# ---- the container ends -----------------------------------------------------------
touch "$SYNC/go"
wait "$runner"
rc=$(cat "$E2E_WORK/run.rc")
out=$(cat "$E2E_WORK/run.out")
check "the container exits 0" test "$rc" -eq 0
e2e_start_end
sweep --pid "$pid"
check "a gone container: exit 1, one line" test "$rc" -eq 1 -a "$(wc -l <<< "$err")" -eq 1
out=$(host_mounts)
check "host mounts unchanged" test "$out" = "$mounts_before"

e2e_summary
