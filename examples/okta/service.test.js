'use strict';
// The Okta hook service on loopback, through the built package: endpoint verification, event hook
// batches shaped like Okta System Log events (dedupe by uuid, acknowledged within the budget, one
// decision per event with its alerts, remediation against a fake Okta API), and the registration
// inline hook's `commands`.
const assert = require('node:assert/strict');
const http = require('node:http');
const { test, before, after } = require('node:test');
const { defaultPolicy } = require('factorgate');

const { createService, createOktaClient, sessionOf, countryCode } = require('./service.js');

const SECRET = 'Basic b2t0YTpob29rLXNlY3JldA==';
const POLICY = {
  ...defaultPolicy(),
  id: 'acme-okta',
  version: 3,
  networks: { trusted: [], denied: [{ name: 'known abuse', cidrs: ['203.0.113.0/24'] }] },
};

// ---- a fake Okta Management API on loopback ----
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
let okta;
let oktaServer;

before(async () => {
  oktaServer = http.createServer((req, res) => {
    oktaCalls.push(`${req.method} ${req.url}`);
    const m = req.url.match(/^\/api\/v1\/users\/([^/]+)(?:\/(factors|roles|sessions)(?:\/([^/]+))?)?$/);
    const entry = m && directory[decodeURIComponent(m[1])];
    if (req.headers.authorization !== 'SSWS test-api-token' || !entry) {
      res.writeHead(404).end();
    } else if (req.method === 'DELETE') {
      if (m[2] === 'factors') entry.factors = entry.factors.filter((f) => f.id !== m[3]);
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(m[2] ? entry[m[2]] : entry.user));
    }
  });
  await new Promise((resolve) => oktaServer.listen(0, '127.0.0.1', resolve));
  okta = createOktaClient({ orgUrl: `http://127.0.0.1:${oktaServer.address().port}`, token: 'test-api-token' });
});
after(() => new Promise((resolve) => oktaServer.close(resolve)));

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

// ---- System Log events ----
let uuidSeq = 0;
function logEvent(eventType, { user = '00ualice', actor = { id: user, type: 'User', alternateId: `${user}@acme.example`, displayName: user }, factor, ip = '198.51.100.23', published, debugData = {}, outcome = 'SUCCESS', uuid } = {}) {
  uuidSeq += 1;
  return {
    uuid: uuid ?? `5b9c1e2a-0000-4000-8000-${String(uuidSeq).padStart(12, '0')}`,
    published: published ?? new Date().toISOString(),
    eventType,
    version: '0',
    displayMessage: 'factor event',
    severity: 'INFO',
    legacyEventType: eventType.replace('user.mfa.factor', 'core.user.factor'),
    actor,
    client: {
      userAgent: { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', os: 'Windows 10', browser: 'CHROME' },
      zone: 'null',
      device: 'Computer',
      ipAddress: ip,
      geographicalContext: { city: 'Rotterdam', state: 'South Holland', country: 'Netherlands', postalCode: '3011', geolocation: { lat: 51.9225, lon: 4.4792 } },
    },
    outcome: { result: outcome, reason: null },
    securityContext: { asNumber: 1136, asOrg: 'kpn', isp: 'kpn', domain: 'kpn.com', isProxy: false },
    debugContext: { debugData: { requestId: `req${uuidSeq}`, requestUri: '/idp/idx/challenge/answer', ...debugData } },
    authenticationContext: { authenticationStep: 0, externalSessionId: `idx${uuidSeq}` },
    transaction: { type: 'WEB', id: `tx${uuidSeq}`, detail: {} },
    target: [
      { id: user, type: 'User', alternateId: `${user}@acme.example`, displayName: user, detailEntry: null },
      ...(factor ? [{ id: factor.id, type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: factor.name, detailEntry: null }] : []),
    ],
  };
}
const delivery = (events) => ({
  eventType: 'com.okta.event_hook',
  eventTypeVersion: '1.0',
  cloudEventsVersion: '0.1',
  source: 'https://acme.okta.com/api/v1/eventHooks/who8example',
  eventId: `evt-${uuidSeq}`,
  eventTime: new Date().toISOString(),
  contentType: 'application/json',
  data: { events },
});

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
    assert.deepEqual(change.remediation, ['deleteFactor opfATTACKER', 'clearSessions']);
    assert.ok(oktaCalls.includes('DELETE /api/v1/users/00ualice/factors/opfATTACKER'));
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
