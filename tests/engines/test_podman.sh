#!/usr/bin/env bash
# podman with the shipped hooks.d entries (scripts/hooks.d: precreate and
# createRuntime), under runc and under crun: what the workload sees, what
# the container's config.json records, and what the podman user sees when
# the policy file is invalid.
#
# The hooks_dir of containers.conf holds exactly what `oci-agent-hook install
# --engine podman --hook-path HOOK --config POLICY` writes (the shipped files,
# path set to the hook, the policy as --config); every case without
# --hooks-dir runs through it. The cases that need another variant (an
# invalid policy for one entry or both, the precreate entry alone) use
# --hooks-dir with entries made here from the shipped files. At the end
# `uninstall` must leave that directory empty.
#
# Usage: test_podman.sh HOOK-BINARY
#
# Everything podman uses lives in a private directory under /var/tmp (see
# podman_lib.sh); it is removed at the end, containers and image first.
# Skips (exit 77) when it cannot run here; with E2E_REQUIRED=1 that fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/../e2e/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
. "$here/../e2e/functional_lib.sh"
# shellcheck source=tests/engines/podman_lib.sh
. "$here/podman_lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 HOOK-BINARY"; exit 2; }
E2E_RUNTIME=hooks.d
podman_init "$1"

NM=/workspace/node_modules
GOOD=$(write_policy policy '{"tmp": {"size": "256m"}, "exclude": {"paths": ["/workspace/node_modules"]}}')
BAD=$(write_policy bad-policy '{"tmp": {"max_size": "lots"}}')
# The hooks_dir of containers.conf: what install writes, the good policy.
INSTALL_OUT=$(podman_install --config "$GOOD")
INSTALL_RC=$?
# Both entries read the invalid policy: the real broken-policy case.
BAD_BOTH=$(hooks_dir hooks-bad "$BAD" "$BAD") || e2e_skip "cannot write the hooks.d entries"
# Only the createRuntime entry reads it: what a precreate that passes the
# spec on when it cannot plan leaves to createRuntime.
BAD_CR=$(hooks_dir hooks-bad-createruntime "$GOOD" "$BAD") || e2e_skip "cannot write the hooks.d entries"
# The precreate entry alone: precreate registers the hook at createRuntime
# itself in the spec it writes.
PRE_ONLY=$(hooks_dir hooks-precreate-only "$GOOD" -) || e2e_skip "cannot write the hooks.d entries"
PRE_ONLY_BAD=$(hooks_dir hooks-precreate-only-bad "$BAD" -) || e2e_skip "cannot write the hooks.d entries"

# ---- the shipped hooks.d files ---------------------------------------------

