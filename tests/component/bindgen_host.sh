#!/usr/bin/env bash
# bindgen_host.sh WEFT LIBWEFT [CFLAGS]: `weft bindgen c --host` end to end. Generates the host bindings of
# world kitchen (bindgen/wit without interface gated, which jco refuses), compiles them and the
# embedder bindgen/embedder.c with -Wall -Wextra -Werror against include/ and LIBWEFT (libweft.a);
# then builds the guest bindgen/guest.c with the guest bindings (wasm32, no libc), makes it a
# component with jco and runs the embedder on it, which calls every kind of export through the
# typed wrappers and implements the imports in C. Generation and compilation run always (their
# failures fail the test); without jco or node the rest exits 77 (a skip for CTest).
set -u
weft=${1:?usage: bindgen_host.sh WEFT LIBWEFT}
lib=${2:?usage}
extra=${3:-} # e.g. -fsanitize=address,undefined when libweft was built with them
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/wit"
sed '/^ *export gated;/d' "$here/bindgen/wit/kitchen.wit" > "$tmp/wit/kitchen.wit"
if ! "$weft" bindgen c --host --wit "$tmp/wit" --world kitchen --out "$tmp/host" > "$tmp/gen.log" 2>&1; then
    echo "FAIL: weft bindgen c --host:"; cat "$tmp/gen.log"; exit 1
fi
[ "$(cat "$tmp/gen.log")" == "$tmp/host/kitchen_host.h"$'\n'"$tmp/host/kitchen_host.c" ] ||
    { echo "FAIL: bindgen names the files it wrote: $(cat "$tmp/gen.log")"; exit 1; }
# the full world too (gated: > 32 flags, several results): generated and compiled
"$weft" bindgen c --host --wit "$here/bindgen/wit" --world kitchen --out "$tmp/full" > /dev/null ||
    { echo "FAIL: weft bindgen c --host (full world)"; exit 1; }
libs=$(pkg-config --libs libcjson libcurl)
cc=${CC:-cc}
for d in host full; do
    "$cc" -std=c11 -Wall -Wextra -Werror $extra -I"$top/include" -I"$tmp/$d" -c -o "$tmp/$d.o" \
        "$tmp/$d/kitchen_host.c" || { echo "FAIL: compiling the $d bindings"; exit 1; }
done
"$cc" -std=c11 -Wall -Wextra -Werror $extra -I"$top/include" -I"$tmp/host" -o "$tmp/embedder" \
    "$here/bindgen/embedder.c" "$tmp/host.o" "$lib" $libs -lm -lpthread ||
    { echo "FAIL: compiling the embedder"; exit 1; }
printf 'package a:b;\ninterface i { resource r; f: func(x: borrow<r>); }\nworld w { import i; }\n' > "$tmp/res.wit"
out=$("$weft" bindgen c --host --wit "$tmp/res.wit" --out "$tmp/x" 2>&1)
[ $? -eq 1 ] && [[ $out == *"not supported"* ]] || { echo "FAIL: resources refused: $out"; exit 1; }
echo "bindgen_host: generated and compiled"

jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco || true)
if [ -z "$jco" ] || ! command -v node > /dev/null; then
    echo "SKIPPED: running the embedder needs jco and node (scripts/install-deps.sh)"
    exit 77
fi
"$weft" bindgen c --wit "$here/bindgen/wit" --world kitchen --out "$tmp/guest" > /dev/null || exit 1
clang --target=wasm32 -nostdlib -mbulk-memory -Wl,--no-entry -DKITCHEN_NO_LIBC -O2 -Wall -Wextra \
    -Werror -I"$tmp/guest" -o "$tmp/core.wasm" "$here/bindgen/guest.c" "$tmp/guest/kitchen.c" ||
    { echo "FAIL: building the guest"; exit 1; }
"$jco" embed --wit "$tmp/wit" -n kitchen "$tmp/core.wasm" -o "$tmp/embed.wasm" > "$tmp/jco.log" 2>&1 &&
    "$jco" new "$tmp/embed.wasm" -o "$tmp/kitchen.wasm" >> "$tmp/jco.log" 2>&1 ||
    { echo "FAIL: jco:"; cat "$tmp/jco.log"; exit 1; }
"$tmp/embedder" "$tmp/kitchen.wasm"
