#!/usr/bin/env bash
# Faults in hook mode on a real runtime: a hook that is killed while a
# container starts leaves the host as it was.
#
# 1. Random kills: the hook is registered through killer.sh, which runs it
#    and SIGKILLs it after a random delay between 0 and a little more than
#    the hook's typical run time (measured first), as a runtime's
#    hooks[].timeout does (runc and crun send SIGKILL), then exits 1 so that
#    the start fails. After every start: the host's mount table is the one
#    from before, config.json is byte-identical to the original or to what
#    a whole run records, the bundle holds nothing else (a hidden temporary
#    file only beside the untouched original), and no process of the hook
#    is left: the hook is gone, and with it its worker thread, which lives
#    in the container's mount namespace.
# 2. A worker that hangs: a FUSE filesystem that never answers (fuse_hang)
#    is mounted at the rootfs's /workspace, with /workspace/cache an excluded
#    path, in a private mount namespace the runtime runs in (the host never
#    sees the mount). (a) With hooks[].timeout 2, the runtime kills the hook
#    after 2 s: the worker thread, stuck in the FUSE lookup, must die with
#    the hook, checked while the FUSE mount still hangs. (b) Without a
#    timeout, the hook's own deadline (10 s in all) fails the start with one
#    line naming the rootfs, and the hook's exit ends the stuck worker.
# Both: the sentinels and the host's mounts unchanged, nothing new in the
# work directory outside the bundles.
#
# Usage: test_faults.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# Environment: FAULTS_STARTS (default 40) starts in part 1, which also stops
# after FAULTS_SECONDS (default 90) seconds.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_init "$1" "$2"
# shellcheck source=tests/e2e/hostile_lib.sh
. "$(dirname "$0")/hostile_lib.sh"
need_tool fuse_hang
[ -c /dev/fuse ] || e2e_skip "no /dev/fuse (the hung-worker part needs FUSE)"
make_sentinels
starts=${FAULTS_STARTS:-40}
seconds=${FAULTS_SECONDS:-90}

# killer.sh RECORD DELAY_US COMMAND...: runs COMMAND on this stdin; if it
# has not ended after DELAY_US microseconds, SIGKILLs it and exits 1.
# Appends to RECORD "killed", or "finished MICROSECONDS STATUS".
KILLER=$E2E_WORK/killer.sh
cat > "$KILLER" <<'SH'
#!/bin/bash
record=$1 delay=$2
shift 2
t0=$(date +%s%N)
"$@" <&0 &
pid=$!
sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))" &
sleeper=$!
wait -n -p first "$pid" "$sleeper"
st=$?
if [ "$first" != "$pid" ]; then
    kill -9 "$pid" 2> /dev/null
    wait "$pid"
    st=$?
fi
kill "$sleeper" 2> /dev/null
if [ "$st" -eq 137 ]; then echo killed >> "$record"; exit 1; fi
echo "finished $((($(date +%s%N) - t0) / 1000)) $st" >> "$record"
exit "$st"
SH
chmod 0755 "$KILLER"

POLICY=$E2E_WORK/policy-faults.json
echo '{"exclude": {"paths": ["/workspace/cache"]}}' > "$POLICY"

