'use strict';
// The Auth0 post-login Action run through the built package (examples/node_modules/factorgate ->
// pkg/), with a recording mock of the Action `api` and events shaped like Auth0's post-login event.
const assert = require('node:assert/strict');
const http = require('node:http');
const { test } = require('node:test');

const action = require('./post-login.js');
const testing = require('factorgate/testing');

const KEY = 'test-state-key-0123456789abcdef';
const NS = 'https://factorgate.dev/';
const ago = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();

// Records every api call as [name, ...args]; metadata writes are applied to `metadata` so that a
// second login can read what the first wrote.
function mockApi() {
  const calls = [];
  const rec = (name) => (...args) => { calls.push([name, ...args]); };
  const metadata = {};
  return {
    calls,
    metadata,
    named: (name) => calls.filter((c) => c[0] === name),
    mfa: () => calls.filter((c) => /^(challenge|enroll)With/.test(c[0])),
    access: { deny: rec('access.deny') },
    authentication: {
      challengeWith: rec('challengeWith'),
      challengeWithAny: rec('challengeWithAny'),
      enrollWith: rec('enrollWith'),
      enrollWithAny: rec('enrollWithAny'),
    },
    user: {
      setAppMetadata: (key, value) => { calls.push(['setAppMetadata', key, value]); metadata[key] = value; },
      setUserMetadata: rec('setUserMetadata'),
    },
    idToken: { setCustomClaim: rec('idToken.setCustomClaim') },
    accessToken: { setCustomClaim: rec('accessToken.setCustomClaim') },
  };
}

const LOW_CONFIDENCE_TRAVEL = {
  confidence: 'low',
  version: '1',
  assessments: {
    ImpossibleTravel: { code: 'impossible_travel_from_last_login', confidence: 'low' },
    NewDevice: { code: 'match', confidence: 'high', details: { device: 'known', useragent: 'known' } },
    UntrustedIP: { code: 'not_found_on_deny_list', confidence: 'high' },
  },
};

function event({ user = {}, methods, riskAssessment, transaction = {}, secrets = { FACTORGATE_STATE_KEY: KEY }, ...rest } = {}) {
  return {
    secrets,
    user: {
      user_id: 'auth0|alice',
      email: 'alice@example.com',
      email_verified: true,
      created_at: '2024-01-10T09:00:00.000Z',
      updated_at: ago(60),
      last_password_reset: '2026-01-05T10:00:00.000Z',
      enrolledFactors: [{ type: 'otp' }, { type: 'webauthn-roaming' }],
      app_metadata: {},
      user_metadata: {},
      identities: [],
      ...user,
    },
    stats: { logins_count: 42 },
    authentication: {
      methods: methods ?? [{ name: 'pwd', timestamp: ago(3) }, { name: 'mfa', type: 'otp', timestamp: ago(2) }],
      ...(riskAssessment ? { riskAssessment } : {}),
    },
    request: {
      ip: '198.51.100.7',
      asn: '2119',
      method: 'GET',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      hostname: 'acme.eu.auth0.com',
      query: {},
      body: {},
      geoip: { countryCode: 'NO', countryCode3: 'NOR', countryName: 'Norway', cityName: 'Oslo', latitude: 59.91, longitude: 10.75, continentCode: 'EU', timeZone: 'Europe/Oslo' },
    },
    transaction: { acr_values: [], requested_scopes: ['openid', 'profile'], protocol: 'oidc-basic-profile', prompt: [], ...transaction },
    client: { client_id: 'client-portal', name: 'Portal', metadata: {} },
    connection: { id: 'con_1', name: 'Username-Password-Authentication', strategy: 'auth0' },
    tenant: { id: 'acme' },
    authorization: { roles: [] },
    ...rest,
  };
}

async function login(ev) {
  const api = mockApi();
  const result = await action.onExecutePostLogin(ev, api);
  assert.ok(api.mfa().length <= action.MAX_MFA_COMMANDS, `${api.mfa().length} MFA commands`);
  assert.equal(result.mfaCommands, api.mfa().length);
  return { api, result, decision: result.decision };
}

const claim = (api, name) => api.named('idToken.setCustomClaim').find((c) => c[1] === NS + name)?.[2];
const reasonCodes = (d) => d.reasons.map((r) => r.code);

