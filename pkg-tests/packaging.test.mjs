// The package as a user installs it: `npm pack` of pkg/, unpacked into a scratch project's
// node_modules, then loaded by name from fresh Node processes (require and import, without
// globalThis.crypto as on Node 18), type-checked with tsc, and measured against docs/contract.md#budgets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'pkg');
let scratch;
let project;
let packed;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'factorgate-pack-'));
  const [info] = JSON.parse(
    execFileSync('npm', ['pack', pkgDir, '--json', '--pack-destination', scratch], { encoding: 'utf8', cwd: scratch }),
  );
  packed = info;
  project = join(scratch, 'project');
  const installed = join(project, 'node_modules', 'factorgate');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['xzf', join(scratch, info.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
  // Node 18 has no globalThis.crypto; here any use of it throws.
  writeFileSync(
    join(project, 'no-crypto.cjs'),
    "Object.defineProperty(globalThis, 'crypto', { configurable: true, get() { throw new Error('globalThis.crypto was used'); } });\n",
  );
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function runNode(file, source) {
  writeFileSync(join(project, file), source);
  return execFileSync(process.execPath, ['-r', './no-crypto.cjs', file], { cwd: project, encoding: 'utf8' }).trim();
}

test('the tarball holds exactly the package files', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'browser.mjs', 'core.cjs', 'core.mjs', 'factorgate_bg.wasm', 'factorgate_policy_bg.wasm', 'index.d.mts', 'index.d.ts',
    'init.cjs', 'init.d.mts', 'init.d.ts', 'init.mjs', 'node.cjs', 'node.mjs', 'package.json',
    'testing.cjs', 'testing.d.mts', 'testing.d.ts', 'testing.mjs', 'workerd.mjs',
  ]);
});

test('package.json: name, version from Cargo.toml, types first in every export condition', () => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
  assert.equal(manifest.name, 'factorgate');
  assert.equal(manifest.version, cargoVersion);
  // Every condition object that leads to code (a `default`) states its `types` first; nested
  // condition objects (node: { import, require }) are checked the same way.
  const check = (where, target) => {
    if (typeof target === 'string') return;
    if ('default' in target) assert.equal(Object.keys(target)[0], 'types', `${where}: types must come first`);
    for (const [condition, inner] of Object.entries(target)) {
      if (condition !== 'types' && condition !== 'default') check(`${where}.${condition}`, inner);
    }
  };
  for (const [subpath, conditions] of Object.entries(manifest.exports)) {
    if (typeof conditions !== 'string') {
      assert.ok(!('default' in conditions) || Object.keys(conditions)[0] === 'types', `exports["${subpath}"]: types first`);
      for (const [condition, target] of Object.entries(conditions)) check(`exports["${subpath}"].${condition}`, target);
    }
  }
  assert.deepEqual(Object.keys(manifest.exports['.']), ['workerd', 'browser', 'node', 'import', 'require']);
});

test('factorgate/init: init(bytes | Module | Response | promise) and initSync, from require and import', () => {
  const out = runNode(
    'consumer-init.mjs',
    `import { readFileSync } from 'node:fs';
     import { createRequire } from 'node:module';
     import { init, initSync } from 'factorgate/init';
     const require = createRequire(import.meta.url);
     const bytes = readFileSync(require.resolve('factorgate/factorgate_bg.wasm'));
     const apis = [
       await init(bytes),
       await init(new WebAssembly.Module(bytes)),
       await init(Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }))),
       await init(new Response(bytes)),
       initSync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
       require('factorgate/init').initSync(new WebAssembly.Module(bytes)),
     ];
     const outcomes = apis.map((api) => {
       const engine = api.compilePolicy(api.defaultPolicy());
       return engine.decideLogin({ user: { id: 'u', factors: [{ type: 'totp' }] } }, { now: 1.8e12 }).outcome;
     });
     const refusals = [];
     for (const bad of [42, null, Promise.resolve({})]) refusals.push(await init(bad).then(() => 'resolved', (e) => e.constructor.name));
     try { initSync('x'); } catch (e) { refusals.push(e.constructor.name); }
     console.log(JSON.stringify([outcomes, refusals, apis[0] !== apis[1]]));`,
  );
  assert.deepEqual(JSON.parse(out), [Array(6).fill('stepUp'), Array(4).fill('TypeError'), true]);
});

