// The direction tables of the comparison, in Node through the package: each policy field moved
// the weaker way is a weakening (and the other way stricter), and each decision field moved the
// looser way is looser.
//
//   node --test examples/policy-preview/policydiff.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from 'factorgate';
import { diffPolicies } from './src/policydiff.js';

const defaults = fg.defaultPolicy();

// [what, the weaker policy as a change of the default, the path reported]
const WEAKER = [
  ['re-authentication 24 h → 30 d', (p) => { p.reauthentication.aal2S = 2592000; }, '/reauthentication/aal2S'],
  ['approval expiry 1 h → 7 d', (p) => { p.risk.factorChange.approvalExpiresInS = 604800; }, '/risk/factorChange/approvalExpiresInS'],
  ['a tier lowered', (p) => { p.requirements.high.phishingResistant = false; }, '/requirements/high/phishingResistant'],
  ['a tier max age longer', (p) => { p.requirements.critical.maxAgeS = 86400; }, '/requirements/critical/maxAgeS'],
  ['the default app tier lowered', (p) => { p.apps.defaultSensitivity = 'low'; }, '/apps/defaultSensitivity'],
  ['an app listed lower than the default', (p) => { p.apps.byId = { wiki: 'low' }; }, '/apps/byId/wiki'],
  ['a weight lowered', (p) => { p.risk.weights.impossibleTravel = 10; }, '/risk/weights/impossibleTravel'],
  ['a bonus made bigger', (p) => { p.risk.weights.trustedNetwork = -40; }, '/risk/weights/trustedNetwork'],
  ['a threshold raised', (p) => { p.risk.levels.critical = 95; }, '/risk/levels/critical'],
  ['restricted factors allowed', (p) => { p.enrollment.restrictedFactors = 'allow'; }, '/enrollment/restrictedFactors'],
  ['sms allowed for employees', (p) => { p.userKinds.employee.allowedFactors.push('sms'); }, '/userKinds/employee/allowedFactors'],
  ['a floor removed', (p) => { p.userKinds.contractor.requirement = null; }, '/userKinds/contractor/requirement'],
  ['a privileged role dropped', (p) => { p.privileged.roles = ['admin']; }, '/privileged/roles'],
  ['no deny at critical', (p) => { p.risk.login.denyAtCritical = false; }, '/risk/login/denyAtCritical'],
  ['a binding window longer', (p) => { p.enrollment.bindingWindowS = 86400; }, '/enrollment/bindingWindowS'],
  ['help desk without ticket', (p) => { p.delegation.helpdesk.requireTicket = false; }, '/delegation/helpdesk/requireTicket'],
  ['msp allowed on privileged', (p) => { p.delegation.msp.privilegedTargets = 'allow'; }, '/delegation/msp/privilegedTargets'],
  ['a trusted network', (p) => { p.networks.trusted = [{ name: 'office', kind: 'corporate', cidrs: ['10.0.0.0/8'] }]; }, '/networks/trusted/office'],
  ['fail open', (p) => { p.failMode.default = 'open'; }, '/failMode/default'],
  ['alerts later', (p) => { p.alerts.accountChangeAt = 'high'; }, '/alerts/accountChangeAt'],
  ['dormant later', (p) => { p.signals.dormantS = 31536000; }, '/signals/dormantS'],
  ['a privileged action type dropped', (p) => { p.actions.privilegedTypes = ['credentialAdd']; }, '/actions/privilegedTypes'],
  ['an older proof for privileged actions', (p) => { p.actions.freshProofS = 3600; }, '/actions/freshProofS'],
  ['the chain after a factor change shorter', (p) => { p.actions.recentFactorChangeS = 3600; }, '/actions/recentFactorChangeS'],
  ['a risky chain only scored', (p) => { p.actions.riskyChain = 'allow'; }, '/actions/riskyChain'],
  ["a mover's grace longer", (p) => { p.privileged.enrollmentGraceS = 2592000; }, '/privileged/enrollmentGraceS'],
  ['an exception', (p) => {
    p.exceptions.items = [{ id: 'ex1', subject: { userId: 'u1' }, grant: { allowFactors: ['sms'] }, reason: 'r', approver: 'a', createdAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-20T00:00:00Z' }];
  }, '/exceptions/items/ex1'],
];

for (const [what, weaken, path] of WEAKER) {
  test(`policy: ${what} is weaker, and undoing it stricter`, () => {
    const weak = structuredClone(defaults);
    weaken(weak);
    const v = fg.validatePolicy(weak);
    assert.ok(v.valid, JSON.stringify(v.errors));
    const forward = diffPolicies(defaults, weak, defaults);
    assert.deepEqual(forward.map((d) => [d.path, d.direction]), [[path, 'weaker']]);
    const back = diffPolicies(weak, defaults, defaults);
    assert.deepEqual(back.map((d) => [d.path, d.direction]), [[path, 'stricter']]);
  });
}

test('policy: the same policy written differently has no changes; id, version, description do not count', () => {
  assert.deepEqual(diffPolicies(defaults, { id: 'other', version: 7 }, defaults), []);
});

test('policy: fewer approver groups is weaker', () => {
  const two = structuredClone(defaults);
  two.risk.factorChange.privilegedApprovers = ['soc', 'ciso'];
  assert.deepEqual(diffPolicies(two, defaults, defaults).map((d) => [d.path, d.direction]), [['/risk/factorChange/privilegedApprovers', 'weaker']]);
});

test('policy: breakGlass.userIds and same-size approver swaps are changes to review, never dropped', () => {
  const b = structuredClone(defaults);
  b.breakGlass.userIds = ['root-1'];
  b.risk.factorChange.approvers = ['security'];
  assert.deepEqual(diffPolicies(defaults, b, defaults).map((d) => d.direction), ['changed', 'changed']);
});

const decision = (over) => ({
  type: 'decision', outcome: 'stepUp', risk: { score: 30, level: 'medium' }, exposure: { privileged: false },
  reasons: [{ code: 'newCountry', points: 20 }, { code: 'newAsn', points: 10 }],
  requirement: { minAal: 2, phishingResistant: true, hardwareBound: true, maxAgeS: 3600, factors: ['webauthnRoaming'] },
  approval: { by: ['manager', 'soc'], expiresInS: 3600 },
  alerts: [{ class_uid: 2004, activity_id: 1, severity_id: 4 }, { class_uid: 3001, activity_id: 10, severity_id: 3 }],
  notify: [{ channel: 'independent', template: 'factorAdded' }],
  enrollmentAllowed: false,
  assurance: { aal: 1, phishingResistant: false, hardwareBound: false, amr: ['pwd'] },
  ...over,
});

const LOOSER = [
  ['outcome', { outcome: 'allow' }],
  ['risk.score', { risk: { score: 10, level: 'medium' } }],
  ['requirement.minAal', { requirement: { ...decision().requirement, minAal: 1 } }],
  ['requirement.phishingResistant', { requirement: { ...decision().requirement, phishingResistant: false, hardwareBound: true } }],
  ['requirement.maxAgeS', { requirement: { ...decision().requirement, maxAgeS: 86400 } }],
  ['requirement.factors', { requirement: { ...decision().requirement, factors: ['webauthnRoaming', 'sms'] } }],
  ['approval.by', { approval: { by: ['manager'], expiresInS: 3600 } }],
  ['approval.expiresInS', { approval: { by: ['manager', 'soc'], expiresInS: 604800 } }],
  ['alerts', { alerts: [{ class_uid: 3001, activity_id: 10, severity_id: 4 }] }],
  ['notify', { notify: [] }],
  ['enrollmentAllowed', { enrollmentAllowed: true }],
  ['assurance.aal', { assurance: { aal: 2, phishingResistant: false, hardwareBound: false, amr: ['pwd'] } }],
  ['reasons.newAsn', { reasons: [{ code: 'newCountry', points: 20 }] }],
];

// The decision diff is the package's (fg.diffDecisions, the core's src/diff.rs): the preview keeps no
// copy of it.
const diffDecision = (a, b) => {
  const diff = fg.diffDecisions(a, b);
  assert.equal(diff.type, 'decisionDiff', JSON.stringify(diff));
  return diff.changes;
};

for (const [field, over] of LOOSER) {
  test(`decision: ${field} moved the looser way is looser, and back stricter`, () => {
    const a = decision();
    const b = decision(over);
    const forward = diffDecision(a, b).filter((c) => c.field === field);
    assert.deepEqual(forward.map((c) => c.direction), ['looser'], JSON.stringify(diffDecision(a, b)));
    assert.deepEqual(diffDecision(b, a).filter((c) => c.field === field).map((c) => c.direction), ['stricter']);
  });
}

test('decision: identical decisions have no changes', () => {
  assert.deepEqual(diffDecision(decision(), decision()), []);
});
