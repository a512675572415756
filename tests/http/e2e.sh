#!/usr/bin/env bash
# e2e.sh WEFT GUEST_DIR: `weft up` and `weft serve` on loopback ports, driven with curl and raw
# sockets (python3): routing and parameters, headers and bodies (empty and large), both handler
# kinds, isolation between requests, traps, timeouts and limits, the wait queue and 503, graceful
# shutdown with a request in flight, malformed requests and manifests, outbound HTTP grants, the
# admin server's /metrics and /healthz. Every check compares exact output; the script prints each
# failure and exits non-zero if there was one.
set -u
weft=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
g=$(cd "$2" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}
# eq DESCRIPTION GOT WANT
eq() {
    if [ "$2" == "$3" ]; then ok; else
        bad "$1"
        echo "  want: $(printf %q "$3")"
        echo "  got:  $(printf %q "$2")"
    fi
}
# has DESCRIPTION HAYSTACK NEEDLE
has() {
    if [[ "$2" == *"$3"* ]]; then ok; else
        bad "$1"
        echo "  wanted it to contain: $(printf %q "$3")"
        echo "  got: $(printf %q "${2:0:600}")"
    fi
}

# start NAME ARGS...: runs weft ARGS in the background, logs in $tmp/NAME.{out,err}; waits until
# it serves, then sets base (http://host:port) and admin (or empty).
start() {
    local name=$1
    shift
    "$weft" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 200); do
        if grep -q "serving on http://" "$tmp/$name.err"; then break; fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    base=$(grep -o 'serving on http://[^/]*' "$tmp/$name.err" | head -1 | sed 's/serving on //')
    admin=$(grep -o 'admin: http://[^/]*' "$tmp/$name.err" | head -1 | sed 's/admin: //')
    if [ -z "$base" ]; then
        bad "$name: weft did not start"
        cat "$tmp/$name.err"
    fi
}

# stop PID: SIGTERM, and the exit status it ends with.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
}