test('two modules: init without the policy module compiles the default only; with it, any policy, as the Node entry', () => {
  const out = runNode(
    'consumer-split.mjs',
    `import { readFileSync } from 'node:fs';
     import { createRequire } from 'node:module';
     import { init, initSync } from 'factorgate/init';
     const require = createRequire(import.meta.url);
     const bytes = readFileSync(require.resolve('factorgate/factorgate_bg.wasm'));
     const policyBytes = readFileSync(require.resolve('factorgate/factorgate_policy_bg.wasm'));
     const fg = require('factorgate');
     const custom = { ...fg.defaultPolicy(), id: 'custom', failMode: { default: 'open', byUserKind: {} } };
     const req = { user: { id: 'u', factors: [{ type: 'totp' }] } };
     const decide = (api, policy) => {
       const engine = api.compilePolicy(policy);
       return engine.type === 'engine' ? engine.decideLogin(req, { now: 1.8e12 }) : engine;
     };
     const alone = await init(bytes);
     const both = await init(bytes, Promise.resolve(new Response(policyBytes)));
     const both2 = initSync(bytes, new WebAssembly.Module(policyBytes));
     console.log(JSON.stringify([
       decide(alone, alone.defaultPolicy()).outcome,
       decide(alone, custom).errors.map((e) => e.code),
       alone.validatePolicy(custom).type,
       JSON.stringify(decide(both, custom)) === JSON.stringify(decide(fg, custom)),
       JSON.stringify(decide(both2, custom)) === JSON.stringify(decide(fg, custom)),
       both.validatePolicy(custom).valid,
       decide(fg, { ...custom, failMode: 'sideways' }).errors.map((e) => e.code),
     ]));`,
  );
  assert.deepEqual(JSON.parse(out), ['stepUp', ['engineFailure'], 'error', true, true, true, ['invalidShape']]);
});

test('the Node entries (require and import) read the policy module only when a call needs it', () => {
  writeFileSync(
    join(project, 'reads.cjs'),
    `const fs = require('node:fs');
     const read = fs.readFileSync;
     globalThis.reads = [];
     fs.readFileSync = function (file, ...rest) { globalThis.reads.push(String(file).split('/').pop()); return read.call(this, file, ...rest); };\n`,
  );
  const body = `const engine = fg.compilePolicy(fg.defaultPolicy(), { stateKey: 'k'.repeat(32) });
     engine.decideLogin({ user: { id: 'u' } }, { now: 1.8e12 });
     const before = reads.filter((f) => f.endsWith('.wasm'));
     fg.compilePolicy({ ...fg.defaultPolicy(), id: 'custom' });
     fg.validatePolicy(fg.defaultPolicy());
     console.log(JSON.stringify([before, reads.filter((f) => f.endsWith('.wasm'))]));`;
  writeFileSync(join(project, 'consumer-reads.cjs'), `const fg = require('factorgate');\n${body}`);
  writeFileSync(join(project, 'consumer-reads.mjs'), `import * as fg from 'factorgate';\n${body}`);
  for (const file of ['consumer-reads.cjs', 'consumer-reads.mjs']) {
    const out = execFileSync(process.execPath, ['-r', './reads.cjs', file], { cwd: project, encoding: 'utf8' }).trim();
    assert.deepEqual(JSON.parse(out), [['factorgate_bg.wasm'], ['factorgate_bg.wasm', 'factorgate_policy_bg.wasm']], file);
  }
});

test('require("factorgate") in a fresh CommonJS process without globalThis.crypto', () => {
  const out = runNode(
    'consumer.cjs',
    `const fg = require('factorgate');
     const testing = require('factorgate/testing');
     const engine = fg.compilePolicy(fg.defaultPolicy(), { stateKey: 'k'.repeat(32) });
     const d = engine.decideLogin({ user: { id: 'u1', factors: [{ id: 'f', type: 'totp' }] } }, { now: 1.8e12 });
     testing.injectTraps(1);
     const failed = engine.decideLogin({ user: { id: 'u1' } }, { now: 1.8e12 });
     console.log(JSON.stringify([engine.type, d.type, failed.reasons.map((r) => r.code), testing.generation(), require('factorgate/package.json').name]));`,
  );
  assert.deepEqual(JSON.parse(out), ['engine', 'decision', ['engineFailure'], 2, 'factorgate']);
});

