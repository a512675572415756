#!/usr/bin/env bash
# run.sh: weft's HTTP benchmark: wrk on loopback against weft serve with a trivial handler (a fresh
# instance per request; plugin and wagi kinds; with and without the access log) and against
# libmicrohttpd answering the same response natively in C (bench/http/native.c), in weft's own
# server setup (tpc: a thread per connection) and in the library's fastest one (pool: epoll, a
# thread per core), all in the same run. Prints requests/s and p99 at saturation (-c32) and at
# moderate load (-c4), weft/native throughput against both, then the per-request instance set-up
# measured apart from HTTP (bench/http/setup.c). Targets (issue 6): weft at >= 70% of the native
# server in the same configuration (tpc), p99 < 2 ms at moderate load, set-up < 10 us.
# Never fails on speed.
#
# Usage: bench/http/run.sh [BUILD_DIR (build)] [--quick]   (--quick: 1 s per wrk run, not 5 s)
# Environment: BENCH_RUNS (1): runs per measurement, the best rps and p99 kept; CC_NATIVE (gcc),
# CC_WASM (clang), WRK (wrk), CURL (curl). Writes what it builds and wrk's logs to
# BUILD_DIR/bench-http/.
# Exit status: 0, or 1 when something does not build, start or answer "hello"; 2 for bad usage.

set -uo pipefail

HTTP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$(dirname "$HTTP_DIR")")
build_dir=build
quick=0
for a in "$@"; do
    case "$a" in
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --quick) quick=1 ;;
    -*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
    *) build_dir=$a ;;
    esac
done
WRK=${WRK:-wrk}
CURL=${CURL:-curl}
secs=$((quick ? 1 : 5))
runs=${BENCH_RUNS:-1}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: BENCH_RUNS must be a positive number" >&2; exit 2; }
weft=$build_dir/weft
[[ -x $weft && -f $build_dir/libweft.a ]] ||
    { echo "run.sh: $weft or $build_dir/libweft.a missing: build weft first (make)" >&2; exit 2; }
for tool in "$WRK" "$CURL"; do
    command -v "$tool" > /dev/null || { echo "run.sh: $tool not found (apt-get install wrk curl)" >&2; exit 2; }
done
out=$build_dir/bench-http
mkdir -p "$out/logs" || exit 2

fail() { echo "run.sh: $*" >&2; exit 1; }

# ---- build ------------------------------------------------------------------------------------
CLANG=${CC_WASM:-clang} bash "$ROOT/tests/http/guests/build.sh" "$out/guests" ||
    fail "building the handlers failed (needs clang, lld, wasi-libc)"
"${CC_NATIVE:-gcc}" -std=c11 -O2 -Wall -Wextra -o "$out/native" "$HTTP_DIR/native.c" \
    -lmicrohttpd -lpthread || fail "building native failed (needs libmicrohttpd-dev)"
# h2o, the other library the issue names, only when its headers are installed (weft does not use it).
have_h2o=0
if [[ -f /usr/include/h2o.h ]] && pkg-config --exists libh2o-evloop 2> /dev/null &&
    "${CC_NATIVE:-gcc}" -O2 -o "$out/h2o_native" "$HTTP_DIR/h2o_native.c" \
        $(pkg-config --cflags --libs libh2o-evloop) -lssl -lcrypto -lpthread 2> "$out/logs/h2o-build.txt"; then
    have_h2o=1
fi
"${CC_NATIVE:-gcc}" -std=c11 -O2 -Wall -Wextra -I "$ROOT/include" -o "$out/setup" \
    "$HTTP_DIR/setup.c" "$build_dir/libweft.a" -lcurl -lcjson -lm -lpthread ||
    fail "building setup failed"

# ---- servers ----------------------------------------------------------------------------------
names=() ports=() pids=() pid_names=()
# Stops every server started (SIGTERM, then SIGKILL after 5 s) and says which did not exit with 0.
stop_servers() {
    local i k rc running=()
    for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2> /dev/null && running[$i]=1; done
    for i in "${!pids[@]}"; do
        for ((k = 0; k < 50; k++)); do kill -0 "${pids[$i]}" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "${pids[$i]}" 2> /dev/null
        wait "${pids[$i]}" 2> /dev/null
        rc=$?
        if ((rc != 0)); then
            k="before being stopped"
            [[ -n ${running[$i]:-} ]] && k="on SIGTERM"
            echo "run.sh: note: ${pid_names[$i]} exited with status $rc $k" >&2
        fi
    done
    pids=() pid_names=()
}
trap stop_servers EXIT

