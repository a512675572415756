// calls.mjs JS_DIR: fuse.sh's calls marked j, made by jco's runtime: the caller and the callee
// transpiled into JS_DIR/caller and JS_DIR/callee, the caller's imports mapped to the callee, so
// each value crosses from one component to the other through jco's lifting and lowering. Calls
// interface front of the caller, in fuse.sh's order, and prints each answer in WAVE as weft
// invoke prints it, one per line.
const dir = process.argv[2];
const { front } = await import(`${dir}/caller/caller.js`);

// ---- WAVE text of a JS value of a type ----------------------------------------------------------
// a float in positional notation, as weft prints it (shortest digits that round-trip)
const float = (x) => {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, rest = '', e] = m;
  const digits = lead + rest, exp = Number(e);
  if (exp >= 0) return sign + digits.padEnd(exp + 1, '0');
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
};
const B = 'bool', N = 'num', F = 'float', C = 'char', S = 'string', E = 'enum';
const list = (t) => ({ list: t });
const tuple = (...ts) => ({ tuple: ts });
const record = (...fs) => ({ record: fs });
const option = (t) => ({ option: t });
const variant = (cases) => ({ variant: cases });
const flags = (names) => ({ flags: names });
const wave = (t, v) => {
  if (t === B) return v ? 'true' : 'false';
  if (t === N) return String(v);
  if (t === F) return float(v);
  if (t === C) return `'${v}'`;
  if (t === S) return JSON.stringify(v);
  if (t === E) return v;
  if (t.list) return `[${[...v].map((x) => wave(t.list, x)).join(', ')}]`;
  if (t.tuple) return `(${t.tuple.map((tt, i) => wave(tt, v[i])).join(', ')})`;
  if (t.record)
    return `{${t.record
      .filter(([name, tt]) => !(tt.option && v[name] === undefined))
      .map(([name, tt]) => `${name}: ${wave(tt, v[name])}`)
      .join(', ')}}`;
  if (t.option) return v === undefined ? 'none' : `some(${wave(t.option, v)})`;
  if (t.variant) {
    const c = t.variant[v.tag];
    return c ? `${v.tag}(${wave(c, v.val)})` : v.tag;
  }
  if (t.flags) return `{${t.flags.filter((f) => v[f]).join(', ')}}`;
  throw new Error(`no type ${JSON.stringify(t)}`);
};
// a result's answer: the ok value returned, or the err payload thrown
const result = (ok, err, thunk) => {
  try {
    const v = thunk();
    return ok ? `ok(${wave(ok, v)})` : 'ok';
  } catch (e) {
    if (!e || !('payload' in e)) throw e;
    return err ? `err(${wave(err, e.payload)})` : 'err';
  }
};

// ---- the types of interface echo ----------------------------------------------------------------
const point = record(['x', N], ['y', N], ['on', B]);
const item = record(['name', S], ['qty', N], ['note', option(S)], ['tags', list(S)]);
const wide = variant({ i: N, l: N, f: F, d: F, s: S, nothing: null });
const narrow = variant({ f: F, u: N, nothing: null });
const small = flags(['read', 'write', 'exec']);
const fullNames = Array.from({ length: 32 }, (_, i) => `f${i}`);
const full = flags(fullNames);
const set = (...names) => Object.fromEntries(names.map((n) => [n, true]));

