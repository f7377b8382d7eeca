#!/usr/bin/env bash
# Race: while containers start, swap_loop flips rootfs/agent-home (a
# directory) with rootfs/agent-home.swap (a symlink to a sentinel directory,
# absolute host path) thousands of times a second (renameat2
# RENAME_EXCHANGE). A hook that resolved the name twice, or followed the link
# once, would sooner or later chown/chmod the sentinel. Starts may succeed
# (the hook caught the directory) or be refused (it caught the link); both
# are counted. What must hold: the sentinel never changes, every refusal is
# the symlink refusal, and every started container has its home directory
# owned 1000:1000 mode 0755. Then the same for /tmp (mounted tmpfs).
#
# The swapper keeps running while the workload runs, so inside a started
# container /agent-home is the link half of the time: the workload looks
# until it sees the directory and reports that.
#
# Usage: test_race.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# Environment: RACE_HOME_STARTS (default 150), RACE_TMP_STARTS (default 50):
# the number of starts; each part also stops after RACE_HOME_SECONDS (100)
# or RACE_TMP_SECONDS (40), so a loaded machine does fewer starts instead of
# running long (the counts are printed).
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
need_tool swap_loop
make_sentinels

home_starts=${RACE_HOME_STARTS:-150}
tmp_starts=${RACE_TMP_STARTS:-50}
home_seconds=${RACE_HOME_SECONDS:-100}
tmp_seconds=${RACE_TMP_SECONDS:-40}

# race_starts STARTS SECONDS BEFORE OK_PATTERN AFTER REFUSAL: starts the
# bundle up to STARTS times or SECONDS seconds, each from the original
# config.json, running the command BEFORE first. A start that succeeds must
# print a line matching OK_PATTERN (an extended regex) and pass the command
# AFTER; one that fails must be a one-line refusal matching REFUSAL (an
# extended regex).
# Sets started, refused, bad_start, bad_refusal, after_bad, attempts, race_time.
race_starts() {
    local starts=$1 seconds=$2 before=$3 ok_pattern=$4 after=$5 refusal=$6 i msg t0=$SECONDS
    started=0 refused=0 bad_start=0 bad_refusal=0 after_bad=0
    for ((i = 1; i <= starts && SECONDS - t0 < seconds; i++)); do
        # The hook records its mounts in config.json; every start gets the original.
        cp "$BUNDLE/config.json.orig" "$BUNDLE/config.json"
        "$before"
        : > "$HOOK_ERR"
        run_container "$BUNDLE"
        if [ "$rc" -eq 0 ]; then
            started=$((started + 1))
            if ! has_re "$out" "$ok_pattern"; then
                bad_start=$((bad_start + 1))
                printf '     start %d saw: %s\n' "$i" "$(printf '%s' "$out" | head -c 600)"
            fi
            "$after" || after_bad=$((after_bad + 1))
        else
            refused=$((refused + 1))
            msg=$(hook_stderr)
            if ! has_re "$msg" "$refusal" || ! one_line "$msg"; then
                bad_refusal=$((bad_refusal + 1))
                printf '     start %d failed otherwise (rc %s): %s\n' "$i" "$rc" "$(printf '%s' "$out" | head -c 600)"
                printf '     hook stderr: %s\n' "$msg"
            fi
        fi
    done
    attempts=$((i - 1))
    race_time=$((SECONDS - t0))
}

# ---- /agent-home --------------------------------------------------------------
hostile_bundle race-home
# Look (lstat, no -L) until /agent-home is the directory, then report it.
# shellcheck disable=SC2016 # the workload's own $-expansions
set_workload "$BUNDLE" '
    i=0
    while [ $i -lt 1000 ]; do
        s=$(stat -c "%F %u:%g %a" /agent-home 2>&1)
        case $s in directory*) echo "HOME $s"; exit 0 ;; esac
        i=$((i + 1))
    done
    echo "HOME never a directory, last: $s"'
cp "$BUNDLE/config.json" "$BUNDLE/config.json.orig"
mkdir -m 0700 "$ROOTFS/agent-home"
ln -s "$SENTINEL/dir" "$ROOTFS/agent-home.swap"
# An fd on the directory itself, whatever name it has at the moment: before
# each start it goes back to 0:0 mode 0700, so each start must fix it again.
exec {home_fd}< "$ROOTFS/agent-home"
home_dir=/proc/$$/fd/$home_fd

