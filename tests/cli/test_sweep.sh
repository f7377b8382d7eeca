#!/usr/bin/env bash
# sweep --path on host directories under /var/tmp: trees with controlled
# atime and mtime, a symlink to a sentinel directory, an active entry, a bind
# mount inside a stale entry, hard links, a too-deep tree, the teardown, and
# --dry-run against the real run. Times are read with stat on known paths
# only (never following a symlink): listing a directory (find, ls) or
# following a link would itself update its atime.
set -euo pipefail
BIN=${1:?usage: test_sweep.sh PATH-TO-oci-agent-hook}
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (bind mounts, chown)"; exit 77; fi
umask 022
WORK=$(mktemp -d /var/tmp/oci-agent-hook-sweep.XXXXXX)
T=$WORK/tmp
cleanup() {
    umount "$T/claude-stale/mnt" 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
echo '{}' > "$OCI_AGENT_HOOK_CONFIG"
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/sweep_lib.sh
. "$(dirname "$0")/sweep_lib.sh"

run() {  # run ARGS... -> $out $err $rc
    set +e
    out=$("$BIN" "$@" 2> "$WORK/err"); rc=$?
    set -e
    err=$(cat "$WORK/err")
}
old() { touch -h -d "5 days ago" "$@"; }

# --- the tree -------------------------------------------------------------
mkdir -p "$T" "$WORK/sentinel" "$WORK/bindsrc"
blob "$WORK/sentinel/keep" 5000
blob "$WORK/bindsrc/inside" 5000
# A stale entry: two old files, a symlink to the sentinel directory, a
# bind mount (same filesystem: same st_dev) of another directory.
mkdir -p "$T/claude-stale/sub" "$T/claude-stale/mnt"
blob "$T/claude-stale/a" 10000
blob "$T/claude-stale/sub/b" 20000
ln -s "$WORK/sentinel" "$T/claude-stale/link"
# An active entry: old files and one fresh file.
mkdir -p "$T/claude-active/d"
blob "$T/claude-active/old" 3000
blob "$T/claude-active/d/fresh" 3000
# Read two hours ago, written five days ago: not both older than 72h.
mkdir -p "$T/codex-read"
blob "$T/codex-read/f" 3000
blob "$T/codex-read/g" 3000
# Entirely stale, with a hard-linked pair: goes whole.
mkdir -p "$T/gemini-gone/d/e"
blob "$T/gemini-gone/d/e/f" 7000
ln "$T/gemini-gone/d/e/f" "$T/gemini-gone/d/f2"
# A stale symlink at the top, to the sentinel.
ln -s "$WORK/sentinel" "$T/claude-toplink"
# Matches no pattern.
mkdir -p "$T/other-old"
blob "$T/other-old/x" 3000
# 300 levels deep: more than the sweep walks.
deep=$T/claude-deep
for _ in $(seq 300); do deep=$deep/d; done
mkdir -p "$deep"
blob "$deep/bottom" 100

# Everything old, children before parents; then the fresh exceptions.
find "$WORK" -depth -exec touch -h -d "5 days ago" {} +
touch "$T/claude-active/d/fresh"
touch -h -a -d "2 hours ago" "$T/codex-read/f"
mount --bind "$WORK/bindsrc" "$T/claude-stale/mnt"
old "$T/claude-stale/mnt/inside"

paths=("$T/claude-stale" "$T/claude-stale/a" "$T/claude-stale/sub" "$T/claude-stale/sub/b" "$T/claude-stale/link"
       "$T/claude-stale/mnt" "$T/claude-stale/mnt/inside" "$WORK/sentinel" "$WORK/sentinel/keep" "$WORK/bindsrc/inside"
       "$T/claude-active" "$T/claude-active/old" "$T/claude-active/d" "$T/claude-active/d/fresh"
       "$T/codex-read" "$T/codex-read/f" "$T/codex-read/g" "$T/gemini-gone" "$T/gemini-gone/d" "$T/gemini-gone/d/e"
       "$T/gemini-gone/d/e/f" "$T/gemini-gone/d/f2" "$T/claude-toplink" "$T/other-old" "$T/other-old/x"
       "$T/claude-deep" "$deep/bottom")
# The space the sweep should free (the hard-linked pair once).
want_bytes=$(bytes_of "$T/claude-stale/a" "$T/claude-stale/sub" "$T/claude-stale/sub/b" "$T/claude-stale/link" \
    "$T/codex-read/g" "$T/gemini-gone" "$T/gemini-gone/d" "$T/gemini-gone/d/e" "$T/gemini-gone/d/e/f" "$T/claude-toplink")
# a, sub/b, sub, link | g | f, f2, e, d, gemini-gone | claude-toplink
want_line="$T: 11 entries, $want_bytes bytes, 10 inodes"
before=$(snapshot)

# --- dry run ---------------------------------------------------------------
run sweep --path "$T" --dry-run
check "dry run: exit 1 (the too-deep entry is an error)" [ "$rc" -eq 1 ]
check "dry run: the summary counts what would go" same "$(tail -n 1 <<< "$out")" "$want_line would free"
check "dry run: lists a stale file with its bytes" has "$out" "would remove $T/claude-stale/a ("
check "dry run: lists the symlink" has "$out" "would remove $T/claude-stale/link ("
check "dry run: names the active entry kept" has "$out" "keep $T/claude-active: active"
check "dry run: the too-deep entry is kept" has "$out" "keep $T/claude-deep: not read whole"
check "dry run: the depth error is one line naming the path" \
    [ "$(grep -c 'scan: .*claude-deep/d/d.*: deeper than 256 levels, left alone' <<< "$err")" -eq 1 ]
check "dry run: nothing changed, atimes included" same "$(snapshot)" "$before"

# --- the real run ------------------------------------------------------------
run sweep --path "$T"
check "sweep: exit 1 (the too-deep entry)" [ "$rc" -eq 1 ]
check "sweep: the same numbers as the dry run" same "$out" "$want_line freed"
check "sweep: stale files gone" gone "$T/claude-stale/a"
check "sweep: emptied directory gone" gone "$T/claude-stale/sub"
check "sweep: the symlink is gone" gone "$T/claude-stale/link"
check "sweep: the sentinel it pointed at survives whole" there "$WORK/sentinel/keep"
check "sweep: the bind mount is not crossed" there "$T/claude-stale/mnt/inside"
check "sweep: the bind mount's source survives" there "$WORK/bindsrc/inside"
check "sweep: the entry holding the mount stays" there "$T/claude-stale/mnt"
check "sweep: the active entry survives whole" \
    same "$(snapshot | grep -F "$T/claude-active")" "$(grep -F "$T/claude-active" <<< "$before")"
check "sweep: a file read 2h ago stays" there "$T/codex-read/f"
check "sweep: its stale neighbour goes" gone "$T/codex-read/g"
check "sweep: a stale entry goes whole" gone "$T/gemini-gone"
check "sweep: a stale top-level symlink goes" gone "$T/claude-toplink"
check "sweep: an unmatched name is not touched" same "$(snapshot | grep -F "$T/other-old")" "$(grep -F "$T/other-old" <<< "$before")"
check "sweep: nothing of the too-deep entry goes" there "$deep/bottom"

rm -rf "$T/claude-deep"
run sweep --path "$T"
check "again: exit 0" [ "$rc" -eq 0 ]
check "again: says there is nothing to remove" same "$out" "$T: nothing to remove"
check "again: no stderr" [ -z "$err" ]

# --- one target failing does not stop the others --------------------------------
mkdir -p "$WORK/t2/claude-x"
blob "$WORK/t2/claude-x/f" 100
old "$WORK/t2/claude-x/f" "$WORK/t2/claude-x"
t2_bytes=$(bytes_of "$WORK/t2/claude-x/f" "$WORK/t2/claude-x")
run sweep --path "$WORK/missing" --path "$WORK/t2"
check "two targets, one missing: exit 1" [ "$rc" -eq 1 ]
check "the missing one: one line with step, path and reason" \
    same "$err" "oci-agent-hook: sweep: open directory: $WORK/missing: No such file or directory"
check "the other is swept" same "$out" "$WORK/t2: 2 entries, $t2_bytes bytes, 2 inodes freed"

# --- refusals, nothing to do, usage -----------------------------------------------
run sweep --pid $$
check "--pid of a host process: refused" [ "$rc" -eq 1 ]
check "--pid of a host process: one line" one_line "$err"
check "--pid of a host process: says why" has "$err" "in the host's mount namespace"
mkdir -m 0700 "$WORK/no-records"
run sweep --state-dir "$WORK/no-records"
check "no target, no record: exit 0" [ "$rc" -eq 0 ]
check "no target, no record: says so" same "$out" \
    "sweep: nothing to sweep: no --pid or --path given, and no running container is recorded in $WORK/no-records"
echo '{"cleanup": {"enabled": false}}' > "$WORK/off.json"
run --config "$WORK/off.json" sweep --path "$T"
check "cleanup disabled: exit 0, says so" same "$rc $out" "0 sweep: cleanup.enabled is false in the policy: nothing done"
echo '{"cleanup": {"max_age": "1h", "min_age": "2h"}}' > "$WORK/bad.json"
run --config "$WORK/bad.json" sweep --path "$T"
check "a bad cleanup policy: exit 1, names the key" same "$rc $err" \
    "1 oci-agent-hook: sweep: validate policy: $WORK/bad.json: cleanup.min_age: 2h is more than cleanup.max_age 1h"
run sweep --uid 5 --path "$T"
check "--uid without --teardown: usage error" [ "$rc" -eq 2 ]
run sweep --teardown --path "$T"
check "--teardown without --uid: usage error" [ "$rc" -eq 2 ]
run sweep --path relative
check "a relative --path: usage error" [ "$rc" -eq 2 ]
run sweep --help
check "--help describes sweep" has "$out" "cleanup.min_age"

# --- teardown: the owner's entries, whatever their age ---------------------------------
D=$WORK/shared
mkdir -p "$D/claude-1000/d" "$D/claude-2000" "$D/codex-1000"
blob "$D/claude-1000/fresh" 100
blob "$D/claude-1000/d/mine" 100
blob "$D/claude-1000/d/roots" 100
blob "$D/claude-2000/theirs" 100
chown -R 1000:1000 "$D/claude-1000" "$D/codex-1000"
chown 0:0 "$D/claude-1000/d/roots"
chown -R 2000:2000 "$D/claude-2000"
td_bytes=$(bytes_of "$D/claude-1000/fresh" "$D/claude-1000/d/mine" "$D/codex-1000")
run sweep --teardown --uid 1000 --path "$D" --dry-run
check "teardown dry run: exit 0" [ "$rc" -eq 0 ]
check "teardown dry run: removes nothing" there "$D/claude-1000/fresh"
run sweep --teardown --uid 1000 --path "$D"
check "teardown: exit 0" [ "$rc" -eq 0 ]
check "teardown: 1000's fresh files go" same "$(gone "$D/claude-1000/fresh" && gone "$D/claude-1000/d/mine" && echo yes)" yes
check "teardown: 1000's empty entry goes" gone "$D/codex-1000"
check "teardown: another owner's file inside stays (and its parents)" there "$D/claude-1000/d/roots"
check "teardown: another uid's entry stays" there "$D/claude-2000/theirs"
check "teardown: the summary" same "$out" "$D: 3 entries, $td_bytes bytes, 3 inodes freed"
printf '{"cleanup": {"teardown_paths": ["%s"]}}\n' "$D" > "$WORK/td.json"
blob "$D/claude-2000/more" 100
chown 2000:2000 "$D/claude-2000/more"
run --config "$WORK/td.json" sweep --teardown --uid 2000
check "teardown: cleanup.teardown_paths is the default --path" [ "$rc" -eq 0 ]
check "teardown: that directory's entries of uid 2000 go" gone "$D/claude-2000"

cli_finish "test_sweep"
