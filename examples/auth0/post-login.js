'use strict';
// factorgate as an Auth0 post-login Action (Login flow). Deploy: examples/auth0/README.md.
//
// Each login: the Auth0 `event` becomes a factorgate login request (docs/contract.md#request), the engine decides
// (docs/contract.md#login), and the decision is applied with the Action API:
//   allow    -> nothing to prove; acr/amr custom claims
//   stepUp   -> api.authentication.challengeWith/challengeWithAny with the allowed factors the
//               user has (Auth0 ignores a challenge for a factor the user lacks)
//   enroll   -> api.authentication.enrollWith/enrollWithAny with the factor types the policy
//               allows (after a challenge with an existing factor, which Auth0 requires, unless
//               one was used within the policy's binding window); never on a risky login
//   deny, approval -> api.access.deny
// Where nobody can answer a prompt (refresh tokens, ROPG, token exchange, CIBA, prompt=none) a
// step-up or enrollment is a deny; backend flows are not scored at the backend's IP and write no
// memory (flowOf below, README "Flows").
// The signed memory (`state`) goes to app_metadata.factorgate, which users cannot write; Auth0
// writes metadata once at the end of the flow, also after a deny, under the tenant's Write Users
// rate limit, so it is written only when the state changed. When the engine answers with an
// error the policy's fail mode applies (engine.failMode).
//
// Auth0 has no trigger after an MFA enrollment, so enrollment is gated here: a session whose
// decision says `enrollmentAllowed: false` cannot get an MFA API token with the `enroll` scope.

const { isIP } = require('node:net');
const { compilePolicy, defaultPolicy } = require('factorgate');

// ---- configuration ------------------------------------------------------------------------------

// Your policy document (docs/contract.md#policy) goes here, inline: an Action is one file. The default policy
// follows NIST SP 800-63B rev 4.
const POLICY = defaultPolicy();
// The policy's binding window (enrollment.bindingWindowS, 15 min by default): a factor may be
// added only from a session that was challenged within it (docs/contract.md#factor-change).
const BINDING_WINDOW_S = (() => {
  const doc = typeof POLICY === 'string' ? JSON.parse(POLICY) : POLICY;
  const s = doc?.enrollment?.bindingWindowS;
  return Number.isInteger(s) && s > 0 ? s : defaultPolicy().enrollment.bindingWindowS;
})();
// Clock skew tolerated on Auth0's method timestamps (the engine tolerates 5 minutes too).
const SKEW_MS = 5 * 60_000;
// Namespace of the custom claims; `acr` and `amr` themselves are reserved by Auth0.
const CLAIM_NAMESPACE = 'https://factorgate.dev/';
// app_metadata key: { state, kind?, capabilities?, flags? }. `state` is written by this Action;
// the others are yours to set (Management API), e.g. { kind: 'contractor' }.
const METADATA_KEY = 'factorgate';
// Auth0 allows at most 4 enroll/challenge commands per login flow (a 5th is an error).
const MAX_MFA_COMMANDS = 4;

// ---- which flow is this? -------------------------------------------------------------------------

// The post-login trigger also runs where nobody can answer a prompt: refresh-token exchanges,
// resource-owner password grants, token exchange, CIBA, native passkey and social token grants,
// and silent authentication (`prompt=none`). `event.transaction.protocol` values are the ones
// Auth0's post-login event reference lists; examples/auth0/README.md has the table.
//
// Browser flows through Universal Login, where a challenge or enrollment screen can be shown
// (device code: the user completes Universal Login on a second device). Every other protocol,
// and one Auth0 may add later, is treated as one where nobody can answer.
const BROWSER_PROTOCOLS = new Set(['oidc-basic-profile', 'oidc-implicit-profile', 'oidc-hybrid-profile', 'oauth2-device-code', 'samlp', 'wsfed']);
// Requests made by the application's backend, not by the user's device: `event.request.ip` (and
// the geolocation, ASN and Adaptive MFA assessment derived from it) is the backend's, so those
// flows are decided on the session's methods and their age only, and write no memory.
const BACKEND_PROTOCOLS = new Set(['oauth2-refresh-token', 'oauth2-token-exchange', 'oauth2-resource-owner-jwt-bearer', 'oidc-ciba', 'oidc-ciba-web-link']);

