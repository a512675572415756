#!/usr/bin/env bash
# build.sh [OUT_DIR]: builds the example shop's three components into OUT_DIR (default:
# build/examples/components under the repository's root): pricing.wasm (Rust, /usr/bin/rustc,
# wasm32-wasi, no_std), catalog.wasm and storefront.wasm (freestanding C, clang). Each core module
# gets its world's types from wit/ and becomes a component with jco (wit-component). Writes
# nothing into the source tree.
#
# Tools: $RUSTC (default /usr/bin/rustc, Debian's, with the wasm32-wasi target), $CLANG (clang),
# and jco from $JCO, else .tools/jco of the repository (scripts/install-deps.sh), else PATH.
# Without jco or node the script exits 77, so a test built on it reports a skip; any other
# missing tool or failure is an error (exit 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build/examples/components}

skip() {
    echo "build.sh: $*" >&2
    exit 77
}
die() {
    echo "build.sh: $*" >&2
    exit 1
}

jco=${JCO:-}
if [ -n "$jco" ]; then
    [ -x "$jco" ] || skip "JCO=$jco is not an executable"
elif [ -x "$repo/.tools/jco/node_modules/.bin/jco" ]; then
    jco=$repo/.tools/jco/node_modules/.bin/jco
elif command -v jco >/dev/null 2>&1; then
    jco=$(command -v jco)
else
    skip "no jco (set JCO, or run scripts/install-deps.sh)"
fi
command -v node >/dev/null 2>&1 || skip "no node to run jco"
# `jco embed -n WORLD` (1.10.2) does not pass the world on, so a package of several worlds cannot
# be embedded from the command line: embed() calls jco's JavaScript API, next to its CLI script.
jco_api=$(dirname "$(readlink -f "$jco")")/api.js
[ -f "$jco_api" ] || die "no $jco_api: cannot reach jco's API from $jco"

rustc=${RUSTC:-/usr/bin/rustc}
clang=${CLANG:-clang}
[ -x "$rustc" ] || command -v "$rustc" >/dev/null 2>&1 || die "no $rustc (set RUSTC; Debian: apt-get install rustc libstd-rust-dev-wasm32)"
command -v "$clang" >/dev/null 2>&1 || die "no $clang (set CLANG; Debian: apt-get install clang lld)"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# embed CORE WORLD OUT: CORE with the type information of WORLD of the acme:shop package
embed() {
    node --input-type=module -e '
        const [api, core, wit, world, out] = process.argv.slice(1);
        const { componentEmbed } = await import(api);
        const fs = await import("node:fs/promises");
        await fs.writeFile(out, await componentEmbed({ binary: await fs.readFile(core), witPath: wit, world }));
    ' "$jco_api" "$1" "$here/wit" "$2" "$3" || die "embedding world $2 into $1 failed"
}

# component NAME WORLD: $work/NAME.core.wasm -> $out/NAME.wasm
component() {
    embed "$work/$1.core.wasm" "$2" "$work/$1.embed.wasm"
    "$jco" new "$work/$1.embed.wasm" -o "$out/$1.wasm" >/dev/null || die "jco new $1 failed"
}

# Rust: no_std cdylib; +bulk-memory because nothing defines memcpy (see src/lib.rs).
"$rustc" --edition 2021 --target wasm32-wasi --crate-type cdylib -C opt-level=2 -C panic=abort \
    -C target-feature=+bulk-memory -C strip=debuginfo \
    -o "$work/pricing.core.wasm" "$here/pricing/src/lib.rs" || die "rustc failed on pricing"
component pricing pricing-service

# C: no libc, no _start; -mbulk-memory for the same reason as the Rust.
cflags=(--target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry -Wall -Wextra -Werror)
"$clang" "${cflags[@]}" -o "$work/catalog.core.wasm" "$here/catalog/catalog.c" || die "clang failed on catalog"
component catalog catalog-service
"$clang" "${cflags[@]}" -o "$work/storefront.core.wasm" "$here/storefront/storefront.c" ||
    die "clang failed on storefront"
component storefront storefront

echo "build.sh: pricing.wasm catalog.wasm storefront.wasm in $out ($("$jco" --version 2>/dev/null || echo "jco ?"))"
