// calls.js OUT_DIR: the calls of invoke.sh's table made through jco's transpiled component
// (jco transpile of calc.wasm embedded and wrapped by jco), each result printed in WAVE syntax
// for the types calc.wit uses, one per line, to compare with weft invoke's.
const dir = process.argv[2];
const wave = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v && typeof v === 'object' && 'x' in v) return `{x: ${wave(v.x)}, y: ${wave(v.y)}}`;
  if (v && typeof v === 'object') {
    const on = Object.keys(v).filter((k) => v[k]);
    return `{${on.join(', ')}}`;
  }
  return String(v);
};
const enumv = (s) => s; // enums print bare
const char = (s) => `'${s}'`;
const option = (v) => (v === undefined ? 'none' : `some(${wave(v)})`);
const result = (f) => {
  try { return `ok(${wave(f())})`; } catch (e) { return `err(${wave(e.payload)})`; }
};
const m = await import(`${dir}/calc.js`);
const o = m.ops;
const lines = [
  wave(o.add(2, 40)),
  wave(o.greet('ada')),
  wave(o.sum(new Uint32Array([1, 2, 3, 4294967295]))),
  wave(o.midpoint({ x: 0, y: 1 }, { x: 2, y: 3 })),
  result(() => o.checkedDiv(7, 2)),
  result(() => o.checkedDiv(7, 0)),
  option(o.firstWord('  hello world')),
  option(o.firstWord('   ')),
  enumv(o.nextColor('blue')),
  wave(o.grant({ read: false, write: true, exec: true })),
  wave(o.grant({ read: false, write: false, exec: false })),
  wave(o.isOdd(18446744073709551615n)),
  char(o.shout('q')),
  wave(m.version()),
];
console.log(lines.join('\n'));
