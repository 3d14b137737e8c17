#!/usr/bin/env node
// `make bench`: docs/contract.md#budgets budgets measured through the built package (pkg/), in Node.
//
//   warm decisions   tinybench, one sample per call: decideLogin (calm and risky),
//                    assessFactorChange, assessAction and grantApproval on realistic requests
//                    with a full state (bench/requests.mjs), JSON in and out;
//                    references in the same run: Cedar wasm 4.13 (statefulIsAuthorized on a
//                    preparsed policy set with an equivalent step-up rule), a JSON round trip of
//                    the same request, and the rule written by hand in JS
//   cold start       fresh Node processes: import of the package + compilePolicy(defaultPolicy())
//   memory           wasm memory over N decisions, valid and malformed mixed (default 1,000,000)
//   size             pkg/factorgate_bg.wasm raw and gzip
//
// Options: --time <ms per task> (default 3000), --decisions <n> (default 1e6),
//          --readme (rewrite the README section between <!-- bench --> and <!-- /bench -->).
// Times are reported, never asserted (make test asserts the size only).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Bench } from 'tinybench';
import {
  CEDAR_POLICIES, NOW, STATE_KEY, actionRequest, adminLoginRequest, approvalInput, cedarCall, factorChangeRequest, fullState, jsRule,
  loginRequest, riskyLoginRequest,
} from './requests.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const TIME = opt('time', 3000);
const DECISIONS = opt('decisions', 1_000_000);
const pkgEntry = pathToFileURL(join(root, 'pkg', 'node.mjs')).href;
const cedarEntry = require.resolve('@cedar-policy/cedar-wasm/nodejs');
const say = (s) => process.stderr.write(`[bench] ${s}\n`);
const loadAtStart = os.loadavg()[0]; // a shared machine's other work shows in the times

const fg = await import(pkgEntry);
const testing = (await import(pathToFileURL(join(root, 'pkg', 'testing.mjs')).href)).default;
const cedar = require(cedarEntry);

// --- inputs --------------------------------------------------------------------------------------
const engine = fg.compilePolicy(fg.defaultPolicy(), { stateKey: STATE_KEY });
if (engine.type !== 'engine') throw new Error(`compilePolicy: ${JSON.stringify(engine)}`);
const state = fullState(engine);
const login = loginRequest(NOW, undefined, state);
const change = factorChangeRequest(NOW, state);
const risky = riskyLoginRequest(NOW, state);
const adminState = fullState(engine, adminLoginRequest);
const action = actionRequest(NOW, adminState);
const approval = approvalInput(NOW, adminState);
const callOpts = { now: NOW };
const first = engine.decideLogin(login, callOpts);
const firstChange = engine.assessFactorChange(change, callOpts);
const firstRisky = engine.decideLogin(risky, callOpts);
const firstAction = engine.assessAction(action, callOpts);
const firstGrant = engine.grantApproval(approval, callOpts);
const held = engine.assessFactorChange(approval.request, callOpts);
if ([first, firstChange, firstRisky, firstAction, held].some((d) => d.type !== 'decision')) throw new Error('bench requests do not decide');
if (!(firstRisky.alerts?.length > 0) || first.alerts?.length) throw new Error('the risky login must raise an alert and the calm one none');
if (firstAction.outcome !== 'allow' || firstAction.exposure?.action?.privileged !== true) throw new Error(`the action must be a privileged one allowed: ${JSON.stringify(firstAction)}`);
if (held.outcome !== 'approval' || firstGrant.type !== 'approvalGrant') throw new Error(`the approval input must be pending and granted: ${JSON.stringify(firstGrant)}`);

