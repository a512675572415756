// cinst_calls.js OUT_DIR: the calls of cinst_test.sh's table made by jco's runtime on the same
// component binaries (transpiled into OUT_DIR/NAME/NAME.js), each result printed as weft invoke
// prints it in WAVE, a call that throws as "trap". (The hostile calls jco's runtime does not
// check, see cinst_test.sh, are left out.)
const dir = process.argv[2];
const num = (v) => String(v);
const str = (s) => JSON.stringify(s);
const point = (p) => `{x: ${num(p.x)}, y: ${num(p.y)}}`;
const opt = (v, f) => (v === undefined ? 'none' : `some(${f(v)})`);
const res = (thunk, f) => {
  try {
    const v = thunk();
    return f ? `ok(${f(v)})` : 'ok';
  } catch (e) {
    if (!('payload' in e)) throw e;
    return e.payload === undefined ? 'err' : `err(${str(e.payload)})`;
  }
};
const trap = (thunk, f) => {
  try { return f(thunk()); } catch (e) { return 'trap'; }
};
const calc = (await import(`${dir}/calc/calc.js`)).ops;
const g = (await import(`${dir}/shapes/shapes.js`)).geometry;
const h = (await import(`${dir}/hostile/hostile.js`)).evil;
const lines = [
  num(calc.add(2, 40)),
  str(calc.greet('wörld')),
  num(g.area({ tag: 'circle', val: 2 })),
  num(g.area({ tag: 'rect', val: { x: 2, y: 3.5 } })),
  num(g.area({ tag: 'empty' })),
  opt(g.tag('red', { read: false, write: false, exec: false }), str),
  res(() => g.sum(new Int32Array([1, 2, 3, -10])), num),
  opt(g.centroid([{ x: 1, y: 2 }, { x: 3, y: 4 }]), point),
  opt(g.centroid([]), point),
  ((t) => `('${t[0]}', ${t[1]})`)(g.swap([7, 'é'])),
  res(() => g.check(true)),
  res(() => g.check(false)),
  trap(() => h.badPointer(), str),
  trap(() => h.badDiscriminant(), (v) => opt(v, num)),
  trap(() => h.badChar(), str),
  trap(() => h.badReturnArea(), str),
  trap(() => h.unreachable(1), num),
  trap(() => h.badRealloc('thirteen byte'), num),
  trap(() => h.fine('abc'), num),
  trap(() => h.grown(), str),
];
console.log(lines.join('\n'));