/**
 * What the flow allows: `interactive` (a challenge or enrollment can be answered), `userNetwork`
 * (`event.request` describes the user's device, so it is scored and remembered).
 */
function flowOf(event) {
  const protocol = typeof event.transaction?.protocol === 'string' ? event.transaction.protocol : undefined;
  const prompts = [event.transaction?.prompt, event.request?.query?.prompt]
    .flatMap((p) => (Array.isArray(p) ? p : typeof p === 'string' ? p.split(/\s+/) : []));
  const silent = prompts.includes('none');
  // Auth0 documents `protocol` as optional; an event without it is taken to be a browser login.
  const browser = protocol === undefined || BROWSER_PROTOCOLS.has(protocol);
  return {
    protocol,
    silent,
    interactive: browser && !silent,
    userNetwork: !BACKEND_PROTOCOLS.has(protocol),
  };
}

// ---- the engine, built once per Action instance ------------------------------------------------

// Secrets exist only on `event`, so the engine is compiled on the first login of an instance and
// kept at module scope; it is rebuilt only if the secret changes (a rotated key makes older state
// fail verification once: it is scored `stateTampered` and replaced).
let cached = null; // { key, engine } where engine is an Engine or null (the policy did not compile)

function engineFor(stateKey) {
  const key = typeof stateKey === 'string' && stateKey !== '' ? stateKey : undefined;
  if (cached !== null && cached.key === key) return cached.engine;
  if (cached !== null && cached.engine !== null) cached.engine.free();
  let engine = compilePolicy(POLICY, key === undefined ? {} : { stateKey: key });
  if (engine.type !== 'engine' && key !== undefined) {
    // A key the engine refuses (e.g. too short): decide without memory rather than not at all.
    console.error(`factorgate: FACTORGATE_STATE_KEY refused (${codes(engine)}); deciding without memory`);
    engine = compilePolicy(POLICY, {});
  }
  if (key === undefined) console.error('factorgate: no FACTORGATE_STATE_KEY secret; deciding without memory');
  if (engine.type !== 'engine') console.error(`factorgate: the policy does not compile: ${JSON.stringify(engine.errors)}`);
  cached = { key, engine: engine.type === 'engine' ? engine : null };
  return cached.engine;
}

const codes = (result) => (result.errors ?? []).map((e) => `${e.code} at ${e.path || '/'}`).join(', ');

// ---- Auth0 event -> login request ---------------------------------------------------------------

// enrolledFactors and `mfa` method types -> contract factor types.
function factorTypeOf(auth0Type, options) {
  switch (auth0Type) {
    case 'otp': return 'totp';
    case 'email': return 'email';
    case 'phone': return options?.preferredMethod === 'voice' ? 'voice' : 'sms';
    case 'sms': return 'sms';
    case 'voice': return 'voice';
    case 'push-notification': case 'push': return 'push';
    case 'webauthn-roaming': return 'webauthnRoaming';
    case 'webauthn-platform': return 'webauthnPlatform';
    case 'recovery-code': return 'recoveryCode';
    default: return null; // duo, custom factors: unknown to the contract
  }
}

// authentication.methods[].name -> contract factor type.
function methodTypeOf(method) {
  switch (method.name) {
    case 'pwd': return 'password';
    case 'passkey': return 'passkeySynced';
    case 'mfa': return factorTypeOf(method.type);
    case 'sms': case 'phone_number': return 'sms'; // passwordless SMS; phone number for password reset
    case 'email': return 'email';
    // A social or enterprise IdP: one factor of unknown kind (its own MFA is invisible here).
    case 'federated': return 'password';
    default: return null; // mock, custom method URLs
  }
}

const ASSESSMENT_SIGNALS = {
  ImpossibleTravel: { impossible_travel_from_last_login: 'impossibleTravel', anonymous_proxy: 'anonymousProxy' },
  // `initial_login` and `no_device_history` mean "no history yet", not "new device".
  NewDevice: { no_match: 'newDevice', unknown_device: 'newDevice' },
  UntrustedIP: { found_on_deny_list: 'untrustedIp' },
};
const CONFIDENCES = new Set(['low', 'medium', 'high', 'neutral']);
const KINDS = new Set(['employee', 'contractor', 'partner', 'customer', 'service', 'breakGlass']);
const SENSITIVITIES = new Set(['low', 'medium', 'high', 'critical']);

