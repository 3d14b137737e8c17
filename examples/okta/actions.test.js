'use strict';
// Privileged actions Okta reports after the fact, through the built package: `system.api_token.create`,
// `user.account.privilege.grant` and `app.oauth2.credentials.lifecycle.create` (System Log events
// shaped as Okta writes them, delivered to the event hook or read by polling) become
// assessAction requests with `action.phase: "after"` for the admin who did them, with the admin's
// stored memory (the factor change, the recovery, the sign-ins before it). The chain is named in a
// Detection Finding; `deny` reverts (the token revoked, the role unassigned, the credential
// deactivated and deleted, the admin's sessions and OAuth tokens ended); `approval` is held for the
// SOC and reverted when it expires. A fake Okta API and the service on loopback.
const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { defaultPolicy } = require('factorgate');
const { createService, createOktaClient } = require('./service.js');
const { PLACES, logEvent, delivery, signIn, apiTokenCreated, privilegeGranted, oauthCredentialCreated, passwordReset, startFakeOkta, PASSWORD, FASTPASS } = require('./fixtures.js');

const SECRET = 'Basic b2t0YTpob29rLXNlY3JldA==';
const STATE_KEY = 'okta-actions-state-key-0123456789';
const ADMIN = '00uadmin';
const GRANTEE = '00ubackdoor';
// The org's policy: the default, except that a risky chain before a privileged action is denied
// (reverted, after the fact) rather than held for the SOC.
const DENY_CHAIN = (() => {
  const p = defaultPolicy();
  return { ...p, id: 'acme-okta-actions', version: 1, actions: { ...p.actions, riskyChain: 'deny' } };
})();
const ATTACKER_PHONE = { id: 'opf1attackerPhone', name: 'Okta Verify' };

// The directory: an admin (Super Administrator, a direct assignment) with Okta FastPass on a
// hardware-protected device; the account an attacker would grant a role to.
function people() {
  return {
    [ADMIN]: {
      user: { id: ADMIN, status: 'ACTIVE', created: '2024-01-10T09:00:00.000Z', lastLogin: '2026-11-22T08:00:00.000Z', passwordChanged: '2026-03-01T09:00:00.000Z', profile: { login: 'ada@acme.example', email: 'ada@acme.example', userType: 'Employee' } },
      factors: [{ id: FASTPASS.id, factorType: 'signed_nonce', provider: 'OKTA', status: 'ACTIVE', created: '2024-01-11T09:00:00.000Z' }],
      roles: [{ id: 'ra1adaSuper', type: 'SUPER_ADMIN', label: 'Super Administrator', status: 'ACTIVE', assignmentType: 'USER', created: '2024-01-12T09:00:00.000Z' }],
    },
    [GRANTEE]: {
      user: { id: GRANTEE, status: 'ACTIVE', created: '2026-11-01T09:00:00.000Z', profile: { login: 'svc-sync@acme.example', userType: 'Employee' } },
      factors: [],
      roles: [],
    },
  };
}
const directory = {};
const oktaCalls = [];
let fakeOkta;
let okta;

before(async () => {
  fakeOkta = await startFakeOkta({ directory, calls: oktaCalls });
  okta = createOktaClient({ orgUrl: fakeOkta.url, token: 'test-api-token' });
});
after(() => fakeOkta.close());

