// schema/policy.schema.json through a real JSON Schema validator (ajv, draft 2020-12, strict mode)
// next to the built package's validatePolicy: the default policy, the example and every valid
// policy in tests/vectors/ pass the schema; partial policies, which the engine merges over the
// default policy, pass it too; policies the engine refuses for a rule the schema expresses fail it;
// and the schema's patterns and date-time format agree with the engine on samples. tests/schema.rs
// checks keys, types, required fields, defaults, enums, bounds and the merge natively.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as factorgate from 'factorgate';
import { loadVectors, mergePatch } from './vectors.mjs';

const root = new URL('../', import.meta.url);
const readJson = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const schema = readJson('schema/policy.schema.json');
const example = readJson('schema/example.policy.json');

function compileSchema() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validateSchema = compileSchema();

/** ajv's complaints about `policy`, one line each; empty when it passes. */
function schemaErrors(policy) {
  if (validateSchema(policy)) return [];
  return validateSchema.errors.map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** validatePolicy's errors for `policy`; empty when it is valid. */
function engineErrors(policy) {
  const result = factorgate.validatePolicy(policy);
  assert.equal(result.type, 'validation', JSON.stringify(result));
  assert.equal(result.valid, result.errors.length === 0, JSON.stringify(result));
  return result.errors;
}

/** A copy of `policy` with `edit` applied to it. */
function edited(policy, edit) {
  const copy = structuredClone(policy);
  edit(copy);
  return copy;
}

/** The policy a vector runs with, built the way pkg-tests/vectors.mjs and tests/vectors.rs do. */
function vectorPolicy(vector) {
  let policy = vector.policy === undefined || vector.policy === 'default' ? factorgate.defaultPolicy() : structuredClone(vector.policy);
  if (vector.policyPatch !== undefined) policy = mergePatch(policy, vector.policyPatch);
  return policy;
}

test('the schema compiles as draft 2020-12 in ajv strict mode', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.$id, 'https://factorgate.dev/schema/policy.schema.json');
  assert.equal(typeof validateSchema, 'function');
});

test('defaultPolicy() passes the schema, with or without a $schema reference', () => {
  const policy = factorgate.defaultPolicy();
  assert.equal(policy.$schema, undefined, 'the engine does not write $schema');
  assert.deepEqual(schemaErrors(policy), []);
  const referenced = { $schema: schema.$id, ...policy };
  assert.deepEqual(schemaErrors(referenced), []);
  assert.deepEqual(engineErrors(referenced), []);
});

test('schema/example.policy.json passes the schema and validatePolicy', () => {
  assert.deepEqual(schemaErrors(example), []);
  assert.deepEqual(engineErrors(example), []);
});

// Vector policies the engine refuses for a rule no JSON Schema can state, with that rule.
const BEYOND_THE_SCHEMA = {
  'policy-03-exception-longer-than-allowed.json': 'an exception lasts at most exceptions.maxDurationS',
};

test('every valid policy in tests/vectors/ passes the schema; invalid ones fail it', () => {
  let valid = 0;
  let invalid = 0;
  for (const [file, vector] of loadVectors()) {
    const policy = vectorPolicy(vector);
    const engine = engineErrors(policy);
    const ours = schemaErrors(policy);
    if (engine.length === 0) {
      assert.deepEqual(ours, [], `${file}: validatePolicy accepts its policy, the schema does not`);
      valid += 1;
    } else if (file in BEYOND_THE_SCHEMA) {
      assert.deepEqual(ours, [], `${file}: listed as beyond the schema (${BEYOND_THE_SCHEMA[file]})`);
    } else {
      assert.notDeepEqual(ours, [], `${file}: validatePolicy refuses its policy (${JSON.stringify(engine)}), the schema accepts it`);
      invalid += 1;
    }
  }
  assert.ok(valid >= 40, `only ${valid} valid vector policies`);
  assert.ok(invalid >= 2, `only ${invalid} invalid vector policies`);
});

