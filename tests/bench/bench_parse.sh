#!/usr/bin/env bash
# Benchmark of the JSON parser on hostile shapes: `oci-agent-hook precreate`
# (read, parse, plan, dump) on config.json files just under the 64 MiB cap;
# beside it the parse alone and the dump alone (tests/json_parse_bench in
# BUILD_DIR: oci::parse_json, oci::dump, and nlohmann's own parser as a
# reference), and `jq .` (parse and pretty-print) on the same file, and the
# ratio precreate / jq. The parse must be linear in the input whatever its
# shape, and well under a second at 64 MiB; this prints the figures, it
# never fails on timing.
#
# Usage: tests/bench/bench_parse.sh [BUILD_DIR]
#   BUILD_DIR   holds oci-agent-hook and tests/json_parse_bench (default:
#               build-bench if built, else build)
# Environment:
#   BENCH_RUNS=3        timed runs per figure (one untimed warm-up before)
#   BENCH_MIB=63        size of the large inputs, MiB (the cap is 64)
#   BENCH_DEEP_MIB=8    size of deep-120: pretty-printed (`jq .`) it is about
#                       43 times the input, all indentation, so at 63 MiB jq
#                       writes some 2.7 GB (the hook writes it compact: see
#                       oci::dump)
#   BENCH_TIMEOUT=120   seconds before a run is killed (shown as "killed")
#   BENCH_KEEP=1        keep the work directory (generated inputs)
#
# Shapes, each runc's spec (tests/fixtures/runc-spec.json) plus:
#   keys-1M      "annotations" with about a million keys
#   deep-120     a vendor field holding objects nested 120 deep, repeated
#   small-objs   a vendor field: an array of small objects
#   one-string   a vendor field: one string of BENCH_MIB MiB
#   ann-30k      "annotations" with 30,000 keys (the issue's figure; small)
# keys-1M and small-objs hold more than a million values, which the hook
# refuses (oci::kMaxJsonValues): their figures are how fast it says no
# ("refused"); BENCH_MIB=4 or less times them parsed.
#
# cpu = median user+system time (tests/bench/timeit.c), less sensitive to
# other load than wall time; parse, dump and nlohmann = median CPU time of
# that step alone, each a first run in a fresh process (json_parse_bench).
set -euo pipefail

# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_args "$@"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || bench_die "$PYTHON not installed (it generates the inputs)"

RUNS=${BENCH_RUNS:-3}
MIB=${BENCH_MIB:-63}
TIMEOUT=${BENCH_TIMEOUT:-120}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive number"
if ! [[ $MIB =~ ^[1-9][0-9]*$ ]] || ((MIB > 64)); then bench_die "BENCH_MIB must be 1..64"; fi

bench_work parse

# ---- inputs -------------------------------------------------------------------
SHAPES="keys-1M deep-120 small-objs one-string ann-30k"
DEEP_MIB=${BENCH_DEEP_MIB:-8}
if ! [[ $DEEP_MIB =~ ^[1-9][0-9]*$ ]] || ((DEEP_MIB > 64)); then bench_die "BENCH_DEEP_MIB must be 1..64"; fi
"$PYTHON" - "$BENCH_ROOT/tests/fixtures/runc-spec.json" "$WORK" "$((MIB << 20))" "$((DEEP_MIB << 20))" << 'EOF'
import json, sys
spec_path, work, size, deep_size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
base = json.dumps(json.load(open(spec_path)), separators=(",", ":"))
head = base[:-1] + ","  # the spec without its closing brace

def fill(name, field, unit, opening, closing, sep=",", size=size):
    # field: `opening` then as many `unit(i)` as fit in `size` bytes, then `closing`.
    room = size - len(head) - len(field) - len(opening) - len(closing) - 2
    parts, used, i = [], 0, 0
    while True:
        u = unit(i)
        if used + len(u) + len(sep) > room:
            break
        parts.append(u)
        used += len(u) + len(sep)
        i += 1
    with open(f"{work}/{name}.json", "w") as f:
        f.write(head + field + opening + sep.join(parts) + closing + "}\n")

fill("keys-1M", '"annotations":', lambda i: '"org.example.agent/key-%08d":"value-%032d"' % (i, i), "{", "}")
deep = '{"a":' * 119 + '{"leaf":[1,2,3]}' + "}" * 119
fill("deep-120", '"org.example.deep":', lambda i: deep, "[", "]", size=deep_size)
fill("small-objs", '"org.example.items":', lambda i: '{"id":%d,"name":"item-%d","on":true}' % (i, i), "[", "]")
with open(f"{work}/one-string.json", "w") as f:
    f.write(head + '"org.example.blob":"' + "a" * (size - len(head) - 40) + '"}\n')
annotations = {"org.example.agent/key-%05d" % i: "value-%d" % i for i in range(30000)}
with open(f"{work}/ann-30k.json", "w") as f:
    f.write(base[:-1] + ',"annotations":' + json.dumps(annotations, separators=(",", ":")) + "}\n")
EOF

