# shellcheck shell=bash
# Shared helpers for the end-to-end tests: real containers under runc or crun,
# with the built hook registered in a sample bundle. Source it, then call
# e2e_init RUNTIME HOOK-BINARY.
#
# A test that cannot run here (not root, no runtime) prints why and exits 77
# (CTest's skip code); with E2E_REQUIRED=1 (CI) it fails instead.
#
# E2E_HOOK_VIA says how the hook binary is started:
#   direct (or unset)  as registered: the runtime runs $HOOK itself;
#   enosys             through tests/e2e/tools/enosys_exec, under a seccomp
#                      filter answering ENOSYS for openat2 and the new mount
#                      API (CTest's e2e_enosys_* entries), so that the whole
#                      suite runs once more on the hook's fallback paths.
#                      Just before each start (run_container), every hook
#                      entry whose path is the hook binary, however the test
#                      or a spec writer registered it, becomes
#                      {path: enosys_exec, args: [enosys_exec, --log, LOG,
#                      HOOK, ARGS[1:]...]}; the hook binary run on the host
#                      (e2e_hook) goes through enosys_exec too. The mode
#                      proves itself: e2e_init runs enosys_exec --self-test,
#                      and every successful start must have logged one
#                      filtered start per hook entry (e2e_summary).

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The helper programs built from tests/e2e/tools (CTest sets E2E_TOOLS_DIR).
E2E_TOOLS=${E2E_TOOLS_DIR:-$E2E_ROOT/build/tests/e2e/tools}
# What enosys_exec's filter answers ENOSYS for (its --self-test lists them).
E2E_ENOSYS_CALLS="openat2 fsopen fsconfig fsmount move_mount open_tree mount_setattr"
# The hook refuses a group- or world-writable policy file, and the tests
# write theirs: under a caller's umask 002 every one would be refused.
umask 022
e2e_passed=0
e2e_failed=0
e2e_seq=0

e2e_skip() {
    if [ "${E2E_REQUIRED:-0}" = 1 ]; then
        echo "FAIL cannot run (E2E_REQUIRED=1): $*"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

# e2e_init RUNTIME HOOK: RUNTIME is runc or crun.
e2e_init() {
    E2E_RUNTIME=$1
    HOOK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
    [ "$(id -u)" = 0 ] || e2e_skip "end-to-end tests need root (they start real containers)"
    [ -x "$HOOK" ] || e2e_skip "hook binary $HOOK not built"
    command -v jq > /dev/null || e2e_skip "jq not installed (scripts/install-deps.sh)"
    case $E2E_RUNTIME in
        runc) command -v runc > /dev/null || e2e_skip "runc not installed (scripts/install-deps.sh)" ;;
        crun) command -v crun > /dev/null || e2e_skip "crun not installed (scripts/install-deps.sh)" ;;
        *) echo "unknown runtime $E2E_RUNTIME"; exit 2 ;;
    esac
    # Under /var/tmp, not /tmp or /root: a user-namespaced container's root
    # must be able to traverse every parent of its bundle.
    E2E_WORK=$(mktemp -d /var/tmp/oci-agent-hook-e2e.XXXXXX)
    chmod 0755 "$E2E_WORK"
    trap e2e_cleanup EXIT
    e2e_hook_via_init
}

# ---- E2E_HOOK_VIA (see the top of this file) ------------------------------------

e2e_hook_via_init() {
    E2E_HOOK_VIA=${E2E_HOOK_VIA:-direct}
    # The path the runtime executes for a hook entry of the hook (crun names it).
    # shellcheck disable=SC2034 # for the tests
    E2E_HOOK_EXEC=$HOOK
    e2e_filtered_expected=0 e2e_filtered_missing=0
    case $E2E_HOOK_VIA in
        direct) return 0 ;;
        enosys) ;;
        *) echo "unknown E2E_HOOK_VIA '$E2E_HOOK_VIA' (direct or enosys)"; exit 2 ;;
    esac
    ENOSYS_EXEC=$E2E_TOOLS/enosys_exec
    [ -x "$ENOSYS_EXEC" ] ||
        e2e_skip "E2E_HOOK_VIA=enosys: $ENOSYS_EXEC not built (cmake --build build; set E2E_TOOLS_DIR when running by hand)"
    # shellcheck disable=SC2034 # for the tests
    E2E_HOOK_EXEC=$ENOSYS_EXEC
    E2E_ENOSYS_LOG=$E2E_WORK/enosys-starts.log
    : > "$E2E_ENOSYS_LOG"
    echo "     E2E_HOOK_VIA=enosys: every start of the hook goes through $ENOSYS_EXEC"
    local self sc
    self=$("$ENOSYS_EXEC" --self-test 2>&1)
    for sc in $E2E_ENOSYS_CALLS; do
        out=$self check "enosys mode: the filter answers ENOSYS for $sc" has_re "$self" "^$sc before=[^ ]+ after=ENOSYS$"
    done
    out=$self check "enosys mode: the filter blocks exactly $E2E_ENOSYS_CALLS" \
        test "$(cut -d' ' -f1 <<< "$self" | sort | xargs)" = "$(xargs -n1 <<< "$E2E_ENOSYS_CALLS" | sort | xargs)"
}

