#!/usr/bin/env bash
# The hook sandboxes itself (hook/sandbox.hpp) and keeps no environment.
#
# The evidence is the kernel's, not the hook's: /etc/localtime is a FIFO in
# a private mount namespace the runtime runs in, and the environment the
# hook entry gives names another FIFO as TZ. glibc's syslog() opens the
# time zone file the first time it stamps a message: the hook blocks in
# that open, after it has applied the plan, and tools/fifo_watch.py reads
# its /proc/<pid>/status there (Seccomp, NoNewPrivs) before letting it go
# on. A hook that kept its environment would open the TZ FIFO instead.
# precreate gets the same environment and logs an error through syslog (a
# missing policy file): it must not open the TZ FIFO either.
#
# Usage: test_sandbox.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"
command -v unshare > /dev/null || e2e_skip "unshare not installed"
[ -x /usr/bin/python3 ] || e2e_skip "/usr/bin/python3 not installed"

WATCH=$E2E_ROOT/tests/e2e/tools/fifo_watch.py
localtime_fifo=$E2E_WORK/localtime.fifo
tz_fifo=$E2E_WORK/tz.fifo
mkfifo -m 0644 "$localtime_fifo" "$tz_fifo"
# What a runtime may pass a hook entry without "env", and what an image
# could try to smuggle in.
hostile_env=("LD_PRELOAD=/nonexistent/libpreload.so" "LD_LIBRARY_PATH=/nonexistent" "TZ=:$tz_fifo"
    "OCI_AGENT_HOOK_TEST_MARKER=1")

case $E2E_RUNTIME in
    runc) runtime=(timeout 120 runc) ;;
    crun) runtime=(timeout 120 "$E2E_ROOT/scripts/crun-hybrid") ;;
esac

# run_watched BUNDLE: run_container, with the runtime (and so the hook) in a
# private mount namespace where /etc/localtime is $localtime_fifo, watched
# by fifo_watch.py; sets $out, $rc and $watched (fifo_watch's lines).
run_watched() {
    e2e_seq=$((e2e_seq + 1))
    local id=oah-$$-$e2e_seq pid
    e2e_ids+=("$id")
    # shellcheck disable=SC2016 # expanded by the inner bash
    (cd "$1" && exec unshare -m --propagation private bash -c 'mount --bind "$0" /etc/localtime && exec "$@"' \
        "$localtime_fifo" "${runtime[@]}" run -b "$1" "$id" < /dev/null > "$E2E_WORK/run.out" 2>&1) &
    pid=$!
    watched=$(/usr/bin/python3 "$WATCH" --until "$pid" "/etc/localtime=$localtime_fifo" "$tz_fifo")
    wait "$pid"
    rc=$?
    out=$(cat "$E2E_WORK/run.out")
    e2e_runtime_cmd delete -f "$id" > /dev/null 2>&1 || true
}

watched_hook() { grep -F " $HOOK " <<< "$watched"; }
show_watched() { printf '     fifo_watch: %s\n' "${watched:-(nothing)}"; }

hook_sandboxed_at_syslog() {
    watched_hook | grep -qxF "$localtime_fifo $HOOK Seccomp=2 NoNewPrivs=1" && return 0
    show_watched
    return 1
}
tz_never_opened() {
    ! grep -qF "$tz_fifo " <<< "$watched" && return 0
    show_watched
    return 1
}

# ---- hook mode (createRuntime), under the hostile environment --------------
b=$(probe_bundle sandbox --user 1000:1000 --hook "$HOOK" -- "/probe /tmp")
env_json=$(printf '%s\n' "${hostile_env[@]}" | jq -R . | jq -s .)
# shellcheck disable=SC2016 # $env is jq's
e2e_edit_config "$b" --argjson env "$env_json" '.hooks.createRuntime[0].env = $env | .hooks.createRuntime[0].timeout = 60'
# The timeout: should the watch miss the hook, runc kills it rather than wait forever.
run_watched "$b"
check "sandboxed hook: the container runs" expect_rc 0
check "sandboxed hook: /tmp is the planned 512m noexec tmpfs" expect_tmpfs /tmp noexec 524288
check "sandboxed hook: the hook stamped its log line with seccomp filter mode and no_new_privs" hook_sandboxed_at_syslog
check "sandboxed hook: the hook never opened the TZ its entry's environment named" tz_never_opened

# ---- precreate, under the same environment -----------------------------------
spec=$E2E_WORK/precreate-spec.json
jq 'del(.hooks)' "$b/config.json" > "$spec"
(exec env "${hostile_env[@]}" "$HOOK" precreate --config "$E2E_WORK/no-such-policy.json" \
    < "$spec" > "$E2E_WORK/precreate.out" 2> "$E2E_WORK/precreate.err") &
pid=$!
watched=$(/usr/bin/python3 "$WATCH" --until "$pid" "$tz_fifo")
wait "$pid"
rc=$?
out=$(cat "$E2E_WORK/precreate.err")
check "precreate: succeeds (the spec goes on; the missing policy is reported)" expect_rc 0
check "precreate: it logged the missing policy file" has "$out" "no-such-policy.json"
check "precreate: it never opened the TZ its environment named" tz_never_opened

e2e_summary
