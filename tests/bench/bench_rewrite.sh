#!/usr/bin/env bash
# Benchmark of the spec-only paths on large config.json files: wall time and
# peak RSS of `oci-agent-hook precreate` (stdin -> stdout) and
# `oci-agent-hook rewrite --bundle` on specs with 10, 1,000 and 10,000
# mounts, beside `jq '.mounts |= .'` on the same file as a reference point.
# Prints figures; never fails on timing.
#
# Usage: tests/bench/bench_rewrite.sh [BUILD_DIR]
#   BUILD_DIR   holds oci-agent-hook (default: build-bench if built, else build)
# Environment:
#   BENCH_RUNS=11          timed runs per figure (one untimed warm-up before)
#   BENCH_SIZES="10 1000 10000"   mount counts (runc's 7 defaults included)
#   BENCH_DRY_RUN_RUNS=3   timed runs of `rewrite --dry-run` (0: skip it)
#   BENCH_KEEP=1           keep the work directory (generated specs)
#
# The specs are runc's (tests/fixtures/runc-spec.json) plus generated mounts,
# in blocks of ten: binds at nested /data/B/... destinations (one child
# listed before its parent), /workspace/pB and /workspace/pB/node_modules,
# /tmp/agent-B, /run/secrets/sB (ro), a /data/B/scratch tmpfs. At a quarter
# of the list: /workspace/.cache (an excluded path, via the
# oci-agent-hook/exclude annotation, so it is replaced by a tmpfs); at half:
# a /tmp tmpfs (replaced); at three quarters: the /workspace bind. Every
# /tmp/agent-B before /tmp and every /workspace/... before /workspace must
# move, so the rewrite reorders about half the list; /home/agent/.npm (also
# excluded, absent) is appended.
#
# Times are from fork to wait4 of the command (tests/bench/timeit.c, built on
# the fly), so no shell start-up is included; peak RSS is ru_maxrss, the
# largest over the runs. rewrite --bundle gets a fresh copy of the original
# config.json before each run (not timed), so every run writes (and fsyncs).
set -euo pipefail

# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_args "$@"
# valgrind (callgrind's instruction counts) is the benchmark's own extra
# tool, not a test dependency: install it here (as root) or do without.
"$BENCH_ROOT/scripts/ensure-packages.sh" --quiet valgrind ||
    echo "note: valgrind not installed; the callgrind instruction counts are left out" >&2

RUNS=${BENCH_RUNS:-11}
SIZES=${BENCH_SIZES:-"10 1000 10000"}
DRY_RUNS=${BENCH_DRY_RUN_RUNS:-3}
SPEC=$BENCH_ROOT/tests/fixtures/runc-spec.json
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive number"

bench_work rewrite
# The spec's exclude annotation names a path outside the example's
# exclude_under (/workspace): allowed here, so the rewrite applies both.
jq '.annotations.exclude_under += ["/home/agent"]' "$POLICY" > "$POLICY.new" && mv -- "$POLICY.new" "$POLICY"

# ---- spec generation --------------------------------------------------------
GEN='
def bind($dest; $src; $mode): {destination: $dest, type: "bind", source: $src, options: ["rbind", $mode]};
def tmpfs($dest; $opts): {destination: $dest, type: "tmpfs", source: "tmpfs", options: $opts};
(.mounts | length) as $base
| ($n - $base) as $m
| if $m < 3 then error("need at least \($base + 3) mounts") else . end
| ($m / 4 | floor) as $at_cache
| ($m / 2 | floor) as $at_tmp
| ($m * 3 / 4 | floor) as $at_ws
| "/srv/agents/job-4711" as $s
| .annotations = {"oci-agent-hook/exclude": "/workspace/.cache,/home/agent/.npm"}
| .mounts += [range(0; $m) as $i | ($i / 10 | floor) as $b |
    if $i == $at_tmp then tmpfs("/tmp"; ["rw", "nosuid", "nodev", "exec", "size=100m"])
    elif $i == $at_ws then bind("/workspace"; "\($s)/workspace"; "rw")
    elif $i == $at_cache then bind("/workspace/.cache"; "\($s)/cache"; "rw")
    else ($i % 10) as $k |
      if $k == 0 then bind("/data/\($b)/a"; "\($s)/data/\($b)/a"; "rw")
      elif $k == 1 then bind("/data/\($b)/a/x"; "\($s)/data/\($b)/a/x"; "ro")
      elif $k == 2 then bind("/data/\($b)/b/y"; "\($s)/data/\($b)/b/y"; "rw")
      elif $k == 3 then bind("/data/\($b)/b"; "\($s)/data/\($b)/b"; "rw")
      elif $k == 4 then bind("/data/\($b)/c"; "\($s)/data/\($b)/c"; "ro")
      elif $k == 5 then bind("/workspace/p\($b)"; "\($s)/projects/p\($b)"; "rw")
      elif $k == 6 then bind("/workspace/p\($b)/node_modules"; "\($s)/cache/nm\($b)"; "ro")
      elif $k == 7 then bind("/tmp/agent-\($b)"; "\($s)/tmp/agent-\($b)"; "rw")
      elif $k == 8 then bind("/run/secrets/s\($b)"; "\($s)/secrets/s\($b)"; "ro")
      else tmpfs("/data/\($b)/scratch"; ["nosuid", "nodev", "mode=1777", "size=64m"]) end
    end]'

