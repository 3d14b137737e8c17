'use strict';
// The Okta service's approval endpoint on loopback, through the built package: a factor change
// Okta reports after the fact (`user.mfa.factor.activate`, shaped as the event hook delivers it)
// that the engine sends to `approval` is held; an approver, authenticated by their own access
// token (RS256, an Okta custom authorization server's `uid` and groups), consents at
// POST /approvals/:id; the service calls grantApproval, keeps the grant with the held change in
// its store, and the change is decided again with the grant in the queue: applied, or reverted
// (deleteFactor, sessions and OAuth tokens ended) when refused, denied or expired.
const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { defaultPolicy } = require('factorgate');
const { createService, createOktaClient } = require('./service.js');
const { PLACES, logEvent, delivery, signIn, startFakeOkta, startAuthorizationServer, PASSWORD, PUSH, SECURITY_KEY } = require('./fixtures.js');

const SECRET = 'Basic b2t0YTpob29rLXNlY3JldA==';
const STATE_KEY = 'okta-approvals-state-key-0123456789';
const AUDIENCE = 'api://factorgate-approvals';
const GROUPS = { 'FactorGate SOC': 'soc', Managers: 'manager', 'Customer Support': 'support' };
// The org's policy: the default, with critical risk from 90 (so a change can gather risk and
// still be an approval rather than a deny: what a grant must not lift is then visible).
const POLICY = (() => {
  const p = defaultPolicy();
  return { ...p, id: 'acme-okta-approvals', version: 1, risk: { ...p.risk, levels: { ...p.risk.levels, critical: 90 } } };
})();

// The directory: alice (an employee whose manager is bob; she manages a team herself), her
// security key and TOTP; the approvers need no entry (their tokens say who they are).
const NEW_PHONE = { id: 'opf1aliceNewPhone', name: 'Okta Verify' }; // enrolled from Berlin
const ALICE = '00ualice';
function people() {
  return {
    [ALICE]: {
      user: { id: ALICE, status: 'ACTIVE', created: '2024-02-01T09:00:00.000Z', lastLogin: '2026-11-22T08:00:00.000Z', passwordChanged: '2026-03-01T09:00:00.000Z', profile: { login: 'alice@acme.example', email: 'alice@acme.example', userType: 'Employee', managerId: 'bob@acme.example' } },
      factors: [
        { id: SECURITY_KEY.id, factorType: 'webauthn', provider: 'FIDO', status: 'ACTIVE', created: '2024-02-02T09:00:00.000Z' },
        { id: 'ost1alice', factorType: 'token:software:totp', provider: 'GOOGLE', status: 'ACTIVE', created: '2024-02-02T09:05:00.000Z' },
      ],
      roles: [],
    },
  };
}
const directory = {};
const oktaCalls = [];
let fakeOkta;
let okta;
let authz;

before(async () => {
  fakeOkta = await startFakeOkta({ directory, calls: oktaCalls });
  okta = createOktaClient({ orgUrl: fakeOkta.url, token: 'test-api-token' });
  authz = await startAuthorizationServer({ path: '/oauth2/aus1approvals', kid: 'approvals-1' });
});
after(async () => {
  await fakeOkta.close();
  await authz.close();
});

/** An approver's access token, as an Okta custom authorization server issues it. */
function tokenOf(uid, login, groups, claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  return authz.sign({ ver: 1, jti: `AT.${uid}.${now}`, iss: authz.issuer, aud: AUDIENCE, iat: now, exp: now + 3600, cid: '0oa1approvalsconsole', uid, sub: login, scp: ['factorgate.approvals'], auth_time: now - 60, groups, ...claims });
}
const BOB = () => tokenOf('00ubob', 'bob@acme.example', ['Managers', 'Everyone']); // alice's manager
const CAROL = () => tokenOf('00ucarol', 'carol@acme.example', ['Managers']); // a manager, not alice's
const SAM = () => tokenOf('00usam', 'sam@acme.example', ['FactorGate SOC']); // the SOC
const EVE = () => tokenOf('00ueve', 'eve@acme.example', ['Everyone']); // no approver group
const ALICE_TOKEN = () => tokenOf(ALICE, 'alice@acme.example', ['Managers']); // she manages a team

