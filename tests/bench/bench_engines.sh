#!/usr/bin/env bash
# Benchmark of what the hook adds to a container start on each engine, each
# against a no-op of the same shape (the floor of any wrapper or hooks.d
# entry) and against nothing, all through the engine's own client:
#
#   containerd   `ctr run --rm IMAGE ID true`
#       hook     --runc-binary oci-agent-runtime (rewrites the spec, registers
#                the hook at createRuntime: hook mode runs too)
#       no-op    --runc-binary a shell script: exec /usr/sbin/runc "$@"
#       nothing  runc directly (no --runc-binary)
#   Docker       `docker run --rm --pull never --network none --runtime R IMAGE true`
#       hook     --runtime agent (oci-agent-runtime)
#       no-op    --runtime noop (the same exec-only script)
#       nothing  --runtime runc
#   podman       `podman --hooks-dir D run --rm --pull never --network none IMAGE true`
#       hook     hooks.d: oci-agent-hook precreate + oci-agent-hook createRuntime
#                (the repository's scripts/hooks.d/*.json, "when":
#                {"always": true}, with the path of the built binary)
#       no-op    hooks.d: /bin/cat at precreate (stdin to stdout), /bin/true
#                at createRuntime
#       nothing  an empty hooks dir
#
# Per engine the three variants are interleaved in one run (the order
# rotating each round), N timed runs each after two untimed warm-up rounds
# (tests/bench/lib.sh, as bench_start.sh). The policy is the default one
# ({}: /tmp a 512m noexec tmpfs, /agent-home 1000:1000 0755), and the image
# has no /agent-home, so every start mounts /tmp and creates the home. Times
# are wall times of the client command, fork to wait4 (tests/bench/timeit.c):
# the runtime and the hooks run under the daemon, the shim or conmon, not
# under the client, so no cpu figure is given. One untimed start of each
# variant before the runs and after them runs /probe in the container: the
# hook variant must show /tmp as a noexec tmpfs of mode 1777 and
# /agent-home 755 1000:1000, the others neither, or the engine's section
# fails. Besides the median and mean differences, each section prints the
# standard error of the hook - no-op median difference (from the two
# standard deviations): on a busy machine a start varies by tens of ms, so
# a difference, or a verdict, within about that is noise. Prints figures;
# never fails on timing.
#
# Usage: tests/bench/bench_engines.sh [BUILD_DIR] [N]
#   BUILD_DIR   holds oci-agent-hook and oci-agent-runtime (default:
#               build-bench if built, else build)
#   N           timed runs per variant (default 20; under 2 minutes in all here)
# Environment: BENCH_ENGINES="containerd docker podman" (the default) picks
# the engines, in that order.
# Needs root, runc, jq, busybox-static; per engine: containerd, ctr,
# containerd-shim-runc-v2, umoci (containerd); dockerd, docker (Docker, which
# also needs containerd); podman, conmon and crun (podman: the engine test's
# setup, podman_lib.sh, asks for crun too). An engine whose tools are
# missing is skipped with the reason.
#
# Each engine runs in a subshell with its own private directory under
# /var/tmp, set up by the engine tests' helpers (tests/engines/
# containerd_lib.sh, docker_lib.sh, podman_lib.sh: private daemons, storage,
# images); its daemons are stopped by pid and its directory removed when it
# ends, however it ends. Exit status: 0 when every engine ran or was
# skipped, 1 when one could not run or the hook did not do its job, 130
# when interrupted.
set -uo pipefail   # no -e: the engine helpers check each status themselves

# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
[[ $# -le 2 ]] || bench_die "usage: ${0##*/} [BUILD_DIR] [N]"
bench_find_hook "${1:-}"
N=${2:-20}
[[ $N =~ ^[1-9][0-9]*$ ]] || bench_die "N must be a positive number, got '$N'"
[[ $(id -u) == 0 ]] || bench_die "needs root (it starts real containers and daemons)"
[[ -x $BUILD_DIR/oci-agent-runtime ]] || bench_die "$BUILD_DIR/oci-agent-runtime not built (cmake --build $BUILD_DIR)"
for tool in runc jq; do command -v "$tool" > /dev/null || bench_die "$tool not installed (scripts/install-deps.sh)"; done
[[ -x /usr/sbin/runc ]] || bench_die "/usr/sbin/runc missing: the no-op wrapper and oci-agent-runtime's default runtime.path"
unset OCI_AGENT_HOOK_CONFIG OCI_AGENT_RUNTIME AGENT_TMP_SIZE

# The engine tests' helpers (they need E2E_ROOT, check, install_probe...).
# shellcheck source=tests/e2e/lib.sh
source "$BENCH_ROOT/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$BENCH_ROOT/tests/e2e/functional_lib.sh"
# shellcheck source=tests/engines/containerd_lib.sh
source "$BENCH_ROOT/tests/engines/containerd_lib.sh"
# shellcheck source=tests/engines/docker_lib.sh
source "$BENCH_ROOT/tests/engines/docker_lib.sh"
# shellcheck source=tests/engines/podman_lib.sh
source "$BENCH_ROOT/tests/engines/podman_lib.sh"

BENCH_LABEL_WIDTH=47
VARIANTS=(hook noop plain)
TARGET_PCT=5
declare -A WALL=() LABEL=()

# ---- shared by the engine sections (each runs in its own subshell) ------------

# noop_runtime FILE: the exec-only wrapper, the floor of any runc wrapper.
noop_runtime() {
    printf '#!/bin/sh\nexec /usr/sbin/runc "$@"\n' > "$1" && chmod 0755 "$1"
}

# section_fail MESSAGE: prints it and ends the section (its exit trap cleans up).
section_fail() {
    echo "FAILED: $*"
    exit 1
}

# engine_verify WHEN: one untimed start of each variant running /probe.
# Where the hook runs, /tmp must be a noexec tmpfs of mode 1777 and
# /agent-home 755 1000:1000 (the 1777 mode is hook mode's work: runc 1.1.5
# ignores mode= in the spec); elsewhere neither may be there. Ends the
# section otherwise: the timings would mean nothing.
engine_verify() {
    local v out st ok
    for v in "${VARIANTS[@]}"; do
        "$ENGINE_CMD" "$v" /probe /tmp /agent-home
        out=$(timeout 120 "${CMD[@]}" < /dev/null 2>&1)
        st=$?
        [[ $st == 0 ]] || section_fail "$1, ${LABEL[$v]}: exit $st: $(head -c 2000 <<< "$out")"
        if [[ $v == hook ]]; then
            grep -qx 'fstype /tmp tmpfs' <<< "$out" && grep -qx 'stat /tmp directory 1777 0:0' <<< "$out" &&
                grep -qx 'stat /agent-home directory 755 1000:1000' <<< "$out" &&
                awk '$1 == "mount" && $2 == "/tmp"' <<< "$out" | tail -n 1 | grep -qw noexec
        else
            ! grep -qx 'fstype /tmp tmpfs' <<< "$out" && ! grep -q '^stat /agent-home directory' <<< "$out"
        fi
        ok=$?
        ((ok == 0)) || section_fail "$1, ${LABEL[$v]}: not what this variant gives: $(head -c 2000 <<< "$out")"
    done
    echo "checked $1: hook: /tmp noexec tmpfs 1777 and /agent-home 755 1000:1000; no-op, nothing: neither"
}

# engine_run VARIANT RECORD: one timed start of `true` (bench_interleave's RUN).
engine_run() {
    local v=$1 us st
    "$ENGINE_CMD" "$v" true
    read -r us _ _ st < <("$TIMEIT" -t 120 -o "$E2E_WORK/run.log" -- "${CMD[@]}")
    [[ ${st:-} == 0 ]] || section_fail "${CMD[*]}: exit ${st:-?}: $(head -c 2000 "$E2E_WORK/run.log")"
    if (($2)); then WALL[$v]+="$us "; fi
}

# engine_measure: the checks, the interleaved runs, the table and the verdict.
engine_measure() {
    local v t0=$SECONDS
    engine_verify "before the runs"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    bench_interleave "$N" engine_run "${VARIANTS[@]}"
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    engine_verify "after the runs"
    echo
    bench_table_header
    for v in "${VARIANTS[@]}"; do
        bench_table_row "${LABEL[$v]}" "${WALL[$v]}"
    done
    echo
    echo "hook vs no-op:    $(bench_vs "${WALL[hook]}" "${WALL[noop]}")"
    echo "hook vs nothing:  $(bench_vs "${WALL[hook]}" "${WALL[plain]}")"
    echo "no-op vs nothing: $(bench_vs "${WALL[noop]}" "${WALL[plain]}")"
    echo "noise: the hook - no-op median difference has a standard error of about $(bench_se_diff "${WALL[hook]}" "${WALL[noop]}") ms at N=$N"
    echo "target: the hook's own work adds under ${TARGET_PCT}% over the no-op variant (by median): $(bench_target "${WALL[hook]}" "${WALL[noop]}" "$TARGET_PCT")"
    echo "($((3 * (N + 2) + 6)) starts in $((SECONDS - t0)) s)"
}

# ---- containerd: ctr ------------------------------------------------------------
cmd_ctr() {  # cmd_ctr VARIANT COMMAND...: sets CMD
    local v=$1 opts=()
    shift
    case $v in
        hook) opts=(--runc-binary "$WRAPPER") ;;
        noop) opts=(--runc-binary "$NOOP") ;;
    esac
    e2e_seq=$((e2e_seq + 1))
    CMD=(ctr -a "$CTRD_SOCK" -n "$NS" run --rm --fifo-dir "$E2E_WORK/fifo" --runc-root "$CTRD_RUNC_ROOT"
        "${opts[@]}" "$CTRD_IMAGE" "oah-bench-$$-$e2e_seq" "$@")
}