// Auth0 risk assessment -> hostRisk. `confidence` is trust, not risk: `low` means the login does
// NOT match the user's history; the engine reads `confidence: 'low'` that way (hostRiskMedium).
function hostRiskOf(riskAssessment) {
  if (riskAssessment === null || typeof riskAssessment !== 'object') return undefined;
  const hostRisk = {};
  if (CONFIDENCES.has(riskAssessment.confidence)) hostRisk.confidence = riskAssessment.confidence;
  const signals = new Set();
  for (const [name, byCode] of Object.entries(ASSESSMENT_SIGNALS)) {
    const signal = byCode[riskAssessment.assessments?.[name]?.code];
    if (signal) signals.add(signal);
  }
  if (signals.size > 0) hostRisk.signals = [...signals];
  return Object.keys(hostRisk).length > 0 ? hostRisk : undefined;
}

const timestamp = (t) => {
  const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t instanceof Date ? t.getTime() : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};
const strings = (list, max = 64) => (Array.isArray(list) ? list.filter((s) => typeof s === 'string' && s.length <= 256).slice(0, max) : []);
const clip = (s, bytes) => (typeof s === 'string' ? Buffer.from(s).subarray(0, bytes).toString().replace(/\uFFFD+$/, '') : undefined);
const asn = (value) => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.replace(/^AS/i, '')) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
};
const number = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : undefined);

// Only booleans: a flag the engine cannot read would turn the whole request into an error.
const flagsOf = (flags) => {
  if (flags === null || typeof flags !== 'object') return undefined;
  const out = {};
  for (const name of ['simSwap', 'reportedSuspicious']) if (typeof flags[name] === 'boolean') out[name] = flags[name];
  return out;
};

/**
 * The factorgate login request for an Auth0 post-login event. On a backend flow (refresh token,
 * token exchange, JWT bearer, CIBA) the request's IP, geolocation, ASN, user agent and Adaptive
 * MFA assessment are the backend's, so they are left out.
 */
function toLoginRequest(event, flow = flowOf(event)) {
  const user = event.user ?? {};
  const meta = user.app_metadata?.[METADATA_KEY] ?? {};
  const methods = [];
  for (const m of event.authentication?.methods ?? []) {
    const type = methodTypeOf(m);
    const at = timestamp(m.timestamp);
    if (type && at) methods.push({ type, at });
  }
  const factors = [];
  for (const f of user.enrolledFactors ?? []) {
    const type = factorTypeOf(f.type, f.options);
    if (type) factors.push({ id: `${f.type}-${factors.length}`, type });
  }
  // A passkey is a first factor in Auth0 (not in enrolledFactors); the user has one if they used it.
  if (methods.some((m) => m.type === 'passkeySynced')) factors.push({ id: 'passkey', type: 'passkeySynced' });

  const geoip = event.request?.geoip ?? {};
  const geo = {
    lat: number(geoip.latitude),
    lon: number(geoip.longitude),
    country: typeof geoip.countryCode === 'string' ? geoip.countryCode : undefined,
    asn: asn(event.request?.asn),
  };
  const maxAge = number(event.request?.query?.max_age);
  const sensitivity = event.client?.metadata?.factorgate_sensitivity;
  return {
    user: {
      id: user.user_id,
      kind: KINDS.has(meta.kind) ? meta.kind : undefined,
      roles: strings(event.authorization?.roles),
      capabilities: strings(meta.capabilities),
      createdAt: timestamp(user.created_at),
      lastLoginAt: timestamp(user.last_login),
      passwordChangedAt: timestamp(user.last_password_reset),
      factors: factors.slice(0, 32),
      flags: flagsOf(meta.flags),
    },
    session: flow.userNetwork
      ? {
          ip: isIP(event.request?.ip ?? '') ? event.request.ip : undefined,
          geo: Object.values(geo).some((v) => v !== undefined) ? geo : undefined,
          userAgent: clip(event.request?.user_agent, 1024),
          methods: methods.slice(-32),
          hostRisk: hostRiskOf(event.authentication?.riskAssessment),
        }
      : { methods: methods.slice(-32) },
    app: {
      id: event.client?.metadata?.factorgate_app ?? event.client?.client_id,
      sensitivity: SENSITIVITIES.has(sensitivity) ? sensitivity : undefined,
    },
    requested: {
      acr: strings(event.transaction?.acr_values),
      maxAgeS: maxAge !== undefined && maxAge >= 0 ? Math.floor(maxAge) : undefined,
    },
    state: typeof meta.state === 'string' ? meta.state : undefined,
  };
}

