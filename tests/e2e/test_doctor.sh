#!/usr/bin/env bash
# End-to-end test of `doctor` and `df` on running containers: one started
# from a spec `rewrite` wrote (hook and seccomp mount lockdown), one with the
# hook registered by hand (no lockdown), one without the hook. doctor's
# verdicts follow what is done to them (a full /tmp, a home made read-only,
# /tmp and /agent-home replaced by symlinks to host sentinels), and df's
# numbers are those statfs gives for the same mounts.
#
# Usage: test_doctor.sh RUNTIME HOOK   (RUNTIME: runc or crun)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
source "$(dirname "$0")/functional_lib.sh"
e2e_init "$1" "$2"

NM=/workspace/node_modules
# The records (hook mode writes one per container; doctor --id and df read
# them) go to the test's own state dir.
mkdir -m 0700 "$E2E_WORK/state"
policy=$(write_policy doctor "{\"tmp\": {\"size\": \"16m\"}, \"exclude\": {\"paths\": [\"/workspace/node_modules\"]}, \"state_dir\": \"$E2E_WORK/state\"}")

# start_detached BUNDLE: starts it in the background (its workload sleeps);
# sets CID and CPID (the container's process, host pid).
# In ENOSYS mode its hook entries must have logged their filtered starts,
# as e2e_start checks for the containers that run to completion.
start_detached() {
    local bundle=$1 logged_before=0
    e2e_hook_via "$bundle" || return 1
    [ "$E2E_HOOK_VIA" = enosys ] && logged_before=$(e2e_filtered_count)
    e2e_seq=$((e2e_seq + 1))
    CID=oah-$$-$e2e_seq
    e2e_ids+=("$CID")
    (cd "$bundle" && e2e_runtime_within 60 run -d -b "$bundle" "$CID" < /dev/null > "$E2E_WORK/$CID.log" 2>&1) ||
        { echo "     start of $bundle failed: $(cat "$E2E_WORK/$CID.log")"; return 1; }
    CPID=$(e2e_runtime_cmd state "$CID" | jq -r .pid)
    if [ "$E2E_HOOK_VIA" = enosys ]; then
        e2e_filtered_expected=$((e2e_filtered_expected + e2e_filtered_now))
        [ $(($(e2e_filtered_count) - logged_before)) -eq "$e2e_filtered_now" ] ||
            e2e_filtered_missing=$((e2e_filtered_missing + 1))
    fi
}

# started BUNDLE: start_detached, or the test ends here (nothing to probe).
started() {
    start_detached "$1" && return 0
    check "$1 started" false
    e2e_summary
    exit 1
}

# in_container ID CMD...: runs CMD in the container as root (with the
# spec's few capabilities: no CAP_FOWNER); as_agent ID CMD...: as the agent.
in_container() { local id=$1; shift; e2e_runtime_cmd exec --user 0:0 "$id" "$@"; }
as_agent() { local id=$1; shift; e2e_runtime_cmd exec --user 1000:1000 "$id" "$@"; }

# doctor PID [ARGS...]: sets $out (stdout and stderr) and $rc.
doctor() {
    local pid=$1
    shift
    rc=0
    out=$(e2e_hook --config "$policy" doctor --pid "$pid" "$@" 2>&1) || rc=$?
}

verdict() { grep -E "^(PASS|WARN|FAIL) $1( |:|$)" <<< "$out" | cut -d' ' -f1; }
expect_verdict() { [ "$(verdict "$1")" = "$2" ]; }
expect_all_pass() { [ "$(grep -c '^PASS ' <<< "$out")" -eq 12 ] && [ "$(wc -l <<< "$out")" -eq 12 ]; }

# statfs_of PID PATH: "size used inodes_total inodes_used" as the host's
# statvfs sees PATH inside the container (test-controlled paths only).
statfs_of() {
    stat -f -c '%b %f %S %c %d' "/proc/$1/root$2" | awk '{ printf "%d %d %d %d\n", $1 * $3, ($1 - $2) * $3, $4, $4 - $5 }'
}

