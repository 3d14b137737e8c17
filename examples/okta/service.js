'use strict';
// factorgate as an Okta hook service (node:http and sql.js only). Deploy: examples/okta/README.md.
//
//   POST /okta/registration  registration inline hook (Identity Engine profile enrollment):
//                            answered inline, well inside Okta's 3 s, with `commands`
//   GET  /okta/events        event hook endpoint verification (echoes x-okta-verification-challenge)
//   POST /okta/events        event hook deliveries: stored in SQLite (deduplicated by uuid) and
//                            written to disk before the 200, then processed in order of
//                            `published`, also after a crash and restart
//   GET  /approvals          changes held for approval that this approver may act on
//   GET  /approvals/:id      one held change: what it does, every reason, who approves, until when
//   POST /approvals/:id      an approver's consent {"consent": "approve" | "refuse"}, authenticated
//                            by the approver's own access token (not Okta's hook secret):
//                            grantApproval, the grant stored with the change, the change decided
//                            again with it in the queue (applied, or reverted)
//
// Okta reports factor changes only after they happened (`user.mfa.factor.*` event hooks); each
// becomes an assessFactorChange request with `phase: "after"`, where `deny` means "revert it":
// with `remediate` on, the service deletes a factor the decision denies and ends the user's
// sessions and OAuth tokens. Sign-in verifications (`user.authentication.auth_via_mfa`, which
// Identity Engine emits for the password too, and `user.session.start`) are grouped into one
// sign-in per session (`authenticationContext.externalSessionId`) and feed the engine's memory
// through decideLogin with the methods the events show were verified, so that a factor added
// right after a risky sign-in is scored against it. A change the engine sends to `approval` is
// held (live in Okta, as Okta reports it after the fact) until an approver consents, refuses or
// its approval expires: then applied, or reverted like a `deny`. Privileged actions
// (`system.api_token.create`, `user.account.privilege.grant`, and by polling
// `app.oauth2.credentials.lifecycle.create|activate`) become assessAction requests with
// `action.phase: "after"` for the admin who did them, held or reverted the same way.

const crypto = require('node:crypto');
const http = require('node:http');
const { isIP } = require('node:net');
const { compilePolicy, defaultPolicy } = require('factorgate');
const { openDatabase } = require('./db.js');

const EVENT_BODY_LIMIT = 4 << 20; // an event hook batch
const INLINE_BODY_LIMIT = 256 << 10; // a registration request
const CONSENT_BODY_LIMIT = 16 << 10; // an approver's consent
const KINDS = new Set(['employee', 'contractor', 'partner', 'customer', 'service', 'breakGlass']);

// ---- Okta -> contract vocabulary ---------------------------------------------------------------

// Factors API `factorType` -> contract factor type (the user's factor list). A `webauthn` factor
// is listed without saying which kind of authenticator holds it; the service keeps what the
// enrollment event said (`kinds`, below) and falls back to a roaming key only for factors it
// never saw enrolled.
const FACTOR_TYPES = {
  'token:software:totp': 'totp',
  'token:hotp': 'hotp',
  'token:hardware': 'hotp', // YubiKey OTP
  token: 'totp', // RSA SecurID, Symantec VIP
  push: 'push',
  sms: 'sms',
  call: 'voice',
  email: 'email',
  webauthn: 'webauthnRoaming', // "Security Key or Biometric": the API does not say which
  u2f: 'webauthnRoaming',
  signed_nonce: 'webauthnPlatform', // Okta FastPass: device-bound, phishing-resistant
  web: 'push', // Duo
};

// ---- which authenticator a System Log target names --------------------------------------------
//
// Identity Engine names the authenticator of a verification or enrollment as a target of type
// `AuthenticatorEnrollment` whose `detailEntry` carries (event-type catalog,
// `AuthenticatorEnrollmentResourceDetails`; delivered camelCase, catalogued snake_case):
//   methodTypeUsed                "Password", "Use Okta FastPass", "Get a push notification",
//                                 "SMS", "VOICE", "EMAIL", ...
//   methodUsedVerifiedProperties  "[DEVICE_BOUND, PHISHING_RESISTANT, HARDWARE_PROTECTED]", ...
//   authenticatorTransports       ["internal", "hybrid"] (platform) | ["usb", "ble", "nfc"] (key)
//   backupEligible, passkey       true for a synced (exportable) passkey
// and `debugData.factor` an enum (`PASSWORD_AS_FACTOR`, `SOFT_TOKEN`, `SECURITY_QUESTION`).
// A method is counted only as what these fields show it proved; what they do not show is not
// counted (fail closed), never guessed upwards.

const pick = (obj, camel, snake) => (obj && typeof obj === 'object' ? obj[camel] ?? obj[snake] : undefined);
function listOf(v) {
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  if (typeof v !== 'string') return [];
  try {
    const parsed = JSON.parse(v);
    if (Array.isArray(parsed)) return parsed.map((x) => String(x).trim()).filter(Boolean);
  } catch {
    // "[DEVICE_BOUND, PHISHING_RESISTANT]": Java's Set.toString, not JSON
  }
  return v.replace(/^\s*\[|\]\s*$/g, '').split(',').map((x) => x.trim().replace(/^"|"$/g, '')).filter(Boolean);
}
function boolOf(v) {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  return undefined;
}

// methodTypeUsed (lower case) -> contract type; 'fastpass' and 'webauthn' are decided below.
const METHODS_USED = {
  password: 'password',
  'use okta fastpass': 'fastpass',
  signed_nonce: 'fastpass',
  'get a push notification': 'push',
  push: 'push',
  'enter a code': 'totp',
  totp: 'totp',
  otp: 'totp',
  sms: 'sms',
  voice: 'voice',
  email: 'email',
  'security key or biometric': 'webauthn',
  webauthn: 'webauthn',
};
// authenticatorKey -> contract type, where the key alone says it.
const AUTHENTICATOR_KEYS = {
  okta_password: 'password',
  google_otp: 'totp',
  okta_email: 'email',
  webauthn: 'webauthn',
  rsa_token: 'hotp',
  symantec_vip: 'totp',
  yubikey_token: 'hotp',
  custom_otp: 'totp',
  duo: 'push',
};
// Display names that name one kind of method whatever the detail (Okta Verify and Phone do not:
// push, code or FastPass; SMS or voice).
const AUTHENTICATOR_NAMES = [
  [/^password$/i, 'password'],
  [/google authenticator|authenticator app|software token/i, 'totp'],
  [/security key|biometric|webauthn|fido|passkey/i, 'webauthn'],
  [/yubikey|hardware token|on-prem mfa|rsa securid|symantec/i, 'hotp'],
  [/^email$/i, 'email'],
  [/^duo/i, 'push'],
];
// Enrollment events (a factor change) name the authenticator enrolled; where the detail is silent
// the factor is still one of these (its weakest method).
const ENROLLMENT_NAMES = [
  [/okta verify/i, 'push'],
  [/voice|call/i, 'voice'],
  [/phone|sms/i, 'sms'],
];
const FACTOR_ENUM = { PASSWORD_AS_FACTOR: 'password', SOFT_TOKEN: 'totp' };

/**
 * The contract factor type a System Log target proves, or undefined (not counted).
 * @param {object} target a `target[]` entry (not the User)
 * @param {object} [debugData] the event's `debugContext.debugData`
 * @param {{ enrollment?: boolean }} [options] an enrollment event: fall back to the authenticator's weakest method
 */
function methodOfTarget(target, debugData = {}, { enrollment = false } = {}) {
  if (!target || typeof target !== 'object' || target.type === 'User') return undefined;
  const detail = target.detailEntry && typeof target.detailEntry === 'object' ? target.detailEntry : {};
  const debug = debugData && typeof debugData === 'object' ? debugData : {};
  const used = String(pick(detail, 'methodTypeUsed', 'method_type_used') ?? '').trim().toLowerCase();
  const key = String(pick(detail, 'authenticatorKey', 'authenticator_key') ?? '').trim().toLowerCase();
  const name = String(target.displayName ?? '');
  let kind = METHODS_USED[used] ?? AUTHENTICATOR_KEYS[key] ?? FACTOR_ENUM[String(debug.factor ?? '').toUpperCase()];
  if (!kind) for (const [pattern, type] of AUTHENTICATOR_NAMES) if (pattern.test(name)) { kind = type; break; }
  if (!kind && enrollment) for (const [pattern, type] of ENROLLMENT_NAMES) if (pattern.test(name)) { kind = type; break; }
  if (!kind && enrollment && key === 'phone_number') kind = 'sms';
  if (!kind) return undefined;

  const verified = new Set(listOf(pick(detail, 'methodUsedVerifiedProperties', 'method_used_verified_properties')).map((p) => p.toUpperCase()));
  if (kind === 'fastpass') {
    // Okta FastPass: a device-bound key in Okta Verify. Phishing-resistant and hardware-protected
    // only where Okta says this verification was.
    if (verified.has('PHISHING_RESISTANT') && verified.has('HARDWARE_PROTECTED')) return 'webauthnPlatform';
    if (verified.has('PHISHING_RESISTANT')) return 'passkeySynced'; // phishing-resistant, not hardware-bound: AAL2
    return 'push'; // possession of the enrolled device, not phishing-resistant
  }
  if (kind === 'webauthn') {
    // WebAuthn is phishing-resistant by protocol; hardware binding only for a credential Okta
    // says cannot be backed up (or was verified hardware-protected and is not a passkey).
    const transports = listOf(pick(detail, 'authenticatorTransports', 'authenticator_transports') ?? pick(debug, 'authenticatorTransports', 'authenticator_transports')).map((t) => t.toLowerCase());
    const backup = boolOf(pick(detail, 'backupEligible', 'backup_eligible') ?? pick(debug, 'backupEligible', 'backup_eligible'));
    const passkey = boolOf(detail.passkey ?? debug.passkey);
    const bound = backup === false || (backup === undefined && passkey !== true && verified.has('HARDWARE_PROTECTED'));
    if (!bound) return 'passkeySynced';
    if (transports.some((t) => ['usb', 'nfc', 'ble', 'hybrid'].includes(t))) return 'webauthnRoaming';
    if (transports.includes('internal')) return 'webauthnPlatform';
    return 'webauthnRoaming';
  }
  return kind;
}

