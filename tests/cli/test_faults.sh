#!/usr/bin/env bash
# Faults in the spec writers and the hook's own deadline, without containers:
#  - kill -9 at random moments during `rewrite` and the runtime wrapper, on a
#    realistic and a large (several MiB) config.json: afterwards config.json
#    is byte-identical to the original or to the rewritten output, and no
#    temporary file is left; or, when the kill fell between naming the
#    temporary file and the rename, config.json is still the original, the
#    leftover is the writer's hidden .config.json.oci-agent-hook.* file, and
#    the next run removes it;
#  - a full disk (a small tmpfs as the bundle directory, filled up): one line
#    naming config.json and "No space left on device", exit 1, the original
#    intact, no temporary file (root only: it mounts a tmpfs);
#  - hook mode: a state on stdin that never ends (the pipe held open) ends
#    with one line within the state deadline (5 s; precreate's spec: 10 s),
#    not when the runtime's hooks[].timeout (if any) kills the hook; a
#    state pid that never runs
#    (SIGSTOP) does not hold the hook up (root only).
#
# Usage: test_faults.sh PATH-TO-oci-agent-hook
# Environment: FAULTS_KILLS (default 100): kills per case (4 cases);
# FAULTS_SECONDS (default 40): each case stops early after this many seconds.
set -u
HOOK=${1:?usage: test_faults.sh PATH-TO-oci-agent-hook}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
kills=${FAULTS_KILLS:-100}
seconds=${FAULTS_SECONDS:-40}
# Not /tmp: where that is a tmpfs, fsync costs nothing and the write window
# would be unrealistically short.
WORK=$(mktemp -d /var/tmp/oci-agent-hook-faults.XXXXXX)
FULL=$WORK/full
holders=()
cleanup() {
    local pid
    for pid in "${holders[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2> /dev/null; done
    mountpoint -q "$FULL" && umount "$FULL"
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
# shellcheck source=tests/cli/lib.sh
. "$HERE/lib.sh"
cli_hook_paths "$HOOK"

export OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
echo '{}' > "$OCI_AGENT_HOOK_CONFIG"
chmod 0644 "$OCI_AGENT_HOOK_CONFIG"
unset AGENT_TMP_SIZE
# The wrapper's stand-in runtime: it only has to exist (the kill usually
# comes first); it records that it ran.
export CALLED=$WORK/called
cat > "$WORK/fake-runc" <<'SH'
#!/bin/sh
echo ran > "$CALLED"
SH
chmod +x "$WORK/fake-runc"
export OCI_AGENT_RUNTIME=$WORK/fake-runc

now_us() { echo $(($(date +%s%N) / 1000)); }

# The configs: the runc fixture, and the same with 40,000 annotations (about 3 MiB).
cp "$FIX/runc-spec.json" "$WORK/small.json"
jq '.annotations = ([range(40000) | {key: "example.com/key-\(.)", value: "value \(.) of a large annotation set"}] | from_entries)' \
    "$FIX/runc-spec.json" > "$WORK/large.json"

# run_writer KIND BUNDLE: one uninterrupted or killable run in the foreground.
run_writer() {
    case $1 in
        rewrite) exec "$HOOK" rewrite --bundle "$2" ;;
        wrapper) exec "$WRAPPER" create --bundle "$2" faults-id ;;
    esac
}

# expected KIND CONFIG: the rewritten output (an uninterrupted run), and the
# typical duration of a run in microseconds (the slowest of three: on a
# loaded machine the best one would put nearly every kill before the rename).
expected() {
    local kind=$1 src=$2 i t0 t best=""
    for i in 1 2 3; do
        rm -rf "$WORK/ref"; mkdir "$WORK/ref"; cp "$src" "$WORK/ref/config.json"
        t0=$(now_us)
        (run_writer "$kind" "$WORK/ref") > /dev/null 2>&1 || { echo "     $kind on $src failed"; return 1; }
        t=$(($(now_us) - t0))
        [ -z "$best" ] || [ "$t" -gt "$best" ] && best=$t
    done
    cp "$WORK/ref/config.json" "$WORK/want.json"
    typical_us=$best
}

# leftovers DIR: every entry but config.json.
leftovers() { find "$1" -mindepth 1 -maxdepth 1 ! -name config.json -printf '%f\n'; }

