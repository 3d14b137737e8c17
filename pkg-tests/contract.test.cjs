'use strict';
// The JS contract of the built package (docs/contract.md#entry-points, #failure), loaded with require() as a CommonJS user
// would: tagged results, no throws on any input, objects and JSON text both accepted, free(), and
// recovery from a real WebAssembly trap.
const assert = require('node:assert/strict');
const { test } = require('node:test');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

const factorgate = require('factorgate');
const testing = require('factorgate/testing');
const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, version } = factorgate;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const NOW = Date.parse('2026-11-23T10:00:00Z');
const at = { now: NOW };
const LOGIN = {
  user: {
    id: 'auth0|alice',
    kind: 'employee',
    createdAt: '2024-12-23T10:00:00Z',
    lastLoginAt: '2026-11-22T10:00:00Z',
    factors: [{ id: 'f1', type: 'webauthnRoaming', enrolledAt: '2026-05-07T10:00:00Z' }],
  },
  session: {
    ip: '198.51.100.7',
    geo: { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 },
    device: { id: 'dev-alice-laptop', managed: true, compliant: true },
    methods: [{ type: 'password', at: '2026-11-23T09:58:00Z' }, { type: 'webauthnRoaming', at: '2026-11-23T09:59:00Z' }],
  },
  app: { id: 'wiki' },
};
const CHANGE = { ...LOGIN, app: undefined, change: { action: 'enroll', phase: 'before', factor: { type: 'totp' } } };

function assertTaggedError(result, code, what) {
  assert.equal(typeof result, 'object', `${what}: not an object`);
  assert.equal(result.type, 'error', `${what}: ${JSON.stringify(result)}`);
  assert.ok(Array.isArray(result.errors) && result.errors.length > 0, `${what}: no errors`);
  for (const e of result.errors) {
    assert.equal(typeof e.code, 'string');
    assert.equal(typeof e.message, 'string');
    assert.equal(typeof e.path, 'string');
  }
  if (code) assert.ok(result.errors.some((e) => e.code === code), `${what}: no ${code} in ${JSON.stringify(result.errors)}`);
}

function engineOf(policy = defaultPolicy(), options) {
  const engine = compilePolicy(policy, options);
  assert.equal(engine.type, 'engine', JSON.stringify(engine));
  return engine;
}

test('require by path (<repo>/pkg) and by name give the same runtime', () => {
  const byPath = require(path.join(__dirname, '..', 'pkg'));
  assert.equal(byPath, factorgate);
  assert.deepEqual(Object.keys(factorgate).sort(), ['compilePolicy', 'defaultPolicy', 'diffDecisions', 'reviewExceptions', 'validatePolicy', 'version']);
});

test('version() is tagged and matches package.json', () => {
  const v = version();
  assert.equal(v.type, 'version');
  assert.equal(v.crate, require('factorgate/package.json').version);
  assert.equal(typeof v.policySchema, 'number');
});

test('defaultPolicy() is an object that validates, as an object and as JSON text', () => {
  const policy = defaultPolicy();
  assert.equal(typeof policy, 'object');
  for (const input of [policy, JSON.stringify(policy)]) {
    const v = validatePolicy(input);
    assert.equal(v.type, 'validation');
    assert.equal(v.valid, true, JSON.stringify(v.errors));
    assert.deepEqual(v.errors, []);
  }
});

test('objects and JSON strings give the same decisions', () => {
  const fromObject = engineOf(defaultPolicy());
  const fromText = engineOf(JSON.stringify(defaultPolicy()), JSON.stringify({}));
  const a = fromObject.decideLogin(LOGIN, at);
  assert.equal(a.type, 'decision', JSON.stringify(a));
  assert.deepEqual(fromText.decideLogin(JSON.stringify(LOGIN), at), a);
  assert.deepEqual(fromObject.assessFactorChange(JSON.stringify(CHANGE), at), fromText.assessFactorChange(CHANGE, at));
  fromObject.free();
  fromText.free();
});

