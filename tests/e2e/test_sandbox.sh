#!/usr/bin/env bash
# The hook sandboxes itself (hook/sandbox.hpp) and keeps no environment.
#
# The evidence is the kernel's, through strace: the hook entry runs the hook
# under `strace -f`, so the trace holds every call of the hook and of its
# worker thread in the container, with what the kernel answered. The
# hook must set no_new_privs and load its filter (both answered 0) before
# it makes its first mount and before it starts the worker; nothing after the
# filter may be answered EPERM (a call the allow-list forgot, on the path
# this runtime and this mode take: the ENOSYS run takes the fallbacks); and
# the TZ file the entry's environment names is never opened (glibc's
# syslog() reads TZ the first time it stamps a line: a hook that kept the
# runtime's environment would open it). The policy names a log file
# (log.file): the hook opens it before the filter and writes its actions
# and its outcome there under the filter.
# precreate, run as podman runs it with the same environment, loads its
# own filter before it writes the spec to stdout.
#
# Usage: test_sandbox.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"
STRACE=$(command -v strace) || e2e_skip "strace not installed (Debian package: strace)"

tz_file=$E2E_WORK/tz-from-the-environment
cp /dev/null "$tz_file"
# What a runtime passes a hook entry without "env" could hold anything.
hostile_env=("TZ=:$tz_file" "OCI_AGENT_HOOK_TEST_MARKER=1")
trace=$E2E_WORK/hook.strace

# The calls of the trace $1 from the filter's load on (the line included);
# empty when the filter was never loaded.
after_filter() { sed -n '/seccomp(SECCOMP_SET_MODE_FILTER,.*) = 0$/,$p' "$1"; }
# The line number of the first line of $1 matching ERE $2 (0: none).
first_line() { grep -nE -m1 -- "$2" "$1" | cut -d: -f1 | grep . || echo 0; }

show_trace() { printf '     strace: %s\n' "$(grep -E "$1" "$trace" | head -n 5)"; }

filter_loaded='seccomp\(SECCOMP_SET_MODE_FILTER,.*= 0$'
# in_order ERE1 ERE2: the trace has a line matching each, the first ERE1
# line before the first ERE2 line.
in_order() {
    local first second
    first=$(first_line "$trace" "$1")
    second=$(first_line "$trace" "$2")
    [ "$first" -gt 0 ] && [ "$second" -gt "$first" ] && return 0
    echo "     the first $1 line is line $first of the trace, the first $2 line $second"
    show_trace "$1|$2"
    return 1
}
no_new_privs_then_filter() { in_order 'prctl\(PR_SET_NO_NEW_PRIVS, 1.*= 0$' "$filter_loaded"; }
# $1: ERE of the call that must come after the filter (and must be there).
after_the_filter() { in_order "$filter_loaded" "$1"; }
# Every clone of the hook makes a thread: a fork would be refused, and none
# is tried. (strace -f prints the flags; a clone without CLONE_THREAD, or
# a fork or vfork, is a process.)
no_fork() {
    local forks
    forks=$(grep -E '^[0-9]+ +(clone|clone3|fork|vfork)\(' "$trace" | grep -v 'CLONE_THREAD' | head -n 3)
    [ -z "$forks" ] && grep -qE '^[0-9]+ +clone3?\(.*CLONE_THREAD' "$trace" && return 0
    printf '     processes forked: %s\n' "${forks:-none, and no thread either}"
    return 1
}
nothing_refused() {
    local refused
    refused=$(after_filter "$trace" | grep -E '= -1 EPERM|SIGSYS' | head -n 5)
    [ -z "$refused" ] && [ -n "$(after_filter "$trace")" ] && return 0
    printf '     refused after the filter: %s\n' "$refused"
    return 1
}
tz_never_opened() {
    ! grep -qF "$tz_file" "$trace" && return 0
    show_trace "$tz_file"
    return 1
}

# ---- hook mode (createRuntime), under strace and the hostile environment -----
b=$(probe_bundle sandbox --user 1000:1000 --hook "$HOOK" -- "/probe /tmp")
# A state_dir that does not exist yet: the record's directory is made under
# the filter too.
state_dir=$E2E_WORK/records
# A log file (policy log.file): opened before the filter, written under it.
log_file=$E2E_WORK/hook-log.json
hook_use_policy "$b" "$(write_policy sandbox-policy "{\"state_dir\": \"$state_dir\",
    \"log\": {\"file\": \"$log_file\", \"format\": \"json\", \"level\": \"debug\"}}")"
env_json=$(printf '%s\n' "${hostile_env[@]}" | jq -R . | jq -s .)
# In ENOSYS mode the entry becomes enosys_exec's first (the runtime does it
# just before the start), and strace goes in front of whatever is there.
e2e_hook_via "$b"
# shellcheck disable=SC2016 # $env, $s, $t are jq's
e2e_edit_config "$b" --argjson env "$env_json" --arg s "$STRACE" --arg t "$trace" \
    '.hooks.createRuntime[0] |= (.env = $env | .args = [$s, "-f", "-qq", "-e", "signal=none", "-o", $t, .path] + .args[1:] | .path = $s)'