async function withService(options, fn) {
  for (const k of Object.keys(directory)) delete directory[k];
  Object.assign(directory, people());
  oktaCalls.length = 0;
  let shift = 0; // the service's clock, moved forward by tests of expiry
  const records = [];
  const service = createService({
    policy: POLICY,
    stateKey: STATE_KEY,
    secret: SECRET,
    okta,
    remediate: true,
    approvers: { issuer: authz.issuer, audience: AUDIENCE, scope: 'factorgate.approvals', groups: GROUPS },
    clock: () => Date.now() + shift,
    onDecision: (r) => records.push(r),
    ...options,
  });
  const { port } = await service.listen(0, '127.0.0.1');
  const call = async (method, path, { body, token, headers = {} } = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const hook = (events) => call('POST', '/okta/events', { body: delivery(events), headers: { authorization: SECRET } });
  const consent = (id, token, what = 'approve') => call('POST', `/approvals/${id}`, { body: { consent: what }, token });
  const ctx = { service, call, hook, consent, records, advance: (ms) => { shift += ms; } };
  try {
    await fn(ctx);
  } finally {
    await service.close();
  }
}

// Alice's usual sign-ins (Rotterdam, KPN, password and her security key), so her memory knows
// her place and network; then an Okta Verify enrolled from Berlin on another network: new
// country, new AS, a weaker factor than her key, binding unverified (after the fact): 45, high,
// approval by her manager.
async function heldEnrollment({ hook, service }, { published = new Date().toISOString() } = {}) {
  const t0 = Date.now() - 3 * 3600_000;
  for (let i = 0; i < 4; i++) await hook(signIn(`idxAliceUsual${i}`, [PASSWORD, SECURITY_KEY], { published: t0 + i * 600_000 }));
  await service.idle();
  return reportEnrollment({ hook, service }, { published });
}
async function reportEnrollment({ hook, service }, { published = new Date().toISOString() } = {}) {
  if (!directory[ALICE].factors.some((f) => f.id === NEW_PHONE.id)) {
    directory[ALICE].factors.push({ id: NEW_PHONE.id, factorType: 'push', provider: 'OKTA', status: 'ACTIVE', created: published });
  }
  const event = logEvent('user.mfa.factor.activate', { factor: NEW_PHONE, from: PLACES.berlin, ip: '192.0.2.77', published });
  await hook([event]);
  await service.idle();
  return service.decisions.find((d) => d.uuid === event.uuid);
}
const codes = (decision) => decision.reasons.map((r) => r.code);
const phoneDeleted = () => oktaCalls.includes(`DELETE /api/v1/users/${ALICE}/factors/${NEW_PHONE.id}`);
const lastApproval = (service, id) => service.decisions.filter((d) => d.kind === 'approval' && d.approvalId === id).at(-1);

test('held, then approved by the manager through the approval endpoint: decided again with the grant and applied', async () => {
  await withService({}, async (ctx) => {
    const { service, call, consent, records } = ctx;
    const change = await heldEnrollment(ctx);
    assert.equal(change.decision.outcome, 'approval', codes(change.decision).join());
    assert.deepEqual(codes(change.decision).filter((c) => change.decision.reasons.find((r) => r.code === c).points > 0), ['newCountry', 'newAsn', 'factorDowngrade', 'bindingUnverified']);
    const { id, by } = change.decision.approval;
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.deepEqual(by, ['manager']);
    assert.deepEqual(change.approval, { id, status: 'pending', by: ['manager'], expiresAt: new Date(change.decision.approval.expiresAt).toISOString() });

    // Approvers authenticate with their own access token; Okta's hook secret says no one.
    assert.equal((await call('GET', `/approvals/${id}`)).status, 401);
    assert.equal((await call('GET', `/approvals/${id}`, { headers: { authorization: SECRET } })).status, 401);
    assert.equal((await call('GET', `/approvals/${id}`, { token: tokenOf('00ubob', 'bob@acme.example', ['Managers'], { aud: 'api://other' }) })).status, 401);
    assert.equal((await call('GET', `/approvals/${id}`, { token: tokenOf(undefined, '0oa1approvalsconsole', ['Managers']) })).status, 401, 'a client-credentials token (no uid) is no person');
    const forged = `${BOB().split('.').slice(0, 2).join('.')}.${Buffer.from('not a signature').toString('base64url')}`;
    assert.equal((await call('GET', `/approvals/${id}`, { token: forged })).status, 401);

    // What the manager sees: the change, who may approve, until when, every reason.
    const listed = await call('GET', '/approvals', { token: BOB() });
    assert.deepEqual(listed.body.approvals.map((a) => a.approvalId), [id]);
    assert.deepEqual((await call('GET', '/approvals', { token: SAM() })).body.approvals, [], 'the SOC is not asked for this one');
    const shown = await call('GET', `/approvals/${id}`, { token: BOB() });
    assert.equal(shown.body.status, 'pending');
    assert.deepEqual(shown.body.change, { action: 'enroll', factor: { id: NEW_PHONE.id, type: 'push' }, actor: { kind: 'self', id: ALICE } });
    assert.ok(shown.body.decision.reasons.some((r) => r.code === 'newCountry' && /DE/.test(r.detail)), JSON.stringify(shown.body.decision.reasons));
    assert.equal(shown.body.grant, undefined, 'the grant is never shown');

    const accepted = await consent(id, BOB());
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.deepEqual({ ...accepted.body, grantExpiresAt: undefined }, { type: 'consentAccepted', approvalId: id, status: 'granted', approver: { kind: 'manager', id: '00ubob' }, grantExpiresAt: undefined });
    await service.idle();

    const applied = lastApproval(service, id);
    assert.equal(applied.status, 'applied');
    assert.equal(applied.decision.outcome, 'allow');
    assert.equal(applied.request.change.approval.length > 100, true, 'resubmitted with the grant as change.approval');
    const granted = applied.decision.reasons.find((r) => r.code === 'approvalGranted');
    assert.match(granted.detail, /manager 00ubob/);
    const alert = applied.decision.alerts.find((a) => a.class_uid === 3001);
    assert.deepEqual(alert.unmapped.factorgate.approver, { kind: 'manager', id: '00ubob' });
    assert.match(alert.message, /00ubob/);
    assert.ok(!phoneDeleted(), 'applied: the factor stays');
    assert.equal((await call('GET', `/approvals/${id}`, { token: BOB() })).body.status, 'applied');
    assert.equal(service.db.getApproval(id).status, 'applied');
    assert.equal(typeof service.db.getApproval(id).grant, 'string', 'the grant is kept with the change');
    assert.ok(records.some((r) => r.kind === 'consent' && r.approver.id === '00ubob'));
    assert.deepEqual(service.stats.approvals, { held: 1, granted: 1, applied: 1, reverted: 0, expired: 0 });

    // The same consent again: nothing is waiting any more.
    const again = await consent(id, BOB());
    assert.equal(again.status, 409);
    assert.equal(again.body.errors[0].code, 'notPending');
  });
});

test('who may not approve: another approver kind (approverNotAllowed), the user herself (selfApproval), a manager of others, no approver group; the change stays held', async () => {
  await withService({}, async (ctx) => {
    const { service, consent } = ctx;
    const change = await heldEnrollment(ctx);
    const { id } = change.decision.approval;

    const soc = await consent(id, SAM());
    assert.equal(soc.status, 403);
    assert.equal(soc.body.type, 'error');
    assert.deepEqual(soc.body.errors.map((e) => [e.code, e.path]), [['approverNotAllowed', '/approver/kind']], JSON.stringify(soc.body));

    const self = await consent(id, ALICE_TOKEN());
    assert.equal(self.status, 403);
    assert.deepEqual(self.body.errors.map((e) => [e.code, e.path]), [['selfApproval', '/approver/id']]);

    const otherManager = await consent(id, CAROL());
    assert.equal(otherManager.status, 403);
    assert.equal(otherManager.body.errors[0].code, 'notTheUsersManager');

    const nobody = await consent(id, EVE());
    assert.equal(nobody.status, 403);
    assert.equal(nobody.body.errors[0].code, 'notAnApprover');

    // A refusal needs the same authority.
    assert.equal((await consent(id, SAM(), 'refuse')).status, 403);
    assert.equal((await consent(id, BOB(), 'maybe')).status, 400);

    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'pending');
    assert.equal(service.db.getApproval(id).grant, undefined);
    assert.ok(!phoneDeleted());
  });
});

