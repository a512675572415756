#!/usr/bin/env bash
# run.sh: weft's CPU benchmark harness. Builds every workload in bench/workloads/ natively (gcc)
# and for wasm32-wasi (clang), runs each natively, on weft and on node, checks that the three
# print the same checksum, and prints best-of-N wall times, ratios, geometric means and the
# issue's targets. It does not build weft itself: run `make` first.
#
# Usage: bench/run.sh [--quick] [--limits] [--only W1,W2] [BUILD_DIR]     (BUILD_DIR: build)
#   --quick    small sizes (CI: the whole run in well under a minute)
#   --limits   also run weft with --fuel and with --timeout, and print what they cost
#   --only     a comma-separated subset of the workloads
# Environment: BENCH_RUNS (3) runs per measurement, the best is kept; CC_NATIVE (gcc),
# CC_WASM (clang), NODE (node).
# Exit status: 0 when every run succeeded and every checksum matched; 1 otherwise; 2 for bad
# usage or a missing tool. Missing the speed targets is printed, never an error.

set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$BENCH_DIR/common.sh"
# Arguments for --quick, about 1/15 of each default size (defaults take 0.3-0.4 s natively).
declare -A QUICK_ARG=(
    [intloop]=200 [sieve]=1500000 [sha256]=100 [sort]=50000 [nbody]=15000
    [matmul]=120 [strhash]=150000 [vm]=5000 [lz]=300000 [calls]=400
)
# Fuel large enough never to run out; a timeout that never fires. Both only switch the checks on.
LIMIT_FUEL=1000000000000
LIMIT_TIMEOUT=60m # weft's --timeout has no "h" unit

