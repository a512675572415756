#!/usr/bin/env bash
# app_test.sh WEFT OUT_DIR: components linked by interface in a `weft up` app. Builds the
# components of cbin/ (build_components.sh: exit 77 without jco, reported as a skip), then runs an
# app where webhello (an HTTP handler component, weft:http/handler) imports acme:math/ops from
# calc: requests over HTTP go through both components; a trap gives 500 naming the function, a
# loop gives 504 at the timeout, a bad status 500; every request sees fresh instances. Then
# manifests that link wrongly: an unknown component, a component's own import, an interface the
# other does not export, an unsatisfied import, an import cycle, kinds that do not fit the binary.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
weft=${1:?usage: app_test.sh WEFT OUT_DIR}
out=${2:?usage}
"$here/build_components.sh" "$out"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2> /dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0
eq() {
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1"; echo "  want: $(printf %q "$3")"; echo "  got:  $(printf %q "$2")"
    fi
}
has() {
    if [[ $2 == *"$3"* ]]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: wanted \"$3\" in: $2"
    fi
}

cat > "$tmp/app.yaml" <<YAML
name: linked
http:
  listen: 127.0.0.1:0
components:
  calc:
    source: $out/calc.wasm
  web:
    source: $out/webhello.wasm
    kind: component
    imports:
      acme:math/ops@0.1.0: calc
    limits: {timeout: 300ms, memory: 8MiB}
triggers:
  http:
    - route: /...
      component: web
YAML
"$weft" up "$tmp/app.yaml" > "$tmp/up.out" 2> "$tmp/up.err" &
pid=$!
for _ in $(seq 1 200); do
    grep -q "serving on http://" "$tmp/up.err" && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.05
done
base=$(grep -o 'serving on http://[^/]*' "$tmp/up.err" | head -1 | sed 's/serving on //')
if [ -z "$base" ]; then echo "FAIL: weft up did not start:"; cat "$tmp/up.err"; exit 1; fi

eq "GET through two components" "$(curl -s "$base/hello/ann")" "hello, ann (0)"
eq "a POST body's length reaches add" "$(curl -s -d 'twelve bytes' "$base/hello/bob")" "hello, bob (12)"
eq "content-type from the component" "$(curl -s -o /dev/null -w '%{content_type}' "$base/hello/x")" "text/plain"
eq "non-ASCII path bytes" "$(curl -s "$base/hello/%C3%A9")" "hello, %C3%A9 (0)"
for i in 1 2 3; do eq "fresh instances, request $i" "$(curl -s "$base/hello/same")" "hello, same (0)"; done
eq "a trap: 500" "$(curl -s -o /dev/null -w '%{http_code}' "$base/trap")" "500"
has "the trap is logged with the function" "$(cat "$tmp/up.err")" "500: unreachable in handle"
eq "a loop: 504 at the timeout" "$(curl -s -o /dev/null -w '%{http_code}' "$base/spin")" "504"
eq "a bad status: 500" "$(curl -s -o /dev/null -w '%{http_code}' "$base/bad")" "500"
has "the bad status is logged" "$(cat "$tmp/up.err")" "status 42 is not a valid HTTP status"
eq "serving again after the failures" "$(curl -s "$base/hello/again")" "hello, again (0)"
kill -TERM "$pid"
wait "$pid"
eq "exit 0 after SIGTERM" "$?" "0"
pid=

bad_app() { # bad_app NAME WANT COMPONENTS_YAML
    printf 'name: bad\ncomponents:\n%s\ntriggers:\n  http:\n    - {route: /, component: web}\n' "$3" > "$tmp/$1.yaml"
    "$weft" up "$tmp/$1.yaml" > /dev/null 2> "$tmp/$1.err"
    eq "$1: exit status" "$?" 1
    has "$1: message" "$(cat "$tmp/$1.err")" "$2"
}
bad_app unknown "names unknown component 'nope'" "  web:
    source: $out/webhello.wasm
    imports: {acme:math/ops@0.1.0: nope}"
bad_app self "cannot satisfy its own import" "  web:
    source: $out/webhello.wasm
    imports: {acme:math/ops@0.1.0: web}"
bad_app not_exported "imports 'acme:math/ops@0.1.0' from 'shapes', which does not export it (it exports: acme:shapes/geometry@0.2.0)" "  shapes: {source: $out/shapes.wasm}
  web:
    source: $out/webhello.wasm
    imports: {acme:math/ops@0.1.0: shapes}"
bad_app no_handler "serves HTTP routes, but: no exported function \"weft:http/handler@0.1.0#handle\"" "  web: {source: $out/calc.wasm}"
bad_app unsatisfied 'import "acme:math/ops@0.1.0"' "  web: {source: $out/webhello.wasm}"
bad_app cycle "import cycle: pipe -> web -> pipe" "  pipe:
    source: $out/pipeline.wasm
    imports: {acme:math/ops@0.1.0: web}
  web:
    source: $out/webhello.wasm
    imports: {acme:math/ops@0.1.0: pipe}"
printf '\0asm\1\0\0\0' > "$tmp/empty.wasm"
bad_app core_as_component "kind component, but $tmp/empty.wasm is a core module" "  web:
    source: $tmp/empty.wasm
    kind: component"
bad_app imports_of_core "'imports' are for component binaries" "  calc: {source: $out/calc.wasm}
  web:
    source: $tmp/empty.wasm
    imports: {acme:math/ops@0.1.0: calc}"
bad_app kind_mismatch "is a component binary, but its kind is plugin" "  web:
    source: $out/webhello.wasm
    kind: plugin"
echo "component app: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
