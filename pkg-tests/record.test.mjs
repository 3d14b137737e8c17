// The result record (docs/architecture.md#the-result-record) through the built package: every
// decision the shim builds from a record equals JSON.parse of the JSON export's text for the same
// call, and JSON.stringify of the two is byte-identical (key order included), for every vector
// and step, and so does its fail mode. A trap replaces the instance and the fresh one defines its
// names again; a record whose names the shim lost is an engineFailure error, never a wrong object;
// strings that are not ASCII, need escapes or hold lone surrogates come back as through JSON; a
// memory that grew between two calls is read through a fresh view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as factorgate from 'factorgate';
import testing from 'factorgate/testing';
import { loadVectors, runSteps, runVector } from './vectors.mjs';

const NOW = { now: Date.parse('2026-11-23T10:00:00Z') };
const METHODS = { login: 'decideLogin', factorChange: 'assessFactorChange', action: 'assessAction' };

// `got` (read from a record) against the JSON export's answer to the same call.
function sameAsJson(got, json, what) {
  if (typeof json !== 'string') {
    // Refused before wasm (not serialisable, over the cap): the same error object either way.
    assert.deepEqual(got, json, what);
    return;
  }
  const parsed = JSON.parse(json);
  assert.equal(JSON.stringify(got), JSON.stringify(parsed), what);
  assert.deepEqual(got, parsed, what);
}

let compared = 0;

// An engine whose decisions are each checked against the JSON export, with their fail mode.
function checked(engine) {
  const wrapped = { type: 'engine', grantApproval: (...a) => engine.grantApproval(...a), free: () => engine.free() };
  for (const [entry, method] of Object.entries(METHODS)) {
    wrapped[method] = (request, options) => {
      const got = engine[method](request, options);
      sameAsJson(got, testing.answerJson(engine, entry, request, options), `${entry} ${JSON.stringify(request)?.slice(0, 200)}`);
      const failMode = testing.failMode(engine, entry, request, options);
      sameAsJson(failMode, testing.answerJson(engine, entry, request, options, true), `fail mode ${entry}`);
      compared += 1;
      return got;
    };
  }
  return wrapped;
}

const api = {
  ...factorgate,
  compilePolicy: (policy, options) => {
    const engine = factorgate.compilePolicy(policy, options);
    return engine.type === 'engine' ? checked(engine) : engine;
  },
};

test('every vector: the objects read from records are the JSON answers, fail modes included', () => {
  for (const [, vector] of loadVectors()) {
    if (Array.isArray(vector.steps)) runSteps(api, vector);
    else runVector(api, vector);
  }
  assert.ok(compared >= 250, `only ${compared} decisions compared`);
});

const login = (extra = {}) => ({
  user: { id: 'auth0|alice', kind: 'employee', factors: [{ id: 'k1', type: 'webauthnRoaming', enrolledAt: '2026-01-02T10:00:00Z' }] },
  session: { methods: [{ type: 'password', at: '2026-11-23T09:59:00Z' }], device: { id: 'd1', managed: true, compliant: true } },
  app: { id: 'wiki' },
  ...extra,
});

test('after a trap the fresh instance defines its names again, and its records read as before', () => {
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy());
  const action = { ...login(), action: { type: 'secretCreate', target: { kind: 'vault', id: 'v1' } } };
  const before = [engine.decideLogin(login(), NOW), engine.assessAction(action, NOW)];
  const generation = testing.generation();
  testing.injectTraps(1);
  const failed = engine.decideLogin(login(), NOW);
  assert.equal(testing.generation(), generation + 1, 'the instance was not replaced');
  assert.deepEqual(failed.reasons.map((r) => r.code), ['engineFailure']);
  sameAsJson(failed, testing.answerJson(engine, 'login', login(), NOW, true), 'the fail mode, the fresh instance\'s first record');
  const after = [engine.decideLogin(login(), NOW), engine.assessAction(action, NOW)];
  assert.equal(JSON.stringify(after), JSON.stringify(before));
  assert.equal(testing.trapNow(), true);
  assert.equal(JSON.stringify([engine.decideLogin(login(), NOW), engine.assessAction(action, NOW)]), JSON.stringify(before));
  engine.free();
});

test('a record whose names the shim lost is an engineFailure error; the next call decides on a fresh instance', () => {
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy());
  const before = engine.decideLogin(login(), NOW);
  testing.forgetNames();
  const generation = testing.generation();
  const lost = engine.decideLogin(login(), NOW);
  assert.equal(lost.type, 'error', JSON.stringify(lost));
  assert.deepEqual(lost.errors.map((e) => e.code), ['engineFailure']);
  assert.match(lost.errors[0].message, /names start at/);
  assert.equal(testing.generation(), generation + 1);
  assert.deepEqual(engine.decideLogin(login(), NOW), before);
  engine.free();
});

test('strings that are not ASCII, need escapes or hold lone surrogates come back as through JSON', () => {
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy());
  const odd = ['\ufeffé"q\\b\n\t\u0001\u007f😀 ünï €', 'x\ud800y', '\udc00', '\u2028\u2029', 'a'.repeat(300) + 'é'];
  for (const s of odd) {
    const request = {
      ...login(),
      user: { ...login().user, id: s, roles: [`${s}-admin`] },
      requested: { acr: [s] },
      action: { type: 'secretCreate', target: { kind: s, id: s } },
    };
    for (const [entry, method] of [['login', 'decideLogin'], ['action', 'assessAction']]) {
      // As an object (JSON.stringify escapes lone surrogates), and as text (encodeInto makes them U+FFFD).
      for (const sent of [request, JSON.stringify(request).replaceAll('\\ud800', '\ud800').replaceAll('\\udc00', '\udc00')]) {
        const got = engine[method](sent, NOW);
        sameAsJson(got, testing.answerJson(engine, entry, sent, NOW), `${entry} ${JSON.stringify(s)}`);
      }
    }
  }
  const action = engine.assessAction({ ...login(), action: { type: 'secretCreate', target: { kind: 'k', id: odd[0] } } }, NOW);
  assert.equal(action.exposure.action.targetId, odd[0]);
  engine.free();
});

test('a memory that grew since the last record is read through a fresh view', () => {
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy());
  const small = engine.decideLogin(login(), NOW);
  const bytes = testing.memoryBytes();
  // Larger and larger requests (the last over the byte cap: an error) until the memory grows.
  for (const n of [1e3, 1e4, 2e4, 3e4, 4e4]) {
    const big = { ...login(), pad: 'é'.repeat(n) };
    sameAsJson(engine.decideLogin(big, NOW), testing.answerJson(engine, 'login', big, NOW), `a ${n}-character pad`);
    if (testing.memoryBytes() > bytes) break;
  }
  assert.ok(testing.memoryBytes() > bytes, 'the memory did not grow');
  assert.equal(JSON.stringify(engine.decideLogin(login(), NOW)), JSON.stringify(small));
  engine.free();
});
