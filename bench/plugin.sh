#!/usr/bin/env bash
# plugin.sh: weft's plugin benchmark: ns per plugin call (empty; 1 KiB in / 1 KiB out through
# linear memory and block to block; with a timeout, fuel, or a pool) and us per fresh instance
# from a compiled plugin, each beside the native function call it stands for, measured in the
# same run, with the issue's targets (< 150 ns per empty call, < 20 us per instance). Builds
# bench/plugin/benchplug.c (with the C SDK) for wasm32 and bench/plugin_call.c natively against
# BUILD_DIR/libweft.a. Never fails on speed.
#
# Usage: bench/plugin.sh [BUILD_DIR] [ROUNDS (15)]
# Environment: CC_NATIVE (gcc), CC_WASM (clang).
# Exit status: 0, or 1 when it does not build or a call fails; 2 for bad usage.

set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
case "${1:-}" in -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;; -*) echo "plugin.sh: unknown option $1" >&2; exit 2 ;; esac
build_dir=${1:-build}
[[ -f $build_dir/libweft.a ]] || { echo "plugin.sh: $build_dir/libweft.a missing: build weft first (make)" >&2; exit 2; }
out=$build_dir/bench
mkdir -p "$out" || exit 2
"${CC_WASM:-clang}" --target=wasm32 -O2 -Wall -Wextra -mbulk-memory -nostdlib -Wl,--no-entry \
    -I "$ROOT/sdk/c" -o "$out/benchplug.wasm" "$BENCH_DIR/plugin/benchplug.c" ||
    { echo "plugin.sh: building benchplug.wasm failed (needs clang, lld)" >&2; exit 1; }
"${CC_NATIVE:-gcc}" -std=c11 -O2 -Wall -Wextra -I "$ROOT/include" -o "$out/plugin_call" \
    "$BENCH_DIR/plugin_call.c" "$build_dir/libweft.a" -lcurl -lcjson -lm -lpthread ||
    { echo "plugin.sh: building plugin_call failed" >&2; exit 1; }
exec "$out/plugin_call" "$out/benchplug.wasm" "${2:-15}"