test('event mapping: factors, methods, risk assessment (confidence low = does not match history), network, acr, roles', () => {
  const req = action.toLoginRequest(event({
    user: {
      enrolledFactors: [
        { type: 'otp' }, { type: 'phone', options: { preferredMethod: 'voice' } }, { type: 'push-notification' },
        { type: 'webauthn-roaming' }, { type: 'webauthn-platform' }, { type: 'email' }, { type: 'recovery-code' }, { type: 'duo' },
      ],
      app_metadata: { factorgate: { kind: 'contractor', capabilities: ['manageIam'], flags: { simSwap: true, reportedSuspicious: 'yes' }, state: 'opaque' } },
    },
    methods: [{ name: 'pwd', timestamp: '2026-11-23T09:00:00.000Z' }, { name: 'mfa', type: 'push-notification', timestamp: '2026-11-23T09:01:00.000Z' }, { name: 'https://example.com/custom' }],
    riskAssessment: {
      confidence: 'low',
      version: '1',
      assessments: {
        ImpossibleTravel: { code: 'impossible_travel_from_last_login', confidence: 'low' },
        NewDevice: { code: 'no_match', confidence: 'low', details: { device: 'unknown', useragent: 'unknown' } },
        UntrustedIP: { code: 'found_on_deny_list', confidence: 'low', details: { category: 'abuse', ip: '198.51.100.7', source: 'firehol' } },
      },
    },
    transaction: { acr_values: ['phr'] },
    authorization: { roles: ['payroll-admin'] },
  }));
  assert.deepEqual(req.user.factors.map((f) => f.type), ['totp', 'voice', 'push', 'webauthnRoaming', 'webauthnPlatform', 'email', 'recoveryCode']);
  assert.deepEqual(req.session.methods, [{ type: 'password', at: '2026-11-23T09:00:00.000Z' }, { type: 'push', at: '2026-11-23T09:01:00.000Z' }]);
  assert.deepEqual(req.session.hostRisk, { confidence: 'low', signals: ['impossibleTravel', 'newDevice', 'untrustedIp'] });
  assert.deepEqual(req.session.geo, { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 });
  assert.equal(req.session.ip, '198.51.100.7');
  assert.deepEqual(req.requested.acr, ['phr']);
  assert.deepEqual(req.user.roles, ['payroll-admin']);
  assert.equal(req.user.kind, 'contractor');
  assert.deepEqual(req.user.capabilities, ['manageIam']);
  assert.deepEqual(req.user.flags, { simSwap: true });
  assert.equal(req.user.passwordChangedAt, '2026-01-05T10:00:00.000Z');
  assert.equal(req.state, 'opaque');
  assert.equal(req.app.id, 'client-portal');

  // First logins and missing history are not "new device"; a passkey first factor is a factor.
  const first = action.toLoginRequest(event({
    methods: [{ name: 'passkey', timestamp: '2026-11-23T09:00:00.000Z' }],
    riskAssessment: { confidence: 'neutral', assessments: { NewDevice: { code: 'initial_login', confidence: 'neutral' }, ImpossibleTravel: { code: 'initial_login', confidence: 'neutral' } } },
  }));
  assert.deepEqual(first.session.hostRisk, { confidence: 'neutral' });
  assert.ok(first.user.factors.some((f) => f.type === 'passkeySynced'));
});

test('reverse mapping: one Auth0 factor per type, phone with the preferred methods the policy allows, no recovery-code challenge', () => {
  assert.deepEqual(action.auth0Factors(['webauthnRoaming', 'totp', 'hotp', 'sms', 'voice', 'recoveryCode', 'passkeySynced', 'piv'], { forChallenge: true }), [
    { type: 'webauthn-roaming' }, { type: 'otp' }, { type: 'phone', options: { preferredMethod: 'both' } },
  ]);
  assert.deepEqual(action.auth0Factors(['recoveryCode', 'push'], { forChallenge: false }), [{ type: 'recovery-code' }, { type: 'push-notification' }]);
});

test('calm login that already proved MFA: no challenge, acr/amr claims, state written', async () => {
  const { api, decision } = await login(event());
  assert.equal(decision.outcome, 'allow', JSON.stringify(decision.reasons));
  assert.deepEqual(api.mfa(), []);
  assert.deepEqual(api.named('access.deny'), []);
  assert.equal(claim(api, 'aal'), 2);
  assert.deepEqual(claim(api, 'amr'), ['pwd', 'otp', 'mfa']);
  assert.equal(claim(api, 'risk'), 'low');
  assert.equal(api.named('accessToken.setCustomClaim').length, api.named('idToken.setCustomClaim').length);
  assert.equal(typeof api.metadata.factorgate.state, 'string');
});

