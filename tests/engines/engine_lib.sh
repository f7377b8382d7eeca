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
