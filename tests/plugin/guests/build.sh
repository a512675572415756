#!/usr/bin/env bash
# build.sh OUT_DIR: builds the test plugins into OUT_DIR: raw_abi.wasm (C on the raw ABI,
# freestanding), raw_abi_wasi.wasm (the same source as a wasm32-wasi reactor, with _initialize),
# sdk_guest.wasm and sdk_guest_wasi.wasm (sdk/c/weft-pdk.h, both ways) and rust_plugin.wasm
# (Debian's rustc, a wasm32-wasi cdylib). CLANG and RUSTC override the compilers (guests.cmake
# passes the ones tests/wasi probed); Debian's /usr/bin/rustc is the default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
clang=${CLANG:-clang}
rustc=${RUSTC:-/usr/bin/rustc}
mkdir -p "$out"

# Freestanding: no libc, no _start. -mbulk-memory: clang copies and clears memory with
# memory.copy/fill rather than calling memcpy/memset, which a -nostdlib module does not have.
freestanding=(--target=wasm32 -O2 -Wall -Wextra -Werror -mbulk-memory -nostdlib -Wl,--no-entry)
# wasi-libc as a reactor: no main; the host runs its _initialize once per instance.
wasi=(--target=wasm32-wasi -O2 -Wall -Wextra -Werror -mexec-model=reactor)
sdk=(-I "$here/../../../sdk/c")

"$clang" "${freestanding[@]}" -o "$out/raw_abi.wasm" "$here/raw_abi.c"
"$clang" "${wasi[@]}" -o "$out/raw_abi_wasi.wasm" "$here/raw_abi.c"
"$clang" "${freestanding[@]}" "${sdk[@]}" -o "$out/sdk_guest.wasm" "$here/sdk_guest.c"
"$clang" "${wasi[@]}" "${sdk[@]}" -o "$out/sdk_guest_wasi.wasm" "$here/sdk_guest.c"
# strip=debuginfo keeps the name section (function names in backtraces) and drops the DWARF.
"$rustc" --edition 2021 --target wasm32-wasi --crate-type cdylib -O -C strip=debuginfo \
    -o "$out/rust_plugin.wasm" "$here/rust_plugin.rs"