# df_fields PID LABEL MOUNTPOINT: that mount's "size used inodes_total
# inodes_used" from df's text line.
df_fields() {
    local line
    line=$(e2e_hook --config "$policy" df --pid "$1" --name "$2" 2>&1) || return 1
    awk -v mp="$3" '{ for (i = 2; i <= NF; i++) if ($i == mp) {
        split($(i + 1), s, "="); split($(i + 2), u, "="); split($(i + 4), n, "[=/]");
        printf "%d %d %d %d\n", s[2], u[2], n[3], n[2] } }' <<< "$line"
}

# ---- A: the spec written by rewrite (hook + seccomp lockdown) ---------------
a=$(probe_bundle doctor-a --user 1000:1000 -- "sleep 600")
jq '.hooks = {}' "$a/config.json" > "$a/c.json" && mv "$a/c.json" "$a/config.json"
out=$(e2e_hook --config "$policy" rewrite --bundle "$a" 2>&1)
check "rewrite wrote the spec with the lockdown" has "$(jq -c .linux.seccomp "$a/config.json")" '"mount"'
started "$a"
a_id=$CID a_pid=$CPID
doctor "$a_pid"
if [ "$E2E_HOOK_VIA" = enosys ]; then
    # doctor itself runs under enosys_exec's seccomp filter here, and the
    # kernel refuses PTRACE_SECCOMP_GET_FILTER to a filtered tracer: the
    # lockdown is then unknown, a FAIL with the reason, never a silent PASS.
    check "A: every probe but mount_lockdown passes" \
        test "$(grep -c '^PASS ' <<< "$out")" -eq 11
    check "A: mount_lockdown is unknown under a filtered doctor (FAIL with the reason)" \
        has_re "$out" '^FAIL mount_lockdown: unknown: dump seccomp filter: pid [0-9]+: '
else
    check "A: doctor passes every probe" expect_all_pass
    check "A: doctor exits 0" test "$rc" -eq 0
    check "A: mount_lockdown from the real filter" has_re "$out" '^PASS mount_lockdown \(mount ERRNO\(1\), .*fsopen ERRNO\(1\)'
fi
check "A: tmp_size observed vs policy" has "$out" "PASS tmp_size (observed 16777216 bytes, policy tmp.size 16777216"
check "A: the excluded path is probed" expect_verdict "exclude_${NM}_exec_1777" PASS
doctor "$a_pid" --format json
check "A: --format json parses, one probe per line of text" \
    test "$(jq '.probes | length' <<< "$out")" -eq 12
check "A: json names the pid" test "$(jq .pid <<< "$out")" -eq "$a_pid"
by_pid=$(doctor "$a_pid"; grep -Ev '^(PASS|FAIL|WARN) tmp_(usage|size)' <<< "$out")
out=$(e2e_hook --config "$policy" doctor --id "$a_id" 2>&1)
check "A: doctor --id (the record's pid) probes what --pid does" \
    test "$(grep -Ev '^(PASS|FAIL|WARN) tmp_(usage|size)' <<< "$out")" = "$by_pid"
check "A: doctor --id: tmp_size against the size the record says was applied" \
    has "$out" "PASS tmp_size (observed 16777216 bytes, policy tmp.size 16777216, tmp.max_size 4294967296, applied by the hook 16777216)"
# /tmp remounted smaller behind the hook's back: within the policy's bounds
# (--pid passes it), but not what the hook applied (--id fails it).
# (-p: the container's mount(8) reads /proc/self/mounts, which its own procfs shows)
remount_tmp() { nsenter -t "$a_pid" -m -p -- mount -o "remount,size=$1,noexec,nosuid,nodev" /tmp; }
check "A: /tmp remounted at 8m from the host" remount_tmp 8m
doctor "$a_pid"
check "A: /tmp remounted at 8m: doctor --pid passes tmp_size (within tmp.max_size)" expect_verdict tmp_size PASS
out=$(e2e_hook --config "$policy" doctor --id "$a_id" 2>&1)
check "A: /tmp remounted at 8m: doctor --id fails tmp_size against the record" \
    has "$out" "FAIL tmp_size: /tmp is not the size the hook applied (remounted since?) (observed 8388608 bytes"