section_containerd() {
    local t0=$SECONDS
    echo "== containerd: ctr run --rm of \`true\`, $N runs per variant, interleaved"
    ctrd_init ctr "$HOOK"       # private work dir and exit trap; skips (77) without the tools
    echo '{}' > "$POLICY"
    NS=oah-bench
    NOOP=$E2E_WORK/noop-runtime
    noop_runtime "$NOOP" || section_fail "cannot write $NOOP"
    ctrd_start || section_fail "the private containerd did not start"
    ctrd_image "$NS" || section_fail "cannot build or import the busybox image (umoci)"
    echo "$(containerd --version), $(runc --version | head -n 1); private daemon and image in $E2E_WORK; set up in $((SECONDS - t0)) s"
    LABEL=([hook]="--runc-binary oci-agent-runtime" [noop]="--runc-binary no-op (sh: exec runc)"
        [plain]="runc directly")
    ENGINE_CMD=cmd_ctr
    engine_measure
}

# ---- Docker ---------------------------------------------------------------------
cmd_docker() {  # cmd_docker VARIANT COMMAND...: sets CMD
    local v=$1 rt
    shift
    case $v in hook) rt=agent ;; noop) rt=noop ;; plain) rt=runc ;; esac
    CMD=("$DOCKER_CLI" run --rm --pull never --network none --runtime "$rt" "$DOCKER_IMAGE" "$@")
}

section_docker() {
    local t0=$SECONDS i
    echo "== Docker: docker run --rm --network none of \`true\`, $N runs per variant, interleaved"
    docker_init "$HOOK"         # private work dir and exit trap; skips (77) without the tools
    echo '{}' > "$POLICY"
    NOOP=$E2E_WORK/noop-runtime
    noop_runtime "$NOOP" || section_fail "cannot write $NOOP"
    docker_start || section_fail "the private containerd and dockerd did not start"
    # The "noop" runtime beside "agent" (docker_start writes daemon.json
    # without it): reload by SIGHUP, then wait until dockerd lists it.
    docker_reload ".runtimes.noop = {\"path\": \"$NOOP\"}" || section_fail "dockerd did not reload"
    for i in $(seq 1 100); do
        dk info -f '{{json .Runtimes}}' 2> /dev/null | jq -e 'has("noop")' > /dev/null && break
        ((i < 100)) || section_fail "dockerd does not list the noop runtime after a reload"
        sleep 0.1
    done
    docker_image || section_fail "cannot import the busybox image"
    echo "dockerd $(dk version -f '{{.Server.Version}}'), $(containerd --version | awk '{print $1, $3}'), $(runc --version | head -n 1); private daemons and image in $E2E_WORK; set up in $((SECONDS - t0)) s"
    LABEL=([hook]="--runtime agent (oci-agent-runtime)" [noop]="--runtime noop (sh: exec runc)"
        [plain]="--runtime runc")
    ENGINE_CMD=cmd_docker
    engine_measure
}

