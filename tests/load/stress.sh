#!/usr/bin/env bash
# Load test: many containers at once, the hook registered at createRuntime in
# each bundle, in rounds for a bounded time; every container is checked.
#
# Usage: tests/load/stress.sh RUNTIME HOOK [OPTIONS]
#   RUNTIME            runc, or crun (through scripts/crun-hybrid)
#   HOOK               the hook binary (build/oci-agent-hook)
# Options (each also read from the environment variable named after it):
#   -c, --concurrency N   containers per round, all started at once (LOAD_CONCURRENCY, default 50)
#   -d, --duration S      start rounds until S seconds have passed (LOAD_DURATION, default 60)
#   -r, --rounds N        stop after N rounds (LOAD_ROUNDS, default: no limit); CTest uses 2
#   --timer PATH          the hook_timer program (LOAD_TIMER, default: tests/load/hook_timer
#                         in the build dir that holds HOOK)
#   -h, --help            this text
# Rounds alternate: with the hook, without it, with, ... and the run always
# ends after a "without" round, so both variants get as many rounds (at least
# one each, whatever the duration). Needs root, jq, busybox-static; skips
# (exit 77) otherwise, fails instead with E2E_REQUIRED=1. Takes the place of
# no e2e test: run it under `flock /work/container-tests.lock` where others
# run containers.
#
# A round: each of the N bundles gets its config.json back (with the hook,
# or without) and loses what the last start made in its rootfs, so every
# start is a first start; then all N `RUNTIME run` start at once, with stdin
# a FIFO (the gate) and stdout in a file. Each workload (uid 1000, pid 1 of
# its container) prints what it sees (tests/e2e/functional_lib.sh's /probe
# on /tmp and the excluded path, the home's owner and mode, the processes
# it can see and every fd they hold, with readlink), says it is ready and
# waits for the end of its stdin. When all N are ready (or dead, or 90 s
# passed) the gate closes, all exit, and every one is checked:
#   - it started and exited 0, after the gate (no early death);
#   - with the hook: the e2e contract (contract_checks: /tmp a noexec,nosuid,
#     nodev tmpfs of 512m mode 1777 that uid 1000 writes to and cannot run
#     a binary from; /workspace/node_modules an exec tmpfs of 1g, mode 1777;
#     /agent-home 755 owned 1000:1000) and config.json records /tmp;
#     without it: /tmp is no tmpfs (so the contract checks mean something);
#   - processes and fds: the container holds only its pid 1, whose fds are
#     the same as those of a container started without any hook (so no fd
#     of the hook's: bundle, policy, pidfd, nsfs or any host path);
#   - files: each bundle holds what it held before (no temp file left by a
#     config.json rewrite), its rootfs gains only /agent-home and the
#     excluded path's mount point, both empty on the host;
# and after every round the host's mount table is what it was before the
# first; at the end, no process of the hook or of hook_timer is left, no
# container of ours, nothing new in /run (runc's and crun's state included)
# and nothing of ours in /tmp or /var/tmp (see expect_no_new_host_paths).
#
# Figures (never checked, only printed): containers per second with and
# without the hook (ready: from the first start to the last "ready"; round:
# to the last exit), the hook's wall time (p50, p90, p99, max; measured by
# tests/load/hook_timer, registered in place of the hook: it runs the hook
# and appends its time to a file), failed starts, peak concurrency (how many
# were running together, blocked at the gate).
set -euo pipefail

LOAD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$LOAD_DIR/../e2e/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$LOAD_DIR/../e2e/functional_lib.sh"

indent() { sed "s/^/$(printf '%*s' "$1" '')/"; }  # indent N: N spaces before each line of stdin
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "${0##*/}: $*" >&2; exit 2; }

