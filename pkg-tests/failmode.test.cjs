'use strict';
// Trap recovery and fail modes through the built package (docs/contract.md#failure).
//
// - A real out-of-memory: the live instance's memory grown to its maximum (testing.exhaustMemory),
//   then a decision that needs more traps inside Rust's allocator. The shim answers that call
//   with the policy's fail mode, computed on a fresh instance, and the next call is decided
//   normally there. (contract.test.cjs does the same with the test-only `unreachable` export.)
// - Fail modes per user kind, on a trap: closed (the default) steps up with the strongest
//   factors the user has, denies without one, and denies factor changes; open (break-glass by
//   default, any kind a policy names) allows and alerts. examples/auth0/post-login.test.js shows
//   the same through the Auth0 Action (`api.authentication.challengeWith`, break-glass allowed).
const assert = require('node:assert/strict');
const { test } = require('node:test');

const { compilePolicy, defaultPolicy } = require('factorgate');
const testing = require('factorgate/testing');

const NOW = Date.parse('2026-11-23T10:00:00Z');
const at = { now: NOW };
const KINDS = ['employee', 'contractor', 'partner', 'customer', 'service', 'breakGlass'];

function login(kind, factors, extra = {}) {
  return {
    user: { id: `auth0|${kind}`, kind, factors: factors.map((type, i) => ({ id: `f${i}`, type })), ...extra },
    session: {
      methods: [{ type: 'password', at: '2026-11-23T09:59:00Z' }],
      device: { id: 'd1', managed: true, compliant: true },
    },
    app: { id: 'wiki' },
  };
}
const change = (req) => ({ ...req, app: undefined, change: { action: 'enroll', phase: 'before', factor: { type: 'totp' } } });

function engineOf(policy = defaultPolicy()) {
  const engine = compilePolicy(policy);
  assert.equal(engine.type, 'engine', JSON.stringify(engine));
  return engine;
}

// Calls `call` with a trap injected into it; checks the instance was replaced and the answer is
// the engine-failure decision.
function onTrap(call) {
  const generation = testing.generation();
  testing.injectTraps(1);
  const answer = call();
  assert.equal(testing.generation(), generation + 1, 'the instance was not replaced');
  assert.equal(answer.type, 'decision', JSON.stringify(answer));
  assert.deepEqual(answer.reasons.map((r) => r.code), ['engineFailure']);
  assert.ok(answer.alerts.some((a) => a.class_uid === 2004), 'a fail-mode answer raises a Detection Finding');
  return answer;
}

test('out of memory: the call that traps gets the fail mode; the next call decides on a fresh instance', () => {
  // Compiled from JSON text (not the default-policy fast path of compilePolicy(defaultPolicy()),
  // which leaves so much of the heap free that no request under the 64 KiB cap outgrows it).
  const engine = engineOf(JSON.stringify(defaultPolicy(), null, 1));
  const req = login('employee', ['sms', 'totp', 'webauthnRoaming']);
  const normal = engine.decideLogin(req, at);
  assert.equal(normal.type, 'decision');
  const expected = testing.failMode(engine, 'login', req, at);
  const generation = testing.generation();
  const failures = testing.failures();

  const bytes = testing.exhaustMemory();
  assert.ok(bytes >= 256 * 1024 * 1024, `memory only grew to ${bytes} bytes`);
  // Each request needs more memory than the one before: up to the 64 KiB cap, then beyond it
  // (the shim copies a request into wasm memory before the engine checks its size). One of them
  // has to allocate more than the engine holds; which one depends on the build's allocations.
  let answer;
  for (const size of [1e3, 4e3, 16e3, 60e3, 1e6, 8e6, 32e6]) {
    answer = engine.decideLogin({ ...req, pad: 'x'.repeat(size) }, at);
    if (testing.failures() !== failures) break;
  }
  assert.equal(testing.failures(), failures + 1, 'no allocation failed');
  assert.ok(testing.lastFailure() instanceof WebAssembly.RuntimeError, String(testing.lastFailure()));
  assert.equal(testing.generation(), generation + 1);
  assert.deepEqual(answer, expected);
  assert.equal(answer.outcome, 'stepUp');
  assert.deepEqual(answer.requirement.factors, ['webauthnRoaming']);

  // The fresh instance has a fresh memory, and decides as before.
  assert.ok(testing.memoryBytes() < 16 * 1024 * 1024, `${testing.memoryBytes()} bytes after recovery`);
  assert.deepEqual(engine.decideLogin(req, at), normal);
  assert.deepEqual(engine.assessFactorChange(change(req), at), engine.assessFactorChange(change(req), at));
  engine.free();
});

test('out of memory while compiling: retried once on the fresh instance', () => {
  testing.exhaustMemory();
  const failures = testing.failures();
  let engine;
  // Policies of growing size, up to the 256 KiB cap: one of them needs more than the engine holds.
  for (let size = 1000; testing.failures() === failures && size <= 240_000; size *= 2) {
    engine = compilePolicy({ ...defaultPolicy(), description: 'd'.repeat(Math.min(size, 240_000)) });
    if (engine.type === 'engine') engine.free();
  }
  assert.equal(testing.failures(), failures + 1, 'no allocation failed');
  assert.equal(engine.type, 'engine');
});