# hook_processes: pids of live processes running the hook binary with this
# test's policy (the worker is a fork: same binary, same command line), not
# those of other tests of the same build.
hook_processes() {
    local exe pid
    for exe in /proc/[0-9]*/exe; do
        pid=${exe#/proc/}
        pid=${pid%/exe}
        [ "$exe" -ef "$HOOK" ] 2> /dev/null && grep -qzxF -- "$POLICY" "/proc/$pid/cmdline" 2> /dev/null && echo "$pid"
    done
    return 0
}
# no_hook_left: none within 2 s (SIGKILL and reaping take a moment).
no_hook_left() {
    local i left
    for i in $(seq 20); do
        left=$(hook_processes)
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    echo "     hook processes still alive: $(for p in $left; do printf '%s(%s) ' "$p" "$(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null)"; done)"
    return 1
}
# The work directory's top level, bundles and their records aside.
work_listing() { find "$E2E_WORK" -mindepth 1 -maxdepth 1 ! -name 'kill*' ! -name 'fuse*' -printf '%f\n' | sort; }
# Entries of the bundle besides config.json and rootfs.
bundle_extra() { find "$1" -mindepth 1 -maxdepth 1 ! -name config.json ! -name rootfs -printf '%f\n'; }

# In ENOSYS mode the hook the killer starts runs under enosys_exec too
# (without --log: the mode's accounting counts the hook's own entries, and
# the killer's is not one), so the kills land in the fallback paths.
HOOK_CMD=("$HOOK")
[ "$E2E_HOOK_VIA" = enosys ] && HOOK_CMD=("$ENOSYS_EXEC" "$HOOK")

# ---- 1. random kills -------------------------------------------------------------
hostile_bundle kill
RECORD=$E2E_WORK/kill.record
mkdir -p "$ROOTFS/workspace"
# A plain start with the hook's own entry first: the reference the kills
# are judged against runs, and in ENOSYS mode it is the start the mode's
# accounting sees.
cp "$BUNDLE/config.json" "$E2E_WORK/kill.plain"
set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$POLICY" createRuntime
run_container "$BUNDLE"
check "a plain start with the hook's own entry runs" test "$rc" -eq 0
cp "$E2E_WORK/kill.plain" "$BUNDLE/config.json"
rm -rf "$ROOTFS/agent-home"
rm -f "$MARKER_DIR/ran"
# A calibration start with a delay that never comes: the typical run time,
# and config.json as a whole run leaves it.
set_hook "$BUNDLE" "$KILLER" "$KILLER" "$RECORD" 60000000 "${HOOK_CMD[@]}" --config "$POLICY" createRuntime
cp "$BUNDLE/config.json" "$E2E_WORK/kill.orig"
typical=0
for i in 1 2 3; do
    cp "$E2E_WORK/kill.orig" "$BUNDLE/config.json"
    : > "$RECORD"; rm -f "$MARKER_DIR/ran"
    run_container "$BUNDLE"
    read -r word us st < "$RECORD"
    if ! { [ "$rc" -eq 0 ] && [ "$word" = finished ] && [ "$st" = 0 ]; }; then check "calibration start $i" false; break; fi
    [ "$typical" -eq 0 ] || [ "$us" -lt "$typical" ] && typical=$us
done
cp "$BUNDLE/config.json" "$E2E_WORK/kill.whole"
check "calibration: a whole run records the mounts" \
    has "$(jq -c '.mounts[] | select(.destination == "/tmp") | .options' "$E2E_WORK/kill.whole")" noexec
echo "     typical hook run: ${typical} us"

listing_before=$(work_listing)
snapshot_host
killed=0 finished=0 old=0 new=0 torn=0 stray=0 hidden=0 survivors=0 mounts_bad=0 bad_start=0
t0=$SECONDS
for ((i = 1; i <= starts && SECONDS - t0 < seconds; i++)); do
    cp "$E2E_WORK/kill.orig" "$BUNDLE/config.json"
    delay=$(((RANDOM * 32768 + RANDOM) % (typical * 5 / 4 + 1)))
    set_hook "$BUNDLE" "$KILLER" "$KILLER" "$RECORD" "$delay" "${HOOK_CMD[@]}" --config "$POLICY" createRuntime
    cp "$BUNDLE/config.json" "$E2E_WORK/kill.this"
    : > "$RECORD"; rm -f "$MARKER_DIR/ran"
    run_container "$BUNDLE"
    read -r word _ < "$RECORD"
    if [ "$word" = killed ]; then
        killed=$((killed + 1))
        if [ "$rc" -eq 0 ] || [ -e "$MARKER_DIR/ran" ]; then
            bad_start=$((bad_start + 1)); echo "     start $i: the hook was killed, yet the start went on (rc $rc)"
        fi
    else
        finished=$((finished + 1))
        [ "$rc" -eq 0 ] || { bad_start=$((bad_start + 1)); echo "     start $i: the hook finished, yet the start failed: $out"; }
    fi
    # The recorded config: the killer's entry as this start had it, or the
    # same with the hook's mounts (jq: compare as JSON, since the entry moved).
    if cmp -s "$BUNDLE/config.json" "$E2E_WORK/kill.this"; then old=$((old + 1))
    elif [ "$(jq -S 'del(.hooks)' "$BUNDLE/config.json")" = "$(jq -S 'del(.hooks)' "$E2E_WORK/kill.whole")" ] &&
        [ "$(jq -c .hooks "$BUNDLE/config.json")" = "$(jq -c .hooks "$E2E_WORK/kill.this")" ]; then new=$((new + 1))
    else torn=$((torn + 1)); echo "     start $i: config.json is neither the old nor the new one"; fi
    extra=$(bundle_extra "$BUNDLE")
    if [ -n "$extra" ]; then
        if ! grep -qvE '^\.config\.json\.oci-agent-hook\.' <<< "$extra" && cmp -s "$BUNDLE/config.json" "$E2E_WORK/kill.this"; then
            hidden=$((hidden + 1)); rm -f "$BUNDLE"/.config.json.oci-agent-hook.*
        else
            stray=$((stray + 1)); echo "     start $i: left in the bundle: $(tr '\n' ' ' <<< "$extra")"
        fi
    fi
    no_hook_left || survivors=$((survivors + 1))
    [ "$(host_mounts)" = "$mounts_before" ] || { mounts_bad=$((mounts_bad + 1)); same_text "host mounts" "$mounts_before" "$(host_mounts)"; }
done
i=$((i - 1))
echo "     $i starts in $((SECONDS - t0)) s: hook killed $killed, finished $finished; config.json old $old, new $new, torn $torn; $hidden hidden temporary files, $stray stray files"
check "random kills: $i starts" [ "$i" -ge 10 ]
check "random kills: some kills landed, some runs finished" [ "$killed" -gt 0 -a "$finished" -gt 0 ]
check "random kills: a killed hook fails the start, a whole one does not" [ "$bad_start" -eq 0 ]
check "random kills: config.json always whole, old or new" [ "$torn" -eq 0 ]
check "random kills: nothing else left in the bundle" [ "$stray" -eq 0 ]
check "random kills: no hook process (parent or worker) outlives the start" [ "$survivors" -eq 0 ]
check "random kills: host mounts unchanged after every start" [ "$mounts_bad" -eq 0 ]
check_host_unchanged "random kills"
check "random kills: nothing new in the work directory" same_text "work directory" "$listing_before" "$(work_listing)"

# ---- 2. a worker stuck on a FUSE mount that never answers -----------------------------
runtime_path() {
    case $E2E_RUNTIME in
        runc) command -v runc ;;
        crun) echo "$E2E_ROOT/scripts/crun-hybrid" ;;
    esac
}

