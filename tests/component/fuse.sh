#!/usr/bin/env bash
# fuse.sh WEFT: calls from one component to another through weft's fused path (cinst.c call_fused:
# abi_copy_params / abi_copy_results copy each value straight from the caller's memory into the
# callee's). Builds, with `weft bindgen c`, clang and jco, the components of fuse/:
#  - callee (callee.c): exports test:fuse/echo (every value type and shape) and test:fuse/gated
#    (40 flags, several named results: jco refuses to write those, so the components are built
#    with placeholders of the same core signatures and fuse/patch.mjs writes the real types back),
#    and test:fuse/raw by hand, which keeps the core values it receives;
#  - caller (caller.c): imports those and exports front and front-gated, the same functions
#    forwarded to the imports, and probe, raw calls of the imports: non-canonical values the callee
#    must receive normalised, and hostile ones that must trap;
#  - hcaller (hcaller.c): imports the hostile component of cbin/hostile and forwards to it.
# Then checks: a table of calls made both on the callee alone (the host's lift and lower) and on
# the caller linked to the callee (`weft invoke caller.wasm --link callee.wasm`), each answer equal
# to the exact WAVE text expected; the probes' answers; every hostile call exiting 134 with a trap
# naming the callee's function ("passing arguments to F" / "returning results of F"); and, through
# jco's runtime (fuse/calls.mjs: the same components transpiled, the caller's imports mapped to
# the callee), the table's calls of the types jco supports, whose answers must be weft's.
# Without jco or node nothing can be built: exits 77 (a skip, for CTest). Prints each failure and
# "component_fused: N passed, M failed"; exits 1 on any failure.
set -u
weft=${1:?usage: fuse.sh WEFT}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fuse=$here/fuse
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
eq() {
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1"
        echo "  want: $(printf %q "$3")"
        echo "  got:  $(printf %q "$2")"
    fi
}
finish() {
    echo "component_fused: $pass passed, $fail failed"
    [ "$fail" -eq 0 ] || exit 1
    exit "${1:-0}"
}

jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco || true)
if [ -z "$jco" ] || ! command -v node > /dev/null; then
    echo "SKIPPED: no jco or node to build the components (scripts/install-deps.sh installs jco into .tools/jco)"
    exit 77
fi

# ---- build ---------------------------------------------------------------------------------------
die() {
    echo "FAIL: $1:"
    cat "$tmp/log"
    fail=$((fail + 1))
    finish
}
# WIT for jco: fuse.wit with placeholders for gated's types and only world $1 (jco 1.10.2 ignores
# -n when a package has several worlds)
jco_wit() {
    mkdir -p "$tmp/wit-$1"
    { sed -e 's/flags big {[^}]*}/record big { zzw0: u32, zzw1: u32 }/' \
        -e 's/-> (q: u32, r: u32);/-> tuple<u32, u32>;/' \
        -e 's/-> (first: string, last: string);/-> tuple<string, string>;/' \
        -e '/^world /d' "$fuse/fuse.wit"
      grep "^world $1 " "$fuse/fuse.wit"; } > "$tmp/wit-$1/fuse.wit"
}
# component NAME WIT-DIR WORLD: $tmp/NAME.core.wasm embedded and wrapped into $tmp/NAME.wasm
component() {
    "$jco" embed --wit "$2" -n "$3" "$tmp/$1.core.wasm" -o "$tmp/$1.embed.wasm" > "$tmp/log" 2>&1 &&
        "$jco" new "$tmp/$1.embed.wasm" -o "$tmp/$1.wasm" >> "$tmp/log" 2>&1 || die "jco: component $1"
}
cflags=(--target=wasm32 -nostdlib -mbulk-memory -Wl,--no-entry -O2 -Wall -Wextra -Werror)
mkdir -p "$tmp/hwit/deps/hostile"
cp "$fuse/hcaller.wit" "$tmp/hwit/"
cp "$here/cbin/hostile/wit/hostile.wit" "$tmp/hwit/deps/hostile/"
for w in callee caller hcaller; do
    wit=$fuse/fuse.wit
    [ "$w" == hcaller ] && wit=$tmp/hwit
    "$weft" bindgen c --wit "$wit" --world "$w" --out "$tmp/gen" > "$tmp/log" 2>&1 || die "weft bindgen c --world $w"
    def=$(echo "$w" | tr a-z A-Z)_NO_LIBC
    clang "${cflags[@]}" -D"$def" -I"$tmp/gen" -o "$tmp/$w.core.wasm" "$fuse/$w.c" "$tmp/gen/$w.c" \
        > "$tmp/log" 2>&1 || die "clang $w.c"