run_container "$b"
# (run_container's ENOSYS accounting counts the entry: enosys_exec logs its
# start wherever it sits in the entry's command.)
check "sandboxed hook: the container runs" expect_rc 0
check "sandboxed hook: /tmp is the planned 512m noexec tmpfs" expect_tmpfs /tmp noexec 524288
check "sandboxed hook: no_new_privs, then the seccomp filter, both answered 0" no_new_privs_then_filter
check "sandboxed hook: the worker thread is started after the filter (it inherits it)" after_the_filter '^[0-9]+ +(clone|clone3)\(.*CLONE_THREAD'
check "sandboxed hook: no process is forked (only the worker thread)" no_fork
check "sandboxed hook: the first mount is made after the filter" after_the_filter '^[0-9]+ +(fsmount|mount|move_mount)\('
check "sandboxed hook: config.json is replaced after the filter" after_the_filter '^[0-9]+ +rename(at2?)?\(.*config\.json'
check "sandboxed hook: the record is written after the filter, its directory made" after_the_filter "^[0-9]+ +mkdir(at)?\\(.*$state_dir\""
check "sandboxed hook: the record is there" compgen -G "$state_dir/oah-*.json"
# Before the hook's own filter, the last one loaded: in ENOSYS mode
# enosys_exec loads one before it runs the hook.
log_opened_before_filter() {
    local opened filter
    opened=$(first_line "$trace" "openat\\(.*$log_file\"")
    filter=$(grep -nE -- "$filter_loaded" "$trace" | tail -n 1 | cut -d: -f1 | grep . || echo 0)
    [ "$opened" -gt 0 ] && [ "$filter" -gt "$opened" ] && return 0
    echo "     the log file is opened at line $opened of the trace, the hook's filter loaded at line $filter"
    show_trace "$log_file|SECCOMP_SET_MODE_FILTER"
    return 1
}
check "sandboxed hook: the log file is opened before the filter" log_opened_before_filter
# Written after the filter: the actions in the container, then the outcome.
logged() {  # logged JQ-FILTER: some line of the log file satisfies it
    jq -se "any(.[]; $1)" "$log_file" > /dev/null 2>&1 && return 0
    printf '     log file: %s\n' "$(cat "$log_file" 2> /dev/null)"
    return 1
}
check "sandboxed hook: the log file has the actions in the container (debug)" \
    logged '.stage == "createRuntime" and .level == "debug" and (.message | startswith("mounted tmpfs /tmp"))'
check "sandboxed hook: the log file has the outcome, with the container id" \
    logged '.stage == "createRuntime" and .level == "info" and (.container | length > 0) and
            (.message | startswith("contract applied: /tmp tmpfs 512m"))'
check "sandboxed hook: no call after the filter was refused (EPERM) or killed" nothing_refused
check "sandboxed hook: the hook never opened the TZ its entry's environment named" tz_never_opened

# ---- precreate, run as podman runs it, the same environment ------------------
spec=$E2E_WORK/precreate-spec.json
jq 'del(.hooks)' "$b/config.json" > "$spec"
: > "$trace"
out=$(env "${hostile_env[@]}" "$STRACE" -f -qq -e signal=none -o "$trace" "$HOOK" precreate < "$spec" 2>&1 > "$E2E_WORK/precreate.out")
rc=$?
check "precreate: succeeds" expect_rc 0
plans_tmp() { jq -e '.mounts | any(.destination == "/tmp")' "$1" > /dev/null; }
check "precreate: its stdout is the rewritten spec" plans_tmp "$E2E_WORK/precreate.out"
check "precreate: no_new_privs, then the seccomp filter, both answered 0" no_new_privs_then_filter
check "precreate: the spec is written to stdout after the filter" after_the_filter '^[0-9]+ +write\(1, '
check "precreate: no call after the filter was refused (EPERM) or killed" nothing_refused
# A missing policy file: precreate logs the error (syslog: the time zone)
# and hands the spec on, refused.
: > "$trace"
out=$(env "${hostile_env[@]}" "$STRACE" -f -qq -e signal=none -o "$trace" "$HOOK" precreate \
    --config "$E2E_WORK/no-such-policy.json" < "$spec" 2>&1 > "$E2E_WORK/precreate.out")
rc=$?
check "precreate, missing policy: succeeds (the spec goes on; the missing policy is reported)" expect_rc 0
check "precreate, missing policy: it logged the missing policy file" has "$out" "no-such-policy.json"
check "precreate, missing policy: it never opened the TZ its environment named" tz_never_opened
check "precreate, missing policy: no call after the filter was refused (EPERM) or killed" nothing_refused

e2e_summary
