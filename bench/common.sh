# common.sh: what bench/run.sh and bench/load.sh share: the workload list and how a workload
# is compiled, natively and for wasm32-wasi, so both scripts measure the same binaries.
# Sourced, not run. Needs BENCH_DIR set to the bench/ directory.
# shellcheck shell=bash disable=SC2034  # (the variables are used by the scripts sourcing this)

WORKLOADS=(intloop sieve sha256 sort nbody matmul strhash vm lz calls)

# -ffp-contract=off on both sides: wasm has no fused multiply-add, so native code must not fuse
# either, or the float workloads' checksums would differ.
BENCH_CFLAGS=(-std=c11 -O2 -Wall -Wextra -ffp-contract=off)
# Debian's wasi-libc carries DWARF, which would triple every module's size (and inflate load
# throughput with sections weft skips); the name section stays, for backtraces.
BENCH_WASM_LDFLAGS=("-Wl,--strip-debug")

# bench_build OUT_DIR KIND W: builds workload W into OUT_DIR/W (KIND native) or OUT_DIR/W.wasm
# (KIND wasm). Always rebuilds (a few seconds in all), so a changed compiler or flag is never
# measured against stale binaries. Returns non-zero, with a message, on failure.
bench_build() {
    local out=$1 kind=$2 w=$3 src="$BENCH_DIR/workloads/$3.c"
    if [[ $kind == native ]]; then
        "${CC_NATIVE:-gcc}" "${BENCH_CFLAGS[@]}" -o "$out/$w" "$src" -lm ||
            { echo "bench: native build of $w failed" >&2; return 1; }
    else
        "${CC_WASM:-clang}" --target=wasm32-wasi "${BENCH_CFLAGS[@]}" "${BENCH_WASM_LDFLAGS[@]}" \
            -o "$out/$w.wasm" "$src" ||
            { echo "bench: wasm build of $w failed (needs wasi-libc, libclang-rt-14-dev-wasm32, lld)" >&2; return 1; }
    fi
}