// System Log country names ("Netherlands") -> ISO 3166 codes, built once from the runtime's ICU.
const COUNTRY_CODES = (() => {
  const map = new Map();
  try {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (name && name !== code) map.set(name.toLowerCase(), code);
      }
    }
  } catch {
    // Without ICU region names, countries stay as Okta names them (still consistent for memory).
  }
  map.set('united states', 'US');
  return map;
})();
const countryCode = (name) => (typeof name === 'string' ? COUNTRY_CODES.get(name.toLowerCase()) ?? name.slice(0, 64) : undefined);

// "{New Device=POSITIVE, New Geo-Location=NEGATIVE}" (debugData.behaviors, Okta behavior detection)
// and "{level=HIGH, reasons=...}" (debugData.risk) -> key/value pairs.
function pairs(text) {
  const out = {};
  if (typeof text !== 'string') return out;
  for (const part of text.replace(/^\{|\}$/g, '').split(/,\s*(?=[^,=]+=)/)) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim();
  }
  return out;
}
const BEHAVIOR_SIGNALS = { 'new device': 'newDevice', 'new country': 'newCountry', 'new geo-location': 'newCountry', velocity: 'impossibleTravel' };

function hostRiskOf(event) {
  const debug = event.debugContext?.debugData ?? {};
  const signals = new Set();
  for (const [name, value] of Object.entries(pairs(debug.behaviors))) {
    if (value === 'POSITIVE' && BEHAVIOR_SIGNALS[name]) signals.add(BEHAVIOR_SIGNALS[name]);
  }
  if (event.securityContext?.isProxy === true) signals.add('anonymousProxy');
  const level = pairs(debug.risk).level?.toLowerCase();
  const hostRisk = {};
  if (['low', 'medium', 'high'].includes(level)) hostRisk.level = level;
  if (signals.size > 0) hostRisk.signals = [...signals];
  return Object.keys(hostRisk).length > 0 ? hostRisk : undefined;
}

// The session a System Log event describes: client address and place, AS number, device.
function sessionOf(event) {
  const client = event.client ?? {};
  const place = client.geographicalContext ?? {};
  const geo = {
    lat: typeof place.geolocation?.lat === 'number' ? place.geolocation.lat : undefined,
    lon: typeof place.geolocation?.lon === 'number' ? place.geolocation.lon : undefined,
    country: countryCode(place.country),
    asn: Number.isInteger(event.securityContext?.asNumber) ? event.securityContext.asNumber : undefined,
  };
  const device = event.device && typeof event.device.id === 'string'
    ? { id: event.device.id, managed: typeof event.device.managed === 'boolean' ? event.device.managed : undefined }
    : undefined;
  const ua = client.userAgent?.rawUserAgent;
  return {
    ip: isIP(client.ipAddress ?? '') ? client.ipAddress : undefined,
    geo: Object.values(geo).some((v) => v !== undefined) ? geo : undefined,
    device,
    userAgent: typeof ua === 'string' ? Buffer.from(ua).subarray(0, 1024).toString().replace(/\uFFFD+$/, '') : undefined,
    hostRisk: hostRiskOf(event),
  };
}


// Several verifications of one sign-in: the strongest host risk, every signal.
function mergeHostRisk(events) {
  const order = ['low', 'medium', 'high'];
  let level;
  const signals = new Set();
  for (const e of events) {
    const r = hostRiskOf(e);
    if (r?.level && (!level || order.indexOf(r.level) > order.indexOf(level))) level = r.level;
    for (const s of r?.signals ?? []) signals.add(s);
  }
  const out = {};
  if (level) out.level = level;
  if (signals.size > 0) out.signals = [...signals];
  return Object.keys(out).length > 0 ? out : undefined;
}

// ---- Okta API (optional): the user's profile, roles and factors, and remediation -----------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long to wait before retrying a 429: `Retry-After` (seconds or an HTTP date), else
 * `X-Rate-Limit-Reset` (UTC epoch seconds, Okta's rate-limit header), else exponential backoff.
 */
// A remediation step that records what it did, or why it failed, in `done` (the log of a revert).
function recorder(done) {
  return async (what, fn) => {
    try {
      await fn();
      done.push(what);
    } catch (e) {
      done.push(`${what} failed: ${e.message}`);
    }
  };
}

function retryDelayMs(res, attempt, now = Date.now()) {
  const after = res.headers.get('retry-after');
  if (after !== null && after.trim() !== '') {
    if (/^\d+$/.test(after.trim())) return Number(after) * 1000;
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = res.headers.get('x-rate-limit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now) + 250; // + clock skew
  return Math.min(1000 * 2 ** attempt, 30_000);
}

/**
 * A minimal Okta Management API client (API token, `Authorization: SSWS …`). A 429 (or 503) is
 * retried after the time Okta names, up to `maxRetries` times and `maxWaitMs` in all; then the
 * call fails (the caller records what it could not learn).
 */
function createOktaClient({ orgUrl, token, timeoutMs = 2500, maxRetries = 4, maxWaitMs = 60_000, onRateLimit } = {}) {
  const base = orgUrl.replace(/\/+$/, '');
  async function call(method, path) {
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `SSWS ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if ((res.status === 429 || res.status === 503) && attempt < maxRetries) {
        const delay = retryDelayMs(res, attempt);
        await res.arrayBuffer().catch(() => null);
        if (waited + delay <= maxWaitMs) {
          onRateLimit?.({ method, path, status: res.status, delayMs: delay, attempt });
          waited += delay;
          await sleep(delay);
          continue;
        }
      }
      if (!res.ok) throw Object.assign(new Error(`Okta ${method} ${path}: HTTP ${res.status}`), { status: res.status });
      return res.status === 204 ? null : res.json();
    }
  }
  const id = encodeURIComponent;
  // System Log polling (`sortOrder=ASCENDING`, no `until`): every page has a `next` link, also
  // when empty; follow it, never build `after` yourself.
  async function logs(next, { since, filter } = {}) {
    const url = next ?? `${base}/api/v1/logs?${new URLSearchParams({ sortOrder: 'ASCENDING', limit: '1000', ...(since ? { since } : {}), ...(filter ? { filter } : {}) })}`;
    if (!url.startsWith(`${base}/`)) throw new Error('System Log next link outside the org');
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, { headers: { authorization: `SSWS ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs * 4) });
      if (res.status === 429 && attempt < maxRetries) {
        const delay = retryDelayMs(res, attempt);
        await res.arrayBuffer().catch(() => null);
        onRateLimit?.({ method: 'GET', path: '/api/v1/logs', status: 429, delayMs: delay, attempt });
        await sleep(Math.min(delay, maxWaitMs));
        continue;
      }
      if (!res.ok) throw new Error(`Okta GET /api/v1/logs: HTTP ${res.status}`);
      const link = (res.headers.get('link') ?? '').split(',').map((l) => l.match(/<([^>]+)>;\s*rel="next"/)).find(Boolean);
      return { events: await res.json(), next: link ? link[1] : url };
    }
  }
  return {
    logs,
    user: (userId) => call('GET', `/api/v1/users/${id(userId)}`),
    factors: (userId) => call('GET', `/api/v1/users/${id(userId)}/factors`),
    roles: (userId) => call('GET', `/api/v1/users/${id(userId)}/roles`),
    deleteFactor: (userId, factorId) => call('DELETE', `/api/v1/users/${id(userId)}/factors/${id(factorId)}`),
    // Reverting a privileged action: revoke an API token, unassign a role assignment, deactivate
    // and delete an OAuth client's secret or JSON Web Key.
    revokeApiToken: (tokenId) => call('DELETE', `/api/v1/api-tokens/${id(tokenId)}`),
    unassignRole: (userId, assignmentId) => call('DELETE', `/api/v1/users/${id(userId)}/roles/${id(assignmentId)}`),
    deactivateAppCredential: (appId, kind, credentialId) => call('POST', `/api/v1/apps/${id(appId)}/credentials/${kind}/${id(credentialId)}/lifecycle/deactivate`),
    deleteAppCredential: (appId, kind, credentialId) => call('DELETE', `/api/v1/apps/${id(appId)}/credentials/${kind}/${id(credentialId)}`),
    // All of the user's sessions, and (oauthTokens=true) the access and refresh tokens issued in
    // them; forgetDevices=true also forgets the devices Okta remembers for the user.
    clearSessions: (userId, { forgetDevices = false } = {}) =>
      call('DELETE', `/api/v1/users/${id(userId)}/sessions?oauthTokens=true${forgetDevices ? '&forgetDevices=true' : ''}`),
  };
}

