#!/usr/bin/env bash
# component.sh: the cost of a cross-component call (a string and a record of five fields, through
# an interface, from one component's memory to another's) against a plain call inside one
# component, measured in the same run; the issue's target is under 150 ns per call. Builds
# bench/component/{caller,callee}.c with clang and turns them into component binaries with jco
# (.tools/jco, from scripts/install-deps.sh), then bench/component_call.c against
# BUILD_DIR/libweft.a. Never fails on speed.
#
# Usage: bench/component.sh [BUILD_DIR] [ROUNDS (15)] [NAME_BYTES (16)]
# Exit status: 0; 1 when something does not build; 77 without jco or node.
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
case "${1:-}" in -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
build_dir=${1:-build}
[[ -f $build_dir/libweft.a ]] || { echo "component.sh: $build_dir/libweft.a missing: build weft first (make)" >&2; exit 2; }
jco=${JCO:-$ROOT/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] && command -v node > /dev/null || { echo "component.sh: no jco or node (scripts/install-deps.sh): skipped" >&2; exit 77; }
out=$build_dir/bench/component
mkdir -p "$out" || exit 1
for w in caller callee; do
    # jco 1.10.2's embed ignores -n when a package has several worlds: one world per directory
    mkdir -p "$out/wit-$w" && cp "$BENCH_DIR/component/wit/bench.wit" "$BENCH_DIR/component/wit/worlds/$w.wit" "$out/wit-$w/" &&
    "${CC_WASM:-clang}" --target=wasm32 -O2 -Wall -Wextra -nostdlib -Wl,--no-entry \
        -o "$out/$w.core.wasm" "$BENCH_DIR/component/$w.c" &&
    "$jco" embed --wit "$out/wit-$w" -n "$w" "$out/$w.core.wasm" -o "$out/$w.e.wasm" > /dev/null &&
    "$jco" new "$out/$w.e.wasm" -o "$out/$w.wasm" > /dev/null ||
        { echo "component.sh: building the $w component failed" >&2; exit 1; }
done
"${CC_NATIVE:-gcc}" -std=c11 -O2 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/src" -o "$out/component_call" \
    "$BENCH_DIR/component_call.c" "$build_dir/libweft.a" -lm -lpthread ||
    { echo "component.sh: building component_call failed" >&2; exit 1; }
exec "$out/component_call" "$out/caller.wasm" "$out/callee.wasm" "${2:-15}" "${3:-16}"