test('password only on an ordinary app: challengeWithAny with the factors the user has', async () => {
  const { api, decision } = await login(event({ methods: [{ name: 'pwd', timestamp: ago(1) }] }));
  assert.equal(decision.outcome, 'stepUp');
  assert.deepEqual(api.mfa(), [['challengeWithAny', [{ type: 'webauthn-roaming' }, { type: 'otp' }]]]);
  assert.equal(claim(api, 'aal'), 2); // what the session proves once the challenge is passed
});

test('risky login (confidence low + impossible travel) with factors: challenge with the strongest (phishing-resistant) only, no enrollment', async () => {
  const { api, decision } = await login(event({ methods: [{ name: 'pwd', timestamp: ago(1) }], riskAssessment: LOW_CONFIDENCE_TRAVEL }));
  assert.equal(decision.outcome, 'stepUp');
  assert.equal(decision.risk.level, 'high');
  assert.ok(reasonCodes(decision).includes('hostRiskMedium') && reasonCodes(decision).includes('impossibleTravel'), reasonCodes(decision).join());
  assert.equal(decision.enrollmentAllowed, false);
  assert.deepEqual(api.mfa(), [['challengeWith', { type: 'webauthn-roaming' }]]);
  assert.equal(claim(api, 'aal'), 3);
  assert.equal(api.named('enrollWith').length + api.named('enrollWithAny').length, 0);
});

test('a challenge names only factors the user has (Auth0 ignores the others)', async () => {
  const { api, decision } = await login(event({
    user: { enrolledFactors: [{ type: 'phone', options: { preferredMethod: 'sms' } }] },
    methods: [{ name: 'pwd', timestamp: ago(1) }],
  }));
  assert.equal(decision.outcome, 'stepUp');
  assert.deepEqual(api.mfa(), [['challengeWith', { type: 'phone', options: { preferredMethod: 'sms' } }]]);
});

test('no factors and a calm login: enrollWithAny with the types the policy allows', async () => {
  const { api, decision } = await login(event({ user: { user_id: 'auth0|new', enrolledFactors: [] }, methods: [{ name: 'pwd', timestamp: ago(1) }] }));
  assert.equal(decision.outcome, 'enroll');
  assert.deepEqual(api.mfa(), [['enrollWithAny', [{ type: 'webauthn-roaming' }, { type: 'webauthn-platform' }, { type: 'push-notification' }, { type: 'otp' }]]]);
  assert.deepEqual(api.named('access.deny'), []);
});

test('a user with a weaker factor who must enroll a stronger one: challenge with the existing factor first, then enroll', async () => {
  const { api, decision } = await login(event({
    user: { user_id: 'auth0|carol', enrolledFactors: [{ type: 'phone', options: { preferredMethod: 'sms' } }] },
    methods: [{ name: 'pwd', timestamp: ago(1) }],
    transaction: { acr_values: ['phr'] },
  }));
  assert.equal(decision.outcome, 'enroll');
  assert.deepEqual(api.mfa(), [
    ['challengeWith', { type: 'phone', options: { preferredMethod: 'sms' } }],
    ['enrollWithAny', [{ type: 'webauthn-roaming' }, { type: 'webauthn-platform' }]],
  ]);
  assert.equal(claim(api, 'acr'), 'phr'); // satisfied once the new key is used
});

test('no factors and a risky login: deny with a reason, never enroll', async () => {
  const { api, decision } = await login(event({ user: { user_id: 'auth0|bob', enrolledFactors: [] }, methods: [{ name: 'pwd', timestamp: ago(1) }], riskAssessment: LOW_CONFIDENCE_TRAVEL }));
  assert.equal(decision.outcome, 'deny');
  assert.deepEqual(api.mfa(), []);
  const [deny] = api.named('access.deny');
  assert.match(deny[1], /^factorgate: .+/);
  assert.equal(typeof api.metadata.factorgate.state, 'string', 'the risky sign-in is remembered even when denied');
});