test('the call clock: options.now as ms or Date; the request\'s own now wins; bad clocks are errors', () => {
  const engine = engineOf();
  assert.deepEqual(engine.decideLogin(LOGIN, { now: new Date(NOW) }), engine.decideLogin(LOGIN, at));
  const own = engine.decideLogin({ ...LOGIN, now: '2026-11-23T10:00:00Z' }, { now: NOW + 86_400_000 * 400 });
  assert.deepEqual(own.risk, engine.decideLogin(LOGIN, at).risk);
  for (const now of [NaN, Infinity, 'tomorrow', new Date('x'), {}]) {
    assertTaggedError(engine.decideLogin(LOGIN, { now }), 'invalidOption', `now=${String(now)}`);
  }
  assert.equal(engine.decideLogin(LOGIN).type, 'decision'); // Date.now()
  engine.free();
});

test('an invalid policy is a tagged error with JSON-pointer paths, at compile and at validation', () => {
  const bad = { ...defaultPolicy(), risk: { ...defaultPolicy().risk, wieghts: {} } };
  const compiled = compilePolicy(bad);
  assertTaggedError(compiled, 'unknownField', 'compilePolicy');
  assert.ok(compiled.errors.some((e) => e.path === '/risk/wieghts'), JSON.stringify(compiled.errors));
  const validated = validatePolicy(bad);
  assert.equal(validated.type, 'validation');
  assert.equal(validated.valid, false);
  assert.ok(validated.errors.some((e) => e.path === '/risk/wieghts'));
  assertTaggedError(compilePolicy(defaultPolicy(), { stateKey: 'short' }), 'invalidOption', 'short state key');
  const rotated = compilePolicy(defaultPolicy(), { stateKey: 'a-state-key-0123456789', previousStateKeys: ['short'] });
  assertTaggedError(rotated, 'invalidOption', 'short previous state key');
  assert.equal(rotated.errors[0].path, '/previousStateKeys/0');
});

test('assessAction: a decision, a tagged error without an action; rotation reads a state under a previous key', () => {
  const old = compilePolicy(defaultPolicy(), { stateKey: 'the-old-key-0123456789' });
  const engine = compilePolicy(defaultPolicy(), { stateKey: 'the-new-key-0123456789', previousStateKeys: ['the-old-key-0123456789'] });
  try {
    const request = { ...LOGIN, action: { type: 'secretRead', target: { kind: 'vault', id: 'v1' } } };
    const d = engine.assessAction(request, at);
    assert.equal(d.type, 'decision', JSON.stringify(d));
    assert.equal(d.entry, 'action');
    assert.equal(d.exposure.action.reaches, 'manageSecrets');
    const missing = engine.assessAction(LOGIN, at);
    assertTaggedError(missing, 'invalidShape', 'no action');
    assert.equal(missing.errors[0].path, '/action');
    const state = old.decideLogin(LOGIN, at).state;
    const read = engine.decideLogin({ ...LOGIN, state }, at);
    assert.ok(!read.reasons.some((r) => r.code === 'stateTampered' || r.code === 'stateMissing'), JSON.stringify(read.reasons));
    assert.notEqual(read.state, state);
    const alone = compilePolicy(defaultPolicy(), { stateKey: 'the-new-key-0123456789' });
    assert.ok(!alone.decideLogin({ ...LOGIN, state: read.state }, at).reasons.some((r) => r.code === 'stateTampered'));
    assert.ok(alone.decideLogin({ ...LOGIN, state }, at).reasons.some((r) => r.code === 'stateTampered'));
    alone.free();
  } finally {
    old.free();
    engine.free();
  }
});

test('a bad request is a tagged error with a path', () => {
  const engine = engineOf();
  const result = engine.decideLogin({ ...LOGIN, user: { ...LOGIN.user, createdAt: 'yesterday' } }, at);
  assertTaggedError(result, 'invalidTimestamp', 'bad timestamp');
  assert.ok(result.errors.some((e) => e.path === '/user/createdAt'), JSON.stringify(result.errors));
  assertTaggedError(engine.assessFactorChange(LOGIN, at), null, 'factor change without change');
  engine.free();
});

