'use strict';
// Hostile input through the built package (docs/contract.md#failure): truncated JSON, wrong types, deep
// nesting, lists and strings at and over every documented cap, invalid timestamps and
// coordinates, lone surrogates, duplicate keys. Every answer is a tagged result (an error names
// the field with a JSON pointer), no call throws, no call is slow, and nothing traps.
// contract.test.cjs covers values JSON cannot represent (BigInt, cycles, getters that throw).
const assert = require('node:assert/strict');
const { test } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');

const { compilePolicy, validatePolicy, defaultPolicy } = require('factorgate');
const testing = require('factorgate/testing');

const NOW = Date.parse('2026-11-23T10:00:00Z');
const at = { now: NOW };
// A call over this is "slow": a guard against pathological work (anything quadratic in a 20 MB
// input takes minutes), not a benchmark. Most calls here take well under a millisecond; the
// largest (a 20 MB document, which JSON.stringify alone walks) took 279 ms on a 2-core machine
// at load average 7 with Node 18, so 250 ms flaked there; 2 s leaves a wide margin.
const SLOW_MS = 2000;

const LOGIN = {
  user: {
    id: 'auth0|alice',
    kind: 'employee',
    roles: ['viewer'],
    capabilities: [],
    createdAt: '2024-12-23T10:00:00Z',
    lastLoginAt: '2026-11-22T10:00:00Z',
    factors: [{ id: 'f1', type: 'webauthnRoaming', enrolledAt: '2026-05-07T10:00:00Z' }],
    flags: { simSwap: false },
  },
  session: {
    ip: '198.51.100.7',
    geo: { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 },
    device: { id: 'dev-1', managed: true, compliant: true },
    userAgent: 'Mozilla/5.0',
    methods: [{ type: 'password', at: '2026-11-23T09:58:00Z' }, { type: 'webauthnRoaming', at: '2026-11-23T09:59:00Z' }],
    hostRisk: { level: 'low', signals: [] },
    pushes: { denied: 0, windowS: 900 },
  },
  app: { id: 'wiki', sensitivity: 'medium' },
  requested: { acr: ['phr'], maxAgeS: 3600 },
};
const CHANGE = { ...LOGIN, change: { action: 'replace', phase: 'before', factor: { type: 'totp' }, replaces: { type: 'webauthnRoaming' }, actor: { kind: 'helpdesk', id: 'hd', ticket: 'INC-1' } } };

const engine = compilePolicy(defaultPolicy(), { stateKey: '0123456789abcdef-hostile' });
assert.equal(engine.type, 'engine');

// Runs one call: it must not throw, must be quick, and must answer a tagged object.
function timed(what, fn) {
  const start = process.hrtime.bigint();
  let result;
  assert.doesNotThrow(() => {
    result = fn();
  }, what);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(ms < SLOW_MS, `${what}: ${ms.toFixed(1)} ms`);
  assert.equal(typeof result, 'object', what);
  assert.ok(result !== null && typeof result.type === 'string', `${what}: untagged ${JSON.stringify(result)}`);
  return result;
}

function assertError(result, what, { code, path: where } = {}) {
  assert.equal(result.type, 'error', `${what}: ${JSON.stringify(result).slice(0, 400)}`);
  assert.ok(Array.isArray(result.errors) && result.errors.length > 0, what);
  for (const e of result.errors) {
    assert.equal(typeof e.code, 'string', what);
    assert.ok(typeof e.message === 'string' && e.message.length > 0, what);
    assert.ok(typeof e.path === 'string' && (e.path === '' || e.path.startsWith('/')), `${what}: path ${e.path}`);
  }
  if (code !== undefined) assert.equal(result.errors[0].code, code, `${what}: ${JSON.stringify(result.errors)}`);
  if (where !== undefined) assert.equal(result.errors[0].path, where, `${what}: ${JSON.stringify(result.errors)}`);
}

const decide = (request, what = 'decideLogin') => timed(what, () => engine.decideLogin(request, at));
const assess = (request, what = 'assessFactorChange') => timed(what, () => engine.assessFactorChange(request, at));

const clone = (x) => JSON.parse(JSON.stringify(x));
// Sets the value at a JSON pointer in a copy of `doc`.
function withAt(doc, pointer, value) {
  const copy = clone(doc);
  const keys = pointer.split('/').slice(1);
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k];
  node[keys[keys.length - 1]] = value;
  return copy;
}
// Every JSON pointer in a document, containers included.
function pointers(doc, prefix = '') {
  const out = [];
  if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const p = `${prefix}/${k}`;
      out.push(p, ...pointers(v, p));
    }
  }
  return out;
}

