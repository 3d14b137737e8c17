'use strict';
// The Okta hook service on loopback, through the built package: endpoint verification, event hook
// batches shaped like Okta System Log events (dedupe by uuid, acknowledged within the budget, one
// decision per event with its alerts, remediation against a fake Okta API), sign-ins grouped per
// session with the methods Identity Engine's `detailEntry` shows, hook authentication (static
// header or OAuth), 429 retries, and the registration inline hook's `commands`.
// Restart and redelivery (a killed process): restart.test.js.
const assert = require('node:assert/strict');
const http = require('node:http');
const { test, before, after } = require('node:test');
const { defaultPolicy } = require('factorgate');

const crypto = require('node:crypto');
const { createService, createOktaClient, methodOfTarget, sessionOf, countryCode } = require('./service.js');
const { logEvent, delivery, signIn, startFakeOkta, PASSWORD, PUSH, FASTPASS, SYNCED_PASSKEY, SECURITY_KEY, WINDOWS_HELLO, OKTA_VERIFY_SILENT } = require('./fixtures.js');

const SECRET = 'Basic b2t0YTpob29rLXNlY3JldA==';
const POLICY = {
  ...defaultPolicy(),
  id: 'acme-okta',
  version: 3,
  networks: { trusted: [], denied: [{ name: 'known abuse', cidrs: ['203.0.113.0/24'] }] },
};

// ---- the fake Okta Management API's directory (fixtures.js serves it on loopback) ----
const directory = {
  '00ualice': {
    user: { id: '00ualice', status: 'ACTIVE', created: '2024-02-01T09:00:00.000Z', lastLogin: '2026-11-22T08:00:00.000Z', passwordChanged: '2026-03-01T09:00:00.000Z', profile: { login: 'alice@acme.example', email: 'alice@acme.example', userType: 'Employee' } },
    factors: [
      { id: 'fwf1alice', factorType: 'webauthn', provider: 'FIDO', status: 'ACTIVE', created: '2024-02-02T09:00:00.000Z' },
      { id: 'ost1alice', factorType: 'token:software:totp', provider: 'GOOGLE', status: 'ACTIVE', created: '2024-02-02T09:05:00.000Z' },
    ],
    roles: [],
  },
  '00uroot': {
    user: { id: '00uroot', status: 'ACTIVE', created: '2023-01-01T09:00:00.000Z', profile: { login: 'root@acme.example', userType: 'Employee' } },
    factors: [],
    roles: [{ id: 'ra1', type: 'SUPER_ADMIN', label: 'Super Administrator', status: 'ACTIVE' }],
  },
};
const oktaCalls = [];
const rateLimited = [];
const logPages = []; // System Log pages for polling // scripted answers for the next calls: { status, headers }
let okta;
let oktaServer;

before(async () => {
  oktaServer = await startFakeOkta({ directory, calls: oktaCalls, rateLimited, logPages });
  okta = createOktaClient({ orgUrl: oktaServer.url, token: 'test-api-token' });
});
after(() => oktaServer.close());

async function withService(options, fn) {
  const service = createService({ policy: POLICY, stateKey: 'okta-test-state-key-0123456789', secret: SECRET, okta, onDecision: () => {}, ...options });
  const { port } = await service.listen(0, '127.0.0.1');
  const call = async (method, path, { body, headers = {} } = {}) => {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: SECRET, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), ms: Date.now() - started };
  };
  try {
    await fn(service, call);
  } finally {
    await service.close();
  }
}

test('System Log context maps to the session: address, place (country names to ISO codes), AS number, behaviors', () => {
  const e = logEvent('user.session.start', { debugData: { behaviors: '{New Geo-Location=NEGATIVE, New Device=POSITIVE, New IP=POSITIVE, Velocity=NEGATIVE}', risk: '{reasons=Anomalous Device, level=HIGH}' } });
  e.securityContext.isProxy = true;
  assert.deepEqual(sessionOf(e), {
    ip: '198.51.100.23',
    geo: { lat: 51.9225, lon: 4.4792, country: 'NL', asn: 1136 },
    device: undefined,
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    hostRisk: { level: 'high', signals: ['newDevice', 'anonymousProxy'] },
  });
  assert.equal(countryCode('United States'), 'US');
  assert.equal(countryCode('Norway'), 'NO');
});

