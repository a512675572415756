#!/usr/bin/env bash
# rust_link.sh WEFT: the example shop of examples/components, a Rust component linked to C ones.
# Builds pricing (Rust), catalog and storefront (C) with examples/components/build.sh (its exit
# 77, no jco or node, is passed on so CTest reports a skip), then checks exact `weft invoke`
# answers: pricing alone, catalog alone, and storefront linked to both (--link) answering HTTP
# requests. The same pricing calls and storefront requests then go through jco's runtime (jco
# transpile, node: rust_link_calls.js), whose answers must be identical to weft's. Last, the shop
# runs as an app (examples/components/app.yaml) behind `weft up`, driven with curl.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
weft=${1:?usage: rust_link.sh WEFT}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$top/examples/components/build.sh" "$out"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

pass=0 fail=0
eq() {
    if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1))
        echo "FAIL: $1"
        echo "  want: $(printf %q "$3")"
        echo "  got:  $(printf %q "$2")"
    fi
}

# invoke NAME CALL [--link ...]: weft's answer; a failed call is checked as a failed comparison
invoke() {
    local wasm=$out/$1.wasm call=$2
    shift 2
    "$weft" invoke "$wasm" "$@" "$call" 2> "$out/err.txt" || echo "exit $?: $(cat "$out/err.txt")"
}

# line SKU QTY CENTS TAGS DISCOUNT: a pricing line in WAVE
line() { echo "{sku: \"$1\", qty: $2, unit-cents: $3, tags: [$4], discount-pct: $5}"; }

