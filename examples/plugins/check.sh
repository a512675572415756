#!/usr/bin/env bash
# check.sh [BUILD_DIR]: builds the example plugins (build.sh) and runs each through
# BUILD_DIR/weft call, comparing the output and exit status with what the README promises; the
# failing ones must also say why on stderr. Prints one line per case; exits 1 if any differs.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
weft=$build/weft
p=$build/examples/plugins
"$here/build.sh" "$build" > /dev/null || { echo "check: building the plugins failed" >&2; exit 1; }

failed=0
# expect STATUS STDOUT STDERR_PART -- ARGS...: runs `weft call ARGS...`.
expect() {
    local want_status=$1 want_out=$2 want_err=$3
    shift 4
    local out err status
    err=$(mktemp)
    out=$("$weft" call "$@" 2> "$err")
    status=$?
    if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ] &&
       { [ -z "$want_err" ] || grep -qF -- "$want_err" "$err"; }; then
        echo "ok    $*"
    else
        echo "FAIL  $*"
        echo "      status $status (want $want_status), stdout: $out"
        echo "      want stdout: $want_out"
        sed 's/^/      stderr: /' "$err"
        failed=1
    fi
    rm -f "$err"
}

expect 0 '{"count":3,"total":3,"vowels":"aeiouAEIOU"}' '' -- \
    "$p/count_vowels.wasm" count_vowels --input "Hello, world!"
expect 0 $'{"count":1,"total":1,"vowels":"aeiouAEIOU"}\n{"count":1,"total":2,"vowels":"aeiouAEIOU"}' \
    '2 calls' -- "$p/count_vowels.wasm" count_vowels --input "weft" --loop 2
expect 0 '{"count":5,"total":5,"vowels":"lo"}' '' -- \
    "$p/count_vowels.wasm" count_vowels --input "Hello, world!" --config vowels=lo
expect 0 '{"p_full_name":"Ada","p_born":1815,"p_tags":["math",{"x":null}],"source":"weft"}' \
    'renamed name' -- "$p/json_transform.wasm" transform --log-level debug \
    --input '{"name": "Ada", "born": 1815, "tags": ["math", {"x": null}], "secret": true}' \
    --config rename.name=full_name --config drop.secret=yes --config prefix=p_ \
    --config 'add={"source": "weft"}'
expect 1 '' 'expected a field name at byte 8' -- \
    "$p/json_transform.wasm" transform --input '{"a": 1,}'
expect 0 'tfew ,olleH' '' -- "$p/host_call.wasm" reverse --input "Hello, weft"
expect 0 '{"palindrome":true}' '' -- "$p/host_call.wasm" palindrome --input "step on no pets"
expect 134 '' 'timeout' -- "$p/timeout.wasm" spin --timeout 200ms
expect 134 '' 'timeout' -- "$p/timeout.wasm" spin_host --timeout 200ms
expect 134 '' 'fuel' -- "$p/timeout.wasm" spin --fuel 1000000
expect 134 '' 'memory limit' -- "$p/alloc_bomb.wasm" grow --max-memory 16M
expect 134 '' 'memory limit' -- "$p/alloc_bomb.wasm" blocks --max-memory 16M

[ $failed = 0 ] && echo "check: all example plugins behave as documented"
exit $failed