# shipped_ok FILE STAGE: 1.0.0 schema, /usr/bin/oci-agent-hook with args
# [oci-agent-hook, STAGE], an explicit env with PATH, when always, that stage only.
shipped_ok() {
    local got
    got=$(jq -c --arg s "$2" '
        [ .version == "1.0.0",
          .hook.path == "/usr/bin/oci-agent-hook",
          .hook.args == ["oci-agent-hook", $s],
          (.hook.env | index("PATH=/usr/sbin:/usr/bin:/sbin:/bin")) != null,
          .when == {"always": true},
          .stages == [$s] ] | all' "$1" 2>&1)
    [ "$got" = true ] && return 0
    echo "     $1: $got"
    jq -c . "$1" | sed 's/^/     /'
    return 1
}
check "scripts/hooks.d/oci-agent-hook-precreate.json" \
    shipped_ok "$E2E_ROOT/scripts/hooks.d/oci-agent-hook-precreate.json" precreate
check "scripts/hooks.d/oci-agent-hook-createruntime.json" \
    shipped_ok "$E2E_ROOT/scripts/hooks.d/oci-agent-hook-createruntime.json" createRuntime
check "scripts/hooks.d/oci-agent-hook-poststop.json" \
    shipped_ok "$E2E_ROOT/scripts/hooks.d/oci-agent-hook-poststop.json" poststop

# ---- what install wrote --------------------------------------------------------

# installed_ok NAME: $PODMAN_DIR/hooks.d/NAME is scripts/hooks.d/NAME with
# hook.path the hook under test and `--config $GOOD` before the stage
# argument (compared as JSON).
installed_ok() {
    local got want
    got=$(jq -S . "$PODMAN_DIR/hooks.d/$1" 2>&1)
    want=$(jq -S --arg p "$HOOK" --arg c "$GOOD" \
        '.hook.path = $p | .hook.args = .hook.args[:-1] + ["--config", $c] + .hook.args[-1:]' \
        "$E2E_ROOT/scripts/hooks.d/$1")
    [ "$got" = "$want" ] && return 0
    echo "     $PODMAN_DIR/hooks.d/$1:"
    diff <(echo "$want") <(echo "$got") | sed 's/^/     /'
    return 1
}
same_names() {  # the hooks.d directory holds the shipped file names, no other
    local got want
    got=$(cd "$PODMAN_DIR/hooks.d" && ls)
    want=$(cd "$E2E_ROOT/scripts/hooks.d" && ls)
    [ "$got" = "$want" ] && return 0
    echo "     hooks.d holds: $(tr "\n" " " <<< "$got"), want: $(tr "\n" " " <<< "$want")"
    return 1
}
E2E_RUNTIME=podman/install
sed 's/^/     /' <<< "install --engine podman said: $INSTALL_OUT"
out=$INSTALL_OUT
check "install --engine podman: succeeds" test "$INSTALL_RC" = 0
check "install: hooks.d holds the shipped files, by name" same_names
for f in "$E2E_ROOT"/scripts/hooks.d/*.json; do
    check "install: ${f##*/} is the shipped file, path $HOOK, --config the policy" installed_ok "${f##*/}"
done
out=$(podman_install --config "$GOOD")
check "install a second time: nothing to change" has "$out" "already installed: nothing to change"

# ---- checks on what podman did -----------------------------------------------

# The agent's workload: the probe facts, then a script written to /tmp and
# to the excluded path and run from there.
# shellcheck disable=SC2016 # expanded by the container's shell
WORKLOAD='/probe /tmp '$NM' /agent-home
for d in /tmp '$NM'; do
    printf "#!/bin/sh\necho script-ran\n" > $d/script.sh && chmod 0755 $d/script.sh
    /try script:$d $d/script.sh
done'

expect_runtime() {  # expect_runtime CONTAINER RUNTIME: podman ran it with RUNTIME
    local got
    got=$(pm inspect --format '{{.OCIRuntime}}' "$1" 2>&1)
    [ "$got" = "$2" ] && return 0
    echo "     $1: OCI runtime '$got', want '$2'"
    return 1
}

# spec_mount_ok CONFIG DEST JQ-TEST: exactly one mount at DEST in CONFIG, a
# tmpfs, and JQ-TEST holds for its options ($o).
spec_mount_ok() {
    local got
    got=$(jq -c --arg d "$2" "[.mounts[] | select(.destination == \$d)] |
        if length == 1 and .[0].type == \"tmpfs\" then (.[0].options as \$o | $3) else . end" "$1" 2>&1)
    [ "$got" = true ] && return 0
    echo "     config.json mounts at $2: $got"
    return 1
}

no_workload() {  # the workload's marker is not in the output
    ! has "$out" WORKLOAD-RAN && return 0
    echo "     the workload ran"
    return 1
}
refused() {
    [ "$rc" != 0 ] && return 0
    echo "     podman run exited 0"
    return 1
}
shows() {  # shows TEXT: podman's output holds TEXT
    has "$out" "$1" && return 0
    echo "     podman's output lacks: $1"
    return 1
}
said() { printf '%s\n' "$out" | sed 's/^/     podman said: /'; }

# ---- per runtime ------------------------------------------------------------

# runtime_checks LABEL RUNTIME: every scenario under RUNTIME (runc, or the
# path of a crun); prints LABEL's own pass/fail counts at the end.
runtime_checks() {
    local label=$1 runtime=$2 p0=$e2e_passed f0=$e2e_failed name cfg
    E2E_RUNTIME=podman/$label
    echo "== podman --runtime $runtime"

    # The contract, as the agent (uid 1000) sees it.
    prun "$runtime" --rm --user 1000:1000 -- sh -c "$WORKLOAD"
    check "agent: the container runs" expect_rc 0
    check "agent: /tmp is a noexec tmpfs of 262144k (policy tmp.size 256m)" expect_tmpfs /tmp noexec 262144
    check "agent: /tmp mode 1777, owned 0:0 (the image's /tmp is 0755)" expect stat /tmp "directory 1777 0:0"
    check "agent: uid 1000 creates a file in /tmp" expect write /tmp ok
    check "agent: a binary in /tmp cannot run" expect_noexec_denied /tmp
    check "agent: a script in /tmp cannot run" expect_re try script:/tmp '^fail .*Permission denied'
    check "agent: $NM is an exec tmpfs of 1048576k" expect_tmpfs "$NM" exec 1048576
    check "agent: $NM mode 1777, owned 0:0" expect stat "$NM" "directory 1777 0:0"
    check "agent: uid 1000 creates a file in $NM" expect write "$NM" ok
    check "agent: a binary in $NM runs" expect exec "$NM" ok
    check "agent: a script uid 1000 wrote in $NM runs" expect try "script:$NM" ok
    check "agent: /agent-home exists, mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"

    # A user's exec /tmp; kept (no --rm) to read its config.json.
    name=oah-usertmp-$label
    prun "$runtime" --name "$name" --user 1000:1000 --tmpfs /tmp:exec,size=100m -- /probe /tmp
    check "--tmpfs /tmp:exec,size=100m: the container runs" expect_rc 0
    check "--tmpfs /tmp:exec,size=100m: podman ran it with $runtime" expect_runtime "$name" "$runtime"
    check "--tmpfs /tmp:exec,size=100m: /tmp is the policy's noexec tmpfs of 262144k" expect_tmpfs /tmp noexec 262144
    check "--tmpfs /tmp:exec,size=100m: one mount at /tmp (replaced, not hidden)" expect_mount_count /tmp 1
    check "--tmpfs /tmp:exec,size=100m: /tmp mode 1777" expect stat /tmp "directory 1777 0:0"
    check "--tmpfs /tmp:exec,size=100m: uid 1000 creates a file in /tmp" expect write /tmp ok
    check "--tmpfs /tmp:exec,size=100m: a binary in /tmp cannot run" expect_noexec_denied /tmp
    cfg=$(config_path "$name")
    check "config.json ($cfg) is there" test -f "$cfg"
    # shellcheck disable=SC2016 # $o is jq's
    check "config.json records /tmp: one tmpfs, noexec,nosuid,nodev,mode=1777,size=256m" spec_mount_ok "$cfg" /tmp \
        '(["noexec", "nosuid", "nodev", "mode=1777", "size=256m"] - $o == []) and ($o | index("exec") == null) and ($o | index("size=100m") == null)'
    # shellcheck disable=SC2016
    check "config.json records $NM: one tmpfs, exec,nosuid,nodev,mode=1777" spec_mount_ok "$cfg" "$NM" \
        '(["exec", "nosuid", "nodev", "mode=1777"] - $o == []) and ($o | index("noexec") == null)'
    check "config.json runs the hook once at createRuntime (the hooks.d entry; precreate adds no second one)" \
        test "$(jq -c '[.hooks.createRuntime[]? | select(.path | endswith("/oci-agent-hook"))] | length' "$cfg" 2>&1)" = 1
    pm rm -f -t 0 "$name" > /dev/null 2>&1

    # The precreate entry alone: the createRuntime stage it registers in
    # the spec fixes what a spec cannot (/tmp's mode under runc, the home).
    prun "$runtime" --rm --hooks-dir "$PRE_ONLY" --user 1000:1000 -- /probe /tmp "$NM" /agent-home
    check "precreate entry only: the container runs" expect_rc 0
    check "precreate entry only: /tmp is a noexec tmpfs of 262144k" expect_tmpfs /tmp noexec 262144
    check "precreate entry only: /tmp mode 1777" expect stat /tmp "directory 1777 0:0"
    check "precreate entry only: $NM is an exec tmpfs, mode 1777" expect stat "$NM" "directory 1777 0:0"
    check "precreate entry only: a binary in $NM runs" expect exec "$NM" ok
    check "precreate entry only: /agent-home owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"

    # An invalid policy file, read by both entries: the start must fail
    # closed and the podman user must see why. precreate's stderr is
    # dropped by podman; the reason can only come from createRuntime.
    prun "$runtime" --rm --hooks-dir "$BAD_BOTH" -- echo WORKLOAD-RAN
    said
    check "invalid policy: podman run fails" refused
    check "invalid policy: the workload never runs" no_workload
    check "invalid policy: the user sees the reason (tmp.max_size)" shows "tmp.max_size"
    check "invalid policy: the user sees the hook's line" shows "oci-agent-hook: createRuntime: validate policy: $BAD: tmp.max_size:"

    # The same with the precreate entry alone: the createRuntime entry it
    # registers carries the policy file (--config) and fails the same way.
    prun "$runtime" --rm --hooks-dir "$PRE_ONLY_BAD" -- echo WORKLOAD-RAN
    said
    check "invalid policy, precreate entry only: podman run fails" refused
    check "invalid policy, precreate entry only: the workload never runs" no_workload
    check "invalid policy, precreate entry only: the user sees the hook's line" shows "oci-agent-hook: createRuntime: validate policy: $BAD: tmp.max_size:"

    # The failure precreate leaves to createRuntime, with precreate itself
    # succeeding: only the createRuntime entry reads the invalid policy.
    prun "$runtime" --rm --hooks-dir "$BAD_CR" -- echo WORKLOAD-RAN
    said
    check "createRuntime fails: podman run fails" refused
    check "createRuntime fails: the workload never runs" no_workload
    if [ "$runtime" = runc ]; then
        check "createRuntime fails: the user sees the reason (runc prints the hook's stderr)" shows "tmp.max_size"
    else
        echo "     (crun prints only the hook's exit code: the annotation run.oci.hooks.stderr=/dev/stderr below sends the hook's stderr to crun's stderr, which conmon hands to podman)"
    fi
    # With run.oci.hooks.stderr=/dev/stderr, crun writes the hook's stderr
    # to its own stderr, which podman shows; runc ignores the annotation.
    prun "$runtime" --rm --hooks-dir "$BAD_CR" --annotation run.oci.hooks.stderr=/dev/stderr -- echo WORKLOAD-RAN
    said
    check "createRuntime fails, run.oci.hooks.stderr=/dev/stderr: podman run fails" refused
    check "createRuntime fails, run.oci.hooks.stderr=/dev/stderr: the workload never runs" no_workload
    check "createRuntime fails, run.oci.hooks.stderr=/dev/stderr: the user sees the reason" shows "tmp.max_size"
    # ...and on a good start the annotation adds nothing to the output.
    prun "$runtime" --rm --annotation run.oci.hooks.stderr=/dev/stderr -- echo STARTED
    check "run.oci.hooks.stderr=/dev/stderr, good policy: runs, prints only the workload's output" \
        test "$rc:$out" = "0:STARTED"

    check "no container left in the private storage" test -z "$(pm ps -aq 2>&1)"
    echo "podman/$label: $((e2e_passed - p0)) passed, $((e2e_failed - f0)) failed"
}

runtime_checks runc runc
runtime_checks crun "$PODMAN_CRUN"

# ---- uninstall -------------------------------------------------------------------
E2E_RUNTIME=podman/install
out=$(podman_uninstall --config "$GOOD")
rc=$?
sed 's/^/     /' <<< "uninstall --engine podman said: $out"
check "uninstall: succeeds" test "$rc" = 0
check "uninstall: the hooks_dir of containers.conf is empty again" test -z "$(ls -A "$PODMAN_DIR/hooks.d")"

e2e_summary
