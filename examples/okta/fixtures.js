'use strict';
// Test fixtures shared by the Okta service's tests: System Log events as Okta delivers them to an
// event hook (the event hooks page's sample delivery and the event-type catalog's
// `AuthenticatorEnrollmentResourceDetails` fields), Identity Engine verification targets, a fake
// Okta Management API on loopback, and an authorization server (JWKS + RS256 access tokens) for
// the approvers' tokens.
const crypto = require('node:crypto');
const http = require('node:http');

// ---- System Log events ----

// Where an event came from: `client.geographicalContext` and `securityContext` as Okta writes them.
const PLACES = {
  rotterdam: {
    place: { city: 'Rotterdam', state: 'South Holland', country: 'Netherlands', postalCode: '3011', geolocation: { lat: 51.9225, lon: 4.4792 } },
    network: { asNumber: 1136, asOrg: 'kpn', isp: 'kpn', domain: 'kpn.com', isProxy: false },
  },
  berlin: {
    place: { city: 'Berlin', state: 'Land Berlin', country: 'Germany', postalCode: '10115', geolocation: { lat: 52.52, lon: 13.405 } },
    network: { asNumber: 3320, asOrg: 'deutsche telekom ag', isp: 'Deutsche Telekom AG', domain: 't-ipconnect.de', isProxy: false },
  },
};