// ---- OAuth 2.0 hook authentication (inline hooks only) -------------------------------------------

const b64url = (text) => Buffer.from(text, 'base64url');

/**
 * Verifies an RS256 access token issued by an authorization server (an Okta custom authorization
 * server): signature against the server's JWKS, `iss`, `aud`, `exp`/`nbf` (60 s skew) and, when
 * configured, a scope. Used for the access token an OAuth 2.0 inline hook sends (`Authorization:
 * Bearer <JWT>`; Okta event hooks cannot use OAuth: they authenticate with the static header
 * only) and for approvers' tokens (`/approvals`). `verify(token)` resolves to true or false,
 * `verify.claims(token)` to the verified claims or null.
 * @param {{ issuer: string, audience: string, scope?: string, jwksUri?: string }} options
 */
function createJwtVerifier({ issuer, audience, scope, jwksUri }) {
  if (!issuer || !audience) throw new Error('OAuth hook authentication needs an issuer and an audience');
  const keysUrl = jwksUri ?? `${issuer.replace(/\/+$/, '')}/v1/keys`;
  let keys = new Map();
  let fetchedAt = 0;
  async function refresh() {
    if (Date.now() - fetchedAt < 30_000) return; // an unknown kid refetches at most every 30 s
    fetchedAt = Date.now();
    const res = await fetch(keysUrl, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`JWKS ${res.status}`);
    const { keys: list } = await res.json();
    keys = new Map((list ?? []).filter((k) => k.kty === 'RSA' && k.kid).map((k) => [k.kid, crypto.createPublicKey({ key: k, format: 'jwk' })]));
  }
  async function claimsOf(token) {
    const parts = String(token).split('.');
    if (parts.length !== 3) return null;
    let header;
    let claims;
    try {
      header = JSON.parse(b64url(parts[0]).toString('utf8'));
      claims = JSON.parse(b64url(parts[1]).toString('utf8'));
    } catch {
      return null;
    }
    if (header.alg !== 'RS256' || typeof header.kid !== 'string' || !claims || typeof claims !== 'object') return null;
    if (!keys.has(header.kid)) await refresh().catch(() => null);
    const key = keys.get(header.kid);
    if (!key) return null;
    const signed = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, b64url(parts[2]));
    if (!signed) return null;
    const now = Date.now() / 1000;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const scopes = Array.isArray(claims.scp) ? claims.scp : String(claims.scope ?? '').split(' ');
    const ok = claims.iss === issuer && aud.includes(audience) && typeof claims.exp === 'number' && claims.exp > now - 60 && !(claims.nbf > now + 60) && (!scope || scopes.includes(scope));
    return ok ? claims : null;
  }
  const verify = async (token) => (await claimsOf(token)) !== null;
  verify.claims = claimsOf;
  return verify;
}

// ---- the service --------------------------------------------------------------------------------

const MIN_SECRET_LENGTH = 16;

/**
 * @param {object} options
 * @param {object} [options.policy] policy document (default: the embedded default policy)
 * @param {string} [options.stateKey] key for the engine's signed memory (FACTORGATE_STATE_KEY)
 * @param {string} [options.secret] value Okta sends in the Authorization header (OKTA_HOOK_SECRET);
 *   required for event hooks. Without it and without `oauth` the service refuses to start.
 * @param {{ issuer: string, audience: string, scope?: string, jwksUri?: string }} [options.oauth]
 *   OAuth 2.0 inline hook authentication (the registration hook only)
 * @param {string} [options.dataFile] SQLite file for the queue and memory (FACTORGATE_DATA_FILE);
 *   without it they live in memory and acknowledged events are lost on a crash
 * @param {number} [options.signInSettleMs] how long after the last verification of a session its
 *   sign-in is decided (default 60 s; earlier when a later event of the user needs it)
 * @param {{ intervalMs?: number, sinceMs?: number, filter?: string }} [options.pollSystemLog] read
 *   sign-ins from the System Log API instead of (or besides) event hooks (FACTORGATE_POLL_SYSTEM_LOG_MS)
 * @param {object} [options.okta] createOktaClient(...) or a fake with the same methods; without it
 *   the user is known only from the event
 * @param {boolean} [options.remediate] act on `deny` decisions (needs options.okta)
 * @param {boolean} [options.forgetDevices] remediation also forgets the user's remembered devices
 * @param {object} [options.store] per-user memory (async get/set; default: the SQLite database)
 * @param {(record: object) => void} [options.onDecision] every decision with its alerts
 * @param {object} [options.actorKinds] actor id -> 'helpdesk' | 'msp' | 'automation' (default:
 *   another user is 'admin', an app or Okta itself is 'automation')
 * @param {string} [options.registrationKind] user kind of self-registered users (default customer)
 * @param {string} [options.profileRiskAttribute] Okta profile attribute that receives the
 *   registration risk level (must exist in the profile schema)
 * @param {{ issuer: string, audience: string, scope?: string, jwksUri?: string, groups?: object, groupsClaim?: string }} [options.approvers]
 *   the approval endpoint (`/approvals`): approvers present an access token of this authorization
 *   server (RS256; the Okta user id in `uid`); `groups` maps the groups in its `groupsClaim`
 *   (default `groups`) to approver kinds (`{ "FactorGate SOC": "soc", "Managers": "manager" }`).
 *   Needs `stateKey` (grants are signed under it). Without it changes held for approval are
 *   kept and expire, but no one can approve them here.
 * @param {() => number} [options.clock] the time in ms for approvals (default Date.now)
 */
