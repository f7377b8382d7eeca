# shellcheck shell=bash
# Helpers every engine test shares. Sourced by containerd_lib.sh and
# docker_lib.sh.

# expect_jq FILE [JQ-OPTIONS...] FILTER: the jq FILTER (the last argument) is
# true on FILE.
expect_jq() {
    local file=$1
    shift
    jq -e "$@" "$file" > /dev/null 2>&1 && return 0
    echo "     $file: not true: ${*: -1}"
    return 1
}

# containerd_shim_pids SOCKET: the runc shims a containerd listening on
# SOCKET started (its address is on their command line), one pid a line.
containerd_shim_pids() {
    local f pid args
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        args=$( (tr '\0' '\n' < "$f") 2> /dev/null) || continue
        grep -qxF -- "$1" <<< "$args" || continue
        [ "$(basename "$(head -n 1 <<< "$args")")" = containerd-shim-runc-v2 ] && echo "$pid"
    done
}

# hook_entries_in CONFIG: the hook entries (any stage) that run oci-agent-hook
# or oci-agent-runtime, one JSON object per line: {stage, path, args}.
hook_entries_in() {
    jq -c '(.hooks // {}) | to_entries[] | .key as $s | .value[]
           | select(.path | test("oci-agent-(hook|runtime)$")) | {stage: $s, path, args}' "$1"
}

# expect_hook_registered CONFIG: what a spec writer registers, exactly once
# each: the hook at createRuntime and at poststop (which removes its
# record), with absolute paths.
expect_hook_registered() {
    local got
    got=$(hook_entries_in "$1")
    if [ "$(jq -r .stage <<< "$got" | sort | xargs)" = "createRuntime poststop" ] &&
        [ -z "$(jq -r 'select(.path | startswith("/") | not) | .path' <<< "$got")" ]; then
        return 0
    fi
    echo "     $1: want one oci-agent-hook entry at createRuntime and one at poststop, absolute paths, got: ${got:-none}"
    return 1
}