test('event hook verification: the one-time GET echoes x-okta-verification-challenge; the secret is checked', async () => {
  await withService({}, async (_service, call) => {
    const ok = await call('GET', '/okta/events', { headers: { 'x-okta-verification-challenge': 'X5-n4pTc1b6Fw8Gk' } });
    assert.deepEqual([ok.status, ok.body], [200, { verification: 'X5-n4pTc1b6Fw8Gk' }]);
    assert.equal((await call('GET', '/okta/events')).status, 400);
    assert.equal((await call('GET', '/okta/events', { headers: { authorization: 'Basic wrong', 'x-okta-verification-challenge': 'x' } })).status, 401);
    assert.equal((await call('POST', '/okta/events', { body: '{not json' })).status, 400);
  });
});

test('event hook batch: acknowledged within the budget, deduplicated by uuid, one decision per factor event with its alerts', async () => {
  await withService({}, async (service, call) => {
    const activate = logEvent('user.mfa.factor.activate', { factor: { id: 'mbl1alice', name: 'Phone' } });
    const deactivate = logEvent('user.mfa.factor.deactivate', { factor: { id: 'ost1alice', name: 'Google Authenticator' } });
    const helpdesk = { id: '00uhelp', type: 'User', alternateId: 'helpdesk@acme.example', displayName: 'Help Desk' };
    const reset = logEvent('user.mfa.factor.reset_all', { actor: helpdesk });
    const unrelated = logEvent('user.account.update_profile');
    const batch = delivery([reset, activate, deactivate, activate, unrelated]); // activate twice in one batch

    const first = await call('POST', '/okta/events', { body: batch });
    assert.equal(first.status, 200);
    assert.ok(first.ms < 3000, `answered in ${first.ms} ms`);
    const retry = await call('POST', '/okta/events', { body: batch }); // Okta's retry of the same delivery
    assert.equal(retry.status, 200);
    await service.idle();

    assert.equal(service.stats.duplicates, 6);
    const byUuid = new Map(service.decisions.map((d) => [d.uuid, d]));
    assert.equal(service.decisions.length, 4, 'one record per distinct event');

    const a = byUuid.get(activate.uuid);
    assert.equal(a.kind, 'factorChange');
    assert.equal(a.action, 'enroll');
    assert.deepEqual(a.request.change, { action: 'enroll', factor: { id: 'mbl1alice', type: 'sms' }, actor: { kind: 'self', id: '00ualice' }, phase: 'after' });
    assert.deepEqual(a.request.user.factors.map((f) => f.type), ['webauthnRoaming', 'totp'], 'the factors before the change');
    assert.equal(a.request.user.kind, 'employee');
    assert.ok(a.decision.reasons.some((r) => r.code === 'factorDowngrade'));
    assert.deepEqual(a.decision.notify.map((n) => n.template), ['factorAdded']);
    assert.ok(a.decision.alerts.some((x) => x.class_uid === 3001 && x.activity_id === 10), 'after-the-fact changes raise Account Change alerts');

    const d = byUuid.get(deactivate.uuid);
    assert.equal(d.action, 'remove');
    assert.deepEqual(d.decision.notify.map((n) => n.template), ['factorRemoved']);
    assert.ok(d.decision.alerts.some((x) => x.class_uid === 3001 && x.activity_id === 11));

    const r = byUuid.get(reset.uuid);
    assert.equal(r.request.change.actor.kind, 'admin');
    assert.equal(r.decision.outcome, 'deny'); // delegated reset without a ticket (Okta events carry none)
    assert.ok(['delegatedChange', 'missingTicket', 'resetAll'].every((c) => r.decision.reasons.some((x) => x.code === c)));
    assert.deepEqual(r.remediation, [], 'remediation is off unless asked for');

    assert.equal(byUuid.get(unrelated.uuid).kind, 'skipped');
  });
});

