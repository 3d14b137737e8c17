'use strict';
// factorgate as an Okta hook service (node:http only). Deploy: examples/okta/README.md.
//
//   POST /okta/registration  registration inline hook (Identity Engine profile enrollment):
//                            answered inline, well inside Okta's 3 s, with `commands`
//   GET  /okta/events        event hook endpoint verification (echoes x-okta-verification-challenge)
//   POST /okta/events        event hook deliveries: acknowledged at once (200), then processed in
//                            order of `published`; each event is handled once (dedupe by uuid,
//                            delivery is at-least-once and unordered)
//
// Okta reports factor changes only after they happened (`user.mfa.factor.*` event hooks); each
// becomes an assessFactorChange request with `phase: "after"`, where `deny` means "revert it":
// with `remediate` on, the service deletes a factor the decision denies and clears the user's
// sessions. Sign-in events (`user.authentication.auth_via_mfa`, `user.session.start`) feed the
// engine's memory through decideLogin, so that a factor added right after a risky sign-in is scored
// against it.

const crypto = require('node:crypto');
const http = require('node:http');
const { isIP } = require('node:net');
const { compilePolicy, defaultPolicy } = require('factorgate');

const EVENT_BODY_LIMIT = 4 << 20; // an event hook batch
const INLINE_BODY_LIMIT = 256 << 10; // a registration request
const KINDS = new Set(['employee', 'contractor', 'partner', 'customer', 'service', 'breakGlass']);

// ---- Okta -> contract vocabulary ---------------------------------------------------------------

// Factors API `factorType` -> contract factor type.
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

// Authenticator display names in System Log targets (Identity Engine) -> contract factor type.
const AUTHENTICATOR_NAMES = [
  [/okta verify/i, 'push'],
  [/google authenticator|authenticator app|totp|software token/i, 'totp'],
  [/security key|biometric|webauthn|fido|yubikey bio|passkey/i, 'webauthnRoaming'],
  [/yubikey|hardware token|on-prem mfa|rsa|symantec/i, 'hotp'],
  [/voice|call/i, 'voice'],
  [/phone|sms/i, 'sms'],
  [/email/i, 'email'],
  [/duo/i, 'push'],
];

