# shellcheck shell=bash
# Shared helpers for the benchmark scripts. Benchmarks print figures; they
# never fail on timing. They exit non-zero only when they cannot run (no
# binary, a missing tool) or when the thing measured did not do its job
# (a bad exit status, wrong output), since its timing would then mean nothing.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_DIR/../.." && pwd)

bench_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# bench_find_hook [BUILD_DIR]: sets HOOK and BUILD_DIR. Default: build-bench
# (the Release build) when it has the binary, else build.
bench_find_hook() {
    BUILD_DIR=${1:-}
    if [[ -z $BUILD_DIR ]]; then
        BUILD_DIR=$BENCH_ROOT/build-bench
        [[ -x $BUILD_DIR/oci-agent-hook ]] || BUILD_DIR=$BENCH_ROOT/build
    fi
    BUILD_DIR=$(cd "$BUILD_DIR" 2> /dev/null && pwd) || bench_die "build dir '${1:-}' does not exist"
    HOOK=$BUILD_DIR/oci-agent-hook
    [[ -x $HOOK ]] || bench_die "$HOOK not built (cmake --build $BUILD_DIR --target oci-agent-hook)"
    BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2> /dev/null)
    BUILD_TYPE=${BUILD_TYPE:-unknown}
    if [[ $BUILD_TYPE != Release ]]; then
        echo "note: $BUILD_DIR is a '$BUILD_TYPE' build; for figures worth comparing use" >&2
        echo "      cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2" >&2
    fi
}

