#!/usr/bin/env bash
# build_components.sh OUT_DIR: builds the test components of tests/component/cbin/ into
# OUT_DIR/NAME.wasm, as a developer would: each case cbin/NAME/ holds a C core module (core.c) and
# a WIT package (wit/) whose world is also named NAME. clang builds the core module, `jco embed`
# adds the world's type information, `jco new` turns it into a component (wit-component 0.225).
#
# jco comes from $JCO, else .tools/jco of the repository (scripts/install-deps.sh installs it),
# else PATH. Without jco, or without node to run it, the script exits 77: the test that runs it
# is then reported as skipped, never as passed. Any other failure is an error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: build_components.sh OUT_DIR}

skip() {
    echo "build_components: $*: the component binary tests are skipped" >&2
    exit 77
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
clang=${CLANG:-clang}

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0
for dir in "$here"/cbin/*/; do
    name=$(basename "$dir")
    [ -f "$dir/core.c" ] || continue
    "$clang" --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry -Wall -Wextra -Werror \
        -o "$work/$name.core.wasm" "$dir/core.c"
    "$jco" embed --wit "$dir/wit" -n "$name" "$work/$name.core.wasm" -o "$work/$name.embed.wasm" >/dev/null
    "$jco" new "$work/$name.embed.wasm" -o "$out/$name.wasm" >/dev/null
    n=$((n + 1))
done
echo "build_components: $n components in $out ($("$jco" --version 2>/dev/null || echo "jco ?"))"