test('policies the engine refuses for a rule the schema states fail the schema', () => {
  const cases = {
    'unknown top-level field': (p) => { p.wieghts = {}; },
    'unknown field in a section': (p) => { p.risk.levels.severe = 90; },
    'unknown field in a requirement': (p) => { p.requirements.high.minAAL = 3; },
    'unknown field in a kind rule': (p) => { p.userKinds.service.mfa = false; },
    'unknown field in an exception subject': (p) => { p.exceptions.items[0].subject.group = 'x'; },
    'unknown field in a network': (p) => { p.networks.trusted[0].region = 'eu'; },
    '$schema below the top level': (p) => { p.apps.$schema = schema.$id; },
    'minAal 4': (p) => { p.requirements.critical.minAal = 4; },
    'minAal 0': (p) => { p.privileged.requirement.minAal = 0; },
    'minAal 2.5': (p) => { p.requirements.medium.minAal = 2.5; },
    'maxAgeS negative': (p) => { p.requirements.low.maxAgeS = -1; },
    'hardware-bound without phishing resistance': (p) => { p.requirements.critical.phishingResistant = false; },
    'unknown factor type': (p) => { p.userKinds.employee.allowedFactors.push('fax'); },
    'password as a bindable factor': (p) => { p.userKinds.customer.allowedFactors.push('password'); },
    'software factor for break-glass': (p) => { p.breakGlass.requiredFactors = ['totp']; },
    'no break-glass factors': (p) => { p.breakGlass.requiredFactors = []; },
    'unknown level': (p) => { p.risk.riskyAt = 'severe'; },
    'unknown sensitivity': (p) => { p.apps.byId.payroll = 'secret'; },
    'unknown user kind as a fail-mode key': (p) => { p.failMode.byUserKind.robot = 'open'; },
    'unknown fail mode': (p) => { p.failMode.default = 'ajar'; },
    'unknown reason code as a weight key': (p) => { p.risk.weights.bogus = 10; },
    'weight above 100': (p) => { p.risk.weights.newDevice = 101; },
    'weight below -100': (p) => { p.risk.weights.trustedNetwork = -101; },
    'fractional weight': (p) => { p.risk.weights.newDevice = 10.5; },
    'critical level above 100': (p) => { p.risk.levels.critical = 101; },
    'empty approver list': (p) => { p.risk.factorChange.approvers = []; },
    'no push-fatigue threshold': (p) => { p.signals.pushFatigue.denied = 0; },
    'non-positive travel speed': (p) => { p.signals.impossibleTravel.speedKmh = 0; },
    'unknown restricted-factor rule': (p) => { p.enrollment.restrictedFactors = 'sometimes'; },
    'phishingResistant false under an inherited hardware binding': (p) => { p.requirements.critical = { phishingResistant: false }; },
    'hardwareBound over a rule that is not phishing-resistant': (p) => { p.requirements.medium = { hardwareBound: true }; },
    'a floor without maxAgeS where the kind has none to inherit': (p) => { p.userKinds.employee.requirement = { minAal: 2 }; },
    'null for a rule that is not optional': (p) => { p.requirements.low = null; },
    'null to remove a map entry': (p) => { p.failMode.byUserKind.breakGlass = null; },
    'a list where a section goes': (p) => { p.alerts = ['low', 'low']; },
    'a list where a rule goes': (p) => { p.requirements.high = []; },
    'blank id': (p) => { p.id = '   '; },
    'id over 128 characters': (p) => { p.id = 'x'.repeat(129); },
    'version 0': (p) => { p.version = 0; },
    'exception without expiresAt': (p) => { delete p.exceptions.items[0].expiresAt; },
    'exception without createdAt': (p) => { delete p.exceptions.items[0].createdAt; },
    'exception without a reason': (p) => { delete p.exceptions.items[0].reason; },
    'exception with a date-only expiry': (p) => { p.exceptions.items[0].expiresAt = '2026-12-03'; },
    'exception with a blank reason': (p) => { p.exceptions.items[0].reason = ' '; },
    'exception with a blank approver': (p) => { p.exceptions.items[0].approver = ''; },
    'exception subject with two fields': (p) => { p.exceptions.items[0].subject = { userId: 'u', role: 'r' }; },
    'exception subject with no field': (p) => { p.exceptions.items[0].subject = {}; },
    'exception granting nothing': (p) => { p.exceptions.items[0].grant = { allowFactors: [], waivePhishingResistant: false }; },
    'unknown exception entry point': (p) => { p.exceptions.items[0].scope.entries = ['logout']; },
    'zero maximum exception length': (p) => { p.exceptions.maxDurationS = 0; },
    'trusted network without a kind': (p) => { delete p.networks.trusted[1].kind; },
    'network without CIDR or ASN': (p) => { p.networks.denied[0] = { name: 'empty' }; },
    'network with a blank name': (p) => { p.networks.denied[0].name = ' '; },
    'network without a name': (p) => { delete p.networks.denied[0].name; },
    'too many ASNs': (p) => { p.networks.denied[0].asns = Array(1001).fill(64511); },
    'ASN beyond 32 bits': (p) => { p.networks.denied[0].asns = [4294967296]; },
    'too many roles': (p) => { p.privileged.roles = Array(1001).fill('admin'); },
  };
  for (const [name, edit] of Object.entries(cases)) {
    const policy = edited(example, edit);
    assert.notDeepEqual(engineErrors(policy), [], `${name}: validatePolicy accepts it`);
    assert.notDeepEqual(schemaErrors(policy), [], `${name}: the schema accepts it`);
  }
});