test('import from "factorgate" in a fresh ES module process shares the runtime with require', () => {
  const out = runNode(
    'consumer.mjs',
    `import { createRequire } from 'node:module';
     import { compilePolicy, defaultPolicy, version } from 'factorgate';
     import testing, { generation } from 'factorgate/testing';
     const require = createRequire(import.meta.url);
     const cjs = require('factorgate');
     testing.trapNow();
     const engine = compilePolicy(JSON.stringify(defaultPolicy()));
     console.log(JSON.stringify([cjs.compilePolicy === compilePolicy, require('factorgate/testing').generation(), generation(), version().type, engine.type]));`,
  );
  assert.deepEqual(JSON.parse(out), [true, 2, 2, 'version', 'engine']);
});

test('require first, then import: the same runtime, whichever entry loads first', () => {
  const out = runNode(
    'consumer-first.cjs',
    `const cjs = require('factorgate');
     require('factorgate/testing').trapNow();
     import('factorgate').then(async (esm) => {
       const testing = await import('factorgate/testing');
       const engine = esm.compilePolicy(esm.defaultPolicy());
       console.log(JSON.stringify([esm.compilePolicy === cjs.compilePolicy, testing.generation(), testing.default === require('factorgate/testing'), engine.type]));
     });`,
  );
  assert.deepEqual(JSON.parse(out), [true, 2, true, 'engine']);
});

test('import from "factorgate" loads no CommonJS: neither a .cjs file nor Node\'s CommonJS translator (cold start)', () => {
  const out = runNode(
    'consumer-esm-only.mjs',
    `import { createRequire } from 'node:module';
     import { compilePolicy, defaultPolicy } from 'factorgate';
     const engine = compilePolicy(defaultPolicy());
     const cjsFiles = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/factorgate/'));
     const lexer = process.moduleLoadList.some((m) => m.includes('cjs-module-lexer'));
     console.log(JSON.stringify([engine.type, cjsFiles, lexer]));`,
  );
  assert.deepEqual(JSON.parse(out), ['engine', [], false]);
});