check "A: /tmp remounted back at 16m" remount_tmp 16m
out=$(e2e_hook --config "$policy" doctor --id no-such-container 2>&1)
check "A: doctor --id of a container without a record: one line naming it" \
    has_re "$out" "^oci-agent-hook: doctor: .*no-such-container.*$"
out=$(e2e_hook --config "$policy" df 2>&1)
check "A: df without --pid: the recorded container, by id" has_re "$out" "^$a_id /tmp size=16777216 "

# df against statfs of the same mounts.
check "A: df /tmp = statfs" test "$(df_fields "$a_pid" web /tmp)" = "$(statfs_of "$a_pid" /tmp)"
check "A: df $NM = statfs" test "$(df_fields "$a_pid" web "$NM")" = "$(statfs_of "$a_pid" "$NM")"

# /tmp 85% full: WARN; 97%: FAIL; emptied: PASS.
in_container "$a_id" dd if=/dev/zero of=/tmp/fill bs=1024 count=13926 > /dev/null 2>&1
doctor "$a_pid"
check "A: /tmp 85% full: tmp_usage WARN" expect_verdict tmp_usage WARN
check "A: a warning makes doctor exit 1" test "$rc" -eq 1
in_container "$a_id" dd if=/dev/zero of=/tmp/fill bs=1024 count=15892 > /dev/null 2>&1
doctor "$a_pid"
check "A: /tmp 97% full: tmp_usage FAIL with bytes and inodes" \
    has_re "$out" '^FAIL tmp_usage: /tmp is 9[5-9]% full \(bytes\), fail at 95% \(bytes [0-9]+ of 16777216 \(9[5-9]%\), inodes [0-9]+ of [0-9]+'
check "A: doctor exits 1" test "$rc" -eq 1
read -r size used inodes iused <<< "$(statfs_of "$a_pid" /tmp)"
prom=$(e2e_hook --config "$policy" df --pid "$a_pid" --name 'a"b' --format prometheus 2>&1)
out=$prom check "A: prometheus size = statfs" has "$prom" "oci_agent_hook_tmp_size_bytes{container=\"a\\\"b\",mountpoint=\"/tmp\"} $size"
out=$prom check "A: prometheus used = statfs" has "$prom" "oci_agent_hook_tmp_used_bytes{container=\"a\\\"b\",mountpoint=\"/tmp\"} $used"
out=$prom check "A: prometheus inodes = statfs" has "$prom" "oci_agent_hook_tmp_inodes_used{container=\"a\\\"b\",mountpoint=\"/tmp\"} $iused"
out=$prom check "A: prometheus inodes total = statfs" has "$prom" "oci_agent_hook_tmp_inodes_total{container=\"a\\\"b\",mountpoint=\"/tmp\"} $inodes"
out=$prom check "A: prometheus HELP and TYPE lines" has "$prom" "# TYPE oci_agent_hook_tmp_used_bytes gauge"
in_container "$a_id" rm -f /tmp/fill
doctor "$a_pid"
check "A: /tmp emptied: tmp_usage PASS" expect_verdict tmp_usage PASS

# The agent's home made read-only inside: the agent cannot write there.
as_agent "$a_id" chmod 0555 /agent-home
doctor "$a_pid"
check "A: /agent-home 0555: agent_home_writable FAIL with the errno" \
    has "$out" "FAIL agent_home_writable: as 1000:1000: create a file as the agent: /agent-home/"
check "A: ... Permission denied" has_re "$out" '^FAIL agent_home_writable: .*Permission denied'
as_agent "$a_id" chmod 0755 /agent-home
doctor "$a_pid"
check "A: /agent-home 0755 again: agent_home_writable PASS" expect_verdict agent_home_writable PASS

