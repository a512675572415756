// node_wasi.mjs: runs a wasm32-wasi command under node (V8) for weft's benchmark harness.
// Usage: node --experimental-wasi-unstable-preview1 bench/node_wasi.mjs PROG.wasm [ARG...]
// Owns only the glue: node's built-in WASI (preview 1), the program's arguments, an empty
// environment, no preopened directories, and passing the guest's exit status back.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node_wasi.mjs PROG.wasm [ARG...]');
  process.exit(2);
}
// returnOnExit: proc_exit(n) returns n from start() instead of ending node at once.
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
// wasiImport rather than getImportObject(): the latter is missing from older node (18.x).
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(instance);