# e2e_hook ARG...: runs the hook binary on the host (spec writers, install);
# in ENOSYS mode through enosys_exec (they use neither openat2 nor the mount
# API today, but one rule covers whatever they come to use).
e2e_hook() {
    if [ "$E2E_HOOK_VIA" = enosys ]; then
        "$ENOSYS_EXEC" "$HOOK" "$@"
    else
        "$HOOK" "$@"
    fi
}

# e2e_hook_via BUNDLE: in ENOSYS mode, every hook entry in BUNDLE's
# config.json whose path is the hook binary (the same file as $HOOK: spec
# writers register the path /proc/self/exe names) starts it through
# enosys_exec, and an entry a test made through enosys_exec itself gets the
# --log; a second call changes nothing (and writes nothing). Sets
# e2e_filtered_now: how many entries log a filtered start when the
# container starts, enosys_exec first or behind a tracer (poststop entries
# run at delete, and are not counted).
e2e_hook_via() {
    local config=$1/config.json p paths=()
    e2e_filtered_now=0
    [ "$E2E_HOOK_VIA" = enosys ] || return 0
    while IFS= read -r p; do
        [ -n "$p" ] && [ "$p" -ef "$HOOK" ] && paths+=("$p")
    done < <(jq -r '[(.hooks // {})[][] | .path] | unique[]' "$config")
    # Prints nothing when there is nothing to change.
    if ! jq --arg e "$ENOSYS_EXEC" --arg log "$E2E_ENOSYS_LOG" '
        (.hooks // {} | with_entries(.value |= map(
            if (.path as $p | any($ARGS.positional[]; . == $p))
            then .args = [$e, "--log", $log, .path] + ((.args // [.path])[1:]) | .path = $e
            elif .path == $e and .args[1] != "--log"
            then .args = [.args[0], "--log", $log] + .args[1:]
            else . end))) as $hooks
        | if $hooks == (.hooks // {}) then empty else .hooks = $hooks end' \
        "$config" --args "${paths[@]}" > "$config.via"; then
        echo "e2e_hook_via: cannot rewrite $config" >&2
        return 1
    fi
    if [ -s "$config.via" ]; then mv "$config.via" "$config"; else rm -f "$config.via"; fi
    e2e_filtered_now=$(jq --arg e "$ENOSYS_EXEC" --arg log "$E2E_ENOSYS_LOG" '
        [(.hooks // {}) | del(.poststop)[][] | select([.path] + (.args // [])[1:] | index([$e, "--log", $log]) != null)] | length' "$config")
}

# Filtered starts of every stage but poststop: the runtime runs poststop
# entries when it destroys the container (at delete, and at the end of a
# foreground `run`), which e2e_filtered_now does not count.
e2e_filtered_count() { grep '^filtered: ' "$E2E_ENOSYS_LOG" | grep -cv ' poststop$'; }

# e2e_start LIMIT BUNDLE: starts BUNDLE with `run`, ended after LIMIT
# seconds; sets $out (stdout+stderr of the runtime and the workload), $rc.
# In ENOSYS mode a successful start must have logged a filtered start for
# each hook entry (else the hook ran without the filter: a failure).
e2e_start() {
    local limit=$1 bundle=$2
    e2e_start_begin "$bundle" || return
    out=$(cd "$bundle" && e2e_runtime_within "$limit" run -b "$bundle" "$e2e_start_id" < /dev/null 2>&1)
    rc=$?
    e2e_start_end
}

# The two halves of e2e_start, for a test that runs the container in the
# background while it acts on it (test_sweep.sh): e2e_start_begin BUNDLE
# sets $e2e_start_id (returns 1, with a failed check, when the bundle
# cannot be prepared); run the runtime with that id, set $rc, then call
# e2e_start_end.
e2e_start_begin() {
    local bundle=$1
    if ! e2e_hook_via "$bundle"; then
        out="" rc=1
        check "enosys mode: the hook entries of $bundle go through enosys_exec" false
        return 1
    fi
    e2e_logged_before=0
    [ "$E2E_HOOK_VIA" = enosys ] && e2e_logged_before=$(e2e_filtered_count)
    e2e_start_bundle=$bundle
    e2e_seq=$((e2e_seq + 1))
    e2e_start_id=oah-$$-$e2e_seq
    e2e_ids+=("$e2e_start_id")
}

e2e_start_end() {
    local logged
    e2e_runtime_cmd delete -f "$e2e_start_id" > /dev/null 2>&1 || true
    if [ "$E2E_HOOK_VIA" = enosys ] && [ "$rc" -eq 0 ]; then
        logged=$(($(e2e_filtered_count) - e2e_logged_before))
        e2e_filtered_expected=$((e2e_filtered_expected + e2e_filtered_now))
        if [ "$logged" -ne "$e2e_filtered_now" ]; then
            e2e_filtered_missing=$((e2e_filtered_missing + 1))
            echo "     enosys mode: start $e2e_start_id of $e2e_start_bundle: $e2e_filtered_now hook entries through enosys_exec, $logged filtered starts logged"
        fi
    fi
}

e2e_cleanup() {
    local id pid
    for id in "${e2e_ids[@]:-}"; do
        [ -n "$id" ] && e2e_runtime_cmd delete -f "$id" > /dev/null 2>&1
    done
    # Helper processes a test started (see e2e_track_pid), by their pid.
    for pid in "${e2e_pids[@]:-}"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
    done
    # Unmount anything a failed test may have left under the work dir
    # before removing it (never cross into a mount).
    grep -F " $E2E_WORK/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
        umount -l "$m" 2> /dev/null
    done
    rm -rf --one-file-system "$E2E_WORK"
}

# e2e_track_pid PID: a background process this test started (a namespace
# holder...); the cleanup kills it by its pid, however the test ends.
e2e_track_pid() { e2e_pids+=("$1"); }

# new_bundle NAME [make-bundle options] [-- COMMAND...]: prints the bundle dir.
new_bundle() {
    local dir=$E2E_WORK/$1
    shift
    "$E2E_ROOT/scripts/make-bundle.sh" "$dir" "$@" > /dev/null || { echo "make-bundle failed for $dir" >&2; return 1; }
    echo "$dir"
}

# run_container BUNDLE: runs it to completion (at most 120 s); sets $out
# (stdout+stderr of the runtime and the workload), $rc.
run_container() { e2e_start 120 "$1"; }

# e2e_runtime_within LIMIT ARG...: the runtime, killed after LIMIT seconds.
e2e_runtime_within() {
    local limit=$1
    shift
    case $E2E_RUNTIME in
        runc) timeout -k 5 "$limit" runc "$@" ;;
        crun) timeout -k 5 "$limit" "$E2E_ROOT/scripts/crun-hybrid" "$@" ;;
    esac
}

e2e_runtime_cmd() { e2e_runtime_within 120 "$@"; }

check() {  # check NAME COMMAND...: records a pass or a failure
    local name=$1
    shift
    if "$@"; then
        e2e_passed=$((e2e_passed + 1))
        echo "ok   [$E2E_RUNTIME] $name"
    else
        e2e_failed=$((e2e_failed + 1))
        echo "FAIL [$E2E_RUNTIME] $name"
        [ -n "${out:-}" ] && printf '     output: %s\n' "$(printf '%s' "$out" | head -c 2000)"
    fi
}

has() { grep -qF -- "$2" <<< "$1"; }
has_re() { grep -qE -- "$2" <<< "$1"; }
lacks() { ! grep -qF -- "$2" <<< "$1"; }

# The mountinfo line for mount point $2 in workload output $1.
mount_line() { awk -v mp="$2" '$5 == mp' <<< "$1" | tail -n 1; }

# Sentinels: host files and directories a buggy hook could damage through a
# planted symlink. Never real system paths.
make_sentinels() {
    SENTINEL=$E2E_WORK/sentinel
    mkdir -p "$SENTINEL/dir"
    echo "sentinel content" > "$SENTINEL/file"
    echo "inside" > "$SENTINEL/dir/inner"
    chmod 0640 "$SENTINEL/file"
    chmod 0750 "$SENTINEL/dir"
}

# sentinel_volume NAME: one more sentinel, a directory to bind into a
# container as a host volume: $SENTINEL/NAME, mode 0750, root-owned, holding
# the file "inner" ("inside"). Prints its path. Call make_sentinels first;
# the snapshots cover it (everything under $SENTINEL).
sentinel_volume() {
    local dir=$SENTINEL/$1
    mkdir -m 0750 "$dir" && echo "inside" > "$dir/inner" && echo "$dir"
}

sentinel_snapshot() {  # every entry's type, mode, owner, size; every file's content
    (cd "$SENTINEL" && find . -printf '%p %m %u:%g %s %y\n' | sort &&
        find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

host_mounts() { awk '{print $5, $9}' /proc/self/mountinfo | sort; }

e2e_summary() {
    # Engine tests that set up their own work dir (podman) never ran e2e_init.
    if [ "${E2E_HOOK_VIA:-direct}" = enosys ]; then
        local out=""
        check "enosys mode: the hook ran under the filter at least once ($e2e_filtered_expected filtered starts)" \
            test "$e2e_filtered_expected" -gt 0
        check "enosys mode: every successful start ran each hook entry under the filter ($e2e_filtered_missing starts without)" \
            test "$e2e_filtered_missing" -eq 0
    fi
    echo "$e2e_passed passed, $e2e_failed failed"
    [ "$e2e_failed" -eq 0 ]
}
