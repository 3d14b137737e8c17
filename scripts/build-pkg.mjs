#!/usr/bin/env node
// Builds the npm package into pkg/ (git-ignored). Run through `make pkg` (which runs setup first).
//
// Two wasm modules (docs/architecture.md, "The decision module"): the decision module, built without
// the `policy-json` feature (the one the size budget counts), and the policy module, with it (loaded
// only to compile a custom policy, validate or review one).
//
//   1. scripts/wasm-cargo build --release --lib -p factorgate, twice:
//        --no-default-features  target/wasm-decision/wasm32-unknown-unknown/release/factorgate.wasm
//        default features       target/wasm/wasm32-unknown-unknown/release/factorgate.wasm
//   2. wasm-bindgen --target no-modules, each      glue + .wasm in target/pkg-build/{decision,policy}/
//   3. each glue, wrapped into a factory           target/pkg-build/{bindings,policy-bindings}.js (see bindingsModule)
//   4. esbuild js/core.js + both bindings, minified pkg/core.cjs (CommonJS), pkg/core.mjs (ES module)
//   5. wasm-opt -O3 --converge --low-memory-unused (npm binaryen), each
//                                                  pkg/factorgate_bg.wasm, pkg/factorgate_policy_bg.wasm
//   6. hand-written entries and types from js/        pkg/{node,init}.{cjs,mjs}, browser.mjs, workerd.mjs, testing.*, *.d.ts
//   7. package.json (name factorgate, version from Cargo.toml, and "factorgateBuild": which wasm32
//      route built the .wasm), then a smoke test of require()
//
// Options: --skip-cargo (reuse the last cargo build), --no-opt (skip wasm-opt; faster, bigger).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const work = join(root, 'target', 'pkg-build');
const args = new Set(process.argv.slice(2));
const require = createRequire(import.meta.url);
const t0 = Date.now();
// setup.sh installs wasm-bindgen into cargo's bin directory, as scripts/common.sh does for the shell.
process.env.PATH = `${join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin')}${delimiter}${process.env.PATH}`;

function step(what) {
  console.log(`[build-pkg] ${what}`);
}
function run(cmd, cmdArgs, opts = {}) {
  execFileSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, ...opts });
}

// --- 1. cargo -------------------------------------------------------------------------------------
const cargoToml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/ms.exec(cargoToml)?.[1];
const bindgenPin = /^wasm-bindgen\s*=\s*\{[^}]*version\s*=\s*"=([^"]+)"/m.exec(cargoToml)?.[1];
if (!version || !bindgenPin) throw new Error('cannot read the package version or the wasm-bindgen pin from Cargo.toml');
// Which module is which: its name in pkg/, its cargo target directory, its feature flags.
const modules = [
  { name: 'decision', wasm: 'factorgate_bg.wasm', bindings: 'bindings.js',
    targetDir: process.env.FG_WASM_DECISION_TARGET_DIR || join(root, 'target', 'wasm-decision'), features: ['--no-default-features'] },
  { name: 'policy', wasm: 'factorgate_policy_bg.wasm', bindings: 'policy-bindings.js',
    targetDir: process.env.FG_WASM_TARGET_DIR || join(root, 'target', 'wasm'), features: [] }, // as in scripts/wasm-cargo
];
for (const m of modules) {
  m.rawWasm = join(m.targetDir, 'wasm32-unknown-unknown', 'release', 'factorgate.wasm');
  if (!args.has('--skip-cargo')) {
    step(`cargo build --release --lib ${m.features.join(' ')} (wasm32-unknown-unknown, the ${m.name} module)`);
    run(join(root, 'scripts', 'wasm-cargo'), ['build', '--release', '--lib', '-p', 'factorgate', ...m.features], {
      env: { ...process.env, FG_WASM_TARGET_DIR: m.targetDir },
    });
  }
}
// Which toolchain route built them, as scripts/wasm-cargo recorded at that build (also with
// --skip-cargo): the decision module's (both builds take the same route).
const routeFile = join(modules[0].targetDir, 'release-route.json');
const route = existsSync(routeFile)
  ? JSON.parse(readFileSync(routeFile, 'utf8'))
  : { route: 'unknown', rustc: 'unknown', details: `no ${routeFile}` };

// --- 2. wasm-bindgen ------------------------------------------------------------------------------
const cliVersion = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim();
if (cliVersion !== `wasm-bindgen ${bindgenPin}`) {
  throw new Error(`${cliVersion} does not match the crate pin =${bindgenPin}; run scripts/setup.sh`);
}
rmSync(work, { recursive: true, force: true });
for (const m of modules) {
  m.work = join(work, m.name);
  mkdirSync(m.work, { recursive: true });
  step(`${cliVersion} --target no-modules (the ${m.name} module)`);
  run('wasm-bindgen', [
    '--target', 'no-modules', '--omit-default-module-path', '--no-typescript',
    '--out-dir', m.work, '--out-name', 'factorgate', m.rawWasm,
  ]);
  m.bgWasm = join(m.work, 'factorgate_bg.wasm');
}