# body URL [curl args]: the response body; code URL: the status code.
body() { curl -s --max-time 20 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@"; }

cat > "$tmp/app.yaml" <<EOF
name: e2e
http:
  listen: 127.0.0.1:0
  admin: 127.0.0.1:0
  workers: 2
  queue: 8
  max_body: 8MiB
components:
  echo-plugin: {source: $g/echo_plugin.wasm, kind: plugin}
  echo-wagi: {source: $g/echo_wagi.wasm}
  counter-wagi: {source: $g/counter_wagi.wasm}
  counter-plugin: {source: $g/counter_plugin.wasm}
  trap: {source: $g/trap.wasm}
  spin: {source: $g/spin.wasm, limits: {timeout: 200ms}}
  bomb: {source: $g/alloc_bomb.wasm, limits: {memory: 4MiB}}
  big: {source: $g/big.wasm, limits: {memory: 64MiB}}
  bad: {source: $g/bad_response.wasm}
  outbound: {source: $g/outbound.wasm, allowed_hosts: ["127.0.0.1"], limits: {timeout: 5s}}
  denied: {source: $g/outbound.wasm}
  out-wagi: {source: $g/outbound_wagi.wasm, allowed_hosts: ["127.0.0.1"]}
  denied-wagi: {source: $g/outbound_wagi.wasm, allowed_hosts: ["example.com"]}
  fuel: {source: $g/spin.wasm, limits: {fuel: 100000}}
  preinit: {source: $g/preinit.wasm}
triggers:
  http:
    - {route: /p/exact, component: echo-plugin, methods: [GET], headers: {x-static: "yes"}}
    - {route: /get-only, component: echo-plugin, methods: [GET]}
    - {route: /p/:name/..., component: echo-plugin}
    - {route: /w/user/:id, component: echo-wagi, methods: [GET, POST]}
    - {route: /w/..., component: echo-wagi}
    - {route: /count/wagi, component: counter-wagi}
    - {route: /count/plugin, component: counter-plugin}
    - {route: /trap, component: trap}
    - {route: /spin, component: spin}
    - {route: /bomb, component: bomb}
    - {route: /big, component: big}
    - {route: /bad, component: bad}
    - {route: /out, component: outbound}
    - {route: /denied, component: denied}
    - {route: /out-wagi, component: out-wagi}
    - {route: /denied-wagi, component: denied-wagi}
    - {route: /fuel, component: fuel}
    - {route: /preinit, component: preinit}
EOF

start app up "$tmp/app.yaml"
app_pid=$pid

# ---- routing, parameters, headers, bodies: plugin kind ----------------------------------------
eq "plugin: exact route, query, x- headers" \
    "$(body "$base/p/exact?a=1" -H 'X-Test: t1' -H 'X-Another: two words')" \
    "$(printf 'method=GET\npath=/p/exact\nquery=a=1\nparams=\nheader.x-another=two words\nheader.x-test=t1\nbodylen=0\nbody:')"
eq "plugin: route params and the wildcard's rest, raw" \
    "$(body -X POST "$base/p/w%20x/rest/of/it" --data-binary 'hello')" \
    "$(printf 'method=POST\npath=/p/w%%20x/rest/of/it\nquery=\nparams=name:w%%20x;*:rest/of/it\nbodylen=5\nbody:\nhello')"
eq "plugin: a wildcard matching nothing" "$(body "$base/p/n" | sed -n 4p)" "params=name:n;*:"
headers=$(curl -s -D - -o /dev/null "$base/p/exact")
has "plugin: the route's static header" "$headers" "x-static: yes"
has "plugin: a request id" "$headers" "x-request-id: "
has "plugin: the handler's content type" "$headers" "content-type: text/plain"
eq "plugin: status chosen by the handler" "$(code "$base/p/x/y?status=418")" "418"
has "plugin: a header added by the handler" "$(curl -s -D - -o /dev/null "$base/p/x/y?hdr=1")" "x-extra: yes"
eq "405 for a method the route does not allow" "$(code -X DELETE "$base/get-only")" "405"
has "405 names the allowed methods" "$(curl -s -D - -o /dev/null -X DELETE "$base/get-only")" "Allow: GET"
eq "HEAD is served by a GET route" "$(code -I "$base/p/exact")" "200"
eq "404 for no route" "$(code "$base/nothing/here")" "404"
has "404 carries a request id" "$(body "$base/nothing")" "request id: "

# ---- wagi kind: the CGI environment ------------------------------------------------------------
eq "wagi: params, PATH_INFO, headers as HTTP_X_*" \
    "$(body "$base/w/user/42?q=1" -H 'X-Test: 1')" \
    "$(printf 'REQUEST_METHOD=GET\nPATH_INFO=\nQUERY_STRING=q=1\nCONTENT_LENGTH=0\nCONTENT_TYPE=\nX_MATCHED_ROUTE=/w/user/:id\nX_RAW_PATH_INFO=\nHTTP_X_TEST=1\nX_PARAM_ID=42\nbody:')"
eq "wagi: a wildcard route's PATH_INFO decoded, the raw one kept, the body on stdin" \
    "$(body -X PUT "$base/w/a%20b/c" -H 'Content-Type: text/x-test' --data-binary 'payload')" \
    "$(printf 'REQUEST_METHOD=PUT\nPATH_INFO=/a b/c\nQUERY_STRING=\nCONTENT_LENGTH=7\nCONTENT_TYPE=text/x-test\nX_MATCHED_ROUTE=/w/...\nX_RAW_PATH_INFO=/a%%20b/c\nbody:\npayload')"
eq "wagi: Status header" "$(code "$base/w/x?status=404")" "404"
has "wagi: Location header" "$(curl -s -D - -o /dev/null "$base/w/x?location=/elsewhere&status=302")" "Location: /elsewhere"

# ---- bodies: empty and large -------------------------------------------------------------------
eq "empty body" "$(body -X POST "$base/p/e/x" --data-binary '' | grep bodylen)" "bodylen=0"
python3 -c "import sys; sys.stdout.buffer.write(bytes((i*13+5) % 256 for i in range(5*1024*1024)))" > "$tmp/in.bin"
sum=$(python3 -c "import sys; print(sum(open(sys.argv[1],'rb').read()) % 2**32)" "$tmp/in.bin")
h=$(curl -s -D - -o /dev/null -X POST --data-binary @"$tmp/in.bin" "$base/big?n=10")
has "a 5 MiB request body arrives whole (length)" "$h" "x-len: 5242880"
has "a 5 MiB request body arrives whole (checksum)" "$h" "x-sum: $sum"
curl -s -o "$tmp/out.bin" "$base/big?n=3000000"
python3 -c "import sys; sys.stdout.buffer.write(bytes((i*7) % 251 for i in range(3000000)))" > "$tmp/want.bin"
if cmp -s "$tmp/out.bin" "$tmp/want.bin"; then ok; else bad "a 3 MB response arrives whole"; fi
python3 -c "import sys; sys.stdout.buffer.write(b'x' * (9*1024*1024))" > "$tmp/huge.bin"
eq "413 for a body over max_body" "$(code -X POST --data-binary @"$tmp/huge.bin" "$base/p/a/b")" "413"
eq "413 for a chunked body over max_body" \
    "$(code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/huge.bin" "$base/p/a/b")" "413"
