#!/usr/bin/env bash
# build.sh [OUT_DIR]: compiles the example HTTP handlers to OUT_DIR (default: build/examples/http
# under the repository's root, where app.yaml looks for them) with Debian's clang 14, lld and
# wasi-libc: hello_plugin.wasm (plugin kind, freestanding over sdk/c/weft-http.h), hello_wagi.wasm
# and counter.wasm (wagi kind: WASI commands). Writes nothing into the source tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(cd "$here/../.." && pwd)/build/examples/http}
clang=${CLANG:-clang}
mkdir -p "$out"

common=(-O2 -Wall -Wextra -Werror)
# Freestanding: -nostdlib links no libc and no crt; --no-entry because a plugin has no _start
# (WEFT_EXPORT names its exports). -mbulk-memory makes clang copy and clear memory with
# memory.copy/memory.fill where it would otherwise call memcpy/memset, which nothing defines here.
freestanding=(--target=wasm32 -mbulk-memory -nostdlib -Wl,--no-entry -I "$here/../../sdk/c")
# A WASI command: main, run through _start, as every wagi handler is.
command=(--target=wasm32-wasi)

"$clang" "${common[@]}" "${freestanding[@]}" -o "$out/hello_plugin.wasm" "$here/hello_plugin.c"
for name in hello_wagi counter; do
    "$clang" "${common[@]}" "${command[@]}" -o "$out/$name.wasm" "$here/$name.c"
done
echo "handlers in $out: hello_plugin.wasm hello_wagi.wasm counter.wasm"