test('memory: a factor added right after a risky sign-in is scored against it; with remediation the factor is deleted and sessions cleared', async () => {
  await withService({ remediate: true }, async (service, call) => {
    const t0 = Date.now() - 10 * 60_000;
    const risky = logEvent('user.authentication.auth_via_mfa', {
      ip: '192.0.2.77',
      published: new Date(t0).toISOString(),
      factor: { id: 'ost1alice', name: 'Google Authenticator' },
      debugData: { behaviors: '{New Geo-Location=POSITIVE, New Device=POSITIVE, Velocity=POSITIVE}', risk: '{level=HIGH}' },
    });
    const added = logEvent('user.mfa.factor.activate', { ip: '203.0.113.50', published: new Date(t0 + 5 * 60_000).toISOString(), factor: { id: 'opfATTACKER', name: 'Okta Verify' } });
    directory['00ualice'].factors.push({ id: 'opfATTACKER', factorType: 'push', provider: 'OKTA', status: 'ACTIVE', created: added.published });
    await call('POST', '/okta/events', { body: delivery([added, risky]) }); // unordered on purpose
    await service.idle();

    const [signIn, change] = service.decisions;
    assert.equal(signIn.kind, 'signIn', 'processed in order of `published`');
    assert.equal(change.kind, 'factorChange');
    const codes = change.decision.reasons.map((r) => r.code);
    assert.ok(codes.includes('recentRiskySignin') && codes.includes('untrustedIp'), codes.join());
    assert.equal(change.decision.outcome, 'deny', codes.join());
    assert.deepEqual(change.remediation, ['deleteFactor opfATTACKER', 'clearSessions+oauthTokens']);
    assert.ok(oktaCalls.includes('DELETE /api/v1/users/00ualice/factors/opfATTACKER'));
    // The sessions and the OAuth access and refresh tokens issued in them (Okta: "Removing all user
    // sessions can optionally also remove all related access and refresh tokens by including the
    // oauthTokens parameter").
    assert.ok(oktaCalls.includes('DELETE /api/v1/users/00ualice/sessions?oauthTokens=true'), oktaCalls.join('\n'));
    assert.ok(!directory['00ualice'].factors.some((f) => f.id === 'opfATTACKER'));
    assert.ok(change.decision.alerts.some((a) => a.class_uid === 2004));
  });
});

test('privileged target (Okta admin role): every change alerts, naming the account as privileged', async () => {
  await withService({}, async (service, call) => {
    const e = logEvent('user.mfa.factor.activate', { user: '00uroot', factor: { id: 'fwf1root', name: 'Security Key or Biometric' } });
    await call('POST', '/okta/events', { body: delivery([e]) });
    await service.idle();
    const [d] = service.decisions;
    assert.deepEqual(d.request.user.roles, ['super_admin']);
    assert.ok(d.decision.reasons.some((r) => r.code === 'privilegedUser'));
    assert.ok(d.decision.alerts.length > 0);
  });
});

test('an event the engine cannot read gets the policy fail mode (closed: the change is denied)', async () => {
  await withService({}, async (service, call) => {
    const e = logEvent('user.mfa.factor.activate', { factor: { id: 'cus1', name: 'Custom IdP factor' } });
    await call('POST', '/okta/events', { body: delivery([e]) });
    await service.idle();
    const [d] = service.decisions;
    assert.ok(d.errors?.length > 0, 'the engine refused the request (an enrollment with no known factor type)');
    assert.equal(d.decision.outcome, 'deny');
    assert.deepEqual(d.decision.reasons.map((r) => r.code), ['engineFailure']);
  });
});

test('registration inline hook: `commands` ALLOW (with the risk in a profile attribute), DENY with an error from a deny-listed network', async () => {
  const registration = (ip) => ({
    eventId: 'GOsk2ZLVSmKpg1C6ggnWtQ',
    eventTime: new Date().toISOString(),
    eventType: 'com.okta.user.pre-registration',
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: 'https://acme.okta.com/api/v1/inlineHooks/cal3ughy17pylLxQB357',
    requestType: 'self.service.registration',
    data: {
      context: { request: { id: 'reqv66CbCaCStGEFc8AdfS0ng', method: 'POST', url: { value: '/idp/idx/enroll/new' }, ipAddress: ip } },
      userProfile: { firstName: 'Rosario', lastName: 'Jones', login: 'rosario.jones@example.com', email: 'rosario.jones@example.com' },
      action: 'ALLOW',
    },
  });
  await withService({ profileRiskAttribute: 'factorgateRisk' }, async (service, call) => {
    const ok = await call('POST', '/okta/registration', { body: registration('198.51.100.4') });
    assert.equal(ok.status, 200);
    assert.ok(ok.ms < 3000);
    assert.deepEqual(ok.body.commands, [
      { type: 'com.okta.user.profile.update', value: { factorgateRisk: 'low' } },
      { type: 'com.okta.action.update', value: { registration: 'ALLOW' } },
    ]);
    assert.equal(ok.body.error, undefined);
    assert.match(ok.body.debugContext.factorgate, /^enroll /);

    const bad = await call('POST', '/okta/registration', { body: registration('203.0.113.9') });
    assert.equal(bad.status, 200, 'business outcomes are never HTTP errors');
    assert.deepEqual(bad.body.commands, [{ type: 'com.okta.action.update', value: { registration: 'DENY' } }]);
    assert.equal(typeof bad.body.error.errorSummary, 'string');
    assert.equal(bad.body.error.errorCauses[0].reason, 'FACTORGATE_DENY');
    assert.ok(service.decisions.at(-1).decision.reasons.some((r) => r.code === 'untrustedIp'));
  });
});