eq "a request after the 413s works" "$(code "$base/p/exact")" "200"

# ---- isolation: every request in a fresh instance ----------------------------------------------
counts=""
for _ in $(seq 1 10); do counts+=$(body "$base/count/wagi"); counts+=$(body "$base/count/plugin"); done
eq "a global incremented per request reads 1 every time (wagi and plugin)" "$counts" "$(for _ in $(seq 1 20); do printf 'count=1'; done)"

pre=""
for _ in 1 2 3; do pre+=$(body "$base/preinit"); done
eq "wizer.initialize ran once, before the snapshot; each request starts from it" "$pre" \
    "squares[12]=144 init_runs=1 requests=1squares[12]=144 init_runs=1 requests=1squares[12]=144 init_runs=1 requests=1"

# ---- failures: 500/504 with a request id, logged, and the next request fine --------------------
r=$(curl -s -D - "$base/trap")
has "trap: 500" "$r" "HTTP/1.1 500"
id=$(printf '%s' "$r" | grep -i '^x-request-id:' | tr -d '\r' | awk '{print $2}')
has "trap: the body names the request id" "$r" "request id: $id"
sleep 0.1
has "trap: logged with the request id, the component and the function" "$(cat "$tmp/app.err")" "request $id: component trap: 500: handle trapped"
eq "spin: 504 after its timeout" "$(code "$base/spin")" "504"
has "spin: logged as a timeout" "$(cat "$tmp/app.err")" "ran longer than its timeout of 200 ms"
eq "alloc bomb: 500" "$(code "$base/bomb")" "500"
has "alloc bomb: logged as the memory limit" "$(cat "$tmp/app.err")" "went over the memory limit"
eq "fuel: 500" "$(code "$base/fuel")" "500"
has "fuel: logged" "$(cat "$tmp/app.err")" "used all its fuel"
for kind in truncated trailing magic status crlf nul empty; do
    eq "bad response ($kind): 500" "$(code "$base/bad?kind=$kind")" "500"
done
has "bad response: logged as malformed" "$(cat "$tmp/app.err")" "malformed response"
eq "after the failures, the same components answer" "$(body "$base/count/plugin")" "count=1"
eq "and the others too" "$(code "$base/p/exact")" "200"

# ---- outbound HTTP: only to allowed hosts ------------------------------------------------------
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp" > "$tmp/py.out" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do grep -q "Serving HTTP" "$tmp/py.out" && break; sleep 0.05; done
pyport=$(grep -o 'port [0-9]*' "$tmp/py.out" | head -1 | awk '{print $2}')
echo "upstream says hi" > "$tmp/hi.txt"
eq "outbound: an allowed host is reached" "$(body "$base/out?url=http://127.0.0.1:$pyport/hi.txt")" "upstream says hi"
eq "outbound: a host not allowed is refused (500)" "$(code "$base/denied?url=http://127.0.0.1:$pyport/hi.txt")" "500"
eq "outbound from a wagi handler: an allowed host is reached" \
    "$(body "$base/out-wagi?url=http://127.0.0.1:$pyport/hi.txt")" "upstream status 200: upstream says hi"
eq "outbound from a wagi handler: another host is refused (500)" \
    "$(code "$base/denied-wagi?url=http://127.0.0.1:$pyport/hi.txt")" "500"
has "outbound: the refusal is logged" "$(cat "$tmp/app.err")" "is not among the plugin's allowed hosts"