# kill_loop KIND CONFIG LABEL: KILLS runs of KIND on copies of CONFIG, each
# SIGKILLed after a random delay between 0 and the typical duration.
kill_loop() {
    local kind=$1 src=$2 label=$3 i delay pid t0=$SECONDS left
    local old=0 new=0 torn=0 stray=0 kept=0 unclean=0
    expected "$kind" "$src" || { check "$label: an uninterrupted run works" false; return; }
    cmp -s "$src" "$WORK/want.json" && { check "$label: the run changes config.json" false; return; }
    B=$WORK/bundle
    for ((i = 0; i < kills && SECONDS - t0 < seconds; i++)); do
        rm -rf "$B"; mkdir "$B"; cp "$src" "$B/config.json"
        delay=$((RANDOM * 32768 + RANDOM))
        delay=$((delay % (typical_us + 1)))
        (run_writer "$kind" "$B") > /dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
        kill -9 "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        if cmp -s "$B/config.json" "$src"; then old=$((old + 1))
        elif cmp -s "$B/config.json" "$WORK/want.json"; then new=$((new + 1))
        else torn=$((torn + 1)); echo "     kill $i: config.json is neither the old nor the new one"; fi
        left=$(leftovers "$B")
        [ -z "$left" ] && continue
        # A leftover is acceptable only as the writer's own hidden temporary
        # file, next to the untouched original, and only if the next run
        # removes it.
        if ! grep -qvE '^\.config\.json\.oci-agent-hook\.' <<< "$left" && cmp -s "$B/config.json" "$src"; then
            kept=$((kept + 1))
            (run_writer "$kind" "$B") > /dev/null 2>&1
            if [ -n "$(leftovers "$B")" ] || ! cmp -s "$B/config.json" "$WORK/want.json"; then
                unclean=$((unclean + 1)); echo "     kill $i: the next run left: $(leftovers "$B" | tr '\n' ' ')"
            fi
        else
            stray=$((stray + 1)); echo "     kill $i: left in the bundle: $(tr '\n' ' ' <<< "$left")"
        fi
    done
    echo "     $label: $i kills in $((SECONDS - t0)) s (typical run ${typical_us} us): $old old, $new new, $torn torn, $kept hidden leftovers (removed by the next run), $stray stray files"
    check "$label: killed $i times" [ "$i" -ge 20 ]
    check "$label: config.json always whole, old or new" [ "$torn" -eq 0 ]
    check "$label: some kills left the old config.json, some the new" [ "$old" -gt 0 -a "$new" -gt 0 ]
    check "$label: no stray file in the bundle" [ "$stray" -eq 0 ]
    check "$label: every leftover is removed by the next run" [ "$unclean" -eq 0 ]
}

kill_loop rewrite "$WORK/small.json" "rewrite, runc-spec.json, kill -9"
kill_loop rewrite "$WORK/large.json" "rewrite, 3 MiB config.json, kill -9"
kill_loop wrapper "$WORK/small.json" "oci-agent-runtime create, runc-spec.json, kill -9"
kill_loop wrapper "$WORK/large.json" "oci-agent-runtime create, 3 MiB config.json, kill -9"

