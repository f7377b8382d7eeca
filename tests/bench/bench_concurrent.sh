#!/usr/bin/env bash
# Benchmark of container starts in bursts: C containers started at once
# (C = 8 and 32), each `<runtime> run` of `true` in a bundle of its own
# (scripts/make-bundle.sh), with oci-agent-hook registered at
# createRuntime, with a no-op hook (dd of=/dev/null at createRuntime: it
# reads the state on its stdin and nothing else), with no hook, and with
# tests/bench/contract_floor.c ("floor": the least kernel work the
# contract takes, without any of the hook's checks; built here, static-pie
# like the hook); on runc and on crun (through scripts/crun-hybrid, as the
# e2e tests run it). One untimed warm-up round, then ROUNDS timed rounds; in a round
# every runtime and burst size runs each variant once, the variants' order
# rotated by one each round, so all are measured side by side under the
# same load. Prints, per runtime, burst size and variant, the median and
# the 99th percentile (nearest rank) of the start latency, the median CPU
# per start, and the ratios hook/no-op, hook/no hook, floor/no-op (what
# the contract itself costs) and hook/floor (what the hook adds to it).
# Never fails on timing.
#
# Usage: tests/bench/bench_concurrent.sh [BUILD_DIR] [ROUNDS]
#   BUILD_DIR   holds oci-agent-hook (default: build-bench if built, else build)
#   ROUNDS      timed rounds (default 6: 48 starts per variant at C=8 and
#               192 at C=32, on each runtime; 2,240 starts with the warm-up,
#               about 1 to 2 minutes on 2 quiet cores)
# Environment: BENCH_RUNTIMES (default "runc crun"; a missing crun is left
#              out with a note), BENCH_BURSTS (default "8 32"),
#              BENCH_BASE_HOOK (another oci-agent-hook binary, an earlier
#              build say: a fourth variant "base", interleaved like the
#              others, and a hook/base ratio, for a before and after
#              measured under the same load).
# Needs root, runc, jq, busybox-static (for make-bundle.sh); crun for the
# crun rows. Other container tests change the figures and the e2e tests'
# host mount checks see these containers: run it under
# `flock /work/container-tests.lock` where others run containers.
#
# Every start is a first start: before each burst (not timed) every bundle
# gets its original config.json back and its rootfs loses /agent-home, so
# the hook mounts, creates, chowns and rewrites each time. A start's
# latency runs from fork to wait4 of `<runtime> run` (tests/bench/timeit.c);
# its CPU is user+system time of the runtime and everything it waited for
# (the runtime's init, the hook). A start that fails, or a hook that did not
# record the /tmp tmpfs in config.json, stops the benchmark: its figures
# would mean nothing.
set -euo pipefail

# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_container_args 6 ROUNDS "$@"
ROUNDS=$BENCH_COUNT

read -r -a BURSTS <<< "${BENCH_BURSTS:-8 32}"
MAXC=0
for c in "${BURSTS[@]}"; do
    [[ $c =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_BURSTS: '$c' is not a positive number"
    ((c > MAXC)) && MAXC=$c
done
# The command each runtime is run through, and what to call it.
declare -A RT_CMD RT_NAME
RUNTIMES=()
for rt in ${BENCH_RUNTIMES:-runc crun}; do
    case $rt in
        runc) RT_CMD[runc]=$(command -v runc) RT_NAME[runc]="runc" ;;
        crun)
            if ! command -v crun > /dev/null; then
                echo "note: crun not installed; the crun rows are left out" >&2
                continue
            fi
            RT_CMD[crun]=$BENCH_ROOT/scripts/crun-hybrid RT_NAME[crun]="crun (scripts/crun-hybrid)"
            ;;
        *) bench_die "BENCH_RUNTIMES: unknown runtime '$rt' (runc, crun)" ;;
    esac
    RUNTIMES+=("$rt")
