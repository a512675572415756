// rust_link_calls.js OUT_DIR [METHOD PATH QUERY]...: rust_link.sh's calls made by jco's runtime on
// the same component binaries (transpiled into OUT_DIR/NAME/NAME.js, storefront's imports mapped
// to the transpiled pricing and catalog), each answer printed as weft invoke prints it in WAVE.
// First the pricing calls, the same as rust_link.sh's and in its order; then one storefront
// request per METHOD PATH QUERY given.
const [dir, ...reqArgs] = process.argv.slice(2);
const { pricing } = await import(`${dir}/pricing/pricing.js`);
const { handler } = await import(`${dir}/storefront/storefront.js`);

const str = (s) => JSON.stringify(s);
const result = (thunk) => {
  try {
    return `ok(${thunk()})`;
  } catch (e) {
    if (!('payload' in e)) throw e;
    return `err(${str(e.payload)})`;
  }
};
const line = (sku, qty, unitCents, tags, discountPct) => ({ sku, qty, unitCents, tags, discountPct });
const max = 18446744073709551615n;

const pricingCalls = [
  [[], undefined],
  [[line('apple', 3, 120n, ['fruit']), line('fig', 2, 250n, [])], undefined],
  [[line('apple', 3, 120n, ['fruit']), line('fig', 2, 250n, [])], 'TENOFF'],
  [[line('pear', 3, 95n, ['sale'], 20)], undefined],
  [[line('odd', 1, 99n, [], 15)], undefined],
  [[line('free', 7, 99n, [], 100)], 'TENOFF'],
  [[line('gift-card', 1, 2500n, ['no-coupon']), line('apple', 10, 120n, [])], 'TENOFF'],
  [[line('max', 1, max, [])], undefined],
  [[line('max', 2, max, [])], undefined],
  [[line('apple', 1, 120n, []), line('pâté', 0, 900n, [])], undefined],
  [[line('fig', 1, 250n, [], 101)], undefined],
  [[line('apple', 1, 120n, [])], 'HALF'],
  [[], ''],
];
const out = pricingCalls.map(([lines, coupon]) => result(() => pricing.price(lines, coupon)));

for (let i = 0; i < reqArgs.length; i += 3) {
  const [method, path, query] = reqArgs.slice(i, i + 3);
  const r = handler.handle({ method, path, query, headers: [], body: new Uint8Array() });
  const headers = r.headers.map(([k, v]) => `(${str(k)}, ${str(v)})`).join(', ');
  out.push(`{status: ${r.status}, headers: [${headers}], body: [${[...r.body].join(', ')}]}`);
}
console.log(out.join('\n'));