# fuse_start NAME TIMEOUT: starts a bundle in a private mount namespace in
# which its rootfs/workspace is a hung FUSE mount; TIMEOUT is the hook's
# hooks[].timeout ("" for none). Sets out, rc, elapsed (ms), and survivors:
# the hook processes alive 1 s after the runtime returned, counted while
# the FUSE mount still hangs (a worker stuck in it cannot end on its own).
fuse_start() {
    local name=$1 timeout=$2 id result
    hostile_bundle "$name"
    mkdir -p "$ROOTFS/workspace"
    set_hook "$BUNDLE" "$HOOK" "$HOOK" --config "$POLICY" createRuntime
    [ -n "$timeout" ] && edit_config "$BUNDLE" ".hooks.createRuntime[0].timeout = $timeout"
    e2e_hook_via "$BUNDLE"  # ENOSYS mode: the stuck worker is the fallback path's
    e2e_seq=$((e2e_seq + 1))
    id=oah-$$-$e2e_seq
    e2e_ids+=("$id")
    : > "$HOOK_ERR"
    snapshot_host
    # shellcheck disable=SC2016 # the inner script expands its own variables
    result=$(cd "$BUNDLE" && OUT=$E2E_WORK/$name.out HOOK=$HOOK POLICY=$POLICY unshare --mount -- bash -c '
        fuse_hang=$1 mnt=$2 ready=$3
        shift 3
        mount --make-rprivate / || exit 1
        "$fuse_hang" "$mnt" > "$ready" &
        fuse=$!
        for _ in $(seq 50); do [ -s "$ready" ] && break; sleep 0.1; done
        [ -s "$ready" ] || { echo "fuse=failed"; kill "$fuse"; exit 1; }
        start=$(date +%s%N)
        # --foreground: on expiry only the runtime is killed, not its process
        # group, which holds the hook and its worker.
        timeout --foreground -k 5 30 "$@" > "$OUT" 2>&1 < /dev/null
        echo "rc=$? ms=$((($(date +%s%N) - start) / 1000000))"
        sleep 1
        for exe in /proc/[0-9]*/exe; do
            [ "$exe" -ef "$HOOK" ] 2> /dev/null && grep -qzxF -- "$POLICY" "${exe%/exe}/cmdline" 2> /dev/null && echo "survivor=$exe"
        done
        kill "$fuse"
        wait "$fuse"
        umount -l "$mnt"
    ' fuse "$E2E_TOOLS/fuse_hang" "$ROOTFS/workspace" "$E2E_WORK/$name.ready" "$(runtime_path)" run -b "$BUNDLE" "$id")
    out=$(cat "$E2E_WORK/$name.out" 2> /dev/null)
    rc=$(sed -n 's/^rc=\([0-9]*\) .*/\1/p' <<< "$result")
    elapsed=$(sed -n 's/^rc=[0-9]* ms=\([0-9]*\)$/\1/p' <<< "$result")
    survivors=$(grep -c '^survivor=' <<< "$result")
    e2e_runtime_cmd delete -f "$id" > /dev/null 2>&1 || true
    check "$name: the FUSE mount was made" [ -n "$rc" ]
    rc=${rc:-0} elapsed=${elapsed:-0}
    echo "     $name: runtime exit $rc after $elapsed ms, $survivors hook processes left; hook said: $(hook_stderr)"
}

fuse_start fuse-timeout 2
check "hooks[].timeout 2 on a hung worker: the start fails" [ "$rc" -ne 0 ]
check "hooks[].timeout 2 on a hung worker: the runtime gave up after about 2 s" [ "$elapsed" -ge 1500 -a "$elapsed" -lt 8000 ]
check "hooks[].timeout 2 on a hung worker: the worker died with the hook" [ "$survivors" -eq 0 ]
check "hooks[].timeout 2 on a hung worker: the workload did not run" [ ! -e "$MARKER_DIR/ran" ]
check "hooks[].timeout 2 on a hung worker: config.json unchanged" [ "$(cat "$BUNDLE/config.json")" = "$config_before" ]
check_host_unchanged "hooks[].timeout 2 on a hung worker"

fuse_start fuse-deadline ""
msg=$(hook_stderr)
check "no timeout, a hung worker: the start fails" [ "$rc" -ne 0 ]
check "no timeout, a hung worker: within the hook's 10 s deadline" [ "$elapsed" -ge 8000 -a "$elapsed" -lt 14000 ]
check "no timeout, a hung worker: one line" one_line "$msg"
check "no timeout, a hung worker: the line names the rootfs and the deadline" \
    has_re "$msg" "^oci-agent-hook: createRuntime: apply in container: $ROOTFS: worker gave no result within [0-9]+ ms; it is stopped with the hook"
check "no timeout, a hung worker: no hook process left" [ "$survivors" -eq 0 ]
check "no timeout, a hung worker: config.json unchanged" [ "$(cat "$BUNDLE/config.json")" = "$config_before" ]
check_host_unchanged "no timeout, a hung worker"
check "nothing new in the work directory" same_text "work directory" "$listing_before" "$(work_listing)"

e2e_summary
