#!/usr/bin/env node
// Measures raw .wasm files as the package would ship them: wasm-bindgen (no-modules), then
// wasm-opt with build-pkg.mjs's arguments, then raw and gzip sizes (Node zlib level 9, as
// pkg-tests/packaging.test.mjs counts them). For comparing module splits without building pkg/:
//
//   scripts/wasm-cargo build --release --lib -p factorgate                       # full module
//   FG_WASM_TARGET_DIR=target/wasm-decision \
//     scripts/wasm-cargo build --release --lib -p factorgate --no-default-features # decision module
//   node scripts/measure-wasm.mjs target/wasm/wasm32-unknown-unknown/release/factorgate.wasm \
//     target/wasm-decision/wasm32-unknown-unknown/release/factorgate.wasm
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The same as build-pkg.mjs's wasmOptArgs.
const wasmOptArgs = [
  '-O3', '--converge', '--low-memory-unused',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types',
  '--strip-debug', '--strip-producers', '--strip-target-features',
];
const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error('usage: node scripts/measure-wasm.mjs <raw.wasm>...');
  process.exit(2);
}
inputs.forEach((input, i) => {
  const work = join(root, 'target', 'measure-wasm', String(i));
  mkdirSync(work, { recursive: true });
  execFileSync('wasm-bindgen', [
    '--target', 'no-modules', '--omit-default-module-path', '--no-typescript',
    '--out-dir', work, '--out-name', 'factorgate', input,
  ], { stdio: 'inherit' });
  const bg = join(work, 'factorgate_bg.wasm');
  const opt = join(work, 'factorgate_opt.wasm');
  execFileSync(process.execPath, [join(root, 'node_modules', 'binaryen', 'bin', 'wasm-opt'), ...wasmOptArgs, bg, '-o', opt], { stdio: 'inherit' });
  const bytes = readFileSync(opt);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const exports = new WebAssembly.Module(bytes);
  const names = WebAssembly.Module.exports(exports).map((e) => e.name).filter((n) => !n.startsWith('__'));
  console.log(`${input}\n  raw ${bytes.length} B, gzip ${gzip} B (level 9), ${names.length} exports: ${names.join(' ')}`);
});
