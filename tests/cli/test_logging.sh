#!/usr/bin/env bash
# Logging (hook/log.hpp) and the ENOSPC/EDQUOT hint (hook/full_mount.hpp),
# with the built binaries and no containers:
#  - the policy's log file: text and JSON lines (parsed with jq), one line
#    per message, level filtering, a file that cannot be opened (missing
#    directory, a symlink, a FIFO) is a warning and the command succeeds;
#    interactive commands (rewrite) leave it alone;
#  - syslog: a test-local /dev/log (a private mount namespace with a tmpfs
#    on /dev and a python3 datagram listener at /dev/log): each stage's
#    outcome with its container, success and failure, both programs; a
#    /dev/log nobody reads does not hold a stage up; no /dev/log at all is
#    no failure;
#  - a full tmpfs holding a bundle: `rewrite --bundle` fails with a line
#    that names the mount and says blocks or inodes (both cases).
# Root only (mount namespaces, tmpfs mounts): skips otherwise.
#
# Usage: test_logging.sh PATH-TO-oci-agent-hook
set -u
HOOK=${1:?usage: test_logging.sh PATH-TO-oci-agent-hook}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
# shellcheck source=tests/cli/lib.sh
. "$HERE/lib.sh"
cli_hook_paths "$HOOK"
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ]; then echo "skip: needs root (mount namespaces, tmpfs)"; exit 77; fi
if ! command -v unshare > /dev/null || [ ! -x "$PY" ]; then echo "skip: needs unshare and $PY"; exit 77; fi
# Not /tmp: the tmpfs mounts below go in here.
WORK=$(mktemp -d /var/tmp/oci-agent-hook-logging.XXXXXX)
FULL=$WORK/full
cleanup() {
    mountpoint -q "$FULL" && umount "$FULL"
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
umask 022
export OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
unset AGENT_TMP_SIZE OCI_AGENT_RUNTIME
LOG=$WORK/hook.log

policy() {  # policy JSON-OF-THE-LOG-OBJECT
    printf '{"state_dir":"%s","log":%s}\n' "$WORK/state" "$1" > "$OCI_AGENT_HOOK_CONFIG"
}
precreate() {  # precreate [SPEC] -> $out $err $rc
    out=$("$HOOK" precreate < "${1:-$FIX/runc-spec.json}" 2> "$WORK/err"); rc=$?; err=$(cat "$WORK/err")
}
# wrapper_fails ID: oci-agent-runtime create with a real runtime that is not there.
wrapper_fails() {
    cp "$FIX/runc-spec.json" "$WORK/bundle/config.json"
    err=$(OCI_AGENT_RUNTIME=$WORK/no-such-runc "$WRAPPER" create --bundle "$WORK/bundle" "$1" 2>&1); rc=$?
}
mkdir -p "$WORK/bundle"

# ---- the log file ---------------------------------------------------------------------
policy "{\"file\":\"$LOG\"}"
precreate
check "text: precreate exits 0" [ "$rc" -eq 0 ]
check "text: the file is created 0640, owned by root" [ "$(stat -c '%a %u' "$LOG" 2> /dev/null)" = "640 0" ]
line=$(cat "$LOG" 2> /dev/null)
check "text: one line" one_line "$line"
check "text: time level program[pid] stage container: outcome" \
    grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z info oci-agent-hook\[[0-9]+\] precreate host runc: spec rewritten: /tmp tmpfs 512m, 0 excluded paths, home /agent-home$' <<< "$line"
precreate
check "text: a second run appends" [ "$(wc -l < "$LOG")" -eq 2 ]

rm -f "$LOG"
policy "{\"file\":\"$LOG\",\"format\":\"json\"}"
wrapper_fails wrapped-1
precreate "$FIX/podman-precreate.json"
check "json: every line parses, each with all fields" \
    jq -se 'length == 3 and all(.[]; (.time | test("^[0-9-]{10}T[0-9:.]{12}Z$")) and (.pid | type == "number")
             and has("level") and has("program") and has("stage") and has("container") and has("message"))' "$LOG" > /dev/null
check "json: the wrapper's outcome (the spec rewritten) and its failure, with its container id" \
    jq -se '.[0].message == "spec rewritten: /tmp tmpfs 512m, 0 excluded paths, home /agent-home" and
            (.[1] | .level == "error" and .program == "oci-agent-runtime" and .stage == "create" and
            .container == "wrapped-1" and (.message | startswith("find runtime: '"$WORK"'/no-such-runc: No such file or directory")))' "$LOG" > /dev/null
check "json: precreate's outcome, the spec named by its hostname" \
    jq -se '.[2] | .level == "info" and .program == "oci-agent-hook" and .stage == "precreate" and
            .container == "host 8e4d2a61c0f9" and (.message | startswith("spec rewritten: /tmp tmpfs"))' "$LOG" > /dev/null

