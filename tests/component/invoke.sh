#!/usr/bin/env bash
# invoke.sh WEFT: `weft invoke` on a core module with canonical-ABI names and its WIT
# (tests/component/invoke/): a table of calls covering the value types calc.wit uses, compared
# with the expected WAVE text; the errors a user can make; and, when jco is installed (.tools/jco,
# by scripts/install-deps.sh), the same calls made by jco's own runtime (jco embed + new +
# transpile, run by node), whose answers must be identical. Prints each failure; exits non-zero
# if there was one. Without jco the interop part reports itself skipped, with its count.
set -u
weft=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skipped=0
eq() {
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1"
        echo "  want: $(printf %q "$3")"
        echo "  got:  $(printf %q "$2")"
    fi
}
clang --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry -o "$tmp/calc.wasm" \
    "$here/invoke/calc.c" || { echo "FAIL: building calc.wasm"; exit 1; }
wit=$here/invoke/wit

calls=(
    'add(2, 40)'                                     '42'
    'greet("ada")'                                   '"hello, ada"'
    'sum([1, 2, 3, 4294967295])'                     '4294967301'
    'midpoint({x: 0.0, y: 1.0}, {x: 2.0, y: 3.0})'   '{x: 1, y: 2}'
    'checked-div(7, 2)'                              'ok(3)'
    'checked-div(7, 0)'                              'err("division by zero")'
    'first-word("  hello world")'                    'some("hello")'
    'first-word("   ")'                              'none'
    'next-color(blue)'                               'red'
    'grant({write, exec})'                           '{read, write, exec}'
    'grant({})'                                      '{read}'
    'is-odd(18446744073709551615)'                   'true'
    "shout('q')"                                     "'Q'"
    'version()'                                      '"calc 1.0"'
)
weft_out=""
for ((i = 0; i < ${#calls[@]}; i += 2)); do
    got=$("$weft" invoke "$tmp/calc.wasm" --wit "$wit" "${calls[i]}" 2>&1)
    eq "weft invoke ${calls[i]}" "$got" "${calls[i + 1]}"
    weft_out+="$got"$'\n'
done
eq "a qualified name" "$("$weft" invoke "$tmp/calc.wasm" --wit "$wit" 'acme:math/ops@0.1.0#add(1, 2)')" "3"
eq "iface#fn" "$("$weft" invoke "$tmp/calc.wasm" --wit "$wit/calc.wit" 'ops#add(1, 2)')" "3"

# errors: exit status and message
err() { # err DESCRIPTION STATUS PHRASE ARGS...
    local d=$1 st=$2 phrase=$3
    shift 3
    local out
    out=$("$weft" invoke "$@" 2>&1)
    local got=$?
    eq "$d: exit status" "$got" "$st"
    if [[ $out == *"$phrase"* ]]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $d: message"
        echo "  wanted: $phrase"
        echo "  got: $out"
    fi
}
err "unknown function" 2 'no exported function "sub"' "$tmp/calc.wasm" --wit "$wit" 'sub(1)'
err "wrong argument type" 2 'expected a value of type s32' "$tmp/calc.wasm" --wit "$wit" 'add(1, "x")'
err "too few arguments" 2 'add' "$tmp/calc.wasm" --wit "$wit" 'add(1)'
err "integer out of range" 2 'out of range' "$tmp/calc.wasm" --wit "$wit" 'add(1, 4294967296)'
err "unknown enum case" 2 'purple' "$tmp/calc.wasm" --wit "$wit" 'next-color(purple)'
err "not a call" 2 'invoke' "$tmp/calc.wasm" --wit "$wit" 'add'
err "a core module without --wit" 1 'give its WIT world with --wit' "$tmp/calc.wasm" 'add(1, 2)'
printf 'package a:b;\ninterface i { f: func(; }\n' > "$tmp/bad.wit"
err "WIT syntax error with its position" 1 "$tmp/bad.wit:2:" "$tmp/calc.wasm" --wit "$tmp/bad.wit" 'add(1, 2)'
printf 'package acme:math@0.1.0;\ninterface ops { add: func(a: s32, b: s32) -> s64; }\nworld calc { export ops; }\n' > "$tmp/mismatch.wit"
err "a WIT type the core function does not have" 1 'flattens to' "$tmp/calc.wasm" --wit "$tmp/mismatch.wit" 'add(1, 2)'
# a cabi_realloc of the wrong type is refused when the call is linked, before anything runs
cat > "$tmp/badrealloc.wat" <<'WAT'
(module (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32) (result i32) i32.const 0)
  (func (export "acme:math/ops@0.1.0#greet") (param i32 i32) (result i32) i32.const 0))
WAT
if wat2wasm "$tmp/badrealloc.wat" -o "$tmp/badrealloc.wasm"; then
    err "a cabi_realloc of the wrong type" 1 'cabi_realloc is not (i32, i32, i32, i32) -> i32' \
        "$tmp/badrealloc.wasm" --wit "$wit" 'greet("ada")'
else
    fail=$((fail + 1))
    echo "FAIL: building badrealloc.wasm with wat2wasm"
fi

# interop: the same calls through jco's runtime
jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco || true)
if [ -n "$jco" ] && command -v node > /dev/null; then
    if "$jco" embed --wit "$wit" -n calc "$tmp/calc.wasm" -o "$tmp/e.wasm" > "$tmp/jco.log" 2>&1 &&
        "$jco" new "$tmp/e.wasm" -o "$tmp/c.wasm" >> "$tmp/jco.log" 2>&1 &&
        "$jco" transpile "$tmp/c.wasm" -o "$tmp/js" --name calc >> "$tmp/jco.log" 2>&1; then
        node_out=$(node "$here/invoke/calls.js" "$tmp/js" 2>&1)
        eq "jco's runtime answers the table as weft does" "$node_out" "${weft_out%$'\n'}"
        err "a component binary with --wit" 2 'carries its own types' "$tmp/c.wasm" --wit "$wit" 'add(1, 2)'
        # weft runs the component binary jco made, with the same answers
        comp_out=""
        for ((i = 0; i < ${#calls[@]}; i += 2)); do
            comp_out+="$("$weft" invoke "$tmp/c.wasm" "${calls[i]}" 2>&1)"$'\n'
        done
        eq "weft runs jco's component binary with the same answers" "$comp_out" "$weft_out"
    else
        fail=$((fail + 1))
        echo "FAIL: jco could not build the component:"
        cat "$tmp/jco.log"
    fi
else
    skipped=3
    echo "SKIPPED: 3 interop checks (no jco: scripts/install-deps.sh installs it into .tools/jco with npm)"
fi
echo "component invoke: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