# pricing alone: call, expected. rust_link_calls.js makes the same calls, in the same order.
pricing_calls=(
    'price([], none)'                                                   'ok(0)'
    "price([$(line apple 3 120 '"fruit"' none), $(line fig 2 250 '' none)], none)"
                                                                        'ok(860)'
    "price([$(line apple 3 120 '"fruit"' none), $(line fig 2 250 '' none)], some(\"TENOFF\"))"
                                                                        'ok(774)'
    "price([$(line pear 3 95 '"sale"' 'some(20)')], none)"              'ok(228)'
    "price([$(line odd 1 99 '' 'some(15)')], none)"                     'ok(84)'
    "price([$(line free 7 99 '' 'some(100)')], some(\"TENOFF\"))"       'ok(0)'
    "price([$(line gift-card 1 2500 '"no-coupon"' none), $(line apple 10 120 '' none)], some(\"TENOFF\"))"
                                                                        'ok(3580)'
    "price([$(line max 1 18446744073709551615 '' none)], none)"        'ok(18446744073709551615)'
    "price([$(line max 2 18446744073709551615 '' none)], none)"        'err("total overflows u64")'
    "price([$(line apple 1 120 '' none), $(line pâté 0 900 '' none)], none)"
                                                                        'err("zero qty for sku: pâté")'
    "price([$(line fig 1 250 '' 'some(101)')], none)"                   'err("discount-pct over 100 for sku: fig")'
    "price([$(line apple 1 120 '' none)], some(\"HALF\"))"              'err("unknown coupon: HALF")'
    'price([], some(""))'                                               'err("unknown coupon: ")'
)
weft_out=""
for ((i = 0; i < ${#pricing_calls[@]}; i += 2)); do
    got=$(invoke pricing "${pricing_calls[i]}")
    eq "pricing ${pricing_calls[i]}" "$got" "${pricing_calls[i + 1]}"
    weft_out+="$got"$'\n'
done

# catalog alone
eq "catalog lookup apple" "$(invoke catalog 'lookup("apple")')" \
    'some({sku: "apple", name: "Apple", unit-cents: 120, tags: ["fruit", "red"]})'
eq "catalog lookup gift-card" "$(invoke catalog 'acme:shop/catalog@0.1.0#lookup("gift-card")')" \
    'some({sku: "gift-card", name: "Gift card", unit-cents: 2500, tags: ["no-coupon"]})'
eq "catalog lookup kiwi" "$(invoke catalog 'lookup("kiwi")')" 'none'
eq "catalog lookup empty" "$(invoke catalog 'lookup("")')" 'none'
eq "catalog list-skus" "$(invoke catalog 'list-skus()')" '["apple", "pear", "fig", "gift-card"]'

# storefront linked to both: method, path, query, status, JSON body (sent as list<u8>)
bytes() { printf %s "$1" | od -An -v -tu1 | xargs | sed 's/ /, /g'; }
response() { echo "{status: $1, headers: [(\"content-type\", \"application/json\")], body: [$(bytes "$2")]}"; }
requests=(
    GET /quote 'apple=3&fig=2'                  200 '{"total_cents":860,"lines":2}'
    GET /quote 'apple=3&fig=2&coupon=TENOFF'    200 '{"total_cents":774,"lines":2}'
    GET /quote 'pear=2'                         200 '{"total_cents":152,"lines":1}'
    GET /quote 'gift%2Dcard=1&apple=10&coupon=TENOFF' 200 '{"total_cents":3580,"lines":2}'
    GET /quote ''                               200 '{"total_cents":0,"lines":0}'
    GET /products ''                            200 '["apple","pear","fig","gift-card"]'
    GET /quote 'apple=1&kiwi=2'                 404 '{"error":"unknown sku: kiwi"}'
    GET /quote 'apple=1&coupon=HALF'            400 '{"error":"unknown coupon: HALF"}'
    GET /quote 'apple=1&coupon=%22q%5C'         400 '{"error":"unknown coupon: \"q\\"}'
    GET /quote 'fig=0'                          400 '{"error":"zero qty for sku: fig"}'
    GET /quote 'fig=two'                        400 '{"error":"bad qty for sku: fig"}'
    GET /quote '%FF=1'                          400 '{"error":"query is not UTF-8"}'
    GET /nope ''                                404 '{"error":"not found"}'
    POST /quote 'apple=1'                       404 '{"error":"not found"}'
)
linked=(--link "$out/pricing.wasm" --link "$out/catalog.wasm")
node_requests=()
for ((i = 0; i < ${#requests[@]}; i += 5)); do
    m=${requests[i]} p=${requests[i + 1]} q=${requests[i + 2]}
    call="handle({method: \"$m\", path: \"$p\", query: \"$q\", headers: [], body: []})"
    got=$(invoke storefront "$call" "${linked[@]}")
    eq "storefront $m $p?$q" "$got" "$(response "${requests[i + 3]}" "${requests[i + 4]}")"
    weft_out+="$got"$'\n'
    node_requests+=("$m" "$p" "$q")
done
got=$(invoke storefront 'handle({method: "GET", path: "/products", query: "", headers: [("accept", "*/*")], body: [1, 2]})' \
    "${linked[@]}")
eq "storefront with request headers and a body" "$got" "$(response 200 '["apple","pear","fig","gift-card"]')"

got=$("$weft" invoke "$out/storefront.wasm" --link "$out/pricing.wasm" 'handle({method: "GET", path: "/", query: "", headers: [], body: []})' 2>&1)
eq "storefront without catalog: exit status" "$?" 1
[[ $got == *'import "acme:shop/catalog@0.1.0"'*'not satisfied'* ]] && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: storefront without catalog, the message: $got"; }

# the same through jco's runtime: storefront's imports mapped to the transpiled pricing and catalog
jco=${JCO:-$top/.tools/jco/node_modules/.bin/jco}
[ -x "$jco" ] || jco=$(command -v jco)
for c in pricing catalog storefront; do
    maps=()
    [ "$c" == storefront ] && maps=(--map 'acme:shop/pricing@0.1.0=../pricing/pricing.js#pricing'
        --map 'acme:shop/catalog@0.1.0=../catalog/catalog.js#catalog')
    "$jco" transpile "$out/$c.wasm" -o "$out/js/$c" --name "$c" "${maps[@]}" > "$out/jco.log" 2>&1 ||
        { echo "FAIL: jco transpile $c:"; cat "$out/jco.log"; exit 1; }
done
echo '{"type": "module"}' > "$out/js/package.json"
node_out=$(node "$here/rust_link_calls.js" "$out/js" "${node_requests[@]}" 2>&1)
eq "jco's runtime answers as weft does" "$node_out" "${weft_out%$'\n'}"

# the same shop as an app behind `weft up` (examples/components/app.yaml, its sources moved here)
sed -e "s|../../build/examples/components|$out|" -e 's|127.0.0.1:3001|127.0.0.1:0|' \
    "$top/examples/components/app.yaml" > "$out/app.yaml"
"$weft" up "$out/app.yaml" > "$out/up.out" 2> "$out/up.err" &
up=$!
for _ in $(seq 1 200); do
    grep -q "serving on http://" "$out/up.err" && break
    kill -0 "$up" 2> /dev/null || break
    sleep 0.05
done
base=$(grep -o 'serving on http://[^/]*' "$out/up.err" | head -1 | sed 's/serving on //')
if [ -z "$base" ]; then
    fail=$((fail + 1)); echo "FAIL: weft up did not start:"; cat "$out/up.err"
else
    eq "app: GET /quote" "$(curl -s "$base/quote?apple=3&fig=2")" '{"total_cents":860,"lines":2}'
    eq "app: GET /quote with a coupon" "$(curl -s -w ' %{http_code}' "$base/quote?apple=3&fig=2&coupon=TENOFF")" '{"total_cents":774,"lines":2} 200'
    eq "app: GET /products" "$(curl -s "$base/products")" '["apple","pear","fig","gift-card"]'
    eq "app: an unknown sku is 404" "$(curl -s -o /dev/null -w '%{http_code}' "$base/quote?kiwi=1")" 404
    eq "app: content-type" "$(curl -s -o /dev/null -w '%{content_type}' "$base/products")" application/json
    eq "app: POST is not routed" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/quote")" 405
    kill -TERM "$up"
    wait "$up"
    eq "app: exit 0" "$?" 0
fi

echo "rust link: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