test('the baseline requests decide', () => {
  assert.equal(decide(LOGIN).type, 'decision');
  assert.equal(assess(CHANGE).type, 'decision');
});

test('truncated JSON: every prefix of a request, and of a policy, is a tagged invalidJson error', () => {
  for (const [name, doc] of [['login', LOGIN], ['change', CHANGE]]) {
    const text = JSON.stringify(doc);
    for (let n = 0; n < text.length; n++) {
      const prefix = text.slice(0, n);
      const what = `${name} truncated at ${n}: ${prefix.slice(-30)}`;
      assertError(decide(prefix, what), what, { code: 'invalidJson' });
      assertError(assess(prefix, what), what, { code: 'invalidJson' });
    }
  }
  const policy = JSON.stringify(defaultPolicy());
  for (let n = 0; n < policy.length; n += 97) {
    const what = `policy truncated at ${n}`;
    const v = timed(what, () => validatePolicy(policy.slice(0, n)));
    assert.equal(v.valid, false, what);
    assert.equal(v.errors[0].code, 'invalidJson', `${what}: ${JSON.stringify(v.errors)}`);
    assertError(timed(what, () => compilePolicy(policy.slice(0, n))), what, { code: 'invalidJson' });
  }
});

test('wrong types: any field replaced by a value of another type is an error located at that field', () => {
  const wrong = [0, -1.5, 'text', true, [], {}, [1, 2], { a: 1 }];
  let errors = 0;
  for (const pointer of pointers(CHANGE)) {
    for (const value of wrong) {
      const doc = withAt(CHANGE, pointer, value);
      const what = `${pointer} = ${JSON.stringify(value)}`;
      for (const result of [decide(doc, what), assess(doc, what)]) {
        if (result.type === 'decision') continue; // a value of this type is valid there
        assertError(result, what);
        errors++;
        const e = result.errors[0];
        assert.ok(
          e.path === pointer || e.path.startsWith(`${pointer}/`),
          `${what}: located at ${JSON.stringify(e.path)} (${e.code}: ${e.message})`,
        );
      }
    }
  }
  assert.ok(errors > 300, `only ${errors} errors`);
  // The whole document, and required sections, of the wrong type.
  for (const doc of [[], 'x', 1, true, null, { user: 'x' }, { user: [] }, { user: null }, { user: { id: 1 } }]) {
    assertError(decide(doc, JSON.stringify(doc)), JSON.stringify(doc));
  }
});

test('deep nesting: as JSON text in a typed field, in an ignored field, in a policy; and as objects', () => {
  const nest = (n, open, close, leaf = '') => open.repeat(n) + leaf + close.repeat(n);
  for (const n of [129, 1000, 30_000, 100_000]) {
    const arrays = nest(n, '[', ']');
    const objects = nest(n, '{"a":', '}', '1');
    for (const [where, text] of [
      ['roles', `{"user":{"id":"a","roles":${arrays}}}`],
      ['factors', `{"user":{"id":"a","factors":${objects.length > 70_000 ? arrays : objects}}}`],
      ['geo.lat', `{"user":{"id":"a"},"session":{"geo":{"lat":${objects}}}}`],
    ]) {
      assertError(decide(text, `${where} nested ${n}`), `${where} nested ${n}`);
    }
    // An ignored field is skipped; over the request cap it is tooLarge.
    const ignored = `{"user":{"id":"a"},"extension":${arrays}}`;
    const r = decide(ignored, `ignored nested ${n}`);
    if (ignored.length > 64 * 1024) assertError(r, `ignored nested ${n}`, { code: 'tooLarge', path: '' });
    const policy = `{"id":"p","version":1,"risk":${objects}}`;
    assertError(timed(`policy nested ${n}`, () => compilePolicy(policy)), `policy nested ${n}`);
  }
  // As a JS object: JSON.stringify overflows its stack first; that is a tagged error too.
  let deep = { id: 'a' };
  for (let i = 0; i < 200_000; i++) deep = { a: deep };
  assertError(decide({ user: { id: 'a' }, x: deep }, 'deep object'), 'deep object', { code: 'invalidJson' });
});

