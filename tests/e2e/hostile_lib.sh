# shellcheck shell=bash
# shellcheck disable=SC2154 # $out and $rc are set by run_container (lib.sh)
# Helpers shared by the hostile-rootfs, race, failure-path, fallback and
# identity end-to-end tests (test_hostile_rootfs.sh, test_race.sh,
# test_failure_path.sh, test_fallback.sh, test_identity.sh,
# test_identity_submounts.sh, test_userns_join.sh). Source it after lib.sh,
# after e2e_init.
#
# A refused start must show three things: the runtime fails with the hook's
# one-line message, the workload never ran, and nothing outside the rootfs
# changed (sentinels, host mounts).

# need_tool NAME: a helper program built from tests/e2e/tools ($E2E_TOOLS, lib.sh).
need_tool() {
    [ -x "$E2E_TOOLS/$1" ] ||
        e2e_skip "helper $E2E_TOOLS/$1 not built (cmake --build build; set E2E_TOOLS_DIR when running by hand)"
}

# The workload of a bundle that should never start: it leaves a file on a
# host bind mount and prints a marker string; either one proves it ran.
WORKLOAD_MARK=WORKLOAD-RAN

# hostile_bundle NAME: a bundle with the hook at createRuntime and the
# marker workload. The hook's stderr also goes to $HOOK_ERR (crun shows the
# user only "error executing hook"). Building a busybox rootfs takes
# seconds, so the first call builds a template and later ones copy it.
# Sets BUNDLE, ROOTFS, HOOK_ERR, MARKER_DIR.
# shellcheck disable=SC2034 # ROOTFS is for the tests
hostile_bundle() {
    local name=$1 template=$E2E_WORK/template
    MARKER_DIR=$E2E_WORK/$name.marker
    HOOK_ERR=$E2E_WORK/$name.hook-stderr
    mkdir -p "$MARKER_DIR"
    if [ ! -d "$template" ]; then
        new_bundle template --hook "$HOOK" --annotation "run.oci.hooks.stderr=/dev/null" \
            --bind "$MARKER_DIR:/marker" \
            -- sh -c "echo ran > /marker/ran; echo $WORKLOAD_MARK" > /dev/null || return 1
    fi
    BUNDLE=$E2E_WORK/$name
    ROOTFS=$BUNDLE/rootfs
    cp -a "$template" "$BUNDLE"
    jq --arg err "$HOOK_ERR" --arg marker "$MARKER_DIR" '
        .annotations["run.oci.hooks.stderr"] = $err
      | .mounts |= map(if .destination == "/marker" then .source = $marker else . end)
    ' "$template/config.json" > "$BUNDLE/config.json"
}

# set_hook BUNDLE PATH ARG...: the bundle's createRuntime hooks become this
# one entry (path PATH, args ARG...), keeping anything else in config.json.
set_hook() {
    local bundle=$1 path=$2
    shift 2
    local args
    args=$(jq -cn '$ARGS.positional' --args -- "$@")
    jq --arg p "$path" --argjson a "$args" '.hooks.createRuntime = [{path: $p, args: $a}]' \
        "$bundle/config.json" > "$bundle/config.json.new" &&
        mv "$bundle/config.json.new" "$bundle/config.json"
}