# ---- measuring ----------------------------------------------------------------
# series IN -- COMMAND...: one warm-up, then RUNS timed runs. Sets S_CPU_US,
# S_WALL_US (medians), S_RSS (largest peak RSS, KiB), S_STATUS (last exit
# status: 137 = killed after BENCH_TIMEOUT).
series() {
    local in=$1 i us cpu kib st cpus=() walls=() rss=()
    shift 2
    for ((i = 0; i <= RUNS; i++)); do
        read -r us cpu kib st < <("$TIMEIT" -t "$TIMEOUT" -i "$in" -o "$WORK/out" -- "$@")
        S_STATUS=$st
        if [[ $st == 137 ]]; then  # no use repeating a run that does not finish
            cpus=("$cpu") walls=("$us") rss=("$kib")
            break
        fi
        ((i == 0)) && continue
        cpus+=("$cpu") walls+=("$us") rss+=("$kib")
    done
    S_CPU_US=$(printf '%s\n' "${cpus[@]}" | stat_median)
    S_WALL_US=$(printf '%s\n' "${walls[@]}" | stat_median)
    S_RSS=$(printf '%s\n' "${rss[@]}" | stat_max)
}

bench_machine
echo "$RUNS timed runs per figure after one warm-up; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
PARSE_BENCH=$BUILD_DIR/tests/json_parse_bench
[[ -x $PARSE_BENCH ]] || echo "note: $PARSE_BENCH not built (cmake --build $BUILD_DIR --target json_parse_bench): parse-only figures n/a"
echo
printf '%-11s %7s %7s | %-27s | %-24s | %-27s | %6s\n' shape "in MiB" "out MiB" "precreate: cpu ms (wall) RSS" \
    "parse ms dump ms nlohmann" "jq: cpu ms (wall) RSS MiB" "cpu x"
for shape in $SHAPES; do
    in=$WORK/$shape.json
    mib=$(awk -v b="$(stat -c %s "$in")" 'BEGIN {printf "%.1f", b / 1048576}')
    series "$in" -- "$HOOK" --config "$POLICY" precreate
    h_cpu=$S_CPU_US h_wall=$S_WALL_US h_rss=$S_RSS h_st=$S_STATUS
    if [[ $h_st == 137 ]]; then
        h_fig="killed after ${TIMEOUT}s" out_mib=-
    elif [[ $h_st == 1 ]] && grep -q "values (a spec holds a few thousand)" "$WORK/out"; then
        # More than oci::kMaxJsonValues: the figure is how fast it says no.
        h_fig="refused $(us_to_ms "$h_cpu") ($(us_to_ms "$h_wall")) $((h_rss / 1024))" out_mib=-
    else
        [[ $h_st == 0 ]] || { echo "$shape: precreate exit $h_st:" >&2; head -c 2000 "$WORK/out" >&2; exit 1; }
        jq -e '.mounts | map(select(.destination == "/tmp")) | length == 1' "$WORK/out" > /dev/null ||
            bench_die "$shape: precreate's output is not the rewritten spec"
        h_fig="$(us_to_ms "$h_cpu") ($(us_to_ms "$h_wall")) $((h_rss / 1024))"
        out_mib=$(awk -v b="$(stat -c %s "$WORK/out")" 'BEGIN {printf "%.1f", b / 1048576}')
    fi
    p_fig=n/a
    if [[ -x $PARSE_BENCH ]]; then
        ps=() ds=() ns=()
        for ((i = 0; i < RUNS; i++)); do
            read -r p_us d_us n_us _ < <("$PARSE_BENCH" "$in" 2> /dev/null) || bench_die "$shape: json_parse_bench failed"
            ps+=("$p_us") ds+=("$d_us") ns+=("$n_us")
        done
        p_fig="$(printf '%s\n' "${ps[@]}" | stat_median) $(printf '%s\n' "${ds[@]}" | stat_median) $(printf '%s\n' "${ns[@]}" | stat_median)"
        read -r p_us d_us n_us <<< "$p_fig"
        if [[ $d_us == -1 ]]; then d_fig=refused; else d_fig=$(us_to_ms "$d_us"); fi
        p_fig="$(us_to_ms "$p_us") $d_fig $(us_to_ms "$n_us")"
    fi
    # jq is the reference, not the thing tested: its failure is a figure.
    series "$in" -- jq . "$in"
    j_st=$S_STATUS
    case $j_st in
        0) j_fig="$(us_to_ms "$S_CPU_US") ($(us_to_ms "$S_WALL_US")) $((S_RSS / 1024))" ;;
        137) j_fig="killed after ${TIMEOUT}s" ;;
        *) j_fig="exit $j_st: $(head -c 40 "$WORK/out" | tr '\n' ' ')" ;;
    esac
    ratio=$(awk -v a="$h_cpu" -v b="$S_CPU_US" -v s="$h_st$j_st" 'BEGIN {if (s == "00" && b > 0) printf "%.2f", a / b; else printf "-"}')
    printf '%-11s %7s %7s | %-27s | %-24s | %-27s | %6s\n' "$shape" "$mib" "$out_mib" "$h_fig" "$p_fig" "$j_fig" "$ratio"
done
echo
echo "cpu x = precreate's cpu time / jq's; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
