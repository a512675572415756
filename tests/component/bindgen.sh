#!/usr/bin/env bash
# bindgen.sh WEFT: `weft bindgen c` end to end. Generates the bindings of world kitchen
# (bindgen/wit/kitchen.wit: every value type, in exports and in imports), builds the guest
# bindgen/guest.c, written against the generated header alone, with -Wall -Wextra -Werror for
# wasm32-wasi (wasi-libc) and for wasm32 without libc (the glue's bump allocator); then
#  - weft invoke: a table of calls of the exports of interfaces values and gated, each result
#    compared with the exact WAVE text expected, for both builds (made with -DGUEST_NO_IMPORTS:
#    weft invoke provides no imports, so the guest's forwarding exports trap and import nothing);
#  - jco (when .tools/jco and node are there): both builds embedded, wrapped and transpiled by jco,
#    and run by node (bindgen/calls.mjs) with the imports written in JavaScript: the values table
#    again, whose answers must be the same, then the calls of the exported interface host, which
#    the guest forwards to the JavaScript imports and back (values crossing both ways).
# Prints each failure; exits 1 if there was one, else 77 (a skip, for CTest) when jco or node is
# missing, else 0.
set -u
weft=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
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
wit=$here/bindgen/wit

# ---- generate and build ------------------------------------------------------------------------
if ! "$weft" bindgen c --wit "$wit" --world kitchen --out "$tmp/gen" > "$tmp/gen.log" 2>&1; then
    echo "FAIL: weft bindgen c:"
    cat "$tmp/gen.log"
    exit 1
fi
eq "bindgen names the files it wrote" "$(cat "$tmp/gen.log")" "$tmp/gen/kitchen.h"$'\n'"$tmp/gen/kitchen.c"
# the command's errors: exit status and message
err() { # err DESCRIPTION STATUS PHRASE ARGS...
    local d=$1 st=$2 phrase=$3
    shift 3
    local out
    out=$("$weft" bindgen "$@" 2>&1)
    eq "$d: exit status" "$?" "$st"
    if [[ $out == *"$phrase"* ]]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $d: message"
        echo "  wanted: $phrase"
        echo "  got: $out"
    fi
}
err "unknown world" 1 'no world "nope"' c --wit "$wit" --world nope --out "$tmp/x"
err "output under a missing directory" 1 "cannot create the directory" c --wit "$wit" --out "$tmp/no/such"
err "output is a file" 1 "not a directory" c --wit "$wit" --out "$wit/kitchen.wit"
err "no generator for the language" 2 'no generator for "rust"' rust --wit "$wit" --out "$tmp/x"
err "no --out" 2 "usage: weft bindgen" c --wit "$wit"
printf 'package a:b;\ninterface i { resource r; f: func(x: borrow<r>); }\nworld w { import i; }\n' > "$tmp/res.wit"
err "resources refused" 1 "not supported" c --wit "$tmp/res.wit" --out "$tmp/x"
nolibc=(--target=wasm32 -nostdlib -mbulk-memory -Wl,--no-entry -DKITCHEN_NO_LIBC)
wasi=(--target=wasm32-wasi -mexec-model=reactor)
build() { # build NAME CLANG-FLAGS...
    local name=$1
    shift
    if clang "$@" -O2 -Wall -Wextra -Werror -I"$tmp/gen" -o "$tmp/$name.wasm" "$here/bindgen/guest.c" \
        "$tmp/gen/kitchen.c" > "$tmp/$name.log" 2>&1; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: building $name.wasm:"
        cat "$tmp/$name.log"
    fi
}
build nolibc "${nolibc[@]}"
build wasi "${wasi[@]}"
build nolibc-noimports "${nolibc[@]}" -DGUEST_NO_IMPORTS
build wasi-noimports "${wasi[@]}" -DGUEST_NO_IMPORTS
[ "$fail" -eq 0 ] || exit 1