# start NAME STDOUT_FILE CMD...: starts a server whose port comes on stdout's first line (native)
# or in weft's "serving on" line on stderr, and waits (10 s at most) for it.
start() {
    local name=$1 stdout=$2 err=$out/logs/$1.err port="" i
    shift 2
    # Removed first: the redirections below happen in the background, and a port left by an
    # earlier run must not be read before they truncate the files.
    rm -f "$err"
    [[ $stdout != /dev/null ]] && rm -f "$stdout"
    "$@" > "$stdout" 2> "$err" &
    local pid=$!
    pids+=("$pid")
    pid_names+=("$name")
    for ((i = 0; i < 100; i++)); do
        [[ $stdout != /dev/null ]] && port=$(head -n 1 "$stdout" | grep -E '^[0-9]+$')
        [[ -z $port ]] && port=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$err")
        [[ -n $port ]] && break
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    [[ $port =~ ^[0-9]+$ ]] || { cat "$err" >&2; fail "$name did not start (see $err)"; }
    names+=("$name")
    ports+=("$port")
}

# check NAME PORT: the server answers "hello" and is still running.
check() {
    local body
    body=$("$CURL" -fsS --max-time 5 "http://127.0.0.1:$2/bench") ||
        fail "$1 (port $2) does not answer (see $out/logs/$1.err)"
    [[ $body == hello ]] || fail "$1 answered \"$body\", not \"hello\""
}

start native-tpc "$out/logs/native-tpc.out" "$out/native" tpc 0
start native-pool "$out/logs/native-pool.out" "$out/native" pool 0
if ((have_h2o)); then start native-h2o "$out/logs/native-h2o.out" "$out/h2o_native" "$(nproc)" 0; fi
start weft-plugin "$out/logs/weft-plugin.out" "$weft" serve "$out/guests/plain_plugin_hello.wasm" \
    --kind plugin --listen 127.0.0.1:0 --no-access-log
start weft-wagi "$out/logs/weft-wagi.out" "$weft" serve "$out/guests/plain_wagi_hello.wasm" \
    --kind wagi --listen 127.0.0.1:0 --no-access-log
start weft-plugin-log /dev/null "$weft" serve "$out/guests/plain_plugin_hello.wasm" \
    --kind plugin --listen 127.0.0.1:0
for i in "${!names[@]}"; do check "${names[$i]}" "${ports[$i]}"; done

# ---- wrk --------------------------------------------------------------------------------------
# bench NAME PORT CONNS: runs wrk and sets rps, p99 (ms) and errs (non-2xx/3xx + socket errors).
bench() {
    local log=$out/logs/$1.wrk-c$3.txt
    "$WRK" -t1 -c"$3" -d"${secs}s" --latency "http://127.0.0.1:$2/bench" > "$log" 2>&1 ||
        { cat "$log" >&2; fail "wrk against $1 failed"; }
    rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$log")
    p99=$(awk '$1 == "99%" {
        v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        print (u == "us" ? v / 1000 : u == "ms" ? v : u == "s" ? v * 1000 : u == "m" ? v * 60000 : -1) }' "$log")
    errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
        /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$log")
    [[ -n $rps && -n $p99 && $p99 != -1 ]] || { cat "$log" >&2; fail "cannot read wrk's output for $1 ($log)"; }
}

load_before=$(cut -d ' ' -f 1 /proc/loadavg)
for i in "${!names[@]}"; do
    "$WRK" -t1 -c32 -d1s "http://127.0.0.1:${ports[$i]}/bench" > /dev/null 2>&1 ||
        fail "wrk (warm-up) against ${names[$i]} failed"
