#!/usr/bin/env bash
# Command-level tests: the built binary on fixtures and on bad input of every
# kind. Each check prints "ok" or "FAIL"; the last line counts them.
set -u
BIN=${1:?usage: test_commands.sh PATH-TO-oci-agent-hook}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
WORK=$(mktemp -d)
# The policy files written below must not be group- or world-writable.
umask 022
trap 'rm -rf "$WORK"' EXIT
export OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
echo '{}' > "$WORK/policy.json"
unset AGENT_TMP_SIZE
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

run() {  # run STDIN-FILE ARGS... -> $out $err $rc
    out=$("$BIN" "${@:2}" < "$1" 2> "$WORK/err"); rc=$?; err=$(cat "$WORK/err")
}


# precreate: stdout is exactly the rewritten JSON.
run "$FIX/runc-spec.json" precreate
check "precreate exits 0" [ "$rc" -eq 0 ]
check "precreate prints only JSON" jq -e . <<< "$out" > /dev/null
check "precreate /tmp tmpfs" [ "$(jq -c '.mounts[] | select(.destination=="/tmp") | .options' <<< "$out")" = '["nosuid","noexec","nodev","mode=1777","size=512m"]' ]
check "precreate keeps process" [ "$(jq -c .process.args <<< "$out")" = "$(jq -c .process.args "$FIX/runc-spec.json")" ]
check "precreate no stderr" [ -z "$err" ]

echo "$out" > "$WORK/once.json"
run "$WORK/once.json" precreate
check "precreate is idempotent (byte-identical)" [ "$out" = "$(cat "$WORK/once.json")" ]