// ---- decision -> Auth0 API ----------------------------------------------------------------------

// Contract factor type -> Auth0 factor for challengeWith/enrollWith (null: Auth0 cannot prompt it
// as MFA: synced passkeys are a first factor, PIV and passwords are not Auth0 MFA factors).
const AUTH0_TYPES = {
  webauthnRoaming: 'webauthn-roaming',
  webauthnPlatform: 'webauthn-platform',
  totp: 'otp',
  hotp: 'otp',
  push: 'push-notification',
  sms: 'phone',
  voice: 'phone',
  email: 'email',
  recoveryCode: 'recovery-code',
};

// Auth0 factors for a list of contract types, in the engine's order (strongest first), one per
// Auth0 type; `phone` carries the preferred method(s) the policy allows.
function auth0Factors(types, { forChallenge }) {
  const out = new Map();
  for (const type of types) {
    const name = AUTH0_TYPES[type];
    if (!name || (forChallenge && name === 'recovery-code')) continue; // recovery codes: enroll only
    if (name === 'phone') {
      const methods = new Set(out.get('phone')?.methods ?? []).add(type);
      const preferredMethod = methods.size === 2 ? 'both' : methods.has('voice') ? 'voice' : 'sms';
      out.set('phone', { methods: [...methods], factor: { type: 'phone', options: { preferredMethod } } });
    } else if (!out.has(name)) {
      out.set(name, { factor: { type: name } });
    }
  }
  return [...out.values()].map((v) => v.factor);
}

// The contract types the user has, and the Auth0 types enrolled.
function enrolled(event) {
  const types = new Set();
  const auth0 = new Set();
  for (const f of event.user?.enrolledFactors ?? []) {
    auth0.add(f.type);
    const t = factorTypeOf(f.type, f.options);
    if (t) types.add(t);
    if (f.type === 'phone' && f.options?.preferredMethod === 'both') types.add('voice');
  }
  return { types, auth0 };
}

// Counts MFA commands so that one flow never issues more than Auth0 accepts.
function mfaCommands(api) {
  let used = 0;
  const issue = (name, arg) => {
    if (used >= MAX_MFA_COMMANDS) throw new Error(`factorgate: more than ${MAX_MFA_COMMANDS} MFA commands in one flow`);
    used += 1;
    api.authentication[name](...arg);
  };
  return {
    get used() { return used; },
    challenge(factors) {
      if (factors.length === 1) issue('challengeWith', [factors[0]]);
      else issue('challengeWithAny', [factors]);
    },
    enroll(factors) {
      if (factors.length === 1) issue('enrollWith', [factors[0]]);
      else issue('enrollWithAny', [factors]);
    },
  };
}

// What the session will have proved once the user passed a challenge with (or enrolled) any one of
// `types`: Auth0 issues no token otherwise. The engine answers it from the same request with that
// method added now; the weakest choice sets the claims.
function promisedAssurance(engine, request, decision, types, now) {
  if (engine === null || types.length === 0) return decision.assurance;
  const at = new Date(now).toISOString();
  let out = null;
  for (const type of types) {
    const next = engine.decideLogin({ ...request, session: { ...request.session, methods: [...request.session.methods, { type, at }] } }, { now });
    const a = next.type === 'decision' ? next.assurance : undefined;
    if (!a) return decision.assurance;
    out = out === null
      ? { ...a, amr: [...a.amr] }
      : {
          aal: Math.min(out.aal, a.aal),
          phishingResistant: out.phishingResistant && a.phishingResistant,
          hardwareBound: out.hardwareBound && a.hardwareBound,
          amr: out.amr.filter((v) => a.amr.includes(v)),
          acr: out.acr === a.acr ? out.acr : undefined,
        };
  }
  return out;
}

function setClaims(api, assurance, decision) {
  if (!assurance) return;
  const claims = {
    aal: assurance.aal,
    amr: assurance.amr,
    acr: assurance.acr,
    risk: decision.risk?.level,
  };
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    api.idToken.setCustomClaim(`${CLAIM_NAMESPACE}${name}`, value);
    api.accessToken.setCustomClaim(`${CLAIM_NAMESPACE}${name}`, value);
  }
}

