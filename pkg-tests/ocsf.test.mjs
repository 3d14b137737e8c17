// Every alert is an OCSF 1.8.0 event a SIEM takes as it is (docs/contract.md#alerts): each alert
// that the built package answers for every tests/vectors/*.json case, for the same requests with
// every decision alerting and with the session's source cut down to what hosts really send
// (coordinates without a country, a country without an address or device, an AS number alone,
// nothing), for the fail mode and after a trap, is validated with ajv against the class's JSON
// Schema in schema/ocsf-1.8.0/ (generated from the compiled 1.8.0 export by
// scripts/ocsf-schemas.py). A failure lists each invalid alert with its errors. The alerts of the
// other pkg-tests and of the host examples are validated as they are made (pkg-tests/ocsf-capture.cjs,
// preloaded by scripts/test.sh).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as factorgate from 'factorgate';
import testing from 'factorgate/testing';
import ocsf from './ocsf.cjs';
import { loadVectors, mergePatch, runSteps, runVector } from './vectors.mjs';

const { ocsfValidator, manifest } = ocsf;
const validator = ocsfValidator();
const vectors = loadVectors();

/** Collects the alerts of results under a label, and validates them all at the end. */
function collector() {
  const alerts = [];
  return {
    alerts,
    add(label, result) {
      for (const [i, alert] of (result?.alerts ?? []).entries()) alerts.push({ label: `${label} alert ${i + 1}`, alert });
    },
    /** Fails listing every invalid alert with its errors; returns the counts. */
    check(t, what) {
      const invalid = alerts.map((a) => ({ ...a, errors: validator.errors(a.alert) })).filter((a) => a.errors.length > 0);
      const summary = `${what}: ${alerts.length - invalid.length} of ${alerts.length} alerts valid OCSF ${manifest.ocsf_version}`;
      t.diagnostic(summary);
      if (invalid.length > 0) {
        const lines = invalid.map((a) => `${a.label} (class ${a.alert?.class_uid}, type ${a.alert?.type_uid}):\n    ${a.errors.join('\n    ')}`);
        assert.fail(`${summary}; invalid:\n  ${lines.join('\n  ')}`);
      }
      return { total: alerts.length, invalid: invalid.length };
    },
  };
}

/** Runs a vector (one request or steps) and adds every result's alerts. */
function addVector(c, file, vector, policyPatch) {
  const v = policyPatch === undefined ? vector : { ...vector, policyPatch: mergePatch(structuredClone(vector.policyPatch ?? {}), policyPatch) };
  if (Array.isArray(v.steps)) {
    for (const [label, result] of runSteps(factorgate, v)) c.add(`${file} ${label}`, result);
  } else {
    c.add(file, runVector(factorgate, v));
  }
}

const decisionVectors = vectors.filter(([, v]) => v.entry === 'login' || v.entry === 'factorChange' || v.entry === 'action');

// The source of a session as hosts send it, from everything down to nothing.
const SOURCES = {
  'coordinates without a country': (s) => ({ ...s, ip: undefined, device: undefined, geo: { lat: s.geo?.lat ?? 59.91, lon: s.geo?.lon ?? 10.75 } }),
  'coordinates without a country, with an address': (s) => ({ ...s, geo: { lat: s.geo?.lat ?? 59.91, lon: s.geo?.lon ?? 10.75 } }),
  'a country without an address or device': (s) => ({ ...s, ip: undefined, device: undefined, geo: { country: s.geo?.country ?? 'NO' } }),
  'an AS number alone': (s) => ({ ...s, ip: undefined, device: undefined, geo: { asn: s.geo?.asn ?? 2119 } }),
  'a device without an id': (s) => ({ ...s, ip: undefined, geo: undefined, device: { managed: false } }),
  'nothing': (s) => ({ ...s, ip: undefined, device: undefined, geo: undefined }),
};
const withSource = (request, cut) => {
  const session = cut(structuredClone(request.session ?? {}));
  for (const k of Object.keys(session)) if (session[k] === undefined) delete session[k];
  return { ...structuredClone(request), session };
};

// Every decision alerts: a Detection Finding always, an Account Change for every factor change.
const ALWAYS_ALERT = { alerts: { detectionAt: 'low', accountChangeAt: 'low' } };

test(`the schemas are OCSF ${manifest.ocsf_version}, one per alert class, and compile in ajv strict mode`, () => {
  assert.equal(manifest.ocsf_version, '1.8.0');
  assert.deepEqual(Object.keys(manifest.classes).sort(), ['2004', '3001']);
  assert.match(manifest.generator, /^ocsf-json-schema \d+\.\d+\.\d+/);
});