# Level filtering: a policy warning (an invalid tmp.size), an info outcome, a debug line.
levels() {  # levels LEVEL -> the levels written, space-separated
    rm -f "$LOG"
    printf '{"tmp":{"size":"lots"},"log":{"file":"%s","format":"json","level":"%s"}}\n' "$LOG" "$1" > "$OCI_AGENT_HOOK_CONFIG"
    precreate
    wrapper_fails "level-$1"
    [ -e "$LOG" ] && jq -r .level "$LOG" | sort -u | tr '\n' ' '
}
check "level error: errors only" same "$(levels error)" "error "
check "level warn: errors and warnings" same "$(levels warn)" "error warn "
check "level info: no debug" same "$(levels info)" "error info warn "
check "level debug: everything" same "$(levels debug)" "debug error info warn "
check "level debug: the policy's source is a debug line" grep -qF "\"message\":\"policy: $OCI_AGENT_HOOK_CONFIG\"" "$LOG"
err_at_error_level=$(levels error; cat "$WORK/err")
check "level error: the warning still goes to stderr" has "$err_at_error_level" "warning: $OCI_AGENT_HOOK_CONFIG: tmp.size"

# Interactive commands keep to stderr: rewrite does not create the file.
rm -f "$LOG"
policy "{\"file\":\"$LOG\"}"
cp "$FIX/runc-spec.json" "$WORK/bundle/config.json"
"$HOOK" rewrite --bundle "$WORK/bundle" 2> /dev/null
check "rewrite (interactive) writes no log file" [ ! -e "$LOG" ]

# A log file that cannot be opened: a warning, and the command does its job.
unopenable() {  # unopenable LABEL PATH REASON
    policy "{\"file\":\"$2\"}"
    precreate
    check "$1: precreate still exits 0" [ "$rc" -eq 0 ]
    check "$1: the spec is still written" jq -e '.mounts[] | select(.destination == "/tmp")' <<< "$out" > /dev/null
    check "$1: one warning line naming the file and why" \
        same "$err" "oci-agent-hook: precreate: warning: open log file: $2: $3 (logging to stderr and syslog only)"
}
unopenable "missing directory" "$WORK/no-such-dir/hook.log" "No such file or directory"
ln -s "$WORK/target.log" "$WORK/link.log"
unopenable "a symlink" "$WORK/link.log" "Too many levels of symbolic links"
check "a symlink: its target is not created" [ ! -e "$WORK/target.log" ]
mkfifo "$WORK/fifo.log"
t0=$(date +%s)
unopenable "a FIFO" "$WORK/fifo.log" "not a regular file"
check "a FIFO: no wait for a reader" [ $(($(date +%s) - t0)) -lt 5 ]

# ---- syslog ---------------------------------------------------------------------------
# in_ns LISTENER-MODE COMMAND...: COMMAND in a private mount namespace whose
# /dev is a fresh tmpfs holding only a /dev/log datagram socket, served by
# a listener that appends each datagram as a line to $WORK/syslog
# (mode "read") or never reads (mode "stuck"); mode "none": no /dev/log.
cat > "$WORK/listener.py" <<'PY'
import os, socket, sys, time
mode, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(out + ".ready", "w").close()
while True:
    if mode == "stuck":
        time.sleep(60)
        continue
    data = s.recv(65536)
    with open(out, "ab") as f:
        f.write(data + b"\n")
PY
in_ns() {
    local mode=$1; shift
    # shellcheck disable=SC2016  # expanded by the inner bash
    unshare -m --propagation private bash -c '
        mode=$1 work=$2; shift 2
        mount -t tmpfs -o mode=0755 ns-dev /dev || exit 99
        if [ "$mode" != none ]; then
            rm -f "$work/syslog.ready"
            # stdin named: a background job would get /dev/null, not there.
            "$0" "$work/listener.py" "$mode" "$work/syslog" < "$work/listener.py" & listener=$!
            for _ in $(seq 100); do [ -e "$work/syslog.ready" ] && break; sleep 0.05; done
        fi
        "$@"; rc=$?
        sleep 0.2  # the listener writes what it got
        [ -n "${listener:-}" ] && kill "$listener"
        exit "$rc"' "$PY" "$mode" "$WORK" "$@"
}
policy '{}'
rm -f "$WORK/syslog"
state='{"ociVersion":"1.0.2","id":"cid-7","status":"creating","pid":1,"bundle":"'$WORK/bundle'"}'
stopped='{"ociVersion":"1.0.2","id":"cid-8","status":"stopped","bundle":"'$WORK/bundle'"}'
# shellcheck disable=SC2016  # expanded by the inner bash
in_ns read bash -c '
    "$1" precreate < "$2" > /dev/null 2>&1
    echo "$3" | "$1" createRuntime > /dev/null 2>&1
    echo "$4" | "$1" poststop > /dev/null 2>&1
    OCI_AGENT_RUNTIME=/no-such-runc "$5" create --bundle "$6" wrapped-2 > /dev/null 2>&1
    "$1" rewrite --bundle "$6" > /dev/null 2>&1
    exit 0' _ "$HOOK" "$FIX/runc-spec.json" "$state" "$stopped" "$WRAPPER" "$WORK/bundle"