# ---- podman: hooks.d ------------------------------------------------------------
cmd_podman() {  # cmd_podman VARIANT COMMAND...: sets CMD
    local v=$1
    shift
    CMD=(podman --hooks-dir "$PODMAN_DIR/hooks-$v" run --rm --pull never --network none "$PODMAN_IMAGE" "$@")
}

# podman_entry FILE STAGE PATH ARG0...: a hooks.d entry (1.0.0 schema) that
# always runs PATH at STAGE.
podman_entry() {
    local file=$1 stage=$2 path=$3
    shift 3
    jq -n --arg stage "$stage" --arg path "$path" '{
        version: "1.0.0",
        hook: {path: $path, args: $ARGS.positional, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        when: {always: true},
        stages: [$stage]}' --args "$@" > "$file"
}

section_podman() {
    local t0=$SECONDS
    echo "== podman: podman run --rm --network none of \`true\`, $N runs per variant, interleaved"
    # The private podman of the engine test (podman_lib.sh: storage, run
    # root, temporary files, locks, events, CNI config in its work dir; the
    # image with /probe; exit trap). It skips (77) without podman, conmon,
    # runc or crun (the test uses both; this benchmark runs runc only).
    podman_init "$HOOK"
    POLICY=$E2E_WORK/policy.json
    echo '{}' > "$POLICY"
    # hook: the shipped scripts/hooks.d entries, path rewritten to the built
    # binary, the policy in their env; no-op: /bin/cat and /bin/true at the
    # same stages; nothing: an empty hooks dir.
    hooks_dir hooks-hook "$POLICY" "$POLICY" > /dev/null || section_fail "cannot write the hooks.d entries"
    mkdir -p "$PODMAN_DIR/hooks-noop" "$PODMAN_DIR/hooks-plain"
    podman_entry "$PODMAN_DIR/hooks-noop/noop-precreate.json" precreate /bin/cat cat &&
        podman_entry "$PODMAN_DIR/hooks-noop/noop-createruntime.json" createRuntime /bin/true true ||
        section_fail "cannot write the no-op hooks.d entries"
    echo "$(podman --version), $(runc --version | head -n 1); hooks.d entries: scripts/hooks.d/$(cd "$PODMAN_DIR/hooks-hook" && echo *.json | sed 's/ /, /g'); private storage and image in $E2E_WORK; set up in $((SECONDS - t0)) s"
    LABEL=([hook]="hooks.d: oci-agent-hook precreate+createRuntime" [noop]="hooks.d: /bin/cat + /bin/true"
        [plain]="no hooks (an empty hooks dir)")
    ENGINE_CMD=cmd_podman
    engine_measure
}

# ---- main -------------------------------------------------------------------------
TIMEIT_DIR=$(mktemp -d /var/tmp/oah-bench-engines.XXXXXX) || bench_die "cannot make a work dir"
trap 'rm -rf -- "$TIMEIT_DIR"' EXIT
trap 'exit 130' INT TERM
bench_build_timeit "$TIMEIT_DIR"
export TIMEIT

for engine in ${BENCH_ENGINES:-containerd docker podman}; do
    case $engine in containerd | docker | podman) ;; *) bench_die "BENCH_ENGINES: unknown engine '$engine' (containerd, docker, podman)" ;; esac
done
bench_machine
echo "policy: {} (the defaults: /tmp a 512m noexec tmpfs, /agent-home 1000:1000 0755); $N timed runs per variant after 2 warm-up rounds"
echo
failed=()
for engine in ${BENCH_ENGINES:-containerd docker podman}; do
    # A subshell per engine: its own work dir, daemons, environment and exit
    # trap (which stops the daemons and removes the dir, however it ends).
    (
        trap 'exit 130' INT TERM
        "section_$engine"
    )
    rc=$?
    case $rc in
        0) ;;
        77) echo "(skipped)" ;;
        130) echo "interrupted"; exit 130 ;;
        *) failed+=("$engine") ;;
    esac
    echo
done
if ((${#failed[@]})); then
    echo "could not measure: ${failed[*]}"
    exit 1
fi
exit 0