function createService(options = {}) {
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret.length < MIN_SECRET_LENGTH)) {
    throw new Error(`factorgate okta: the hook secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (!options.secret && !options.oauth) {
    throw new Error('factorgate okta: refusing to start without hook authentication: set OKTA_HOOK_SECRET (the Authorization header value configured on the hooks) or OAuth hook settings');
  }
  const verifyJwt = options.oauth ? createJwtVerifier(options.oauth) : null;
  if (!options.secret) console.error('factorgate okta: no OKTA_HOOK_SECRET: event hooks (header authentication only) are refused; only the OAuth registration hook is served');
  if (options.approvers && !options.stateKey) throw new Error('factorgate okta: the approval endpoint needs FACTORGATE_STATE_KEY (grants are signed under it)');
  const approverJwt = options.approvers ? createJwtVerifier(options.approvers) : null;
  const clock = options.clock ?? Date.now;
  const engine = compilePolicy(options.policy ?? defaultPolicy(), options.stateKey ? { stateKey: options.stateKey } : {});
  if (engine.type !== 'engine') throw new Error(`factorgate policy: ${JSON.stringify(engine.errors)}`);
  const okta = options.okta ?? null;
  const budgetMs = options.budgetMs ?? 3000;
  const settleMs = options.signInSettleMs ?? 60_000;
  const decisions = []; // the last 1000, for inspection
  const onDecision = options.onDecision ?? ((r) => console.log(JSON.stringify({ factorgate: r.kind, uuid: r.uuid, uuids: r.uuids, user: r.userId, outcome: r.decision?.outcome, reasons: r.decision?.reasons?.map((x) => x.code), methods: r.methods, approval: r.approvalId ?? r.approval?.id, status: r.status ?? r.approval?.status, approver: r.approver, alerts: r.decision?.alerts })));
  const stats = { deliveries: 0, events: 0, duplicates: 0, processed: 0, signIns: 0, skipped: 0, failures: 0, approvals: { held: 0, granted: 0, applied: 0, reverted: 0, expired: 0 } };
  let db = null;
  let opening = null;
  let store = options.store ?? null;
  let running = null;
  let again = false;
  let timer = null;
  let closed = false;

  function open() {
    opening ??= openDatabase({ file: options.dataFile }).then((d) => {
      db = d;
      store ??= { get: async (id) => d.getUser(id), set: async (id, record) => { d.setUser(id, record); } };
      return d;
    });
    return opening;
  }

  function record(entry) {
    decisions.push(entry);
    if (decisions.length > 1000) decisions.shift();
    try {
      onDecision(entry);
    } catch (e) {
      console.error(`factorgate: onDecision failed: ${e.message}`);
    }
  }

  function decide(entry, request) {
    const call = entry === 'login' ? engine.decideLogin(request) : entry === 'action' ? engine.assessAction(request) : engine.assessFactorChange(request);
    if (call.type === 'decision') return { decision: call };
    // The engine refused the request (shape, caps): the policy's fail mode answers.
    return { decision: engine.failMode(entry, request), errors: call.errors };
  }

  // ---- registration inline hook ----

  function registration(body) {
    const data = body?.data ?? {};
    const profile = data.userProfile ?? data.context?.user?.profile ?? {};
    const userId = data.context?.user?.id ?? `registration:${profile.login ?? profile.email ?? 'unknown'}`;
    const ip = data.context?.request?.ipAddress;
    const request = {
      user: {
        id: String(userId).slice(0, 200),
        kind: KINDS.has(options.registrationKind) ? options.registrationKind : 'customer',
        createdAt: new Date().toISOString(),
        factors: [],
      },
      session: { ip: isIP(ip ?? '') ? ip : undefined },
      app: { id: 'okta-registration' },
    };
    const { decision, errors } = decide('login', request);
    // A registration needs no step-up; only what the policy forbids outright (a deny-listed
    // network, critical risk, a risky sign-up without factors) is refused.
    const allow = decision.outcome !== 'deny';
    const commands = [{ type: 'com.okta.action.update', value: { registration: allow ? 'ALLOW' : 'DENY' } }];
    if (allow && options.profileRiskAttribute && body?.requestType !== 'progressive.profile') {
      commands.unshift({ type: 'com.okta.user.profile.update', value: { [options.profileRiskAttribute]: decision.risk.level } });
    }
    const response = {
      commands,
      debugContext: {
        factorgate: `${decision.outcome} risk ${decision.risk.score} ${decision.reasons.map((r) => r.code).join(',')}`.slice(0, 1000),
      },
    };
    if (!allow) {
      response.error = {
        errorSummary: 'Registration is not available. Contact support if this persists.',
        errorCauses: [{ errorSummary: 'Registration refused by policy.', reason: 'FACTORGATE_DENY', locationType: 'body', location: 'data.userProfile', domain: 'end-user' }],
      };
    }
    record({ kind: 'registration', uuid: body?.eventId, userId: request.user.id, decision, errors });
    return response;
  }

  // ---- event hooks ----

  async function userOf(userId, event) {
    const known = (await store.get(userId)) ?? {};
    const kinds = known.kinds ?? {};
    const user = { id: userId, factors: known.factors ?? [] };
    if (known.recoveredAt) user.recoveredAt = known.recoveredAt; // the last password reset Okta reported
    let profile = null; // the Okta profile (managerId: who approves as the user's manager)
    let current = null; // the factors Okta lists now (after the change)
    const unknown = []; // what the Okta API could not tell (after its retries)
    if (okta) {
      const look = (what, fn) => fn().catch((e) => {
        unknown.push(`${what}: ${e.message}`);
        return null;
      });
      const [u, factors, roles] = await Promise.all([
        look('user', () => okta.user(userId)),
        look('factors', () => okta.factors(userId)),
        look('roles', () => okta.roles(userId)),
      ]);
      if (u) {
        profile = u.profile ?? null;
        const kind = String(u.profile?.userType ?? '').toLowerCase();
        user.kind = KINDS.has(kind) ? kind : undefined;
        user.createdAt = u.created ?? undefined;
        user.lastLoginAt = u.lastLogin ?? undefined;
        user.passwordChangedAt = u.passwordChanged ?? undefined;
      }
      if (Array.isArray(roles)) user.roles = roles.map((r) => String(r.type ?? r.label ?? '').toLowerCase()).filter(Boolean).slice(0, 64);
      if (Array.isArray(factors)) {
        current = factors
          .filter((f) => f.status === 'ACTIVE' && FACTOR_TYPES[f.factorType])
          .map((f) => ({ id: f.id, type: kinds[f.id] ?? FACTOR_TYPES[f.factorType], enrolledAt: f.created ?? undefined }))
          .slice(0, 32);
      }
    }
    const actor = event.actor ?? {};
    return { user, profile, current, known, unknown, actorKind: actorKindOf(actor, userId) };
  }

  function actorKindOf(actor, userId) {
    if (actor.id === userId) return 'self';
    if (options.actorKinds?.[actor.id]) return options.actorKinds[actor.id];
    return actor.type === 'User' ? 'admin' : 'automation';
  }

  const CHANGE_ACTIONS = {
    'user.mfa.factor.activate': 'enroll',
    'user.mfa.factor.deactivate': 'remove',
    'user.mfa.factor.reset_all': 'resetAll',
    'user.mfa.factor.update': 'phoneChange', // only for phone factors, below
  };
  const SIGN_INS = new Set(['user.authentication.auth_via_mfa', 'user.session.start']);

  // What a sign-in's session proved, by Okta session id, for the privileged actions made in it
  // later (the admin console's events carry the same `externalSessionId`): the last 8 sessions.
  function sessionsWith(sessions, sid, methods, at) {
    if (typeof sid !== 'string' || sid === '' || sid.length > 200) return sessions;
    const kept = Object.entries(sessions ?? {}).filter(([k]) => k !== sid).slice(-7);
    return Object.fromEntries([...kept, [sid, { methods, at }]]);
  }

  const userIdOf = (event) => (event.target ?? []).find((t) => t?.type === 'User')?.id ?? (event.actor?.type === 'User' ? event.actor.id : undefined);
  // One sign-in: the session (Identity Engine's idx… id), else the transaction, else the event.
  const groupKeyOf = (event, userId) => `${userId}|${event.authenticationContext?.externalSessionId ?? (event.transaction?.id ? `tx:${event.transaction.id}` : `uuid:${event.uuid}`)}`;

  // All verifications of one session -> one decideLogin for the engine's memory, with the methods
  // the events show were verified (none by default: a password-only sign-in is AAL1).
  async function processSignIn(key, events) {
    const last = events.at(-1);
    const userId = userIdOf(last);
    const { user, current, known, unknown } = await userOf(userId, last);
    const methods = new Map(); // type -> latest `at`
    const unrecognised = [];
    for (const event of events) {
      for (const target of event.target ?? []) {
        if (!target || target.type === 'User' || target.type === 'AppInstance') continue;
        const type = methodOfTarget(target, event.debugContext?.debugData);
        if (type) methods.set(type, event.published);
        else unrecognised.push(target.displayName ?? target.type);
      }
    }
    const start = events.findLast((e) => e.eventType === 'user.session.start') ?? last;
    const session = { ...sessionOf(start), hostRisk: mergeHostRisk(events), methods: [...methods].map(([type, at]) => ({ type, at })) };
    const request = { now: last.published, user: { ...user, factors: current ?? user.factors }, session, state: known.state };
    const { decision, errors } = decide('login', request);
    const sid = last.authenticationContext?.externalSessionId;
    const next = decision.state ? { ...known, state: decision.state, factors: current ?? known.factors, sessions: sessionsWith(known.sessions, sid, session.methods, last.published) } : null;
    return {
      entry: { kind: 'signIn', uuid: events[0].uuid, uuids: events.map((e) => e.uuid), eventTypes: events.map((e) => e.eventType), sessionId: last.authenticationContext?.externalSessionId, userId, methods: session.methods.map((m) => m.type), unrecognised, request, decision, errors, ...(unknown.length ? { unknown } : {}) },
      save: next && (() => store.set(userId, next)),
    };
  }

  async function processChange(event) {
    const userId = userIdOf(event);
    const base = { uuid: event.uuid, eventType: event.eventType, userId };
    let action = CHANGE_ACTIONS[event.eventType];
    if (!action) return { entry: { ...base, kind: 'skipped', why: 'event type not assessed' } };
    const { user, current, known, unknown, actorKind } = await userOf(userId, event);
    const session = sessionOf(event);
    const factorTarget = (event.target ?? []).find((t) => t?.type !== 'User');
    const factorType = methodOfTarget(factorTarget, event.debugContext?.debugData, { enrollment: true });
    if (action === 'phoneChange' && !['sms', 'voice'].includes(factorType)) return { entry: { ...base, kind: 'skipped', why: 'factor update other than a phone' } };
    const factor = factorType && factorType !== 'password' ? { id: factorTarget?.id, type: factorType } : undefined;

    // The engine wants the factors as they were before the change; Okta lists them after it.
    let before = current ?? user.factors;
    if (current) {
      if (action === 'enroll') before = current.filter((f) => f.id !== factor?.id);
      if (action === 'remove' && factor && !current.some((f) => f.id === factor.id)) before = [...current, factor];
      if (action === 'resetAll') before = known.factors ?? []; // Okta lists none any more
    }
    const request = {
      now: event.published,
      user: { ...user, factors: before.slice(0, 32) },
      session,
      change: {
        action,
        factor: action === 'resetAll' ? undefined : factor,
        actor: { kind: actorKind, id: event.actor?.id },
        phase: 'after',
      },
      state: known.state,
    };
    let { decision, errors } = decide('factorChange', request);
    let approval; // a change held for approval: its id, status, approvers and expiry
    if (decision.outcome === 'approval' && decision.approval?.id) {
      const held = db.getApproval(decision.approval.id);
      if (held?.grant) {
        // The same change reported again, with the grant an approver gave it on file: it is tried,
        // and the engine says whether it holds (a grant approves one change once: approvalReused;
        // an expired or altered one: approvalInvalid).
        ({ decision, errors } = decide('factorChange', { ...request, change: { ...request.change, approval: held.grant } }));
      }
      if (decision.outcome === 'approval') {
        approval = hold(held, event, request, decision, held?.grant ? graceOf(decision) : undefined);
      } else if (held) {
        const status = decision.outcome === 'deny' ? 'reverted' : 'applied';
        update(held, status, { decision: shownOf(decision), note: 'reported again: the grant on file held' });
        approval = { id: held.id, status };
      }
    }
    const kinds = { ...(known.kinds ?? {}) };
    if (action === 'enroll' && factor?.id) kinds[factor.id] = factor.type; // what the enrollment said the authenticator is
    const after = current ? current.map((f) => ({ ...f, type: kinds[f.id] ?? f.type })) : applyChange(before, action, factor);
    const remediation = await remediate(userId, action, factor, decision);
    // The change's state too: it remembers a recovery and the grants used (a grant works once).
    const state = decision.state ?? known.state;
    return {
      entry: { ...base, kind: 'factorChange', action, request, decision, errors, remediation, ...(approval ? { approval } : {}), ...(unknown.length ? { unknown } : {}) },
      save: () => store.set(userId, { ...known, kinds, factors: after, ...(state ? { state } : {}) }),
    };
  }

  // ---- privileged actions, after the fact (docs/contract.md#actions) ----
  //
  // Okta reports an API token created, an admin role granted or an OAuth client credential added
  // after it happened. Each is an assessAction request with `phase: "after"` for the user who did
  // it (the event's actor, whose memory holds the factor changes, the recovery and the risky
  // sign-ins before it), in the session it was done in (the methods that session's sign-in
  // verified, when the service saw it). `deny` means "revert it"; `approval` holds it for the SOC
  // like a held factor change, reverted when refused or expired.
  const ACTION_EVENTS = {
    'system.api_token.create': 'apiTokenCreate',
    'user.account.privilege.grant': 'roleGrant',
    // Not event-hook-eligible (event-type catalog): these arrive by System Log polling.
    'app.oauth2.credentials.lifecycle.create': 'credentialAdd',
    'app.oauth2.credentials.lifecycle.activate': 'credentialAdd',
  };
  const RECOVERIES = new Set(['user.account.reset_password']);
  // The user a privileged action is assessed for: the one who did it.
  const actorOf = (event) => (event.actor?.type === 'User' && typeof event.actor.id === 'string' ? event.actor.id : undefined);
  const subjectOf = (event) => (ACTION_EVENTS[event.eventType] ? actorOf(event) : userIdOf(event));

  /** What the action acted on ({ kind, id }) and how to undo it. */
  function actionTargetOf(event, type) {
    const targets = (event.target ?? []).filter((t) => t && typeof t === 'object');
    if (type === 'apiTokenCreate') {
      const token = targets.find((t) => t.type === 'Token');
      return { target: { kind: 'apiToken', id: token?.id }, name: token?.displayName, undo: token?.id ? { kind: 'apiToken', id: token.id } : undefined };
    }
    if (type === 'roleGrant') {
      // `privilegeGranted` lists every admin privilege the grantee now has ("Super administrator,
      // Read-only administrator"), not the new one, and the event names no role assignment: the
      // assignments made at the event's time are the grant.
      const grantee = targets.find((t) => t.type === 'User');
      const privileges = String(event.debugContext?.debugData?.privilegeGranted ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      return { target: { kind: 'user', id: grantee?.id }, privileges, undo: grantee?.id ? { kind: 'roleGrant', userId: grantee.id, at: event.published } : undefined };
    }
    // credentialAdd: the OAuth client (an AppInstance) and the credential added to it (a client
    // secret or a JSON Web Key; the catalog does not document the target's type).
    const app = targets.find((t) => t.type === 'AppInstance');
    const credential = targets.find((t) => t.type !== 'AppInstance' && t.type !== 'User' && typeof t.id === 'string');
    const kind = /jwk|key/i.test(String(credential?.type ?? '')) ? 'jwks' : 'secrets';
    return { target: { kind: 'oauthClient', id: app?.id }, name: app?.displayName, undo: app?.id && credential ? { kind: 'appCredential', appId: app.id, credential: kind, id: credential.id } : undefined };
  }

  async function processAction(event) {
    const type = ACTION_EVENTS[event.eventType];
    const userId = actorOf(event);
    const base = { uuid: event.uuid, eventType: event.eventType, userId };
    const { target, undo, ...about } = actionTargetOf(event, type);
    const { user, current, known, unknown } = await userOf(userId, event);
    const sid = event.authenticationContext?.externalSessionId;
    const signedIn = typeof sid === 'string' ? known.sessions?.[sid] : undefined;
    const session = { ...sessionOf(event), methods: signedIn?.methods ?? [] };
    const request = {
      now: event.published,
      user: { ...user, factors: (current ?? user.factors).slice(0, 32) },
      session,
      action: { type, target: Object.fromEntries(Object.entries(target).filter(([, v]) => v !== undefined)), phase: 'after' },
      state: known.state,
    };
    let { decision, errors } = decide('action', request);
    let approval;
    if (decision.outcome === 'approval' && decision.approval?.id) {
      const held = db.getApproval(decision.approval.id);
      if (held?.grant) ({ decision, errors } = decide('action', { ...request, action: { ...request.action, approval: held.grant } }));
      if (decision.outcome === 'approval') {
        approval = hold(held, event, request, decision, held?.grant ? graceOf(decision) : undefined, undo);
      } else if (held) {
        const status = decision.outcome === 'deny' ? 'reverted' : 'applied';
        update(held, status, { decision: shownOf(decision), note: 'reported again: the grant on file held' });
        approval = { id: held.id, status };
      }
    }
    const remediation = decision.outcome === 'deny' ? await undoAction(userId, undo) : [];
    // An action records only a used grant; the state otherwise comes back as it came.
    const state = decision.state ?? known.state;
    return {
      entry: { ...base, kind: 'action', action: type, target, ...about, sessionProof: signedIn ? sid : undefined, request, decision, errors, remediation, ...(approval ? { approval } : {}), ...(unknown.length ? { unknown } : {}) },
      save: () => store.set(userId, { ...known, ...(state ? { state } : {}) }),
    };
  }

  // A password reset (an admin's or the user's self-service recovery): remembered as the user's
  // `recoveredAt`, so the actions and changes that follow are judged against it (recentRecovery).
  async function processRecovery(event) {
    const userId = userIdOf(event);
    const known = (await store.get(userId)) ?? {};
    return {
      entry: { uuid: event.uuid, eventType: event.eventType, userId, kind: 'recovery', recoveredAt: event.published, actor: { kind: actorKindOf(event.actor ?? {}, userId), id: event.actor?.id } },
      save: () => store.set(userId, { ...known, recoveredAt: event.published }),
    };
  }

  // `deny` (or a refused or expired approval) after the fact: undo the action, and end the
  // sessions and OAuth tokens of the user who did it.
  async function undoAction(userId, undo) {
    if (!options.remediate || !okta) return [];
    const done = [];
    const attempt = recorder(done);
    if (undo?.kind === 'apiToken') await attempt(`revokeApiToken ${undo.id}`, () => okta.revokeApiToken(undo.id));
    if (undo?.kind === 'appCredential') {
      await attempt(`deactivateAppCredential ${undo.appId} ${undo.credential} ${undo.id}`, () => okta.deactivateAppCredential(undo.appId, undo.credential, undo.id));
      await attempt(`deleteAppCredential ${undo.appId} ${undo.credential} ${undo.id}`, () => okta.deleteAppCredential(undo.appId, undo.credential, undo.id));
    }
    if (undo?.kind === 'roleGrant') {
      // The grantee's direct role assignments created within a minute of the grant (group-derived
      // ones are the group's; an older assignment was not this grant).
      const at = Date.parse(undo.at);
      let roles = null;
      await attempt(`roles ${undo.userId}`, async () => { roles = await okta.roles(undo.userId); });
      const made = (Array.isArray(roles) ? roles : []).filter((r) => r?.id && (r.assignmentType ?? 'USER') === 'USER' && Math.abs(Date.parse(r.created) - at) <= 60_000);
      if (Array.isArray(roles) && made.length === 0) done.push(`no role assignment of ${undo.userId} created at the grant: not reverted`);
      for (const r of made) await attempt(`unassignRole ${undo.userId} ${r.id}`, () => okta.unassignRole(undo.userId, r.id));
    }
    if (!undo) done.push('the event names nothing to undo');
    await attempt('clearSessions+oauthTokens', () => okta.clearSessions(userId, { forgetDevices: options.forgetDevices === true }));
    return done;
  }

  // ---- approvals: a change held until an approver consents (docs/contract.md#approvals) ----
  //
  // Okta reports a factor change after it happened, so a change the engine sends to `approval`
  // is live while it waits: it is kept (`approvals` table) with who may approve it and until
  // when. An approver's consent (POST /approvals/:id) becomes a grant (engine.grantApproval),
  // stored with the change; the change is then decided again with the grant (`change.approval`)
  // in the queue, after whatever of the user's happened before the consent: `allow` keeps it
  // (applied), `deny` reverts it, and a grant that no longer holds (a risk that appeared since,
  // reuse) leaves it waiting for a new consent. Refused or expired: reverted.

  const iso = (ms) => new Date(ms).toISOString();
  const tagged = (code, message, path = '') => ({ type: 'error', errors: [{ code, message, path }] });
  // What an approver is shown and weighs (never the grant).
  const shownOf = (d) => ({ outcome: d.outcome, risk: d.risk, reasons: d.reasons, exposure: d.exposure, ...(d.approval ? { approval: d.approval } : {}), ...(d.requirement ? { requirement: d.requirement } : {}) });
  // The change as kept: no memory (the user's current state is used each time) and no grant.
  function keptRequest(request) {
    const { state: _state, ...rest } = request;
    const what = rest.action ? 'action' : 'change';
    const { approval: _grant, ...kept } = rest[what];
    return { ...rest, [what]: kept };
  }
  // A held change or a held privileged action: which entry decides it, and how it is undone.
  const entryOf = (held) => (held.request.action ? 'action' : 'factorChange');
  const revertHeld = (held) => (held.request.action ? undoAction(held.userId, held.undo) : revert(held.userId, held.request.change.action, held.request.change.factor));
  const withGrant = (held, grant) => (held.request.action ? { action: { ...held.request.action, approval: grant } } : { change: { ...held.request.change, approval: grant } });
  // Why a grant did not hold, in the engine's words.
  const graceOf = (d) => d.reasons.find((r) => r.code === 'approvalInvalid' || r.code === 'approvalReused')?.detail;
  // What the Okta API says of the user now (not the factors: the change is judged on those before it).
  const refreshed = (user) => Object.fromEntries(['kind', 'createdAt', 'lastLoginAt', 'passwordChangedAt', 'recoveredAt', 'roles'].filter((k) => user[k] !== undefined).map((k) => [k, user[k]]));

  function update(held, status, { note, ...fields } = {}) {
    const next = { ...held, ...fields, status, history: [...(held.history ?? []), { at: iso(clock()), status, ...(note ? { note } : {}) }].slice(-20) };
    db.setApproval(next);
    if (['applied', 'reverted', 'expired'].includes(status)) stats.approvals[status] += 1;
    return next;
  }

  /** Keeps a change the engine sent to `approval` (a new round, or the same one still waiting). */
  function hold(previous, event, request, decision, note, undo = previous?.undo) {
    const waiting = previous && ['pending', 'granted'].includes(previous.status);
    const kept = {
      id: decision.approval.id,
      userId: request.user.id,
      uuid: event.uuid,
      eventType: event.eventType,
      by: decision.approval.by,
      requestedAt: waiting ? previous.requestedAt : iso(clock()),
      // Okta's change is live while it waits: the window runs from the change (the engine's expiresAt).
      expiresAt: waiting ? previous.expiresAt : Date.parse(decision.approval.expiresAt),
      request: keptRequest(request),
      decision: shownOf(decision),
      history: previous?.history ?? [],
      ...(undo ? { undo } : {}),
    };
    if (!waiting) stats.approvals.held += 1;
    const next = update(kept, 'pending', { note });
    return { id: next.id, status: next.status, by: next.by, expiresAt: iso(next.expiresAt) };
  }

  /** The held change decided again in the queue: with the grant (granted), or without (pending), or reverted (refused). */
  async function processApproval(event) {
    const held = db.getApproval(event.approvalId);
    const base = { uuid: event.uuid, eventType: event.eventType, userId: held?.userId, approvalId: event.approvalId };
    if (!held || !['granted', 'refused', 'pending'].includes(held.status)) return { entry: { ...base, kind: 'skipped', why: held ? `approval already ${held.status}` : 'unknown approval' } };
    if (held.status === 'refused') {
      const remediation = await revertHeld(held);
      update(held, 'reverted', { remediation, note: `refused by ${held.approver.kind} ${held.approver.id}` });
      return { entry: { ...base, kind: 'approval', status: 'reverted', approver: held.approver, remediation } };
    }
    const { user, known, unknown } = await userOf(held.userId, event);
    const request = {
      ...held.request,
      now: iso(clock()),
      user: { ...held.request.user, ...refreshed(user) },
      ...(held.status === 'granted' ? withGrant(held, held.grant) : {}),
      state: known.state,
    };
    const { decision, errors } = decide(entryOf(held), request);
    let status;
    let remediation = [];
    if (decision.outcome === 'allow') {
      status = 'applied';
      update(held, status, { decision: shownOf(decision), appliedAt: iso(clock()), note: decision.reasons.find((r) => r.code === 'approvalGranted')?.detail });
    } else if (decision.outcome === 'deny') {
      status = 'reverted';
      remediation = await revertHeld(held);
      update(held, status, { decision: shownOf(decision), remediation, note: graceOf(decision) ?? 'denied when decided again' });
    } else {
      // Still (or again) waiting for an approver: the grant did not hold.
      status = hold(held, { uuid: held.uuid, eventType: held.eventType }, request, decision.approval ? decision : { ...decision, approval: { id: held.id, by: held.by } }, graceOf(decision)).status;
    }
    const state = decision.state ?? known.state;
    return {
      entry: { ...base, kind: 'approval', status, approver: held.approver, request, decision, errors, remediation, ...(unknown.length ? { unknown } : {}) },
      save: state ? () => store.set(held.userId, { ...known, state }) : undefined,
    };
  }

  /** Changes whose approval window closed without a consent: reverted. */
  async function expireApprovals() {
    for (const held of db.approvalsDue(clock())) {
      const remediation = await revertHeld(held);
      update(held, 'expired', { remediation, note: `no approver consented by ${iso(held.expiresAt)}` });
      record({ kind: 'approval', status: 'expired', approvalId: held.id, userId: held.userId, remediation });
    }
  }

  /** Queues the held change to be decided again (after what the user did before now). */
  function requeue(held, what) {
    db.enqueue([{ uuid: `factorgate-approval:${held.id}:${crypto.randomUUID()}`, eventType: `factorgate.approval.${what}`, published: iso(clock()), approvalId: held.id, target: [{ type: 'User', id: held.userId }], actor: { type: 'User', id: held.approver?.id } }]);
  }

  function applyChange(factors, action, factor) {
    if (action === 'resetAll') return [];
    if (action === 'remove') return factors.filter((f) => f.id !== factor?.id);
    if (action === 'enroll' && factor) return [...factors, factor];
    return factors;
  }

  // `deny` after the fact means "revert it": remove a factor that was added, and end the user's
  // sessions and the OAuth tokens issued in them (a removed factor or a reset cannot be restored
  // by the service). A change held for approval is reverted the same way when it is refused or
  // its approval expires.
  async function remediate(userId, action, factor, decision) {
    return decision.outcome === 'deny' ? revert(userId, action, factor) : [];
  }
  async function revert(userId, action, factor) {
    if (!options.remediate || !okta) return [];
    const done = [];
    const attempt = recorder(done);
    if (action === 'enroll' && factor?.id) await attempt(`deleteFactor ${factor.id}`, () => okta.deleteFactor(userId, factor.id));
    await attempt('clearSessions+oauthTokens', () => okta.clearSessions(userId, { forgetDevices: options.forgetDevices === true }));
    return done;
  }

  // ---- the durable queue: stored before the acknowledgement, processed in order of `published` ----

  async function flushGroup(key) {
    const events = db.groupEvents(key);
    if (events.length === 0) return;
    const { entry, save } = await processSignIn(key, events);
    if (save) await save();
    db.finishGroup(key);
    stats.signIns += 1;
    stats.processed += events.length;
    record(entry);
  }

  async function drain(force) {
    for (;;) {
      const batch = db.queued(100);
      if (batch.length === 0) break;
      for (const event of batch) {
        try {
          const userId = subjectOf(event);
          if (!userId || event.outcome?.result === 'FAILURE') {
            db.markDone(event.uuid);
            stats.skipped += 1;
            const why = userId ? 'failed attempt' : ACTION_EVENTS[event.eventType] ? 'an action by no user (an app or Okta itself): no memory to chain' : 'no user';
            record({ kind: 'skipped', uuid: event.uuid, eventType: event.eventType, userId, why });
            continue;
          }
          if (SIGN_INS.has(event.eventType)) {
            const key = groupKeyOf(event, userId);
            if (db.signInDone(key)) {
              // A verification of a sign-in already decided (it arrived after the settle window).
              db.markDone(event.uuid);
              stats.skipped += 1;
              record({ kind: 'skipped', uuid: event.uuid, eventType: event.eventType, userId, why: 'sign-in already recorded' });
            } else {
              db.markGrouped(event.uuid, key, userId);
            }
            continue;
          }
          // Anything else of this user is scored after the sign-ins that happened before it.
          for (const g of db.groups()) if (g.userId === userId && g.first <= event.published) await flushGroup(g.key);
          const process = String(event.eventType).startsWith('factorgate.approval.') ? processApproval
            : ACTION_EVENTS[event.eventType] ? processAction
              : RECOVERIES.has(event.eventType) ? processRecovery
                : processChange;
          const { entry, save } = await process(event);
          if (save) await save();
          db.markDone(event.uuid);
          if (entry.kind === 'skipped') stats.skipped += 1;
          else stats.processed += 1;
          record(entry);
        } catch (e) {
          stats.failures += 1;
          db.markFailed(event.uuid, e.message);
          record({ kind: 'failure', uuid: event.uuid, eventType: event.eventType, error: e.message });
        }
      }
      await db.persist();
    }
    const now = Date.now();
    let next = Infinity;
    for (const g of db.groups()) {
      if (force || g.last + settleMs <= now) {
        try {
          await flushGroup(g.key);
        } catch (e) {
          stats.failures += 1;
          record({ kind: 'failure', uuid: g.key, eventType: 'signIn', error: e.message });
          db.finishGroup(g.key);
        }
      } else {
        next = Math.min(next, g.last + settleMs);
      }
    }
    await expireApprovals();
    db.prune(now);
    await db.persist();
    clearTimeout(timer);
    let wait = next === Infinity ? Infinity : next - now;
    const due = db.nextApprovalExpiry();
    if (due !== undefined) wait = Math.min(wait, due - clock());
    if (wait !== Infinity && !closed) timer = setTimeout(() => pump(), Math.min(Math.max(10, wait), 2 ** 31 - 1)).unref();
  }

  /** Processes what is queued (one pass at a time); `force` also decides sign-ins still settling. */
  function pump(force = false) {
    if (running) {
      again = true;
      againForce ||= force;
      return running;
    }
    running = (async () => {
      await open();
      let f = force;
      do {
        again = false;
        await drain(f);
        f = againForce;
        againForce = false;
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }
  let againForce = false;

  async function deliveries(body) {
    stats.deliveries += 1;
    const events = (Array.isArray(body?.data?.events) ? body.data.events : []).filter((e) => e && typeof e === 'object');
    stats.events += events.length;
    const valid = events.filter((e) => typeof e.uuid === 'string' && e.uuid.length > 0 && e.uuid.length <= 200);
    await open();
    const fresh = db.enqueue(valid);
    stats.duplicates += valid.length - fresh.length;
    await db.persist(); // durable before the 200
    return fresh.length;
  }

  // ---- System Log polling: sign-ins without spending the event hook cap ----

  // The event types a poll fetches (an event hook then carries the factor changes only).
  // The OAuth client credential events are not event-hook-eligible: polling is how they arrive.
  const POLL_FILTER = 'eventType eq "user.authentication.auth_via_mfa" or eventType eq "user.session.start" or eventType eq "app.oauth2.credentials.lifecycle.create" or eventType eq "app.oauth2.credentials.lifecycle.activate"';

  /** One System Log page into the queue (deduplicated by uuid with what hooks delivered); resumes from the stored cursor. */
  async function pollOnce() {
    if (!okta?.logs) throw new Error('System Log polling needs the Okta API (OKTA_ORG_URL, OKTA_API_TOKEN)');
    await open();
    const cursor = db.getMeta('systemLogNext');
    const since = cursor ? undefined : new Date(Date.now() - (options.pollSystemLog?.sinceMs ?? 15 * 60_000)).toISOString();
    const { events, next } = await okta.logs(cursor, { since, filter: options.pollSystemLog?.filter ?? POLL_FILTER });
    const list = (Array.isArray(events) ? events : []).filter((e) => e && typeof e.uuid === 'string');
    const fresh = db.enqueue(list);
    stats.polled = (stats.polled ?? 0) + list.length;
    stats.duplicates += list.length - fresh.length;
    db.setMeta('systemLogNext', next);
    await db.persist();
    pump().catch((e) => console.error(`factorgate: queue: ${e.message}`));
    return { events: list.length, fresh: fresh.length };
  }
  let pollTimer = null;
  function schedulePoll() {
    if (closed || !options.pollSystemLog) return;
    pollTimer = setTimeout(() => {
      pollOnce().catch((e) => console.error(`factorgate: System Log poll: ${e.message}`)).finally(schedulePoll);
    }, options.pollSystemLog.intervalMs ?? 60_000);
    pollTimer.unref?.();
  }

  // ---- HTTP ----

  function secretMatches(req) {
    if (!options.secret) return false;
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(options.secret);
    return got.length === want.length && crypto.timingSafeEqual(got, want);
  }

  async function authorized(req, path) {
    if (secretMatches(req)) return true;
    if (verifyJwt && path === '/okta/registration') {
      const m = String(req.headers.authorization ?? '').match(/^Bearer\s+(\S+)$/i);
      return m ? verifyJwt(m[1]) : false;
    }
    return false;
  }

  function send(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function readJson(req, limit) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > limit) {
          reject(Object.assign(new Error('body too large'), { status: 413 }));
          req.destroy();
        } else {
          chunks.push(c);
        }
      });
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(Object.assign(new Error('body is not JSON'), { status: 400 }));
        }
      });
      req.on('error', reject);
    });
  }

  // ---- the approval endpoint: an approver's consent, authenticated by their own access token ----

  // The approver as their access token says (never as a request body says): an RS256 token of
  // the approvers' authorization server, the Okta user id in `uid` (a person: a client-credentials
  // token has none), the approver kinds from the groups claim.
  async function approverOf(req) {
    const m = String(req.headers.authorization ?? '').match(/^Bearer\s+(\S+)$/i);
    const claims = m ? await approverJwt.claims(m[1]) : null;
    if (!claims || typeof claims.uid !== 'string' || claims.uid === '' || claims.uid.length > 200) return null;
    const groups = claims[options.approvers.groupsClaim ?? 'groups'];
    const map = options.approvers.groups ?? {};
    const kinds = [...new Set((Array.isArray(groups) ? groups : []).map((g) => map[String(g)]).filter((k) => typeof k === 'string' && k !== ''))];
    return { id: claims.uid, login: typeof claims.sub === 'string' ? claims.sub : undefined, kinds };
  }

  // Okta's convention for manager approvals: the user's `managerId` profile attribute names the
  // manager (their Okta id, username or email).
  function isManagerOf(profile, approver) {
    const named = typeof profile?.managerId === 'string' ? profile.managerId.trim().toLowerCase() : '';
    return named !== '' && (named === approver.id.toLowerCase() || named === approver.login?.toLowerCase());
  }

  function viewOf(held) {
    const { action, factor, replaces, actor } = held.request.change ?? {};
    return {
      approvalId: held.id,
      status: held.status,
      userId: held.userId,
      ...(held.request.action ? { action: { type: held.request.action.type, target: held.request.action.target } } : { change: { action, factor, replaces, actor } }),
      event: { uuid: held.uuid, eventType: held.eventType },
      by: held.by,
      requestedAt: held.requestedAt,
      expiresAt: iso(held.expiresAt),
      decision: held.decision,
      ...(held.approver ? { approver: held.approver } : {}),
      ...(held.remediation ? { remediation: held.remediation } : {}),
      history: held.history,
    };
  }

  async function approvalRoute(req, res, path) {
    if (!approverJwt) return send(res, 404, { error: 'not found' });
    const approver = await approverOf(req);
    if (!approver) return send(res, 401, { error: 'unauthorized' });
    await open();
    if (path === '/approvals') {
      if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
      // What this approver may act on: changes waiting for one of their kinds.
      return send(res, 200, { approvals: db.approvals('pending').filter((h) => h.by.some((k) => approver.kinds.includes(k))).map(viewOf) });
    }
    const id = path.slice('/approvals/'.length);
    const held = /^[0-9a-f]{32}$/.test(id) ? db.getApproval(id) : undefined;
    if (!held) return send(res, 404, { error: 'unknown approval' });
    if (req.method === 'GET') return send(res, 200, viewOf(held));
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });

    const body = await readJson(req, CONSENT_BODY_LIMIT);
    const consent = body?.consent;
    if (consent !== 'approve' && consent !== 'refuse') return send(res, 400, tagged('invalidValue', 'consent must be "approve" or "refuse"', '/consent'));
    if (held.status !== 'pending') return send(res, 409, tagged('notPending', `this change is ${held.status}, not waiting for an approver`));
    const now = clock();
    if (held.expiresAt <= now) {
      pump().catch((e) => console.error(`factorgate: queue: ${e.message}`)); // reverts it
      return send(res, 410, tagged('approvalExpired', `the approval expired at ${iso(held.expiresAt)}: the change is reverted, not applied`));
    }
    const kind = held.by.find((k) => approver.kinds.includes(k)) ?? approver.kinds[0];
    if (!kind) return send(res, 403, tagged('notAnApprover', 'the token names none of the approver groups this service knows (approvers.groups)', '/approver/kind'));

    // The change as it stands now: the user's current memory and what Okta says of them.
    const { user, profile, known } = await userOf(held.userId, { actor: { id: approver.id, type: 'User' } });
    const request = { ...held.request, now: iso(now), user: { ...held.request.user, ...refreshed(user) }, state: known.state };
    // An approver consents to what they were shown: a risk that appeared since the change was held
    // is shown first (the grant would carry it as weighed).
    const { decision: preview } = decide(entryOf(held), request);
    if (preview.outcome === 'approval') {
      const seen = new Set(held.decision.reasons.filter((r) => r.points > 0).map((r) => r.code));
      const appeared = preview.reasons.filter((r) => r.points > 0 && !seen.has(r.code)).map((r) => r.code);
      if (appeared.length > 0) {
        const next = update(held, 'pending', { decision: shownOf(preview), note: `risk appeared before a consent: ${appeared.join(', ')}` });
        await db.persist();
        return send(res, 409, { ...tagged('riskChanged', `risk appeared since this change was held (${appeared.join(', ')}): review it again`), approval: viewOf(next) });
      }
    }
    // The engine decides whether this approver may consent (their kind, not the user nor the
    // change's actor) and signs the grant; a refusal needs the same authority.
    const grant = engine.grantApproval({ request, approver: { kind, id: approver.id }, now: iso(now) });
    if (grant.type !== 'approvalGrant') {
      const moot = grant.errors?.some((e) => e.code === 'notPendingApproval');
      if (moot) {
        requeue(held, 'decide'); // no longer an approval: applied or reverted as decided now
        await db.persist();
        pump().catch((e) => console.error(`factorgate: queue: ${e.message}`));
      }
      record({ kind: 'consent', approvalId: held.id, userId: held.userId, approver: { kind, id: approver.id }, consent, refused: grant.errors });
      return send(res, moot ? 409 : 403, grant);
    }
    if (kind === 'manager' && !isManagerOf(profile, approver)) {
      return send(res, 403, tagged('notTheUsersManager', `${approver.id} is not the manager the Okta profile of ${held.userId} names (managerId)`, '/approver/id'));
    }
    const latest = db.getApproval(held.id);
    if (latest?.status !== 'pending') return send(res, 409, tagged('notPending', `this change is ${latest?.status}, not waiting for an approver`));
    const who = { kind, id: approver.id, ...(approver.login ? { login: approver.login } : {}) };
    if (consent === 'refuse') {
      requeue(update(latest, 'refused', { approver: who, note: `refused by ${kind} ${approver.id}` }), 'refused');
    } else {
      // Kept with the change, durable before the answer; used in the queue.
      requeue(update(latest, 'granted', { approver: who, grant: grant.grant, grantExpiresAt: grant.expiresAt, note: `consent by ${kind} ${approver.id}` }), 'granted');
      stats.approvals.granted += 1;
    }
    await db.persist();
    record({ kind: 'consent', approvalId: held.id, userId: held.userId, approver: who, consent });
    pump().catch((e) => console.error(`factorgate: queue: ${e.message}`));
    return send(res, 202, { type: 'consentAccepted', approvalId: held.id, status: consent === 'refuse' ? 'refused' : 'granted', approver: { kind, id: approver.id }, ...(consent === 'approve' ? { grantExpiresAt: grant.expiresAt } : {}) });
  }

  async function handle(req, res) {
    const started = Date.now();
    const path = new URL(req.url, 'http://localhost').pathname;
    if (path === '/healthz' && req.method === 'GET') return send(res, 200, { ok: true, stats, queue: db ? db.counts() : {} });
    // Approvers authenticate as themselves (their access token), not with Okta's hook secret.
    if (path === '/approvals' || path.startsWith('/approvals/')) return approvalRoute(req, res, path);
    if (!(await authorized(req, path))) return send(res, 401, { error: 'unauthorized' });
    if (path === '/okta/events' && req.method === 'GET') {
      // One-time endpoint verification when the event hook is created or verified.
      const challenge = req.headers['x-okta-verification-challenge'];
      if (typeof challenge !== 'string') return send(res, 400, { error: 'missing x-okta-verification-challenge' });
      return send(res, 200, { verification: challenge });
    }
    if (path === '/okta/events' && req.method === 'POST') {
      const body = await readJson(req, EVENT_BODY_LIMIT);
      await deliveries(body); // stored and on disk: acknowledged now, processed in the background
      send(res, 200, {});
      pump().catch((e) => console.error(`factorgate: queue: ${e.message}`));
      return undefined;
    }
    if (path === '/okta/registration' && req.method === 'POST') {
      const body = await readJson(req, INLINE_BODY_LIMIT);
      const answer = registration(body);
      const elapsed = Date.now() - started;
      if (elapsed > budgetMs) console.error(`factorgate: registration hook answered in ${elapsed} ms (Okta waits ${budgetMs} ms)`);
      return send(res, 200, answer);
    }
    return send(res, 404, { error: 'not found' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => send(res, e.status ?? 500, { error: e.status ? e.message : 'internal error' }));
  });
  // A client slower than Okta's budget is not Okta.
  server.requestTimeout = budgetMs;
  server.headersTimeout = budgetMs;

  return {
    server,
    engine,
    decisions,
    stats,
    /** The database (after listen/open). */
    get db() {
      return db;
    },
    open,
    pollOnce,
    /** Resolves when every event received so far has been processed (sign-ins still settling are decided now). */
    idle: () => pump(true),
    listen: async (port = 0, host = '127.0.0.1') => {
      await open();
      const address = await new Promise((resolve) => server.listen(port, host, () => resolve(server.address())));
      pump().catch((e) => console.error(`factorgate: queue: ${e.message}`)); // what a previous run acknowledged
      schedulePoll();
      return address;
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      clearTimeout(pollTimer);
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await running;
      await db?.close();
    },
  };
}

module.exports = { createService, createOktaClient, createJwtVerifier, methodOfTarget, retryDelayMs, sessionOf, countryCode };

if (require.main === module) {
  const env = process.env;
  const okta = env.OKTA_ORG_URL && env.OKTA_API_TOKEN ? createOktaClient({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN, onRateLimit: (r) => console.error(`factorgate: Okta ${r.status} on ${r.method} ${r.path}: retrying in ${r.delayMs} ms`) }) : null;
  let service;
  try {
    service = createService({
      stateKey: env.FACTORGATE_STATE_KEY,
      secret: env.OKTA_HOOK_SECRET || undefined,
      oauth: env.OKTA_HOOK_OAUTH_ISSUER ? { issuer: env.OKTA_HOOK_OAUTH_ISSUER, audience: env.OKTA_HOOK_OAUTH_AUDIENCE, scope: env.OKTA_HOOK_OAUTH_SCOPE || undefined } : undefined,
      dataFile: env.FACTORGATE_DATA_FILE ?? 'factorgate-okta.sqlite',
      pollSystemLog: env.FACTORGATE_POLL_SYSTEM_LOG_MS ? { intervalMs: Number(env.FACTORGATE_POLL_SYSTEM_LOG_MS) } : undefined,
      signInSettleMs: env.FACTORGATE_SIGNIN_SETTLE_MS ? Number(env.FACTORGATE_SIGNIN_SETTLE_MS) : undefined,
      okta,
      remediate: env.FACTORGATE_REMEDIATE === 'true',
      forgetDevices: env.FACTORGATE_FORGET_DEVICES === 'true',
      profileRiskAttribute: env.FACTORGATE_PROFILE_RISK_ATTRIBUTE,
      approvers: env.FACTORGATE_APPROVER_ISSUER
        ? { issuer: env.FACTORGATE_APPROVER_ISSUER, audience: env.FACTORGATE_APPROVER_AUDIENCE, scope: env.FACTORGATE_APPROVER_SCOPE || undefined, groups: JSON.parse(env.FACTORGATE_APPROVER_GROUPS || '{}') }
        : undefined,
    });
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  service.listen(Number(env.PORT ?? 8080), env.HOST ?? '0.0.0.0').then((a) => console.error(`factorgate okta hooks on ${a.address}:${a.port}`));
  const stop = () => service.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
