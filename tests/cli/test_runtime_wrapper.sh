#!/usr/bin/env bash
# oci-agent-runtime on its own: every runc command line shape, passthrough
# of every other command, the containers it leaves alone, and its errors,
# against a stand-in runtime that records how it was called.
set -u
WRAPPER=${1:?usage: test_runtime_wrapper.sh PATH-TO-oci-agent-runtime}
WRAPPER=$(cd "$(dirname "$WRAPPER")" && pwd)/$(basename "$WRAPPER")
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=tests/cli/lib.sh
. "$HERE/lib.sh"

# The stand-in runtime writes its argv (one per line) where CALLED says.
FAKE=$WORK/fake-runc
cat > "$FAKE" <<'SH'
#!/bin/sh
printf '%s\n' "$0" "$@" > "$CALLED"
SH
chmod +x "$FAKE"
export CALLED=$WORK/called OCI_AGENT_RUNTIME=$FAKE OCI_AGENT_HOOK_CONFIG=$WORK/policy.json
echo '{}' > "$OCI_AGENT_HOOK_CONFIG"
unset AGENT_TMP_SIZE

# wrap ARGS...: runs the wrapper in $WORK; sets $rc, $err, $called (the argv the runtime got).
wrap() {
    rm -f "$CALLED"
    (cd "$WORK" && "$WRAPPER" "$@" 2> "$WORK/err" > /dev/null); rc=$?
    err=$(cat "$WORK/err"); called=$(cat "$CALLED" 2> /dev/null)
}
expect_called() {  # the runtime got exactly these arguments after its own path
    [ "$called" = "$(printf '%s\n' "$FAKE" "$@")" ]
}
bundle() {  # bundle DIR [FIXTURE]: a fresh bundle holding a copy of the fixture
    rm -rf "$WORK/$1"; mkdir -p "$WORK/$1"; cp "${2:-$FIX/runc-spec.json}" "$WORK/$1/config.json"
}
rewritten() {  # the bundle's config.json has the hook's /tmp and createRuntime entry
    local c=$WORK/$1/config.json
    [ "$(jq -c '.mounts[] | select(.destination=="/tmp") | .options' "$c")" = '["nosuid","noexec","nodev","mode=1777","size=512m"]' ] &&
        [ "$(jq -r '.hooks.createRuntime[0].args[-1]' "$c")" = createRuntime ]
}
unchanged() { cmp -s "$WORK/$1/config.json" "${2:-$FIX/runc-spec.json}"; }

# ---- the command line shapes of create and run -----------------------------------
bundle b1; wrap create --bundle "$WORK/b1" id1
check "create --bundle X: rewritten" rewritten b1
check "create --bundle X: runtime got the same argv" expect_called create --bundle "$WORK/b1" id1
bundle b2; wrap --root "$WORK/state" --log "$WORK/log.json" --log-format json create --bundle="$WORK/b2" --pid-file "$WORK/pid" id2
check "global options, --bundle=X: rewritten" rewritten b2
check "global options, --bundle=X: same argv" \
    expect_called --root "$WORK/state" --log "$WORK/log.json" --log-format json create --bundle="$WORK/b2" --pid-file "$WORK/pid" id2
bundle b3; wrap --debug --systemd-cgroup run -b "$WORK/b3" -d id3
check "run -b X: rewritten" rewritten b3
check "run -b X: same argv" expect_called --debug --systemd-cgroup run -b "$WORK/b3" -d id3
bundle b4; wrap --root="$WORK/state" create -b="$WORK/b4" id4
check "-b=X, --root=R: rewritten" rewritten b4
cp "$FIX/runc-spec.json" "$WORK/config.json"
wrap create id5
check "no bundle: the working directory's config.json is rewritten" rewritten .
check "no bundle: same argv" expect_called create id5
bundle b6; wrap create --bundle "$WORK/b6" id6
cp "$WORK/b6/config.json" "$WORK/b6.once"; wrap create --bundle "$WORK/b6" id6
check "a second create changes nothing (hook registered once)" cmp -s "$WORK/b6/config.json" "$WORK/b6.once"

# ---- every other command passes straight through ------------------------------
echo 'not json' > "$WORK/config.json"
for cmd in "start id" "state id" "kill id KILL" "delete --force id" "ps id" "exec --process p.json id" "features" "--version"; do
    # shellcheck disable=SC2086 # the words are the command line
    wrap --root "$WORK/state" $cmd
    # shellcheck disable=SC2086
    check "passthrough: $cmd" expect_called --root "$WORK/state" $cmd
done
check "passthrough reads no config.json (a broken one in the working directory)" [ "$rc" -eq 0 ]

