#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz; clang, ASan, UBSan) in their own
# build directory and run each for SECONDS on a scratch copy of its seed
# corpus (tests/fixtures, tests/fuzz/corpus/<target>/): nothing is written
# into the repository. Prints, per target, the executions, the corpus size
# and the result; exits non-zero on any finding (crash, sanitizer report,
# leak, uncaught exception, broken invariant, an input slower than
# FUZZ_TIMEOUT) and names the file that holds the input.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS   per target (default 60)
#   TARGET    state config policy size seccomp (default: all)
# Environment:
#   FUZZ_BUILD_DIR  build directory (default build-fuzz/ in the repository, ignored by git)
#   FUZZ_JOBS       targets run at once (default: the number of CPUs)
#   FUZZ_MAX_LEN    longest input in bytes (default 8192)
#   FUZZ_TIMEOUT    seconds one input may take (default 10)
#   CXX             the clang++ to build with (default clang++-14, else clang++)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
all_targets=(state config policy size seccomp)

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (one of: ${all_targets[*]})" >&2; exit 2; }
done

build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
max_len=${FUZZ_MAX_LEN:-8192}
timeout=${FUZZ_TIMEOUT:-10}
cxx=${CXX:-$(command -v clang++-14 || command -v clang++ || true)}
if [[ -z $cxx || $("$cxx" --version 2> /dev/null) != *clang* ]]; then
    echo "fuzz.sh: clang++ not found (CXX='${CXX:-}'): scripts/install-deps.sh installs it" >&2
    exit 1
fi
# Sanitizer reports with file and line numbers.
for s in "$(dirname "$(readlink -f "$cxx")")/llvm-symbolizer" /usr/bin/llvm-symbolizer-14 /usr/bin/llvm-symbolizer; do
    if [[ -x $s ]]; then export ASAN_SYMBOLIZER_PATH=$s; break; fi
done

echo "fuzz.sh: building ${targets[*]} in $build with $cxx"
mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOCI_AGENT_HOOK_FUZZ=ON -DBUILD_TESTING=OFF > "$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
nice cmake --build "$build" -j "$(($(nproc) < 2 ? 1 : 2))" --target "${targets[@]/#/fuzz_}"

# Seeds: the config.json fixtures feed every JSON target (a state or a
# policy still shares their syntax); seccomp also gets their linux.seccomp.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/oci-agent-hook-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
seed() {  # seed TARGET DIR
    local t=$1 dir=$2 f
    mkdir -p "$dir"
    cp "$top/tests/fuzz/corpus/$t/"* "$dir/"
    [[ $t == size ]] && return
    for f in "$top"/tests/fixtures/*.json; do
        cp "$f" "$dir/fixture-$(basename "$f")"
        if [[ $t == seccomp ]] && jq -e '.linux.seccomp' "$f" > /dev/null 2>&1; then
            jq -c '.linux.seccomp' "$f" > "$dir/fixture-seccomp-$(basename "$f")"
        fi
    done
    [[ $t == policy ]] && cp "$top/config.json.example" "$dir/"
    return 0
}

run() {  # run TARGET: one libFuzzer run; its output in $scratch/TARGET.log
    local t=$1 corpus=$scratch/$1/corpus artifacts=$build/fuzz-artifacts/$1
    local dict=()
    [[ $t == size ]] || dict=(-dict="$top/tests/fuzz/json.dict")
    seed "$t" "$corpus"
    find "$corpus" -type f | wc -l > "$scratch/$t.seeds"
    mkdir -p "$artifacts"
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -timeout="$timeout" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" \
        > "$scratch/$t.log" 2>&1
}

# Up to $jobs targets at once, each in the background; results in order.
declare -A pid rc
running=0
for t in "${targets[@]}"; do
    if ((running >= jobs)); then wait -n || true; running=$((running - 1)); fi
    run "$t" &
    pid[$t]=$!
    running=$((running + 1))
done
for t in "${targets[@]}"; do
    rc[$t]=0
    wait "${pid[$t]}" || rc[$t]=$?
done

failed=0
for t in "${targets[@]}"; do
    log=$scratch/$t.log
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
    corpus=$(find "$scratch/$t/corpus" -type f | wc -l)
    line="fuzz_$t: $(stat number_of_executed_units) execs ($(stat average_exec_per_sec)/s) in ${seconds}s,"
    line+=" corpus $(cat "$scratch/$t.seeds") -> $corpus inputs, peak RSS $(stat peak_rss_mb) MB"
    if [[ ${rc[$t]} == 0 ]]; then
        echo "$line: ok"
    else
        failed=1
        echo "$line: FINDING (exit ${rc[$t]})"
        # The report: from libFuzzer's or the sanitizer's first line to the end.
        start=$(grep -nE '^==[0-9]+==|^fuzz: invariant|^terminate called|runtime error:|ERROR: libFuzzer' "$log" |
            head -n 1 | cut -d: -f1)
        sed -n "${start:-1},\$p" "$log" | grep -v '^INFO:' | head -n 80
        input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        echo "fuzz_$t: the input is kept in ${input:-(none written; full log follows)}"
        [[ -n $input ]] || tail -n 40 "$log"
        cp "$log" "$build/fuzz-artifacts/$t/last-run.log"
        echo "fuzz_$t: full log: $build/fuzz-artifacts/$t/last-run.log; rerun: $build/tests/fuzz/fuzz_$t ${input:-INPUT}"
    fi
done
exit "$failed"