quick=0 limits=0 only="" build_dir=""
while (($#)); do
    case "$1" in
    --quick) quick=1 ;;
    --limits) limits=1 ;;
    --only) only=${2:-}; shift ;;
    --only=*) only=${1#--only=} ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $build_dir ]] || { echo "run.sh: one BUILD_DIR only" >&2; exit 2; }; build_dir=$1 ;;
    esac
    shift
done
build_dir=${build_dir:-build}
runs=${BENCH_RUNS:-3}
cc_native=${CC_NATIVE:-gcc} cc_wasm=${CC_WASM:-clang} node=${NODE:-node}
weft="$build_dir/weft"
out="$build_dir/bench"

if [[ -n $only ]]; then
    IFS=, read -ra WORKLOADS <<<"$only"
    for w in "${WORKLOADS[@]}"; do
        [[ -f $BENCH_DIR/workloads/$w.c ]] || { echo "run.sh: no workload '$w'" >&2; exit 2; }
    done
fi
[[ -x $weft ]] || { echo "run.sh: $weft not found: build weft first (make)" >&2; exit 2; }
for tool in "$cc_native" "$cc_wasm" "$node"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done
mkdir -p "$out" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# ---- build --------------------------------------------------------------------------------
echo "building ${#WORKLOADS[@]} workloads into $out/ (native: $cc_native -O2, wasm: $cc_wasm --target=wasm32-wasi -O2)"
for w in "${WORKLOADS[@]}"; do
    bench_build "$out" native "$w" && bench_build "$out" wasm "$w" || exit 1
done

# ---- measuring ----------------------------------------------------------------------------
failures=()

# measure LABEL EXPECTED_FILE CMD...: runs CMD $runs times, sets best_ms (best wall time, with
# one decimal) and leaves the first run's stdout in $tmp/LABEL.out. A run that fails or prints
# something else than EXPECTED_FILE (if that exists) is recorded in failures and sets best_ms
# to "FAIL" / "MISMATCH".
measure() {
    local label=$1 expect=$2
    shift 2
    local best=-1 i t0 t1 rc
    for ((i = 0; i < runs; i++)); do
        # Microseconds from EPOCHREALTIME, read inline: no subshell inside the timed span (its
        # decimal separator follows the locale, hence the pattern).
        t0=${EPOCHREALTIME/[.,]/}
        "$@" >"$tmp/$label.run" 2>"$tmp/$label.err"
        rc=$?
        t1=${EPOCHREALTIME/[.,]/}
        if ((rc != 0)); then
            echo "FAILED: $label exited with status $rc: $*" >&2
            sed 's/^/    /' "$tmp/$label.err" | tail -n 20 >&2
            failures+=("$label: exit status $rc")
            best_ms=FAIL
            return
        fi
        ((i == 0)) && cp "$tmp/$label.run" "$tmp/$label.out"
        if [[ -f $expect ]] && ! cmp -s "$expect" "$tmp/$label.run"; then
            echo "CHECKSUM MISMATCH: $label: $*" >&2
            echo "    expected: $(cat "$expect")" >&2
            echo "    got:      $(cat "$tmp/$label.run")" >&2
            failures+=("$label: checksum differs from native")
            best_ms=MISMATCH
            return
        fi
        ((best < 0 || 10#$t1 - 10#$t0 < best)) && best=$((10#$t1 - 10#$t0))
    done
    best_ms=$(awk -v us="$best" 'BEGIN { printf "%.1f", us / 1000 }')
}

# ratio A B: A / B with two decimals, or "-" if either is not a number.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) { print "-"; exit }
        printf "%.2f", a / b }'
}

# x R: a ratio as printed in the tables: "12.34x", or "-" when there is none.
x() { [[ $1 == - ]] && echo - || echo "${1}x"; }

# geomean R...: geometric mean of the numeric arguments ("-" if none).
geomean() {
    printf '%s\n' "$@" | awk '/^[0-9.]+$/ && $1 > 0 { s += log($1); n++ }
        END { if (n) printf "%.2f", exp(s / n); else print "-" }'
}

mode="default sizes"
((quick)) && mode="quick sizes"
echo "weft: $weft   node: $($node --version)   runs: best of $runs   $mode"
echo
declare -A weft_ms
weft_ratios=() node_ratios=() worst_name="" worst_ratio=0
printf '%-9s %11s %11s %12s %11s %12s\n' workload "native ms" "weft ms" weft/native "node ms" node/native
printf '%-9s %11s %11s %12s %11s %12s\n' -------- --------- ------- ----------- ------- -----------
for w in "${WORKLOADS[@]}"; do
    args=()
    ((quick)) && [[ -n ${QUICK_ARG[$w]:-} ]] && args=("${QUICK_ARG[$w]}")
    measure "$w.native" /nonexistent "$out/$w" "${args[@]}"
    native=$best_ms
    expect="$tmp/$w.native.out"
    [[ $native == FAIL ]] && expect=/nonexistent
    measure "$w.weft" "$expect" "$weft" run "$out/$w.wasm" "${args[@]}"
    wms=$best_ms
    weft_ms[$w]=$wms
    measure "$w.node" "$expect" "$node" --experimental-wasi-unstable-preview1 "$BENCH_DIR/node_wasi.mjs" "$out/$w.wasm" "${args[@]}"
    nms=$best_ms
    wr=$(ratio "$wms" "$native")
    nr=$(ratio "$nms" "$native")
    weft_ratios+=("$wr")
    node_ratios+=("$nr")
    if [[ $wr != - ]] && awk -v a="$wr" -v b="$worst_ratio" 'BEGIN { exit !(a > b) }'; then
        worst_ratio=$wr worst_name=$w
    fi
    printf '%-9s %11s %11s %12s %11s %12s\n' "$w" "$native" "$wms" "$(x "$wr")" "$nms" "$(x "$nr")"
done
gm_weft=$(geomean "${weft_ratios[@]}")
gm_node=$(geomean "${node_ratios[@]}")
printf '%-9s %11s %11s %12s %11s %12s\n' geomean "" "" "$(x "$gm_weft")" "" "$(x "$gm_node")"
echo

yes_no() { awk -v a="$1" -v b="$2" 'BEGIN { print (a ~ /^[0-9.]+$/ && a <= b) ? "yes" : "no" }'; }
echo "geomean weft/native <= 10x: $(yes_no "$gm_weft" 10) (${gm_weft}x)"
echo "worst workload <= 25x: $(yes_no "$worst_ratio" 25) (${worst_name:-none} ${worst_ratio}x)"
((${#failures[@]})) && echo "(failed or mismatched workloads are left out of the means: see below)"
[[ -n $only ]] && echo "(only ${#WORKLOADS[@]} workloads ran: the targets are for the whole suite)"

# ---- limits: fuel metering and interrupt checks compiled in ------------------------------
if ((limits)); then
    echo
    echo "limits cost: weft --fuel $LIMIT_FUEL, weft --timeout $LIMIT_TIMEOUT, against plain weft"
    echo
    printf '%-9s %11s %11s %10s %11s %12s\n' workload "weft ms" "fuel ms" fuel/weft "timeout ms" timeout/weft
    printf '%-9s %11s %11s %10s %11s %12s\n' -------- ------- ------- --------- ---------- ------------
    fuel_ratios=() timeout_ratios=()
    for w in "${WORKLOADS[@]}"; do
        args=()
        ((quick)) && [[ -n ${QUICK_ARG[$w]:-} ]] && args=("${QUICK_ARG[$w]}")
        expect="$tmp/$w.native.out"
        [[ -f $expect ]] || expect=/nonexistent
        measure "$w.fuel" "$expect" "$weft" run --fuel "$LIMIT_FUEL" "$out/$w.wasm" "${args[@]}"
        fms=$best_ms
        measure "$w.timeout" "$expect" "$weft" run --timeout "$LIMIT_TIMEOUT" "$out/$w.wasm" "${args[@]}"
        tms=$best_ms
        fr=$(ratio "$fms" "${weft_ms[$w]}")
        tr=$(ratio "$tms" "${weft_ms[$w]}")
        fuel_ratios+=("$fr")
        timeout_ratios+=("$tr")
        printf '%-9s %11s %11s %10s %11s %12s\n' "$w" "${weft_ms[$w]}" "$fms" "$(x "$fr")" "$tms" "$(x "$tr")"
    done
    gm_fuel=$(geomean "${fuel_ratios[@]}")
    gm_timeout=$(geomean "${timeout_ratios[@]}")
    printf '%-9s %11s %11s %10s %11s %12s\n' geomean "" "" "$(x "$gm_fuel")" "" "$(x "$gm_timeout")"
    echo
    echo "fuel metering costs <= 10% (geomean): $(yes_no "$gm_fuel" 1.10) (${gm_fuel}x)"
    echo "interrupt checks cost <= 10% (geomean): $(yes_no "$gm_timeout" 1.10) (${gm_timeout}x)"
fi

if ((${#failures[@]})); then
    echo
    echo "run.sh: ${#failures[@]} FAILURE(S):" >&2
    printf '  %s\n' "${failures[@]}" >&2
    exit 1
fi
exit 0
