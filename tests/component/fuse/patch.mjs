// patch.mjs IN.wasm OUT.wasm: gives a component built by jco from fuse.wit's placeholders (see
// fuse.sh) the types of interface gated back, which jco (wit-component 0.225) refuses to write:
//  - record big { zzw0: u32, zzw1: u32 } becomes flags big { b0, ..., b39 } (the same core values:
//    two i32 flat, 8 bytes aligned to 4 in memory);
//  - the result tuple<u32, u32> of divmod(dividend, divisor) becomes (q: u32, r: u32), and the
//    result tuple<string, string> of split-name(full-name) becomes (first: string, last: string)
//    (the same return area).
// Only type sections (id 7) change, in the component and in the components nested in it (id 4),
// each re-sized; the core modules stay as they are. Exits 1 unless each pattern was found at least once.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const bytes = readFileSync(input);
const enc = new TextEncoder();
const name = (s) => [s.length, ...enc.encode(s)];
const U32 = 0x79, STRING = 0x73;

const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const readLeb = (buf, at) => {
  let n = 0, shift = 0, b;
  do {
    b = buf[at++];
    n |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return [n >>> 0, at];
};

const flags = [0x6e, ...leb(40)];
for (let i = 0; i < 40; i++) flags.push(...name(`b${i}`));
// [pattern, replacement, whether a type index (the placeholder tuple) follows the pattern]
const patches = [
  [[0x72, 2, ...name('zzw0'), U32, ...name('zzw1'), U32], flags, false],
  [[...name('dividend'), U32, ...name('divisor'), U32, 0x00],
   [...name('dividend'), U32, ...name('divisor'), U32, 0x01, 2, ...name('q'), U32, ...name('r'), U32], true],
  [[...name('full-name'), STRING, 0x00],
   [...name('full-name'), STRING, 0x01, 2, ...name('first'), STRING, ...name('last'), STRING], true],
];
const found = patches.map(() => 0);

const patchSection = (content) => {
  const out = [];
  for (let i = 0; i < content.length;) {
    let hit = -1;
    for (let p = 0; p < patches.length && hit < 0; p++) {
      const pat = patches[p][0];
      if (i + pat.length <= content.length && pat.every((b, k) => content[i + k] === b)) hit = p;
    }
    if (hit < 0) {
      out.push(content[i++]);
      continue;
    }
    const [pat, rep, indexed] = patches[hit];
    i += pat.length;
    if (indexed) i = readLeb(content, i)[1]; // the tuple's type index: dropped
    out.push(...rep);
    found[hit]++;
  }
  return out;
};

// A component: its preamble, then sections; nested components (id 4) are patched the same way.
const patchComponent = (comp) => {
  const chunks = [comp.subarray(0, 8)];
  for (let at = 8; at < comp.length;) {
    const id = comp[at];
    const [size, start] = readLeb(comp, at + 1);
    const content = comp.subarray(start, start + size);
    const body = id === 7 ? Buffer.from(patchSection(content)) : id === 4 ? patchComponent(content) : content;
    chunks.push(Buffer.from([id, ...leb(body.length)]), body);
    at = start + size;
  }
  return Buffer.concat(chunks);
};
const out = patchComponent(bytes);
if (found.some((n) => n === 0)) {
  console.error(`patch.mjs: ${input}: a placeholder was not found (${found.join(', ')})`);
  process.exit(1);
}
writeFileSync(output, out);