done
# Servers take turns within each load and each run, so a burst of other work on the machine
# falls on all of them rather than on one. Of BENCH_RUNS runs, each server and load keeps the
# highest requests/s and the lowest p99.
declare -A rps_of p99_of nerr
for ((run = 0; run < runs; run++)); do
    for c in 32 4; do
        for i in "${!names[@]}"; do
            n=${names[$i]}
            bench "$n" "${ports[$i]}" "$c"
            nerr[$n]=$((${nerr[$n]:-0} + errs))
            if [[ -z ${rps_of[$n,$c]:-} ]]; then
                rps_of[$n,$c]=$rps p99_of[$n,$c]=$p99
            else
                rps_of[$n,$c]=$(awk -v a="$rps" -v b="${rps_of[$n,$c]}" 'BEGIN { print (a > b ? a : b) }')
                p99_of[$n,$c]=$(awk -v a="$p99" -v b="${p99_of[$n,$c]}" 'BEGIN { print (a < b ? a : b) }')
            fi
        done
    done
done
for i in "${!names[@]}"; do check "${names[$i]}" "${ports[$i]}"; done
stop_servers

label() {
    case $1 in
    native-tpc) echo "native, tpc (weft's libmicrohttpd setup)" ;;
    native-pool) echo "native, pool (epoll, a thread per core)" ;;
    native-h2o) echo "native, h2o (event loop per core)" ;;
    weft-plugin) echo "weft serve, plugin kind" ;;
    weft-wagi) echo "weft serve, wagi kind" ;;
    weft-plugin-log) echo "weft serve, plugin kind, access log" ;;
    esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
# at_least A B, below A B: "met" if A >= B (A < B), else "MISSED".
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo met || echo MISSED; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' && echo met || echo MISSED; }

cores=$(nproc)
echo "http: wrk -t1 on loopback, ${secs} s per run after 1 s of warm-up, best of $runs run(s) (BENCH_RUNS);"
echo "      saturation: -c32, moderate load: -c4; a trivial handler (200, text/plain, \"hello\\n\"),"
echo "      a fresh instance per request. $cores cores, and wrk itself takes one: servers and wrk share"
echo "      them, so these are throughputs on what wrk leaves, for native and weft alike."
echo "      -c4 is not rate-limited (Debian's wrk has no -R): the server's core stays busy, with"
echo "      fewer threads. Load average before the run: $load_before (anything else running skews"
echo "      the figures, p99 most)."
printf "  %-40s %9s %9s %9s %9s %6s %6s %6s\n" "server" "rps -c32" "p99 -c32" "rps -c4" "p99 -c4" \
    "/tpc" "/pool" "errors"
for n in "${names[@]}"; do
    rt="" rp=""
    if [[ $n == weft-* ]]; then
        rt=$(ratio "${rps_of[$n,32]}" "${rps_of[native-tpc,32]}")
        rp=$(ratio "${rps_of[$n,32]}" "${rps_of[native-pool,32]}")
    fi
    printf "  %-40s %9.0f %6.2f ms %9.0f %6.2f ms %6s %6s %6s\n" "$(label "$n")" "${rps_of[$n,32]}" \
        "${p99_of[$n,32]}" "${rps_of[$n,4]}" "${p99_of[$n,4]}" "$rt" "$rp" "${nerr[$n]}"
done
echo "  /tpc, /pool: weft's requests/s at saturation (-c32) against the native server's;"
echo "  errors: non-2xx responses and socket errors seen by wrk"
for n in weft-plugin weft-wagi weft-plugin-log; do
    r=$(awk -v a="${rps_of[$n,32]}" -v b="${rps_of[native-tpc,32]}" 'BEGIN { print 100 * a / b }')
    printf "target: %-36s >= 70%% of native tpc: %5.1f%% (%s); p99 at -c4 < 2 ms: %.2f ms (%s)\n" \
        "$(label "$n")" "$r" \
        "$(at_least "$r" 70)" "${p99_of[$n,4]}" "$(below "${p99_of[$n,4]}" 2)"
done
echo "  (the target's ratio is against native tpc, the same library in the same configuration;"
echo "   against pool, libmicrohttpd's fastest setup, it is shown for reference only)"
((have_h2o)) || echo "  (h2o: not measured; apt-get install libh2o-evloop-dev libssl-dev to add it)"
echo

# ---- per-request set-up ---------------------------------------------------------------------
g=$out/guests
"$out/setup" "$g/plain_plugin_hello.wasm" "$g/plain_wagi_hello.wasm" "$g/echo_plugin.wasm" \
    "$g/echo_wagi.wasm" $((quick ? 5 : 15)) || fail "setup failed"