function factorTypeOfTarget(target, debugData) {
  for (const key of ['factor', 'factorType']) {
    const v = debugData?.[key];
    if (typeof v === 'string' && FACTOR_TYPES[v.toLowerCase()]) return FACTOR_TYPES[v.toLowerCase()];
  }
  const name = target?.displayName ?? '';
  for (const [pattern, type] of AUTHENTICATOR_NAMES) if (pattern.test(name)) return type;
  return undefined;
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

// ---- Okta API (optional): the user's profile, roles and factors, and remediation -----------------

/** A minimal Okta Management API client (API token, `Authorization: SSWS …`). */
function createOktaClient({ orgUrl, token, timeoutMs = 2500 }) {
  const base = orgUrl.replace(/\/+$/, '');
  async function call(method, path) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `SSWS ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`Okta ${method} ${path}: HTTP ${res.status}`);
    return res.status === 204 ? null : res.json();
  }
  const id = encodeURIComponent;
  return {
    user: (userId) => call('GET', `/api/v1/users/${id(userId)}`),
    factors: (userId) => call('GET', `/api/v1/users/${id(userId)}/factors`),
    roles: (userId) => call('GET', `/api/v1/users/${id(userId)}/roles`),
    deleteFactor: (userId, factorId) => call('DELETE', `/api/v1/users/${id(userId)}/factors/${id(factorId)}`),
    clearSessions: (userId) => call('DELETE', `/api/v1/users/${id(userId)}/sessions`),
  };
}

/** Per-user memory: { state, factors } (the last factor list seen). In-memory; use a KV store in production. */
function memoryStore() {
  const users = new Map();
  return { get: async (userId) => users.get(userId), set: async (userId, record) => { users.set(userId, record); } };
}

// ---- the service --------------------------------------------------------------------------------

/**
 * @param {object} options
 * @param {object} [options.policy] policy document (default: the embedded default policy)
 * @param {string} [options.stateKey] key for the engine's signed memory (FACTORGATE_STATE_KEY)
 * @param {string} [options.secret] value Okta sends in the Authorization header (OKTA_HOOK_SECRET)
 * @param {object} [options.okta] createOktaClient(...) or a fake with the same methods; without it
 *   the user is known only from the event
 * @param {boolean} [options.remediate] act on `deny` decisions (needs options.okta)
 * @param {object} [options.store] per-user memory (async get/set)
 * @param {(record: object) => void} [options.onDecision] every decision with its alerts
 * @param {object} [options.actorKinds] actor id -> 'helpdesk' | 'msp' | 'automation' (default:
 *   another user is 'admin', an app or Okta itself is 'automation')
 * @param {string} [options.registrationKind] user kind of self-registered users (default customer)
 * @param {string} [options.profileRiskAttribute] Okta profile attribute that receives the
 *   registration risk level (must exist in the profile schema)
 */
function createService(options = {}) {
  const engine = compilePolicy(options.policy ?? defaultPolicy(), options.stateKey ? { stateKey: options.stateKey } : {});
  if (engine.type !== 'engine') throw new Error(`factorgate policy: ${JSON.stringify(engine.errors)}`);
  const store = options.store ?? memoryStore();
  const okta = options.okta ?? null;
  const budgetMs = options.budgetMs ?? 3000;
  const decisions = []; // the last 1000, for inspection
  const onDecision = options.onDecision ?? ((r) => console.log(JSON.stringify({ factorgate: r.kind, uuid: r.uuid, user: r.userId, outcome: r.decision?.outcome, reasons: r.decision?.reasons?.map((x) => x.code), alerts: r.decision?.alerts })));
  const seen = new Map(); // event uuid -> first seen (ms); bounded
  const stats = { deliveries: 0, events: 0, duplicates: 0, processed: 0, skipped: 0, failures: 0 };
  let queue = Promise.resolve();

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
    const call = entry === 'login' ? engine.decideLogin(request) : engine.assessFactorChange(request);
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
    const user = { id: userId, factors: known.factors ?? [] };
    let current = null; // the factors Okta lists now (after the change)
    if (okta) {
      const [u, factors, roles] = await Promise.all([
        okta.user(userId).catch(() => null),
        okta.factors(userId).catch(() => null),
        okta.roles(userId).catch(() => null),
      ]);
      if (u) {
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
          .map((f) => ({ id: f.id, type: FACTOR_TYPES[f.factorType], enrolledAt: f.created ?? undefined }))
          .slice(0, 32);
      }
    }
    const actor = event.actor ?? {};
    return { user, current, known, actorKind: actorKindOf(actor, userId) };
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

  async function processEvent(event) {
    const target = (event.target ?? []).find((t) => t.type === 'User');
    const userId = target?.id ?? (event.actor?.type === 'User' ? event.actor.id : undefined);
    const base = { uuid: event.uuid, eventType: event.eventType, userId };
    if (!userId || event.outcome?.result === 'FAILURE') return { ...base, kind: 'skipped', why: userId ? 'failed attempt' : 'no user' };
    const { user, current, known, actorKind } = await userOf(userId, event);
    const session = sessionOf(event);

    if (SIGN_INS.has(event.eventType)) {
      // Memory only: the sign-in already happened; its place, device and risk are remembered.
      const methods = [{ type: 'password', at: event.published }];
      if (event.eventType === 'user.authentication.auth_via_mfa') {
        // The authenticator used, when the event names it; else counted as a one-time code (AAL2,
        // not phishing-resistant): the least a second factor proves.
        const used = factorTypeOfTarget((event.target ?? []).find((t) => t.type !== 'User'), event.debugContext?.debugData);
        methods.push({ type: used ?? 'totp', at: event.published });
      }
      const request = { now: event.published, user: { ...user, factors: current ?? user.factors }, session: { ...session, methods }, state: known.state };
      const { decision, errors } = decide('login', request);
      if (decision.state) await store.set(userId, { ...known, state: decision.state, factors: current ?? known.factors });
      return { ...base, kind: 'signIn', decision, errors };
    }

    let action = CHANGE_ACTIONS[event.eventType];
    if (!action) return { ...base, kind: 'skipped', why: 'event type not assessed' };
    const factorTarget = (event.target ?? []).find((t) => t.type !== 'User');
    const factorType = factorTypeOfTarget(factorTarget, event.debugContext?.debugData);
    if (action === 'phoneChange' && !['sms', 'voice'].includes(factorType)) return { ...base, kind: 'skipped', why: 'factor update other than a phone' };
    const factor = factorType ? { id: factorTarget?.id, type: factorType } : undefined;

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
    const { decision, errors } = decide('factorChange', request);
    await store.set(userId, { ...known, factors: current ?? applyChange(before, action, factor) });
    const remediation = await remediate(userId, action, factor, decision);
    return { ...base, kind: 'factorChange', action, request, decision, errors, remediation };
  }

  function applyChange(factors, action, factor) {
    if (action === 'resetAll') return [];
    if (action === 'remove') return factors.filter((f) => f.id !== factor?.id);
    if (action === 'enroll' && factor) return [...factors, factor];
    return factors;
  }

  // `deny` after the fact means "revert it": remove a factor that was added, and end the user's
  // sessions (a removed factor or a reset cannot be restored by the service).
  async function remediate(userId, action, factor, decision) {
    if (!options.remediate || !okta || decision.outcome !== 'deny') return [];
    const done = [];
    const attempt = async (what, fn) => {
      try {
        await fn();
        done.push(what);
      } catch (e) {
        done.push(`${what} failed: ${e.message}`);
      }
    };
    if (action === 'enroll' && factor?.id) await attempt(`deleteFactor ${factor.id}`, () => okta.deleteFactor(userId, factor.id));
    await attempt('clearSessions', () => okta.clearSessions(userId));
    return done;
  }

  function remember(uuid, now) {
    seen.set(uuid, now);
    if (seen.size > 50_000) seen.delete(seen.keys().next().value);
  }

  function deliveries(body) {
    stats.deliveries += 1;
    const events = Array.isArray(body?.data?.events) ? body.data.events : [];
    const fresh = [];
    const now = Date.now();
    for (const event of events) {
      stats.events += 1;
      if (typeof event?.uuid !== 'string' || seen.has(event.uuid)) {
        stats.duplicates += typeof event?.uuid === 'string' ? 1 : 0;
        continue;
      }
      remember(event.uuid, now);
      fresh.push(event);
    }
    // Unordered delivery: process a batch in the order things happened.
    fresh.sort((a, b) => String(a.published).localeCompare(String(b.published)));
    for (const event of fresh) {
      queue = queue.then(async () => {
        try {
          const entry = await processEvent(event);
          if (entry.kind === 'skipped') stats.skipped += 1;
          else stats.processed += 1;
          record(entry);
        } catch (e) {
          stats.failures += 1;
          record({ kind: 'failure', uuid: event.uuid, eventType: event.eventType, error: e.message });
        }
      });
    }
    return fresh.length;
  }

  // ---- HTTP ----

  function authorized(req) {
    if (!options.secret) return true;
    const got = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(options.secret);
    return got.length === want.length && crypto.timingSafeEqual(got, want);
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

  async function handle(req, res) {
    const started = Date.now();
    const path = new URL(req.url, 'http://localhost').pathname;
    if (!authorized(req)) return send(res, 401, { error: 'unauthorized' });
    if (path === '/okta/events' && req.method === 'GET') {
      // One-time endpoint verification when the event hook is created or verified.
      const challenge = req.headers['x-okta-verification-challenge'];
      if (typeof challenge !== 'string') return send(res, 400, { error: 'missing x-okta-verification-challenge' });
      return send(res, 200, { verification: challenge });
    }
    if (path === '/okta/events' && req.method === 'POST') {
      const body = await readJson(req, EVENT_BODY_LIMIT);
      deliveries(body); // acknowledged now; processed in the background, in order
      return send(res, 200, {});
    }
    if (path === '/okta/registration' && req.method === 'POST') {
      const body = await readJson(req, INLINE_BODY_LIMIT);
      const answer = registration(body);
      const elapsed = Date.now() - started;
      if (elapsed > budgetMs) console.error(`factorgate: registration hook answered in ${elapsed} ms (Okta waits ${budgetMs} ms)`);
      return send(res, 200, answer);
    }
    if (path === '/healthz') return send(res, 200, { ok: true, stats });
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
    /** Resolves when every event received so far has been processed. */
    idle: () => queue,
    listen: (port = 0, host = '127.0.0.1') => new Promise((resolve) => server.listen(port, host, () => resolve(server.address()))),
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }),
  };
}

module.exports = { createService, createOktaClient, memoryStore, sessionOf, countryCode };

if (require.main === module) {
  const env = process.env;
  const okta = env.OKTA_ORG_URL && env.OKTA_API_TOKEN ? createOktaClient({ orgUrl: env.OKTA_ORG_URL, token: env.OKTA_API_TOKEN }) : null;
  const service = createService({
    stateKey: env.FACTORGATE_STATE_KEY,
    secret: env.OKTA_HOOK_SECRET,
    okta,
    remediate: env.FACTORGATE_REMEDIATE === 'true',
    profileRiskAttribute: env.FACTORGATE_PROFILE_RISK_ATTRIBUTE,
  });
  service.listen(Number(env.PORT ?? 8080), env.HOST ?? '0.0.0.0').then((a) => console.error(`factorgate okta hooks on ${a.address}:${a.port}`));
}