// --- 3. the glue as a factory ---------------------------------------------------------------------
// Trap recovery (docs/contract.md#failure) needs a FRESH instance with its OWN glue state after a trap: the glue
// keeps `wasm`, cached memory views and a FinalizationRegistry in closure variables, and a
// finalizer of an object from the dead instance must never free a pointer in the new one.
//
// Why the no-modules target: its glue is a single IIFE, `let wasm_bindgen = (function(exports)
// { ... })(...)`, holding all of that state. Wrapping the file, unchanged, in a function gives
// `createBindings()`: every call evaluates the IIFE again, so every instance has its own glue.
// No regex surgery on generated code (which the web target's top-level ES exports would need).
//
// The dead instance's finalizers: the factory shadows `FinalizationRegistry` with a wrapper whose
// callbacks become no-ops once the shim calls `retire()`. Otherwise a WasmEngine of the trapped
// instance, collected later, would call __wbg_wasmengine_free on an instance in an unknown state,
// and a second trap inside a finalizer would surface as an uncaught exception in the host.
//
// Alternatives rejected, for wasm-bindgen 0.2.130:
// - `--experimental-reset-state-function` re-instantiates inside one glue and guards finalizers
//   with an instance id, but `free()` on a stale object still frees its pointer in the NEW
//   instance, and the flag is experimental.
// - `import()` of the ES glue with a fresh query string gives fresh state, but is asynchronous:
//   the call that trapped must be answered synchronously with the fail mode.
// - wasm-bindgen's `schedule_reinit()` needs code on the Rust side and reuses one glue state.
// The glue uses no randomness and no globalThis.crypto (checked below), so Node 18 works as is.
function bindingsOf(m) {
const glue = readFileSync(join(m.work, 'factorgate.js'), 'utf8');
const checks = [
  [/^let wasm_bindgen = \(function\(exports\) \{$/m.test(glue), 'the glue is no longer `let wasm_bindgen = (function(exports) {`'],
  [!/^\s*(import|export)\b/m.test(glue), 'the glue contains import/export statements'],
  [!/\bimport\.meta\b|\brequire\(/.test(glue), 'the glue uses import.meta or require()'],
  [!/\bcrypto\b|getRandomValues/.test(glue), 'the glue uses crypto (Node 18 has no globalThis.crypto)'],
  [/new FinalizationRegistry\(/.test(glue), 'the glue no longer uses FinalizationRegistry (re-check retire())'],
];
for (const [ok, why] of checks) {
  if (!ok) throw new Error(`unexpected wasm-bindgen glue (the ${m.name} module): ${why}; re-check the factory in scripts/build-pkg.mjs`);
}
return `// Generated by scripts/build-pkg.mjs from ${cliVersion} --target no-modules output (the ${m.name} module). Do not edit.
// createBindings(stats) evaluates the glue afresh: an independent glue state for one wasm
// instance. \`stats.suppressedFinalizers\` counts finalizers that ran after retire() and did nothing.
export function createBindings(stats = { suppressedFinalizers: 0 }) {
  let retired = false;
  // Shadows the global for the glue below: finalizers of a retired instance do nothing.
  const FinalizationRegistry = typeof globalThis.FinalizationRegistry === 'function'
    ? class {
        constructor(cleanup) {
          this.inner = new globalThis.FinalizationRegistry((held) => {
            if (retired) stats.suppressedFinalizers += 1;
            else cleanup(held);
          });
        }
        register(target, held, token) { this.inner.register(target, held, token); }
        unregister(token) { return this.inner.unregister(token); }
      }
    : undefined;

${glue}

  return { glue: wasm_bindgen, retire() { retired = true; } };
}
`;
}
for (const m of modules) {
  m.bindingsModule = bindingsOf(m);
  writeFileSync(join(work, m.bindings), m.bindingsModule);
}

// The default policy's text, embedded in the shim (js/core.js DEFAULT_POLICY_JSON): asked of the
// module just built, so it is the engine's own canonical text. It must survive the host's round
// trip (JSON.stringify(JSON.parse(text)) === text) to be recognised by compilePolicy.
// Asked of the policy module: the decision module has no default_policy().
const policyModule = modules.find((m) => m.name === 'policy');
writeFileSync(join(work, 'policy-bindings.mjs'), policyModule.bindingsModule);
const defaultPolicyJson = (() => {
  return import(pathToFileURL(join(work, 'policy-bindings.mjs')).href).then(({ createBindings }) => {
    const { glue } = createBindings();
    glue.initSync({ module: new WebAssembly.Module(readFileSync(policyModule.bgWasm)) });
    return glue.default_policy();
  });
})();
const defaultPolicyText = await defaultPolicyJson;
if (JSON.stringify(JSON.parse(defaultPolicyText)) !== defaultPolicyText) {
  throw new Error('the default policy text does not survive JSON.parse + JSON.stringify; compilePolicy could not recognise it');
}

// --- 4. bundle the platform-independent core ----------------------------------------------------
// Twice: CommonJS for the Node entries (one runtime shared by require and import), ES module for
// the browser, workerd and init entries (no CommonJS in browsers and Workers).
step('esbuild js/core.js -> pkg/core.cjs, pkg/core.mjs');
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });
const esbuild = require('esbuild');
for (const format of ['cjs', 'esm']) await esbuild.build({
  entryPoints: [join(root, 'js', 'core.js')],
  outfile: join(pkg, format === 'cjs' ? 'core.cjs' : 'core.mjs'),
  bundle: true,
  format,
  platform: 'neutral',
  target: 'es2022', // Node 18: class static blocks, private methods, Object.hasOwn
  // Minified: V8 reads (scans, pre-parses) the whole file at load, and the bundle is mostly
  // wasm-bindgen glue nobody reads; half the bytes, less cold start (README.md#where-the-budgets-stand).
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __FACTORGATE_DEFAULT_POLICY__: JSON.stringify(defaultPolicyText) },
  plugins: [{
    name: 'generated-bindings',
    setup(build) {
      build.onResolve({ filter: /^\.\/(policy-)?bindings\.js$/ }, (a) => ({ path: join(work, a.path.slice(2)) }));
    },
  }],
});

// --- 5. wasm-opt ----------------------------------------------------------------------------------
for (const m of modules) m.outWasm = join(pkg, m.wasm);
// Features: what rustc's wasm32-unknown-unknown target emits by default (Rust >= 1.82), all
// supported by Node 18. Named explicitly because the target_features section may be stripped.
// -O3 --low-memory-unused, chosen by measurement (README.md#where-the-budgets-stand): on the same
// input, -Oz gave 218,151 B / 94,491 B gzip, -O3 --low-memory-unused 220,261 / 94,011 and ~8 %
// less time per decision (-O3 inlines the small helpers -Oz leaves out of line and keeps sha2's
// opt-level 3 unrolling; rustc's wasm32 layout leaves the first 1 KB of memory unused, which
// lets constant addresses fold into load and store offsets); --converge: −244 B gzip more.
// Since approvals and recovery (the crate at opt-level z, Cargo.toml), on the same input:
// -O3 242,824 B / 104,085 B gzip, -Os 239,373 / 103,505, -Oz 237,412 / 103,794: -Os, the smallest
// gzip, which is what the budget counts.
// With the result record, state v4 and the faster decoding (issue 14, the decision module on the
// same input): -Os 225,670 B / 99,445 B gzip, -O3 227,788 / 99,760 and 5-10 % less time per
// decision in interleaved runs (bench/ab.mjs, both orders): -O3, inside the budget; -Os gives the
// 315 B back if a feature needs them.
// No multi-value: scripts/wasm-cargo.
const wasmOptArgs = [
  '-O3', '--converge', '--low-memory-unused',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types',
  '--strip-debug', '--strip-producers', '--strip-target-features',
];
let wasmOpt = 'skipped (--no-opt)';
if (args.has('--no-opt')) {
  for (const m of modules) cpSync(m.bgWasm, m.outWasm);
} else {
  // wasm-opt under Node takes ~15 s a module; its output is cached by the hash of its input and
  // arguments. The cache keeps the outputs of this build's inputs, and nothing else.
  const binaryen = JSON.parse(readFileSync(join(root, 'node_modules', 'binaryen', 'package.json'), 'utf8')).version;
  wasmOpt = `${wasmOptArgs.slice(0, 3).join(' ')} (binaryen ${binaryen})`;
  const cacheDir = join(root, 'target', 'wasm-opt-cache');
  mkdirSync(cacheDir, { recursive: true });
  const keep = new Set();
  for (const m of modules) {
    const key = createHash('sha256').update(readFileSync(m.bgWasm)).update(`${binaryen} ${wasmOptArgs.join(' ')}`).digest('hex');
    const cached = join(cacheDir, `${key}.wasm`);
    keep.add(`${key}.wasm`);
    if (existsSync(cached)) {
      step(`${wasmOpt} (the ${m.name} module): unchanged input, cached output`);
    } else {
      step(`wasm-opt ${wasmOpt} from npm (the ${m.name} module)`);
      run(process.execPath, [join(root, 'node_modules', 'binaryen', 'bin', 'wasm-opt'), ...wasmOptArgs, m.bgWasm, '-o', `${cached}.tmp`]);
      renameSync(`${cached}.tmp`, cached);
    }
    cpSync(cached, m.outWasm);
  }
  for (const f of readdirSync(cacheDir)) if (!keep.has(f)) rmSync(join(cacheDir, f), { force: true });
}

// --- 6. entries and types -------------------------------------------------------------------------
for (const [from, to] of [
  ['node.cjs', 'node.cjs'], ['node.mjs', 'node.mjs'],
  ['testing.cjs', 'testing.cjs'], ['testing.mjs', 'testing.mjs'],
  ['index.d.ts', 'index.d.ts'], ['index.d.ts', 'index.d.mts'],
  ['testing.d.ts', 'testing.d.ts'], ['testing.d.mts', 'testing.d.mts'],
  ['browser.mjs', 'browser.mjs'], ['workerd.mjs', 'workerd.mjs'],
  ['init.cjs', 'init.cjs'], ['init.mjs', 'init.mjs'], ['init.d.ts', 'init.d.ts'],
]) {
  cpSync(join(root, 'js', from), join(pkg, to));
}
// The ES module types of init refer to the ES module types of the API.
writeFileSync(join(pkg, 'init.d.mts'), readFileSync(join(root, 'js', 'init.d.ts'), 'utf8').replaceAll("'./index.js'", "'./index.mjs'"));

// --- 7. package.json ------------------------------------------------------------------------------
// Conditions, first match wins; `types` first in every branch:
//   workerd  Cloudflare Workers (wrangler sets it): static .wasm import, no compilation from bytes
//   browser  browsers and bundlers targeting them: fetch + async compile, top-level await
//   node     Node, import and require sharing one runtime (readFileSync + sync compile)
//   import   other ES module hosts (Deno without node, edge runtimes with fetch): as browser
//   require  other CommonJS hosts: as node
// `factorgate/init` loads nothing by itself: `init(bytes | Module | Response | URL)`.
const entry = (mjs, cjs, dmts, dts) => ({
  import: { types: dmts, default: mjs },
  require: { types: dts, default: cjs },
});
const manifest = {
  name: 'factorgate',
  version,
  description: 'Explainable MFA step-up and enrollment-risk decisions, compiled to WebAssembly for IdP hooks',
  license: 'Apache-2.0',
  engines: { node: '>=18' },
  main: './node.cjs',
  types: './index.d.ts',
  exports: {
    '.': {
      workerd: { types: './index.d.mts', default: './workerd.mjs' },
      browser: { types: './index.d.mts', default: './browser.mjs' },
      node: entry('./node.mjs', './node.cjs', './index.d.mts', './index.d.ts'),
      import: { types: './index.d.mts', default: './browser.mjs' },
      require: { types: './index.d.ts', default: './node.cjs' },
    },
    './init': entry('./init.mjs', './init.cjs', './init.d.mts', './init.d.ts'),
    './testing': entry('./testing.mjs', './testing.cjs', './testing.d.mts', './testing.d.ts'),
    './factorgate_bg.wasm': './factorgate_bg.wasm',
    './factorgate_policy_bg.wasm': './factorgate_policy_bg.wasm',
    './package.json': './package.json',
  },
  files: ['*.cjs', '*.mjs', '*.d.ts', '*.d.mts', 'factorgate_bg.wasm', 'factorgate_policy_bg.wasm'],
  // Importing an entry only compiles the .wasm (in Node, and keeps the runtime on globalThis for the
  // other entry, node.cjs or node.mjs); nothing else happens at import time.
  sideEffects: false,
  // How this build was made: the wasm32 route (scripts/wasm-cargo), rustc, wasm-opt.
  factorgateBuild: { ...route, wasmBindgen: bindgenPin, wasmOpt },
};
writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// --- smoke test and sizes -------------------------------------------------------------------------
const built = createRequire(join(pkg, 'package.json'))('./node.cjs');
const v = built.version();
if (v.type !== 'version') throw new Error(`smoke test: version() returned ${JSON.stringify(v)}`);
const custom = built.compilePolicy({ ...built.defaultPolicy(), id: 'smoke' });
if (custom.type !== 'engine') throw new Error(`smoke test: a custom policy gave ${JSON.stringify(custom)}`);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = modules.map((m) => {
  const bytes = readFileSync(m.outWasm);
  return `${m.wasm} ${kb(bytes.length)} raw / ${kb(gzipSync(bytes, { level: 9 }).length)} gzip (before wasm-opt ${kb(statSync(m.bgWasm).size)})`;
});
console.log(
  `[build-pkg] pkg/ ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: factorgate ${version}, ` +
  `wasm32 via ${route.route} route (${route.details}), ${sizes.join(', ')}, core.cjs ${kb(statSync(join(pkg, 'core.cjs')).size)}`,
);