test('state is written to app_metadata.factorgate and read back on the next login', async () => {
  const appMetadata = { factorgate: { kind: 'employee' }, other: 1 };
  const first = await login(event({ user: { user_id: 'auth0|dave', app_metadata: appMetadata } }));
  assert.ok(reasonCodes(first.decision).includes('stateMissing'));
  const stored = first.api.metadata.factorgate;
  assert.equal(stored.kind, 'employee', 'fields set by the administrator are kept');
  assert.equal(typeof stored.state, 'string');
  assert.ok(stored.state.length <= 2048);

  const second = await login(event({ user: { user_id: 'auth0|dave', app_metadata: { ...appMetadata, factorgate: stored } } }));
  assert.equal(second.decision.outcome, 'allow');
  assert.ok(!reasonCodes(second.decision).includes('stateMissing'), reasonCodes(second.decision).join());
  assert.ok(!reasonCodes(second.decision).includes('stateTampered'));
  assert.notEqual(second.api.metadata.factorgate.state, stored.state);

  // Another user's state does not verify: ignored, scored and alerted.
  const stolen = await login(event({ user: { user_id: 'auth0|eve', app_metadata: { factorgate: stored } } }));
  assert.ok(reasonCodes(stolen.decision).includes('stateTampered'));
});

test('an engine error (request over the caps) applies the policy fail mode: closed = challenge with the strongest factor', async () => {
  const { api, decision } = await login(event({ user: { user_id: `auth0|${'x'.repeat(300)}` } }));
  assert.deepEqual(reasonCodes(decision), ['engineFailure']);
  assert.equal(decision.outcome, 'stepUp');
  assert.deepEqual(api.mfa(), [['challengeWith', { type: 'webauthn-roaming' }]]);
  assert.ok(decision.alerts.length > 0);

  const none = await login(event({ user: { user_id: `auth0|${'y'.repeat(300)}`, enrolledFactors: [] } }));
  assert.equal(none.decision.outcome, 'deny');
  assert.equal(none.api.named('access.deny').length, 1);
});

test('a WebAssembly trap is answered with the fail mode by the package itself; break-glass accounts fail open', async () => {
  testing.injectTraps(1);
  const { api, decision } = await login(event());
  assert.deepEqual(reasonCodes(decision), ['engineFailure']);
  assert.deepEqual(api.mfa(), [['challengeWith', { type: 'webauthn-roaming' }]]);

  testing.injectTraps(1);
  const glass = await login(event({ user: { user_id: 'auth0|glass', app_metadata: { factorgate: { kind: 'breakGlass' } } } }));
  assert.equal(glass.decision.outcome, 'allow');
  assert.deepEqual(glass.api.mfa(), []);
  assert.deepEqual(glass.api.named('access.deny'), []);
});

test('refresh-token exchanges cannot prompt: a step-up becomes a deny', async () => {
  const { api } = await login(event({ methods: [{ name: 'pwd', timestamp: ago(1) }], transaction: { protocol: 'oauth2-refresh-token' } }));
  assert.deepEqual(api.mfa(), []);
  assert.match(api.named('access.deny')[0][1], /sign in again/);
});

test('enrollment gate: no MFA API token with the enroll scope from a session that may not add factors', async () => {
  const mfaApi = { resource_server: { identifier: 'https://acme.eu.auth0.com/mfa/' }, transaction: { requested_scopes: ['enroll'] } };
  const risky = await login(event({ ...mfaApi, riskAssessment: LOW_CONFIDENCE_TRAVEL }));
  assert.equal(risky.decision.enrollmentAllowed, false);
  assert.match(risky.api.named('access.deny')[0][1], /adding a factor/);
  const calm = await login(event(mfaApi));
  assert.equal(calm.decision.enrollmentAllowed, true);
  assert.deepEqual(calm.api.named('access.deny'), []);
});

test('without the secret the Action still decides, without memory', async () => {
  const { api, decision } = await login(event({ secrets: {} }));
  assert.equal(decision.outcome, 'allow');
  assert.equal(api.named('setAppMetadata').length, 0);
  await login(event()); // back to the keyed engine for any later test
});