function deny(api, decision, why) {
  api.access.deny(`factorgate: ${why} (risk ${decision.risk?.level ?? 'unknown'})`);
}

const isMfaApiEnrollment = (event) =>
  /\/mfa\/?$/.test(event.resource_server?.identifier ?? '') && (event.transaction?.requested_scopes ?? []).includes('enroll');

// The factors Auth0 accepts as "an existing factor" to challenge before an enrollment, and the
// contract types they are: the user's second factors, email only when it is all they have (email
// proves nothing beyond a password, but it is the only challenge such an account can pass).
const STRENGTH = ['webauthnRoaming', 'webauthnPlatform', 'push', 'totp', 'hotp', 'sms', 'voice'];
function existingFactors(event) {
  const { types } = enrolled(event);
  const second = STRENGTH.filter((t) => types.has(t)); // strongest first
  const chosen = second.length > 0 ? second : types.has('email') ? ['email'] : [];
  return { auth0: new Set(chosen.map((t) => AUTH0_TYPES[t])), factors: auth0Factors(chosen, { forChallenge: true }) };
}

const ageOk = (timestamp, now) => {
  const at = Date.parse(timestamp);
  return Number.isFinite(at) && at <= now + SKEW_MS && now - at <= BINDING_WINDOW_S * 1000;
};

// Was this session challenged with one of `types` within the binding window? Auth0's
// `authentication.methods` keeps every method of the session with the time it was last done, so
// an `mfa` entry from an SSO session days old is there too: its age is what counts, not that it
// exists. Without any factor to challenge, the sign-in itself must be that recent.
function boundRecently(event, existing, now) {
  const methods = event.authentication?.methods ?? [];
  if (existing.auth0.size === 0) return methods.some((m) => m.name !== 'mfa' && ageOk(m.timestamp, now));
  return methods.some((m) => m.name === 'mfa' && existing.auth0.has(AUTH0_TYPES[factorTypeOf(m.type)]) && ageOk(m.timestamp, now));
}

/** Applies a decision with the Action API. Returns what it did, for logs and tests. */
function applyDecision(event, api, decision, { engine, request, now, flow = flowOf(event) }) {
  const mfa = mfaCommands(api);
  const { types: has, auth0: hasAuth0 } = enrolled(event);
  const allowed = decision.requirement?.factors ?? [];
  const { interactive } = flow;
  const risky = decision.enrollmentAllowed === false || ['high', 'critical'].includes(decision.risk?.level);
  const existing = existingFactors(event);
  const minutes = Math.round(BINDING_WINDOW_S / 60);
  let applied = decision.outcome;
  const refuse = (why) => { deny(api, decision, why); applied = 'deny'; };

  if (isMfaApiEnrollment(event) && decision.enrollmentAllowed === false) {
    // A token for the MFA API with the `enroll` scope is how factors get added outside a login.
    refuse('adding a factor is not allowed from this session');
  } else if (decision.outcome === 'allow') {
    if (isMfaApiEnrollment(event) && !boundRecently(event, existing, now)) {
      // The binding rule: a factor is added only from a session challenged within the window.
      if (!interactive) refuse('adding a factor needs a recent sign-in; sign in again');
      else if (existing.factors.length === 0) refuse(`adding a factor needs a sign-in within the last ${minutes} minutes; sign in again`);
      else mfa.challenge(existing.factors);
    }
    if (applied !== 'deny') setClaims(api, decision.assurance, decision);
  } else if (decision.outcome === 'stepUp') {
    const types = allowed.filter((t) => has.has(t));
    const factors = auth0Factors(types, { forChallenge: true });
    if (!interactive) {
      refuse('step-up needed; sign in again');
    } else if (factors.length === 0) {
      refuse('step-up needed with a factor this account does not have');
    } else {
      mfa.challenge(factors);
      setClaims(api, promisedAssurance(engine, request, decision, types.filter((t) => AUTH0_TYPES[t] && t !== 'recoveryCode'), now), decision);
    }
  } else if (decision.outcome === 'enroll') {
    // The engine never answers `enroll` on a risky login; checked again here because binding a
    // factor during an attack is the persistence path this product exists to close.
    const types = allowed.filter((t) => AUTH0_TYPES[t] && t !== 'email' && !hasAuth0.has(AUTH0_TYPES[t]));
    const factors = auth0Factors(types, { forChallenge: false });
    if (risky) {
      refuse('enrollment is not offered on a risky sign-in');
    } else if (!interactive) {
      refuse('enrollment needed; sign in again');
    } else if (factors.length === 0) {
      refuse('enrollment needed; no factor the policy allows can be enrolled here');
    } else {
      // Auth0 refuses to enroll an additional factor before a challenge with an existing one, and
      // the binding rule asks that challenge within the window: an `mfa` method from earlier in a
      // long SSO session is not enough.
      if (existing.factors.length > 0 && !boundRecently(event, existing, now)) mfa.challenge(existing.factors);
      mfa.enroll(factors);
      setClaims(api, promisedAssurance(engine, request, decision, types, now), decision);
    }
  } else {
    // deny, and approval (a login cannot wait for an approver here)
    refuse(decision.outcome === 'approval' ? 'this sign-in needs an approval' : 'sign-in refused by policy');
  }
  return { applied, mfaCommands: mfa.used, flow };
}

