'use strict';
// Memory soak through the built package: FACTORGATE_SOAK_CALLS calls (100 000 in
// `make test`, 1 000 000 in `make soak`) mixing valid logins that thread their state, factor
// changes, malformed requests of every kind (truncated, wrong types, over the caps, bad
// timestamps, lone surrogates, duplicate keys), fail-mode answers, policy validation, and
// engines compiled and freed. After a warm-up of a tenth of the calls, the wasm linear memory
// must not grow at all, and the JS heap must stay flat. Prints calls per second and the memory
// before and after warm-up.
const assert = require('node:assert/strict');
const { test } = require('node:test');
const v8 = require('node:v8');
const vm = require('node:vm');

const { compilePolicy, validatePolicy, defaultPolicy } = require('factorgate');
const testing = require('factorgate/testing');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const CALLS = Number(process.env.FACTORGATE_SOAK_CALLS ?? 100_000);
const T0 = Date.parse('2026-11-23T10:00:00Z');
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

const policy = defaultPolicy();
const policyText = JSON.stringify(policy);

function login(i, now, state) {
  const req = {
    user: {
      id: `auth0|user-${i % 50}`,
      kind: ['employee', 'contractor', 'customer', 'breakGlass'][i % 4],
      roles: i % 7 === 0 ? ['payroll-admin'] : [],
      factors: [{ type: 'totp' }, { type: ['webauthnRoaming', 'passkeySynced', 'sms'][i % 3] }],
      createdAt: '2024-12-23T10:00:00Z',
      lastLoginAt: iso(now - 86_400_000),
    },
    session: {
      ip: `198.51.100.${i % 250}`,
      geo: [{ lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 }, { lat: -33.87, lon: 151.21, country: 'AU', asn: 1221 }][i % 11 === 0 ? 1 : 0],
      device: { id: `dev-${i % 5}`, managed: i % 2 === 0, compliant: true },
      methods: [{ type: 'password', at: iso(now - 120_000) }, { type: 'totp', at: iso(now - 60_000) }],
      hostRisk: { level: ['low', 'medium', 'high'][i % 3], signals: i % 13 === 0 ? ['newDevice'] : [] },
    },
    app: { id: 'wiki', sensitivity: ['low', 'medium', 'high', 'critical'][i % 4] },
  };
  if (state !== undefined) req.state = state;
  return req;
}

// Malformed requests, as text (as a host would pass what it received) and as objects.
const MALFORMED = [
  '{"user":{"id":"a","factors":[{"type":"to',
  '{"user":{"id":"a","id":"b"}}',
  '{"user":{"id":"\\ud800"}}',
  `{"user":{"id":"a\ud800b"},"session":{}}`,
  '{"user":{"id":"a","createdAt":"2026-02-30T00:00:00Z"}}',
  '{"user":{"id":"a"},"session":{"geo":{"lat":91,"lon":0}}}',
  `{"user":{"id":"a","roles":${JSON.stringify(Array(65).fill('r'))}}}`,
  `{"user":{"id":"${'x'.repeat(300)}"}}`,
  `{"user":{"id":"a"},"pad":"${'p'.repeat(70_000)}"}`,
  `{"user":{"id":"a","roles":${'['.repeat(2000)}${']'.repeat(2000)}}}`,
  '[]',
  'null',
  '',
  { user: { id: 7 } },
  { user: { id: 'a', factors: {} } },
  { user: { id: 'a' }, session: { methods: [{ type: 'totp' }] } },
  { user: { id: 'a' }, state: 'not-a-state' },
];

function memory() {
  gc();
  return { wasm: testing.memoryBytes(), heap: process.memoryUsage().heapUsed };
}