done
clang "${cflags[@]}" -o "$tmp/hostile.core.wasm" "$here/cbin/hostile/core.c" > "$tmp/log" 2>&1 || die "clang hostile"
component hostile "$here/cbin/hostile/wit" hostile
component hcaller "$tmp/hwit" hcaller
# callee-jco.wasm, caller-jco.wasm: with the placeholders (for jco's runtime); callee.wasm,
# caller.wasm: patched (for weft)
for c in callee caller; do
    jco_wit "$c-all"
    cp "$tmp/$c.core.wasm" "$tmp/$c-jco.core.wasm"
    component "$c-jco" "$tmp/wit-$c-all" "$c-all"
    node "$fuse/patch.mjs" "$tmp/$c-jco.wasm" "$tmp/$c.wasm" > "$tmp/log" 2>&1 || die "patch.mjs $c"
done
echo "component_fused: built callee, caller, hcaller and hostile ($("$jco" --version 2>/dev/null))"

# ---- the table: the callee alone (host path) and through the caller (fused path) -----------------
# invoke FILE CALL [--link FILE]: the answer, or the exit status and the message
invoke() {
    local wasm=$1 call=$2
    shift 2
    "$weft" invoke "$wasm" "$@" "$call" 2> "$tmp/err" || echo "exit $?: $(head -1 "$tmp/err")"
}
f64min="0.$(printf '0%.0s' {1..323})5"
f64max="-17976931348623157$(printf '0%.0s' {1..292})"
f32min="0.$(printf '0%.0s' {1..44})1"
bytes1k=$(for i in {0..1023}; do printf '%d, ' $((i % 256)); done)
bytes1k="[${bytes1k%, }]"
long=$(printf 'héllo wörld %.0s' {1..300})
items='[{name: "pen", qty: 3, note: some("blue"), tags: ["a", "ü"]}, {name: "", qty: 4294967295, tags: []}]'
# fuse/calls.mjs makes the calls marked j with jco's runtime, in this order: keep them in step
calls=(
    j 'echo-bool(true)'                                  'true'
    j 'echo-bool(false)'                                 'false'
    j 'echo-u8(0)'                                       '0'
    j 'echo-u8(255)'                                     '255'
    j 'echo-s8(-128)'                                    '-128'
    j 'echo-s8(127)'                                     '127'
    j 'echo-u16(65535)'                                  '65535'
    j 'echo-s16(-32768)'                                 '-32768'
    . 'echo-s16(32767)'                                  '32767'
    j 'echo-u32(4294967295)'                             '4294967295'
    j 'echo-s32(-2147483648)'                            '-2147483648'
    . 'echo-s32(2147483647)'                             '2147483647'
    j 'echo-u64(18446744073709551615)'                   '18446744073709551615'
    j 'echo-s64(-9223372036854775808)'                   '-9223372036854775808'
    . 'echo-s64(9223372036854775807)'                    '9223372036854775807'
    j 'echo-f32(nan)'                                    'nan'
    j 'echo-f32(-0.0)'                                   '-0'
    j 'echo-f32(inf)'                                    'inf'
    . 'echo-f32(-inf)'                                   '-inf'
    . 'echo-f32(3.4028235e38)'                           '340282350000000000000000000000000000000'
    . 'echo-f32(1.4e-45)'                                "$f32min"
    j 'echo-f32(-0.25)'                                  '-0.25'
    j 'echo-f64(nan)'                                    'nan'
    j 'echo-f64(-0.0)'                                   '-0'
    j 'echo-f64(-inf)'                                   '-inf'
    j 'echo-f64(5e-324)'                                 "$f64min"
    j 'echo-f64(-1.7976931348623157e308)'                "$f64max"
    j "echo-char('a')"                                   "'a'"
    j "echo-char('😀')"                                  "'😀'"
    . "echo-char('\u{10ffff}')"                          $'\'\U10ffff\''
    . "echo-char('\u{0}')"                               "'\u{0}'"
    j 'weigh(255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615, -9223372036854775808)'
                                                         '8590000112'
    j 'weigh(1, 2, 3, 4, 5, 6, 7, 8)'                    '204'
    j 'bump(255, 127, 65535, 32767, 4294967295, 2147483647, 18446744073709551615, 9223372036854775807)'
                                                         '(0, -128, 0, -32768, 0, -2147483648, 0, -9223372036854775808)'
    j 'bump(0, -1, 1, -1, 1, -1, 1, -1)'                 '(1, 0, 2, 0, 2, 0, 2, 0)'
    j 'floats(nan, -0.0)'                                '(nan, -0)'
    j 'floats(-inf, 5e-324)'                             "(-inf, $f64min)"
    j 'floats(1.5, -2.25)'                               '(1.5, -2.25)'
    j 'fsum(1.5, 2.25)'                                  '3.75'
    j 'fsum(inf, -inf)'                                  'nan'
    j 'echo-string("")'                                  '""'
    j 'echo-string("héllo, 世界 🎉")'                     '"héllo, 世界 🎉"'
    j 'echo-string("tab\tquote\"back\\")'                '"tab\tquote\"back\\"'
    . 'echo-string("nul\u{0}x")'                         '"nul\u{0}x"'
    . "echo-string(\"$long\")"                           "\"$long\""
    j 'measure("")'                                      '0'
    j 'measure("héllo 🎉")'                               '47244640263'
    j 'upper("abc é xyz")'                               '"ABC é XYZ"'
    j 'echo-bytes([])'                                   '[]'
    j 'echo-bytes([0, 1, 255])'                          '[0, 1, 255]'
    . "echo-bytes($bytes1k)"                             "$bytes1k"
    j 'sum-bytes([255, 255, 1])'                         '511'
    j 'sum-bytes([])'                                    '0'
    j 'reverse-u32([1, 4294967295, 0])'                  '[0, 4294967295, 1]'
    j 'reverse-u32([])'                                  '[]'
    j 'dot([(65535, 65535), (2, 3)])'                    '4294836231'
    j 'dot([])'                                          '0'
    j 'echo-points([{x: -32768, y: 255, on: true}, {x: 1, y: 0, on: false}])'
                                                         '[{x: -32768, y: 255, on: true}, {x: 1, y: 0, on: false}]'
    j "echo-items($items)"                               "$items"
    j "describe($items)"                                 '"pen*3(blue)[a,ü]; *4294967295[]."'
    j 'describe([])'                                     '"."'
    j 'make-item("ink", 2147483648)'                     '{name: "ink", qty: 0, note: some("ink!"), tags: ["made", "ink"]}'
    j 'make-item("", 21)'                                '{name: "", qty: 42, note: some("!"), tags: ["made", ""]}'
    j 'nested([["a", "b"], [], ["c"]])'                  '[["c"], [], ["b", "a"]]'
    j 'nested([])'                                       '[]'
    j "swap((\"s\", 0, '😀'))"                           "('😀', 18446744073709551615, \"s\")"
    j 'opt-string(some("x"))'                            'some("got x")'
    j 'opt-string(some(""))'                             'some("got ")'
    j 'opt-string(none)'                                 'none'
    . 'opt-opt(none)'                                    'none'
    . 'opt-opt(some(none))'                              'some(none)'
    . 'opt-opt(some(some(255)))'                         'some(some(255))'
    . 'opt-opt(some(some(0)))'                           'some(some(0))'
    j 'parse("4294967295")'                              'ok(4294967295)'
    j 'parse("4294967296")'                              'err("not a u32: 4294967296")'
    j 'parse("")'                                        'err("not a u32: ")'
    j 'check(true)'                                      'ok'
    j 'check(false)'                                     'err'
    j 'res-echo(ok(1431655765))'                         'ok(4294967295)'
    j 'res-echo(ok(2863311531))'                         'ok(1)'
    j 'res-echo(err("no"))'                              'err("no?")'
    j 'echo-wide(i(-2147483648))'                        'i(-2147483648)'
    j 'echo-wide(l(-9223372036854775808))'               'l(-9223372036854775808)'
    j 'echo-wide(f(-0.0))'                               'f(-0)'
    j 'echo-wide(f(nan))'                                'f(nan)'
    j 'echo-wide(d(-inf))'                               'd(-inf)'
    j 'echo-wide(d(5e-324))'                             "d($f64min)"
    j 'echo-wide(s("ünï"))'                              's("ünï")'
    j 'echo-wide(s(""))'                                 's("")'
    j 'echo-wide(nothing)'                               'nothing'
    j 'wide-text(i(-7))'                                 '"i:-7"'
    j 'wide-text(l(9223372036854775807))'                '"l:9223372036854775807"'
    j 'wide-text(f(-1.5))'                               '"f:0xbfc00000"'
    j 'wide-text(f(nan))'                                '"f:0x7fc00000"'
    j 'wide-text(d(-0.0))'                               '"d:0x8000000000000000"'
    j 'wide-text(s("héllo"))'                            '"s:6:héllo"'
    j 'wide-text(nothing)'                               '"nothing"'
    j 'echo-narrow(f(1.5))'                              'f(1.5)'
    j 'echo-narrow(u(4294967295))'                       'u(4294967295)'
    j 'echo-narrow(nothing)'                             'nothing'
    j 'narrow-bits(f(-0.0))'                             '2147483648'
    j 'narrow-bits(f(nan))'                              '2143289344'
    j 'narrow-bits(u(4294967295))'                       '8589934591'
    j 'narrow-bits(nothing)'                             '8589934592'
    j 'next-color(red)'                                  'green'
    j 'next-color(blue)'                                 'red'
    j 'flip({})'                                         '{read, write, exec}'
    j 'flip({read, exec})'                               '{write}'
    j 'echo-full({f0, f15, f31})'                        '{f0, f15, f31}'
    j 'echo-full({})'                                    '{}'
    j "full-count({$(printf 'f%d, ' {0..30})f31})"       '32'
    j "many(255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615, -9223372036854775808, 1.5, -2.25, '😀', true, \"m ü\", [1, 2, 255], some(9), blue, {read, exec})"
        '"255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 -9223372036854775808 0x3fc00000 0xc002000000000000 😀 true m ü [1,2,255] 9 2 5"'
    j "many(0, 0, 0, 0, 0, 0, 0, 0, nan, -0.0, 'a', false, \"\", [], none, red, {})"
        '"0 0 0 0 0 0 0 0 0x7fc00000 0x8000000000000000 a false  [] none 0 0"'
)
# interface gated: weft only (jco refuses these types)
gated=(
    'echo-big({b0, b31, b32, b39})'                      '{b0, b31, b32, b39}'
    'echo-big({})'                                       '{}'
    "echo-big({$(printf 'b%d, ' {0..38})b39})"           "{$(printf 'b%d, ' {0..38})b39}"
    'big-count({b0, b1, b31, b32, b33, b39})'            '6'
    'divmod(17, 5)'                                      '(3, 2)'
    'divmod(7, 0)'                                       '(0, 7)'
    'divmod(4294967295, 1)'                              '(4294967295, 0)'
    'split-name("ada lovelace")'                         '("ada", "lovelace")'
    'split-name("plato")'                                '("plato", "")'
    'split-name("")'                                     '("", "")'
)
fused_j=""
for ((i = 0; i < ${#calls[@]}; i += 3)); do
    mark=${calls[i]} call=${calls[i + 1]} want=${calls[i + 2]}
    eq "host: echo#$call" "$(invoke "$tmp/callee.wasm" "test:fuse/echo#$call")" "$want"
    got=$(invoke "$tmp/caller.wasm" "test:fuse/front#$call" --link "$tmp/callee.wasm")
    eq "fused: front#$call" "$got" "$want"
    [ "$mark" == j ] && fused_j+="$got"$'\n'
done
for ((i = 0; i < ${#gated[@]}; i += 2)); do
    call=${gated[i]} want=${gated[i + 1]}
    eq "host: gated#$call" "$(invoke "$tmp/callee.wasm" "test:fuse/gated#$call")" "$want"
    eq "fused: front-gated#$call" \
        "$(invoke "$tmp/caller.wasm" "test:fuse/front-gated#$call" --link "$tmp/callee.wasm")" "$want"
done

# ---- probes: raw core values from the caller, as the callee received them (in hex) --------------
# pick: a bool of 2 is 1, u8 0x1ff is ff, s8 0x180 is -128, u16 0x1ffff is ffff, s16 0x18000 is
# -32768, NaNs canonical, flags past their labels cleared (small: 3, big: 40), a none's payload 0
odd='1 ff ffffff80 ffff ffff8000 7fc00000 7ff8000000000000 10ffff 7 ffffffff ffffffff ff'
memodd='1 ff 80 ffff 8000 7fc00000 7ff8000000000000 1f600 5 fffffffe ffffffff ff 2'
probes=(
    plan      "\"d:$odd 2\""
    walk      "\"f:$odd 1 0 0\""
    walk-some "\"f:$odd 1 1 ab\""
    mem       "\"11:$memodd 1 99 123456789abcdef fedcba9876543210 0\""
    mem-none  "\"11:$memodd 0 123456789abcdef fedcba9876543210 0\""
    ret       '"1 ff ffffff80 ffff ffff8000 7fc00000 7ff8000000000000 10ffff 7 2 1"'
    ret-mem   '"1 ff 80 ffff 8000 7fc00000 7ff8000000000000 1f600 7 ffffffff ff 2 1 ab"'
    ret-mem-none '"1 ff 80 ffff 8000 7fc00000 7ff8000000000000 1f600 7 ffffffff ff 2 0"'
    wide-high '"s:2:ok i:5 f:0x3fc00000 f:0x7fc00000 nothing"'
    narrow    '"7fc00000 1fffffffe 200000000"'
    points    '"2 0 80 ff 1 ff 7f 0 1"'
)
for ((i = 0; i < ${#probes[@]}; i += 2)); do
    eq "probe ${probes[i]}" "$(invoke "$tmp/caller.wasm" "probe(\"${probes[i]}\")" --link "$tmp/callee.wasm")" \
        "${probes[i + 1]}"
done

# ---- hostile calls: exit 134, a trap naming the callee's function ---------------------------------
# trap WHAT MESSAGE-START FILE CALL ARGS...: the first line of the message starts with MESSAGE-START
trap_is() {
    local what=$1 msg=$2 wasm=$3 call=$4
    shift 4
    "$weft" invoke "$wasm" "$@" "$call" > "$tmp/out" 2> "$tmp/err"
    eq "$what: exit status" "$?" 134
    local first
    first=$(head -1 "$tmp/err")
    if [[ $first == "weft: trap: $msg"* ]]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $what: the message"
        echo "  want: weft: trap: $msg..."
        echo "  got:  $(cat "$tmp/err")"
    fi
    if grep -q 'AddressSanitizer\|runtime error' "$tmp/err"; then
        fail=$((fail + 1))
        echo "FAIL: $what: a sanitizer report:"
        cat "$tmp/err"
    fi
}
P='passing arguments to test:fuse'
R='returning results of test:fuse'
hostile=(
    enum-plan             "$P/raw#pick: invalid discriminant 3 for color"
    char-plan             "$P/raw#pick: char 0xd800 is not a Unicode scalar value"
    char-walk             "$P/raw#pick-walk: char 0x110000 is not a Unicode scalar value"
    enum-walk             "$P/raw#pick-walk: invalid discriminant 7 for color"
    disc-walk             "$P/raw#pick-walk: invalid discriminant 2 for option<u8>"
    char-mem              "$P/raw#pick-mem: char at"
    enum-mem              "$P/raw#pick-mem: invalid discriminant 3 for color"
    disc-mem              "$P/raw#pick-mem: invalid discriminant 2 for option<u8>"
    misaligned-mem        "$P/raw#pick-mem: parameter pointer"
    oob-mem               "$P/raw#pick-mem: parameter pointer at"
    wrap-mem              "$P/raw#pick-mem: parameter pointer at 0xffffffc0"
    ret-color             "$R/raw#ret-color: invalid discriminant 3 for color"
    ret-char              "$R/raw#ret-char: char 0xd800 is not a Unicode scalar value"
    ret-check             "$R/raw#ret-check: invalid discriminant 2 for result"
    ret-mem-char          "$R/raw#ret-mem: char at"
    ret-mem-disc          "$R/raw#ret-mem: invalid discriminant 2 for option<u8>"
    ret-mem-enum          "$R/raw#ret-mem: invalid discriminant 3 for color"
    ret-mem-oob           "$R/raw#ret-mem: return pointer at"
    ret-mem-misaligned    "$R/raw#ret-mem: return pointer"
    str-oob               "$P/echo#echo-string: string at 0xfffffff0 of 100 bytes runs past the end"
    str-past-end          "$P/echo#echo-string: string at"
    str-huge              "$P/echo#echo-string: string at 0x10 of 4294967295 bytes"
    str-utf8              "$P/echo#echo-string: string at"
    str-retptr-oob        "$R/echo#echo-string: return pointer at"
    str-retptr-misaligned "$R/echo#echo-string: return pointer"
    bytes-past-end        "$P/echo#echo-bytes: list<u8> at"
    list-misaligned       "$P/echo#reverse-u32: list<u32> at"
    list-huge             "$P/echo#reverse-u32: list<u32> at 0x8 of 1073741824 elements"
    item-utf8             "$P/echo#echo-items: string at"
    item-disc             "$P/echo#echo-items: invalid discriminant 2 for option<string>"
    item-tag-oob          "$P/echo#echo-items: list<string> at"
    opt-disc              "$P/echo#opt-string: invalid discriminant 2 for option<string>"
    wide-disc             "$P/echo#echo-wide: invalid discriminant 6 for wide"
    wide-string-oob       "$P/echo#echo-wide: string at 0xfffffff0"
    wide-string-utf8      "$P/echo#echo-wide: string at"
    many-oob              "$P/echo#many: parameter pointer at"
)
for ((i = 0; i < ${#hostile[@]}; i += 2)); do
    trap_is "probe ${hostile[i]}" "${hostile[i + 1]}" "$tmp/caller.wasm" "probe(\"${hostile[i]}\")" \
        --link "$tmp/callee.wasm"
done
# the hostile component's bad results, crossing into hcaller
H='returning results of acme:hostile/evil@0.1.0#'
evil=(
    'bad-pointer()'               "${H}bad-pointer: string at 0xfffffff0 of 100 bytes runs past the end"
    'bad-utf8()'                  "${H}bad-utf8: string at"
    'bad-discriminant()'          "${H}bad-discriminant: invalid discriminant 7 for option<u32>"
    'bad-char()'                  "${H}bad-char: char 0xd800 is not a Unicode scalar value"
    'misaligned-list()'           "${H}misaligned-list: list<u32> at"
    'huge-list()'                 "${H}huge-list: list<u64> at 0x8 of 1073741824 elements"
    'bad-return-area()'           "${H}bad-return-area: result pointer at 0xfffffffc"
    'bad-realloc("thirteen byte")' 'passing arguments to acme:hostile/evil@0.1.0#bad-realloc: cabi_realloc returned 0xfffffff0'
    'unreachable(1)'              'unreachable'
)
for ((i = 0; i < ${#evil[@]}; i += 2)); do
    trap_is "hcaller ${evil[i]}" "${evil[i + 1]}" "$tmp/hcaller.wasm" "${evil[i]}" --link "$tmp/hostile.wasm"
done
eq "hcaller fine(\"abc\")" "$(invoke "$tmp/hcaller.wasm" 'fine("abc")' --link "$tmp/hostile.wasm")" '294'
eq "hcaller unreachable(12345)" "$(invoke "$tmp/hcaller.wasm" 'unreachable(12345)' --link "$tmp/hostile.wasm")" '12345'
eq "hcaller grown()" "$(invoke "$tmp/hcaller.wasm" 'grown()' --link "$tmp/hostile.wasm")" '"hi"'

# ---- linking: the caller's answers come from its own exports and need the callee ----------------
got=$("$weft" invoke "$tmp/caller.wasm" 'test:fuse/front#echo-u8(1)' 2>&1)
eq "caller without the callee: exit status" "$?" 1
[[ $got == *'import "test:fuse/echo"'*'not satisfied'* ]] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: caller without the callee, the message: $got"; }
got=$("$weft" invoke "$tmp/caller.wasm" --link "$tmp/callee.wasm" 'test:fuse/echo#echo-u8(1)' 2>&1)
eq "the caller does not export echo: exit status" "$?" 2

echo "component_fused: weft invoke: $pass passed, $fail failed"

# ---- jco's runtime: the calls marked j, the caller's imports mapped to the transpiled callee -----
"$jco" transpile "$tmp/callee-jco.wasm" -o "$tmp/js/callee" --name callee > "$tmp/log" 2>&1 ||
    die "jco transpile callee"
"$jco" transpile "$tmp/caller-jco.wasm" -o "$tmp/js/caller" --name caller \
    --map 'test:fuse/echo=../callee/callee.js#echo' --map 'test:fuse/gated=../callee/callee.js#gated' \
    --map 'test:fuse/raw=../callee/callee.js#raw' > "$tmp/log" 2>&1 || die "jco transpile caller"
echo '{"type": "module"}' > "$tmp/js/package.json"
got=$(node "$fuse/calls.mjs" "$tmp/js" 2>&1)
mapfile -t got_lines <<< "$got"
mapfile -t want_lines <<< "${fused_j%$'\n'}"
eq "jco: number of answers" "${#got_lines[@]}" "${#want_lines[@]}"
for ((i = 0; i < ${#want_lines[@]}; i++)); do
    eq "jco: answer $((i + 1))" "${got_lines[i]-}" "${want_lines[i]}"
done
finish
