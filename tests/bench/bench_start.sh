#!/usr/bin/env bash
# Benchmark of what the hook adds to a container start: `runc run` of `true`
# in a sample bundle (scripts/make-bundle.sh) with oci-agent-hook registered
# at createRuntime, the same bundle without a hook, and the same bundle with
# a shell + jq + nsenter hook doing the same work (tmpfs on <rootfs>/tmp,
# mkdir + chown + chmod of the agent home, jq rewrite of config.json), and
# with /bin/true as the hook: the floor, what runc pays for any hook process.
# The variants are interleaved in one run (the order rotating each round, so
# no variant always follows the same one), N timed runs each after two
# untimed warm-up rounds. Prints figures; never fails on timing.
#
# Usage: tests/bench/bench_start.sh [BUILD_DIR] [N]
#   BUILD_DIR   holds oci-agent-hook (default: build-bench if built, else build)
#   N           timed runs per variant (default 50)
# Needs root, runc, jq, busybox-static (for make-bundle.sh); the shell
# variant also needs nsenter (util-linux) and is left out without it.
#
# Before every run (not timed) each bundle gets its original config.json
# back and its rootfs loses /agent-home, so every start is a first start:
# the hooks mount, create, chown and rewrite each time. Times are from fork
# to wait4 of `runc run` (tests/bench/timeit.c); cpu is user+system time of
# runc and everything it waited for (runc init, the hook).
set -euo pipefail

# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_container_args 50 N "$@"
N=$BENCH_COUNT
RUNC=$(command -v runc)

# Containers, work dir and mounts of earlier runs that died are removed;
# this run's are removed at exit (lib.sh).
bench_containers_init oah-bench-start "$RUNC"
bench_build_timeit "$WORK"

POLICY=$WORK/policy.json
cp -- "$BENCH_ROOT/config.json.example" "$POLICY"

# ---- the shell hook -------------------------------------------------------------
# The same work as oci-agent-hook with the example policy (/tmp 512m noexec,
# /agent-home 1000:1000 0755), without its checks: no symlink-safe path
# walk, no propagation check, no verification, no user-namespace id mapping.
SHELL_HOOK=$WORK/shell-hook.sh
cat > "$SHELL_HOOK" << 'EOF'
#!/bin/sh
# createRuntime hook: shell + jq + nsenter.
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
eval "$(jq -r '@sh "pid=\(.pid) bundle=\(.bundle)"')"
cfg=$bundle/config.json
root=$(jq -r '.root.path' "$cfg")
case $root in /*) ;; *) root=$bundle/$root ;; esac
nsenter -m -t "$pid" sh -c '
    mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=512m tmpfs "$1/tmp"
    mkdir -p "$1/agent-home"
    chown 1000:1000 "$1/agent-home"
    chmod 0755 "$1/agent-home"' sh "$root"
jq '.mounts = ([.mounts[] | select(.destination != "/tmp")]
      + [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
          options: ["nosuid", "noexec", "nodev", "mode=1777", "size=512m"]}])' "$cfg" > "$cfg.tmp"
mv "$cfg.tmp" "$cfg"
EOF
chmod 0755 "$SHELL_HOOK"

# ---- bundles ----------------------------------------------------------------------
VARIANTS=(with without)
make_bundle() {  # make_bundle NAME [make-bundle options]
    local dir=$WORK/$1
    shift
    "$BENCH_ROOT/scripts/make-bundle.sh" "$dir" "$@" -- true > /dev/null || bench_die "make-bundle.sh failed"
    rmdir "$dir/rootfs/agent-home" 2> /dev/null || true
    cp -- "$dir/config.json" "$dir/config.json.orig"
}
make_bundle without
make_bundle with --hook "$HOOK"
# The fixed policy, passed on the hook's command line.
jq --arg p "$POLICY" '.hooks.createRuntime[0].args += ["--config", $p]' "$WORK/with/config.json" > "$WORK/with/config.json.orig"
cp -- "$WORK/with/config.json.orig" "$WORK/with/config.json"
if command -v nsenter > /dev/null; then
    make_bundle shell --hook "$SHELL_HOOK"
    VARIANTS+=(shell)
else
    echo "note: nsenter not installed; the shell + jq + nsenter variant is left out" >&2
fi
make_bundle noop --hook /bin/true
VARIANTS+=(noop)

# ---- runs ---------------------------------------------------------------------------
declare -A WALL CPU
seq_no=0
# run_one VARIANT RECORD: one container start; RECORD=1 keeps the figures.
# shellcheck disable=SC2317 # called through bench_interleave
run_one() {
    local v=$1 dir=$WORK/$1 us cpu st id
    seq_no=$((seq_no + 1))
    id=$BENCH_PREFIX-$$-$v-$seq_no
    cp -- "$dir/config.json.orig" "$dir/config.json"
    rmdir "$dir/rootfs/agent-home" 2> /dev/null || true
    read -r us cpu _ st < <(cd "$dir" && "$TIMEIT" -o "$WORK/run.log" -- "$RUNC" run -b "$dir" "$id")
    "$RUNC" delete -f "$id" > /dev/null 2>&1 || true
    if [[ $st != 0 ]]; then
        echo "runc run failed for the '$v' bundle (exit $st):" >&2
        head -c 3000 "$WORK/run.log" >&2
        exit 1
    fi
    if [[ $v == with || $v == shell ]] && ! jq -e '.mounts | any(.destination == "/tmp" and .type == "tmpfs")' "$dir/config.json" > /dev/null; then
        bench_die "the '$v' hook did not record the /tmp tmpfs in config.json"
    fi
    if [[ $2 == 1 ]]; then
        WALL[$v]+="$us "
        CPU[$v]+="$cpu "
    fi
}

bench_machine
echo "runc: $("$RUNC" --version | head -n 1); bundles in $WORK ($(stat -f -c %T "$WORK"))"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# Rotating the order each round: with,without,shell,noop / without,shell,noop,with / ...
bench_interleave "$N" run_one "${VARIANTS[@]}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- report ---------------------------------------------------------------------------
echo "== runc run of \`true\`, $N runs per variant, interleaved"
bench_table_header "cpu ms"
for v in "${VARIANTS[@]}"; do
    case $v in
        with) label="oci-agent-hook at createRuntime" ;;
        without) label="no hook" ;;
        shell) label="shell + jq + nsenter hook" ;;
        noop) label="no-op hook (/bin/true)" ;;
    esac
    bench_table_row "$label" "${WALL[$v]}" "$(us_to_ms "$(bench_nums "${CPU[$v]}" | stat_median)")"
done
echo

echo "oci-agent-hook vs no hook:  $(bench_vs "${WALL[with]}" "${WALL[without]}")"
[[ -n ${WALL[shell]:-} ]] && echo "shell hook vs no hook:      $(bench_vs "${WALL[shell]}" "${WALL[without]}")"
echo "no-op hook vs no hook:      $(bench_vs "${WALL[noop]}" "${WALL[without]}")"
echo "target: oci-agent-hook adds under 5 % (by median): $(bench_target "${WALL[with]}" "${WALL[without]}" 5)"
exit 0