snapshot_host
"$E2E_TOOLS/swap_loop" "$ROOTFS" agent-home agent-home.swap 300 > "$E2E_WORK/swap-home.out" 2>&1 &
swap_pid=$!
trap 'kill "$swap_pid" 2> /dev/null; e2e_cleanup' EXIT  # never leave it running

# Before each start the directory goes back to 0:0 mode 0700; after a
# successful one it must be 1000:1000 0755 again, seen from the host.
reset_home() { chown 0:0 "$home_dir" && chmod 0700 "$home_dir"; }
home_fixed() {
    local now
    now=$(stat -L -c '%u:%g %a' "$home_dir")
    [ "$now" = "1000:1000 755" ] && return 0
    printf '     the directory is %s after a successful start\n' "$now"
    return 1
}
race_starts "$home_starts" "$home_seconds" reset_home 'HOME directory 1000:1000 755' home_fixed \
    "open in rootfs: /agent-home: is a symlink"
out=""  # the checks below judge counts, not the last start
kill "$swap_pid"
wait "$swap_pid"
swap_rc=$?
exec {home_fd}<&-

echo "     /agent-home race: $attempts starts in ${race_time}s: $started started, $refused refused; swapper: $(cat "$E2E_WORK/swap-home.out")"
check "/agent-home race: the swapper ran and stopped cleanly" test "$swap_rc" -eq 0
check "/agent-home race: both outcomes happened (the race was real)" test "$started" -gt 0 -a "$refused" -gt 0
check "/agent-home race: every started container saw its home as a directory 1000:1000 0755 ($bad_start bad)" test "$bad_start" -eq 0
check "/agent-home race: every successful start left the directory 1000:1000 0755 ($after_bad bad)" test "$after_bad" -eq 0
check "/agent-home race: every failed start was the one-line symlink refusal ($bad_refusal other)" test "$bad_refusal" -eq 0
check "/agent-home race: the swapper's link still points at the sentinel" test "$(readlink "$ROOTFS/agent-home.swap")" = "$SENTINEL/dir"
check_host_unchanged "/agent-home race"

# ---- /tmp -----------------------------------------------------------------------
# The tmpfs is mounted on the directory inside the container's namespace, so
# inside the container the mount moves with the name: it shows at /tmp or at
# /tmp.swap, and must be a noexec tmpfs either way.
hostile_bundle race-tmp
# shellcheck disable=SC2016
set_workload "$BUNDLE" 'awk '\''$5 == "/tmp" || $5 == "/tmp.swap" { print "TMPMOUNT", $6, $(NF-2) }'\'' /proc/self/mountinfo'
cp "$BUNDLE/config.json" "$BUNDLE/config.json.orig"
ln -s "$SENTINEL/dir" "$ROOTFS/tmp.swap"

snapshot_host
"$E2E_TOOLS/swap_loop" "$ROOTFS" tmp tmp.swap 300 > "$E2E_WORK/swap-tmp.out" 2>&1 &
swap_pid=$!
trap 'kill "$swap_pid" 2> /dev/null; e2e_cleanup' EXIT  # never leave it running

# Without the new mount API (the ENOSYS runs) the hook mounts with mount(2)
# on the pinned directory and then re-opens the name to find the mount: a
# swap in between is refused as a changed directory (the mount went onto the
# directory, now at tmp.swap, and dies with the refused container).
race_starts "$tmp_starts" "$tmp_seconds" true '^TMPMOUNT [^ ]*noexec[^ ]* tmpfs$' true \
    '/tmp: (is a symlink|the new mount is not what its directory now holds \(refused: the directory changed while the hook ran\))'
out=""  # the checks below judge counts, not the last start
kill "$swap_pid"
wait "$swap_pid"
swap_rc=$?

echo "     /tmp race: $attempts starts in ${race_time}s: $started started, $refused refused; swapper: $(cat "$E2E_WORK/swap-tmp.out")"
check "/tmp race: the swapper ran and stopped cleanly" test "$swap_rc" -eq 0
check "/tmp race: both outcomes happened (the race was real)" test "$started" -gt 0 -a "$refused" -gt 0
check "/tmp race: every started container had a noexec tmpfs there ($bad_start bad)" test "$bad_start" -eq 0
check "/tmp race: every failed start was a one-line refusal: a symlink, or the directory changed ($bad_refusal other)" test "$bad_refusal" -eq 0
check "/tmp race: rootfs/tmp is still a directory, not mounted over on the host" test -d "$ROOTFS/tmp" -a ! -L "$ROOTFS/tmp"
check_host_unchanged "/tmp race"

e2e_summary
