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

# bench_build_timeit DIR: compiles timeit.c into DIR; sets TIMEIT.
bench_build_timeit() {
    local cc=${CC:-cc}
    command -v "$cc" > /dev/null || bench_die "no C compiler ($cc) for tests/bench/timeit.c"
    TIMEIT=$1/timeit
    "$cc" -O2 -Wall -o "$TIMEIT" "$BENCH_DIR/timeit.c" || bench_die "cannot compile timeit.c"
}

# Statistics over numbers on stdin, one a line.
stat_median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
stat_mean() { awk '{s += $1} END {if (NR) printf "%.6g\n", s / NR}'; }
stat_min() { sort -g | head -n 1; }
stat_max() { sort -g | tail -n 1; }
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