test('the types check under TypeScript (node16 resolution, import and require)', () => {
  writeFileSync(
    join(project, 'consumer-types.mts'),
    `import { compilePolicy, defaultPolicy, validatePolicy, reviewExceptions, diffDecisions, version } from 'factorgate';
     import type { Decision, DecisionDiff, DiffClass, ErrorResult, FieldChange, LoginRequest, FactorChangeRequest, Outcome } from 'factorgate';
     import testing, { injectTraps } from 'factorgate/testing';
     import { init, initSync, type Factorgate, type WasmSource } from 'factorgate/init';
     const source: WasmSource = new Uint8Array(8);
     const manual: Promise<Factorgate> = init(source);
     const manualSync: Factorgate = initSync(new ArrayBuffer(8));
     void manual.then((api) => {
       const e = api.compilePolicy('{}');
       if (e.type === 'engine') { const d: Decision | ErrorResult = e.decideLogin({ user: { id: 'u' } }); void d; }
     });
     void manualSync;
     const engine = compilePolicy(defaultPolicy(), { stateKey: 'k'.repeat(32) });
     if (engine.type === 'error') {
       const codes: string[] = engine.errors.map((e) => e.code + e.path + e.message);
       void codes;
     } else {
       const login: LoginRequest = { user: { id: 'u', kind: 'employee', factors: [{ type: 'totp' }] }, app: { id: 'wiki' } };
       const d: Decision | ErrorResult = engine.decideLogin(login, { now: new Date() });
       if (d.type === 'decision') {
         const outcome: Outcome = d.outcome;
         const level: string = d.risk.level;
         void outcome; void level;
       }
       const change: FactorChangeRequest = { user: { id: 'u' }, change: { action: 'enroll', factor: { type: 'totp' } } };
       engine.assessFactorChange(change);
       engine.assessFactorChange('{"user":{"id":"u"}}', { now: 0 });
       engine.free();
       engine[Symbol.dispose]();
     }
     const valid: boolean = validatePolicy('{}').type === 'validation';
     reviewExceptions(defaultPolicy(), new Date());
     const diff: DecisionDiff | ErrorResult = diffDecisions({ type: 'decision' }, '{"type":"decision"}');
     if (diff.type === 'decisionDiff') {
       const cls: DiffClass = diff.class;
       const first: FieldChange | undefined = diff.changes[0];
       const dir: 'stricter' | 'looser' | 'changed' | undefined = first?.direction;
       void cls; void dir;
     }
     const schema: number = version().policySchema;
     injectTraps(1);
     const generation: number = testing.generation();
     // @ts-expect-error decideLogin needs a request
     if (engine.type === 'engine') engine.decideLogin();
     void valid; void schema; void generation;
`,
  );
  writeFileSync(
    join(project, 'consumer-types.cts'),
    `import factorgate = require('factorgate');
     import testing = require('factorgate/testing');
     import manualInit = require('factorgate/init');
     const api: manualInit.Factorgate = manualInit.initSync(new Uint8Array(8));
     void api;
     const engine = factorgate.compilePolicy('{}');
     if (engine.type === 'engine') engine.free();
     testing.injectTraps(1);
     const bytes: number = testing.memoryBytes();
     void bytes;
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', target: 'es2022',
        lib: ['es2022', 'esnext.disposable'], types: [], skipLibCheck: false,
      },
      files: ['consumer-types.mts', 'consumer-types.cts'],
    }),
  );
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: project, encoding: 'utf8',
    });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

test('the types check under TypeScript with bundler resolution (browser and bundler users)', () => {
  const dir = join(project, 'bundler-types');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'app.ts'),
    `import { compilePolicy, defaultPolicy, type Decision, type ErrorResult, type PolicyDocument } from 'factorgate';
     import { init, type Factorgate } from 'factorgate/init';
     const policy: PolicyDocument = defaultPolicy();
     const engine = compilePolicy(policy);
     const d: Decision | ErrorResult | null = engine.type === 'engine' ? engine.decideLogin({ user: { id: 'u' } }) : null;
     const api: Promise<Factorgate> = init(new URL('https://example.test/factorgate_bg.wasm'));
     void d; void api;
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022',
        lib: ['es2022', 'dom', 'esnext.disposable'], types: [], skipLibCheck: false,
      },
      files: ['app.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), '{ "name": "bundled", "private": true, "type": "module" }\n');
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: dir, encoding: 'utf8',
    });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});

// docs/contract.md#budgets: ≤ 250 KB raw, ≤ 100 KB gzip after wasm-opt. Sizes are deterministic for a given
// toolchain, so this is a plain failing test: `make test` fails when the budget is broken.
// The budget counts the decision module (factorgate_bg.wasm), which every host loads.
const wasm = readFileSync(join(pkgDir, 'factorgate_bg.wasm'));
const raw = wasm.length;
const gzip = gzipSync(wasm, { level: 9 }).length;
test(`factorgate_bg.wasm within the docs/contract.md#budgets size budget (${raw} B raw, ${gzip} B gzip)`, () => {
  assert.ok(raw <= 250_000, `${raw} B raw > 250 KB (docs/contract.md#budgets)`);
  assert.ok(gzip <= 100_000, `${gzip} B gzip > 100 KB (docs/contract.md#budgets)`);
});

// The policy module has no budget: it is loaded only to compile a custom policy (or validate or
// review one). Its size is reported here; the package must ship it.
const policyWasm = readFileSync(join(pkgDir, 'factorgate_policy_bg.wasm'));
const policyRaw = policyWasm.length;
const policyGzip = gzipSync(policyWasm, { level: 9 }).length;
test(`factorgate_policy_bg.wasm ships in the package (${policyRaw} B raw, ${policyGzip} B gzip; no budget)`, () => {
  assert.ok(packed.files.some((f) => f.path === 'factorgate_policy_bg.wasm'), 'the tarball lacks the policy module');
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.exports['./factorgate_policy_bg.wasm'], './factorgate_policy_bg.wasm');
  console.log(`factorgate_policy_bg.wasm: ${policyRaw} B raw, ${policyGzip} B gzip (level 9)`);
});