test('partial policies merge over the default policy: both accept them and the engine reads the merge', () => {
  // [what the policy writes, the same edit on a copy of the default policy]
  const cases = {
    'one field of a rule': [{ requirements: { critical: { maxAgeS: 3600 } } }, (d) => { d.requirements.critical.maxAgeS = 3600; }],
    'hardware binding over an inherited phishing resistance': [{ requirements: { high: { hardwareBound: true } } }, (d) => { d.requirements.high.hardwareBound = true; }],
    'one field of a kind rule': [{ userKinds: { service: { allowedFactors: ['totp'] } } }, (d) => { d.userKinds.service.allowedFactors = ['totp']; }],
    'one field of a kind floor': [{ userKinds: { breakGlass: { requirement: { maxAgeS: 600 } } } }, (d) => { d.userKinds.breakGlass.requirement.maxAgeS = 600; }],
    // Deleting the floor from a full policy would not do: the merge puts the default floor back.
    'a floor removed with null': [{ userKinds: { contractor: { requirement: null } } }, (d) => { d.userKinds.contractor.requirement = null; }],
    'a new floor': [{ userKinds: { customer: { requirement: { minAal: 2, maxAgeS: 600 } } } }, (d) => { d.userKinds.customer.requirement = { minAal: 2, phishingResistant: false, hardwareBound: false, maxAgeS: 600 }; }],
    'one field of an actor rule': [{ delegation: { msp: { privilegedTargets: 'approval' } } }, (d) => { d.delegation.msp.privilegedTargets = 'approval'; }],
    'one map entry': [{ failMode: { byUserKind: { customer: 'open' } } }, (d) => { d.failMode.byUserKind.customer = 'open'; }],
    'an empty map': [{ failMode: { byUserKind: {} } }, () => {}],
    'one weight': [{ risk: { weights: { newDevice: 1 } } }, (d) => { d.risk.weights.newDevice = 1; }],
    'a list, which replaces': [{ privileged: { roles: ['dba'] } }, (d) => { d.privileged.roles = ['dba']; }],
    'empty sections': [{ apps: {}, requirements: {}, userKinds: { employee: {} }, delegation: { admin: {} } }, () => {}],
  };
  const head = { id: 'partial', version: 1, description: 'partial' };
  for (const [name, [written, edit]] of Object.entries(cases)) {
    const policy = { ...head, ...written };
    assert.deepEqual(schemaErrors(policy), [], `${name}: the schema refuses it`);
    const partial = factorgate.validatePolicy(policy);
    assert.equal(partial.valid, true, `${name}: ${JSON.stringify(partial)}`);
    const full = factorgate.validatePolicy(edited({ ...factorgate.defaultPolicy(), ...head }, edit));
    assert.equal(partial.policy.digest, full.policy.digest, `${name}: the engine does not read the merge`);
  }
  const digest = (policy) => factorgate.validatePolicy(policy).policy.digest;
  const deleted = edited({ ...factorgate.defaultPolicy(), ...head }, (d) => { delete d.userKinds.contractor.requirement; });
  assert.equal(digest(deleted), digest(head), 'a deleted floor comes back from the default policy');
});

test('id and version: a custom policy must name itself, in the schema and in the engine', () => {
  // Never inherited: otherwise every decision and alert would name the default policy.
  for (const key of ['id', 'version']) {
    const policy = edited(example, (p) => { delete p[key]; });
    const result = factorgate.validatePolicy(policy);
    assert.equal(result.valid, false, JSON.stringify(result));
    assert.deepEqual(result.errors.map((e) => [e.code, e.path]), [['invalidShape', '']]);
    assert.notDeepEqual(schemaErrors(policy), [], `${key}: the schema does not require it`);
  }
});

