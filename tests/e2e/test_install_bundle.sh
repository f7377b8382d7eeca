#!/usr/bin/env bash
# End-to-end test of `oci-agent-hook install --engine runc|crun --bundle`:
# a bundle with no hooks gets nothing of the contract; after install (and
# only after it) a real container of that bundle gets /tmp, the excluded
# path and the home; install is idempotent, and uninstall gives back the
# config.json it was given, byte for byte.
#
# Usage: test_install_bundle.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
policy=$(write_policy install '{"exclude": {"paths": ["/workspace/node_modules"]}}')

# install_cmd VERB: the command an operator types, for this test's runtime.
install_cmd() {
    e2e_hook --config "$policy" "$1" --engine "$E2E_RUNTIME" --bundle "$b"
}
expect_output() {  # expect_output REGEX VERB: the command succeeds and says REGEX
    local said
    said=$(install_cmd "$2" 2>&1) || { echo "     exit $?: $said"; return 1; }
    has_re "$said" "$1" || { echo "     said: $said"; return 1; }
}

b=$(probe_bundle install --user 1000:1000 -- "/probe /tmp $NM /agent-home")
cp "$b/config.json" "$E2E_WORK/as-made.json"

# ---- without the hook: none of the contract ------------------------------------
run_container "$b"
check "no hook: the container runs" expect_rc 0
check "no hook: /tmp is not the hook's tmpfs" expect_no_tmpfs_at /tmp
check "no hook: no /agent-home" expect_re stat /agent-home 'No such file'

# ---- install, twice; uninstall gives the file back --------------------------
check "install: updates config.json" expect_output "^updated $b/config.json" install
cp "$b/config.json" "$E2E_WORK/installed.json"
check "install again: nothing to change" expect_output '^already installed' install
check "install again: config.json unchanged" cmp "$E2E_WORK/installed.json" "$b/config.json"
check "uninstall: updates config.json" expect_output "^updated $b/config.json" uninstall
check "uninstall: config.json byte-identical to the one install was given" cmp "$E2E_WORK/as-made.json" "$b/config.json"

# ---- installed: a real container gets the contract ----------------------------
check "install (again)" expect_output "^updated $b/config.json" install
run_container "$b"
contract_checks "installed"
check "installed: uid 1000 creates a file in /agent-home" expect write /agent-home ok

e2e_summary