test('a grant approves one change once: reported again with the used grant on file, approvalReused; with the grant altered in the store, approvalInvalid; held again each time', async () => {
  await withService({}, async (ctx) => {
    const { service, consent, hook, advance } = ctx;
    const first = await heldEnrollment(ctx);
    const { id } = first.decision.approval;
    assert.equal((await consent(id, BOB())).status, 202);
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'applied');

    // Alice removes the phone and enrolls it again (the same factor, the same place): the same
    // change, the same approval id; the service tries the grant it keeps for it.
    directory[ALICE].factors = directory[ALICE].factors.filter((f) => f.id !== NEW_PHONE.id);
    await hook([logEvent('user.mfa.factor.deactivate', { factor: NEW_PHONE, from: PLACES.berlin, ip: '192.0.2.77' })]);
    const repeat = await reportEnrollment(ctx);
    assert.equal(repeat.decision.approval?.id, id, 'the same change has the same approval id');
    assert.equal(repeat.decision.outcome, 'approval');
    const reused = repeat.decision.reasons.find((r) => r.code === 'approvalReused');
    assert.match(reused?.detail ?? '', /already used/, codes(repeat.decision).join());
    assert.equal(repeat.approval.status, 'pending');
    assert.equal(service.db.getApproval(id).status, 'pending');
    assert.equal(service.db.getApproval(id).grant, undefined, 'the used grant is not kept for the new round');

    // A new consent, a new grant: applied. (A grant is its content, issue time in whole seconds
    // included: a second consent to the same change by the same approver within the same second
    // would be the same grant, already used; the clock moves on here as it would between two
    // people's clicks.)
    advance(2000);
    assert.equal((await consent(id, BOB())).status, 202);
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'applied');

    // Someone with write access to the store changes one character of the grant kept there (say
    // to stretch it to a later change): the engine's signature check refuses it.
    const kept = service.db.getApproval(id);
    const i = 40;
    const flipped = kept.grant.slice(0, i) + (kept.grant[i] === 'A' ? 'B' : 'A') + kept.grant.slice(i + 1);
    service.db.setApproval({ ...kept, grant: flipped });
    directory[ALICE].factors = directory[ALICE].factors.filter((f) => f.id !== NEW_PHONE.id);
    await hook([logEvent('user.mfa.factor.deactivate', { factor: NEW_PHONE, from: PLACES.berlin, ip: '192.0.2.77' })]);
    const tampered = await reportEnrollment(ctx);
    assert.equal(tampered.decision.outcome, 'approval');
    const invalid = tampered.decision.reasons.find((r) => r.code === 'approvalInvalid');
    assert.ok(invalid, codes(tampered.decision).join());
    assert.ok(!codes(tampered.decision).includes('approvalGranted'));
    assert.ok(tampered.decision.alerts.some((a) => a.class_uid === 2004), 'an invalid grant raises a Detection Finding');
    assert.equal(service.db.getApproval(id).status, 'pending');
  });
});

