#!/usr/bin/env bash
# build.sh OUT_DIR: builds the HTTP test handlers into OUT_DIR/NAME.wasm. Plugin kind,
# freestanding over sdk/c (no libc): echo_plugin, counter_plugin, trap, spin, big, bad_response,
# outbound, plain_plugin_hello; plugin kind as a wasm32-wasi reactor (imports WASI's clock):
# slow; wagi kind, wasm32-wasi commands: echo_wagi, counter_wagi, alloc_bomb, plain_wagi_hello.
# CLANG overrides the compiler (Debian's clang 14 with lld and wasi-libc by default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
clang=${CLANG:-clang}
mkdir -p "$out"

warn=(-O2 -Wall -Wextra -Werror)
sdk=(-I "$here/../../../sdk/c")
# Freestanding: no libc, no _start. -mbulk-memory: clang copies and clears memory with
# memory.copy/fill rather than calling memcpy/memset, which a -nostdlib module does not have.
freestanding=(--target=wasm32 -mbulk-memory -nostdlib -Wl,--no-entry)
# wasi-libc as a reactor: no main; the host runs its _initialize once per instance.
reactor=(--target=wasm32-wasi -mexec-model=reactor)
# wasi-libc as a command: main, run through _start, as a wagi handler is.
command=(--target=wasm32-wasi)

for name in echo_plugin counter_plugin trap spin big bad_response outbound plain_plugin_hello preinit; do
    "$clang" "${warn[@]}" "${freestanding[@]}" "${sdk[@]}" -o "$out/$name.wasm" "$here/$name.c"
done
"$clang" "${warn[@]}" "${reactor[@]}" "${sdk[@]}" -o "$out/slow.wasm" "$here/slow.c"
for name in echo_wagi counter_wagi alloc_bomb plain_wagi_hello; do
    "$clang" "${warn[@]}" "${command[@]}" -o "$out/$name.wasm" "$here/$name.c"
done
# a WASI command that also imports the host's outbound HTTP (extism:host/env)
"$clang" "${warn[@]}" "${command[@]}" "${sdk[@]}" -o "$out/outbound_wagi.wasm" "$here/outbound_wagi.c"
