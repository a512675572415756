#!/usr/bin/env bash
# startup.sh: start-up cost of `weft run` against node's built-in WASI on the same hello-world
# program. Writes hello.c and a tiny node runner into a temporary directory, builds hello.wasm
# with clang (wasm32-wasi), runs each side STARTUP_RUNS times (default 20; hyperfine when it is
# installed, else `date +%s%N` around each run) and prints the median wall time of each in ms and
# the ratio. Not a test: it only measures. Usage: bench/startup.sh [BUILD_DIR]   (default: build)
set -euo pipefail

build=${1:-build}
runs=${STARTUP_RUNS:-20}
weft=$(realpath -- "$build/weft")
node=${NODE:-node}
[ -x "$weft" ] || { echo "startup: $weft missing; run make first" >&2; exit 2; }
command -v clang >/dev/null || { echo "startup: clang missing" >&2; exit 2; }
command -v "$node" >/dev/null || { echo "startup: node missing" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/hello.c" <<'EOF'
#include <stdio.h>
int main(void) {
    puts("hello, world");
    return 0;
}
EOF

# The node side: node:wasi (preview 1), the program's arguments, no environment, no directories.
cat >"$work/node_wasi.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
EOF

clang --target=wasm32-wasi -O2 -o "$work/hello.wasm" "$work/hello.c"
weft_cmd=("$weft" run "$work/hello.wasm")
node_cmd=("$node" --no-warnings --experimental-wasi-unstable-preview1 "$work/node_wasi.mjs"
          "$work/hello.wasm")

# Both must print the greeting before their times mean anything.
for side in weft node; do
    declare -n cmd="${side}_cmd"
    out=$("${cmd[@]}")
    [ "$out" = "hello, world" ] || { echo "startup: $side printed \"$out\"" >&2; exit 1; }
done

# median_ms CMD...: the median wall time of $runs runs, in ms with two decimals.
median_ms() {
    if command -v hyperfine >/dev/null; then
        hyperfine --runs "$runs" --warmup 2 --style none --export-json "$work/h.json" \
            -- "$(printf '%q ' "$@")" >/dev/null
        sed -n 's/^ *"median": *\([0-9.eE+-]*\),*$/\1/p' "$work/h.json" | head -n 1 |
            awk '{ printf "%.2f\n", $1 * 1000 }'
        return
    fi
    local i t0 t1
    for i in 1 2; do "$@" >/dev/null; done # warm the page cache
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null
        t1=$(date +%s%N)
        echo $((t1 - t0))
    done | sort -n | awk '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.2f\n", m / 1e6 }'
}

tool=$(command -v hyperfine >/dev/null && echo hyperfine || echo "date +%s%N")
weft_ms=$(median_ms "${weft_cmd[@]}")
node_ms=$(median_ms "${node_cmd[@]}")
echo "startup of hello.wasm, median of $runs runs ($tool):"
printf '  weft run            %8.2f ms\n' "$weft_ms"
printf '  node (node:wasi)    %8.2f ms   (%s)\n' "$node_ms" "$("$node" --version)"
awk -v w="$weft_ms" -v n="$node_ms" 'BEGIN { printf "  node / weft         %8.1fx\n", n / w }'