# bench_args "$@": the command line of a benchmark taking [BUILD_DIR]:
# --help prints the script's header comment; then bench_find_hook, and jq
# must be there (the benchmarks check their outputs with it).
bench_args() {
    case ${1:-} in -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
    [[ $# -le 1 ]] || bench_die "usage: ${0##*/} [BUILD_DIR]"
    bench_find_hook "${1:-}"
    command -v jq > /dev/null || bench_die "jq not installed"
}

# bench_container_args DEFAULT NAME "$@": the command line of a benchmark
# that starts containers, [BUILD_DIR] [NAME]: --help prints the script's
# header comment; then bench_find_hook, BENCH_COUNT (NAME, a positive
# number; DEFAULT without it), and root, runc and jq must be there.
bench_container_args() {
    local default=$1 name=$2 tool
    shift 2
    case ${1:-} in -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
    [[ $# -le 2 ]] || bench_die "usage: ${0##*/} [BUILD_DIR] [$name]"
    bench_find_hook "${1:-}"
    BENCH_COUNT=${2:-$default}
    [[ $BENCH_COUNT =~ ^[1-9][0-9]*$ ]] || bench_die "$name must be a positive number, got '$BENCH_COUNT'"
    [[ $(id -u) == 0 ]] || bench_die "needs root (it starts real containers)"
    for tool in runc jq; do command -v "$tool" > /dev/null || bench_die "$tool not installed (scripts/install-deps.sh)"; done
}

# bench_build_timeit DIR: compiles timeit.c into DIR; sets TIMEIT.
bench_build_timeit() {
    TIMEIT=$1/timeit
    bench_cc "$TIMEIT" timeit.c
}

# bench_cc OUT SOURCE [FLAGS...]: compiles tests/bench/SOURCE into OUT.
bench_cc() {
    local cc=${CC:-cc} out=$1 src=$2
    shift 2
    command -v "$cc" > /dev/null || bench_die "no C compiler ($cc) for tests/bench/$src"
    "$cc" -O2 -Wall "$@" -o "$out" "$BENCH_DIR/$src" || bench_die "cannot compile $src"
}

# bench_work NAME: a work directory $WORK (removed at exit unless
# BENCH_KEEP=1), timeit built in it ($TIMEIT), and a fixed policy, the
# shipped example, in $POLICY, so that neither /etc nor the environment
# changes what is measured.
bench_work() {
    WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/oah-bench-$1.XXXXXX")
    trap bench_cleanup EXIT
    bench_build_timeit "$WORK"
    POLICY=$WORK/policy.json
    cp -- "$BENCH_ROOT/config.json.example" "$POLICY"
    unset OCI_AGENT_HOOK_CONFIG AGENT_TMP_SIZE
}

bench_cleanup() {
    if [[ ${BENCH_KEEP:-0} = 1 ]]; then echo "kept $WORK"; else rm -rf -- "$WORK"; fi
}

# ---- real containers (bench_start.sh, bench_concurrent.sh) -------------------
# A benchmark's containers are named PREFIX-PID-..., PID being the
# benchmark's own; its work dir, /var/tmp/PREFIX.XXXXXX, holds owner.pid.
# So leftovers of a run that was killed are known by a PID that is gone,
# and nothing else is touched.

bench_alive() { kill -0 "$1" 2> /dev/null; }

bench_unmount_under() {  # bench_unmount_under DIR: every mount below DIR, deepest first
    awk -v d="$1/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
        umount -l "$m" 2> /dev/null || true
    done
}

# bench_delete_containers RUNTIME OWNED: force-deletes every container in
# RUNTIME's list (a command taking runc's `list -q` and `delete -f`: runc,
# scripts/crun-hybrid) that OWNED (a function given the name and the PID in
# it) says to delete.
bench_delete_containers() {
    local id
    while read -r id; do
        [[ $id =~ ^$BENCH_PREFIX-([0-9]+)- ]] || continue
        if "$2" "${BASH_REMATCH[1]}"; then "$1" delete -f "$id" > /dev/null 2>&1 || true; fi
    done < <("$1" list -q 2> /dev/null)
}
bench_pid_gone() { ! bench_alive "$1"; }
bench_pid_mine() { [[ $1 == "$$" ]]; }

# bench_containers_init PREFIX RUNTIME...: removes what earlier runs that
# died left (their containers in each RUNTIME, their work dirs and any
# mounts below them), then makes $WORK (mode 0755: every parent of a bundle
# must be traversable, as in the e2e tests) and an exit trap that waits for
# the background starts listed in BENCH_PIDS, deletes this run's containers,
# unmounts what is below $WORK and removes it, however the run ends. The
# background starts are waited for, not killed: each is bounded (timeit -t)
# and a runtime killed halfway through a create leaves more to clean up.
bench_containers_init() {
    BENCH_PREFIX=$1
    shift
    BENCH_RUNTIMES=("$@")
    BENCH_PIDS=()
    local rt dir
    for rt in "${BENCH_RUNTIMES[@]}"; do bench_delete_containers "$rt" bench_pid_gone; done
    for dir in /var/tmp/"$BENCH_PREFIX".*; do
        [[ -f $dir/owner.pid ]] || continue
        bench_alive "$(cat "$dir/owner.pid")" && continue
        bench_unmount_under "$dir"
        rm -rf --one-file-system -- "$dir"
    done
    WORK=$(mktemp -d "/var/tmp/$BENCH_PREFIX.XXXXXX")
    chmod 0755 "$WORK"
    echo $$ > "$WORK/owner.pid"
    trap bench_containers_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_containers_cleanup() {
    local rt pid
    for pid in "${BENCH_PIDS[@]:-}"; do
        if [[ -n $pid ]]; then wait "$pid" 2> /dev/null || true; fi
    done
    for rt in "${BENCH_RUNTIMES[@]}"; do bench_delete_containers "$rt" bench_pid_mine; done
    bench_unmount_under "$WORK"
    rm -rf --one-file-system -- "$WORK"
}

# Statistics over numbers on stdin, one a line.
stat_median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
stat_mean() { awk '{s += $1} END {if (NR) printf "%.6g\n", s / NR}'; }
stat_min() { sort -g | head -n 1; }
stat_max() { sort -g | tail -n 1; }
# stat_pct P: the P-th percentile, nearest rank (the smallest value with at
# least P % of the values at or below it).
stat_pct() { sort -g | awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) exit 1; r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1; print v[r]}'; }
stat_stddev() { awk '{s += $1; q += $1 * $1} END {if (NR > 1) {m = s / NR; v = (q - NR * m * m) / (NR - 1); printf "%.6g\n", (v > 0 ? sqrt(v) : 0)} else print 0}'; }

# us_to_ms MICROSECONDS: three decimals.
us_to_ms() { awk -v u="$1" 'BEGIN {printf "%.3f", u / 1000}'; }

bench_machine() {
    local newer
    echo "host: $(uname -srm), $(nproc) CPU(s), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "hook: $HOOK ($BUILD_TYPE build, built $(date -r "$HOOK" '+%F %T'); git HEAD $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2> /dev/null || echo '?'))"
    newer=$(find "$BENCH_ROOT/hook" "$BENCH_ROOT/oci" -newer "$HOOK" -type f 2> /dev/null | wc -l)
    if ((newer > 0)); then
        echo "note: $newer source file(s) under hook/ and oci/ are newer than the binary (rebuild to measure them)"
    fi
}

# ---- interleaved variants and their report (bench_start.sh, bench_engines.sh) ----

# bench_interleave N RUN VARIANT...: two untimed warm-up rounds, then N timed
# rounds; each round runs every VARIANT once, the order rotated by one each
# round (a,b,c / b,c,a / c,a,b / ...), so no variant always runs first or
# always follows the same one. Calls `RUN VARIANT RECORD`: RECORD is 1 in
# the timed rounds, 0 in the warm-ups.
bench_interleave() {
    local n=$1 run=$2 round j nv
    shift 2
    local variants=("$@")
    nv=${#variants[@]}
    for ((round = -2; round < n; round++)); do
        for ((j = 0; j < nv; j++)); do
            "$run" "${variants[$(((j + round + 2) % nv))]}" $((round >= 0))
        done
    done
}

# bench_nums "LIST": a space-separated list of numbers, one a line.
bench_nums() { tr ' ' '\n' <<< "$1" | grep .; }

# Tables: a label column BENCH_LABEL_WIDTH wide, then median, mean, standard
# deviation, min and max in ms of a list of wall times in microseconds, then
# any extra columns the caller gives (already formatted).
BENCH_LABEL_WIDTH=34

bench_table_header() {  # bench_table_header [EXTRA-HEADER...]
    printf "%-${BENCH_LABEL_WIDTH}s %10s %9s %9s %9s %9s" variant "median ms" "mean ms" "sd ms" "min ms" "max ms"
    (($# == 0)) || printf ' %9s' "$@"
    echo
}

bench_table_row() {  # bench_table_row LABEL "US US ..." [EXTRA...]
    local label=$1 list=$2
    shift 2
    printf "%-${BENCH_LABEL_WIDTH}s %10s %9s %9s %9s %9s" "$label" \
        "$(us_to_ms "$(bench_nums "$list" | stat_median)")" "$(us_to_ms "$(bench_nums "$list" | stat_mean)")" \
        "$(us_to_ms "$(bench_nums "$list" | stat_stddev)")" "$(us_to_ms "$(bench_nums "$list" | stat_min)")" \
        "$(us_to_ms "$(bench_nums "$list" | stat_max)")"
    (($# == 0)) || printf ' %9s' "$@"
    echo
}

# bench_vs "US-A..." "US-B...": A against B, by median and by mean:
# "median +X ms (ratio R, +Y %), mean +X ms (ratio R, +Y %)".
bench_vs() {
    awk -v a="$(bench_nums "$1" | stat_median)" -v b="$(bench_nums "$2" | stat_median)" \
        -v c="$(bench_nums "$1" | stat_mean)" -v d="$(bench_nums "$2" | stat_mean)" 'BEGIN {
        printf "median %+.3f ms (ratio %.3f, %+.1f %%), mean %+.3f ms (ratio %.3f, %+.1f %%)",
            (a - b) / 1000, a / b, (a / b - 1) * 100, (c - d) / 1000, c / d, (c / d - 1) * 100 }'
}

# bench_target "US-A..." "US-B..." PERCENT: "met" when A's median is less
# than PERCENT % above B's, else "MISSED".
bench_target() {
    awk -v a="$(bench_nums "$1" | stat_median)" -v b="$(bench_nums "$2" | stat_median)" -v p="$3" \
        'BEGIN {print (a / b - 1 < p / 100) ? "met" : "MISSED"}'
}

# bench_se_diff "US-A..." "US-B...": about how much the difference of the two
# medians moves by chance, in ms: its standard error, 1.2533 * sqrt(sdA^2/nA
# + sdB^2/nB) (the large-sample figure for roughly normal times). A median
# difference well within it is noise, and so is a target verdict that close
# to its line.
bench_se_diff() {
    awk -v sa="$(bench_nums "$1" | stat_stddev)" -v na="$(bench_nums "$1" | grep -c .)" \
        -v sb="$(bench_nums "$2" | stat_stddev)" -v nb="$(bench_nums "$2" | grep -c .)" \
        'BEGIN {printf "%.3f", 1.2533 * sqrt(sa * sa / na + sb * sb / nb) / 1000}'
}