test('no call throws, whatever it is given', () => {
  const circular = { user: { id: 'x' } };
  circular.self = circular;
  let deep = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const hostile = [
    undefined, null, 0, -1, NaN, true, '', ' ', 'not json', '{"user":', '[]', '{}', '\ud800', 'x'.repeat(2_000_000),
    10n, { a: 10n }, circular, deep, () => 1, Symbol('s'), [undefined],
    { toJSON() { throw new Error('boom'); } },
    { get user() { throw new Error('getter'); } },
    new Proxy({}, { ownKeys() { throw new Error('proxy'); } }),
    Object.create(null),
  ];
  const engine = engineOf();
  const calls = {
    compilePolicy: (x) => compilePolicy(x),
    compileOptions: (x) => compilePolicy(defaultPolicy(), x),
    validatePolicy: (x) => validatePolicy(x),
    reviewExceptions: (x) => reviewExceptions(x, NOW),
    reviewExceptionsNow: (x) => reviewExceptions(defaultPolicy(), x),
    decideLogin: (x) => engine.decideLogin(x, at),
    decideLoginOptions: (x) => engine.decideLogin(LOGIN, x),
    assessFactorChange: (x) => engine.assessFactorChange(x, at),
  };
  for (const [name, call] of Object.entries(calls)) {
    hostile.forEach((input, i) => {
      let result;
      assert.doesNotThrow(() => {
        result = call(input);
      }, `${name}(hostile[${i}]) threw`);
      assert.equal(typeof result, 'object', `${name}(hostile[${i}])`);
      assert.notEqual(result, null);
      assert.equal(typeof result.type, 'string', `${name}(hostile[${i}]) is untagged: ${JSON.stringify(result)}`);
      if (result.type === 'engine') result.free();
    });
  }
  for (const input of [10n, circular, deep, () => 1, Symbol('s'), undefined]) {
    const result = engine.decideLogin(input, at);
    assertTaggedError(result, 'invalidJson', 'unserialisable request');
    assert.equal(result.errors[0].path, '');
  }
  assert.equal(validatePolicy(10n).valid, false);
  assert.equal(testing.failures(), 0, `a call trapped: ${String(testing.lastFailure())}`);
  engine.free();
});

test('free(): later calls are tagged errors; free twice is harmless; Symbol.dispose', () => {
  const engine = engineOf();
  engine.free();
  engine.free();
  assertTaggedError(engine.decideLogin(LOGIN, at), 'engineFreed', 'after free');
  assertTaggedError(engine.assessFactorChange(CHANGE, at), 'engineFreed', 'after free');
  assertTaggedError(engine.assessAction({ ...LOGIN, action: { type: 'roleGrant' } }, at), 'engineFreed', 'after free');
  if (typeof Symbol.dispose === 'symbol') {
    const disposable = engineOf();
    disposable[Symbol.dispose]();
    assertTaggedError(disposable.decideLogin(LOGIN, at), 'engineFreed', 'after dispose');
  }
});

test('compiling and freeing many engines, and deciding on valid and malformed input, keeps memory flat', () => {
  const policy = JSON.stringify(defaultPolicy());
  const login = JSON.stringify(LOGIN);
  const round = (n) => {
    for (let i = 0; i < n; i++) {
      const engine = compilePolicy(policy);
      engine.decideLogin(login, at);
      engine.decideLogin('{"user":', at);
      engine.assessFactorChange(CHANGE, at);
      engine.free();
    }
  };
  round(200);
  const warm = testing.memoryBytes();
  round(2000);
  assert.ok(testing.memoryBytes() - warm < 1 << 20, `wasm memory grew from ${warm} to ${testing.memoryBytes()} bytes`);
});