/** Whether the engine and the schema accept `policy`, as [engine, schema]. */
const verdicts = (policy) => [engineErrors(policy).length === 0, schemaErrors(policy).length === 0];

test('role patterns: the schema and the engine agree', () => {
  const samples = {
    admin: true, '*-admin': true, '*_admin': true, 'org-*': true, 'a*b': true, 'ops admin': true,
    '*': false, '**': false, '': false, 'a**': false, '*a*': false, 'a*b*c': false, '**admin': false,
  };
  for (const [role, valid] of Object.entries(samples)) {
    const policy = edited(example, (p) => { p.privileged.roles = [role]; });
    assert.deepEqual(verdicts(policy), [valid, valid], `role ${JSON.stringify(role)}`);
  }
});

test('CIDR blocks: the schema never refuses one the engine reads, and catches the obvious typos', () => {
  const samples = {
    '10.0.0.0/8': true, '10.0.0.1': true, '192.0.2.0/24': true, '2001:db8::/32': true, '::1': true,
    '::ffff:192.0.2.1/128': true, '0.0.0.0/0': true, '10.0.0.0/08': true,
    'hq': false, '10.0.0.0/8 ': false, ' 10.0.0.0/8': false, '10.0.0.0/': false, '[2001:db8::]/32': false,
    'fe80::1%eth0': false, '10.0.0.0-10.0.0.255': false,
    // Refused by the engine, which parses the address; the schema's pattern only checks the shape.
    '10.0.0.0/33': false, '300.0.0.1': false, '10.0.0/8': false,
  };
  let caught = 0;
  for (const [cidr, valid] of Object.entries(samples)) {
    const policy = edited(example, (p) => { p.networks.denied[0].cidrs = [cidr]; });
    const [engine, ours] = verdicts(policy);
    assert.equal(engine, valid, `the engine on ${JSON.stringify(cidr)}`);
    if (engine) assert.ok(ours, `the schema refuses ${JSON.stringify(cidr)}, which the engine reads`);
    else if (!ours) caught += 1;
  }
  assert.ok(caught >= 7, `the schema caught only ${caught} bad blocks`);
});

test('RFC 3339 timestamps: the schema and the engine agree, but for two corner cases', () => {
  const samples = [
    '2026-11-18T10:00:00Z', '2026-11-18t10:00:00z', '2026-11-18 10:00:00Z', '2026-11-18T10:00:00.123456+01:00',
    '2026-11-18T10:00:00-05:30', '2026-11-18T10:00:00', '2026-11-18', '2026-02-30T10:00:00Z', '2026-11-18T24:00:00Z',
    '2026-11-18T10:00:00+24:00', '2026-11-18T10:00:00.Z', '+2026-11-18T10:00:00Z', 'yesterday',
  ];
  for (const at of samples) {
    const policy = edited(example, (p) => { p.exceptions.items[0].createdAt = at; });
    const [engine, ours] = verdicts(policy);
    assert.equal(ours, engine, `${at}: engine ${engine}, schema ${ours}`);
  }
  // ajv-formats allows a leap second only at 23:59:60 UTC and an offset without a colon; the
  // engine takes second 60 at any minute and wants the colon. Neither matters in practice.
  const corner = { '2026-11-18T10:00:60Z': [true, false], '2026-11-18T10:00:00+0100': [false, true] };
  for (const [at, want] of Object.entries(corner)) {
    const policy = edited(example, (p) => { p.exceptions.items[0].createdAt = at; });
    assert.deepEqual(verdicts(policy), want, at);
  }
});

test('strings that must not be blank: the schema and the engine agree', () => {
  const fields = {
    id: (p, v) => { p.id = v; },
    'network name': (p, v) => { p.networks.trusted[0].name = v; },
    'exception id': (p, v) => { p.exceptions.items[0].id = v; },
    'exception reason': (p, v) => { p.exceptions.items[0].reason = v; },
    'exception approver': (p, v) => { p.exceptions.items[0].approver = v; },
  };
  const samples = { x: true, ' x ': true, '': false, ' ': false, '\t\n': false };
  for (const [field, set] of Object.entries(fields)) {
    for (const [value, valid] of Object.entries(samples)) {
      const policy = edited(example, (p) => set(p, value));
      assert.deepEqual(verdicts(policy), [valid, valid], `${field} = ${JSON.stringify(value)}`);
    }
  }
});