const signIns = (service) => service.decisions.filter((d) => d.kind === 'signIn');

test('a password-only Identity Engine sign-in is one AAL1 sign-in (pwd), not a TOTP MFA sign-in', async () => {
  await withService({}, async (service, call) => {
    await call('POST', '/okta/events', { body: delivery(signIn('idxPwdOnly1', [PASSWORD])) });
    await service.idle();
    const records = signIns(service);
    assert.equal(records.length, 1, 'auth_via_mfa (Password) and user.session.start of one session are one sign-in');
    const [r] = records;
    assert.deepEqual(r.methods, ['password']);
    assert.deepEqual(r.decision.assurance, { aal: 1, phishingResistant: false, hardwareBound: false, amr: ['pwd'] });
    assert.equal(r.sessionId, 'idxPwdOnly1');
    assert.equal(r.uuids.length, 2);
  });
});

test('verifications are grouped per session (externalSessionId), across deliveries; each session is one sign-in', async () => {
  await withService({}, async (service, call) => {
    const [pwd, push, start] = signIn('idxAliceMon', [PASSWORD, PUSH]);
    const other = signIn('idxAliceTue', [PASSWORD], { published: Date.now() - 30_000 });
    await call('POST', '/okta/events', { body: delivery([pwd]) });
    await call('POST', '/okta/events', { body: delivery([start, push, ...other]) }); // later, out of order
    await service.idle();
    const records = signIns(service);
    assert.equal(records.length, 2, records.map((r) => r.sessionId).join());
    const mon = records.find((r) => r.sessionId === 'idxAliceMon');
    assert.deepEqual(mon.methods.sort(), ['password', 'push']);
    assert.deepEqual(mon.decision.assurance.amr, ['pwd', 'mca', 'mfa']);
    assert.equal(mon.decision.assurance.aal, 2);
    assert.equal(records.find((r) => r.sessionId === 'idxAliceTue').decision.assurance.aal, 1);

    // A verification of a sign-in already decided is not a new sign-in.
    await call('POST', '/okta/events', { body: delivery(signIn('idxAliceMon', [PUSH]).slice(0, 1)) });
    await service.idle();
    assert.equal(signIns(service).length, 2);
    assert.equal(service.decisions.at(-1).why, 'sign-in already recorded');
  });
});

