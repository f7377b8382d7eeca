#!/usr/bin/env bash
# Build the project with AddressSanitizer and UndefinedBehaviorSanitizer
# (Debug, -DOCI_AGENT_HOOK_SANITIZE=address,undefined) in its own build
# directory and run the unit and command tests there through CTest. Fails
# when a test fails or when any process of the suite (the unit tests, every
# oci-agent-hook run by the command tests) wrote a sanitizer report, even
# one whose exit status a test script accepted: the reports go to files
# (log_path), which are printed.
#
# Usage: scripts/sanitize.sh [extra ctest arguments]
# Environment:
#   SANITIZE_BUILD_DIR  build directory (default build-sanitize/ in the repository, ignored by git)
#   SANITIZE_TESTS      ctest -R regex (default the unit and command tests)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
build=${SANITIZE_BUILD_DIR:-$top/build-sanitize}
tests=${SANITIZE_TESTS:-^(unit|commands|install|runtime_wrapper)$}

mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DOCI_AGENT_HOOK_SANITIZE=address,undefined \
    -DOCI_AGENT_HOOK_WERROR=ON > "$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
nice cmake --build "$build" -j "$(($(nproc) < 2 ? 1 : 2))" --target unit_tests oci-agent-hook

reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# abort_on_error / halt_on_error: the first report ends the process (the
# build also has -fno-sanitize-recover); log_path: one file per process
# that reported, named after its pid.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
for s in /usr/bin/llvm-symbolizer-14 /usr/bin/llvm-symbolizer; do
    if [[ -x $s ]]; then export ASAN_SYMBOLIZER_PATH=$s; break; fi
done

status=0
(cd "$build" && ctest --output-on-failure -R "$tests" "$@") || status=$?
shopt -s nullglob
found=("$reports"/*)
if [[ ${#found[@]} -gt 0 ]]; then
    echo "sanitize.sh: ${#found[@]} sanitizer report(s) in $reports:"
    for f in "${found[@]}"; do
        echo "--- $f"
        head -n 60 "$f"
    done
    status=1
fi
[[ $status == 0 ]] && echo "sanitize.sh: no sanitizer report, every test passed"
exit "$status"