test(`soak: ${CALLS} calls, valid and malformed, wasm memory flat after warm-up`, (t) => {
  const initial = memory();
  let engine = compilePolicy(policyText, { stateKey: '0123456789abcdef-soak' });
  assert.equal(engine.type, 'engine');
  const states = new Map();
  const counts = { decision: 0, error: 0 };
  const warmup = Math.floor(CALLS / 10);
  const samples = [];
  let warm;
  const start = process.hrtime.bigint();
  let warmStart;
  const failuresBefore = testing.failures();

  for (let i = 0; i < CALLS; i++) {
    if (i === warmup) {
      warm = memory();
      warmStart = process.hrtime.bigint();
    }
    if (i > warmup && i % Math.floor(CALLS / 10) === 0) samples.push({ at: i, ...memory() });
    const now = T0 + i * 60_000;
    let result;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        // A valid login threading the user's state.
        const user = i % 50;
        result = engine.decideLogin(login(i, now, states.get(user)), { now });
        if (typeof result.state === 'string') states.set(user, result.state);
        break;
      }
      case 4: {
        const req = { ...login(i, now, states.get(i % 50)), change: { action: ['enroll', 'remove', 'replace', 'phoneChange'][i % 4], factor: { type: 'totp' }, replaces: { type: 'sms' } } };
        result = engine.assessFactorChange(req, { now });
        break;
      }
      case 5:
      case 6:
      case 7:
        result = (i % 2 ? engine.decideLogin : engine.assessFactorChange).call(engine, MALFORMED[i % MALFORMED.length], { now });
        break;
      case 8:
        result = testing.failMode(engine, i % 4 === 0 ? 'login' : 'factorChange', i % 3 === 0 ? MALFORMED[i % MALFORMED.length] : login(i, now), { now });
        break;
      default:
        if (i % 1000 === 9) {
          // Engines compiled and freed: a new policy object, and a bad one now and then.
          engine.free();
          engine = compilePolicy(i % 2000 === 9 ? policy : policyText, { stateKey: '0123456789abcdef-soak' });
          assert.equal(engine.type, 'engine');
          result = compilePolicy('{"id":"p","version":1,"risk":{"levels":{"medium":1,"medium":2}}}');
        } else if (i % 100 === 9) {
          // Validation merges over the default policy (about 0.4 ms): now and then.
          const v = validatePolicy(i % 300 === 9 ? '{"id":"p","version":1,"bogus":true}' : '{"id":"p","version":1}');
          result = { type: v.valid ? 'decision' : 'error' };
        } else {
          // Another user's, or a forged, state: refused, scored, replaced.
          result = engine.decideLogin(login(i, now, states.get((i + 1) % 50) ?? 'AAAA'), { now });
        }
    }
    counts[result.type === 'decision' ? 'decision' : 'error'] += 1;
  }
  const end = memory();
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  const steady = Number(process.hrtime.bigint() - warmStart) / 1e9;
  engine.free();

  const mib = (b) => (b / 1024 / 1024).toFixed(2);
  const report = {
    node: process.version,
    calls: CALLS,
    seconds: +total.toFixed(2),
    callsPerSecond: Math.round(CALLS / total),
    steadyCallsPerSecond: Math.round((CALLS - warmup) / steady),
    decisions: counts.decision,
    errors: counts.error,
    wasmBytesAtStart: initial.wasm,
    wasmBytesAfterWarmup: warm.wasm,
    wasmBytesAtEnd: end.wasm,
    heapMiBAfterWarmup: +mib(warm.heap),
    heapMiBAtEnd: +mib(end.heap),
    wasmBytesSamples: samples.map((s) => s.wasm),
  };
  t.diagnostic(`soak ${JSON.stringify(report)}`);
  if (process.env.FACTORGATE_SOAK_REPORT) require('node:fs').writeFileSync(process.env.FACTORGATE_SOAK_REPORT, JSON.stringify(report, null, 2) + '\n');

  assert.equal(testing.failures(), failuresBefore, `a call trapped: ${String(testing.lastFailure())}`);
  assert.ok(counts.decision > CALLS / 3 && counts.error > CALLS / 5, JSON.stringify(counts));
  for (const s of samples) assert.equal(s.wasm, warm.wasm, `wasm memory grew after warm-up: ${warm.wasm} -> ${s.wasm} bytes at call ${s.at}`);
  assert.equal(end.wasm, warm.wasm, `wasm memory grew after warm-up: ${warm.wasm} -> ${end.wasm} bytes`);
  // The JS side keeps no per-call state either (allow for V8's own heap noise).
  assert.ok(end.heap - warm.heap < 16 * 1024 * 1024, `JS heap grew by ${mib(end.heap - warm.heap)} MiB after warm-up`);
});