got=$(cat "$WORK/syslog" 2> /dev/null)
while IFS= read -r l; do echo "     syslog: $l"; done <<< "$got"
syslog_has() {  # syslog_has ERE
    grep -qE "$1" <<< "$got" || { echo "     no syslog line matches $1"; return 1; }
}
stamp='[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}'
check "syslog: precreate's success, daemon.info, with the spec's name" \
    syslog_has "^<30>$stamp oci-agent-hook\[[0-9]+\]: precreate: host runc: spec rewritten: /tmp tmpfs 512m"
check "syslog: createRuntime's failure, daemon.err, with the container id" \
    syslog_has "^<27>$stamp oci-agent-hook\[[0-9]+\]: createRuntime: cid-7: read state: state \(stdin\): pid: no container process"
check "syslog: poststop's outcome with the container id" \
    syslog_has "^<30>$stamp oci-agent-hook\[[0-9]+\]: poststop: cid-8: no record to remove$"
check "syslog: the wrapper's failure under its own ident" \
    syslog_has "^<27>$stamp oci-agent-runtime\[[0-9]+\]: create: wrapped-2: find runtime: /no-such-runc: No such file or directory"
check "syslog: interactive rewrite sends nothing" [ "$(grep -c ': rewrite:' <<< "$got")" -eq 0 ]

# A /dev/log whose reader is stuck: the queue (net.unix.max_dgram_qlen,
# $(cat /proc/sys/net/unix/max_dgram_qlen) here) fills up, and a blocking
# send would hold every later start.
qlen=$(cat /proc/sys/net/unix/max_dgram_qlen)
runs=$((qlen + 5))
t0=$(date +%s%N)
# shellcheck disable=SC2016
in_ns stuck bash -c '
    for _ in $(seq "$3"); do timeout 10 "$1" precreate < "$2" > /dev/null 2>&1 || exit 1; done' _ "$HOOK" "$FIX/runc-spec.json" "$runs"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "syslog stuck: $runs precreates (queue of $qlen) all succeed, none waits (${ms} ms)" [ "$rc" -eq 0 ]
check "syslog stuck: in less than 10 s" [ "$ms" -lt 10000 ]
# shellcheck disable=SC2016
in_ns none bash -c '[ ! -e /dev/log ] && "$1" precreate < "$2" > /dev/null' _ "$HOOK" "$FIX/runc-spec.json"
check "no /dev/log: precreate exits 0" [ $? -eq 0 ]

# ---- a full tmpfs: the hint names the mount ------------------------------------------
# mount_full SIZE INODES: a tmpfs at $FULL holding the runc fixture as a bundle.
mount_full() {
    mountpoint -q "$FULL" && umount "$FULL"
    mkdir -p "$FULL"
    mount -t tmpfs -o "size=$1,nr_inodes=$2,mode=0755" logging-full "$FULL" || return 1
    cp "$FIX/runc-spec.json" "$FULL/config.json"
}
policy '{}'
# Blocks: a filler takes every block; inodes are left.
if mount_full 64k 16; then
    dd if=/dev/zero of="$FULL/filler" bs=4k 2> /dev/null
    err=$("$HOOK" rewrite --bundle "$FULL" 2>&1); rc=$?
    echo "     blocks full: $err"
    check "blocks full: rewrite exits 1 with one line" one_line "$err"
    check "blocks full: the line names the mount, its type, blocks and inodes" \
        grep -qE "^oci-agent-hook: rewrite: write: $FULL/config.json: No space left on device \(the filesystem mounted at $FULL \(tmpfs\) is full: 0 of 64 KiB free, [0-9]+ of 16 inodes free\)$" <<< "$err"
else
    check "blocks full: a 64 KiB tmpfs" false
fi
# Inodes: empty files take every inode; blocks are left.
if mount_full 1m 8; then
    i=0
    while touch "$FULL/f$i" 2> /dev/null; do i=$((i + 1)); done
    err=$("$HOOK" rewrite --bundle "$FULL" 2>&1); rc=$?
    echo "     inodes full: $err"
    check "inodes full: rewrite exits 1 with one line" one_line "$err"
    check "inodes full: the line says the mount has no free inodes (df would show space)" \
        grep -qE "^oci-agent-hook: rewrite: create temporary file: $FULL/config.json: No space left on device \(the filesystem mounted at $FULL \(tmpfs\) has no free inodes: [0-9]+ of 1024 KiB free, 0 of 8 inodes free\)$" <<< "$err"
    check "inodes full: the original config.json intact" cmp -s "$FULL/config.json" "$FIX/runc-spec.json"
else
    check "inodes full: a tmpfs of 8 inodes" false
fi

cli_finish "logging"
