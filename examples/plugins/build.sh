#!/usr/bin/env bash
# build.sh [BUILD_DIR]: compiles the example plugins to BUILD_DIR/examples/plugins/*.wasm (BUILD_DIR
# defaults to build) with Debian's clang 14 and wasm-ld, against sdk/c/weft-pdk.h. Most are
# freestanding (no libc); json_transform links wasi-libc for malloc. None imports WASI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build}/examples/plugins
clang=${CLANG:-clang}
mkdir -p "$out"

common=(-O2 -Wall -Wextra -Werror -I "$here/../../sdk/c")
# Freestanding: -nostdlib links no libc and no crt; --no-entry because a plugin has no _start
# (WEFT_EXPORT names its exports). -mbulk-memory makes clang copy and clear memory with
# memory.copy/memory.fill where it would otherwise call memcpy/memset, which nothing defines here.
freestanding=(--target=wasm32 -mbulk-memory -nostdlib -Wl,--no-entry)
# wasi-libc as a reactor: no main; its _initialize (run by the host once per instance) sets libc
# up. Imports WASI only for the libc functions that need it (stdio, files, clocks).
wasi=(--target=wasm32-wasi -mexec-model=reactor)

for name in count_vowels host_call timeout alloc_bomb; do
    "$clang" "${common[@]}" "${freestanding[@]}" -o "$out/$name.wasm" "$here/$name.c"
done
"$clang" "${common[@]}" "${wasi[@]}" -o "$out/json_transform.wasm" "$here/json_transform.c"
echo "plugins in $out:" $(cd "$out" && ls *.wasm)
