#!/usr/bin/env bash
# cinst_test.sh TEST_CINST WEFT OUT_DIR: component binaries at run time. Builds the components of
# cbin/ with clang and jco (build_components.sh; without jco it exits 77, which CTest reports as
# a skip), runs test_cinst on them, then a table of `weft invoke` calls on the binaries (one
# linked to another with --link, and the hostile ones trapping), and the same table through jco's
# own runtime (jco transpile, then node: cinst_calls.js), whose answers must be identical.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
test_cinst=${1:?usage: cinst_test.sh TEST_CINST WEFT OUT_DIR}
weft=${2:?usage}
out=${3:?usage}

"$here/build_components.sh" "$out"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
"$test_cinst" "$out" || exit 1

pass=0 fail=0
eq() {
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1"
        echo "  want: $(printf %q "$3")"
        echo "  got:  $(printf %q "$2")"
    fi
}
# component, call, expected (trap: exit status 134 and the function's name in the message; trap!:
# the same, but left out of the comparison with jco, whose runtime (1.10.2) does not make these
# checks the canonical ABI requires: it decodes invalid UTF-8 with replacement characters, reads
# misaligned lists, and lifts a list past the end of memory as zeros)
calls=(
    calc   'add(2, 40)'                                       '42'
    calc   'acme:math/ops@0.1.0#greet("wörld")'               '"hello, wörld"'
    shapes 'area(circle(2.0))'                                '12'
    shapes 'area(rect({x: 2.0, y: 3.5}))'                     '7'
    shapes 'area(empty)'                                      '0'
    shapes 'tag(red, {})'                                     'none'
    shapes 'sum([1, 2, 3, -10])'                              'ok(-4)'
    shapes 'centroid([{x: 1.0, y: 2.0}, {x: 3.0, y: 4.0}])'  'some({x: 1, y: 2})'
    shapes 'centroid([])'                                     'none'
    shapes "swap((7, 'é'))"                                   "('é', 7)"
    shapes 'check(true)'                                      'ok'
    shapes 'check(false)'                                     'err'
    hostile 'bad-pointer()'                                   'trap'
    hostile 'bad-utf8()'                                      'trap!'
    hostile 'bad-discriminant()'                              'trap'
    hostile 'bad-char()'                                      'trap'
    hostile 'misaligned-list()'                               'trap!'
    hostile 'huge-list()'                                     'trap!'
    hostile 'bad-return-area()'                               'trap'
    hostile 'unreachable(1)'                                  'trap'
    hostile 'bad-realloc("thirteen byte")'                    'trap'
    hostile 'fine("abc")'                                     '294'
    hostile 'grown()'                                         '"hi"'
)
weft_out=""
for ((i = 0; i < ${#calls[@]}; i += 3)); do
    c=${calls[i]} call=${calls[i + 1]} want=${calls[i + 2]}
    got=$("$weft" invoke "$out/$c.wasm" "$call" 2> "$out/err.txt")
    st=$?
    if [ "$want" == trap ] || [ "$want" == 'trap!' ]; then
        fn=${call%%(*}
        eq "$c $call: exit status" "$st" 134
        if grep -q "trap: .*$fn" "$out/err.txt"; then pass=$((pass + 1)); got=trap; else
            fail=$((fail + 1))
            echo "FAIL: $c $call: the trap names $fn: $(cat "$out/err.txt")"
        fi
    else
        eq "$c $call: exit status" "$st" 0
        eq "$c $call" "$got" "$want"
    fi
    [ "$want" == 'trap!' ] || weft_out+="$got"$'\n'
done
eq "linked: pipeline --link calc" "$("$weft" invoke "$out/pipeline.wasm" --link "$out/calc.wasm" 'run(5, "bob")')" '"hello, bob"'
got=$("$weft" invoke "$out/pipeline.wasm" 'run(5, "bob")' 2>&1)
eq "unlinked: exit status" "$?" 1
[[ $got == *'import "acme:math/ops@0.1.0"'*'not satisfied'* ]] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: unlinked import message: $got"; }
got=$("$weft" invoke "$out/pipeline.wasm" --link "$out/shapes.wasm" 'run(5, "bob")' 2>&1)
eq "linked to the wrong component: exit status" "$?" 1
got=$("$weft" invoke "$out/calc.wasm" --wit "$here/cbin/calc/wit" 'add(1, 2)' 2>&1)
eq "--wit with a component binary: exit status" "$?" 2

# the same table through jco's runtime
jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco)
for c in calc shapes hostile; do
    "$jco" transpile "$out/$c.wasm" -o "$out/js/$c" --name "$c" > "$out/jco.log" 2>&1 ||
        { echo "FAIL: jco transpile $c:"; cat "$out/jco.log"; exit 1; }
done
node_out=$(node "$here/cinst_calls.js" "$out/js" 2>&1)
eq "jco's runtime answers the table as weft does" "$node_out" "${weft_out%$'\n'}"
echo "component instances: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