# Seccomp mount lockdown (policy seccomp.deny_mount, default true).
# On x86_64 the created profile lists x86 and x32 too (32-bit programs keep
# running), and x86's one-argument umount joins the names.
LOCKED='["mount","umount","umount2","mount_setattr","move_mount","open_tree","fsopen","fsconfig","fsmount","fspick"]'
run "$FIX/runc-spec.json" precreate
check "lockdown: no profile, one is created allowing by default" [ "$(jq -r .linux.seccomp.defaultAction <<< "$out")" = SCMP_ACT_ALLOW ]
if [ "$(uname -m)" = x86_64 ]; then
    check "lockdown: the created profile lists x86_64, x86 and x32" [ "$(jq -c .linux.seccomp.architectures <<< "$out")" = '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ]
    check "lockdown: the mount syscalls fail with EPERM" [ "$(jq -c '.linux.seccomp.syscalls' <<< "$out")" = "[{\"names\":$LOCKED,\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]" ]
else
    check "lockdown: mount fails with EPERM" [ "$(jq -c '[.linux.seccomp.syscalls[] | select(.names | index("mount")) | .action, .errnoRet]' <<< "$out")" = '["SCMP_ACT_ERRNO",1]' ]
fi
echo '{"seccomp": {"deny_mount": false}}' > "$WORK/no-lockdown.json"
run "$FIX/runc-spec.json" --config "$WORK/no-lockdown.json" precreate
check "deny_mount false: no seccomp section" [ "$(jq -c .linux.seccomp <<< "$out")" = null ]
# Docker's profile (defaultAction ERRNO, an allow-list naming mount_setattr):
# the names leave the ALLOW rule, the default denies them, nothing is added.
jq '.linux.seccomp.syscalls[0].names += ["mount","umount2","umount","fsopen"]' "$FIX/docker-tmp-exec.json" > "$WORK/allow-mount.json"
want=$(jq -S '.linux.seccomp | .syscalls[0].names -= ["mount_setattr"]' "$FIX/docker-tmp-exec.json")
run "$FIX/docker-tmp-exec.json" precreate
check "lockdown: allow-list loses mount_setattr, nothing else changes" [ "$(jq -S .linux.seccomp <<< "$out")" = "$want" ]
run "$WORK/allow-mount.json" precreate
check "lockdown: allow-list loses every mount name, gets no rule" [ "$(jq -S .linux.seccomp <<< "$out")" = "$want" ]
echo "$out" > "$WORK/allow-once.json"
run "$WORK/allow-once.json" precreate
check "lockdown: allow-list precreate is idempotent (byte-identical)" [ "$out" = "$(cat "$WORK/allow-once.json")" ]
# An ALLOW-default profile over x86_64 and x86: umount (i386 only) joins.
jq '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["mount","getpid"],"action":"SCMP_ACT_ALLOW"}]}' \
    "$FIX/runc-spec.json" > "$WORK/allow-default.json"
mkdir -p "$WORK/lock-bundle"
cp "$WORK/allow-default.json" "$WORK/lock-bundle/config.json"
run /dev/null rewrite --bundle "$WORK/lock-bundle" --dry-run
check "lockdown: dry-run names the seccomp change" [ "$(tail -n 1 <<< "$out")" = "~ change linux.seccomp (mount lockdown): EPERM for mount, umount, umount2, mount_setattr, move_mount, open_tree, fsopen, fsconfig, fsmount, fspick" ]
run /dev/null rewrite --bundle "$WORK/lock-bundle"
check "lockdown: rewrite exits 0" [ "$rc" -eq 0 ]
check "lockdown: rewrite takes mount out of the ALLOW rule, adds umount for x86" [ "$(jq -c .linux.seccomp.syscalls "$WORK/lock-bundle/config.json")" = \
    '[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"},{"names":["mount","umount","umount2","mount_setattr","move_mount","open_tree","fsopen","fsconfig","fsmount","fspick"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]' ]
cp "$WORK/lock-bundle/config.json" "$WORK/lock-once.json"
run /dev/null rewrite --bundle "$WORK/lock-bundle"
check "lockdown: a rewrite of a rewrite is byte-identical" cmp -s "$WORK/lock-once.json" "$WORK/lock-bundle/config.json"
jq '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}' "$FIX/runc-spec.json" > "$WORK/vax.json"
cp "$WORK/vax.json" "$WORK/lock-bundle/config.json"
run /dev/null rewrite --bundle "$WORK/lock-bundle"
check "lockdown: unknown architecture: rewrite exits 1" [ "$rc" -eq 1 ]
check "lockdown: unknown architecture: one line naming it" [ "$err" = "oci-agent-hook: rewrite: plan seccomp: $WORK/lock-bundle/config.json: linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"" ]
check "lockdown: unknown architecture: config.json untouched" cmp -s "$WORK/vax.json" "$WORK/lock-bundle/config.json"
run "$WORK/vax.json" precreate
check "lockdown: unknown architecture: precreate hands the spec on, names it" has "$err" 'unknown architecture "SCMP_ARCH_VAX"'

run "$FIX/docker-tmp-exec.json" precreate
check "docker exec /tmp replaced" [ "$(jq '[.mounts[] | select(.destination=="/tmp")] | length' <<< "$out")" = 1 ]
check "docker /tmp noexec" [ "$(jq -r '.mounts[] | select(.destination=="/tmp") | .options | index("noexec") != null' <<< "$out")" = true ]

# Overrides reach the binary: environment, annotation, clamping.
out=$(AGENT_TMP_SIZE=1g "$BIN" precreate < "$FIX/runc-spec.json" 2>/dev/null)
check "AGENT_TMP_SIZE=1g" has "$out" '"size=1g"'
jq '.annotations["oci-agent-hook/tmp-size"]="2g"' "$FIX/runc-spec.json" > "$WORK/ann.json"
out=$(AGENT_TMP_SIZE=1g "$BIN" precreate < "$WORK/ann.json" 2>/dev/null)
check "annotation beats AGENT_TMP_SIZE" has "$out" '"size=2g"'
out=$(AGENT_TMP_SIZE=99g "$BIN" precreate < "$FIX/runc-spec.json" 2> "$WORK/err")
check "clamped to max_size" has "$out" '"size=4g"'
check "clamp warns" has "$(cat "$WORK/err")" "clamped to 4g"
out=$(AGENT_TMP_SIZE=bogus "$BIN" precreate < "$FIX/runc-spec.json" 2> "$WORK/err")
check "invalid AGENT_TMP_SIZE falls back" has "$out" '"size=512m"'
check "invalid AGENT_TMP_SIZE warns" has "$(cat "$WORK/err")" 'invalid size "bogus"'

# Annotation excludes: only strictly beneath annotations.exclude_under (default
# /workspace), never at or under /tmp or home.path; the rest is a warning.
jq '.annotations["oci-agent-hook/exclude"]="/etc,/usr/bin,/root,/tmp/exec-here,/workspace/ok"' \
    "$FIX/runc-spec.json" > "$WORK/ann-exclude.json"
added() {  # added CONFIG-JSON: destinations in CONFIG-JSON that runc-spec.json lacks
    jq -c --slurpfile before "$FIX/runc-spec.json" '[.mounts[].destination] - [$before[0].mounts[].destination]' <<< "$1"
}
run "$WORK/ann-exclude.json" precreate
check "annotation exclude: precreate exits 0" [ "$rc" -eq 0 ]
check "annotation exclude: only /tmp and /workspace/ok added" [ "$(added "$out")" = '["/tmp","/workspace/ok"]' ]
check "annotation exclude: /workspace/ok is an exec tmpfs" [ "$(jq -c '.mounts[] | select(.destination=="/workspace/ok") | .options' <<< "$out")" = '["nosuid","nodev","exec","mode=1777","size=1g"]' ]
check "annotation exclude: the only exec mount is /workspace/ok" [ "$(jq -c '[.mounts[] | select((.options // []) | index("exec")) | .destination]' <<< "$out")" = '["/workspace/ok"]' ]
for refused in /etc /usr/bin /root; do
    check "annotation exclude: $refused refused with a warning" has "$err" "annotation oci-agent-hook/exclude: \"$refused\" is not beneath annotations.exclude_under (/workspace), ignored"
done
check "annotation exclude: /tmp/exec-here refused with a warning" has "$err" 'annotation oci-agent-hook/exclude: "/tmp/exec-here" must not be /tmp or under it (the hook mounts /tmp itself, noexec), ignored'
check "annotation exclude: 4 warnings" [ "$(grep -c 'annotation oci-agent-hook/exclude: ' <<< "$err")" -eq 4 ]
mkdir -p "$WORK/ann-bundle"
cp "$WORK/ann-exclude.json" "$WORK/ann-bundle/config.json"
run /dev/null rewrite --bundle "$WORK/ann-bundle" --dry-run
check "annotation exclude: dry-run adds /workspace/ok" has "$out" "+ add /workspace/ok (tmpfs: nosuid,nodev,exec,mode=1777,size=1g)"
check "annotation exclude: dry-run adds only /tmp and /workspace/ok" [ "$(grep -c '^+ add ' <<< "$out")" -eq 2 ]
check "annotation exclude: dry-run warns about /root" has "$err" '"/root" is not beneath annotations.exclude_under (/workspace), ignored'
echo '{"annotations": {"exclude_under": []}}' > "$WORK/no-ann-exclude.json"
run "$WORK/ann-exclude.json" --config "$WORK/no-ann-exclude.json" precreate
check "exclude_under []: nothing added from the annotation" [ "$(added "$out")" = '["/tmp"]' ]
check "exclude_under []: warns naming /workspace/ok" has "$err" '"/workspace/ok" is not beneath annotations.exclude_under (empty), ignored'
echo '{"annotations": {"exclude_under": ["/srv/cache", "/workspace/ok"]}}' > "$WORK/custom-ann-exclude.json"
run "$WORK/ann-exclude.json" --config "$WORK/custom-ann-exclude.json" precreate
check "exclude_under custom: /workspace/ok itself refused" [ "$(added "$out")" = '["/tmp"]' ]
check "exclude_under custom: the warning lists the entries" has "$err" '"/etc" is not beneath annotations.exclude_under (/srv/cache, /workspace/ok), ignored'
echo '{"annotations": {"allow_overrides": false}}' > "$WORK/locked.json"
run "$WORK/ann-exclude.json" --config "$WORK/locked.json" precreate
check "allow_overrides false: nothing added from the annotation" [ "$(added "$out")" = '["/tmp"]' ]
check "allow_overrides false: no warning" [ -z "$err" ]

# Bad input of every kind: exit 1, one line naming the input and the reason.
printf '{"ociVersion": "1.0.2", "mounts": [' > "$WORK/truncated.json"
run "$WORK/truncated.json" precreate
check "truncated JSON exits 1" [ "$rc" -eq 1 ]
check "truncated JSON: one line with byte offset" one_line "$err"
check "truncated JSON names byte" has "$err" "config.json (stdin): byte "
check "truncated JSON prints no JSON" [ -z "$out" ]
echo '[1,2]' > "$WORK/array.json"
run "$WORK/array.json" precreate
check "non-object exits 1" [ "$rc" -eq 1 ]
check "non-object message" has "$err" "expected a JSON object, got array"
echo '{"mounts": {}}' > "$WORK/mounts.json"
run "$WORK/mounts.json" precreate
check "mounts not an array" has "$err" "mounts: expected array, got object"
check "mounts not an array exits 1" [ "$rc" -eq 1 ]
echo '{"mounts": [{"type": "bind"}]}' > "$WORK/nodest.json"
run "$WORK/nodest.json" precreate
check "mount without destination" has "$err" "mounts[0].destination: missing"
: > "$WORK/empty.json"
run "$WORK/empty.json" precreate
check "empty input exits 1" [ "$rc" -eq 1 ]
head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$WORK/huge.json"
run "$WORK/huge.json" precreate
check "64 MiB + 1 refused" has "$err" "larger than the 64 MiB limit"
check "64 MiB + 1 exits 1" [ "$rc" -eq 1 ]

# rewrite --bundle: atomic, mode kept, no temp file, dry run writes nothing.
mkdir -p "$WORK/bundle"
cp "$FIX/docker-tmp-exec.json" "$WORK/bundle/config.json"
chmod 0640 "$WORK/bundle/config.json"
before=$(cat "$WORK/bundle/config.json")
run /dev/null rewrite --bundle "$WORK/bundle" --dry-run
check "dry-run exits 0" [ "$rc" -eq 0 ]
check "dry-run lists removal" has "$out" "- remove /tmp (tmpfs: rw,nosuid,nodev,exec,size=100m)"
check "dry-run lists addition" has "$out" "+ add /tmp (tmpfs: nosuid,noexec,nodev,mode=1777,size=512m)"
check "dry-run writes nothing" [ "$before" = "$(cat "$WORK/bundle/config.json")" ]
run /dev/null rewrite --bundle "$WORK/bundle"
check "rewrite exits 0" [ "$rc" -eq 0 ]
check "rewrite keeps mode" [ "$(stat -c %a "$WORK/bundle/config.json")" = 640 ]
check "rewrite leaves no temp file" [ "$(ls -A "$WORK/bundle")" = config.json ]
check "rewrite wrote /tmp" [ "$(jq -r '.mounts[] | select(.destination=="/tmp") | .options[-1]' "$WORK/bundle/config.json")" = size=512m ]
inode=$(stat -c %i "$WORK/bundle/config.json")
run /dev/null rewrite --bundle "$WORK/bundle"
check "second rewrite leaves the file alone" [ "$(stat -c %i "$WORK/bundle/config.json")" = "$inode" ]
run /dev/null rewrite --bundle "$WORK/bundle" --dry-run
check "dry-run on rewritten: no change" has "$out" "no change"
echo '{"mounts": 5}' > "$WORK/bundle/config.json"
run /dev/null rewrite --bundle "$WORK/bundle"
check "bad bundle config exits 1" [ "$rc" -eq 1 ]
check "bad bundle config names file" has "$err" "$WORK/bundle/config.json: mounts: expected array"
check "bad bundle config untouched" [ "$(cat "$WORK/bundle/config.json")" = '{"mounts": 5}' ]
run /dev/null rewrite --bundle "$WORK/nonexistent"
check "missing bundle exits 1" [ "$rc" -eq 1 ]
check "missing bundle message" has "$err" "open: $WORK/nonexistent/config.json: No such file or directory"

# Spec writers register the hook itself at createRuntime and poststop, once.
run "$FIX/runc-spec.json" precreate
self_entry=$(jq -cn --arg p "$(readlink -f "$BIN")" --arg c "$OCI_AGENT_HOOK_CONFIG" \
    '{path: $p, args: ["oci-agent-hook", "--config", $c, "createRuntime"], env: []}')
check "precreate registers the hook at createRuntime" [ "$(jq -c '.hooks.createRuntime' <<< "$out")" = "[$self_entry]" ]
check "precreate registers the hook at poststop" \
    [ "$(jq -c '.hooks.poststop' <<< "$out")" = "[$(jq -c '.args[-1] = "poststop"' <<< "$self_entry")]" ]
run "$FIX/podman-precreate.json" precreate
check "precreate keeps podman's hooks.d createRuntime entry, adds none" \
    [ "$(jq -c '.hooks.createRuntime' <<< "$out")" = "$(jq -c '.hooks.createRuntime' "$FIX/podman-precreate.json")" ]
AGENT_TMP_SIZE=64m run "$FIX/runc-spec.json" --config "$WORK/policy.json" precreate
check "the entry carries --config and AGENT_TMP_SIZE" \
    [ "$(jq -c '.hooks.createRuntime[0] | [.args, .env]' <<< "$out")" = "[[\"oci-agent-hook\",\"--config\",\"$WORK/policy.json\",\"createRuntime\"],[\"AGENT_TMP_SIZE=64m\"]]" ]
echo '{"hooks": {"createRuntime": {}}}' > "$WORK/bad-hooks.json"
run "$WORK/bad-hooks.json" precreate
check "a hooks.createRuntime that is not an array is refused" has "$err" "hooks.createRuntime: expected array, got object"

# Policy: explicit missing file is an error; check-config lists every problem.
# precreate cannot show its error (podman drops its stderr): it hands the
# spec on with only its createRuntime entry, where the error is shown.
run "$FIX/runc-spec.json" --config "$WORK/missing-policy.json" precreate
check "missing explicit policy: precreate exits 0" [ "$rc" -eq 0 ]
check "missing explicit policy message" has "$err" "load policy: $WORK/missing-policy.json: No such file or directory"
check "missing explicit policy: mounts unchanged" [ "$(jq -c .mounts <<< "$out")" = "$(jq -c .mounts "$FIX/runc-spec.json")" ]
check "missing explicit policy: createRuntime entry with that policy" \
    [ "$(jq -c '.hooks.createRuntime[0].args' <<< "$out")" = "[\"oci-agent-hook\",\"--config\",\"$WORK/missing-policy.json\",\"createRuntime\"]" ]
echo '{"tmp": {"size": 5, "max_size": "x"}, "exclude": {"paths": ["/a/../b"]}, "bogus": 1}' > "$WORK/bad-policy.json"
run /dev/null check-config "$WORK/bad-policy.json"
check "check-config bad exits 1" [ "$rc" -eq 1 ]
check "check-config lists tmp.size" has "$err" "tmp.size: expected string, got number"
check "check-config lists tmp.max_size" has "$err" "tmp.max_size: invalid size"
check "check-config lists exclude path" has "$err" 'exclude.paths[0]: "/a/../b" must not contain a ".." segment'
check "check-config warns unknown key" has "$err" "bogus: unknown key"
run "$FIX/runc-spec.json" --config "$WORK/bad-policy.json" precreate
check "bad policy: precreate passes the spec on to fail closed at createRuntime" \
    [ "$rc" -eq 0 ] && [ "$(jq -c '.hooks.createRuntime | length' <<< "$out")" = 1 ]
check "bad policy: one line" one_line "$err"
check "bad policy: says where it fails" has "$err" "the createRuntime stage refuses the container"
check "bad policy: crun is told to show the hook's stderr" \
    [ "$(jq -r '.annotations["run.oci.hooks.stderr"]' <<< "$out")" = /dev/stderr ]
jq '.annotations["run.oci.hooks.stderr"] = "/var/log/x"' "$FIX/runc-spec.json" > "$WORK/own-stderr.json"
run "$WORK/own-stderr.json" --config "$WORK/bad-policy.json" precreate
check "bad policy: an annotation already there is kept" \
    [ "$(jq -r '.annotations["run.oci.hooks.stderr"]' <<< "$out")" = /var/log/x ]
run "$FIX/runc-spec.json" --config "$WORK/bad-policy.json" rewrite --bundle "$WORK/nonexistent"
check "bad policy: rewrite fails" [ "$rc" -eq 1 ]
run /dev/null check-config "$HERE/../../config.json.example"
check "config.json.example is valid" [ "$rc" -eq 0 ]
check "config.json.example has no warnings" [ -z "$err" ]
check "check-config prints effective policy" [ "$(jq -r .tmp.size <<< "$out")" = 512m ]
echo '{"tmp": {"size": "junk"}}' > "$WORK/junk.json"
run /dev/null check-config "$WORK/junk.json"
check "check-config: invalid size falls back" [ "$(jq -r .tmp.size <<< "$out")" = 512m ]
check "check-config: invalid size warns" has "$err" "using the default 512m"
check "check-config shows annotations.exclude_under" [ "$(jq -c .annotations.exclude_under <<< "$out")" = '["/workspace"]' ]

# A size that does not fit in 64 bits is invalid, never wrapped around (2^64 + 1 is not 1).
echo '{"tmp": {"max_size": "18446744073709551617"}}' > "$WORK/wrap.json"
run /dev/null check-config "$WORK/wrap.json"
check "max_size 2^64+1 exits 1" [ "$rc" -eq 1 ]
check "max_size 2^64+1 names tmp.max_size" has "$err" "$WORK/wrap.json: tmp.max_size: invalid size \"18446744073709551617\""
check "max_size 2^64+1 prints no policy" [ -z "$out" ]
out=$(AGENT_TMP_SIZE=18446744073709551617 "$BIN" precreate < "$FIX/runc-spec.json" 2> "$WORK/err")
check "AGENT_TMP_SIZE 2^64+1 falls back" has "$out" '"size=512m"'
check "AGENT_TMP_SIZE 2^64+1 warns" has "$(cat "$WORK/err")" 'invalid size "18446744073709551617"'

# Nothing the hook mounts exec may sit at or under /tmp; exclude_under entries
# are checked like exclude paths; each problem names its JSON path.
echo '{"exclude": {"paths": ["/tmp/cache"]}, "home": {"path": "/tmp/home"}, "annotations": {"exclude_under": ["/workspace", "/tmp/x", "rel"]}}' > "$WORK/tmp-paths.json"
run /dev/null check-config "$WORK/tmp-paths.json"
check "paths under /tmp: check-config exits 1" [ "$rc" -eq 1 ]
check "paths under /tmp: exclude.paths[0]" has "$err" 'exclude.paths[0]: "/tmp/cache" must not be /tmp or under it (the hook mounts /tmp itself, noexec)'
check "paths under /tmp: home.path" has "$err" 'home.path: "/tmp/home" must not be /tmp or under it'
check "paths under /tmp: annotations.exclude_under[1]" has "$err" 'annotations.exclude_under[1]: "/tmp/x" must not be /tmp or under it'
check "bad exclude_under entry: annotations.exclude_under[2]" has "$err" 'annotations.exclude_under[2]: "rel" must be an absolute path'

# Hostile JSON: every malformed document is refused with one line naming
# the document and the byte offset; nothing crashes.
python3=/usr/bin/python3
"$python3" -c 'import sys; n = 200000; sys.stdout.write("{\"a\":" + "[" * n + "]" * n + "}")' > "$WORK/deep.json"
run "$WORK/deep.json" precreate
check "200,000 levels: precreate exits 1, not 139" [ "$rc" -eq 1 ]
check "200,000 levels: one line with the offset" has "$err" "parse JSON: config.json (stdin): byte 133: nesting deeper than 128 arrays and objects"
check "200,000 levels: nothing on stdout" [ -z "$out" ]
jq -c . "$FIX/runc-spec.json" | sed 's/}$/,"root":{"path":"\/elsewhere"}}/' > "$WORK/dup-root.json"
run "$WORK/dup-root.json" precreate
check "two root keys: precreate exits 1" [ "$rc" -eq 1 ]
check "two root keys: named" has "$err" 'duplicate key "root" in the top level'
jq -c '.mounts[0].destination = "/proc\u0000/x"' "$FIX/runc-spec.json" > "$WORK/nul.json"
run "$WORK/nul.json" precreate
check "NUL in a destination: precreate exits 1" [ "$rc" -eq 1 ]
check "NUL in a destination: JSON path" has "$err" "NUL character in the string at mounts[0].destination"
jq -c . "$FIX/runc-spec.json" | sed 's/}$/,"x":-1e400}/' > "$WORK/overflow.json"
run "$WORK/overflow.json" precreate
# nlohmann names the offset of the number's last character (the file ends in "}\n").
check "-1e400: a parse error, not an internal error" has "$err" "parse JSON: config.json (stdin): byte $(($(stat -c %s "$WORK/overflow.json") - 2)): number overflow parsing '-1e400'"
check "-1e400: one line" one_line "$err"
printf '{"ociVersion":"1.0.2","root":{"path":"r\xff"}}' > "$WORK/utf8.json"
run "$WORK/utf8.json" precreate
check "invalid UTF-8: precreate exits 1" [ "$rc" -eq 1 ]
check "invalid UTF-8: named" has "$err" "parse JSON: config.json (stdin): byte 40: parse error at line 1, column 40: syntax error: invalid string: ill-formed UTF-8 byte"
echo '{"ociVersion":"1.0.2","id":"c","status":"creating","pid":4242,"bundle":"/b","bundle":"/elsewhere"}' > "$WORK/dup-state.json"
run "$WORK/dup-state.json" createRuntime
check "state with two bundle keys: exits 1" [ "$rc" -eq 1 ]
check "state with two bundle keys: named" has "$err" 'parse JSON: state (stdin): byte 84: duplicate key "bundle" in the top level'
mkdir -p "$WORK/dup-bundle"
cp "$WORK/dup-root.json" "$WORK/dup-bundle/config.json"
run /dev/null rewrite --bundle "$WORK/dup-bundle"
check "rewrite: two root keys refused, naming the file" has "$err" "parse JSON: $WORK/dup-bundle/config.json: byte"
check "rewrite: the file is untouched" cmp -s "$WORK/dup-root.json" "$WORK/dup-bundle/config.json"
echo '{"tmp": {"size": "1g"}, "tmp": {"size": "8g"}}' > "$WORK/dup-policy.json"
run /dev/null check-config "$WORK/dup-policy.json"
check "policy with two tmp keys: check-config exits 1" [ "$rc" -eq 1 ]
check "policy with two tmp keys: named" has "$err" "$WORK/dup-policy.json: byte 29: duplicate key \"tmp\" in the top level"

# The policy decides what is mounted in every container: only a root-owned
# regular file that is not group- or world-writable is trusted.
echo '{}' > "$WORK/world.json"
chmod 0666 "$WORK/world.json"
run /dev/null check-config "$WORK/world.json"
check "world-writable policy: check-config exits 1" [ "$rc" -eq 1 ]
check "world-writable policy: named" has "$err" "load policy: $WORK/world.json: mode 0666 is world-writable"
run "$FIX/runc-spec.json" --config "$WORK/world.json" precreate
check "world-writable policy: precreate fails closed at createRuntime" has "$err" "the createRuntime stage refuses the container"
mkfifo "$WORK/fifo.json"
out=$(timeout 10 "$BIN" check-config "$WORK/fifo.json" 2>&1); rc=$?
check "FIFO policy: refused at once, not waited on" [ "$rc" -eq 1 ]
check "FIFO policy: named" has "$out" "load policy: $WORK/fifo.json: not a regular file"
ln -s "$WORK/policy.json" "$WORK/policy-link.json"
run /dev/null check-config "$WORK/policy-link.json"
check "symlink to a root-owned 0644 policy: accepted" [ "$rc" -eq 0 ]
if [ "$(id -u)" -eq 0 ]; then
    echo '{}' > "$WORK/nobody.json"
    chown 65534 "$WORK/nobody.json"
    run /dev/null check-config "$WORK/nobody.json"
    check "policy owned by uid 65534: refused" has "$err" "load policy: $WORK/nobody.json: owned by uid 65534, not by root"
fi

# Records (tests/e2e/test_records.sh starts real containers): ps reads
# them, poststop removes one and never fails a removal.
run /dev/null ps --state-dir "$WORK/no-state"
check "ps, no state dir yet: exit 0" [ "$rc" -eq 0 ]
check "ps, no state dir yet: the header only" [ "$out" = "$(printf 'ID  PID  BUNDLE  TMP_SIZE  AGE')" ]
run /dev/null ps --state-dir "$WORK/no-state" --format json
check "ps --format json, no state dir yet: []" [ "$out" = "[]" ]
echo '{"state_dir": "relative/dir"}' > "$WORK/bad-state-dir.json"
run /dev/null --config "$WORK/bad-state-dir.json" ps
check "ps, policy state_dir relative: exit 1, named" [ "$rc" -eq 1 ] && has "$err" "state_dir: \"relative/dir\" must be an absolute path"
echo 'not json' > "$WORK/not-a-state"
run "$WORK/not-a-state" poststop
check "poststop, unusable state: exit 0 all the same" [ "$rc" -eq 0 ]
check "poststop, unusable state: one line" one_line "$err"
check "poststop, unusable state: says the removal goes on" has "$err" "(the container's removal goes on)"
echo '{"state_dir": "'"$WORK/state"'"}' > "$WORK/state-policy.json"
echo '{"ociVersion": "1.0.2", "id": "c1", "status": "stopped", "bundle": "/b"}' > "$WORK/poststop-state.json"
run "$WORK/poststop-state.json" --config "$WORK/state-policy.json" poststop
check "poststop, no record (runc's state: no pid): exit 0, silent" [ "$rc" -eq 0 ] && [ -z "$err$out" ]

# Usage and version.
run /dev/null --version
check "--version" has "$out" "oci-agent-hook "
run /dev/null
check "no command exits 2" [ "$rc" -eq 2 ]
run /dev/null --help
check "--help names the commands" has "$out" "check-config"

cli_finish commands