# ---- the exports through weft invoke -------------------------------------------------------------
team='{name: "core", members: [{name: "ada", age: 36, tags: [], score: 1.5, active: true}, {name: "bob", age: 7, email: some("b@x"), tags: ["x", "y"], score: 0.0, active: false}]}'
renamed='{name: "new", members: [{name: "ada", age: 36, tags: [], score: 1.5, active: true}, {name: "bob", age: 7, email: some("b@x"), tags: ["x", "y"], score: 0, active: false}]}'
f64max="-17976931348623157$(printf '0%.0s' {1..292})"
f64min="0.$(printf '0%.0s' {1..323})5"
# interface values: calls.mjs makes the same calls in the same order
values=(
    'echo-bool(true)'                        'true'
    'echo-bool(false)'                       'false'
    'echo-s8(-128)'                          '-128'
    'echo-s8(127)'                           '127'
    'echo-u8(255)'                           '255'
    'echo-s16(-32768)'                       '-32768'
    'echo-u16(65535)'                        '65535'
    'echo-s32(-2147483648)'                  '-2147483648'
    'echo-u32(4294967295)'                   '4294967295'
    'echo-s64(-9223372036854775808)'         '-9223372036854775808'
    'echo-s64(9223372036854775807)'          '9223372036854775807'
    'echo-u64(18446744073709551615)'         '18446744073709551615'
    'echo-u64(0)'                            '0'
    'echo-f32(3.4028235e38)'                 '340282350000000000000000000000000000000'
    'echo-f32(-0.1)'                         '-0.1'
    'echo-f32(nan)'                          'nan'
    'echo-f64(-1.7976931348623157e308)'      "$f64max"
    'echo-f64(5e-324)'                       "$f64min"
    'echo-f64(-inf)'                         '-inf'
    'echo-f64(-0.0)'                         '-0'
    "echo-char('a')"                         "'a'"
    "echo-char('😀')"                        "'😀'"
    "echo-char('\n')"                        "'\n'"
    'echo-string("")'                        '""'
    'echo-string("héllo, 世界 🎉")'           '"héllo, 世界 🎉"'
    'echo-string("tab\tquote\"back\\")'      '"tab\tquote\"back\\"'
    'values#negate(-9223372036854775807)'    '9223372036854775807'
    'half(3.0)'                              '1.5'
    "values#next-char('é')"                  "'ê'"
    "values#next-char('😀')"                 "'😁'"
    'shout("abc é")'                         '"ABC é"'
    'values#reverse([1, 2, 255])'            '[255, 2, 1]'
    'values#reverse([])'                     '[]'
    'join(["a", "", "ü"], "--")'             '"a----ü"'
    'join([], ",")'                          '""'
    "split(\"x→y→z\", '→')"                  '["x", "y", "z"]'
    "split(\"\", ',')"                       '[""]'
    "roster($team)"                          '["core/ada", "core/bob"]'
    "rename-team($team, \"new\")"            "$renamed"
    'double-opt(some(-21))'                  'some(-42)'
    'double-opt(none)'                       'none'
    'opt-string(some("x"))'                  'some("got x")'
    'opt-string(none)'                       'none'
    'count-some([some("a"), none, some("")])' '2'
    'parse-u32("4294967295")'                'ok(4294967295)'
    'parse-u32("4294967296")'                'err("not a u32: 4294967296")'
    'parse-u32("")'                          'err("not a u32: ")'
    'check(true)'                            'ok'
    'check(false)'                           'err'
    'only-err(true)'                         'ok'
    'only-err(false)'                        'err("failed")'
    'only-ok("yes")'                         'ok("yes")'
    'only-ok("")'                            'err'
    'values#swap(("s", 18446744073709551615))' '(18446744073709551615, "s")'
    'values#birthday({name: "ada", age: 36, tags: ["math"], score: 1.25, active: true})'
        '{name: "ada", age: 37, email: some("ada@example.com"), tags: ["math", "older"], score: 2.5, active: false}'
    'values#birthday({name: "bo", age: 255, email: some("b@x"), tags: [], score: -0.5, active: false})'
        '{name: "bo", age: 0, email: some("b@x"), tags: ["older"], score: -1, active: true}'
    'scale(circle(2.5), 2.0)'                'circle(5)'
    'scale(rect((1.5, -2.0)), 2.0)'          'rect((3, -4))'
    'scale(label("hi"), 3.0)'                'label("hi")'
    'scale(empty, 1.0)'                      'empty'
    'scale(pair((255, -4611686018427387904)), 1.0)' 'pair((0, -9223372036854775808))'
    'echo-num(i(-7))'                        'i(-7)'
    'echo-num(l(-9223372036854775808))'      'l(-9223372036854775808)'
    'echo-num(f(1.5))'                       'f(1.5)'
    'echo-num(d(-2.25))'                     'd(-2.25)'
    'echo-num(s("ok"))'                      's("ok")'
    'echo-bits(f(-0.5))'                     'f(-0.5)'
    'echo-bits(u(4294967295))'               'u(4294967295)'
    'next-color(blue)'                       'red'
    'next-color(red)'                        'green'
    'flip({read})'                           '{write, exec}'
    'flip({})'                               '{read, write, exec}'
    'echo-full({f0, f15, f31})'              '{f0, f15, f31}'
    'full-count({f0, f1, f31})'              '3'
    "values#many(255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615, -9223372036854775808, 1.5, -2.25, 'é', true, \"m ü\", [1, 2], some(9), green)"
        '"255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 -9223372036854775808 1.500 -2.250 é true m ü [1,2] 9 green"'
    "values#many(0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 'a', false, \"\", [], none, red)"
        '"0 0 0 0 0 0 0 0 0.000 0.000 a false  [] none red"'
    'values#stats-of([1.0, 2.0, 6.0])'       '{count: 3, min: 1, max: 6, mean: 3}'
    'values#stats-of([])'                    '{count: 0, min: 0, max: 0, mean: 0}'
    'version()'                              '"kitchen 0.1.0 été"'
)
# interface gated: more than 32 flags and several results, which jco refuses
gated=(
    'echo-big({b0, b31, b32, b39})'          '{b0, b31, b32, b39}'
    'echo-big({})'                           '{}'
    'big-count({b0, b1, b31, b32, b33, b39})' '6'
    'set-bits({b1}, 30, 39)'                 '{b1, b30, b31, b32, b33, b34, b35, b36, b37, b38, b39}'
    'divmod(17, 5)'                          '(3, 2)'
    'divmod(7, 0)'                           '(0, 7)'
    'split-name("ada lovelace")'             '("ada", "lovelace")'
    'split-name("plato")'                    '("plato", "")'
)
values_out=""
for build in nolibc-noimports wasi-noimports; do
    for ((i = 0; i < ${#values[@]}; i += 2)); do
        got=$("$weft" invoke "$tmp/$build.wasm" --wit "$wit" --world kitchen "${values[i]}" 2>&1)
        eq "weft invoke ($build) ${values[i]}" "$got" "${values[i + 1]}"
    done
    for ((i = 0; i < ${#gated[@]}; i += 2)); do
        got=$("$weft" invoke "$tmp/$build.wasm" --wit "$wit" --world kitchen "${gated[i]}" 2>&1)
        eq "weft invoke ($build) ${gated[i]}" "$got" "${gated[i + 1]}"
    done
done
for ((i = 1; i < ${#values[@]}; i += 2)); do values_out+="${values[i]}"$'\n'; done
echo "component bindgen: weft invoke: $pass passed, $fail failed"

# ---- the exports and imports through jco ---------------------------------------------------------
jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco || true)
if [ -z "$jco" ] || ! command -v node > /dev/null; then
    echo "SKIPPED: the jco checks (no jco or node: scripts/install-deps.sh installs jco into .tools/jco)"
    [ "$fail" -eq 0 ] && exit 77
    exit 1
fi
d1e300="1$(printf '0%.0s' {1..300})"
# interface host (exported, forwarded to the JavaScript imports) and the world's functions
host=(
    '(-128, 255, -32768, 65535, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615)'
    '(3, 2.25)'
    '-1.5'
    'true'
    'false'
    "'😁'"
    '"héllo wörld"'
    '""'
    '[3, 2, 1]'
    '["a", "bb", "ccc"]'
    '{name: "CORE", members: [{name: "ada", age: 37, tags: [], score: 1.5, active: true}, {name: "bob", age: 8, email: some("b@x"), tags: ["x", "y"], score: 0, active: false}]}'
    'none'
    'some("was none")'
    'ok(42)'
    'err("bad!")'
    '(7, "s")'
    '{name: "cy", age: 41, email: some("c@y"), tags: ["a", "b"], score: 0.5, active: false}'
    'i(-7)'
    'l(-9223372036854775808)'
    'f(-1.5)'
    "d($d1e300)"
    's("ünï")'
    'f(-0.5)'
    'u(4294967295)'
    'circle(2.5)'
    'rect((1.5, -2))'
    'label("hi")'
    'empty'
    'pair((255, -9223372036854775808))'
    'red'
    '({write, exec}, {f0, f31})'
    '"255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 -9223372036854775808 1.5 -2.25 é true m ü [1,2] 9 green"'
    '"0 0 0 0 0 0 0 0 0 0 a false  [] none red"'
    '{count: 3, min: 1, max: 6, mean: 3}'
    '2'
    '4'
    '["hi", "hi", "again", "again"]'
)
want=$values_out
for line in "${host[@]}"; do want+="$line"$'\n'; done
want=${want%$'\n'}
# jco gets the world without `export gated` (see kitchen.wit); the exports stay in the module.
mkdir -p "$tmp/witjs"
sed '/^ *export gated;/d' "$wit/kitchen.wit" > "$tmp/witjs/kitchen.wit"
for build in wasi nolibc; do
    out=$tmp/js-$build
    if "$jco" embed --wit "$tmp/witjs" -n kitchen "$tmp/$build.wasm" -o "$tmp/e-$build.wasm" > "$tmp/jco.log" 2>&1 &&
        "$jco" new "$tmp/e-$build.wasm" -o "$tmp/c-$build.wasm" >> "$tmp/jco.log" 2>&1 &&
        "$jco" transpile "$tmp/c-$build.wasm" -o "$out" --name kitchen --instantiation async -q >> "$tmp/jco.log" 2>&1; then
        got=$(node "$here/bindgen/calls.mjs" "$out" 2>&1)
        # line by line, to name the call that differs
        mapfile -t got_lines <<< "$got"
        mapfile -t want_lines <<< "$want"
        eq "jco ($build): number of results" "${#got_lines[@]}" "${#want_lines[@]}"
        for ((i = 0; i < ${#want_lines[@]}; i++)); do
            eq "jco ($build): result $((i + 1))" "${got_lines[i]-}" "${want_lines[i]}"
        done
    else
        fail=$((fail + 1))
        echo "FAIL: jco could not build the component of $build.wasm:"
        cat "$tmp/jco.log"
    fi
done
echo "component bindgen: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
