#!/usr/bin/env bash
# run_case.sh: runs one WASI test area for CTest. Makes a fresh temporary directory, runs the
# guests under `weft run` (and their native builds, where a native run means the same thing),
# compares stdout and exit status with tests/wasi/expected/ and with the native run, prints a
# diff for every difference, checks the host is untouched where a guest tried to escape, cleans up.
# Usage: run_case.sh AREA WEFT_BINARY WASI_BUILD_DIR       (exit status 0 only if all checks pass)
# WEFT_WASI_KEEP=1 keeps the temporary directory (every run's output is in its out/) for a look.
set -uo pipefail

area=$1
weft=$(realpath -- "$2")
build=$(realpath -- "$3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
expected=$here/expected
wasm=$build/wasm
native=$build/native
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-wasi-$area.XXXXXX")
background=()
cleanup() {
    for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
    if [ -n "${WEFT_WASI_KEEP:-}" ]; then
        echo "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
mkdir -p "$tmp/elsewhere" "$tmp/out"
export LC_ALL=C

failures=0
checks=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
pass() {
    echo "ok: $*"
}

# A sanitizer report from weft (the ASan tree) fails the test even if the output was right.
check_stderr_clean() {
    if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; then
        fail "sanitizer report in $1:"
        cat "$1"
    fi
}

# same LABEL EXPECTED_FILE ACTUAL_FILE: diff -u, counted.
same() {
    checks=$((checks + 1))
    if [ ! -f "$2" ]; then
        fail "$1: missing expected file $2; the run printed:"
        cat "$3"
    elif diff -u "$2" "$3" >"$tmp/diff"; then
        pass "$1"
    else
        fail "$1: output differs from $(basename "$2") (- expected, + got):"
        cat "$tmp/diff"
    fi
}

# The guest's stdin: a file (INPUT_FILE), or the output of a shell command (INPUT_CMD, a pipe).
INPUT_FILE=/dev/null
INPUT_CMD=""
feed() {
    if [ -n "$INPUT_CMD" ]; then
        bash -c "$INPUT_CMD" | "$@"
    else
        "$@" <"$INPUT_FILE"
    fi
}

# weft_run OUT [WEFT-OPTIONS...] FILE.wasm [-- ARGS...]: stdout and "[exit N]" into OUT.out,
# stderr into OUT.err; runs from an unrelated directory so only preopens give access to files.
weft_run() {
    local out=$1
    shift
    (cd "$tmp/elsewhere" && feed "$weft" run "$@") >"$out.out" 2>"$out.err"
    echo "[exit $?]" >>"$out.out"
    check_stderr_clean "$out.err"
}

# native_run OUT DIR PROGRAM [ARGS...]: the native build with DIR as its current directory and an
# environment of NATIVE_ENV only (like weft's empty one).
NATIVE_ENV=()
native_run() {
    local out=$1 dir=$2
    shift 2
    (cd "$dir" && feed env -i "${NATIVE_ENV[@]}" "$@") >"$out.out" 2>"$out.err"
    echo "[exit $?]" >>"$out.out"
}

# split_opts [WEFT-OPTIONS...] [-- ARGS...]: fills the caller's local arrays opts (weft's options)
# and args (the program's arguments).
split_opts() {
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        opts+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    args=("$@")
}

# pair NAME EXP [WEFT-OPTIONS...] -- [ARGS...]: runs NAME.wasm under weft with a fresh empty
# directory granted as ".", and the native NAME in another fresh empty directory as its current
# one; both must print expected/EXP.expected (and EXP.stderr.expected, if present).
pair() {
    local name=$1 exp=$2
    shift 2
    local opts=() args=()
    split_opts "$@"
    set -- "${args[@]}"
    local wdir=$tmp/$exp.wasm.dir ndir=$tmp/$exp.native.dir
    rm -rf "$wdir" "$ndir"
    mkdir -p "$wdir" "$ndir"
    weft_run "$tmp/out/$exp.wasm" --dir "$wdir::." "${opts[@]}" "$wasm/$name.wasm" -- "$@"
    native_run "$tmp/out/$exp.native" "$ndir" "$native/$name" "$@"
    same "$exp (native)" "$expected/$exp.expected" "$tmp/out/$exp.native.out"
    same "$exp (weft)" "$expected/$exp.expected" "$tmp/out/$exp.wasm.out"
    if ! cmp -s "$tmp/out/$exp.native.out" "$tmp/out/$exp.wasm.out"; then
        echo "   weft against native (- native, + weft):"
        diff -u "$tmp/out/$exp.native.out" "$tmp/out/$exp.wasm.out" | sed 's/^/   /'
    fi
    if [ -f "$expected/$exp.stderr.expected" ]; then
        same "$exp stderr (native)" "$expected/$exp.stderr.expected" "$tmp/out/$exp.native.err"
        same "$exp stderr (weft)" "$expected/$exp.stderr.expected" "$tmp/out/$exp.wasm.err"
    fi
}

# solo NAME EXP [WEFT-OPTIONS...] [-- ARGS...]: a weft-only run (no native meaning), no preopen
# unless the options grant one.
solo() {
    local name=$1 exp=$2
    shift 2
    local opts=() args=()
    split_opts "$@"
    set -- "${args[@]}"
    weft_run "$tmp/out/$exp" "${opts[@]}" "$wasm/$name.wasm" -- "$@"
    same "$exp (weft)" "$expected/$exp.expected" "$tmp/out/$exp.out"
}

# snapshot DIR [PRUNE]: every entry below DIR (type, size, mode, links, mtime, link target) and
# every file's checksum, leaving out the subdirectory PRUNE; two equal snapshots mean untouched.
snapshot() {
    (
        cd "$1" || exit 1
        local prune=()
        [ -n "${2:-}" ] && prune=(-path "./$2" -prune -o)
        find . "${prune[@]}" -printf '%p %y %s %m %n %T@ %l\n' | sort
        find . "${prune[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum
    )
}

# trap_summary ERR: the first stderr line (the timeout message cut after "timeout") and whether a
# backtrace follows.
trap_summary() {
    local first
    first=$(head -n 1 "$1" | sed -E 's/^(weft: trap: timeout).*/\1/')
    if grep -qE '^  [0-9]+(-[0-9]+)?: ' "$1"; then
        echo "$first (with backtrace)"
    else
        echo "$first (no backtrace)"
    fi
}

# ---------------------------------------------------------------------------------------------

case_files() { pair files files; }
case_dirs() { pair dirs dirs; }
case_errno() { pair errors errno; }
case_random() { pair random random; }
case_rust() { pair fs_rust rust; }

case_stdio() {
    seq 1 5000 >"$tmp/in.txt"
    INPUT_FILE=$tmp/in.txt
    pair stdio stdio_read -- read
    pair stdio stdio_lines -- lines
    INPUT_FILE=/dev/null
    INPUT_CMD="cat '$tmp/in.txt'"
    pair stdio stdio_pipe -- pipe
    INPUT_CMD=""
    pair stdio stdio_stderr -- stderr
    pair stdio stdio_tty -- tty
    pair stdio stdio_float -- float

    # 1 MiB through stdout: identical bytes from both, of the known checksum
    (cd "$tmp/elsewhere" && "$weft" run "$wasm/stdio.wasm" big </dev/null >"$tmp/big.wasm" \
        2>"$tmp/big.wasm.err")
    local wrc=$?
    check_stderr_clean "$tmp/big.wasm.err"
    "$native/stdio" big </dev/null >"$tmp/big.native" 2>"$tmp/big.native.err"
    local nrc=$?
    for who in native wasm; do
        local rc=$nrc
        [ $who = wasm ] && rc=$wrc
        {
            echo "size $(stat -c %s "$tmp/big.$who"), sha256 $(sha256sum <"$tmp/big.$who" | cut -d' ' -f1)"
            cat "$tmp/big.$who.err"
            echo "[exit $rc]"
        } >"$tmp/out/big.$who"
        same "stdio_big ($who)" "$expected/stdio_big.expected" "$tmp/out/big.$who"
    done

    # on a terminal (script(1) gives the program a pty): isatty and the fdstat file type
    local q
    for who in native wasm; do
        if [ $who = wasm ]; then
            q=$(printf '%q run %q tty' "$weft" "$wasm/stdio.wasm")
        else
            q=$(printf '%q tty' "$native/stdio")
        fi
        (cd "$tmp/elsewhere" && script -qec "$q" /dev/null </dev/null >"$tmp/tty.raw")
        local rc=$?
        tr -d '\r' <"$tmp/tty.raw" >"$tmp/out/tty.$who"
        echo "[exit $rc]" >>"$tmp/out/tty.$who"
        same "stdio_pty ($who)" "$expected/stdio_pty.expected" "$tmp/out/tty.$who"
    done
}

case_args_env() {
    local long
    long=$(head -c 100000 /dev/zero | tr '\0' a)
    local args=('' 'two words' 'héllo wörld ✓' $'tab\there' $'new\nline' $'\xff\xfe' '--'
                '--env' 'X=1' '"quoted"' "$long")
    NATIVE_ENV=(A=1 EQ=a=b EMPTY= 'SPACE=with space')
    pair args_env args --env A=1 --env EQ=a=b --env EMPTY= --env 'SPACE=with space' \
        -- "${args[@]}"
    NATIVE_ENV=()
    # shellcheck disable=SC2046
    pair args_env args_many -- $(seq 1 1000)

    # deny by default: a variable of weft's own environment is invisible unless granted
    export WEFT_WASI_HOST_VAR=visible
    {
        echo "-- no grant"
        weft_run "$tmp/g1" "$wasm/args_env.wasm" --getenv WEFT_WASI_HOST_VAR PATH HOME
        cat "$tmp/g1.out"
        echo "-- --inherit-env"
        weft_run "$tmp/g2" --inherit-env "$wasm/args_env.wasm" --getenv WEFT_WASI_HOST_VAR
        cat "$tmp/g2.out"
        echo "-- --inherit-env, then --env replacing it"
        weft_run "$tmp/g3" --inherit-env --env WEFT_WASI_HOST_VAR=override "$wasm/args_env.wasm" \
            --getenv WEFT_WASI_HOST_VAR
        cat "$tmp/g3.out"
        echo "-- --env NAME (the host's value of that one variable)"
        weft_run "$tmp/g4" --env WEFT_WASI_HOST_VAR "$wasm/args_env.wasm" \
            --getenv WEFT_WASI_HOST_VAR PATH
        cat "$tmp/g4.out"
    } >"$tmp/out/env_grants"
    unset WEFT_WASI_HOST_VAR
    same "env grants (weft)" "$expected/env_grants.expected" "$tmp/out/env_grants"
    # with --inherit-env the guest sees PATH exactly as the host has it, like a native program
    weft_run "$tmp/g5" --inherit-env "$wasm/args_env.wasm" --getenv PATH
    { "$native/args_env" --getenv PATH; echo "[exit $?]"; } >"$tmp/g5.want"
    same "inherited PATH (weft)" "$tmp/g5.want" "$tmp/g5.out"
}

case_clocks() {
    pair clocks clocks -- "$(date +%s)"
}

case_poll() {
    pair poll poll_sleep -- sleep
    INPUT_CMD="printf 'abc'"
    pair poll poll_ready -- ready
    INPUT_CMD="sleep 2; echo late"
    pair poll poll_wait -- wait
    INPUT_CMD=""
}

case_exit() {
    local mode who
    : >"$tmp/out/exit.native"
    : >"$tmp/out/exit.wasm"
    for mode in exit0 exit3 exit255 return7 nested atexit flush _exit abort; do
        for who in native wasm; do
            echo "--- $mode" >>"$tmp/out/exit.$who"
            if [ $who = wasm ]; then
                weft_run "$tmp/e" "$wasm/exitcode.wasm" -- "$mode"
            else
                native_run "$tmp/e" "$tmp/elsewhere" "$native/exitcode" "$mode"
            fi
            cat "$tmp/e.out" >>"$tmp/out/exit.$who"
        done
    done
    same "exit codes (native)" "$expected/exit.expected" "$tmp/out/exit.native"
    same "exit codes (weft)" "$expected/exit.expected" "$tmp/out/exit.wasm"

    # wasm only: a status above 255, and traps (abort is one too: natively SIGABRT's 134)
    : >"$tmp/out/exit_wasm"
    for mode in exit300 abort trap div0 oob; do
        echo "--- $mode" >>"$tmp/out/exit_wasm"
        weft_run "$tmp/e" "$wasm/exitcode.wasm" -- "$mode"
        cat "$tmp/e.out" >>"$tmp/out/exit_wasm"
        [ -s "$tmp/e.err" ] && trap_summary "$tmp/e.err" >>"$tmp/out/exit_wasm"
    done
    same "exit codes and traps, wasm only (weft)" "$expected/exit_wasm.expected" \
        "$tmp/out/exit_wasm"
}

case_socket() {
    local who port
    for who in native wasm; do
        local ok=0
        # a port found free may be taken by someone else before weft binds it: try a few
        for _ in 1 2 3; do
            port=$("$native/tcp_helper" freeport) || break
            if [ $who = wasm ]; then
                (cd "$tmp/elsewhere" && "$weft" run --tcplisten "127.0.0.1:$port" \
                    "$wasm/socket.wasm" </dev/null >"$tmp/sock.$who.out" 2>"$tmp/sock.$who.err"
                 echo "[exit $?]" >>"$tmp/sock.$who.out") &
            else
                (cd "$tmp/elsewhere" && "$native/tcp_helper" listen "$port" "$native/socket" \
                    </dev/null >"$tmp/sock.$who.out" 2>"$tmp/sock.$who.err"
                 echo "[exit $?]" >>"$tmp/sock.$who.out") &
            fi
            local pid=$!
            background+=("$pid")
            "$native/tcp_helper" client "$port" "hello weft" 60 >"$tmp/sock.$who.reply" \
                2>"$tmp/sock.$who.client"
            local crc=$?
            wait "$pid"
            if [ $crc -eq 0 ]; then
                ok=1
                break
            fi
        done
        [ $ok = 1 ] || fail "socket ($who): the client could not talk to the guest"
        check_stderr_clean "$tmp/sock.$who.err"
        {
            cat "$tmp/sock.$who.out"
            echo "--- the client received"
            cat "$tmp/sock.$who.reply"
        } >"$tmp/out/socket.$who"
        same "socket ($who)" "$expected/socket.expected" "$tmp/out/socket.$who"
    done
}

# The world an escaping guest would reach: the jail (its preopen) with links planted in it, and
# beside the jail a sentinel file and a directory, both holding the secret.
make_world() {
    local w=$1
    mkdir -p "$w/jail/sub" "$w/outside"
    echo "TOP-SECRET-7d1f" >"$w/outside.txt"
    echo "TOP-SECRET-7d1f" >"$w/outside/secret.txt"
    echo "inside" >"$w/jail/inside.txt"
    ln -s ../outside "$w/jail/link_out"
    ln -s "$w/outside.txt" "$w/jail/link_abs"
    ln -s "$w/outside" "$w/jail/link_abs_dir"
    ln -s ../.. "$w/jail/sub/link_up"
    ln -s link_out/secret.txt "$w/jail/link_chain"
    # old times, so that any change to them shows
    touch -h -d '2001-02-03 04:05:06' "$w/outside.txt" "$w/outside/secret.txt" "$w/outside" "$w"
}

case_escape() {
    local guest
    for guest in . /data; do
        local w=$tmp/world${guest//\//_}
        make_world "$w"
        snapshot "$w" jail >"$tmp/before"
        weft_run "$tmp/out/escape" --dir "$w/jail::$guest" "$wasm/escape.wasm" -- "$guest" \
            "$w/outside.txt"
        same "escape attempts, preopen as \"$guest\" (weft)" "$expected/escape.expected" \
            "$tmp/out/escape.out"
        snapshot "$w" jail >"$tmp/after"
        checks=$((checks + 1))
        if diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then
            pass "nothing outside the preopen changed (\"$guest\")"
        else
            fail "the host outside the preopen changed (\"$guest\"):"
            cat "$tmp/diff"
        fi
        if [ "$guest" = . ]; then
            echo "   errnos seen:"
            sed 's/^/   /' "$tmp/out/escape.err"
        fi
    done
}

case_readonly() {
    local ro=$tmp/ro
    # make_ro: a fresh read-only tree with old times, and its snapshot
    make_ro() {
        rm -rf "$ro"
        mkdir -p "$ro/sub" "$ro/empty"
        echo "read me" >"$ro/file.txt"
        echo "a" >"$ro/sub/a.txt"
        ln -s file.txt "$ro/sym"
        touch -h -d '2001-02-03 04:05:06' "$ro/file.txt" "$ro/sub/a.txt" "$ro/sym" "$ro/sub" \
            "$ro/empty" "$ro"
        snapshot "$ro" >"$tmp/before"
    }
    unchanged() {
        snapshot "$ro" >"$tmp/after"
        checks=$((checks + 1))
        if diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then
            pass "the read-only directory is unchanged ($1)"
        else
            fail "the read-only directory changed ($1):"
            cat "$tmp/diff"
        fi
    }
    make_ro
    solo readonly readonly --dir-ro "$ro::."
    unchanged "all the ways in"

    # weft started with a standard descriptor closed: the preopen may get that host fd number,
    # and the guest's fd 0, 1 or 2 must still not become a way into the directory
    local ro_wasm=$wasm/readonly.wasm
    make_ro
    (cd "$tmp/elsewhere" && "$weft" run --dir-ro "$ro::." "$ro_wasm" stdio 0<&- \
        >"$tmp/out/ro0.out" 2>"$tmp/out/ro0.err")
    echo "[exit $?]" >>"$tmp/out/ro0.out"
    same "stdio fds with stdin closed (weft)" "$expected/readonly_stdio.expected" "$tmp/out/ro0.out"
    unchanged "stdin closed"
    make_ro
    (cd "$tmp/elsewhere" && "$weft" run --dir-ro "$ro::." "$ro_wasm" stdio </dev/null \
        >"$tmp/out/ro2.out" 2>&-)
    echo "[exit $?]" >>"$tmp/out/ro2.out"
    same "stdio fds with stderr closed (weft)" "$expected/readonly_stdio.expected" "$tmp/out/ro2.out"
    unchanged "stderr closed"
    make_ro
    (cd "$tmp/elsewhere" && "$weft" run --dir-ro "$ro::." "$ro_wasm" stdio </dev/null >&- \
        2>"$tmp/out/ro1.err")
    local rc=$?
    checks=$((checks + 1))
    if [ $rc -eq 0 ]; then
        pass "stdio fds with stdout closed: exit 0"
    else
        fail "stdio fds with stdout closed: exit $rc"
        cat "$tmp/out/ro1.err"
    fi
    unchanged "stdout closed"
}

case_race() {
    local w=$tmp/world
    mkdir -p "$w/jail/d" "$w/outside"
    echo "TOP-SECRET-7d1f" >"$w/outside/file"
    echo "inside" >"$w/jail/d/file"
    echo "inside" >"$w/jail/f"
    ln -s ../outside "$w/jail/s"
    ln -s ../outside/file "$w/jail/fl"
    touch -h -d '2001-02-03 04:05:06' "$w/outside/file" "$w/outside" "$w"
    snapshot "$w" jail >"$tmp/before"
    (cd "$w/jail" && exec "$native/swapper" d s "$tmp/stop1" 300 >"$tmp/swaps1") &
    background+=($!)
    (cd "$w/jail" && exec "$native/swapper" f fl "$tmp/stop2" 300 >"$tmp/swaps2") &
    background+=($!)
    local waited=0
    while [ ! -e "$tmp/stop1.ready" ] || [ ! -e "$tmp/stop2.ready" ]; do
        sleep 0.01
        waited=$((waited + 1))
        [ $waited -lt 3000 ] || break
    done
    solo race race --dir "$w/jail::." -- 20000
    touch "$tmp/stop1" "$tmp/stop2"
    wait "${background[@]}"
    background=()
    sed 's/^/   /' "$tmp/out/race.err"
    local s1 s2
    s1=$(cat "$tmp/swaps1") s2=$(cat "$tmp/swaps2")
    checks=$((checks + 1))
    if [ "${s1:-0}" -gt 100 ] && [ "${s2:-0}" -gt 100 ]; then
        pass "the swappers ran ($s1 and $s2 exchanges)"
    else
        fail "the swappers did not run (${s1:-?} and ${s2:-?} exchanges): the race did not happen"
    fi
    snapshot "$w" jail >"$tmp/after"
    checks=$((checks + 1))
    if diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then
        pass "nothing outside the preopen changed"
    else
        fail "the host outside the preopen changed:"
        cat "$tmp/diff"
    fi
}

case_pack() {
    local wdir=$tmp/pw ndir=$tmp/pn
    mkdir -p "$wdir" "$ndir"
    local log_w=$tmp/out/pack.wasm log_n=$tmp/out/pack.native
    : >"$log_w"
    : >"$log_n"
    # packw/packn ARGS...: one run each way, stdout and status appended to the logs
    packw() {
        weft_run "$tmp/p" --dir "$wdir::." "$wasm/pack.wasm" -- "$@"
        cat "$tmp/p.out" >>"$log_w"
        cat "$tmp/p.err" >>"$log_w"
    }
    packn() {
        native_run "$tmp/p" "$ndir" "$native/pack" "$@"
        cat "$tmp/p.out" >>"$log_n"
        cat "$tmp/p.err" >>"$log_n"
    }
    local inputs=(text:1048576 binary:1048576 mixed:1048576 zeros:300000 text:0 binary:1
                  text:5000)
    local spec kind size name
    for spec in "${inputs[@]}"; do
        kind=${spec%%:*} size=${spec#*:} name=$kind$size
        packw gen "$kind" "$size" "$name"
        packn gen "$kind" "$size" "$name"
        cmp -s "$wdir/$name" "$ndir/$name" || fail "pack gen $name: wasm and native inputs differ"
        packw c "$name" "$name.pk"
        packn c "$name" "$name.pk"
        checks=$((checks + 1))
        if cmp "$wdir/$name.pk" "$ndir/$name.pk"; then
            pass "pack $name: compressed output identical to native"
        else
            fail "pack $name: compressed output differs from native"
        fi
        # each side decompresses the other's output
        cp "$ndir/$name.pk" "$wdir/$name.npk"
        cp "$wdir/$name.pk" "$ndir/$name.wpk"
        packw d "$name.npk" "$name.out"
        packn d "$name.wpk" "$name.out"
        checks=$((checks + 1))
        if cmp "$wdir/$name" "$wdir/$name.out" && cmp "$ndir/$name" "$ndir/$name.out"; then
            pass "pack $name: round trip"
        else
            fail "pack $name: decompressed data differs from the original"
        fi
    done
    # real files (sizes vary from build to build, so only the round trip is checked)
    cp "$wasm/pack.wasm" "$wdir/real1"
    cp "$native/pack" "$wdir/real2"
    for name in real1 real2; do
        weft_run "$tmp/r" --dir "$wdir::." "$wasm/pack.wasm" -- c "$name" "$name.pk"
        cp "$wdir/$name" "$ndir/$name"
        (cd "$ndir" && "$native/pack" c "$name" "$name.pk" >/dev/null)
        weft_run "$tmp/r" --dir "$wdir::." "$wasm/pack.wasm" -- d "$name.pk" "$name.out"
        checks=$((checks + 1))
        if cmp "$wdir/$name.pk" "$ndir/$name.pk" && cmp "$wdir/$name" "$wdir/$name.out"; then
            pass "pack $name: same as native, round trip"
        else
            fail "pack $name: differs from native or does not round-trip"
        fi
    done
    # damaged input is refused, never decoded into garbage
    for dir in "$wdir" "$ndir"; do
        head -c 100000 "$dir/text1048576.pk" >"$dir/truncated.pk"
        cp "$dir/text1048576.pk" "$dir/flipped.pk"
        printf '\x55' | dd of="$dir/flipped.pk" bs=1 seek=50000 conv=notrunc status=none
        printf 'NOPE0000000000000000' >"$dir/magic.pk"
    done
    for name in truncated flipped magic; do
        packw d "$name.pk" "$name.out"
        packn d "$name.pk" "$name.out"
    done
    same "pack (native)" "$expected/pack.expected" "$log_n"
    same "pack (weft)" "$expected/pack.expected" "$log_w"
}

case_limits() {
    local log=$tmp/out/limits
    : >"$log"
    # limit LABEL MAX_SECONDS [WEFT-OPTIONS...] -- ARGS...: one run of limits.wasm, logged with
    # its exit status, stdout, the trap line, and whether it ended within MAX_SECONDS.
    limit() {
        local label=$1 max=$2
        shift 2
        local opts=()
        while [ "$1" != "--" ]; do
            opts+=("$1")
            shift
        done
        shift
        local t0 t1
        t0=$(date +%s%N)
        weft_run "$tmp/l" "${opts[@]}" "$wasm/limits.wasm" -- "$@"
        t1=$(date +%s%N)
        {
            echo "--- $label"
            cat "$tmp/l.out"
            grep -q '^weft: trap' "$tmp/l.err" && trap_summary "$tmp/l.err"
            if [ $(((t1 - t0) / 1000000)) -le $((max * 1000)) ]; then
                echo "ended within $max s"
            else
                echo "took $(((t1 - t0) / 1000000)) ms, more than $max s"
            fi
        } >>"$log"
    }
    limit "timeout 500ms stops a loop" 10 --timeout 500ms -- spin
    limit "timeout 300 (ms) stops a 30 s sleep in the host" 10 --timeout 300 -- sleep
    # a guest blocked in the host (a read on a pipe that stays open and empty, an accept with
    # nobody connecting) is stopped too
    mkfifo "$tmp/fifo"
    sleep 60 >"$tmp/fifo" &
    background+=($!)
    INPUT_FILE=$tmp/fifo
    limit "timeout 300 (ms) stops a read blocked on an empty pipe" 10 --timeout 300 -- read
    INPUT_FILE=/dev/null
    kill "${background[@]}" 2>/dev/null
    background=()
    limit "timeout 1s, program ends first" 30 --timeout 1s -- quick
    limit "timeout 1m, program ends first" 30 --timeout 1m -- quick
    limit "fuel runs out in a loop" 60 --fuel 1000000 -- spin
    limit "fuel enough" 30 --fuel 100000000 -- quick
    limit "call depth 1000, 100000 nested calls" 60 --max-call-depth 1000 -- recurse 100000
    limit "call depth 1000, 500 nested calls" 30 --max-call-depth 1000 -- recurse 500
    limit "default call depth, 5000 nested calls" 30 -- recurse 5000
    limit "max-memory 4M, 16 MiB of malloc" 30 --max-memory 4M -- alloc 16
    limit "no memory limit, 16 MiB of malloc" 30 -- alloc 16
    limit "max-memory 4M, memory.grow 100 pages" 30 --max-memory 4M -- grow 100
    limit "no memory limit, memory.grow 100 pages" 30 -- grow 100
    same "limits (weft)" "$expected/limits.expected" "$log"
}

case_cli() {
    local log=$tmp/out/cli
    : >"$log"
    # cli LABEL ARGS...: weft run ARGS, logged with stdout and status; stderr is only shown
    cli() {
        local label=$1
        shift
        weft_run "$tmp/c" "$@"
        {
            echo "--- $label"
            cat "$tmp/c.out"
        } >>"$log"
    }
    local args_wasm=$wasm/args_env.wasm
    cli "options after FILE, up to the first argument" "$args_wasm" --env A=1 x --env B=2
    cli "options before FILE; -- ends them" --env A=1 "$args_wasm" -- --env B=2
    cli "-- right after FILE" "$args_wasm" -- --dir /
    cli "no arguments" "$args_wasm"
    (cd "$build" && "$weft" run wasm/args_env.wasm --argv0 >"$tmp/c.out" 2>&1)
    { echo "--- argv[0] is FILE as given"; cat "$tmp/c.out"; } >>"$log"

    # the descriptor table: a listening socket is fd 3, preopens follow in order
    mkdir -p "$tmp/a" "$tmp/b"
    echo "in a" >"$tmp/a/x"
    echo "in b" >"$tmp/b/y"
    local port
    port=$("$native/tcp_helper" freeport)
    cli "fd table: --dir /a, --dir-ro /b, then the socket" --tcplisten "127.0.0.1:$port" \
        --dir "$tmp/a::/a" --dir-ro "$tmp/b::/b" "$wasm/preopens.wasm" \
        r:/a/x r:/b/y w:/a/new w:/b/new r:/c/none
    cli "--dir HOST alone: the guest sees the host path" --dir "$tmp/a" "$wasm/preopens.wasm" \
        "r:$tmp/a/x"
    cli "two preopens: rename and link across them" --dir "$tmp/a::/a" --dir "$tmp/b::/b" \
        "$wasm/preopens.wasm" w:/a/m1 m:/a/m1:/b/m2 r:/b/m2 l:/b/m2:/a/m3 r:/a/m3 m:/b/m2:/b/m4 \
        r:/b/m4 r:/a/m1
    sed -i "s|$tmp|TMP|g" "$log"
    [ -f "$tmp/b/new" ] && fail "a file was created in the --dir-ro directory"

    # usage errors are 2, load and link errors 1; neither is a trap
    status() {
        local label=$1 want=$2
        shift 2
        (cd "$tmp/elsewhere" && "$weft" "$@" </dev/null >"$tmp/s.out" 2>"$tmp/s.err")
        local rc=$?
        check_stderr_clean "$tmp/s.err"
        {
            echo "--- $label"
            if [ "$want" = "1or2" ] && { [ $rc -eq 1 ] || [ $rc -eq 2 ]; }; then
                echo "refused (1 or 2)"
            else
                echo "[exit $rc]"
            fi
            [ -s "$tmp/s.err" ] && echo "with a message on stderr"
        } >>"$log"
    }
    printf 'not wasm at all' >"$tmp/garbage.wasm"
    # a module importing env.nope: () -> ()
    printf '\0asm\1\0\0\0\1\4\1\x60\0\0\2\x0c\1\3env\4nope\0\0' >"$tmp/import.wasm"
    status "unknown option" 2 run --bogus "$args_wasm"
    status "no module" 2 run
    status "missing module file" 1 run "$tmp/missing.wasm"
    status "not a module" 1 run "$tmp/garbage.wasm"
    status "unresolved import" 1 run "$tmp/import.wasm"
    status "--dir of a missing directory" 1or2 run --dir "$tmp/none" "$args_wasm"
    status "--max-memory with a bad size" 2 run --max-memory lots "$args_wasm"
    status "--timeout with a bad duration" 2 run --timeout soon "$args_wasm"
    status "--tcplisten with a bad address" 1or2 run --tcplisten nonsense "$args_wasm"
    status "--env without a value given at the end" 2 run "$args_wasm" --env

    "$weft" run --help >"$tmp/help" 2>&1
    local rc=$?
    {
        echo "--- help"
        echo "[exit $rc]"
        for opt in --dir --dir-ro --env --inherit-env --tcplisten --fuel --timeout \
            --max-memory --max-call-depth; do
            grep -qE -- "$opt( |=|\$)" "$tmp/help" && echo "mentions $opt"
        done
    } >>"$log"
    same "cli (weft)" "$expected/cli.expected" "$log"
}

# ---------------------------------------------------------------------------------------------

if ! declare -F "case_$area" >/dev/null; then
    echo "run_case.sh: unknown area $area" >&2
    exit 2
fi
[ -x "$weft" ] || { echo "run_case.sh: $weft is not executable" >&2; exit 2; }
[ -d "$wasm" ] || { echo "run_case.sh: no guests in $wasm (build first)" >&2; exit 2; }
"case_$area"
echo "$area: $checks checks, $failures failures"
[ $failures -eq 0 ]
