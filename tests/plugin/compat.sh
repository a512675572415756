#!/usr/bin/env bash
# compat.sh WEFT COMPAT_DIR: runs `WEFT call` on every export of the compatibility guests that
# tests/plugin/guests/build.sh puts in COMPAT_DIR (raw_abi, sdk_guest, rust_plugin; the *_wasi
# builds run the same cases) and compares stdout, the exit status and stderr with what Extism's
# ABI gives for the guest's source. A local python3 HTTP server answers the http cases. Prints one
# line per case and a count; exits 1 if any case failed or an export has no case.
set -uo pipefail
export LC_ALL=C
weft=${1:?usage: compat.sh WEFT COMPAT_DIR}
dir=${2:?usage: compat.sh WEFT COMPAT_DIR}
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2> /dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

ncases=0 nfailed=0
declare -A covered # "guest fn" for every export a case called
opts=()            # options every case of the current guest gets (--wasi)

# t GUEST FN STATUS STDOUT STDERR [ARGS...]: runs `weft call GUEST.wasm FN ARGS... ${opts[@]}`.
# STDOUT is exact ("@FILE": FILE's bytes); STDERR is a glob the whole of stderr (less its final
# newline) must match, so '' means none, '*part*' a part, and [ ] * ? need a backslash.
t() {
    local g=$1 fn=$2 want_status=$3 want_out=$4 want_err=$5 status out err why=
    shift 5
    "$weft" call "$dir/$g.wasm" "$fn" "$@" "${opts[@]}" > "$tmp/out" 2> "$tmp/err"
    status=$?
    err=$(cat "$tmp/err")
    covered["$g $fn"]=1
    ncases=$((ncases + 1))
    [ "$status" = "$want_status" ] || why+=$(printf '\n      status %s, want %s' "$status" "$want_status")
    if [[ $want_out == @* ]]; then
        cmp -s "$tmp/out" "${want_out#@}" || why+=$(printf '\n      stdout differs from %s' "${want_out#@}")
    elif out=$(cat "$tmp/out"; echo .) && out=${out%.} && [ "$out" != "$want_out" ]; then
        why+=$(printf '\n      stdout %q\n        want %q' "$out" "$want_out")
    fi
    # shellcheck disable=SC2053 # want_err is a pattern
    [[ $err == $want_err ]] || why+=$(printf '\n      stderr %q\n        want %q' "$err" "$want_err")
    local label="$g $fn${*:+ $*}"
    label=${label//$'\n'/\\n}
    [ ${#label} -le 100 ] || label="${label:0:97}..."
    if [ -z "$why" ]; then
        echo "ok    $label"
    else
        echo "FAIL  $label$why"
        nfailed=$((nfailed + 1))
    fi
}

# ---- the HTTP server: fixed answers, a slow page for the timeout, POST echoes its body -------
cat > "$tmp/server.py" << 'EOF'
import http.server, os, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/hello": self.answer(200, b"hello from compat.sh")
        elif self.path == "/header": self.answer(200, b"x-compat=" + self.headers.get("X-Compat", "none").encode())
        elif self.path == "/slow": time.sleep(3); self.answer(200, b"too late")
        else: self.answer(404, b"no such page")
    def do_POST(self):
        self.answer(201, b"posted: " + self.rfile.read(int(self.headers.get("Content-Length", 0))))
    def log_message(self, *args): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(sys.argv[1] + ".new", "w") as f: f.write(str(srv.server_port))
os.rename(sys.argv[1] + ".new", sys.argv[1])
srv.serve_forever()
EOF
python3 "$tmp/server.py" "$tmp/port" 2> /dev/null &
server=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "compat: the HTTP server did not start" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$tmp/port")

# ---- inputs -----------------------------------------------------------------------------------
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' > "$tmp/bytes"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 251) % 256 for i in range(100003)))' > "$tmp/big"
head -c 2000000 /dev/zero > "$tmp/2mb"
probe_abc=$'length=10\nfirst=97\nlast=106\nu64_first=0x6867666564636261\nu64_last=0x6a69686766656463\nsum=1015\nu64_agrees_at=3\n'
limit='weft: call alloc_size: limit: alloc: allocating'
at='bytes at offset * are not inside a block'
blocks_out='alloc(0)=0
nonzero: yes
disjoint: yes
length(a)=100
length(b)=8
length(c)=1
length_unsafe(a)=100
length(0)=0
length(a+1)=0
load_u8(a)=8
load_u8(a+7)=1
load_u64(a)=0x1415161718060708
load_u64(a+3)=0x1112131415161718
load_u64(a+92)=0xfedcba9876543210
load_u8(a+99)=171
load_u8(c)=42
load_u64(b)=0xffffffffffffffff
length(b) after free=0
length(d)=8
length(a) still=100
load_u8(c) still=42
'
vars_out='k=<none>
k=one (3)
k=three (5)
k2=x (1)
k=<none>
k2=x (1)
k2=<none>
'

# ---- raw_abi: the raw imports, freestanding and as a WASI reactor ------------------------------
for g in raw_abi raw_abi_wasi; do
    opts=() && [ $g = raw_abi_wasi ] && opts=(--wasi)
    t $g echo 0 'Hello, weft!' '' --input 'Hello, weft!'
    t $g echo 0 '' '' # no input: no output at all
    t $g echo 0 "@$tmp/bytes" '' --input-file "$tmp/bytes"
    t $g echo 0 "@$tmp/big" '' --input-file "$tmp/big"
    t $g echo 134 '' "weft: call echo: limit: the input of 2000000 bytes does not fit in the plugin's memory limit of 1048576 bytes" \
        --input-file "$tmp/2mb" --max-memory 1M
    t $g input_probe 0 "$probe_abc" '' --input abcdefghij
    t $g input_probe 0 $'length=0\nsum=0\nu64_agrees_at=0\n' ''
    t $g input_probe 0 $'length=256\nfirst=0\nlast=255\nu64_first=0x0706050403020100\nu64_last=0xfffefdfcfbfaf9f8\nsum=32640\nu64_agrees_at=249\n' '' \
        --input-file "$tmp/bytes"
    t $g input_probe 0 "$probe_abc" '' --input abcdefghij --fuel 10000000
    t $g input_probe 134 '' 'weft: call input_probe: fuel: input_probe used all its fuel (1000 units)' \
        --input-file "$tmp/bytes" --fuel 1000
    # Out of range, Extism's kernel reads 0 or writes nothing; weft traps and says where (kernel.c).
    t $g input_oob_u8 134 '' "weft: call input_oob_u8: trap: input_load_u8: 1 bytes at offset 5 run past the input's 5 bytes" --input hello
    t $g input_oob_u8 134 '' "*input_load_u8: 1 bytes at offset 0 run past the input's 0 bytes"
    t $g input_oob_u64 134 '' "weft: call input_oob_u64: trap: input_load_u64: 8 bytes at offset 3 run past the input's 10 bytes" \
        --input abcdefghij
    t $g blocks 0 "$blocks_out" ''
    t $g load_oob 134 '' "weft: call load_oob: trap: load_u8: 1 $at"
    t $g store_oob 134 '' "weft: call store_oob: trap: store_u64: 8 $at"
    t $g load_wild 134 '' 'weft: call load_wild: trap: load_u64: 8 bytes at offset 1099511627776 are not inside a block'
    t $g alloc_size 0 $'length=1000\n' '' --input 1000
    t $g alloc_size 0 $'length=0\n' '' --input 0
    # A refused block: Extism's alloc answers 0, weft fails the call with a limit error (kernel.c).
    t $g alloc_size 134 '' "$limit 100000000 bytes would pass the plugin's memory limit of 67108864 bytes" --input 100000000
    t $g alloc_size 134 '' "$limit 2000000 bytes would pass the plugin's memory limit of 1048576 bytes" \
        --input 2000000 --max-memory 1M
    t $g output_prefix 0 0123456789 ''
    t $g output_middle 0 456789 ''
    t $g output_twice 0 second ''
    t $g output_none 0 '' ''
    t $g output_oob 134 '' "weft: call output_oob: trap: output_set: 4096 $at"
    t $g void_export 0 void ''
    t $g error 1 '' 'weft: call error: error: raw_abi: deliberate failure'
    t $g fail_code 1 '' 'weft: call fail_code: error: fail_code returned 42'
    t $g error_rc0 1 '' 'weft: call error_rc0: error: raw_abi: error set, yet 0 returned'
    t $g output_then_error 1 '' 'weft: call output_then_error: error: raw_abi: failed after output_set'
    t $g trap 134 '' 'weft: call trap: trap: trap trapped: *unreachable*'
    t $g nope 1 '' 'weft: call nope: not found: function nope not found in the plugin'
    t $g config 0 weft '' --input name --config name=weft
    t $g config 0 'hello, configured world' '' --input greeting --config 'greeting=hello, configured world'
    t $g config 0 '<none>' '' --input missing --config name=weft
    t $g config 0 '<none>' '' --config name=weft # config_get(0)
    t $g config 0 '<none>' '' --input empty --config empty= # no empty block
    t $g vars 0 "$vars_out" ''
    t $g vars 0 "$vars_out"$'\n'"$vars_out"$'\n' 'weft: 2 calls, * us per call' --loop 2
    t $g counter 0 1 ''
    t $g counter 0 $'1\n2\n3\n' 'weft: 3 calls, * us per call' --loop 3
    t $g var_big 0 $'length=100\n' '' --input 100
    t $g var_big 0 $'length=1000000\n' '' --input 1000000
    t $g var_big 134 '' "weft: call var_big: limit: var_set: the plugin's vars would take more than 1048576 bytes" --input 1048576
    t $g log 0 2 $'\\[info\\] raw_abi: info\n\\[warn\\] raw_abi: warn\n\\[error\\] raw_abi: error'
    t $g log 0 0 $'\\[trace\\] raw_abi: trace\n\\[debug\\] raw_abi: debug\n\\[info\\] raw_abi: info\n\\[warn\\] raw_abi: warn\n\\[error\\] raw_abi: error' \
        --log-level trace
    t $g log 0 4 '\[error\] raw_abi: error' --log-level error
    t $g log 0 2147483647 '' --log-level off
    t $g http 0 $'status=200\nhello from compat.sh' '' --input "{\"url\":\"$url/hello\"}" --allow-host 127.0.0.1
    t $g http 0 $'status=200\nhello from compat.sh' '' --input "{\"url\":\"$url/hello\",\"method\":\"GET\",\"headers\":{}}" \
        --allow-host '127.0.0.*'
    t $g http 0 $'status=201\nposted: ping body' '' --input "{\"url\":\"$url/echo\",\"method\":\"POST\"}"$'\nping body' \
        --allow-host 127.0.0.1
    t $g http 0 $'status=200\nx-compat=yes' '' --input "{\"url\":\"$url/header\",\"headers\":{\"X-Compat\":\"yes\"}}" \
        --allow-host 127.0.0.1
    t $g http 0 $'status=404\nno such page' '' --input "{\"url\":\"$url/missing\"}" --allow-host 127.0.0.1
    t $g http 134 '' "weft: call http: trap: http_request: host \"127.0.0.1\" is not among the plugin's allowed hosts" \
        --input "{\"url\":\"$url/hello\"}"
    t $g http 134 '' '*host "127.0.0.1" is not among the plugin'"'"'s allowed hosts' --input "{\"url\":\"$url/hello\"}" \
        --allow-host example.com
    t $g http 134 '' '*http_request: the request is not JSON with a "url" string' --input 'not json' --allow-host 127.0.0.1
    t $g http 134 '' "weft: call http: timeout: http_request: GET $url/slow failed: *" --input "{\"url\":\"$url/slow\"}" \
        --allow-host 127.0.0.1 --timeout 300ms
done

# ---- sdk_guest: sdk/c/weft-pdk.h, freestanding and for wasm32-wasi ----------------------------
reversed=$(printf '9876543210%.0s' 1 2 3 4 5 6)9876
# sdk_vars GET SEEN: the text of sdk_guest's vars
sdk_vars() { printf 'get(seen)=%s\nset(seen)=0\nseen=%s\nset(tmp)=0\nget(tmp)=5\nvalue\ndelete(tmp)=0\nget(tmp)=-1\nset(tmp, empty)=0\nget_block(tmp)=0\n' "$@"; }
for g in sdk_guest sdk_guest_wasi; do
    opts=() && [ $g = sdk_guest_wasi ] && opts=(--wasi)
    t $g input 0 $'length=12\nabcde|fghij|kl\nread_at(end)=0\nread(3)=3\nabc\n' '' --input abcdefghijkl
    t $g input 0 $'length=0\n\nread_at(end)=0\nread(3)=0\n\n' ''
    t $g config 0 $'get(name)=8\nweftling\nget(name, 4)=8\nget_str(name, 4)=8\nwef\nget(missing)=-1\nget_str(missing)=-1\nempty string=0\nblock length=8\n' '' \
        --config name=weftling
    t $g config 0 $'get(name)=-1\n\nget(name, 4)=-1\nget_str(name, 4)=-1\n\nget(missing)=-1\nget_str(missing)=-1\nempty string=0\nblock length=0\n' ''
    t $g vars 0 "$(sdk_vars -1 1)"$'\n' ''
    t $g vars 0 "$(sdk_vars -1 1)"$'\n\n'"$(sdk_vars 1 2)"$'\n\n' 'weft: 2 calls, * us per call' --loop 2
    t $g logs 0 2 $'\\[info\\] sdk: info\n\\[warn\\] sdk: warn\n\\[error\\] sdk: error\n\\[info\\] sdk: '
    t $g logs 0 1 $'\\[debug\\] sdk: debug\n\\[info\\] sdk: info\n\\[warn\\] sdk: warn\n\\[error\\] sdk: error\n\\[info\\] sdk: ' \
        --log-level debug
    t $g logs 0 2147483647 '' --log-level off
    t $g blocks 0 $'new(empty)=0\nnew_str(empty)=0\nlength(0)=0\nread(0)=0\nlength=26\nbc0123456789n\nread(5)=26\nabc01\nlength after free=0\n' ''
    t $g output_block 0 xyz ''
    t $g output_str 0 second ''
    t $g output_empty 0 '' ''
    t $g error 1 '' 'weft: call error: error: sdk_guest: failed on purpose'
    t $g host_reverse 0 $'length=8\ndesserts' '' --input stressed
    t $g host_reverse 0 $'length=0\n' ''
    t $g host_reverse 0 $'length=70\n'"$reversed" '' --input "$(printf '0123456789%.0s' 1 2 3 4 5 6 7)"
done
t sdk_guest libc 1 '' 'weft: call libc: not found: function libc not found in the plugin' # wasm32-wasi only
opts=(--wasi)
t sdk_guest_wasi libc 0 $'input=10\ncopy=10\nhello libc' '' --input 'hello libc'
t sdk_guest_wasi libc 0 $'input=0\ncopy=0\n' ''

# ---- rust_plugin: Rust's std on wasm32-wasi -----------------------------------------------------
opts=(--wasi)
vowels='"vowels":"aeiouAEIOU"}'
t rust_plugin greet 0 'Hello, Rust!' '' --input Rust
t rust_plugin greet 0 'Hello, weft and extism!' '' --input 'weft and extism'
t rust_plugin greet 0 'Hello, !' ''
t rust_plugin count_vowels 0 "{\"count\":3,\"total\":3,$vowels" '' --input 'Hello, World!'
t rust_plugin count_vowels 0 "{\"count\":1,\"total\":1,$vowels"$'\n'"{\"count\":1,\"total\":2,$vowels"$'\n' \
    'weft: 2 calls, * us per call' --input weft --loop 2
t rust_plugin count_vowels 0 '{"count":5,"total":5,"vowels":"lo"}' '' --input 'Hello, World!' --config vowels=lo
t rust_plugin count_vowels 0 '{"count":5,"total":5,"vowels":"a\"\\\u0009"}' '' \
    --input $'say "hi"\t\\o/' --config $'vowels=a"\\\t'
t rust_plugin counter 0 1 '\[info\] rust_plugin: counter is 1'
t rust_plugin counter 0 $'1\n2\n3\n' \
    $'\\[info\\] rust_plugin: counter is 1\n\\[info\\] rust_plugin: counter is 2\n\\[info\\] rust_plugin: counter is 3\nweft: 3 calls, * us per call' \
    --loop 3
t rust_plugin fail 1 '' 'weft: call fail: error: rust_plugin: deliberate failure'
t rust_plugin panic 134 '' "*panicked at 'rust_plugin: deliberate panic'*weft: call panic: trap: panic trapped: *unreachable*"
opts=()
t rust_plugin greet 1 '' '*give --wasi*' --input Rust # Rust's std imports WASI

# ---- every export has a case ---------------------------------------------------------------
for g in raw_abi raw_abi_wasi sdk_guest sdk_guest_wasi rust_plugin; do
    for fn in $(python3 - "$dir/$g.wasm" << 'EOF'
import sys
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
b = open(sys.argv[1], "rb").read(); i = 8
while i < len(b):
    sid = b[i]; n, i = leb(b, i + 1); end = i + n
    if sid == 7:
        count, i = leb(b, i)
        for _ in range(count):
            n, i = leb(b, i); name = b[i:i + n].decode(); kind = b[i + n]; _, i = leb(b, i + n + 1)
            if kind == 0 and name != "_initialize": print(name)
    i = end
EOF
    ); do
        [ -n "${covered["$g $fn"]:-}" ] && continue
        echo "FAIL  $g $fn: no case calls this export"
        ncases=$((ncases + 1)) nfailed=$((nfailed + 1))
    done
done

echo "compat: $ncases cases, $nfailed failed"
[ $nfailed = 0 ]