// Closed fail mode without an engine (the policy did not compile): challenge with every factor the
// user has, deny without any (docs/contract.md#failure).
function noEngineDecision(event) {
  const types = [...enrolled(event).types];
  const usable = types.filter((t) => AUTH0_TYPES[t] && t !== 'recoveryCode');
  return {
    type: 'decision',
    outcome: usable.length > 0 ? 'stepUp' : 'deny',
    risk: { score: 0, level: 'low' },
    reasons: [{ code: 'engineFailure', points: 0, detail: 'The policy did not compile; failing closed.' }],
    requirement: { factors: usable },
    enrollmentAllowed: false,
    alerts: [],
  };
}

async function sendAlerts(event, decision) {
  const alerts = decision.alerts ?? [];
  for (const alert of alerts) {
    // Auth0 keeps 256 characters of Action logs; stream the logs or set FACTORGATE_ALERT_URL.
    console.log(`factorgate alert ${alert.class_uid} ${alert.severity ?? ''} ${event.user?.user_id}: ${decision.reasons.map((r) => r.code).join(',')}`);
  }
  const url = event.secrets?.FACTORGATE_ALERT_URL;
  if (!url || alerts.length === 0) return;
  try {
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(3000), // the whole Action has 20 s
    });
  } catch (e) {
    console.error(`factorgate: alerts not delivered: ${e.message}`);
  }
}

/** Handler for the post-login trigger. */
exports.onExecutePostLogin = async (event, api) => {
  const now = Date.now();
  const engine = engineFor(event.secrets?.FACTORGATE_STATE_KEY);
  const flow = flowOf(event);
  const request = toLoginRequest(event, flow);
  let decision = engine === null ? noEngineDecision(event) : engine.decideLogin(request, { now });
  if (decision.type !== 'decision') {
    console.error(`factorgate: engine error (${codes(decision)}); applying the policy's fail mode`);
    decision = engine.failMode('login', request, { now });
    if (decision.type !== 'decision') decision = noEngineDecision(event);
  }

  // Each metadata write is one "Write Users" operation at the end of the flow, rate limited per
  // tenant (README: numbers). Written only for a sign-in made from the user's own device (a
  // backend's refresh is not the user's place), and only when the state changed.
  const stateChanged = typeof decision.state === 'string' && decision.state !== request.state;
  if (flow.userNetwork && stateChanged) {
    const meta = event.user?.app_metadata?.[METADATA_KEY];
    api.user.setAppMetadata(METADATA_KEY, { ...(meta && typeof meta === 'object' ? meta : {}), state: decision.state });
  }
  const result = applyDecision(event, api, decision, { engine, request, now, flow });
  await sendAlerts(event, decision);
  return { ...result, decision };
};

// For tests and reuse; Auth0 calls only onExecutePostLogin.
exports.toLoginRequest = toLoginRequest;
exports.flowOf = flowOf;
exports.BINDING_WINDOW_S = BINDING_WINDOW_S;
exports.auth0Factors = auth0Factors;
exports.MAX_MFA_COMMANDS = MAX_MFA_COMMANDS;