test('trap recovery: the trapping call gets the fail mode, computed on a fresh instance', () => {
  const engine = engineOf();
  const normal = engine.decideLogin(LOGIN, at);
  assert.equal(normal.type, 'decision');
  const expected = testing.failMode(engine, 'login', LOGIN, at);
  assert.equal(expected.type, 'decision', JSON.stringify(expected));
  assert.ok(expected.reasons.some((r) => r.code === 'engineFailure'), JSON.stringify(expected.reasons));

  const generation = testing.generation();
  const failures = testing.failures();
  testing.injectTraps(1);
  const answer = engine.decideLogin(LOGIN, at);
  assert.equal(testing.generation(), generation + 1, 'the instance was not replaced');
  assert.equal(testing.failures(), failures + 1);
  assert.ok(testing.lastFailure() instanceof WebAssembly.RuntimeError, String(testing.lastFailure()));
  assert.deepEqual(answer, expected);
  assert.equal(answer.outcome, 'stepUp'); // the default policy fails closed for employees

  // The next call on the same engine is decided normally, on the new instance.
  assert.deepEqual(engine.decideLogin(LOGIN, at), normal);
  engine.free();
});

test('trap recovery for factor changes: closed means deny; open (break-glass by default) means allow', () => {
  const engine = engineOf();
  testing.injectTraps(1);
  const closed = engine.assessFactorChange(CHANGE, at);
  assert.equal(closed.type, 'decision', JSON.stringify(closed));
  assert.equal(closed.outcome, 'deny');
  assert.ok(closed.reasons.some((r) => r.code === 'engineFailure'));

  const breakGlass = { ...LOGIN, user: { ...LOGIN.user, kind: 'breakGlass' } };
  testing.injectTraps(1);
  const open = engine.decideLogin(breakGlass, at);
  assert.equal(open.outcome, 'allow', JSON.stringify(open));
  assert.ok(open.alerts.length > 0, 'fail-open must alert');

  const everyoneOpen = engineOf({ ...defaultPolicy(), failMode: { default: 'open', byUserKind: {} } });
  testing.injectTraps(1);
  assert.equal(everyoneOpen.assessFactorChange(CHANGE, at).outcome, 'allow');
  engine.free();
  everyoneOpen.free();
});

test('engine.failMode: the fail-mode decision on demand, e.g. for a request the engine refused', () => {
  const engine = engineOf();
  const bad = { ...LOGIN, session: { ...LOGIN.session, ip: 'not an ip' } };
  assertTaggedError(engine.decideLogin(bad, at), 'invalidShape', 'bad ip');
  const closed = engine.failMode('login', bad, at);
  assert.equal(closed.type, 'decision', JSON.stringify(closed));
  assert.equal(closed.outcome, 'stepUp'); // closed for employees: the strongest factor the user has
  assert.deepEqual(closed.requirement.factors, ['webauthnRoaming']);
  assert.deepEqual(closed.reasons.map((r) => r.code), ['engineFailure']);
  assert.deepEqual(closed, testing.failMode(engine, 'login', bad, at));
  assert.equal(engine.failMode('factorChange', CHANGE, at).outcome, 'deny');
  const breakGlass = { ...LOGIN, user: { ...LOGIN.user, kind: 'breakGlass' } };
  assert.equal(engine.failMode('login', breakGlass, at).outcome, 'allow');
  assertTaggedError(engine.failMode('logout', LOGIN, at), 'invalidValue', 'unknown entry');
  engine.free();
  assertTaggedError(engine.failMode('login', LOGIN, at), 'engineFreed', 'freed');
});