# ---- malformed requests ------------------------------------------------------------------------
raw() { # raw BYTES: what the server answers to exactly these bytes (first line)
    python3 - "$base" "$1" <<'PY'
import socket, sys
host, port = sys.argv[1].replace('http://', '').rsplit(':', 1)
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
s.shutdown(socket.SHUT_WR)
data = b''
try:
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
except socket.timeout:
    pass
print(data.split(b'\r\n', 1)[0].decode('latin-1'))
PY
}
eq "a request line that is one word: the connection is closed" "$(raw 'GARBAGE\r\n\r\n')" ""
has "HTTP/1.1 without Host: 400" "$(raw 'GET /p/exact HTTP/1.1\r\n\r\n')" "HTTP/1.1 400"
has "a method that is not a token: 400" "$(raw 'G@T /p/exact HTTP/1.1\r\nHost: a\r\n\r\n')" "HTTP/1.1 400"
has "a target that is not a path: 400" "$(raw 'GET p/exact HTTP/1.1\r\nHost: a\r\n\r\n')" "HTTP/1.1 400"
has "an unknown HTTP version: 505" "$(raw 'GET /p/exact HTTP/9.9\r\nHost: a\r\n\r\n')" "HTTP/1.1 505"
has "a header line without a colon: 400" "$(raw 'GET /p/exact HTTP/1.1\r\nHost: a\r\nBad\r\n\r\n')" "HTTP/1.1 400"
has "a bad Content-Length: 400" "$(raw 'POST /p/a/b HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n')" "HTTP/1.1 400"
eq "headers over max_header (16 KiB by default): 431" \
    "$(code -H "X-Big: $(python3 -c "print('a'*17000)")" "$base/p/exact")" "431"
eq "headers far over it (100 KB): 431 from libmicrohttpd" \
    "$(code -H "X-Big: $(python3 -c "print('a'*100000)")" "$base/p/exact")" "431"
eq "headers just under it are fine" \
    "$(code -H "X-Big: $(python3 -c "print('a'*15000)")" "$base/p/exact")" "200"
eq "the server still answers" "$(code "$base/p/exact")" "200"
kv=$(curl -sv "$base/p/exact" "$base/p/exact" 2>&1 >/dev/null)
has "keep-alive: the second request reuses the connection" "$kv" "Re-using existing connection"

# ---- admin: /metrics, /healthz -----------------------------------------------------------------
m=$(body "$admin/metrics")
has "metrics: traps by component" "$m" 'weft_traps_total{component="trap"} 1'
has "metrics: timeouts by component" "$m" 'weft_timeouts_total{component="spin"} 1'
has "metrics: requests by route and class" "$m" 'weft_http_requests_total{route="/count/wagi",code="2xx"} 10'
has "metrics: the latency histogram" "$m" 'weft_http_request_duration_seconds_bucket{le="+Inf"}'
has "metrics: instances created" "$m" 'weft_instances_created_total{component="counter-wagi"}'
has "metrics: queue depth" "$m" 'weft_http_queue_depth 0'
eq "healthz" "$(body "$admin/healthz")" "ok"
eq "admin: 404 elsewhere" "$(code "$admin/other")" "404"
lines=$(grep -c ' route=/count/wagi status=200 ' "$tmp/app.out")
eq "access log: one line per request with route and status" "$lines" "10"

stop "$app_pid"
eq "weft up exits 0 on SIGTERM" "$?" "0"

# ---- the wait queue: 1 worker, 1 waiting, the rest 503 -----------------------------------------
cat > "$tmp/queue.yaml" <<EOF
name: queue
http: {listen: "127.0.0.1:0", workers: 1, queue: 1}
components:
  slow: {source: $g/slow.wasm}
triggers:
  http:
    - {route: /slow, component: slow}
EOF
start queue up "$tmp/queue.yaml"
qpid=$pid
for i in 1 2 3 4; do
    curl -s -o /dev/null -D "$tmp/q$i.h" -w '%{http_code}\n' "$base/slow?ms=1500" > "$tmp/q$i.code" &
    sleep 0.05
done
wait_codes() { for i in 1 2 3 4; do while [ ! -s "$tmp/q$i.code" ]; do sleep 0.05; done; cat "$tmp/q$i.code"; done; }
codes=$(wait_codes | sort | tr '\n' ' ')
eq "queue: one runs, one waits, two get 503" "$codes" "200 200 503 503 "
has "503 says when to retry" "$(cat "$tmp"/q*.h)" "Retry-After: 1"
stop "$qpid"

