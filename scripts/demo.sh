#!/usr/bin/env bash
# demo.sh BUILD_DIR: the weft demo. Compiles examples/demo/demo.c to WebAssembly with clang, then
# runs its exports on weft's own engine from the command line, including the failures weft turns
# into clean errors (a trap with a backtrace, fuel, call depth); then calls plugins written with
# the C SDK (sdk/c/weft-pdk.h) with `weft call`, bytes in and bytes out, under hard limits.
set -uo pipefail
build=${1:-build}
weft=$build/weft
wasm=$build/demo.wasm

TIMEFORMAT='(%R s)'
show() { printf '\n$ %s\n' "$*"; "$@"; status=$?; [ $status -eq 0 ] || printf '(exit status %d)\n' $status; }
timed() { printf '\n$ %s\n' "$*"; time "$@"; }

echo "== weft demo: a C program compiled to WebAssembly, run by weft's own interpreter =="
show clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--export-all -o "$wasm" examples/demo/demo.c
[ -f "$wasm" ] || { echo "demo: clang failed" >&2; exit 1; }
show "$weft" validate "$wasm"

echo; echo "-- real work --"
timed "$weft" run "$wasm" --invoke fib 27
timed "$weft" run "$wasm" --invoke primes_below 1000000
timed "$weft" run "$wasm" --invoke pi_approx 10000000
timed "$weft" run "$wasm" --invoke collatz_longest 300000

echo; echo "-- failures become clean errors --"
echo "# integer division by zero: a trap with a backtrace of function names"
show "$weft" run "$wasm" --invoke report 10 0
echo "# an endless loop, stopped by fuel"
show "$weft" run --fuel 1000000 "$wasm" --invoke spin 1
echo "# runaway recursion, stopped by the call depth limit"
show "$weft" run --max-call-depth 1000 "$wasm" --invoke depth 100000
echo "# a module that is not valid: refused with the byte offset"
printf '\0asm\1\0\0\0\1\5\1\x60\0\1\x7f\3\2\1\0\n\6\1\4\0\x42\0\x0b' > "$build/bad.wasm"
show "$weft" validate "$build/bad.wasm"

echo; echo "-- plugins: code you did not write, called like a function (Extism's ABI) --"
examples/plugins/build.sh "$build" > /dev/null || { echo "demo: building the plugins failed" >&2; exit 1; }
p=$build/examples/plugins
show "$weft" call "$p/count_vowels.wasm" count_vowels --input "Hello, world!"; echo
show "$weft" call "$p/count_vowels.wasm" count_vowels --input "Hello, world!" --config vowels=lo; echo
show "$weft" call "$p/json_transform.wasm" transform --input '{"name": "Ada", "secret": 1}' \
    --config drop.secret=yes --config rename.name=full_name; echo
echo "# a host function the embedder provides (here weft call's weft_host_reverse)"
show "$weft" call "$p/host_call.wasm" reverse --input "stressed"; echo
echo "# an endless loop, stopped by the wall-clock timeout"
show "$weft" call "$p/timeout.wasm" spin --timeout 200ms
echo "# a plugin taking memory until the limit says no"
show "$weft" call "$p/alloc_bomb.wasm" grow --max-memory 16M

echo; echo "-- functions over HTTP: weft up, a fresh instance per request --"
examples/http/build.sh "$build/examples/http" > /dev/null || { echo "demo: building the HTTP examples failed" >&2; exit 1; }
app=examples/http/app.yaml
if [ "$build" != build ]; then # app.yaml names build/examples/http: point a copy at this build
    sed "s|../../build/examples/http|$(pwd)/$build/examples/http|" "$app" > "$build/app.yaml"
    app=$build/app.yaml
fi
"$weft" up "$app" > "$build/demo-http.log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q "serving on" "$build/demo-http.log" && break; sleep 0.05; done
if ! grep -q "serving on" "$build/demo-http.log"; then
    cat "$build/demo-http.log" >&2
    echo "demo: weft up did not start (is port 3000 or 9090 taken?)" >&2
    exit 1
fi
sed -n '1,5p' "$build/demo-http.log"
echo "\$ curl http://127.0.0.1:3000/hello/ada   (a plugin-kind handler)"
curl -s http://127.0.0.1:3000/hello/ada -A demo
echo "\$ curl -d 'some body' http://127.0.0.1:3000/wagi/ada   (a CGI-style WASI program)"
curl -s -d 'some body' http://127.0.0.1:3000/wagi/ada
echo "\$ curl http://127.0.0.1:3000/count  (twice: a global counter, in a fresh instance each time)"
curl -s http://127.0.0.1:3000/count
curl -s http://127.0.0.1:3000/count
echo "\$ curl http://127.0.0.1:9090/metrics | grep requests_total"
curl -s http://127.0.0.1:9090/metrics | grep '^weft_http_requests_total'
echo
if [ -t 0 ] && [ "${DEMO_SERVE:-1}" != 0 ]; then
    echo "== demo done: weft up is still serving =="
    echo "Open http://127.0.0.1:3000/hello/world in a browser (or curl it);"
    echo "metrics at http://127.0.0.1:9090/metrics. Press Ctrl-C to stop."
    trap 'kill -TERM $up 2>/dev/null; wait $up; exit 0' INT TERM
    wait $up
else
    kill -TERM $up
    wait $up
    echo "== demo done =="
    echo "To serve the example app yourself: $weft up $app"
    echo "then open http://127.0.0.1:3000/hello/world"
fi