# edit_config BUNDLE JQ-FILTER: rewrites the bundle's config.json.
edit_config() {
    jq "$2" "$1/config.json" > "$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# set_workload BUNDLE SCRIPT: process.args becomes sh -c SCRIPT.
set_workload() {
    jq --arg s "$2" '.process.args = ["sh", "-c", $s]' "$1/config.json" > "$1/config.json.new" &&
        mv "$1/config.json.new" "$1/config.json"
}

# add_mount BUNDLE TYPE SOURCE DEST OPTIONS: appends a mount to the spec;
# OPTIONS comma-separated ("rbind,ro,nosuid"). Runtimes mount in array order.
add_mount() {
    jq --arg t "$2" --arg s "$3" --arg d "$4" --arg o "$5" \
        '.mounts += [{destination: $d, type: $t, source: $s, options: ($o | split(","))}]' \
        "$1/config.json" > "$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# set_probe_workload BUNDLE SCRIPT: installs functional_lib.sh's /probe and
# /try in the rootfs (source that lib too) and makes the workload SCRIPT,
# then the marker (file and output), so that a refused start still shows
# the workload never ran and a successful one reports what it saw.
set_probe_workload() {
    install_probe "$1/rootfs"
    set_workload "$1" "$2
echo ran > /marker/ran; echo $WORKLOAD_MARK"
}

# run_container_within SECONDS BUNDLE: run_container with a shorter time
# limit, for cases where a hook could hang; also sets $elapsed (seconds).
# shellcheck disable=SC2034 # elapsed is for the tests
run_container_within() {
    local start=$SECONDS
    e2e_start "$1" "$2"
    elapsed=$((SECONDS - start))
}

# release_fifo PATH: if PATH is a FIFO, open it read-write for a moment, so
# whatever is blocked opening it (a hung hook) can go on and end.
release_fifo() {
    # shellcheck disable=SC2016 # $1 is the inner shell's
    [ -p "$1" ] && timeout 2 sh -c 'exec 3<>"$1"' fifo "$1" 2> /dev/null
    return 0
}

# The hook's stderr as the user can read it: runc quotes it inside its own
# error line (newlines as \n, quotes as \"); crun shows nothing, so it is
# read from the run.oci.hooks.stderr file.
hook_stderr() {
    case $E2E_RUNTIME in
        runc) sed -n 's/.*error running hook.*, stderr: \(.*\)"$/\1/p' <<< "$out" |
                  sed 's/\\n/\n/g; s/\\"/"/g' | sed '/^$/d' ;;
        crun) cat "$HOOK_ERR" 2> /dev/null ;;
    esac
}

one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }

# same_text NAME BEFORE AFTER: equal, or prints the difference.
same_text() {
    [ "$2" = "$3" ] && return 0
    echo "     $1 differs (< before, > after):"
    diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/       /'
    return 1
}

# The sentinels (lib.sh's snapshot) plus the ctime and mtime of every entry:
# a chown or chmod undone afterwards still shows.
sentinel_state() {
    sentinel_snapshot
    (cd "$SENTINEL" && find . -printf '%p ctime=%C@ mtime=%T@\n' | sort)
}

# snapshot_host: remember the sentinels, the host's mounts and the bundle's
# config.json (a refused start must not record mounts it never made), the
# latter as the runtime will read it (E2E_HOOK_VIA=enosys rewrites the hook
# entries before the start; lib.sh).
snapshot_host() {
    e2e_hook_via "$BUNDLE"
    sentinel_before=$(sentinel_state)
    mounts_before=$(host_mounts)
    config_before=$(cat "$BUNDLE/config.json")
}

# check_host_unchanged WHAT: sentinels and host mounts as snapshot_host saw them.
check_host_unchanged() {
    local out=""  # check prints $out on failure; same_text prints the diff
    check "$1: sentinels unchanged (content, owner, mode, ctime)" \
        same_text sentinels "$sentinel_before" "$(sentinel_state)"
    check "$1: host mounts unchanged" same_text "host mounts" "$mounts_before" "$(host_mounts)"
}

# check_refused WHAT EXPECTED...: the last run was refused by the hook with
# a one-line message holding every EXPECTED string, and the workload never ran.
check_refused() {
    local what=$1 msg s
    shift
    msg=$(hook_stderr)
    check "$what: the runtime fails" test "$rc" -ne 0
    check "$what: the workload did not run (no marker file)" test ! -e "$MARKER_DIR/ran"
    check "$what: the workload did not run (no marker output)" lacks "$out" "$WORKLOAD_MARK"
    # A start that went through has no message to judge.
    [ "$rc" -eq 0 ] && return
    check "$what: config.json not rewritten" test "$(cat "$BUNDLE/config.json")" = "$config_before"
    if [ "$E2E_RUNTIME" = crun ]; then
        check "$what: crun reports the failing hook" has "$out" "error executing hook"
    fi
    check "$what: the hook's message is one line" one_line "$msg"
    check "$what: the message comes from the hook" has "$msg" "oci-agent-hook: createRuntime: "
    for s in "$@"; do
        check "$what: the message says '$s'" has "$msg" "$s"
    done
    printf '     message: %s\n' "$msg"
}