# ---- a full disk ----------------------------------------------------------------------
# fill_bundle: a 256 KiB tmpfs at $FULL holding the runc fixture and a filler
# file that takes all the rest.
fill_bundle() {
    mountpoint -q "$FULL" && umount "$FULL"
    mkdir -p "$FULL"
    mount -t tmpfs -o size=256k,mode=0755 faults-full "$FULL" || return 1
    cp "$FIX/runc-spec.json" "$FULL/config.json"
    dd if=/dev/zero of="$FULL/filler" bs=4k 2> /dev/null
    [ "$(df --output=avail -B1 "$FULL" | tail -n 1)" -eq 0 ]
}
# full_disk LABEL COMMAND...: COMMAND fails with the one line, nothing changed.
full_disk() {
    local label=$1; shift
    rm -f "$CALLED"
    err=$("$@" 2>&1 > /dev/null); local rc=$?
    check "$label: exit 1" [ "$rc" -eq 1 ]
    check "$label: one line" one_line "$err"
    check "$label: the line names config.json and the reason" has "$err" "$FULL/config.json: No space left on device"
    check "$label: the original config.json intact" cmp -s "$FULL/config.json" "$FIX/runc-spec.json"
    check "$label: no temporary file left" [ "$(find "$FULL" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = "config.json filler " ]
    echo "     $label: $err"
}
if [ "$(id -u)" != 0 ]; then
    echo "skip full disk: mounting a tmpfs needs root"
elif fill_bundle; then
    full_disk "rewrite on a full disk" "$HOOK" rewrite --bundle "$FULL"
    full_disk "oci-agent-runtime create on a full disk" "$WRAPPER" create --bundle "$FULL" full-id
    check "oci-agent-runtime on a full disk: the runtime not called" [ ! -e "$CALLED" ]
    rm -f "$FULL/filler"
    err=$("$HOOK" rewrite --bundle "$FULL" 2>&1)
    check "with space again, the rewrite works" [ -z "$err" ] && ! cmp -s "$FULL/config.json" "$FIX/runc-spec.json"
else
    check "a full 256 KiB tmpfs" false
fi

# ---- hook mode and precreate: stdin that never ends ----------------------------------
# A FIFO held open for writing by a sleeper, which never closes it: the
# command's stdin never reaches end of file. INPUT is written first.
# stdin_never_ends LABEL INPUT SECONDS MESSAGE COMMAND-ARGS...
stdin_never_ends() {
    local label=$1 input=$2 limit=$3 message=$4 fifo=$WORK/stdin.fifo t0 rc holder
    shift 4
    rm -f "$fifo"; mkfifo "$fifo"
    { printf '%s' "$input"; exec sleep 60; } > "$fifo" &
    holder=$!
    holders+=("$holder")
    t0=$(now_us)
    err=$(timeout -k 1 20 "$HOOK" --config "$OCI_AGENT_HOOK_CONFIG" "$@" < "$fifo" 2>&1); rc=$?
    local ms=$((($(now_us) - t0) / 1000))
    kill "$holder" 2> /dev/null; wait "$holder" 2> /dev/null
    check "$label: exit 1 (not killed by the test's 20 s timeout)" [ "$rc" -eq 1 ]
    check "$label: within $((limit * 9 / 10)) to $((limit + 2)) s (the $limit s deadline)" \
        [ "$ms" -ge $((limit * 900)) -a "$ms" -le $((limit * 1000 + 2000)) ]
    check "$label: one line" one_line "$err"
    check "$label: names the input and the deadline" has "$err" "$message"
    echo "     $label: ${ms} ms: $err"
}
state_message="oci-agent-hook: createRuntime: read: state (stdin): no end of input within 5000 ms"
stdin_never_ends "state: stdin that never closes (nothing written)" "" 5 "$state_message" createRuntime
stdin_never_ends "state: stdin that never closes (a whole state written)" \
    "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"status\": \"creating\", \"pid\": $$, \"bundle\": \"$WORK\"}" \
    5 "$state_message" createRuntime
stdin_never_ends "precreate: a spec on stdin that never closes" "$(cat "$FIX/runc-spec.json")" 10 \
    "oci-agent-hook: precreate: read: config.json (stdin): no end of input within 10000 ms" precreate

# ---- hook mode: a container process that never answers --------------------------------
# The state's pid is a process stopped with SIGSTOP, in a mount namespace of
# its own (private propagation: nothing reaches the host). The hook reads
# its /proc entries and enters its namespace, none of which waits for the
# process to run: it must end at once, here having done its work in that
# namespace. (A hung FUSE mount in the rootfs, which does make the worker
# wait, is in tests/e2e/test_faults.sh.)
if [ "$(id -u)" != 0 ]; then
    echo "skip stopped pid: a mount namespace needs root"
else
    S=$WORK/stopped
    mkdir -p "$S/rootfs"
    jq '.root.path = "rootfs"' "$FIX/runc-spec.json" > "$S/config.json"
    unshare --mount --propagation private sleep 60 &
    stopped=$!
    holders+=("$stopped")
    for _ in $(seq 50); do
        [ "$(readlink "/proc/$stopped/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
        sleep 0.1
    done
    kill -STOP "$stopped"
    t0=$(now_us)
    err=$(timeout -k 1 20 "$HOOK" --config "$OCI_AGENT_HOOK_CONFIG" createRuntime 2>&1 <<< \
        "{\"ociVersion\": \"1.0.2\", \"id\": \"stopped\", \"status\": \"creating\", \"pid\": $stopped, \"bundle\": \"$S\"}")
    rc=$?
    ms=$((($(now_us) - t0) / 1000))
    check "state pid stopped (SIGSTOP): the hook ends within 3 s" [ "$ms" -lt 3000 ]
    check "state pid stopped (SIGSTOP): the hook did its work in the process's namespace" [ "$rc" -eq 0 ]
    check "state pid stopped (SIGSTOP): config.json records /tmp" \
        has "$(jq -c '.mounts[] | select(.destination == "/tmp") | .options' "$S/config.json")" noexec
    check "state pid stopped (SIGSTOP): the host has no new mount under the bundle" \
        [ -z "$(grep -F " $S/" /proc/self/mountinfo)" ]
    echo "     state pid stopped: ${ms} ms, exit $rc ${err}"
    { kill -KILL "$stopped"; wait "$stopped"; } 2> /dev/null
fi

cli_finish faults