test('expired: no consent within the approval window, the change is reverted (factor deleted, sessions and tokens ended) and a late consent refused; a refusal reverts too', async () => {
  await withService({}, async (ctx) => {
    const { service, consent, advance } = ctx;
    const change = await heldEnrollment(ctx);
    const { id, expiresAt } = change.decision.approval;
    advance(Date.parse(expiresAt) - Date.now() + 1000); // a second past the window
    await service.idle();
    const held = service.db.getApproval(id);
    assert.equal(held.status, 'expired');
    assert.deepEqual(held.remediation, [`deleteFactor ${NEW_PHONE.id}`, 'clearSessions+oauthTokens']);
    assert.ok(phoneDeleted());
    assert.ok(oktaCalls.includes(`DELETE /api/v1/users/${ALICE}/sessions?oauthTokens=true`));
    const late = await consent(id, BOB());
    assert.equal(late.status, 409, 'nothing waits any more');
    assert.equal(late.body.errors[0].code, 'notPending');
    assert.equal(service.stats.approvals.expired, 1);
  });

  // The window passed while the service was not looking (the expiry timer had not fired): the
  // consent is refused as expired, and the change reverted.
  await withService({}, async (ctx) => {
    const { service, consent, advance } = ctx;
    const change = await heldEnrollment(ctx);
    const { id, expiresAt } = change.decision.approval;
    advance(Date.parse(expiresAt) - Date.now() + 1000);
    const late = await consent(id, BOB());
    assert.equal(late.status, 410);
    assert.equal(late.body.errors[0].code, 'approvalExpired');
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'expired');
  });

  // A grant kept past its lifetime (1 h): the same change reported later is not approved by it.
  await withService({}, async (ctx) => {
    const { service, consent, hook, advance } = ctx;
    const change = await heldEnrollment(ctx);
    const { id } = change.decision.approval;
    assert.equal((await consent(id, BOB())).status, 202);
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'applied');
    advance(2 * 3600_000);
    const later = new Date(Date.now() + 2 * 3600_000).toISOString();
    directory[ALICE].factors = directory[ALICE].factors.filter((f) => f.id !== NEW_PHONE.id);
    await hook([logEvent('user.mfa.factor.deactivate', { factor: NEW_PHONE, from: PLACES.berlin, ip: '192.0.2.77', published: later })]);
    const repeat = await reportEnrollment(ctx, { published: later });
    assert.equal(repeat.decision.outcome, 'approval');
    assert.match(repeat.decision.reasons.find((r) => r.code === 'approvalInvalid')?.detail ?? '', /expired/, codes(repeat.decision).join());
    assert.equal(service.db.getApproval(id).status, 'pending', 'not applied: waiting for a new consent');
  });

  // Refused by the manager: reverted.
  await withService({}, async (ctx) => {
    const { service, consent } = ctx;
    const change = await heldEnrollment(ctx);
    const { id } = change.decision.approval;
    const refused = await consent(id, BOB(), 'refuse');
    assert.equal(refused.status, 202);
    assert.equal(refused.body.status, 'refused');
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'reverted');
    assert.ok(phoneDeleted());
  });
});