const preparsed = cedar.preparsePolicySet('factorgate-bench', { staticPolicies: CEDAR_POLICIES });
if (preparsed.type !== 'success') throw new Error(`cedar preparse: ${JSON.stringify(preparsed)}`);
const call = cedarCall(login, NOW);
const cedarAnswer = cedar.statefulIsAuthorized(call);
if (cedarAnswer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(cedarAnswer)}`);
const ruleAnswer = jsRule(login, NOW);
say(`login: ${first.outcome} (${first.reasons.map((r) => r.code).join(', ')}); change: ${firstChange.outcome}; ` +
  `cedar: ${cedarAnswer.response.decision}; js rule: ${ruleAnswer.outcome}; ` +
  `request ${JSON.stringify(login).length} B with a ${state.length}-character state, decision ${JSON.stringify(first).length} B; ` +
  `risky login: ${firstRisky.outcome}, ${firstRisky.risk.level} (${firstRisky.reasons.map((r) => r.code).join(', ')}), ${firstRisky.alerts.length} alert(s), decision ${JSON.stringify(firstRisky).length} B; ` +
  `action: ${firstAction.outcome} (${firstAction.reasons.map((r) => r.code).join(', ')}), decision ${JSON.stringify(firstAction).length} B; ` +
  `grant: input ${JSON.stringify(approval).length} B, the change decided again raises ${held.alerts.length} alert(s)`);

// --- warm decisions -----------------------------------------------------------------------------
let sink = 0;
const bench = new Bench({ time: TIME, warmupTime: Math.min(1000, TIME / 3), timestampProvider: 'hrtimeNow' });
// Each factorgate task has the JSON round trip of its own request as its floor (`floorOf`).
const T = {
  login: 'factorgate decideLogin (calm: allow, no alert)',
  risky: 'factorgate decideLogin (risky: stepUp, high risk, OCSF alert)',
  change: 'factorgate assessFactorChange',
  action: 'factorgate assessAction (an admin\'s API token, FastPass session: allow)',
  grant: 'factorgate grantApproval (help-desk reset of an admin, SOC approves)',
  cedar: 'Cedar 4.13 statefulIsAuthorized (preparsed)',
  floorLogin: 'JSON round trip of the calm login request',
  floorRisky: 'JSON round trip of the risky login request',
  floorChange: 'JSON round trip of the factor-change request',
  floorAction: 'JSON round trip of the action request',
  floorGrant: 'JSON round trip of the grantApproval input',
  rule: 'hand-written JS rule',
};
const floorOf = { [T.login]: T.floorLogin, [T.risky]: T.floorRisky, [T.change]: T.floorChange, [T.action]: T.floorAction, [T.grant]: T.floorGrant };
bench
  .add(T.login, () => { sink ^= engine.decideLogin(login, callOpts).risk.score; })
  .add(T.risky, () => { sink ^= engine.decideLogin(risky, callOpts).risk.score; })
  .add(T.change, () => { sink ^= engine.assessFactorChange(change, callOpts).risk.score; })
  .add(T.action, () => { sink ^= engine.assessAction(action, callOpts).risk.score; })
  .add(T.grant, () => { sink ^= engine.grantApproval(approval, callOpts).grant.length; })
  .add(T.cedar, () => { sink ^= cedar.statefulIsAuthorized(call).type.length; })
  .add(T.floorLogin, () => { sink ^= JSON.parse(JSON.stringify(login)).user.id.length; })
  .add(T.floorRisky, () => { sink ^= JSON.parse(JSON.stringify(risky)).user.id.length; })
  .add(T.floorChange, () => { sink ^= JSON.parse(JSON.stringify(change)).user.id.length; })
  .add(T.floorAction, () => { sink ^= JSON.parse(JSON.stringify(action)).user.id.length; })
  .add(T.floorGrant, () => { sink ^= JSON.parse(JSON.stringify(approval)).request.user.id.length; })
  .add(T.rule, () => { sink ^= jsRule(login, NOW).reasons.length; });
say(`tinybench: ${bench.tasks.length} tasks, ${TIME} ms each`);
await bench.run();
const us = (ms) => ms * 1000;
const rows = bench.tasks.map((t) => ({ name: t.name, p50: us(t.result.latency.p50), p99: us(t.result.latency.p99), samples: t.result.latency.samplesCount ?? t.runs }));
const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
const fgLogin = byName[T.login];
const fgRisky = byName[T.risky];
const cedarRow = byName[T.cedar];
const floorLogin = byName[T.floorLogin];

// --- cold start ---------------------------------------------------------------------------------
// Each script is a file in a scratch directory, run in fresh processes, the kinds interleaved
// round by round (a shared machine's load then weighs on all alike). A file, not `node -e`: a
// host's entry is a file, and in Node 20 the ES module loader's first file read loads
// fs/promises and readline (~3.4 ms), which a host has paid loading its own entry before it
// imports anything; with `-e` that lands in the first import measured.
const coldDir = mkdtempSync(join(os.tmpdir(), 'factorgate-cold-'));
function coldStarts(scripts, rounds = 15) {
  const files = Object.entries(scripts).map(([name, { file, source, runs = rounds }]) => {
    writeFileSync(join(coldDir, file), source);
    return { name, file, runs, out: [] };
  });
  try {
    for (let i = 0; i < rounds; i += 1) {
      for (const f of files) {
        if (i < f.runs) f.out.push(JSON.parse(execFileSync(process.execPath, [f.file], { encoding: 'utf8', cwd: coldDir })));
      }
    }
  } finally {
    rmSync(coldDir, { recursive: true, force: true });
  }
  const median = (out, k) => out.map((o) => o[k]).sort((a, b) => a - b)[Math.floor(out.length / 2)];
  return Object.fromEntries(files.map(({ name, out }) => [name, Object.fromEntries(Object.keys(out[0]).map((k) => [k, median(out, k)]))]));
}
say('cold start: 15 fresh processes each (Cedar 7)');
writeFileSync(join(coldDir, 'empty.mjs'), 'export default 1;\n');
writeFileSync(join(coldDir, 'empty.cjs'), 'module.exports = 1;\n');
const examplePolicy = readFileSync(join(root, 'schema', 'example.policy.json'), 'utf8');
const timed = (steps) => `console.log(JSON.stringify({ ${steps} }));`;
const loadedAt = (load) => `
  const t0 = performance.now();
  const fg = ${load};
  const t1 = performance.now();
  const engine = fg.compilePolicy(fg.defaultPolicy(), { stateKey: ${JSON.stringify(STATE_KEY)} });
  const t2 = performance.now();
  const d = engine.decideLogin(${JSON.stringify(login)}, { now: ${NOW} });
  const t3 = performance.now();
  if (engine.type !== 'engine' || d.type !== 'decision') throw new Error('no decision');`;
const steps = 'importMs: t1 - t0, compileMs: t2 - t1, totalMs: t2 - t0, firstDecisionMs: t3 - t2, withFirstMs: t3 - t0';
const coldRuns = coldStarts({
  // ESM, as an ES module host loads the package; then the first decision, and a custom policy
  // (the schema's example) compiled in the same process.
  esm: { file: 'factorgate.mjs', source: `${loadedAt(`await import(${JSON.stringify(pkgEntry)})`)}
  const t4 = performance.now();
  const custom = fg.compilePolicy(${examplePolicy}, { stateKey: ${JSON.stringify(STATE_KEY)} });
  const t5 = performance.now();
  if (custom.type !== 'engine') throw new Error('the example policy does not compile');
  ${timed(`${steps}, customCompileMs: t5 - t4`)}` },
  // CommonJS, as a Lambda or an Auth0 Action loads it.
  cjs: { file: 'factorgate.cjs', source: `${loadedAt(`require(${JSON.stringify(join(root, 'pkg', 'node.cjs'))})`)}
  ${timed(steps)}` },
  // What Node's loaders cost for any module: the floors under an ESM import and a require.
  esmFloor: { file: 'floor.mjs', source: `
  const t0 = performance.now();
  await import('./empty.mjs');
  ${timed('totalMs: performance.now() - t0')}` },
  cjsFloor: { file: 'floor.cjs', source: `
  const t0 = performance.now();
  require('./empty.cjs');
  ${timed('totalMs: performance.now() - t0')}` },
  cedar: { file: 'cedar.cjs', runs: 7, source: `
  const t0 = performance.now();
  const cedar = require(${JSON.stringify(cedarEntry)});
  const t1 = performance.now();
  cedar.preparsePolicySet('p', { staticPolicies: ${JSON.stringify(CEDAR_POLICIES)} });
  const t2 = performance.now();
  ${timed('importMs: t1 - t0, compileMs: t2 - t1, totalMs: t2 - t0')}` },
});
const { esm: fgCold, cjs: fgColdCjs, esmFloor, cjsFloor, cedar: cedarCold } = coldRuns;

// --- memory over many decisions -----------------------------------------------------------------
say(`memory: ${DECISIONS.toLocaleString('en')} decisions, valid and malformed mixed`);
const malformedJson = JSON.stringify(login).slice(0, 400); // truncated: invalidJson
const badShape = { user: { id: 5, factors: 'none' }, session: { geo: { lat: 'north' } } }; // invalidShape
const tooLarge = JSON.stringify({ ...login, pad: 'x'.repeat(70_000) }); // tooLarge, rejected before parsing
const memOf = () => testing.memoryBytes();
const mix = (i) => {
  switch (i % 10) {
    case 0: return engine.decideLogin(malformedJson, callOpts);
    case 1: return engine.decideLogin(badShape, callOpts);
    case 2: return engine.assessFactorChange(change, callOpts);
    case 3: return engine.assessFactorChange(malformedJson, callOpts);
    case 4: return i % 1000 === 4 ? engine.decideLogin(tooLarge, callOpts) : engine.decideLogin(login, callOpts);
    default: return engine.decideLogin(login, callOpts);
  }
};
const WARMUP = 20_000;
for (let i = 0; i < WARMUP; i += 1) mix(i);
const memWarm = memOf();
const generation = testing.generation();
const tMem = performance.now();
const counts = { decision: 0, error: 0 };
for (let i = 0; i < DECISIONS; i += 1) counts[mix(i).type] += 1;
const memSeconds = (performance.now() - tMem) / 1000;
const memEnd = memOf();
if (testing.generation() !== generation) throw new Error('the instance trapped during the memory run');

// --- the native reference -----------------------------------------------------------------------
// The same login through the Rust API (bench/native.rs, release profile): what the engine costs
// without the wasm and JS boundary.
say('native: cargo run --release --example native-bench');
const tmp = mkdtempSync(join(os.tmpdir(), 'factorgate-bench-'));
const native = (() => {
  try {
    writeFileSync(join(tmp, 'login.json'), JSON.stringify(login));
    const out = execFileSync('cargo', ['run', '-q', '--release', '--example', 'native-bench', '--',
      STATE_KEY, String(NOW), join(tmp, 'login.json')], { cwd: root, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})();

// --- size ---------------------------------------------------------------------------------------
const wasm = readFileSync(join(root, 'pkg', 'factorgate_bg.wasm'));
const cedarWasm = readFileSync(join(dirname(cedarEntry), 'cedar_wasm_bg.wasm'));
const gz = (b) => gzipSync(b, { level: 9 }).length;

// --- report -------------------------------------------------------------------------------------
const cpu = (() => {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1].trim();
  } catch {
    return undefined;
  }
})() ?? os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
  `Node ${process.version} (V8 ${process.versions.v8}), ${os.type()} ${os.release()} ${os.arch()}; ` +
  `load average ${loadAtStart.toFixed(1)} at the start`;
const f1 = (x) => x.toFixed(1);
const f2 = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const mark = (ok) => (ok ? 'ok' : '**over**');
const lines = [];
lines.push(`Measured by \`make bench\` on ${machine}; ${new Date().toISOString().slice(0, 10)}.`);
lines.push('');
const x = (a, b) => `${f2(a / b)}×`;
lines.push('| warm, per call (JSON in and out) | p50 µs | p99 µs | p50 / own JSON floor | p99 / own JSON floor | Cedar p50 / this p50 | Cedar p99 / this p99 |');
lines.push('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const floor = byName[floorOf[r.name]];
  const cols = floor
    ? [x(r.p50, floor.p50), x(r.p99, floor.p99), x(cedarRow.p50, r.p50), x(cedarRow.p99, r.p99)]
    : ['', '', r === cedarRow ? '1×' : '', r === cedarRow ? '1×' : ''];
  lines.push(`| ${r.name} | ${f2(r.p50)} | ${f2(r.p99)} | ${cols.join(' | ')} |`);
}
lines.push('');
const loginFloor = fgLogin.p50 / floorLogin.p50;
const loginFloor99 = fgLogin.p99 / floorLogin.p99;
const vsCedar = cedarRow.p50 / fgLogin.p50;
const riskyRatio = fgRisky.p50 / fgLogin.p50;
const sizeOk = wasm.length <= 250_000 && gz(wasm) <= 100_000;
const cold = (c) => `${f2(c.totalMs)} ms (import ${f2(c.importMs)}, compile ${f2(c.compileMs)}; then first decision ${f2(c.firstDecisionMs)}; all three ${f2(c.withFirstMs)})`;
lines.push('| goal (issue 14; docs/contract.md#budgets) | measured | goal | |');
lines.push('|---|---:|---:|---|');
lines.push(`| warm decideLogin p50 / its JSON floor | ${x(fgLogin.p50, floorLogin.p50)} (${f2(fgLogin.p50)} / ${f2(floorLogin.p50)} µs) | ≤ 2× | ${mark(loginFloor <= 2)} |`);
lines.push(`| warm decideLogin p99 / its JSON floor | ${x(fgLogin.p99, floorLogin.p99)} (${f2(fgLogin.p99)} / ${f2(floorLogin.p99)} µs) | ≤ 4× | ${mark(loginFloor99 <= 4)} |`);
lines.push(`| vs Cedar preparsed, same run (p50) | ${f1(vsCedar)}× faster | ≥ 5× (contract: ≥ 3×) | ${mark(vsCedar >= 5)} |`);
lines.push(`| risky decideLogin (with an OCSF alert) / calm, p50 | ${x(fgRisky.p50, fgLogin.p50)} | ≤ 1.5× | ${mark(riskyRatio <= 1.5)} |`);
lines.push(`| warm login p50 / p99, absolute (contract budget) | ${f2(fgLogin.p50)} / ${f2(fgLogin.p99)} µs | 10 / 40 µs | ${mark(fgLogin.p50 <= 10 && fgLogin.p99 <= 40)} |`);
lines.push(`| \`.wasm\` after wasm-opt, raw / gzip (enforced by make test) | ${kb(wasm.length)} / ${kb(gz(wasm))} (${(250_000 - wasm.length).toLocaleString('en')} / ${(100_000 - gz(wasm)).toLocaleString('en')} B headroom) | 250 / 100 KB | ${mark(sizeOk)} |`);
lines.push(`| cold start, ES module: import + compile default policy (median of 15 processes; Node's ESM loader alone, importing an empty file, ${f2(esmFloor.totalMs)} ms) | ${cold(fgCold)}; a custom policy's compile ${f2(fgCold.customCompileMs)} | ≤ 8 ms (contract: 5 ms) | ${mark(fgCold.totalMs <= 8)} |`);
lines.push(`| cold start, CommonJS: require + compile default policy (median of 15 processes; require of an empty file ${f2(cjsFloor.totalMs)} ms) | ${cold(fgColdCjs)} | ≤ 8 ms (contract: 5 ms) | ${mark(fgColdCjs.totalMs <= 8)} |`);
lines.push(`| Cedar 4.13 cold start beside it: require + preparse (median of 7 processes) | ${f1(cedarCold.totalMs)} ms (require ${f1(cedarCold.importMs)}, preparse ${f2(cedarCold.compileMs)}) | | |`);
lines.push(`| wasm memory over ${DECISIONS.toLocaleString('en')} decisions after ${WARMUP.toLocaleString('en')} warm-up (${counts.decision.toLocaleString('en')} decisions, ${counts.error.toLocaleString('en')} errors: malformed, wrong shape, too large; ${f1(memSeconds)} s) | ${kb(memWarm)} → ${kb(memEnd)} (+${kb(memEnd - memWarm)}) | < 1 MB growth | ${mark(memEnd - memWarm < 1_000_000)} |`);
lines.push('');
lines.push(`Native reference (\`bench/native.rs\`, the Rust API on this machine, best mean of 5 rounds): the same login, JSON in and out with the signed state, ${f2(native.loginUs)} µs; reading, checking and compiling the default policy ${f2(native.compileDefaultUs)} µs.`);
lines.push('');
lines.push(`For comparison: Cedar wasm 4.13 is ${kb(cedarWasm.length)} raw / ${kb(gz(cedarWasm))} gzip.`);
const table = lines.join('\n');
console.log(`\n${table}\n`);
if (sink === 0.5) console.log(''); // keeps results alive

if (argv.includes('--readme')) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const re = /<!-- bench -->\n[\s\S]*?<!-- \/bench -->/;
  if (!re.test(text)) throw new Error('README.md has no <!-- bench --> ... <!-- /bench --> section');
  writeFileSync(readme, text.replace(re, () => `<!-- bench -->\n${table}\n<!-- /bench -->`));
  say('README.md updated');
}
