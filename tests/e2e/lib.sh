# shellcheck shell=bash
# Shared helpers for the end-to-end tests: real containers under runc or crun,
# with the built hook registered in a sample bundle. Source it, then call
# e2e_init RUNTIME HOOK-BINARY.
#
# A test that cannot run here (not root, no runtime) prints why and exits 77
# (CTest's skip code); with E2E_REQUIRED=1 (CI) it fails instead.

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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

# run_container BUNDLE: runs it to completion; sets $out (stdout+stderr of
# the runtime and the workload), $rc.
run_container() {
    e2e_seq=$((e2e_seq + 1))
    local id=oah-$$-$e2e_seq
    e2e_ids+=("$id")
    out=$(cd "$1" && e2e_runtime_cmd run -b "$1" "$id" < /dev/null 2>&1)
    rc=$?
    e2e_runtime_cmd delete -f "$id" > /dev/null 2>&1 || true
}

e2e_runtime_cmd() {
    case $E2E_RUNTIME in
        runc) timeout 120 runc "$@" ;;
        crun) timeout 120 "$E2E_ROOT/scripts/crun-hybrid" "$@" ;;
    esac
}

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
    echo "$e2e_passed passed, $e2e_failed failed"
    [ "$e2e_failed" -eq 0 ]
}
