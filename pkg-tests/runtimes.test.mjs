// The package outside Node, installed from the `npm pack` tarball as users install it:
// - a browser page bundled by esbuild (the `browser` condition: fetch + async compile, top-level
//   await) and the manual `factorgate/init` entry, run in headless Chromium;
// - a Cloudflare worker in `workerd` (the `workerd` condition: a static .wasm import, because
//   Workers refuse to compile wasm from bytes), bundled as wrangler does: esbuild with the
//   workerd/worker/browser conditions and .wasm files left as compiled-wasm modules.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
let scratch;
let project;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'factorgate-runtimes-'));
  const [info] = JSON.parse(
    execFileSync('npm', ['pack', join(root, 'pkg'), '--json', '--pack-destination', scratch], { encoding: 'utf8', cwd: scratch }),
  );
  project = join(scratch, 'project');
  const installed = join(project, 'node_modules', 'factorgate');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['xzf', join(scratch, info.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// The same checks in every runtime: the default policy compiles, a login decides, signed state
// comes back and is read on the next call, a factor change is assessed, bad input is a tagged error.
const SCENARIO = `
  const now = { now: Date.parse('2026-11-23T10:00:00Z') };
  const engine = api.compilePolicy(api.defaultPolicy(), { stateKey: 'runtime-test-state-key-0123456789' });
  const user = { id: 'auth0|alice', kind: 'employee', createdAt: '2024-12-23T10:00:00Z', factors: [{ id: 'f1', type: 'totp' }] };
  const session = { ip: '198.51.100.7', geo: { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 }, device: { id: 'd1', managed: true },
    methods: [{ type: 'password', at: '2026-11-23T09:58:00Z' }, { type: 'totp', at: '2026-11-23T09:59:00Z' }] };
  const first = engine.decideLogin({ user, session, app: { id: 'wiki' } }, now);
  const second = engine.decideLogin({ user, session, app: { id: 'wiki' }, state: first.state }, now);
  const change = engine.assessFactorChange({ user, session, state: second.state, change: { action: 'enroll', factor: { type: 'webauthnRoaming' } } }, now);
  const bad = engine.decideLogin('{"user": ', now);
  const result = {
    version: api.version().type, engine: engine.type, first: first.outcome, stateIsString: typeof first.state === 'string',
    secondReasons: second.reasons.map((r) => r.code).filter((c) => c === 'stateMissing'), change: change.type,
    bad: bad.errors.map((e) => e.code),
  };
`;
const EXPECTED = {
  version: 'version', engine: 'engine', first: 'allow', stateIsString: true, secondReasons: [], change: 'decision',
  bad: ['invalidJson'],
};

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
function serve(dir) {
  const server = createServer((req, res) => {
    const name = basename(new URL(req.url, 'http://x').pathname) || 'index.html';
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': MIME[extname(name)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Playwright needs Node >= 20; the page is the same whichever Node bundles it, so Node 18 skips it.
const playwrightNode = Number(process.versions.node.split('.')[0]) >= 20;

test('browser: an esbuild bundle of `import ... from "factorgate"` and of factorgate/init, in headless Chromium', {
  skip: playwrightNode ? false : `Playwright needs Node >= 20 (this is ${process.version}); the other Node versions run it`,
}, async () => {
  const site = join(project, 'site');
  mkdirSync(site, { recursive: true });
  writeFileSync(join(project, 'app.mjs'), `
    import * as api from 'factorgate';
    import { init } from 'factorgate/init';
    ${SCENARIO}
    const manual = await init(fetch('./factorgate_bg.wasm'));
    result.manual = manual.compilePolicy(manual.defaultPolicy()).type;
    result.separate = manual.compilePolicy !== api.compilePolicy;
    window.result = result;
  `);
  await esbuild.build({
    entryPoints: [join(project, 'app.mjs')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(site, 'app.js'), absWorkingDir: project, logLevel: 'warning',
  });
  // esbuild leaves `new URL('./factorgate_bg.wasm', import.meta.url)` as it is: the .wasm files go next to the bundle.
  for (const f of ['factorgate_bg.wasm', 'factorgate_policy_bg.wasm']) {
    copyFileSync(join(project, 'node_modules', 'factorgate', f), join(site, f));
  }
  writeFileSync(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./app.js"></script>\n');
  const bundle = readFileSync(join(site, 'app.js'), 'utf8');
  assert.ok(!/readFileSync|node:fs/.test(bundle), 'the browser bundle must not contain the Node entry');

  const { launchChromium, collectPageErrors } = await import('../examples/chromium.mjs');
  const server = await serve(site);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    const handle = await page.waitForFunction(() => window.result, null, { timeout: 30_000 }).catch(() => null);
    assert.equal(handle === null ? `no result; page errors: ${errors.join('; ')}` : 'ok', 'ok');
    const result = await handle.jsonValue();
    assert.deepEqual(result, { ...EXPECTED, manual: 'engine', separate: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

// npm's workerd: bin/workerd is the binary itself once its postinstall ran; without install
// scripts (npm 11 asks for approval) it is a Node launcher, and the binary sits in the platform
// package @cloudflare/workerd-<os>-<arch>.
function workerdBinary() {
  const launcher = require.resolve('workerd/bin/workerd');
  if (readFileSync(launcher).subarray(0, 4).toString('latin1') === '\x7fELF') return launcher;
  const arch = { x64: '64', arm64: 'arm64' }[process.arch];
  return require.resolve(`@cloudflare/workerd-${process.platform}-${arch}/bin/workerd`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('workerd: a worker bundled as wrangler does (workerd condition, .wasm as a compiled module)', async () => {
  const dir = join(project, 'worker');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(project, 'worker.mjs'), `
    import * as api from 'factorgate';
    // At global scope, as Workers code does: no randomness, no compilation from bytes.
    const boot = api.compilePolicy(api.defaultPolicy()).type;
    export default {
      async fetch() {
        ${SCENARIO}
        result.boot = boot;
        let fromBytes;
        try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); fromBytes = 'allowed'; } catch { fromBytes = 'refused'; }
        result.fromBytes = fromBytes;
        return Response.json(result);
      },
    };
  `);
  const wasmModules = new Set();
  await esbuild.build({
    entryPoints: [join(project, 'worker.mjs')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], outfile: join(dir, 'worker.js'),
    absWorkingDir: project, logLevel: 'warning',
    plugins: [{
      name: 'compiled-wasm', // wrangler's CompiledWasm rule: the import stays, the file becomes a wasm module
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, (args) => {
          const file = join(args.resolveDir, args.path);
          wasmModules.add(file);
          return { path: `./${basename(file)}`, external: true };
        });
      },
    }],
  });
  assert.deepEqual([...wasmModules].map((f) => basename(f)).sort(), ['factorgate_bg.wasm', 'factorgate_policy_bg.wasm'],
    'exactly the factorgate .wasm files (the decision and the policy module) are imported');
  for (const file of wasmModules) copyFileSync(file, join(dir, basename(file)));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
${[...wasmModules].map((f) => `    (name = "${basename(f)}", wasm = embed "${basename(f)}"),`).join('\n')}
  ],
  compatibilityDate = "2025-09-01",
);
`);
  const workerd = spawn(workerdBinary(), ['serve', join(dir, 'config.capnp')], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  workerd.stdout.on('data', (b) => { log += b; });
  workerd.stderr.on('data', (b) => { log += b; });
  try {
    let response;
    for (let i = 0; i < 100 && !response; i += 1) {
      response = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      if (!response) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(response, `workerd did not answer:\n${log}`);
    assert.equal(response.status, 200, `${await response.clone().text()}\n${log}`);
    assert.deepEqual(await response.json(), { ...EXPECTED, boot: 'engine', fromBytes: 'refused' });
  } finally {
    workerd.kill();
  }
});