let uuidSeq = 0;
function logEvent(eventType, { user = '00ualice', actor = { id: user, type: 'User', alternateId: `${user}@acme.example`, displayName: user }, factor, ip = '198.51.100.23', published, debugData = {}, outcome = 'SUCCESS', uuid, session, from = PLACES.rotterdam } = {}) {
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
      geographicalContext: { ...from.place },
    },
    outcome: { result: outcome, reason: null },
    securityContext: { ...from.network },
    debugContext: { debugData: { requestId: `req${uuidSeq}`, requestUri: '/idp/idx/challenge/answer', ...debugData } },
    authenticationContext: { authenticationProvider: null, credentialProvider: null, credentialType: null, issuer: null, authenticationStep: 0, externalSessionId: session ?? `idx${uuidSeq}`, interface: null },
    transaction: { type: 'WEB', id: `tx${uuidSeq}`, detail: {} },
    target: [
      { id: user, type: 'User', alternateId: `${user}@acme.example`, displayName: user, detailEntry: null },
      ...(factor ? [{ id: factor.id, type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: factor.name, detailEntry: factor.detail ?? null }] : []),
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

// ---- Identity Engine sign-ins: what the verification events say was used ----
// Targets as Identity Engine writes them on `user.authentication.auth_via_mfa` (the event-type
// catalog: "for Identity Engine orgs, this event will fire for both primary and second factor
// verifications"; target schema AuthenticatorEnrollmentResourceDetails: method_type_used,
// method_used_verified_properties, authenticator_transports, backup_eligible, passkey, aaguid) and
// on `user.session.start` (the event hooks page's sample delivery: a Password target).
const PASSWORD = { id: 'lae42mkdc9i9cbw3U1d6', name: 'Password', detail: { methodTypeUsed: 'Password', methodUsedVerifiedProperties: '[USER_PRESENCE]' } };
const PUSH = { id: 'opf3alicePush04x7', name: 'Okta Verify', detail: { methodTypeUsed: 'Get a push notification', methodUsedVerifiedProperties: '[USER_PRESENCE]' } };
const FASTPASS = { id: 'pfdu7dgy1fUuaFlNA357', name: 'Okta Verify', detail: { methodTypeUsed: 'Use Okta FastPass', methodUsedVerifiedProperties: '[DEVICE_BOUND, PHISHING_RESISTANT, HARDWARE_PROTECTED]' } };
const SYNCED_PASSKEY = { id: 'fwf1alicePasskey', name: 'Security Key or Biometric', detail: { method_used_verified_properties: '[USER_VERIFYING, USER_PRESENCE]', authenticator_transports: '["internal", "hybrid"]', backup_eligible: 'true', passkey: 'true', aaguid: '00000000-0000-0000-0000-000000000000' } };
const SECURITY_KEY = { id: 'fwf1aliceYubiKey', name: 'Security Key or Biometric', detail: { method_used_verified_properties: '[USER_VERIFYING, USER_PRESENCE, HARDWARE_PROTECTED]', authenticator_transports: '["usb", "ble", "nfc"]', backup_eligible: 'false', aaguid: 'CB69481E-8FF7-4039-93EC-0A2729A154A8' } };
const WINDOWS_HELLO = { id: 'fwf1aliceHello', name: 'Security Key or Biometric', detail: { method_used_verified_properties: '[USER_VERIFYING, USER_PRESENCE, HARDWARE_PROTECTED]', authenticator_transports: '["internal"]', backup_eligible: 'false', aaguid: '08987058-CADC-4B81-B6E1-30DE50DCBE96' } };
const OKTA_VERIFY_SILENT = { id: 'opf3aliceOv', name: 'Okta Verify', detail: null }; // no method named

/** One Identity Engine sign-in: an `auth_via_mfa` per factor verified, then `user.session.start`. */
function signIn(session, factors, { published = Date.now() - 60_000, ip, user, from, debugData = {} } = {}) {
  const events = factors.map((factor, i) => logEvent('user.authentication.auth_via_mfa', {
    user,
    session,
    factor,
    ip,
    from,
    published: new Date(published + i * 1000).toISOString(),
    debugData: { ...(factor === PASSWORD ? { factor: 'PASSWORD_AS_FACTOR', factorIntent: 'LOGIN' } : { factorIntent: 'LOGIN' }), ...debugData },
  }));
  const start = logEvent('user.session.start', { user, session, ip, from, factor: { id: PASSWORD.id, name: 'Password' }, published: new Date(published + factors.length * 1000).toISOString(), debugData });
  start.legacyEventType = 'core.user_auth.login_success';
  return [...events, start];
}

// ---- privileged actions and recoveries, as the System Log writes them ----
// `system.api_token.create`: the admin who created it is the actor, the token the one target
// (type `Token`, its name as displayName), in the admin console's session (public samples:
// Panther's and Splunk's Okta test events, legacyEventType `api.token.create`).
function apiTokenCreated({ admin = '00uadmin', token = { id: '00T1evilToken', name: 'ci-sync' }, ...rest } = {}) {
  const event = logEvent('system.api_token.create', { user: admin, ...rest, debugData: { requestUri: '/api/internal/tokens', url: '/api/internal/tokens?expand=user', ...rest.debugData } });
  event.legacyEventType = 'api.token.create';
  event.displayMessage = 'Create API token';
  event.target = [{ id: token.id, type: 'Token', alternateId: 'unknown', displayName: token.name, detailEntry: null }];
  return event;
}
// `user.account.privilege.grant`: the granting admin is the actor, the grantee the User target;
// `debugData.privilegeGranted` lists every admin privilege the grantee now has (legacyEventType
// `core.user.admin_privilege.granted`).
function privilegeGranted({ admin = '00uadmin', grantee = '00ubackdoor', privileges = 'Super administrator', ...rest } = {}) {
  const event = logEvent('user.account.privilege.grant', { user: admin, ...rest, debugData: { privilegeGranted: privileges, requestUri: `/api/internal/administrators/${grantee}`, url: `/api/internal/administrators/${grantee}`, ...rest.debugData } });
  event.legacyEventType = 'core.user.admin_privilege.granted';
  event.displayMessage = 'Grant user privilege';
  event.target = [{ id: grantee, type: 'User', alternateId: `${grantee}@acme.example`, displayName: grantee, detailEntry: null }];
  return event;
}
// `app.oauth2.credentials.lifecycle.create` (not event-hook-eligible: read by System Log
// polling): the admin is the actor, the OAuth client an AppInstance target. The catalog does not
// document the credential's own target; here it is a second target with the secret's id (the
// type name is this fixture's assumption).
function oauthCredentialCreated({ admin = '00uadmin', app = { id: '0oa1billingSync', name: 'billing-sync' }, credential = { id: 'ocs1newSecret', type: 'ClientSecret' }, ...rest } = {}) {
  const event = logEvent('app.oauth2.credentials.lifecycle.create', { user: admin, ...rest, debugData: { requestUri: `/api/v1/apps/${app.id}/credentials/secrets`, ...rest.debugData } });
  event.displayMessage = 'Create OAuth client credentials';
  event.target = [
    { id: app.id, type: 'AppInstance', alternateId: app.name, displayName: app.name, detailEntry: null },
    { id: credential.id, type: credential.type, alternateId: 'unknown', displayName: credential.id, detailEntry: null },
  ];
  return event;
}
// `user.account.reset_password`: the user whose password was reset is the User target.
function passwordReset({ user = '00uadmin', ...rest } = {}) {
  const event = logEvent('user.account.reset_password', { user, ...rest });
  event.displayMessage = 'Fired when the user\'s Okta password is reset';
  return event;
}

// ---- a fake Okta Management API on loopback ----

/**
 * Serves `directory` ({ [userId]: { user, factors, roles } }) under the API token
 * `test-api-token`: users, factors, roles, factor and session DELETEs, and System Log pages
 * (`logPages`) with Okta's next links. `rateLimited` holds scripted answers ({ status, headers })
 * for the next calls; every call is appended to `calls`.
 */
async function startFakeOkta({ directory, calls = [], rateLimited = [], logPages = [] }) {
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const scripted = rateLimited.shift();
    if (scripted) return res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers }).end('{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}');
    const url = new URL(req.url, 'http://okta');
    if (url.pathname === '/api/v1/logs') {
      // Polling: every page has a next link (Okta: "a next link relation header is always present").
      const page = Number(url.searchParams.get('after') ?? 0);
      const next = `http://127.0.0.1:${server.address().port}/api/v1/logs?after=${page + 1}&sortOrder=ASCENDING&limit=1000`;
      return res.writeHead(200, { 'content-type': 'application/json', link: `<${req.url}>; rel="self", <${next}>; rel="next"` }).end(JSON.stringify(logPages[page] ?? []));
    }
    // Reverting actions: API tokens revoked, OAuth client credentials deactivated and deleted.
    if (req.headers.authorization === 'SSWS test-api-token' && /^\/api\/v1\/(api-tokens\/[^/]+|apps\/[^/]+\/credentials\/(secrets|jwks)\/[^/]+(\/lifecycle\/deactivate)?)$/.test(url.pathname)) {
      return res.writeHead(req.method === 'DELETE' ? 204 : 200, { 'content-type': 'application/json' }).end(req.method === 'DELETE' ? undefined : '{}');
    }
    const m = url.pathname.match(/^\/api\/v1\/users\/([^/]+)(?:\/(factors|roles|sessions)(?:\/([^/]+))?)?$/);
    const entry = m && directory[decodeURIComponent(m[1])];
    if (req.headers.authorization !== 'SSWS test-api-token' || !entry) {
      res.writeHead(404).end();
    } else if (req.method === 'DELETE') {
      if (m[2] === 'factors') entry.factors = entry.factors.filter((f) => f.id !== m[3]);
      if (m[2] === 'roles') entry.roles = entry.roles.filter((r) => r.id !== m[3]);
      res.writeHead(204).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(m[2] ? entry[m[2]] : entry.user));
    }
    return undefined;
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, calls, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

// ---- an authorization server for access tokens (JWKS + RS256), as an Okta custom authorization server issues them ----

/** Serves `{issuer}/v1/keys`; `sign(claims)` makes an RS256 access token under its key. */
async function startAuthorizationServer({ path = '/oauth2/aus1example', kid = 'hook-key-1' } = {}) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}${path}`;
  const sign = (claims, signingKid = kid) => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'RS256', kid: signingKid, typ: 'JWT' })}.${enc(claims)}`;
    return `${head}.${crypto.sign('RSA-SHA256', Buffer.from(head), privateKey).toString('base64url')}`;
  };
  return { issuer, sign, close: () => new Promise((resolve) => server.close(resolve)) };
}

module.exports = {
  PLACES,
  logEvent,
  delivery,
  signIn,
  apiTokenCreated,
  privilegeGranted,
  oauthCredentialCreated,
  passwordReset,
  startFakeOkta,
  startAuthorizationServer,
  PASSWORD,
  PUSH,
  FASTPASS,
  SYNCED_PASSKEY,
  SECURITY_KEY,
  WINDOWS_HELLO,
  OKTA_VERIFY_SILENT,
};