test('detailEntry tells FastPass, a synced passkey, a security key and a platform authenticator apart; an authenticator it does not name is not counted', async () => {
  await withService({}, async (service, call) => {
    const cases = { idxFastPass: [FASTPASS], idxPasskey: [SYNCED_PASSKEY], idxYubiKey: [SECURITY_KEY], idxHello: [WINDOWS_HELLO], idxSilent: [PASSWORD, OKTA_VERIFY_SILENT] };
    await call('POST', '/okta/events', { body: delivery(Object.entries(cases).flatMap(([session, factors]) => signIn(session, factors))) });
    await service.idle();
    const by = Object.fromEntries(signIns(service).map((r) => [r.sessionId, r]));
    const assurance = (id) => { const { aal, phishingResistant, hardwareBound } = by[id].decision.assurance; return { aal, phishingResistant, hardwareBound }; };
    // FastPass verified phishing-resistant and hardware-protected: a device-bound platform key, AAL3.
    assert.deepEqual(by.idxFastPass.methods, ['webauthnPlatform', 'password']);
    assert.deepEqual(assurance('idxFastPass'), { aal: 3, phishingResistant: true, hardwareBound: true });
    // A backup-eligible (synced) passkey: phishing-resistant, exportable, AAL2 at most.
    assert.deepEqual(by.idxPasskey.methods, ['passkeySynced', 'password']);
    assert.deepEqual(assurance('idxPasskey'), { aal: 2, phishingResistant: true, hardwareBound: false });
    // A USB/NFC key that cannot be backed up, and Windows Hello: hardware-bound, AAL3.
    assert.deepEqual(by.idxYubiKey.methods, ['webauthnRoaming', 'password']);
    assert.deepEqual(assurance('idxYubiKey'), { aal: 3, phishingResistant: true, hardwareBound: true });
    assert.deepEqual(by.idxHello.methods, ['webauthnPlatform', 'password']);
    // "Okta Verify" without the method used: push, code or FastPass? Not counted (fail closed).
    assert.deepEqual(by.idxSilent.methods, ['password']);
    assert.deepEqual(by.idxSilent.unrecognised, ['Okta Verify']);
    assert.equal(by.idxSilent.decision.assurance.aal, 1);
  });
  // The same reading for enrollments (`user.mfa.factor.activate` has the same target schema).
  const t = (factor) => ({ id: factor.id, type: 'AuthenticatorEnrollment', displayName: factor.name, detailEntry: factor.detail });
  assert.equal(methodOfTarget(t(SYNCED_PASSKEY), {}, { enrollment: true }), 'passkeySynced');
  assert.equal(methodOfTarget(t(SECURITY_KEY), {}, { enrollment: true }), 'webauthnRoaming');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Security Key or Biometric', detailEntry: null }, { backup_eligible: 'true', passkey: 'true' }, { enrollment: true }), 'passkeySynced', 'AuthenticatorEnrollmentDebugData flags');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Security Key or Biometric', detailEntry: null }), 'passkeySynced', 'WebAuthn with no binding shown: the weakest WebAuthn');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Phone', detailEntry: { methodTypeUsed: 'VOICE' } }), 'voice');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Phone', detailEntry: null }), undefined, 'SMS or voice? not counted');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Okta Verify', detailEntry: { methodTypeUsed: 'Use Okta FastPass', methodUsedVerifiedProperties: '[USER_PRESENCE]' } }), 'push', 'FastPass not verified phishing-resistant');
  assert.equal(methodOfTarget({ type: 'AuthenticatorEnrollment', displayName: 'Security Question', detailEntry: null }, { factor: 'SECURITY_QUESTION' }), undefined);
});

test('an enrolled synced passkey is assessed as a synced passkey (not a hardware key), and remembered as one', async () => {
  await withService({}, async (service, call) => {
    const e = logEvent('user.mfa.factor.activate', { factor: SYNCED_PASSKEY, debugData: { backup_eligible: 'true', passkey: 'true' } });
    directory['00ualice'].factors.push({ id: SYNCED_PASSKEY.id, factorType: 'webauthn', provider: 'FIDO', status: 'ACTIVE', created: e.published });
    try {
      await call('POST', '/okta/events', { body: delivery([e]) });
      await service.idle();
      const [d] = service.decisions;
      assert.deepEqual(d.request.change.factor, { id: SYNCED_PASSKEY.id, type: 'passkeySynced' });
      const kept = await service.db.getUser('00ualice');
      assert.equal(kept.factors.find((f) => f.id === SYNCED_PASSKEY.id).type, 'passkeySynced');
    } finally {
      directory['00ualice'].factors = directory['00ualice'].factors.filter((f) => f.id !== SYNCED_PASSKEY.id);
    }
  });
});

// ---- hook authentication ----

test('refuses to start without the hook secret (or OAuth hook settings), or with a short one', () => {
  assert.throws(() => createService({ policy: POLICY, onDecision: () => {} }), /refusing to start without hook authentication/);
  assert.throws(() => createService({ policy: POLICY, secret: '', onDecision: () => {} }), /at least 16/);
  assert.throws(() => createService({ policy: POLICY, secret: 'short', onDecision: () => {} }), /at least 16/);
});