# ---- B: the hook registered by hand, no seccomp profile --------------------
b=$(probe_bundle doctor-b --user 1000:1000 --hook "$HOOK" -- "sleep 600")
hook_use_policy "$b" "$policy"
started "$b"
b_pid=$CPID
doctor "$b_pid"
check "B: the mounts pass" test "$(grep -c '^PASS tmp_\|^PASS exclude_' <<< "$out")" -eq 8
check "B: no seccomp filter: mount_lockdown FAIL" has "$out" "FAIL mount_lockdown: the container has no seccomp filter (Seccomp: 0)"
check "B: doctor exits 1" test "$rc" -eq 1

# df of two containers, sorted by use: fill B's /tmp to 50%.
in_container "$CID" dd if=/dev/zero of=/tmp/half bs=1024 count=8192 > /dev/null 2>&1
out=$(e2e_hook --config "$policy" df --pid "$a_pid" --name a --pid "$b_pid" --name b 2>&1)
check "df: one line per container, most used first" test "$(cut -d' ' -f1 <<< "$out" | xargs)" = "b a"

# ---- C: no hook at all -------------------------------------------------------
c=$(probe_bundle doctor-c --user 1000:1000 -- "sleep 600")
jq '.hooks = {}' "$c/config.json" > "$c/c.json" && mv "$c/c.json" "$c/config.json"
mkdir -p "$c/rootfs/agent-home"
started "$c"
c_id=$CID c_pid=$CPID
doctor "$c_pid"
check "C: no hook: tmp_is_tmpfs FAIL" has_re "$out" '^FAIL tmp_is_tmpfs: /tmp is not a mount of its own \(fstype [a-z0-9]+'
check "C: tmp_noexec FAIL" expect_verdict tmp_noexec FAIL
check "C: tmp_size FAIL" expect_verdict tmp_size FAIL
check "C: the excluded path is missing" has "$out" "FAIL exclude_${NM}_exec_1777: $NM: does not exist"
check "C: agent_home_owner FAIL (root-owned)" expect_verdict agent_home_owner FAIL
check "C: doctor exits 1" test "$rc" -eq 1

# ---- C, hostile: /tmp and /agent-home become symlinks to host sentinels -----
make_sentinels
mkdir -m 1777 "$SENTINEL/open"
before=$(sentinel_snapshot)
open_mtime=$(stat -c %y "$SENTINEL/open")
in_container "$c_id" sh -c "rm -rf /tmp /agent-home && ln -s $SENTINEL/dir /tmp && ln -s $SENTINEL/open /agent-home"
doctor "$c_pid"
check "hostile: /tmp a symlink: every tmp probe FAILs naming the symlink" \
    test "$(grep -c '^FAIL tmp_[a-z_0-9]*: /tmp: .*is a symlink' <<< "$out")" -eq 7
check "hostile: /agent-home a symlink: agent_home_exists FAIL" \
    has_re "$out" '^FAIL agent_home_exists: /agent-home: .*is a symlink'
check "hostile: nothing was written as the agent" has "$out" "FAIL agent_home_writable: not tried"
check "hostile: doctor exits 1" test "$rc" -eq 1
out=$(e2e_hook --config "$policy" df --pid "$c_pid" 2>&1) && rc=0 || rc=$?
check "hostile: df reports the refusal and exits 1" has_re "$out" "^$c_pid error: /tmp: .*is a symlink" 
check "hostile: df exit 1" test "$rc" -eq 1
check "hostile: the sentinels are unchanged" test "$(sentinel_snapshot)" = "$before"
check "hostile: nothing was created or removed in the open sentinel (mtime)" \
    test "$(stat -c %y "$SENTINEL/open")" = "$open_mtime"

# ---- a pid that is no container ---------------------------------------------
doctor 1
check "pid 1 (the host's init) is refused" has_re "$out" '^FAIL observe: enter mount namespace: '
check "pid 1: exit 1" test "$rc" -eq 1

e2e_summary