const u64max = 18446744073709551615n, s64min = -9223372036854775808n, s64max = 9223372036854775807n;
const items = [
  { name: 'pen', qty: 3, note: 'blue', tags: ['a', 'ü'] },
  { name: '', qty: 4294967295, tags: [] },
];
const ints = tuple(N, N, N, N, N, N, N, N);
// [type of the answer, thunk], in fuse.sh's order of the calls marked j
const calls = [
  [B, () => front.echoBool(true)],
  [B, () => front.echoBool(false)],
  [N, () => front.echoU8(0)],
  [N, () => front.echoU8(255)],
  [N, () => front.echoS8(-128)],
  [N, () => front.echoS8(127)],
  [N, () => front.echoU16(65535)],
  [N, () => front.echoS16(-32768)],
  [N, () => front.echoU32(4294967295)],
  [N, () => front.echoS32(-2147483648)],
  [N, () => front.echoU64(u64max)],
  [N, () => front.echoS64(s64min)],
  [F, () => front.echoF32(NaN)],
  [F, () => front.echoF32(-0)],
  [F, () => front.echoF32(Infinity)],
  [F, () => front.echoF32(-0.25)],
  [F, () => front.echoF64(NaN)],
  [F, () => front.echoF64(-0)],
  [F, () => front.echoF64(-Infinity)],
  [F, () => front.echoF64(5e-324)],
  [F, () => front.echoF64(-1.7976931348623157e308)],
  [C, () => front.echoChar('a')],
  [C, () => front.echoChar('😀')],
  [N, () => front.weigh(255, -128, 65535, -32768, 4294967295, -2147483648, u64max, s64min)],
  [N, () => front.weigh(1, 2, 3, 4, 5, 6, 7n, 8n)],
  [ints, () => front.bump(255, 127, 65535, 32767, 4294967295, 2147483647, u64max, s64max)],
  [ints, () => front.bump(0, -1, 1, -1, 1, -1, 1n, -1n)],
  [tuple(F, F), () => front.floats(NaN, -0)],
  [tuple(F, F), () => front.floats(-Infinity, 5e-324)],
  [tuple(F, F), () => front.floats(1.5, -2.25)],
  [F, () => front.fsum(1.5, 2.25)],
  [F, () => front.fsum(Infinity, -Infinity)],
  [S, () => front.echoString('')],
  [S, () => front.echoString('héllo, 世界 🎉')],
  [S, () => front.echoString('tab\tquote"back\\')],
  [N, () => front.measure('')],
  [N, () => front.measure('héllo 🎉')],
  [S, () => front.upper('abc é xyz')],
  [list(N), () => front.echoBytes(new Uint8Array([]))],
  [list(N), () => front.echoBytes(new Uint8Array([0, 1, 255]))],
  [N, () => front.sumBytes(new Uint8Array([255, 255, 1]))],
  [N, () => front.sumBytes(new Uint8Array([]))],
  [list(N), () => front.reverseU32(new Uint32Array([1, 4294967295, 0]))],
  [list(N), () => front.reverseU32(new Uint32Array([]))],
  [N, () => front.dot([[65535, 65535], [2, 3]])],
  [N, () => front.dot([])],
  [list(point), () => front.echoPoints([{ x: -32768, y: 255, on: true }, { x: 1, y: 0, on: false }])],
  [list(item), () => front.echoItems(items)],
  [S, () => front.describe(items)],
  [S, () => front.describe([])],
  [item, () => front.makeItem('ink', 2147483648)],
  [item, () => front.makeItem('', 21)],
  [list(list(S)), () => front.nested([['a', 'b'], [], ['c']])],
  [list(list(S)), () => front.nested([])],
  [tuple(C, N, S), () => front.swap(['s', 0n, '😀'])],
  [option(S), () => front.optString('x')],
  [option(S), () => front.optString('')],
  [option(S), () => front.optString(undefined)],
  ['parse', () => result(N, S, () => front.parse('4294967295'))],
  ['parse', () => result(N, S, () => front.parse('4294967296'))],
  ['parse', () => result(N, S, () => front.parse(''))],
  ['check', () => result(null, null, () => front.check(true))],
  ['check', () => result(null, null, () => front.check(false))],
  ['res', () => result(N, S, () => front.resEcho({ tag: 'ok', val: 1431655765 }))],
  ['res', () => result(N, S, () => front.resEcho({ tag: 'ok', val: 2863311531 }))],
  ['res', () => result(N, S, () => front.resEcho({ tag: 'err', val: 'no' }))],
  [wide, () => front.echoWide({ tag: 'i', val: -2147483648 })],
  [wide, () => front.echoWide({ tag: 'l', val: s64min })],
  [wide, () => front.echoWide({ tag: 'f', val: -0 })],
  [wide, () => front.echoWide({ tag: 'f', val: NaN })],
  [wide, () => front.echoWide({ tag: 'd', val: -Infinity })],
  [wide, () => front.echoWide({ tag: 'd', val: 5e-324 })],
  [wide, () => front.echoWide({ tag: 's', val: 'ünï' })],
  [wide, () => front.echoWide({ tag: 's', val: '' })],
  [wide, () => front.echoWide({ tag: 'nothing' })],
  [S, () => front.wideText({ tag: 'i', val: -7 })],
  [S, () => front.wideText({ tag: 'l', val: s64max })],
  [S, () => front.wideText({ tag: 'f', val: -1.5 })],
  [S, () => front.wideText({ tag: 'f', val: NaN })],
  [S, () => front.wideText({ tag: 'd', val: -0 })],
  [S, () => front.wideText({ tag: 's', val: 'héllo' })],
  [S, () => front.wideText({ tag: 'nothing' })],
  [narrow, () => front.echoNarrow({ tag: 'f', val: 1.5 })],
  [narrow, () => front.echoNarrow({ tag: 'u', val: 4294967295 })],
  [narrow, () => front.echoNarrow({ tag: 'nothing' })],
  [N, () => front.narrowBits({ tag: 'f', val: -0 })],
  [N, () => front.narrowBits({ tag: 'f', val: NaN })],
  [N, () => front.narrowBits({ tag: 'u', val: 4294967295 })],
  [N, () => front.narrowBits({ tag: 'nothing' })],
  [E, () => front.nextColor('red')],
  [E, () => front.nextColor('blue')],
  [small, () => front.flip({})],
  [small, () => front.flip(set('read', 'exec'))],
  [full, () => front.echoFull(set('f0', 'f15', 'f31'))],
  [full, () => front.echoFull({})],
  [N, () => front.fullCount(set(...fullNames))],
  [S, () => front.many(255, -128, 65535, -32768, 4294967295, -2147483648, u64max, s64min, 1.5, -2.25, '😀',
    true, 'm ü', new Uint8Array([1, 2, 255]), 9, 'blue', set('read', 'exec'))],
  [S, () => front.many(0, 0, 0, 0, 0, 0, 0n, 0n, NaN, -0, 'a', false, '', new Uint8Array([]), undefined, 'red', {})],
];
const out = calls.map(([t, thunk]) => {
  try {
    const v = thunk();
    return typeof t === 'string' && ['parse', 'check', 'res'].includes(t) ? v : wave(t, v);
  } catch (e) {
    return `threw: ${e}`;
  }
});
console.log(out.join('\n'));