test('the validator refuses what 1.8.0 refuses (the holes issue 16 found, written by hand)', () => {
  const c = collector();
  for (const [file, vector] of decisionVectors) addVector(c, file, vector, ALWAYS_ALERT);
  const finding = c.alerts.map((a) => a.alert).find((a) => a.class_uid === 2004 && a.evidences?.[0]?.src_endpoint?.ip);
  const change = c.alerts.map((a) => a.alert).find((a) => a.class_uid === 3001 && a.src_endpoint?.ip);
  assert.ok(finding && change, 'the vectors give both classes with a source address');
  assert.deepEqual(validator.errors(finding), []);
  assert.deepEqual(validator.errors(change), []);
  const bad = (alert, patch) => validator.errors(mergePatch(structuredClone(alert), patch));
  const policies = [{ uid: 'p', name: 'p', version: '1', data: { digest: 'x' } }];
  assert.ok(bad(finding, { policies }).some((e) => e.includes('additional properties') && e.includes('policies')), 'policies on a Detection Finding');
  assert.deepEqual(bad(change, { policies }), [], 'policies on an Account Change');
  assert.ok(bad(change, { src_endpoint: { location: { country: null, lat: 1, long: 2 } } }).some((e) => e.startsWith('/src_endpoint/location')), 'a location with only coordinates');
  assert.ok(bad(change, { src_endpoint: { ip: null, uid: null, location: { country: 'NO' } } }).some((e) => e.startsWith('/src_endpoint ')), 'a src_endpoint without an identifier');
  assert.ok(bad(change, { auth_factors: [{ factor_type_id: 12 }] }).length > 0, 'a factor type outside the enumeration');
  assert.ok(bad(change, { type_uid: 300110, activity_id: 11 }).some((e) => e.startsWith('/type_uid')), 'type_uid from another activity');
  assert.ok(validator.errors({ ...change, class_uid: 3002 }).length > 0, 'another class');
});

test('every alert of every vector is valid OCSF 1.8.0', (t) => {
  const c = collector();
  for (const [file, vector] of decisionVectors) addVector(c, file, vector);
  const { total } = c.check(t, 'vectors as they are');
  assert.ok(total >= 50, `the vectors raise alerts (${total})`);
});

test('every alert is valid when every decision of the vectors alerts (both classes, every action)', (t) => {
  const c = collector();
  for (const [file, vector] of decisionVectors) addVector(c, file, vector, ALWAYS_ALERT);
  const { total } = c.check(t, 'vectors, every decision alerting');
  const types = new Set(c.alerts.map((a) => a.alert.type_uid));
  for (const type of [200401, 300110, 300111, 300199]) assert.ok(types.has(type), `type_uid ${type} among the alerts`);
  assert.ok(total > decisionVectors.length, `${total} alerts`);
});

for (const [source, cut] of Object.entries(SOURCES)) {
  test(`every alert is valid with a session source of ${source}`, (t) => {
    const c = collector();
    for (const [file, vector] of decisionVectors) {
      if (Array.isArray(vector.steps) || vector.request === null || typeof vector.request !== 'object') continue;
      addVector(c, `${file} (${source})`, { ...vector, request: withSource(vector.request, cut) }, ALWAYS_ALERT);
    }
    const { total } = c.check(t, `vectors with ${source}, every decision alerting`);
    assert.ok(total > 100, `${total} alerts`);
  });
}

test('the fail mode and a trapped call alert in valid OCSF 1.8.0', (t) => {
  const c = collector();
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy(), { stateKey: 'ocsf-test-state-key-0123456789' });
  assert.equal(engine.type, 'engine');
  try {
    for (const [file, vector] of decisionVectors) {
      if (Array.isArray(vector.steps) || vector.request === null || typeof vector.request !== 'object') continue;
      const at = { now: Date.parse(vector.now ?? '2026-11-23T10:00:00Z') };
      c.add(`${file} failMode`, engine.failMode(vector.entry, vector.request, at));
      c.add(`${file} failMode (nothing of the source)`, engine.failMode(vector.entry, withSource(vector.request, SOURCES.nothing), at));
    }
    const [, login] = decisionVectors.find(([, v]) => v.entry === 'login' && !v.steps);
    testing.injectTraps(1);
    const trapped = engine.decideLogin(login.request, { now: Date.parse(login.now) });
    assert.ok(trapped.reasons.some((r) => r.code === 'engineFailure'), JSON.stringify(trapped.reasons));
    c.add('trapped login', trapped);
    c.add('unreadable request', engine.failMode('login', { user: 42 }, { now: Date.parse(login.now) }));
  } finally {
    engine.free();
  }
  const { total } = c.check(t, 'fail mode');
  assert.ok(total > decisionVectors.length / 2, `${total} alerts`);
});