test('alerts are POSTed to FACTORGATE_ALERT_URL when set (loopback)', async () => {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push(JSON.parse(body)); res.end(); });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/alerts`;
    const { decision } = await login(event({
      secrets: { FACTORGATE_STATE_KEY: KEY, FACTORGATE_ALERT_URL: url },
      user: { user_id: 'auth0|frank', enrolledFactors: [] },
      methods: [{ name: 'pwd', timestamp: ago(1) }],
      riskAssessment: LOW_CONFIDENCE_TRAVEL,
    }));
    assert.equal(decision.outcome, 'deny');
    assert.equal(received.length, 1);
    assert.deepEqual(received[0].map((a) => a.class_uid), decision.alerts.map((a) => a.class_uid));
    assert.ok(received[0].some((a) => a.class_uid === 2004));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

// ---- non-interactive flows, backend refreshes, the binding window, metadata writes -------------
//
// Events below follow Auth0's post-login event reference (auth0/docs-v2, "Actions Triggers:
// post-login - Event Object", validated 2026-04-28): `transaction.protocol` is one of the listed
// values, `transaction.prompt` an array of strings, `request.query` the authorization request's
// query string, `request.body` present on token-endpoint (POST) flows, `request.asn` a string.

const crypto = require('node:crypto');

// Oslo (Telenor, AS2119) and an AWS us-east-1 address (Ashburn, AS14618): where the user signs in,
// and where a confidential web app's backend exchanges its refresh token.
const OSLO = {
  ip: '193.90.144.10', asn: '2119', method: 'GET', user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
  hostname: 'acme.eu.auth0.com', query: { response_type: 'code', scope: 'openid profile offline_access' }, body: {},
  geoip: { countryCode: 'NO', countryCode3: 'NOR', countryName: 'Norway', cityName: 'Oslo', subdivisionCode: '03', latitude: 59.9127, longitude: 10.7461, continentCode: 'EU', timeZone: 'Europe/Oslo' },
};
const AWS_US_EAST_1 = {
  ip: '3.208.71.20', asn: '14618', method: 'POST', user_agent: 'node-fetch', hostname: 'acme.eu.auth0.com', query: {},
  body: { grant_type: 'refresh_token', client_id: 'client-portal' },
  geoip: { countryCode: 'US', countryCode3: 'USA', countryName: 'United States', cityName: 'Ashburn', subdivisionCode: 'VA', latitude: 39.0469, longitude: -77.4903, continentCode: 'NA', timeZone: 'America/New_York' },
};
const BROWSER_TX = { id: 'tx-1', protocol: 'oidc-basic-profile', prompt: [], acr_values: [], requested_scopes: ['openid', 'profile', 'offline_access'], redirect_uri: 'https://portal.example.com/callback' };
// A refresh-token exchange: no transaction id (Auth0 populates it for browser flows only).
const REFRESH_TX = { protocol: 'oauth2-refresh-token', acr_values: [], requested_scopes: ['openid', 'profile', 'offline_access'] };

const pwdAndOtp = (minutes) => [{ name: 'pwd', timestamp: ago(minutes + 1) }, { name: 'mfa', type: 'otp', timestamp: ago(minutes) }];

// One user whose app_metadata carries what earlier flows wrote, as Auth0 does between logins.
function person(userId) {
  let appMetadata = {};
  return {
    async flow({ request, transaction, methods }) {
      const out = await login(event({ user: { user_id: userId, app_metadata: appMetadata }, methods, request, transaction }));
      appMetadata = { ...appMetadata, ...out.api.metadata };
      return out;
    },
  };
}

test('reproduction: four calm logins from Oslo, then backend refreshes from us-east-1: no travel, no deny, no alert, no memory; the next login from Oslo is not challenged', async () => {
  const oslo = person('auth0|ingrid');
  for (let i = 0; i < 4; i += 1) {
    const { decision, api } = await oslo.flow({ request: OSLO, transaction: BROWSER_TX, methods: pwdAndOtp(2) });
    assert.equal(decision.outcome, 'allow', JSON.stringify(decision.reasons));
    assert.equal(api.named('setAppMetadata').length, 1, 'a browser login is remembered');
  }
  for (let i = 0; i < 2; i += 1) {
    const { decision, api, result } = await oslo.flow({ request: AWS_US_EAST_1, transaction: REFRESH_TX, methods: pwdAndOtp(2) });
    const codes = reasonCodes(decision);
    for (const code of ['impossibleTravel', 'newCountry', 'newAsn', 'recentRiskySignin']) assert.ok(!codes.includes(code), `refresh ${i + 1}: ${codes.join()}`);
    assert.equal(decision.outcome, 'allow', codes.join());
    assert.equal(result.applied, 'allow');
    assert.deepEqual(api.named('access.deny'), []);
    assert.deepEqual(decision.alerts, [], `refresh ${i + 1} raised ${decision.alerts.map((a) => a.severity).join()}`);
    assert.deepEqual(api.named('setAppMetadata'), [], 'a backend refresh writes no memory');
  }
  // The user's next real login: SSO from Oslo, on the session authenticated this morning.
  const next = await oslo.flow({ request: OSLO, transaction: BROWSER_TX, methods: pwdAndOtp(180) });
  assert.ok(!reasonCodes(next.decision).includes('recentRiskySignin'), reasonCodes(next.decision).join());
  assert.equal(next.decision.outcome, 'allow', reasonCodes(next.decision).join());
  assert.deepEqual(next.api.mfa(), []);
});

test('a refresh whose event carries no methods (as reported on Auth0\'s community forum): "sign in again", no travel, no alert, no memory', async () => {
  const oslo = person('auth0|sigrid');
  for (let i = 0; i < 4; i += 1) await oslo.flow({ request: OSLO, transaction: BROWSER_TX, methods: pwdAndOtp(2) });
  const { decision, api, result } = await oslo.flow({ request: AWS_US_EAST_1, transaction: REFRESH_TX, methods: [] });
  assert.ok(!reasonCodes(decision).some((c) => ['impossibleTravel', 'newCountry', 'newAsn'].includes(c)), reasonCodes(decision).join());
  assert.deepEqual(api.mfa(), []);
  assert.equal(result.applied, 'deny'); // nothing proves the session: fail closed, without a prompt
  assert.match(api.named('access.deny')[0][1], /sign in again/);
  assert.deepEqual(decision.alerts, []);
  assert.deepEqual(api.named('setAppMetadata'), []);
  const next = await oslo.flow({ request: OSLO, transaction: BROWSER_TX, methods: pwdAndOtp(180) });
  assert.equal(next.decision.outcome, 'allow', reasonCodes(next.decision).join());
});

test('flows: which protocols can answer a prompt, and which requests describe the user\'s device', () => {
  const flow = (transaction, query = {}) => action.flowOf({ transaction, request: { query } });
  for (const protocol of ['oidc-basic-profile', 'oidc-implicit-profile', 'oidc-hybrid-profile', 'oauth2-device-code', 'samlp', 'wsfed', undefined]) {
    assert.deepEqual([flow({ protocol }).interactive, flow({ protocol }).userNetwork], [true, true], String(protocol));
  }
  for (const protocol of ['oauth2-resource-owner', 'oauth2-password', 'oauth2-access-token', 'oauth2-webauthn', 'wstrust-usernamemixed', 'a-protocol-auth0-adds-later']) {
    assert.deepEqual([flow({ protocol }).interactive, flow({ protocol }).userNetwork], [false, true], protocol);
  }
  for (const protocol of ['oauth2-refresh-token', 'oauth2-token-exchange', 'oauth2-resource-owner-jwt-bearer', 'oidc-ciba', 'oidc-ciba-web-link']) {
    assert.deepEqual([flow({ protocol }).interactive, flow({ protocol }).userNetwork], [false, false], protocol);
  }
  // Silent authentication, as the transaction's prompt list or the authorization request's query.
  assert.equal(flow({ protocol: 'oidc-basic-profile', prompt: ['none'] }).interactive, false);
  assert.equal(flow({ protocol: 'oidc-basic-profile' }, { prompt: 'none' }).interactive, false);
  assert.equal(flow({ protocol: 'oidc-basic-profile', prompt: ['login', 'consent'] }).interactive, true);
  assert.equal(flow({ protocol: 'oidc-basic-profile' }, { prompt: 'none' }).userNetwork, true, 'silent auth comes from the user\'s browser');

  // A backend flow's request is not the user's: no IP, place, user agent or Adaptive MFA assessment.
  const req = action.toLoginRequest(event({ request: AWS_US_EAST_1, transaction: REFRESH_TX, riskAssessment: LOW_CONFIDENCE_TRAVEL }));
  assert.deepEqual(Object.keys(req.session), ['methods']);
});

const NON_INTERACTIVE_CASES = [
  ['resource-owner password grant', { protocol: 'oauth2-password' }],
  ['resource-owner password grant with a realm', { protocol: 'oauth2-resource-owner' }],
  ['JWT bearer grant', { protocol: 'oauth2-resource-owner-jwt-bearer' }],
  ['token exchange', { protocol: 'oauth2-token-exchange', subject_token_type: 'urn:acme:legacy-token' }],
  ['CIBA (push)', { protocol: 'oidc-ciba' }],
  ['CIBA (email link)', { protocol: 'oidc-ciba-web-link' }],
  ['native social token exchange', { protocol: 'oauth2-access-token' }],
  ['native passkey grant', { protocol: 'oauth2-webauthn' }],
  ['refresh-token exchange', REFRESH_TX],
  ['silent authentication (transaction.prompt)', { ...BROWSER_TX, prompt: ['none'] }],
];

for (const [name, transaction] of NON_INTERACTIVE_CASES) {
  test(`no prompt nobody can answer: ${name}`, async () => {
    // A step-up (password only) is refused with "sign in again", never a challenge.
    const stepUp = await login(event({ methods: [{ name: 'pwd', timestamp: ago(1) }], transaction }));
    assert.equal(stepUp.decision.outcome, 'stepUp');
    assert.deepEqual(stepUp.api.mfa(), []);
    assert.equal(stepUp.result.applied, 'deny');
    assert.match(stepUp.api.named('access.deny')[0][1], /sign in again/);
    // An enrollment (no factor yet) is refused too, never an enrollment screen.
    const enroll = await login(event({ user: { user_id: 'auth0|nofactor', enrolledFactors: [] }, methods: [{ name: 'pwd', timestamp: ago(1) }], transaction }));
    assert.equal(enroll.decision.outcome, 'enroll');
    assert.deepEqual(enroll.api.mfa(), []);
    assert.match(enroll.api.named('access.deny')[0][1], /sign in again/);
    // Where the session already meets the policy, the decision permits it: allowed, no prompt.
    const calm = await login(event({ methods: pwdAndOtp(2), transaction }));
    assert.equal(calm.decision.outcome, 'allow');
    assert.deepEqual(calm.api.mfa(), []);
    assert.deepEqual(calm.api.named('access.deny'), []);
  });
}

test('silent authentication written in the authorization request (request.query.prompt=none): no challenge', async () => {
  const { api, result } = await login(event({
    methods: [{ name: 'pwd', timestamp: ago(1) }],
    request: { ...OSLO, query: { ...OSLO.query, prompt: 'none', response_mode: 'web_message' } },
    transaction: { ...BROWSER_TX, prompt: undefined },
  }));
  assert.deepEqual(api.mfa(), []);
  assert.equal(result.applied, 'deny');
});

test('a resource-owner password grant is a sign-in from the user\'s side: scored and remembered (a backend\'s token exchange is neither)', async () => {
  const ropg = await login(event({ request: { ...OSLO, method: 'POST', body: { grant_type: 'password' } }, transaction: { protocol: 'oauth2-password' } }));
  assert.equal(typeof ropg.api.metadata.factorgate?.state, 'string');
  const exchange = await login(event({ request: { ...AWS_US_EAST_1, body: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' } }, transaction: { protocol: 'oauth2-token-exchange' } }));
  assert.deepEqual(exchange.api.named('setAppMetadata'), []);
});

const MFA_API = { resource_server: { identifier: 'https://acme.eu.auth0.com/mfa/' } };
const MFA_API_TX = { ...BROWSER_TX, requested_scopes: ['enroll', 'read:authenticators'] };

test(`binding window: an MFA API token with the enroll scope needs a challenge within ${900 / 60} minutes, not "MFA at some point in this SSO session"`, async () => {
  // SSO session: password and OTP three hours ago. The login itself is fine (AAL2 within 24 h)...
  const stale = await login(event({ ...MFA_API, methods: pwdAndOtp(180), transaction: MFA_API_TX }));
  assert.equal(stale.decision.outcome, 'allow');
  assert.equal(stale.decision.enrollmentAllowed, true);
  // ...but adding a factor asks for a fresh challenge with one the user has.
  assert.deepEqual(stale.api.mfa(), [['challengeWithAny', [{ type: 'webauthn-roaming' }, { type: 'otp' }]]]);
  assert.deepEqual(stale.api.named('access.deny'), []);

  // Challenged 5 minutes ago: within the window, nothing more to ask.
  const fresh = await login(event({ ...MFA_API, methods: pwdAndOtp(5), transaction: MFA_API_TX }));
  assert.deepEqual(fresh.api.mfa(), []);
  assert.deepEqual(fresh.api.named('access.deny'), []);

  // 16 minutes ago is outside it.
  const justOutside = await login(event({ ...MFA_API, methods: pwdAndOtp(16), transaction: MFA_API_TX }));
  assert.equal(justOutside.api.mfa().length, 1);

  // Where nobody can answer that challenge (silent authentication), the token is refused.
  const silent = await login(event({ ...MFA_API, methods: pwdAndOtp(180), transaction: { ...MFA_API_TX, prompt: ['none'] } }));
  assert.deepEqual(silent.api.mfa(), []);
  assert.match(silent.api.named('access.deny')[0][1], /adding a factor needs a recent sign-in/);

  // An MFA done with email does not make a session fresh for an account with second factors.
  const byEmail = await login(event({ ...MFA_API, methods: [{ name: 'pwd', timestamp: ago(3) }, { name: 'mfa', type: 'email', timestamp: ago(2) }, { name: 'mfa', type: 'otp', timestamp: ago(180) }], transaction: MFA_API_TX }));
  assert.equal(byEmail.api.mfa().length, 1);
  assert.equal(action.BINDING_WINDOW_S, 900, 'the default policy\'s enrollment.bindingWindowS');
});

test('binding window: an account without factors gets an MFA API enroll token only from a sign-in within the window', async () => {
  const lowApp = { client: { client_id: 'client-wiki', name: 'Wiki', metadata: { factorgate_sensitivity: 'low' } } };
  const stale = await login(event({ ...MFA_API, ...lowApp, user: { user_id: 'auth0|fresh', enrolledFactors: [] }, methods: [{ name: 'pwd', timestamp: ago(180) }], transaction: MFA_API_TX }));
  assert.equal(stale.decision.outcome, 'allow');
  assert.match(stale.api.named('access.deny')[0][1], /sign-in within the last 15 minutes/);
  const fresh = await login(event({ ...MFA_API, ...lowApp, user: { user_id: 'auth0|fresh', enrolledFactors: [] }, methods: [{ name: 'pwd', timestamp: ago(2) }], transaction: MFA_API_TX }));
  assert.deepEqual(fresh.api.named('access.deny'), []);
});

test('binding window: an enrollment during a login challenges an existing factor unless it was used within the window', async () => {
  const carol = (methods) => event({
    user: { user_id: 'auth0|carol', enrolledFactors: [{ type: 'phone', options: { preferredMethod: 'sms' } }] },
    methods,
    transaction: { ...BROWSER_TX, acr_values: ['phr'] },
  });
  // SMS three hours ago in this SSO session: challenge again before the new key is bound.
  const stale = await login(carol([{ name: 'pwd', timestamp: ago(181) }, { name: 'mfa', type: 'phone', timestamp: ago(180) }]));
  assert.equal(stale.decision.outcome, 'enroll');
  assert.deepEqual(stale.api.mfa(), [
    ['challengeWith', { type: 'phone', options: { preferredMethod: 'sms' } }],
    ['enrollWithAny', [{ type: 'webauthn-roaming' }, { type: 'webauthn-platform' }]],
  ]);
  // SMS two minutes ago: within the window, straight to the enrollment.
  const fresh = await login(carol([{ name: 'pwd', timestamp: ago(3) }, { name: 'mfa', type: 'phone', timestamp: ago(2) }]));
  assert.equal(fresh.decision.outcome, 'enroll');
  assert.deepEqual(fresh.api.mfa(), [['enrollWithAny', [{ type: 'webauthn-roaming' }, { type: 'webauthn-platform' }]]]);
});

// A state signed under KEY by a newer engine (format version 5; this engine writes 4): it cannot read it and
// hands it back as it came (docs/contract.md#memory), so the decision's state equals the incoming one.
function newerState(userId) {
  const derive = (label) => crypto.createHmac('sha256', KEY).update(label).digest();
  const user = crypto.createHmac('sha256', derive('factorgate/state/ids/v1')).update('u').update(userId).digest().subarray(0, 8);
  const payload = Buffer.concat([Buffer.from([5]), user]);
  const tag = crypto.createHmac('sha256', derive('factorgate/state/mac/v1')).update(payload).digest();
  return Buffer.concat([payload, tag]).toString('base64url');
}

test('metadata: a decision whose state equals the incoming one makes no setAppMetadata call', async () => {
  const state = newerState('auth0|rollback');
  const { api, decision } = await login(event({ user: { user_id: 'auth0|rollback', app_metadata: { factorgate: { kind: 'employee', state } } } }));
  assert.ok(reasonCodes(decision).includes('stateMissing'), reasonCodes(decision).join());
  assert.equal(decision.state, state);
  assert.deepEqual(api.named('setAppMetadata'), []);
});