test('default policy: every kind but break-glass fails closed; break-glass fails open', () => {
  const engine = engineOf();
  for (const kind of KINDS) {
    const req = login(kind, ['sms', 'push', 'totp', 'passkeySynced']);
    const answer = onTrap(() => engine.decideLogin(req, at));
    const factorChange = onTrap(() => engine.assessFactorChange(change(req), at));
    const action = onTrap(() => engine.assessAction({ ...req, action: { type: 'credentialAdd' } }, at));
    assert.equal(action.entry, 'action', kind);
    if (kind === 'breakGlass') {
      assert.equal(answer.outcome, 'allow', kind);
      assert.equal(answer.requirement, undefined);
      assert.equal(factorChange.outcome, 'allow', kind);
      assert.equal(action.outcome, 'allow', kind);
    } else {
      assert.equal(action.outcome, 'deny', kind);
      // Closed: step up with the strongest factor the user has, at its own assurance, fresh.
      assert.equal(answer.outcome, 'stepUp', kind);
      assert.deepEqual(answer.requirement.factors, ['passkeySynced'], kind);
      assert.equal(answer.requirement.minAal, 2);
      assert.equal(answer.requirement.phishingResistant, true);
      assert.equal(answer.requirement.maxAgeS, 0);
      assert.equal(answer.enrollmentAllowed, false);
      assert.equal(factorChange.outcome, 'deny', kind);
    }
    assert.ok(answer.reasons[0].detail.includes(kind), answer.reasons[0].detail);
  }
  engine.free();
});

test('closed: the strongest factors the user has, all of that strength; without a possession factor, deny', () => {
  const engine = engineOf();
  const cases = [
    [['sms', 'totp', 'push'], ['push', 'totp']],
    [['sms', 'recoveryCode'], ['recoveryCode']],
    [['voice'], ['voice']],
    [['totp', 'piv', 'webauthnRoaming', 'webauthnPlatform'], ['webauthnRoaming', 'piv', 'webauthnPlatform']],
    [['email'], null],
    [[], null],
  ];
  for (const [factors, strongest] of cases) {
    const answer = onTrap(() => engine.decideLogin(login('employee', factors), at));
    if (strongest === null) {
      assert.equal(answer.outcome, 'deny', JSON.stringify(factors));
    } else {
      assert.equal(answer.outcome, 'stepUp', JSON.stringify(factors));
      assert.deepEqual([...answer.requirement.factors].sort(), [...strongest].sort(), JSON.stringify(factors));
    }
  }
  // A request the engine cannot read: nothing is known of the user, so closed is deny.
  assert.equal(onTrap(() => engine.decideLogin('{"user":{"id":', at)).outcome, 'deny');
  // The kind comes from the request; a malformed kind is the default kind.
  assert.equal(onTrap(() => engine.decideLogin({ ...login('employee', ['totp']), user: { id: 'x', kind: 'robot', factors: [{ type: 'totp' }] } }, at)).outcome, 'stepUp');
  engine.free();
});

test('a policy sets the fail mode per kind: open customers, closed contractors under an open default', () => {
  const policy = defaultPolicy();
  const customersOpen = engineOf({ ...policy, id: 'customers-open', failMode: { default: 'closed', byUserKind: { customer: 'open', breakGlass: 'open' } } });
  const openDefault = engineOf({ ...policy, id: 'open-default', failMode: { default: 'open', byUserKind: { contractor: 'closed' } } });
  for (const kind of KINDS) {
    const req = login(kind, ['totp']);
    const a = onTrap(() => customersOpen.decideLogin(req, at));
    assert.equal(a.outcome, ['customer', 'breakGlass'].includes(kind) ? 'allow' : 'stepUp', `customers-open, ${kind}`);
    const b = onTrap(() => openDefault.decideLogin(req, at));
    assert.equal(b.outcome, kind === 'contractor' ? 'stepUp' : 'allow', `open-default, ${kind}`);
    const c = onTrap(() => openDefault.assessFactorChange(change(req), at));
    assert.equal(c.outcome, kind === 'contractor' ? 'deny' : 'allow', `open-default change, ${kind}`);
    // Open is never silent.
    assert.ok(b.alerts[0].message.includes(b.outcome === 'allow' ? 'fail open' : 'fail closed'), b.alerts[0].message);
  }
  customersOpen.free();
  openDefault.free();
});

test('break-glass accounts listed by id in the policy fail open whatever kind the request says', () => {
  const engine = engineOf({ ...defaultPolicy(), id: 'bg-ids', breakGlass: { userIds: ['auth0|emergency-1'] } });
  const req = { ...login('employee', ['webauthnRoaming']), user: { id: 'auth0|emergency-1', kind: 'employee', factors: [{ type: 'webauthnRoaming' }] } };
  assert.equal(onTrap(() => engine.decideLogin(req, at)).outcome, 'allow');
  assert.equal(onTrap(() => engine.decideLogin(login('employee', ['webauthnRoaming']), at)).outcome, 'stepUp');
  engine.free();
});
