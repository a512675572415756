#!/usr/bin/env bash
# instance.sh: weft's instance benchmark: microseconds per instantiation of a module with a
# 1 MiB active data segment (and of a minimal one), and host memory per idle instance, printed
# against the issue's target (< 20 us through a reusable pre-initialised image). Builds
# bench/instantiate.c natively against BUILD_DIR/libweft.a. Never fails on speed.
#
# Usage: bench/instance.sh [BUILD_DIR] [TIMED_RUNS (2000)] [IDLE_INSTANCES (1000)]
# Environment: CC_NATIVE (gcc). Keeping 1000 instances of the 1 MiB module alive takes ~1.1 GB.
# Exit status: 0, or 1 when it does not build or an instantiation fails; 2 for bad usage.

set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
case "${1:-}" in -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;; -*) echo "instance.sh: unknown option $1" >&2; exit 2 ;; esac
build_dir=${1:-build}
[[ -f $build_dir/libweft.a ]] || { echo "instance.sh: $build_dir/libweft.a missing: build weft first (make)" >&2; exit 2; }
mkdir -p "$build_dir/bench" || exit 2
"${CC_NATIVE:-gcc}" -std=c11 -O2 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/tests/common" -o "$build_dir/bench/instantiate" \
    "$BENCH_DIR/instantiate.c" "$build_dir/libweft.a" -lcurl -lcjson -lm -lpthread ||
    { echo "instance.sh: building instantiate failed" >&2; exit 1; }
exec "$build_dir/bench/instantiate" "${2:-2000}" "${3:-1000}"