async function withService(options, fn) {
  for (const k of Object.keys(directory)) delete directory[k];
  Object.assign(directory, people());
  oktaCalls.length = 0;
  let shift = 0;
  const records = [];
  const service = createService({ stateKey: STATE_KEY, secret: SECRET, okta, remediate: true, clock: () => Date.now() + shift, onDecision: (r) => records.push(r), ...options });
  await service.listen(0, '127.0.0.1');
  const { port } = service.server.address();
  const hook = async (events) => {
    const res = await fetch(`http://127.0.0.1:${port}/okta/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: JSON.stringify(delivery(events)) });
    assert.equal(res.status, 200);
    await service.idle();
  };
  try {
    await fn({ service, hook, records, advance: (ms) => { shift += ms; } });
  } finally {
    await service.close();
  }
}

const at = (msAgo) => new Date(Date.now() - msAgo).toISOString();
const HOUR = 3600_000;
const codes = (decision) => decision.reasons.map((r) => r.code);
const findingsOf = (decision) => decision.alerts.filter((a) => a.class_uid === 2004);
const reverted = (path) => oktaCalls.includes(path);

// The admin's usual sign-ins: Rotterdam, KPN, password and FastPass (phishing-resistant,
// hardware-protected), the last one in session `idxAdaConsole`, a few minutes before now.
async function usualSignIns(hook, { last = 10 * 60_000 } = {}) {
  for (let i = 0; i < 3; i++) await hook(signIn(`idxAdaUsual${i}`, [PASSWORD, FASTPASS], { user: ADMIN, published: Date.now() - (30 - i) * HOUR }));
  await hook(signIn('idxAdaConsole', [PASSWORD, FASTPASS], { user: ADMIN, published: Date.now() - last }));
}

// An attacker in the admin's stolen session enrolls their own Okta Verify from Berlin, on
// another network (reported after the fact; binding unverified): remembered in her state.
async function attackerEnrolls(hook, service, published) {
  directory[ADMIN].factors.push({ id: ATTACKER_PHONE.id, factorType: 'push', provider: 'OKTA', status: 'ACTIVE', created: published });
  const event = logEvent('user.mfa.factor.activate', { user: ADMIN, factor: ATTACKER_PHONE, from: PLACES.berlin, ip: '192.0.2.77', published, session: 'idxStolen' });
  await hook([event]);
  return service.decisions.find((d) => d.uuid === event.uuid);
}

test('a factor enrolled by an attacker on an admin, then an API token an hour later: a Detection Finding naming both links, and the token revoked', async () => {
  await withService({ policy: DENY_CHAIN }, async ({ service, hook }) => {
    await usualSignIns(hook);
    const change = await attackerEnrolls(hook, service, at(HOUR + 5 * 60_000));
    assert.equal(change.kind, 'factorChange');
    assert.notEqual(change.decision.outcome, 'deny', `the change itself is not reverted here: ${codes(change.decision)}`);
    assert.ok(['medium', 'high'].includes(change.decision.risk.level), JSON.stringify(change.decision.risk));

    const event = apiTokenCreated({ admin: ADMIN, token: { id: '00T1evilToken', name: 'ci-sync' }, from: PLACES.berlin, ip: '192.0.2.77', published: at(5 * 60_000), session: 'idxStolen' });
    await hook([event]);
    const action = service.decisions.find((d) => d.uuid === event.uuid);
    assert.equal(action.kind, 'action');
    assert.equal(action.userId, ADMIN, 'assessed for the admin who created it');
    assert.deepEqual(action.request.action, { type: 'apiTokenCreate', target: { kind: 'apiToken', id: '00T1evilToken' }, phase: 'after' });
    assert.equal(action.decision.entry, 'action');
    assert.equal(action.decision.outcome, 'deny', codes(action.decision).join());
    assert.ok(codes(action.decision).includes('recentFactorChange'), codes(action.decision).join());
    assert.ok(codes(action.decision).includes('privilegedAction'));
    assert.deepEqual(action.decision.exposure.action, { type: 'apiTokenCreate', targetKind: 'apiToken', targetId: '00T1evilToken', privileged: true, reaches: 'manageIam' });

    // The Detection Finding names both links: the factor change and the action, with ATT&CK.
    const [finding] = findingsOf(action.decision);
    assert.ok(finding, JSON.stringify(action.decision.alerts.map((a) => a.class_uid)));
    const links = finding.finding_info.related_events.map((e) => [e.type, e.title]);
    assert.deepEqual(links, [['factorgate/factorChange', 'enroll'], ['factorgate/action', 'apiTokenCreate']]);
    assert.deepEqual(finding.finding_info.attacks.map((a) => a.technique.uid).sort(), ['T1098.001', 'T1556.006']);
    assert.equal(finding.finding_info.related_events[0].first_seen_time, Date.parse(change.request.now) - (Date.parse(change.request.now) % 1000));

    // Reverted: the token revoked, the admin's sessions and OAuth tokens ended.
    assert.deepEqual(action.remediation, ['revokeApiToken 00T1evilToken', 'clearSessions+oauthTokens']);
    assert.ok(reverted('DELETE /api/v1/api-tokens/00T1evilToken'));
    assert.ok(reverted(`DELETE /api/v1/users/${ADMIN}/sessions?oauthTokens=true`));
  });
});

test('the same token creation with no change before it, in the admin\'s FastPass session: allowed, quiet, nothing reverted', async () => {
  await withService({ policy: DENY_CHAIN }, async ({ service, hook }) => {
    await usualSignIns(hook);
    const event = apiTokenCreated({ admin: ADMIN, token: { id: '00T1ciToken', name: 'ci-sync' }, published: at(5 * 60_000), session: 'idxAdaConsole' });
    await hook([event]);
    const action = service.decisions.find((d) => d.uuid === event.uuid);
    assert.equal(action.sessionProof, 'idxAdaConsole', 'the session\'s sign-in proved FastPass');
    assert.deepEqual(action.request.session.methods.map((m) => m.type).sort(), ['password', 'webauthnPlatform']);
    assert.equal(action.decision.outcome, 'allow', codes(action.decision).join());
    assert.ok(!codes(action.decision).some((c) => ['recentFactorChange', 'recentRecovery', 'recentRiskySignin'].includes(c)), codes(action.decision).join());
    assert.deepEqual(action.decision.alerts, []);
    assert.deepEqual(action.remediation, []);
    assert.ok(!oktaCalls.some((c) => c.startsWith('DELETE')), oktaCalls.join('\n'));
  });
});

test('a role grant after the admin\'s password reset: held for the SOC as the decision says, alerted, and the role unassigned when the approval expires', async () => {
  await withService({}, async ({ service, hook, advance }) => {
    await usualSignIns(hook);
    const reset = passwordReset({ user: ADMIN, published: at(2 * HOUR), session: 'idxRecovery' });
    await hook([reset]);
    assert.equal(service.decisions.find((d) => d.uuid === reset.uuid).kind, 'recovery');

    const event = privilegeGranted({ admin: ADMIN, grantee: GRANTEE, privileges: 'Super administrator', published: at(60_000), session: 'idxAdaConsole' });
    directory[GRANTEE].roles.push({ id: 'ra1backdoorSuper', type: 'SUPER_ADMIN', label: 'Super Administrator', status: 'ACTIVE', assignmentType: 'USER', created: event.published });
    await hook([event]);
    const action = service.decisions.find((d) => d.uuid === event.uuid);
    assert.equal(action.userId, ADMIN);
    assert.deepEqual(action.request.action, { type: 'roleGrant', target: { kind: 'user', id: GRANTEE }, phase: 'after' });
    assert.deepEqual(action.privileges, ['Super administrator']);
    assert.equal(action.request.user.recoveredAt, reset.published);
    assert.equal(action.decision.outcome, 'approval', codes(action.decision).join());
    assert.ok(codes(action.decision).includes('recentRecovery'), codes(action.decision).join());
    assert.deepEqual(action.decision.approval.by, ['soc']);
    assert.equal(action.approval.status, 'pending');
    assert.deepEqual(action.remediation, [], 'held, not reverted yet');
    const [finding] = findingsOf(action.decision);
    assert.ok(finding);
    // Both links: the recovery (at the reset) and the role grant.
    assert.deepEqual(finding.finding_info.related_events.map((e) => [e.type, e.title, e.first_seen_time]), [
      ['factorgate/factorChange', 'recover', Date.parse(reset.published) - (Date.parse(reset.published) % 1000)],
      ['factorgate/action', 'roleGrant', Date.parse(event.published) - (Date.parse(event.published) % 1000)],
    ]);

    // Nobody approves: when the approval window closes, the grant is reverted.
    advance(Date.parse(action.decision.approval.expiresAt) - Date.now() + 1000);
    await service.idle();
    const expired = service.decisions.find((d) => d.kind === 'approval' && d.status === 'expired' && d.approvalId === action.approval.id);
    assert.ok(expired, JSON.stringify(service.decisions.map((d) => [d.kind, d.status])));
    assert.deepEqual(expired.remediation, [`roles ${GRANTEE}`, `unassignRole ${GRANTEE} ra1backdoorSuper`, 'clearSessions+oauthTokens']);
    assert.deepEqual(directory[GRANTEE].roles, []);
    assert.ok(!oktaCalls.includes(`DELETE /api/v1/users/${GRANTEE}/roles/ra1adaSuper`));
  });
});

test('an OAuth client secret added (read by System Log polling) an hour after the attacker\'s factor: denied, the secret deactivated and deleted', async () => {
  await withService({ policy: DENY_CHAIN }, async ({ service, hook }) => {
    await usualSignIns(hook);
    await attackerEnrolls(hook, service, at(HOUR + 5 * 60_000));
    const event = oauthCredentialCreated({ admin: ADMIN, from: PLACES.berlin, ip: '192.0.2.77', published: at(5 * 60_000), session: 'idxStolen' });
    await hook([event]);
    const action = service.decisions.find((d) => d.uuid === event.uuid);
    assert.deepEqual(action.request.action, { type: 'credentialAdd', target: { kind: 'oauthClient', id: '0oa1billingSync' }, phase: 'after' });
    assert.equal(action.decision.outcome, 'deny', codes(action.decision).join());
    assert.equal(action.decision.exposure.action.reaches, 'manageWorkloadIdentities');
    assert.deepEqual(action.remediation, ['deactivateAppCredential 0oa1billingSync secrets ocs1newSecret', 'deleteAppCredential 0oa1billingSync secrets ocs1newSecret', 'clearSessions+oauthTokens']);
    assert.ok(reverted('POST /api/v1/apps/0oa1billingSync/credentials/secrets/ocs1newSecret/lifecycle/deactivate'));
    assert.ok(reverted('DELETE /api/v1/apps/0oa1billingSync/credentials/secrets/ocs1newSecret'));
  });
});

test('an action by an app (no user behind it) is skipped with the reason, never thrown', async () => {
  await withService({}, async ({ service, hook }) => {
    const event = apiTokenCreated({ actor: { id: '0oa1terraform', type: 'PublicClientApp', alternateId: 'terraform', displayName: 'terraform' }, published: at(60_000) });
    await hook([event]);
    const skipped = service.decisions.find((d) => d.uuid === event.uuid);
    assert.equal(skipped.kind, 'skipped');
    assert.match(skipped.why, /no user/);
  });
});
