// calls.mjs OUT_DIR: the jco side of tests/component/bindgen.sh. Instantiates the guest as jco
// transpiled it (--instantiation async, in OUT_DIR), giving its imports in JavaScript: interface
// host and the world's log and counter. Then makes the calls of bindgen.sh's tables: first those
// of interface values (the same calls as its weft invoke table, in the same order), then those of
// the exported interface host, which the guest forwards to the JavaScript host below, so each
// value crosses from JavaScript into the guest, out to the import, back and out again. Prints
// each result in WAVE syntax (as weft invoke prints it), one per line.
import { readFile } from 'node:fs/promises';

const dir = process.argv[2];

// ---- WAVE printing, typed ----------------------------------------------------------------------
const prim = (k) => ({ k });
const [bool, int, f32, f64, char, string] =
  ['bool', 'int', 'f32', 'f64', 'char', 'string'].map(prim);
const list = (t) => ({ k: 'list', t });
const option = (t) => ({ k: 'option', t });
const tuple = (...ts) => ({ k: 'tuple', ts });
const record = (fields) => ({ k: 'record', fields });
const variant = (cases) => ({ k: 'variant', cases });
const enumt = { k: 'enum' };
const flags = (names) => ({ k: 'flags', names });
const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

// Positional notation of the shortest digits that read back as the same value (as an f32 when
// f32), as weft's WAVE printer (and Rust's Display) writes floats.
function float(d, single) {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d < 0 ? '-inf' : 'inf';
  const sign = d < 0 || Object.is(d, -0) ? '-' : '';
  d = Math.abs(d);
  if (d === 0) return `${sign}0`;
  let s = '';
  for (let p = 1; p <= 17; p++) {
    s = d.toExponential(p - 1);
    const back = Number(s);
    if (single ? Math.fround(back) === d : back === d) break;
  }
  const [mant, exp] = s.split('e');
  let digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  const e = Number(exp);
  if (e >= 0 && e + 1 >= digits.length) return sign + digits + '0'.repeat(e + 1 - digits.length);
  if (e >= 0) return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
}