concurrency=${LOAD_CONCURRENCY:-50}
duration=${LOAD_DURATION:-60}
max_rounds=${LOAD_ROUNDS:-0}
timer=${LOAD_TIMER:-}
positional=()
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        -c | --concurrency) [[ $# -ge 2 ]] || die "$1 needs a value"; concurrency=$2; shift ;;
        -d | --duration) [[ $# -ge 2 ]] || die "$1 needs a value"; duration=$2; shift ;;
        -r | --rounds) [[ $# -ge 2 ]] || die "$1 needs a value"; max_rounds=$2; shift ;;
        --timer) [[ $# -ge 2 ]] || die "$1 needs a value"; timer=$2; shift ;;
        -*) die "unknown option '$1' (try --help)" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
[[ ${#positional[@]} -eq 2 ]] || { usage >&2; exit 2; }
[[ $concurrency =~ ^[1-9][0-9]*$ ]] || die "concurrency must be a positive number, got '$concurrency'"
[[ $duration =~ ^[0-9]+$ ]] || die "duration must be a number of seconds, got '$duration'"
[[ $max_rounds =~ ^[0-9]+$ ]] || die "rounds must be a number, got '$max_rounds'"
[[ $max_rounds -eq 0 || $max_rounds -ge 2 ]] || die "rounds must be at least 2 (one with the hook, one without)"

e2e_init "${positional[0]}" "${positional[1]}"
# lib.sh's cleanup deletes the containers of the round under way, kills its
# runtime processes, unmounts and removes the work dir; it expects errors
# to be ignored. Interrupted, the script exits, so the cleanup runs.
trap 'set +e; e2e_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
timer=${timer:-$(dirname "$HOOK")/tests/load/hook_timer}
[[ -x $timer ]] || die "hook_timer not found at '$timer' (build it, or give --timer)"
timer=$(cd "$(dirname "$timer")" && pwd)/$(basename "$timer")

NM=/workspace/node_modules                     # the excluded path contract_checks expects
OPTS='"nosuid","noexec","nodev","mode=1777"'   # config.json's /tmp, as in test_tmp.sh
GATE_WAIT=90                                   # seconds a round waits for all to be ready
SHOW_FAILED_OUTPUT=3                           # containers whose whole output a failure shows
HOOK_TIMES=$E2E_WORK/hook-times                # hook_timer's "NS STATUS" lines
POLICY=$(write_policy load "{\"exclude\": {\"paths\": [\"$NM\"]}}")

# lib.sh's check prints every pass; a load run checks tens of thousands of
# facts, so here a pass is only counted. A failure prints as there, and the
# workload's output only for the first few failing containers.
shown_outputs=0
check() {
    local name=$1
    shift
    if "$@"; then
        e2e_passed=$((e2e_passed + 1))
        return 0
    fi
    e2e_failed=$((e2e_failed + 1))
    echo "FAIL [$E2E_RUNTIME] $name"
    if [[ -n ${out:-} && ${out_shown:-} != "$cid" && $shown_outputs -lt $SHOW_FAILED_OUTPUT ]]; then
        out_shown=$cid
        shown_outputs=$((shown_outputs + 1))
        echo "     output of $cid:"
        head -c 3000 <<< "${out:-}" | indent 7
    fi
    return 0
}

# ---- the workload -----------------------------------------------------------------
# /probe (functional_lib.sh) on /tmp and the excluded path, the home's stat
# in the probe's format, then the processes this container holds and every
# fd of theirs ("fd '/proc/1/fd/0' -> 'pipe:[...]'"). The globs are expanded
# by pid 1 itself while it has no child: any other pid listed is not the
# workload's, and one stat lists every fd (a readlink per fd would add the
# pipe of each command substitution to what it lists).
# shellcheck disable=SC2016 # expanded by the workload's shell
WORKLOAD='/probe /tmp '"$NM"'
echo "stat /agent-home $(stat -c "%F %a %u:%g" /agent-home 2>&1)"
set -- /proc/[0-9]*
echo "pids $*"
stat -c "fd %N" /proc/[0-9]*/fd/* 2>&1
echo load-ready
cat > /dev/null
echo load-done'

template=$(probe_bundle template --user 1000:1000 --hook "$HOOK" -- "$WORKLOAD")
hook_use_policy "$template" "$POLICY"
# The hook entry runs hook_timer, which runs the hook with the same args.
jq --arg t "$timer" --arg f "$HOOK_TIMES" \
    '.hooks.createRuntime[0] |= (.path = $t | .args = [$t, $f] + .args)' \
    "$template/config.json" > "$template/config.json.with"
jq 'del(.hooks)' "$template/config.json" > "$template/config.json.without"
rm -f "$template/config.json.made"

# bundle_listing DIR: every entry under DIR but the busybox applet links.
bundle_listing() {
    find "$1" -mindepth 1 \( -path "$1/rootfs/bin" -o -path "$1/rootfs/sbin" \) -prune -o \
        -printf '%P %y %m %u:%g\n' | sort
}
mkdir "$E2E_WORK/b" "$E2E_WORK/out"
bundles=()
for ((i = 1; i <= concurrency; i++)); do
    cp -a "$template" "$E2E_WORK/b/c$i"
    bundles+=("$E2E_WORK/b/c$i")
done
cp "$template/config.json.without" "$template/config.json"
BASE_LISTING=$(bundle_listing "$template")

# ---- one round ----------------------------------------------------------------------
# run_round VARIANT ROUND N: starts bundles 1..N at once; sets the arrays
# rcs (exit status of each), and t_start, t_ready, t_end (seconds), n_ready,
# peak.
run_round() {
    local variant=$1 round=$2 n=$3 i b gate g alive now
    local pids=()
    for ((i = 1; i <= n; i++)); do
        b=${bundles[i - 1]}
        cp "$b/config.json.$variant" "$b/config.json"
        rm -rf "$b/rootfs/agent-home" "$b/rootfs$NM"
        : > "$E2E_WORK/out/c$i"
    done
    gate=$E2E_WORK/gate
    rm -f "$gate"
    mkfifo -m 0644 "$gate"
    # Read-write, so opening it for reading never blocks; closed in every
    # container (only the script holds a writer: closing it is the signal).
    exec {g}<> "$gate"
    t_start=$EPOCHREALTIME
    for ((i = 1; i <= n; i++)); do
        b=${bundles[i - 1]}
        e2e_ids+=("oah-load-$$-r$round-c$i")
        (cd "$b" && e2e_runtime_cmd run -b "$b" "oah-load-$$-r$round-c$i") < "$gate" > "$E2E_WORK/out/c$i" 2>&1 {g}>&- &
        pids+=("$!")
        e2e_track_pid "$!"
    done
    # Wait until every container is ready or its runtime is gone.
    while :; do
        now=$EPOCHREALTIME
        n_ready=$( (grep -lx load-ready "$E2E_WORK"/out/c* 2> /dev/null || true) | wc -l)
        alive=0
        for i in "${pids[@]}"; do kill -0 "$i" 2> /dev/null && alive=$((alive + 1)); done
        if ((n_ready >= n)); then
            t_ready=$now
            break
        fi
        if ((alive == 0)) || awk -v a="$now" -v b="$t_start" -v w="$GATE_WAIT" 'BEGIN {exit !(a - b > w)}'; then
            t_ready=$now
            echo "round $round: $n_ready of $n containers ready, $alive runtime(s) running; opening the gate" >&2
            break
        fi
        sleep 0.05
    done
    # Every ready one is blocked at the gate: that many are running at once.
    peak=$n_ready
    exec {g}>&-
    rm -f "$gate"
    rcs=()
    for i in "${pids[@]}"; do
        if wait "$i"; then rcs+=(0); else rcs+=("$?"); fi
    done
    t_end=$EPOCHREALTIME
    e2e_ids=()
    e2e_pids=()
}

# ---- checks of one container (after its round) ------------------------------------------

# The processes and fds the workload saw, comparable across containers: its
# own output file is OUT, inode numbers (pipe:[123]) are dropped.
procs_and_fds() {
    awk '$1 == "pids" || $1 == "fd"' <<< "$out" | sed -e "s#$E2E_WORK/out/c[0-9]*#OUT#" -e 's/:\[[0-9]*\]/:[]/g'
}

# expect_same WHAT WANT GOT: GOT is WANT; else prints WHAT and the lines
# that differ.
expect_same() {
    [[ $3 == "$2" ]] && return 0
    echo "     $1 (- want, + got):"
    diff <(echo "$2") <(echo "$3") | sed -n 's/^</     -/p; s/^>/     +/p'
    return 1
}

expect_procs_and_fds_as_without_hook() {
    expect_same "processes and fds in the container, against a container's without the hook" "$FD_BASELINE" "$(procs_and_fds)"
}

expect_line() {  # expect_line LINE: the workload printed LINE
    grep -qx -- "$1" <<< "$out" && return 0
    echo "     no line '$1' in the output"
    return 1
}

expect_bundle_files() {  # expect_bundle_files BUNDLE VARIANT: nothing left but what was planned
    local got e
    got=$(bundle_listing "$1")
    if [[ $2 == with ]]; then
        for e in agent-home "${NM#/}"; do
            [[ -d $1/rootfs/$e && -z $(ls -A "$1/rootfs/$e") ]] || { echo "     host rootfs/$e: not there as an empty directory"; return 1; }
            got=$(grep -v "^rootfs/$e " <<< "$got")
        done
    fi
    expect_same "bundle $1, against a fresh one" "$BASE_LISTING" "$got"
}

check_container() {  # check_container VARIANT ROUND I
    local variant=$1 b=${bundles[$3 - 1]} label
    cid=r$2-c$3
    label="round $2 ($variant the hook) c$3"
    out=$(cat "$E2E_WORK/out/c$3")
    rc=${rcs[$3 - 1]}
    if [[ $variant == with ]]; then
        contract_checks "$label"
        check "$label: config.json records the /tmp tmpfs" expect_spec_options "$b" /tmp "[$OPTS,\"size=512m\"]"
    else
        check "$label: the container runs" expect_rc 0
        check "$label: /tmp is no tmpfs" expect_no_tmpfs_at /tmp
    fi
    check "$label: the workload ran to its end, after the gate" expect_line load-done
    check "$label: only pid 1, with the fds of a container without the hook" expect_procs_and_fds_as_without_hook
    check "$label: the bundle holds nothing unplanned" expect_bundle_files "$b" "$variant"
}

# check_round VARIANT ROUND N: check_container for containers 1..N, split
# among one worker per CPU (each takes every W-th container: tens of awk
# and jq runs per container add up), their counts added to ours and their
# messages printed in worker order.
# shellcheck disable=SC2030,SC2031 # each worker counts in its subshell on purpose
check_round() {
    local w workers i passed failed
    workers=$(nproc)
    for ((w = 0; w < workers; w++)); do
        (
            e2e_passed=0 e2e_failed=0
            for ((i = w + 1; i <= $3; i += workers)); do check_container "$1" "$2" "$i"; done
            echo "$e2e_passed $e2e_failed" > "$E2E_WORK/counts.$w"
        ) > "$E2E_WORK/checks.$w" 2>&1 &
    done
    wait
    for ((w = 0; w < workers; w++)); do
        cat "$E2E_WORK/checks.$w"
        rm -f "$E2E_WORK/checks.$w"
        if ! read -r passed failed < "$E2E_WORK/counts.$w" 2> /dev/null; then
            echo "FAIL [$E2E_RUNTIME] round $2: check worker $w ended without its counts"
            passed=0 failed=1
        fi
        rm -f "$E2E_WORK/counts.$w"
        e2e_passed=$((e2e_passed + passed))
        e2e_failed=$((e2e_failed + failed))
    done
}

# ---- the run --------------------------------------------------------------------------------
HOST_MOUNTS=$(host_mounts)
# host_paths: entries of /run, runc's and crun's state, /tmp and /var/tmp
# (but our work dir).
host_paths() {
    find /run /tmp /var/tmp -mindepth 1 -maxdepth 1 -not -path "$E2E_WORK" 2> /dev/null
    find /run/runc /run/crun -mindepth 1 -maxdepth 1 2> /dev/null
}
HOST_PATHS=$(host_paths | sort)
expect_host_mounts_unchanged() { expect_same "host mounts, against before the run" "$HOST_MOUNTS" "$(host_mounts)"; }

echo "load: $E2E_RUNTIME, $concurrency containers at once, rounds for ${duration} s$( ((max_rounds)) && echo " (at most $max_rounds)"), hook $HOOK"
echo "host: $(nproc) CPU(s), $(free -m | awk '/^Mem:/ {print $2}') MiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# A first container without any hook: a warm-up, and the processes and
# fds every container must show.
run_round without 0 1
out=$(cat "$E2E_WORK/out/c1")
FD_BASELINE=$(procs_and_fds)
if [[ ${rcs[0]} != 0 ]] || ! grep -qx load-done <<< "$out" || [[ $FD_BASELINE != *"pids /proc/1"* ]]; then
    echo "FAIL [$E2E_RUNTIME] the warm-up container without the hook did not run (exit ${rcs[0]}):"
    indent 5 <<< "$out"
    exit 1
fi
echo "processes and fds of a container without the hook:"
indent 4 <<< "$FD_BASELINE"

declare -A started rate_ready rate_round
started=([with]=0 [without]=0)
failed_starts=0 peak_max=0 round=0 t0=$SECONDS
while :; do
    for variant in with without; do
        round=$((round + 1))
        run_round "$variant" "$round" "$concurrency"
        t_checks=$EPOCHREALTIME
        for ((i = 1; i <= concurrency; i++)); do
            [[ ${rcs[i - 1]} == 0 ]] || failed_starts=$((failed_starts + 1))
        done
        check_round "$variant" "$round" "$concurrency"
        check "round $round: the host's mounts are as before the run" expect_host_mounts_unchanged
        started[$variant]=$((started[$variant] + n_ready))
        ((peak > peak_max)) && peak_max=$peak
        rate_ready[$variant]+="$(awk -v n="$n_ready" -v a="$t_start" -v b="$t_ready" 'BEGIN {printf "%.2f", n / (b - a)}') "
        rate_round[$variant]+="$(awk -v n="$concurrency" -v a="$t_start" -v b="$t_end" 'BEGIN {printf "%.2f", n / (b - a)}') "
        awk -v r="$round" -v v="$variant" -v n="$n_ready" -v a="$t_start" -v b="$t_ready" -v c="$t_end" \
            -v d="$t_checks" -v e="$EPOCHREALTIME" -v p="$e2e_passed" -v f="$e2e_failed" 'BEGIN {
            printf "round %d (%s the hook): %d ready in %.2f s, all exited in %.2f s, checked in %.1f s; checks so far: %d passed, %d failed\n",
                r, v, n, b - a, c - a, e - d, p, f }'
    done
    ((max_rounds && round >= max_rounds)) && break
    ((SECONDS - t0 >= duration)) && break
done
elapsed=$((SECONDS - t0))

# ---- after the run: nothing left on the host ---------------------------------------------
expect_no_process_of() {  # expect_no_process_of PATH...: no process runs any PATH
    local p exe left=""
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2> /dev/null) || continue
        for want in "$@"; do [[ $exe == "$want" ]] && left+=" ${p#/proc/} ($exe)"; done
    done
    [[ -z $left ]] && return 0
    echo "     still running:$left"
    return 1
}
expect_no_container_of_ours() {
    local left
    left=$(e2e_runtime_cmd list -q 2> /dev/null | grep "^oah-load-$$-" || true)
    [[ -z $left ]] && return 0
    echo "     containers left: $left"
    return 1
}
# Other programs (compilers, other tests) come and go in /tmp and /var/tmp
# while this runs: there a new entry counts only when its name is one of
# ours (the hook's, hook_timer's, a container of ours, a config.json temp
# file) and is not another test script's work dir (mktemp's NAME.XXXXXX,
# such as oci-agent-hook-e2e.AbC123); in /run and the runtimes' state, any
# new entry counts.
OUR_NAMES='oci-agent|agent-hook|hook_timer|oah-load-|config\.json'
OTHER_TESTS='^/(var/)?tmp/[a-z-]+\.[A-Za-z0-9]{6}$'
expect_no_new_host_paths() {
    local new ours others
    new=$(comm -13 <(echo "$HOST_PATHS") <(host_paths | sort))
    ours=$({ grep -E '^/run/' <<< "$new"; grep -E "$OUR_NAMES" <<< "$new" | grep -vE "^/run/|$OTHER_TESTS"; } || true)
    others=$(grep -vxF -f <(echo "$ours") <<< "$new" || true)
    [[ -z $others ]] || echo "note: new in /tmp or /var/tmp, not ours by name (left to their owners): $(tr '\n' ' ' <<< "$others")" >&2
    [[ -z $ours ]] && return 0
    echo "     new on the host since the start:"
    indent 7 <<< "$ours"
    return 1
}
cid=end out=""
check "end: no process of the hook or of hook_timer is left" expect_no_process_of "$HOOK" "$timer"
check "end: no container of this run is left" expect_no_container_of_ours
check "end: nothing new in /run or runc's and crun's state, nothing of ours in /tmp or /var/tmp" expect_no_new_host_paths
check "end: the host's mounts are as before the run" expect_host_mounts_unchanged
hook_runs=$(grep -c . "$HOOK_TIMES" 2> /dev/null || true)
check "end: the hook ran once per container started with it (${started[with]})" [ "${hook_runs:-0}" -eq "${started[with]}" ]
check "end: every hook run exited 0" [ "$(awk '$2 != 0' "$HOOK_TIMES" 2> /dev/null | grep -c . || true)" -eq 0 ]

# ---- figures ------------------------------------------------------------------------------
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# pct Q: nearest-rank percentile Q (0-100] of the numbers on stdin.
pct() { sort -g | awk -v q="$1" '{v[NR] = $1} END {if (NR) {k = int(NR * q / 100); if (k < NR * q / 100) k++; if (k < 1) k = 1; print v[k]}}'; }
ms() { awk '{printf "%.1f", $1 / 1e6}'; }

echo
echo "== load: $E2E_RUNTIME, $concurrency at once, $round rounds in $elapsed s (checks included)"
echo "containers started: ${started[with]} with the hook, ${started[without]} without; failed starts: $failed_starts; peak concurrency: $peak_max"
for variant in with without; do
    printf 'containers per second %-16s ready: median %s (rounds: %s); whole round: median %s\n' \
        "$variant the hook:" "$(median <<< "${rate_ready[$variant]}")" "${rate_ready[$variant]% }" "$(median <<< "${rate_round[$variant]}")"
done
if [[ ${hook_runs:-0} -gt 0 ]]; then
    times=$(awk '{print $1}' "$HOOK_TIMES")
    printf 'hook latency (%d runs, hook_timer fork to wait): p50 %s ms, p90 %s ms, p99 %s ms, max %s ms\n' "$hook_runs" \
        "$(pct 50 <<< "$times" | ms)" "$(pct 90 <<< "$times" | ms)" "$(pct 99 <<< "$times" | ms)" "$(pct 100 <<< "$times" | ms)"
fi
e2e_summary