done
((${#RUNTIMES[@]} > 0)) || bench_die "no runtime to measure"

RT_CMDS=()
for rt in "${RUNTIMES[@]}"; do RT_CMDS+=("${RT_CMD[$rt]}"); done
# Containers, work dir and mounts of earlier runs that died are removed;
# this run's are removed at exit, after its starts in flight end (lib.sh).
bench_containers_init oah-bench-concurrent "${RT_CMDS[@]}"
bench_build_timeit "$WORK"
# The shipped example policy, so that neither /etc nor the environment
# changes what is measured; its records go to a tmpfs of this run's, as the
# default state_dir /run/oci-agent-hook is on a tmpfs where systemd runs
# (not the host's state dir; unmounted at exit with the rest of $WORK).
POLICY=$WORK/policy.json
mkdir -m 0700 "$WORK/state"
mount -t tmpfs -o size=16m,mode=0700 oah-bench-state "$WORK/state" || bench_die "cannot mount the records' tmpfs"
jq --arg d "$WORK/state" '.state_dir = $d' "$BENCH_ROOT/config.json.example" > "$POLICY"
unset OCI_AGENT_HOOK_CONFIG AGENT_TMP_SIZE

# ---- bundles: MAXC per variant, each with its own rootfs --------------------------
# A variant's bundles share one config.json.orig (root.path is relative).
VARIANTS=(hook noop none floor)
BASE_HOOK=${BENCH_BASE_HOOK:-}
if [[ -n $BASE_HOOK ]]; then
    [[ -x $BASE_HOOK ]] || bench_die "BENCH_BASE_HOOK: '$BASE_HOOK' is not an executable"
    VARIANTS+=(base)
fi
make_variant() {  # make_variant VARIANT [make-bundle options]
    local v=$1 i
    shift
    "$BENCH_ROOT/scripts/make-bundle.sh" "$WORK/$v/0" "$@" -- true > /dev/null || bench_die "make-bundle.sh failed"
    rmdir "$WORK/$v/0/rootfs/agent-home" 2> /dev/null || true
    mv -- "$WORK/$v/0/config.json" "$WORK/$v/config.json.orig"
    for ((i = 1; i < MAXC; i++)); do cp -a -- "$WORK/$v/0" "$WORK/$v/$i"; done
}
edit_variant() {  # edit_variant VARIANT JQ_ARG...: jq over the variant's config.json.orig, in place
    local v=$1
    shift
    jq "$@" "$WORK/$v/config.json.orig" > "$WORK/$v/c.json" || bench_die "jq failed on the '$v' config"
    mv -- "$WORK/$v/c.json" "$WORK/$v/config.json.orig"
}
hook_variant() {  # hook_variant VARIANT BINARY: the fixed policy, passed on the hook's command line
    make_variant "$1" --hook "$2"
    # shellcheck disable=SC2016 # $p is jq's
    edit_variant "$1" --arg p "$POLICY" '.hooks.createRuntime[0].args += ["--config", $p]'
}
hook_variant hook "$HOOK"
[[ -z $BASE_HOOK ]] || hook_variant base "$BASE_HOOK"
# The no-op reads the state on its stdin to the end, as every hook must:
# crun fails a start whose hook exits without reading it (EPIPE), so
# /bin/true, enough for runc, is no floor on crun.
make_variant noop --hook /bin/dd
edit_variant noop '.hooks.createRuntime[0].args = ["dd", "of=/dev/null", "status=none"]'
make_variant none
FLOOR=$WORK/contract_floor
bench_cc "$FLOOR" contract_floor.c -static-pie -fPIE
make_variant floor --hook "$FLOOR"
# shellcheck disable=SC2016 # $f is jq's
edit_variant floor --arg f "$FLOOR" '.hooks.createRuntime[0].args = [$f]'

# ---- bursts -------------------------------------------------------------------------
declare -A WALL CPU
burst_no=0
# burst RUNTIME VARIANT C RECORD: C starts at once; RECORD=1 keeps the figures.
burst() {
    local rt=$1 v=$2 c=$3 i dir us cpu st bad
    burst_no=$((burst_no + 1))
    for ((i = 0; i < c; i++)); do
        dir=$WORK/$v/$i
        cp -- "$WORK/$v/config.json.orig" "$dir/config.json"
        rmdir "$dir/rootfs/agent-home" 2> /dev/null || true
    done
    BENCH_PIDS=()
    for ((i = 0; i < c; i++)); do
        dir=$WORK/$v/$i
        (cd "$dir" && exec "$TIMEIT" -t 120 -o "$dir/run.log" -- "${RT_CMD[$rt]}" run -b "$dir" \
            "$BENCH_PREFIX-$$-$rt-$v-$burst_no-$i") > "$dir/time" &
        BENCH_PIDS+=("$!")
    done
    for i in "${BENCH_PIDS[@]}"; do wait "$i" || true; done
    BENCH_PIDS=()
    # `run` deletes its container when it exits; one that failed may stay.
    bench_delete_containers "${RT_CMD[$rt]}" bench_pid_mine
    for ((i = 0; i < c; i++)); do
        dir=$WORK/$v/$i
        read -r us cpu _ st < "$dir/time" || st=missing
        if [[ $st != 0 ]]; then
            echo "$rt run failed for a '$v' bundle in a burst of $c (exit $st):" >&2
            head -c 3000 "$dir/run.log" >&2
            exit 1
        fi
        if [[ $4 == 1 ]]; then
            WALL[$rt/$c/$v]+="$us "
            CPU[$rt/$c/$v]+="$cpu "
        fi
    done
    if [[ $v == hook || $v == base || $v == floor ]]; then
        bad=$(for ((i = 0; i < c; i++)); do echo "$WORK/$v/$i/config.json"; done |
            xargs jq -r 'select(.mounts | any(.destination == "/tmp" and .type == "tmpfs") | not) | input_filename')
        [[ -z $bad ]] || bench_die "the hook did not record the /tmp tmpfs in: $bad"
    fi
}

bench_machine
for rt in "${RUNTIMES[@]}"; do
    echo "${RT_NAME[$rt]}: $("${RT_CMD[$rt]}" --version | head -n 1)"
done
[[ -z $BASE_HOOK ]] || echo "base: $BASE_HOOK (built $(date -r "$BASE_HOOK" '+%F %T'))"
echo "bundles in $WORK ($(stat -f -c %T "$WORK")); bursts of ${BURSTS[*]}; $ROUNDS rounds after 1 warm-up round"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$SECONDS
for ((round = -1; round < ROUNDS; round++)); do
    for rt in "${RUNTIMES[@]}"; do
        for c in "${BURSTS[@]}"; do
            # hook,noop,none / noop,none,hook / none,hook,noop / ...
            for ((j = 0; j < ${#VARIANTS[@]}; j++)); do
                burst "$rt" "${VARIANTS[$(((j + round + 1) % ${#VARIANTS[@]}))]}" "$c" $((round >= 0))
            done
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - t0)) s"
echo

# ---- report ---------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t) ? "met" : "MISSED"}'; }
declare -A MED P99
printf '%-28s %6s %-8s %7s %10s %10s %8s\n' runtime burst variant starts "median ms" "p99 ms" "cpu ms"
for rt in "${RUNTIMES[@]}"; do
    for c in "${BURSTS[@]}"; do
        for v in "${VARIANTS[@]}"; do
            list=${WALL[$rt/$c/$v]}
            MED[$v]=$(bench_nums "$list" | stat_median)
            P99[$v]=$(bench_nums "$list" | stat_pct 99)
            printf '%-28s %6s %-8s %7s %10s %10s %8s\n' "${RT_NAME[$rt]}" "$c" "$v" "$(bench_nums "$list" | grep -c .)" \
                "$(us_to_ms "${MED[$v]}")" "$(us_to_ms "${P99[$v]}")" "$(us_to_ms "$(bench_nums "${CPU[$rt/$c/$v]}" | stat_median)")"
        done
        rm_=$(ratio "${MED[hook]}" "${MED[noop]}") rp=$(ratio "${P99[hook]}" "${P99[noop]}")
        printf '%-28s %6s hook/noop median %s, p99 %s (target 1.03: %s, 1.10: %s); hook/none median %s, p99 %s\n' \
            "" "$c" "$rm_" "$rp" "$(verdict "$rm_" 1.03)" "$(verdict "$rp" 1.10)" \
            "$(ratio "${MED[hook]}" "${MED[none]}")" "$(ratio "${P99[hook]}" "${P99[none]}")"
        printf '%-28s %6s floor/noop median %s, p99 %s; hook/floor median %s, p99 %s\n' "" "$c" \
            "$(ratio "${MED[floor]}" "${MED[noop]}")" "$(ratio "${P99[floor]}" "${P99[noop]}")" \
            "$(ratio "${MED[hook]}" "${MED[floor]}")" "$(ratio "${P99[hook]}" "${P99[floor]}")"
        [[ -z $BASE_HOOK ]] || printf '%-28s %6s hook/base median %s, p99 %s; base/noop median %s, p99 %s\n' "" "$c" \
            "$(ratio "${MED[hook]}" "${MED[base]}")" "$(ratio "${P99[hook]}" "${P99[base]}")" \
            "$(ratio "${MED[base]}" "${MED[noop]}")" "$(ratio "${P99[base]}" "${P99[noop]}")"
    done
done
exit 0