test('OAuth 2.0 inline hook: a Bearer JWT verified against the authorization server keys (iss, aud, exp, scope); event hooks still need the header', async () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'hook-key-1', use: 'sig', alg: 'RS256' };
  const keys = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise((resolve) => keys.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${keys.address().port}/oauth2/aus1hooks`;
  const sign = (claims, kid = 'hook-key-1') => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'RS256', kid, typ: 'JWT' })}.${enc(claims)}`;
    return `${head}.${crypto.sign('RSA-SHA256', Buffer.from(head), privateKey).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: issuer, aud: 'api://factorgate', exp: now + 300, iat: now, scp: ['okta.inlinehook'], cid: '0oa1hook' };
  const body = { eventType: 'com.okta.user.pre-registration', requestType: 'self.service.registration', data: { context: { request: { ipAddress: '198.51.100.4' } }, userProfile: { login: 'a@example.com' }, action: 'ALLOW' } };
  try {
    await withService({ secret: undefined, oauth: { issuer, audience: 'api://factorgate', scope: 'okta.inlinehook' } }, async (_service, call) => {
      const bearer = (claims, kid) => ({ authorization: `Bearer ${sign(claims, kid)}` });
      assert.equal((await call('POST', '/okta/registration', { body, headers: bearer(good) })).status, 200);
      assert.equal((await call('POST', '/okta/registration', { body, headers: bearer({ ...good, aud: 'api://other' }) })).status, 401);
      assert.equal((await call('POST', '/okta/registration', { body, headers: bearer({ ...good, exp: now - 3600 }) })).status, 401);
      assert.equal((await call('POST', '/okta/registration', { body, headers: bearer({ ...good, scp: ['other'] }) })).status, 401);
      assert.equal((await call('POST', '/okta/registration', { body, headers: bearer(good, 'unknown-kid') })).status, 401);
      const tampered = sign(good).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...good, aud: 'api://factorgate', sub: 'x' })).toString('base64url')}.`);
      assert.equal((await call('POST', '/okta/registration', { body, headers: { authorization: `Bearer ${tampered}` } })).status, 401);
      assert.equal((await call('POST', '/okta/events', { body: delivery([]), headers: bearer(good) })).status, 401, 'Okta event hooks authenticate with the header only');
    });
  } finally {
    await new Promise((resolve) => keys.close(resolve));
  }
});

// ---- Okta API rate limits ----

test('Okta API 429: retried after X-Rate-Limit-Reset / Retry-After, so roles (privileged) and remediation are not silently lost', async () => {
  await withService({ remediate: true }, async (service, call) => {
    const reset = String(Math.ceil(Date.now() / 1000)); // the window resets within a second
    rateLimited.push(
      { status: 429, headers: { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset } },
      { status: 429, headers: { 'retry-after': '1' } },
    );
    const e = logEvent('user.mfa.factor.reset_all', { user: '00uroot', actor: { id: '00uhelp', type: 'User', alternateId: 'helpdesk@acme.example', displayName: 'Help Desk' } });
    const started = Date.now();
    await call('POST', '/okta/events', { body: delivery([e]) });
    await service.idle();
    const [d] = service.decisions;
    assert.ok(Date.now() - started >= 900, 'waited as Okta asked');
    assert.equal(d.unknown, undefined, 'every lookup answered after the retries');
    assert.deepEqual(d.request.user.roles, ['super_admin']);
    assert.ok(d.decision.reasons.some((r) => r.code === 'privilegedUser'));
    assert.equal(d.decision.outcome, 'deny');
    assert.deepEqual(d.remediation, ['clearSessions+oauthTokens']);
  });
});

// ---- System Log polling: the fallback for sign-ins when the event hook cap is a concern ----

test('System Log polling feeds sign-ins into the same queue (deduplicated with hook deliveries), following the next link', async () => {
  await withService({}, async (service, call) => {
    const events = signIn('idxPolled1', [PASSWORD, PUSH]);
    logPages.splice(0, logPages.length, events, []);
    const before = oktaCalls.length;
    assert.deepEqual(await service.pollOnce(), { events: 3, fresh: 3 });
    await call('POST', '/okta/events', { body: delivery(events.slice(1, 2)) }); // the hook delivered one of them too
    assert.deepEqual(await service.pollOnce(), { events: 0, fresh: 0 });
    await service.idle();
    const first = decodeURIComponent(oktaCalls[before]).replace(/\+/g, " ");
    assert.match(first, /^GET \/api\/v1\/logs\?sortOrder=ASCENDING&limit=1000&since=.+&filter=eventType eq "user.authentication.auth_via_mfa" or eventType eq "user.session.start" or eventType eq "app.oauth2.credentials.lifecycle.create" or eventType eq "app.oauth2.credentials.lifecycle.activate"$/, 'sign-ins, and the OAuth credential events no event hook delivers');
    assert.match(oktaCalls[before + 1], /^GET \/api\/v1\/logs\?after=1&/, 'the next link, as Okta gave it');
    const records = signIns(service);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0].methods.sort(), ['password', 'push']);
    assert.equal(service.stats.duplicates, 1);
  });
});