# ---- graceful shutdown: a request in flight finishes -------------------------------------------
start grace serve "$g/slow.wasm" --listen 127.0.0.1:0
gpid=$pid
curl -s -w '%{http_code}' "$base/?ms=800" > "$tmp/grace.curl" &
cpid=$!
sleep 0.3
kill -TERM "$gpid"
sleep 0.1
eq "after SIGTERM no new connection is accepted" "$(code --max-time 2 "$base/?ms=1")" "000"
wait "$cpid"
eq "the request in flight at SIGTERM completes" "$(cat "$tmp/grace.curl")" "slept 800 ms
200"
wait "$gpid"
eq "weft serve exits 0 after draining" "$?" "0"
has "and says it stopped" "$(cat "$tmp/grace.err")" "weft: stopped"

# ---- a stop past its grace period cancels what still runs ------------------------------------
start cancel serve "$g/spin.wasm" --listen 127.0.0.1:0 --shutdown-timeout 300ms
kpid=$pid
curl -s -o /dev/null -w '%{http_code}' "$base/" > "$tmp/cancel.curl" &
cpid=$!
sleep 0.3
kill -TERM "$kpid"
wait "$cpid"
eq "a handler still running after the grace period is cancelled: 503" "$(cat "$tmp/cancel.curl")" "503"
wait "$kpid"
eq "weft serve exits 0 after cancelling" "$?" "0"
has "and says how many it cancelled" "$(cat "$tmp/cancel.err")" "1 request(s) cancelled after the shutdown timeout"

# ---- weft serve: kinds ----------------------------------------------------------------------------
start serve1 serve "$g/echo_wagi.wasm" --listen 127.0.0.1:0 --env GREETING=hi
has "serve: a module with _start is wagi" "$(cat "$tmp/serve1.err")" "(wagi, _start)"
eq "serve: every path is routed" "$(body "$base/any/path" | sed -n 2p)" "PATH_INFO=/any/path"
stop "$pid"
start serve2 serve "$g/echo_plugin.wasm" --listen 127.0.0.1:0
has "serve: a module without _start is a plugin" "$(cat "$tmp/serve2.err")" "(plugin, handle)"
stop "$pid"
"$weft" serve "$g/echo_plugin.wasm" --kind wagi --listen 127.0.0.1:0 > /dev/null 2> "$tmp/kind.err"
eq "serve: --kind wagi on a plugin fails" "$?" "1"
has "serve: and says why" "$(cat "$tmp/kind.err")" "a wagi handler must be a WASI command"

# ---- malformed manifests ---------------------------------------------------------------------------
manifest_error() { # manifest_error NAME YAML WANT
    printf '%s\n' "$2" > "$tmp/$1.yaml"
    "$weft" up "$tmp/$1.yaml" > /dev/null 2> "$tmp/$1.err"
    local st=$?
    eq "manifest $1: exit status 1" "$st" "1"
    has "manifest $1: message" "$(cat "$tmp/$1.err")" "$3"
}
manifest_error syntax $'name: x\ncomponents: [' "$tmp/syntax.yaml:"
manifest_error unknown_key $'name: x\ncomponents:\n  a: {source: a.wasm, sorce: b}\ntriggers:\n  http:\n    - {route: /, component: a}' "$tmp/unknown_key.yaml:3:"
manifest_error missing_wasm $'name: x\ncomponents:\n  a: {source: nothere.wasm}\ntriggers:\n  http:\n    - {route: /, component: a}' "component a: cannot read $tmp/nothere.wasm: No such file or directory"
printf 'not wasm' > "$tmp/junk.wasm"
manifest_error junk_wasm $'name: x\ncomponents:\n  a: {source: junk.wasm}\ntriggers:\n  http:\n    - {route: /, component: a}' "component a: $tmp/junk.wasm is not a valid module"
manifest_error no_export "$(printf 'name: x\ncomponents:\n  a: {source: %s/echo_plugin.wasm, function: nope}\ntriggers:\n  http:\n    - {route: /, component: a}' "$g")" "exports no function nope"
manifest_error bad_route $'name: x\ncomponents:\n  a: {source: a.wasm}\ntriggers:\n  http:\n    - {route: "a//b", component: a}' "$tmp/bad_route.yaml:6:"
"$weft" up "$tmp/does-not-exist.yaml" > /dev/null 2> "$tmp/nofile.err"
has "a missing manifest is named" "$(cat "$tmp/nofile.err")" "does-not-exist.yaml: cannot read manifest"

echo "http e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