test('engines compiled before a trap keep working, re-compiled lazily on the new instance', () => {
  const engines = [engineOf(), engineOf({ ...defaultPolicy(), id: 'second' }), engineOf(JSON.stringify(defaultPolicy()))];
  const before = engines.map((e) => e.decideLogin(LOGIN, at));
  const freedBefore = engineOf();
  assert.equal(testing.trapNow(), true);
  assert.deepEqual(engines.map((e) => e.decideLogin(LOGIN, at)), before);
  freedBefore.free(); // an engine of the retired instance: dropped, never called
  assertTaggedError(freedBefore.decideLogin(LOGIN, at), 'engineFreed', 'freed after trap');
  for (const e of engines) e.free();
});

test('calls without a fail mode are retried once on the fresh instance', () => {
  testing.injectTraps(1);
  assert.equal(version().type, 'version');
  testing.injectTraps(1);
  assert.equal(validatePolicy(defaultPolicy()).valid, true);
  testing.injectTraps(1);
  assert.equal(compilePolicy(defaultPolicy()).type, 'engine');
  testing.injectTraps(1);
  assert.equal(typeof defaultPolicy().id, 'string');
  testing.injectTraps(1);
  assert.equal(reviewExceptions(defaultPolicy(), NOW).type, 'exceptionReview');
});

test('a trap on the fresh instance too is a tagged engineFailure, and the call after it works', () => {
  const engine = engineOf();
  testing.injectTraps(2);
  assertTaggedError(engine.decideLogin(LOGIN, at), 'engineFailure', 'double trap');
  testing.injectTraps(2);
  assertTaggedError(version(), 'engineFailure', 'double trap in version');
  assert.equal(engine.decideLogin(LOGIN, at).type, 'decision');
  engine.free();
});

test('objects of retired instances are collected without touching the live one', async () => {
  const live = engineOf();
  const suppressed = testing.suppressedFinalizers();
  const normal = live.decideLogin(LOGIN, at);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 20; i++) compilePolicy(defaultPolicy()); // dropped without free()
    testing.trapNow();
  }
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50)); // finalizers run after a turn
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(testing.suppressedFinalizers() > suppressed, 'no finalizer of a retired instance ran');
  assert.deepEqual(live.decideLogin(LOGIN, at), normal);
  live.free();
});

test('requests travel as UTF-8 written straight into wasm memory: any text, any size up to the cap, memory reused', () => {
  const engine = compilePolicy(defaultPolicy());
  const ascii = engine.decideLogin(LOGIN, at);
  // Non-ASCII in what the engine reads and echoes (the user id in alerts), and in what it skips.
  const names = ['Zoë Ångström', 'ユーザー', '😀 emoji', 'a\u0000b'];
  for (const id of names) {
    // An admin's change always raises an Account Change event, which names the user.
    const d = engine.assessFactorChange({ ...CHANGE, user: { ...CHANGE.user, id, roles: ['admin'] }, ext: 'ü'.repeat(5000) }, at);
    assert.equal(d.type, 'decision', `${id}: ${JSON.stringify(d).slice(0, 300)}`);
    const accountChange = d.alerts.find((a) => a.class_uid === 3001);
    assert.ok(accountChange, `${id}: no Account Change event`);
    assert.equal(accountChange.user.uid, id);
  }
  // An ASCII request after a longer non-ASCII one reads only its own bytes.
  assert.deepEqual(engine.decideLogin(LOGIN, at), ascii);
  // Up to the cap in UTF-16 units, three bytes each in UTF-8: still a decision, then memory stays.
  const big = JSON.stringify({ ...LOGIN, ext: '€'.repeat(64 * 1024 - JSON.stringify(LOGIN).length - 20) });
  assert.ok(big.length <= 64 * 1024);
  const first = engine.decideLogin(big, at);
  assert.equal(first.type, 'error', 'over the cap in bytes once encoded');
  assert.equal(first.errors[0].code, 'tooLarge');
  const before = testing.memoryBytes();
  for (let i = 0; i < 50; i += 1) engine.decideLogin(big, at);
  for (let i = 0; i < 50; i += 1) engine.decideLogin(LOGIN, at);
  assert.equal(testing.memoryBytes(), before, 'the request buffer is reused, not grown');
});