// Every cap the README documents ("Caps"), probed at the cap (accepted) and one over it (a tagged
// error at the path). The README's numbers are checked against this table.
const CAPS = [
  { name: 'request', readme: 'request 64 KiB', path: '', code: 'tooLarge', make: (n) => ({ ...LOGIN, pad: 'x'.repeat(n) }), size: (doc) => Buffer.byteLength(JSON.stringify(doc)), cap: 64 * 1024 },
  { name: 'user.id', readme: 'strings 256 bytes', path: '/user/id', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/user/id', 'é'.repeat(n / 2)), cap: 256 },
  { name: 'role', readme: 'strings 256 bytes', path: '/user/roles/0', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/user/roles', ['r'.repeat(n)]), cap: 256 },
  { name: 'session.userAgent', readme: 'user agent 1 KiB', path: '/session/userAgent', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/session/userAgent', 'u'.repeat(n)), cap: 1024 },
  { name: 'state', readme: 'state 8 KiB', path: '/state', code: 'limitExceeded', make: (n) => ({ ...LOGIN, state: 'A'.repeat(n) }), cap: 8 * 1024 },
  { name: 'user.factors', readme: 'factor and\nmethod lists 32', path: '/user/factors', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/user/factors', Array(n).fill({ type: 'totp' })), cap: 32 },
  { name: 'session.methods', readme: 'method lists 32', path: '/session/methods', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/session/methods', Array(n).fill({ type: 'totp', at: '2026-11-23T09:59:00Z' })), cap: 32 },
  { name: 'user.roles', readme: 'role, capability, signal and `acr` lists 64', path: '/user/roles', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/user/roles', Array(n).fill('r')), cap: 64 },
  { name: 'user.capabilities', readme: 'capability', path: '/user/capabilities', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/user/capabilities', Array(n).fill('manageIam')), cap: 64 },
  { name: 'hostRisk.signals', readme: 'signal', path: '/session/hostRisk/signals', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/session/hostRisk/signals', Array(n).fill('newDevice')), cap: 64 },
  { name: 'requested.acr', readme: '`acr` lists 64', path: '/requested/acr', code: 'limitExceeded', make: (n) => withAt(LOGIN, '/requested/acr', Array(n).fill('phr')), cap: 64 },
];

test('every documented request cap: at the cap a decision, one over a tagged error at the field', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const caps = readme.slice(readme.indexOf('### Caps'));
  for (const c of CAPS) {
    for (const phrase of c.readme.split('\n')) assert.ok(caps.replace(/\s+/g, ' ').includes(phrase.replace(/\s+/g, ' ')), `README caps do not say "${phrase}"`);
    let atCap = c.make(c.cap);
    if (c.size) {
      // Pad the request to exactly the cap.
      atCap = c.make(c.cap - (c.size(c.make(0)) - 0));
      assert.equal(c.size(atCap), c.cap);
    }
    const over = c.size ? c.make(c.cap - c.size(c.make(0)) + 1) : c.make(c.cap + (c.name === 'user.id' ? 2 : 1));
    const ok = decide(atCap, `${c.name} at its cap`);
    assert.equal(ok.type, 'decision', `${c.name} at its cap: ${JSON.stringify(ok).slice(0, 300)}`);
    assertError(decide(over, `${c.name} over its cap`), `${c.name} over its cap`, { code: c.code, path: c.path });
  }
  // Far over: a 2 MB request and a 100 000-item list are refused as fast as the rest.
  assertError(decide({ ...LOGIN, pad: 'x'.repeat(2_000_000) }, '2 MB'), '2 MB', { code: 'tooLarge', path: '' });
  assertError(decide(`{"user":{"id":"a","roles":[${'"r",'.repeat(15_000)}"r"]}}`, '15 001 roles'), '15 001 roles', { code: 'limitExceeded', path: '/user/roles' });
});

// Found by this file: the shim used to copy the whole text into wasm memory before the engine
// checked its size, so one 50 MB request grew the instance's memory by 50 MB for good.
test('an oversized request or policy is refused before it reaches wasm memory', () => {
  const before = testing.memoryBytes();
  assertError(decide({ ...LOGIN, pad: 'x'.repeat(20_000_000) }, '20 MB request'), '20 MB request', { code: 'tooLarge', path: '' });
  assertError(timed('20 MB policy', () => compilePolicy({ id: 'p', version: 1, description: 'd'.repeat(20_000_000) })), '20 MB policy', { code: 'tooLarge', path: '' });
  assert.ok(testing.memoryBytes() - before < 1024 * 1024, `wasm memory grew from ${before} to ${testing.memoryBytes()} bytes`);
});

test('policy caps: 256 KiB, lists of 1000; over them a tagged error at the field', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  assert.match(readme, /policy 256 KiB/);
  assert.match(readme, /policy lists 1000/);
  const denied = (n) => ({ id: 'p', version: 1, networks: { denied: Array.from({ length: n }, (_, i) => ({ name: `n${i}`, asns: [i + 1] })) } });
  assert.equal(timed('1000 networks', () => validatePolicy(denied(1000))).valid, true);
  assertError(timed('1001 networks', () => compilePolicy(denied(1001))), '1001 networks', { code: 'limitExceeded', path: '/networks/denied' });
  const big = { id: 'p', version: 1, description: 'd'.repeat(256 * 1024) };
  assertError(timed('policy over 256 KiB', () => compilePolicy(big)), 'policy over 256 KiB', { code: 'tooLarge', path: '' });
});

test('invalid timestamps: each a tagged invalidTimestamp (or invalidShape for a non-string) at its field', () => {
  const bad = [
    '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-23', '2026-11-23T25:00:00Z', '2026-11-23T10:60:00Z',
    '2026-11-23T10:00:00', '2026-11-23_10:00:00Z', ' 2026-11-23T10:00:00Z', '2026-11-23T10:00:00+99:00',
    '+002026-11-23T10:00:00Z', 'yesterday', '', '2026-11-23T10:00:00.Z', '９９９９-11-23T10:00:00Z',
  ];
  const fields = ['/user/createdAt', '/user/lastLoginAt', '/user/passwordChangedAt', '/user/recoveredAt', '/user/factors/0/enrolledAt', '/session/methods/1/at'];
  for (const field of fields) {
    for (const ts of bad) {
      const what = `${field} = ${JSON.stringify(ts)}`;
      assertError(decide(withAt(LOGIN, field, ts), what), what, { code: 'invalidTimestamp', path: field });
    }
    for (const value of [1795428000, 1.5e12, -1, true]) {
      const what = `${field} = ${value}`;
      assertError(decide(withAt(LOGIN, field, value), what), what, { code: 'invalidShape', path: field });
    }
  }
  // The request's own clock, and extremes that are valid RFC 3339.
  assertError(decide({ ...LOGIN, now: '2026-11-31T00:00:00Z' }, 'now'), 'now', { code: 'invalidTimestamp', path: '/now' });
  // (RFC 3339 §5.6 allows lowercase t and z, and a space for the T.)
  for (const ts of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-11-23T23:59:60Z', '2026-11-23t10:00:00.123456789z', '2026-11-23 10:00:00Z', '2026-11-23T10:00:00-23:59']) {
    assert.equal(decide(withAt(LOGIN, '/user/createdAt', ts), ts).type, 'decision', ts);
    assert.equal(decide({ ...LOGIN, now: ts }, `now ${ts}`).type, 'decision', ts);
  }
});

test('invalid coordinates: out of range, not numbers, half a position, overflowing numbers', () => {
  const cases = [
    [{ lat: 90.0001, lon: 0 }, 'invalidValue', '/session/geo/lat'],
    [{ lat: -91, lon: 0 }, 'invalidValue', '/session/geo/lat'],
    [{ lat: 0, lon: 180.5 }, 'invalidValue', '/session/geo/lon'],
    [{ lat: 0, lon: -1e9 }, 'invalidValue', '/session/geo/lon'],
    [{ lat: '59.9', lon: 10 }, 'invalidShape', '/session/geo/lat'],
    [{ lat: 59.9, lon: [10] }, 'invalidShape', '/session/geo/lon'],
    [{ lat: 59.9 }, 'invalidValue', '/session/geo'],
    [{ lon: 10 }, 'invalidValue', '/session/geo'],
    [{ lat: 0, lon: 0, country: 'Norway' }, 'invalidValue', '/session/geo/country'],
    [{ lat: 0, lon: 0, asn: -1 }, 'invalidShape', '/session/geo/asn'],
    [{ lat: 0, lon: 0, asn: 2 ** 32 }, 'invalidShape', '/session/geo/asn'],
  ];
  for (const [geo, code, where] of cases) {
    const what = `geo ${JSON.stringify(geo)}`;
    assertError(decide(withAt(LOGIN, '/session/geo', geo), what), what, { code, path: where });
  }
  for (const text of ['1e999', '-1e400', 'NaN', 'Infinity', '0x10']) {
    const what = `lat ${text}`;
    const doc = `{"user":{"id":"a"},"session":{"geo":{"lat":${text},"lon":0}}}`;
    assertError(decide(doc, what), what, { code: 'invalidJson', path: '/session/geo/lat' });
  }
  // NaN and Infinity in an object become null through JSON.stringify: an absent coordinate.
  assert.equal(decide(withAt(LOGIN, '/session/geo', { lat: NaN, lon: Infinity })).type, 'decision');
  // The poles, the antimeridian and zero are places.
  for (const [lat, lon] of [[90, 180], [-90, -180], [0, 0], [89.99999, -179.99999]]) {
    assert.equal(decide(withAt(LOGIN, '/session/geo', { lat, lon })).type, 'decision', `${lat},${lon}`);
  }
});

test('lone surrogates: escaped in JSON they are invalid text at their field; in JS strings they cannot break a call', () => {
  for (const s of ['\ud800', '\udfff', 'a\ud83d', '\ude00b']) {
    // An object goes through JSON.stringify, which escapes a lone surrogate (\ud800): not UTF-8.
    const what = `user.id ${JSON.stringify(s)}`;
    assertError(decide(withAt(LOGIN, '/user/id', s), what), what, { code: 'invalidJson', path: '/user/id' });
    assertError(decide(withAt(LOGIN, '/user/roles', ['viewer', s]), what), what, { code: 'invalidJson', path: '/user/roles/1' });
    // Raw in JSON text, the string crosses into wasm as UTF-8 with U+FFFD in its place.
    const raw = JSON.stringify(LOGIN).replace('"auth0|alice"', `"auth0|${s}"`);
    assert.ok(raw.includes(s));
    assert.equal(decide(raw, `raw ${what}`).type, 'decision');
    // In a policy: a tagged validation error, and compile agrees.
    const policy = { ...defaultPolicy(), id: `p${s}` };
    const v = timed('policy', () => validatePolicy(policy));
    assert.equal(v.valid, false);
    assert.equal(v.errors[0].path, '/id', JSON.stringify(v.errors));
    assertError(timed('policy', () => compilePolicy(policy)), 'policy', { path: '/id' });
  }
  // A well-formed pair is an ordinary character.
  assert.equal(decide(withAt(LOGIN, '/user/id', 'auth0|😀')).type, 'decision');
});

test('duplicate keys: in a policy always an error at the key; in a request, at a field the engine reads', () => {
  const policies = [
    ['{"id":"p","id":"q","version":1}', '/id'],
    ['{"id":"p","version":1,"risk":{"levels":{"medium":10,"medium":20}}}', '/risk/levels/medium'],
    ['{"id":"p","version":1,"networks":{"trusted":[{"name":"a","kind":"vpn","name":"b","asns":[1]}]}}', '/networks/trusted/0/name'],
    ['{"id":"p","version":1,"apps":{"byId":{"a":"low","a":"high"}}}', '/apps/byId/a'],
    ['{"id":"p","version":1,"risk":{"weights":{"newDevice":1,"newDevice":2}}}', '/risk/weights/newDevice'],
    ['{"id":"p","version":1,"failMode":{"default":"closed","byUserKind":{"breakGlass":"open","breakGlass":"closed"}}}', '/failMode/byUserKind/breakGlass'],
  ];
  for (const [text, where] of policies) {
    const v = timed(text, () => validatePolicy(text));
    assert.equal(v.valid, false, text);
    assert.deepEqual([v.errors[0].code, v.errors[0].path], ['duplicateKey', where], `${text}: ${JSON.stringify(v.errors)}`);
    assertError(timed(text, () => compilePolicy(text)), text, { code: 'duplicateKey', path: where });
  }
  // An unknown key is refused at its first occurrence, before it could be repeated.
  assertError(compilePolicy('{"id":"p","version":1,"x":1,"x":2}'), 'unknown twice', { code: 'unknownField', path: '/x' });
  // Requests: a duplicated field the engine reads is refused (which of the two would it trust?);
  // duplicated unknown fields are ignored like any unknown field.
  assertError(decide('{"user":{"id":"a","id":"b"}}'), 'dup id', { code: 'duplicateKey', path: '/user/id' });
  assertError(decide('{"user":{"id":"a","kind":"employee","kind":"breakGlass"}}'), 'dup kind', { code: 'duplicateKey', path: '/user/kind' });
  assertError(decide('{"user":{"id":"a"},"user":{"id":"b"}}'), 'dup user', { code: 'duplicateKey', path: '/user' });
  assert.equal(decide('{"user":{"id":"a"},"ext":1,"ext":2}').type, 'decision');
});

test('nothing above trapped the instance', () => {
  assert.equal(testing.failures(), 0, `a call trapped: ${String(testing.lastFailure())}`);
});