test('a risk that appeared after the grant: a risky sign-in still settling when the manager consented is decided first, and the grant does not hold', async () => {
  await withService({}, async (ctx) => {
    const { service, consent, hook, call } = ctx;
    const change = await heldEnrollment(ctx);
    const { id } = change.decision.approval;

    // A sign-in Okta rates high risk (new device and place), delivered but still settling (the
    // service decides a sign-in a minute after its last verification).
    await hook(signIn('idxAliceRisky', [PASSWORD, PUSH], { published: Date.now() - 5 * 60_000, from: PLACES.berlin, ip: '192.0.2.77', debugData: { behaviors: '{New Geo-Location=POSITIVE, New Device=POSITIVE}', risk: '{level=HIGH}' } }));
    for (let i = 0; i < 100 && !(service.db.counts().grouped > 0); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(service.db.counts().grouped > 0, 'the sign-in is still settling');

    const accepted = await consent(id, BOB());
    assert.equal(accepted.status, 202, 'what the manager was shown had not changed yet');
    await service.idle();

    const [signInRecord] = service.decisions.filter((d) => d.kind === 'signIn' && d.sessionId === 'idxAliceRisky');
    const approval = lastApproval(service, id);
    assert.ok(service.decisions.indexOf(signInRecord) < service.decisions.indexOf(approval), 'the sign-in before the consent is decided first');
    assert.equal(approval.status, 'pending');
    assert.notEqual(approval.decision.outcome, 'allow');
    const invalid = approval.decision.reasons.find((r) => r.code === 'approvalInvalid');
    assert.match(invalid?.detail ?? '', /risk appeared since it was granted \(recentRiskySignin\)/, codes(approval.decision).join());
    assert.ok(!codes(approval.decision).includes('approvalGranted'));
    const held = (await call('GET', `/approvals/${id}`, { token: BOB() })).body;
    assert.equal(held.status, 'pending');
    assert.ok(held.decision.reasons.some((r) => r.code === 'recentRiskySignin'), 'the manager now sees the new risk');
    assert.ok(!phoneDeleted());
  });

  // The risk known before the consent: the manager is shown it first (riskChanged), then decides.
  await withService({}, async (ctx) => {
    const { service, consent, hook } = ctx;
    const change = await heldEnrollment(ctx);
    const { id } = change.decision.approval;
    await hook(signIn('idxAliceRisky2', [PASSWORD, PUSH], { published: Date.now() - 5 * 60_000, from: PLACES.berlin, ip: '192.0.2.77', debugData: { behaviors: '{New Geo-Location=POSITIVE, New Device=POSITIVE}', risk: '{level=HIGH}' } }));
    await service.idle();
    const first = await consent(id, BOB());
    assert.equal(first.status, 409);
    assert.equal(first.body.errors[0].code, 'riskChanged');
    assert.match(first.body.errors[0].message, /recentRiskySignin/);
    assert.ok(first.body.approval.decision.reasons.some((r) => r.code === 'recentRiskySignin'));
    assert.equal((await consent(id, BOB())).status, 202, 'consenting to what is shown now');
    await service.idle();
    assert.equal(service.db.getApproval(id).status, 'applied');
  });
});
