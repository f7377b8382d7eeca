# shellcheck shell=bash
# Helpers of the command-level test scripts (tests/cli/test_*.sh): each
# check prints "ok" or "FAIL" and is counted; cli_finish prints the counts
# and sets the exit code.
passed=0 failed=0

# check NAME CONDITION-COMMAND...: a failure also shows $err, the stderr of
# the scripts' last run of the binary, when there is one.
check() {
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; [ -n "${err:-}" ] && printf '     stderr: %s\n' "$err"; fi
    return 0
}

# cli_hook_paths PATH-TO-oci-agent-hook: sets HOOK to it as an absolute
# path and WRAPPER to the oci-agent-runtime link beside it.
cli_hook_paths() {
    HOOK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    # shellcheck disable=SC2034  # the sourcing scripts use it
    WRAPPER=$(dirname "$HOOK")/oci-agent-runtime
}

has() { grep -qF -- "$2" <<< "$1"; }
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] && [ -n "$1" ]; }

# same GOT WANT: equal, else the diff (indented) and false.
same() { [ "$1" = "$2" ] || { diff <(echo "$1") <(echo "$2") | sed 's/^/     /'; return 1; }; }

cli_finish() {  # cli_finish LABEL
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