# ---- containers left alone ---------------------------------------------------------
bundle sandbox
jq '.annotations["io.kubernetes.cri.container-type"] = "sandbox"' "$FIX/runc-spec.json" > "$WORK/sandbox/config.json"
cp "$WORK/sandbox/config.json" "$WORK/sandbox.orig"
wrap create --bundle "$WORK/sandbox" s1
check "a CRI pod sandbox is left alone" unchanged sandbox "$WORK/sandbox.orig"
check "a CRI pod sandbox still starts" expect_called create --bundle "$WORK/sandbox" s1
jq '.annotations["io.kubernetes.cri.container-type"] = "container"' "$FIX/runc-spec.json" > "$WORK/cri.json"
bundle cri "$WORK/cri.json"; wrap create --bundle "$WORK/cri" c1
check "a CRI container is rewritten" rewritten cri

echo '{"match": {"annotations": {"agent.example/kind": "coder|reviewer"}}}' > "$WORK/match.json"
bundle nomatch; OCI_AGENT_HOOK_CONFIG=$WORK/match.json wrap create --bundle "$WORK/nomatch" m1
check "match.annotations: a container without the annotation is left alone" unchanged nomatch
jq '.annotations["agent.example/kind"] = "coder"' "$FIX/runc-spec.json" > "$WORK/coder.json"
bundle coder "$WORK/coder.json"; OCI_AGENT_HOOK_CONFIG=$WORK/match.json wrap create --bundle "$WORK/coder" m2
check "match.annotations: a matching container is rewritten" rewritten coder
jq '.annotations["agent.example/kind"] = "coders"' "$FIX/runc-spec.json" > "$WORK/coders.json"
bundle coders "$WORK/coders.json"; OCI_AGENT_HOOK_CONFIG=$WORK/match.json wrap create --bundle "$WORK/coders" m3
check "match.annotations: the regex matches the whole value" unchanged coders "$WORK/coders.json"

# ---- the real runtime ---------------------------------------------------------------
echo "{\"runtime\": {\"path\": \"$FAKE\"}}" > "$WORK/runtime.json"
bundle rt; OCI_AGENT_RUNTIME='' OCI_AGENT_HOOK_CONFIG=$WORK/runtime.json wrap create --bundle "$WORK/rt" r1
check "runtime.path from the policy" expect_called create --bundle "$WORK/rt" r1
ln -s "$(readlink -f "$WRAPPER")" "$WORK/runc"
bundle loop; OCI_AGENT_RUNTIME=$WORK/runc wrap --log "$WORK/loop.log" --log-format json create --bundle "$WORK/loop" l1
check "a runtime that is the wrapper itself is refused" [ "$rc" -eq 1 ]
check "... with a message saying so" has "$err" "oci-agent-runtime: create: find runtime: $WORK/runc: is oci-agent-runtime itself"
check "... also in the --log file as a runc JSON line" \
    [ "$(jq -r 'select(.level == "error") | .msg' "$WORK/loop.log")" = "$err" ]
OCI_AGENT_RUNTIME=/nonexistent/runc wrap state x
check "a missing runtime: exit 1" [ "$rc" -eq 1 ]
check "a missing runtime: clear message" has "$err" "find runtime: /nonexistent/runc: No such file or directory"

# ---- errors on create reach the caller's --log file --------------------------------
echo '{"tmp": {"max_size": "lots"}}' > "$WORK/bad.json"
bundle bad; OCI_AGENT_HOOK_CONFIG=$WORK/bad.json wrap --log "$WORK/bad.log" --log-format json create --bundle "$WORK/bad" b1
check "bad policy on create: exit 1, runtime not called" test "$rc" -eq 1 -a -z "$called"
check "bad policy on create: config.json unchanged" unchanged bad
check "bad policy on create: the reason in the JSON log line" \
    has "$(jq -r .msg "$WORK/bad.log")" "validate policy: $WORK/bad.json: tmp.max_size: invalid size"
check "bad policy on create: one JSON line with level and time" \
    [ "$(jq -c '[.level, (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))]' "$WORK/bad.log")" = '["error",true]' ]
OCI_AGENT_HOOK_CONFIG=$WORK/bad.json wrap --log "$WORK/text.log" create --bundle "$WORK/bad" b2
check "text --log-format: a logfmt line" grep -q '^time=".*" level=error msg="oci-agent-runtime: create: ' "$WORK/text.log"
OCI_AGENT_HOOK_CONFIG=$WORK/bad.json wrap delete --force b1
check "bad policy never blocks a delete" expect_called delete --force b1

cli_finish runtime_wrapper