function escape(ch) {
  const map = { '\\': '\\\\', '"': '\\"', "'": "\\'", '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  if (map[ch]) return map[ch];
  const c = ch.codePointAt(0);
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `\\u{${c.toString(16)}}`;
  return ch;
}

function wave(t, v) {
  switch (t.k) {
    case 'bool': case 'int': return String(v);
    case 'f32': return float(v, true);
    case 'f64': return float(v, false);
    case 'char': return `'${escape(v)}'`;
    case 'string': return `"${[...v].map(escape).join('')}"`;
    case 'list': return `[${Array.from(v, (x) => wave(t.t, x)).join(', ')}]`;
    case 'option': return v === undefined ? 'none' : `some(${wave(t.t, v)})`;
    case 'tuple': return `(${t.ts.map((ft, i) => wave(ft, v[i])).join(', ')})`;
    case 'record': {
      const parts = t.fields
        .filter(([n, ft]) => !(ft.k === 'option' && v[camel(n)] === undefined))
        .map(([n, ft]) => `${n}: ${wave(ft, v[camel(n)])}`);
      return parts.length ? `{${parts.join(', ')}}` : '{:}';
    }
    case 'variant': {
      const pt = t.cases.find(([n]) => n === v.tag)[1];
      return pt ? `${v.tag}(${wave(pt, v.val)})` : v.tag;
    }
    case 'enum': return v;
    case 'flags': return `{${t.names.filter((n) => v[camel(n)]).join(', ')}}`;
  }
  throw new Error(`no printer for ${t.k}`);
}

// A call returning result<ok, err>: jco returns ok's payload and throws err's.
function result(ok, err, f) {
  try {
    const v = f();
    return ok ? `ok(${wave(ok, v)})` : 'ok';
  } catch (e) {
    if (!('payload' in e)) throw e;
    return err ? `err(${wave(err, e.payload)})` : 'err';
  }
}

// ---- the world's types -------------------------------------------------------------------------
const person = record([['name', string], ['age', int], ['email', option(string)],
  ['tags', list(string)], ['score', f64], ['active', bool]]);
const team = record([['name', string], ['members', list(person)]]);
const shape = variant([['circle', f32], ['rect', tuple(f64, f64)], ['label', string],
  ['empty', null], ['pair', tuple(int, int)]]);
const num = variant([['i', int], ['l', int], ['f', f32], ['d', f64], ['s', string]]);
const bits = variant([['f', f32], ['u', int]]);
const small = flags(['read', 'write', 'exec']);
const full = flags(Array.from({ length: 32 }, (_, i) => `f${i}`));
const stats = record([['count', int], ['min', f64], ['max', f64], ['mean', f64]]);

// ---- the imports, in JavaScript ----------------------------------------------------------------
const logged = [];
const host = {
  ints: (...xs) => xs,
  floats: (a, b) => [a * 2, -b],
  negate: (x) => -x,
  isUpper: (c) => c !== c.toLowerCase(),
  nextChar: (c) => String.fromCodePoint(c.codePointAt(0) + 1),
  concat: (a, b) => a + b,
  reverse: (b) => Uint8Array.from(b).reverse(),
  words: (s) => s.split(' ').filter((w) => w),
  promote: (t) => ({
    name: t.name.toUpperCase(),
    members: t.members.map((m) => ({ ...m, age: m.age + 1 })),
  }),
  opt: (x) => (x === undefined ? 'was none' : undefined),
  res: (x) => {
    if (x.tag === 'ok') return x.val + 1;
    const e = new Error('host err');
    e.payload = `${x.val}!`;
    throw e;
  },
  swap: ([s, n]) => [n, s],
  birthday: (p) => ({ ...p, age: p.age + 1 }),
  numEcho: (n) => n,
  bitsEcho: (b) => b,
  shapeEcho: (s) => s,
  colorNext: (c) => ({ red: 'green', green: 'blue', blue: 'red' })[c],
  flagsEcho: (s, f) => [{ read: !s.read, write: !s.write, exec: !s.exec }, f],
  many: (...xs) => xs.map((x) => (x === undefined ? 'none'
    : x instanceof Uint8Array ? `[${Array.from(x).join(',')}]` : String(x))).join(' '),
  statsOf: (xs) => ({
    count: xs.length,
    min: Math.min(...xs),
    max: Math.max(...xs),
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
  }),
};

const { instantiate } = await import(`${dir}/kitchen.js`);
const root = await instantiate((p) => readFile(`${dir}/${p}`).then((b) => WebAssembly.compile(b)), {
  'test:bindgen/host': host,
  'test:bindgen/types': {},
  log: { default: (m) => { logged.push(m); } },
  counter: { default: () => logged.length },
});
const v = root.values;
const h = root.host;

const ada = { name: 'ada', age: 36, tags: ['math'], score: 1.25, active: true };
const bo = { name: 'bo', age: 255, email: 'b@x', tags: [], score: -0.5, active: false };
const cy = { name: 'cy', age: 40, email: 'c@y', tags: ['a', 'b'], score: 0.5, active: false };
const core = {
  name: 'core',
  members: [
    { name: 'ada', age: 36, tags: [], score: 1.5, active: true },
    { name: 'bob', age: 7, email: 'b@x', tags: ['x', 'y'], score: 0, active: false },
  ],
};
const many1 = [255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615n,
  -9223372036854775808n, 1.5, -2.25, 'é', true, 'm ü', new Uint8Array([1, 2]), 9, 'green'];
const many0 = [0, 0, 0, 0, 0, 0, 0n, 0n, 0, 0, 'a', false, '', new Uint8Array([]), undefined,
  'red'];

// interface values: bindgen.sh's weft invoke table, in its order
const lines = [
  wave(bool, v.echoBool(true)),
  wave(bool, v.echoBool(false)),
  wave(int, v.echoS8(-128)),
  wave(int, v.echoS8(127)),
  wave(int, v.echoU8(255)),
  wave(int, v.echoS16(-32768)),
  wave(int, v.echoU16(65535)),
  wave(int, v.echoS32(-2147483648)),
  wave(int, v.echoU32(4294967295)),
  wave(int, v.echoS64(-9223372036854775808n)),
  wave(int, v.echoS64(9223372036854775807n)),
  wave(int, v.echoU64(18446744073709551615n)),
  wave(int, v.echoU64(0n)),
  wave(f32, v.echoF32(3.4028234663852886e38)),
  wave(f32, v.echoF32(Math.fround(-0.1))),
  wave(f32, v.echoF32(NaN)),
  wave(f64, v.echoF64(-1.7976931348623157e308)),
  wave(f64, v.echoF64(5e-324)),
  wave(f64, v.echoF64(-Infinity)),
  wave(f64, v.echoF64(-0)),
  wave(char, v.echoChar('a')),
  wave(char, v.echoChar('😀')),
  wave(char, v.echoChar('\n')),
  wave(string, v.echoString('')),
  wave(string, v.echoString('héllo, 世界 🎉')),
  wave(string, v.echoString('tab\tquote"back\\')),
  wave(int, v.negate(-9223372036854775807n)),
  wave(f32, v.half(3)),
  wave(char, v.nextChar('é')),
  wave(char, v.nextChar('😀')),
  wave(string, v.shout('abc é')),
  wave(list(int), v.reverse(new Uint8Array([1, 2, 255]))),
  wave(list(int), v.reverse(new Uint8Array([]))),
  wave(string, v.join(['a', '', 'ü'], '--')),
  wave(string, v.join([], ',')),
  wave(list(string), v.split('x→y→z', '→')),
  wave(list(string), v.split('', ',')),
  wave(list(string), v.roster(core)),
  wave(team, v.renameTeam(core, 'new')),
  wave(option(int), v.doubleOpt(-21)),
  wave(option(int), v.doubleOpt(undefined)),
  wave(option(string), v.optString('x')),
  wave(option(string), v.optString(undefined)),
  wave(int, v.countSome(['a', undefined, ''])),
  result(int, string, () => v.parseU32('4294967295')),
  result(int, string, () => v.parseU32('4294967296')),
  result(int, string, () => v.parseU32('')),
  result(null, null, () => v.check(true)),
  result(null, null, () => v.check(false)),
  result(null, string, () => v.onlyErr(true)),
  result(null, string, () => v.onlyErr(false)),
  result(string, null, () => v.onlyOk('yes')),
  result(string, null, () => v.onlyOk('')),
  wave(tuple(int, string), v.swap(['s', 18446744073709551615n])),
  wave(person, v.birthday(ada)),
  wave(person, v.birthday(bo)),
  wave(shape, v.scale({ tag: 'circle', val: 2.5 }, 2)),
  wave(shape, v.scale({ tag: 'rect', val: [1.5, -2] }, 2)),
  wave(shape, v.scale({ tag: 'label', val: 'hi' }, 3)),
  wave(shape, v.scale({ tag: 'empty' }, 1)),
  wave(shape, v.scale({ tag: 'pair', val: [255, -4611686018427387904n] }, 1)),
  wave(num, v.echoNum({ tag: 'i', val: -7 })),
  wave(num, v.echoNum({ tag: 'l', val: -9223372036854775808n })),
  wave(num, v.echoNum({ tag: 'f', val: 1.5 })),
  wave(num, v.echoNum({ tag: 'd', val: -2.25 })),
  wave(num, v.echoNum({ tag: 's', val: 'ok' })),
  wave(bits, v.echoBits({ tag: 'f', val: -0.5 })),
  wave(bits, v.echoBits({ tag: 'u', val: 4294967295 })),
  wave(enumt, v.nextColor('blue')),
  wave(enumt, v.nextColor('red')),
  wave(small, v.flip({ read: true })),
  wave(small, v.flip({})),
  wave(full, v.echoFull({ f0: true, f15: true, f31: true })),
  wave(int, v.fullCount({ f0: true, f1: true, f31: true })),
  wave(string, v.many(...many1)),
  wave(string, v.many(...many0)),
  wave(stats, v.statsOf(new Float64Array([1, 2, 6]))),
  wave(stats, v.statsOf(new Float64Array([]))),
  wave(string, root.version()),
  // interface host, exported by the guest, forwarded to the imports above
  wave(tuple(int, int, int, int, int, int, int, int),
    h.ints(-128, 255, -32768, 65535, -2147483648, 4294967295, -9223372036854775808n,
      18446744073709551615n)),
  wave(tuple(f32, f64), h.floats(1.5, -2.25)),
  wave(f64, h.negate(1.5)),
  wave(bool, h.isUpper('Q')),
  wave(bool, h.isUpper('q')),
  wave(char, h.nextChar('😀')),
  wave(string, h.concat('héllo ', 'wörld')),
  wave(string, h.concat('', '')),
  wave(list(int), h.reverse(new Uint8Array([1, 2, 3]))),
  wave(list(string), h.words('  a bb  ccc ')),
  wave(team, h.promote(core)),
  wave(option(string), h.opt('x')),
  wave(option(string), h.opt(undefined)),
  result(int, string, () => h.res({ tag: 'ok', val: 41 })),
  result(int, string, () => h.res({ tag: 'err', val: 'bad' })),
  wave(tuple(int, string), h.swap(['s', 7n])),
  wave(person, h.birthday(cy)),
  wave(num, h.numEcho({ tag: 'i', val: -7 })),
  wave(num, h.numEcho({ tag: 'l', val: -9223372036854775808n })),
  wave(num, h.numEcho({ tag: 'f', val: -1.5 })),
  wave(num, h.numEcho({ tag: 'd', val: 1e300 })),
  wave(num, h.numEcho({ tag: 's', val: 'ünï' })),
  wave(bits, h.bitsEcho({ tag: 'f', val: -0.5 })),
  wave(bits, h.bitsEcho({ tag: 'u', val: 4294967295 })),
  wave(shape, h.shapeEcho({ tag: 'circle', val: 2.5 })),
  wave(shape, h.shapeEcho({ tag: 'rect', val: [1.5, -2] })),
  wave(shape, h.shapeEcho({ tag: 'label', val: 'hi' })),
  wave(shape, h.shapeEcho({ tag: 'empty' })),
  wave(shape, h.shapeEcho({ tag: 'pair', val: [255, -9223372036854775808n] })),
  wave(enumt, h.colorNext('blue')),
  wave(tuple(small, full), h.flagsEcho({ read: true }, { f0: true, f31: true })),
  wave(string, h.many(...many1)),
  wave(string, h.many(...many0)),
  wave(stats, h.statsOf(new Float64Array([1, 2, 6]))),
  wave(int, root.logTwice('hi')),
  wave(int, root.logTwice('again')),
  wave(list(string), logged),
];
console.log(lines.join('\n'));