# Where a few destinations sit in a mounts array (-1: absent).
POSITIONS='.mounts | map(.destination) as $d
  | [("/tmp", "/tmp/agent-0", "/workspace", "/workspace/p0", "/data/0/b", "/data/0/b/y",
      "/workspace/.cache", "/home/agent/.npm") as $p | ($d | index($p)) // -1] | @tsv'

# check_output N FILE: the rewritten spec has the replaced, appended and
# reordered mounts it must have; else the figures would mean nothing.
check_output() {
    local n=$1 file=$2 got
    got=$(jq -r --argjson n "$n" '
        .mounts as $m | ($m | map(.destination)) as $d
        | def at($p): ($d | index($p)) // -1;
        [ ($m | length) == $n + 1,
          ([$m[] | select(.destination == "/tmp")] | length) == 1,
          ($m[at("/tmp")].options | index("noexec")) != null,
          $m[at("/workspace/.cache")].type == "tmpfs",
          at("/home/agent/.npm") >= 0,
          at("/workspace") < at("/workspace/.cache"),
          ($n < 1000 or (at("/tmp") < at("/tmp/agent-0") and at("/workspace") < at("/workspace/p0")
                         and at("/data/0/b") < at("/data/0/b/y")))
        ] | all' "$file") || got=false
    [[ $got == true ]] || bench_die "$file: the rewritten spec for $n mounts is not what the hook should produce"
}

# ---- measuring ----------------------------------------------------------------
# series RUNS PREP IN OUT -- COMMAND...: one untimed warm-up, then RUNS timed
# runs, each after PREP (a command, not timed). Sets S_MED_US, S_MIN_US,
# S_CPU_US (median user+system time) and S_RSS (the largest peak RSS, KiB).
series() {
    local runs=$1 prep=$2 in=$3 out=$4
    shift 5
    local i us cpu kib st times=() cpus=() rss=()
    for ((i = 0; i <= runs; i++)); do
        $prep
        read -r us cpu kib st < <("$TIMEIT" -i "$in" -o "$out" -e "$out.err" -- "$@")
        if [[ $st != 0 ]]; then
            echo "command failed (exit $st): $*" >&2
            head -c 2000 "$out" "$out.err" >&2
            exit 1
        fi
        ((i == 0)) && continue
        times+=("$us")
        cpus+=("$cpu")
        rss+=("$kib")
    done
    S_MED_US=$(printf '%s\n' "${times[@]}" | stat_median)
    S_MIN_US=$(printf '%s\n' "${times[@]}" | stat_min)
    S_CPU_US=$(printf '%s\n' "${cpus[@]}" | stat_median)
    S_RSS=$(printf '%s\n' "${rss[@]}" | stat_max)
}

no_prep() { :; }
restore_bundle() { cp -- "$CUR_SPEC" "$BUNDLE/config.json"; }

declare -A MED MIN CPU RSS SIZE_KIB DRY_LINES
BUNDLE=$WORK/bundle
mkdir -p "$BUNDLE/rootfs"

bench_machine
echo "work dir: $WORK ($(stat -f -c %T "$WORK") file system); $RUNS timed runs per figure after one warm-up"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The floor: what starting any process costs here.
series "$RUNS" no_prep /dev/null /dev/null -- /bin/true
FLOOR="process start floor, /bin/true: median $(us_to_ms "$S_MED_US") ms wall, $(us_to_ms "$S_CPU_US") ms cpu, $S_RSS KiB"

for n in $SIZES; do
    CUR_SPEC=$WORK/config-$n.json
    jq --argjson n "$n" "$GEN" "$SPEC" > "$CUR_SPEC"
    [[ $(jq '.mounts | length' "$CUR_SPEC") == "$n" ]] || bench_die "generated spec has the wrong mount count"
    SIZE_KIB[$n]=$(($(stat -c %s "$CUR_SPEC") / 1024))

    series "$RUNS" no_prep "$CUR_SPEC" "$WORK/out.json" -- "$HOOK" --config "$POLICY" precreate
    check_output "$n" "$WORK/out.json"
    MED[pre,$n]=$S_MED_US MIN[pre,$n]=$S_MIN_US CPU[pre,$n]=$S_CPU_US RSS[pre,$n]=$S_RSS
    if [[ $n == 10000 ]]; then
        echo "positions of a few destinations, before -> after (10000 mounts):"
        echo "  /tmp /tmp/agent-0 /workspace /workspace/p0 /data/0/b /data/0/b/y /workspace/.cache /home/agent/.npm"
        echo "  $(jq -r "$POSITIONS" "$CUR_SPEC" | tr '\t' ' ')"
        echo "  $(jq -r "$POSITIONS" "$WORK/out.json" | tr '\t' ' ')"
        echo
    fi

    series "$RUNS" restore_bundle /dev/null "$WORK/out.txt" -- "$HOOK" --config "$POLICY" rewrite --bundle "$BUNDLE"
    check_output "$n" "$BUNDLE/config.json"
    MED[rw,$n]=$S_MED_US MIN[rw,$n]=$S_MIN_US CPU[rw,$n]=$S_CPU_US RSS[rw,$n]=$S_RSS

    if ((DRY_RUNS > 0)); then
        series "$DRY_RUNS" restore_bundle /dev/null "$WORK/out.txt" -- "$HOOK" --config "$POLICY" rewrite --bundle "$BUNDLE" --dry-run
        MED[dry,$n]=$S_MED_US MIN[dry,$n]=$S_MIN_US CPU[dry,$n]=$S_CPU_US RSS[dry,$n]=$S_RSS
        DRY_LINES[$n]=$(wc -l < "$WORK/out.txt")
    fi

    series "$RUNS" no_prep /dev/null "$WORK/out.json" -- jq '.mounts |= .' "$CUR_SPEC"
    MED[jq,$n]=$S_MED_US MIN[jq,$n]=$S_MIN_US CPU[jq,$n]=$S_CPU_US RSS[jq,$n]=$S_RSS
done

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (wall times are only as good as the machine is quiet;"
echo "  cpu = median user+system time, less sensitive to other load)"
echo "$FLOOR"
echo

# ---- report -------------------------------------------------------------------
# ratio A B: A/B with two decimals ("-" if B is 0 or missing).
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }
# marginal A B BASE: (A-BASE)/(B-BASE).
marginal() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {if (b - c > 0) printf "%.2f", (a - c) / (b - c); else printf "-"}'; }
has_size() { [[ " $SIZES " == *" $1 "* ]]; }

table() {  # table KEY TITLE
    local key=$1 n
    echo "== $2"
    printf '%6s %8s | %9s %8s %8s %8s | %9s %8s %8s | %7s\n' mounts "spec KiB" "median ms" "min ms" "cpu ms" "RSS KiB" \
        "jq med ms" "jq cpu" "jq RSS" "hook/jq"
    for n in $SIZES; do
        printf '%6s %8s | %9s %8s %8s %8s | %9s %8s %8s | %7s\n' "$n" "${SIZE_KIB[$n]}" \
            "$(us_to_ms "${MED[$key,$n]}")" "$(us_to_ms "${MIN[$key,$n]}")" "$(us_to_ms "${CPU[$key,$n]}")" "${RSS[$key,$n]}" \
            "$(us_to_ms "${MED[jq,$n]}")" "$(us_to_ms "${CPU[jq,$n]}")" "${RSS[jq,$n]}" \
            "$(ratio "${MED[$key,$n]}" "${MED[jq,$n]}")"
    done
    if has_size 1000 && has_size 10000; then
        # The whole-process ratio is damped by fixed start-up cost; the
        # figure in parentheses takes the 10-mount time off both sides first.
        local who k
        for who in "$key" jq; do
            k=$who
            printf 'growth 10000/1000, %-4s wall %s (%s), cpu %s (%s), RSS %s\n' "$([[ $who == jq ]] && echo jq || echo hook):" \
                "$(ratio "${MED[$k,10000]}" "${MED[$k,1000]}")" \
                "$(has_size 10 && marginal "${MED[$k,10000]}" "${MED[$k,1000]}" "${MED[$k,10]}" || echo -)" \
                "$(ratio "${CPU[$k,10000]}" "${CPU[$k,1000]}")" \
                "$(has_size 10 && marginal "${CPU[$k,10000]}" "${CPU[$k,1000]}" "${CPU[$k,10]}" || echo -)" \
                "$(ratio "${RSS[$k,10000]}" "${RSS[$k,1000]}")"
        done
        echo "  expected: linear 10.0, n log n 10*log(10000)/log(1000) = 13.3, n^2 100"
    fi
    if has_size 10000; then
        local ms rss_ok ms_ok
        ms=$(us_to_ms "${MED[$key,10000]}")
        ms_ok=$(awk -v t="$ms" 'BEGIN {print (t < 50) ? "met" : "MISSED"}')
        rss_ok=MISSED
        ((RSS[$key,10000] < 16384)) && rss_ok=met
        printf 'targets at 10000 mounts: median %s ms vs < 50 ms: %s; peak RSS %s KiB vs < 16384 KiB (16 MiB): %s\n' \
            "$ms" "$ms_ok" "${RSS[$key,10000]}" "$rss_ok"
    fi
    echo
}

table pre "oci-agent-hook precreate < config.json > out (stdout to a file)"
table rw "oci-agent-hook rewrite --bundle DIR (fresh config.json each run; write + fsync + rename)"
if ((DRY_RUNS > 0)); then
    table dry "oci-agent-hook rewrite --bundle DIR --dry-run ($DRY_RUNS runs; not a hot path, shown for growth)"
    for n in $SIZES; do echo "  dry-run at $n mounts printed ${DRY_LINES[$n]} change lines"; done
    echo
fi

# ---- instruction counts (optional, repeatable) -------------------------------
# callgrind's Ir (user-space instructions) does not depend on the load on the
# machine, so its growth is the cleanest measure of the algorithm.
if command -v valgrind > /dev/null; then
    declare -A IR
    sandbox_note=
    for n in $SIZES; do
        # valgrind does not emulate seccomp(2), so the hook fails closed at
        # its sandbox step, after parsing and planning and before it writes
        # the spec: the count then covers everything but the output.
        if valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind-$n.out" \
            "$HOOK" --config "$POLICY" precreate < "$WORK/config-$n.json" > /dev/null 2> "$WORK/callgrind.log" ||
            { grep -q '^oci-agent-hook: precreate: sandbox: ' "$WORK/callgrind.log" &&
                sandbox_note=" (up to the sandbox step: valgrind cannot run seccomp(2), the output is not written)"; }; then
            IR[$n]=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$WORK/callgrind-$n.out" | head -n 1)
        else
            echo "callgrind failed: $(tail -n 1 "$WORK/callgrind.log")"
            IR[$n]=0
        fi
    done
    echo "== callgrind, precreate: instructions executed (Ir, user space; repeatable)$sandbox_note"
    for n in $SIZES; do printf '%6s mounts: %13s Ir\n' "$n" "${IR[$n]}"; done
    if has_size 1000 && has_size 10000; then
        printf 'growth 10000/1000: %s (minus the 10-mount count: %s); linear 10.0, n log n 13.3\n' \
            "$(ratio "${IR[10000]}" "${IR[1000]}")" \
            "$(has_size 10 && marginal "${IR[10000]}" "${IR[1000]}" "${IR[10]}" || echo -)"
    fi
    big=$(tr ' ' '\n' <<< "$SIZES" | grep . | sort -n | tail -n 1)
    if [[ ${IR[$big]} != 0 ]] && command -v callgrind_annotate > /dev/null && command -v perl > /dev/null; then
        echo "inclusive cost of the project's own functions at $big mounts (Ir, share of the total):"
        callgrind_annotate --inclusive=yes "$WORK/callgrind-$big.out" 2> /dev/null |
            grep -E '(oci|agenthook)::' | grep -v 'run_precreate' |
            perl -pe '1 while s/<[^<>]*>//g; s/ \[[^]]*\]$//; s/\?\?\?://; s/\[abi:cxx11\]//g;
                      s/\((?:[^()]|\([^()]*\))*\)//g; s/std::__cxx11:://g' |
            awk -v t="${IR[$big]}" '{n = $1; gsub(",", "", n); printf "  %13s %5.1f %%  %s\n", $1, 100 * n / t, $2}' |
            head -n 10
    fi
    echo
fi
if has_size 10000 && command -v perf > /dev/null; then
    if perf stat -x, -e instructions:u -o "$WORK/perf.txt" -- \
        "$HOOK" --config "$POLICY" precreate < "$WORK/config-10000.json" > /dev/null 2>&1 &&
        count=$(awk -F, '/instructions/ {print $1}' "$WORK/perf.txt") && [[ $count =~ ^[0-9]+$ ]]; then
        echo "perf stat, precreate on 10000 mounts: $count instructions:u"
    else
        echo "perf stat: no instruction counter here ($(grep -v '^#' "$WORK/perf.txt" 2> /dev/null | grep -m1 . || echo 'perf failed'))"
    fi
fi
exit 0
