# shellcheck shell=bash
# Helpers of the command-level test scripts that take a built file
# (test_hardening.sh, test_install_rules.sh): each check prints "ok" or
# "FAIL" and is counted; cli_finish prints the counts and sets the exit code.
passed=0 failed=0

check() {  # check NAME CONDITION-COMMAND...
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; fi
}

# same GOT WANT: equal, else the diff (indented) and false.
same() { [ "$1" = "$2" ] || { diff <(echo "$1") <(echo "$2") | sed 's/^/     /'; return 1; }; }

cli_finish() {  # cli_finish LABEL
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
