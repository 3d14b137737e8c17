// Realistic inputs for bench/run.mjs: an employee with three factors signing in to a
// medium-sensitivity application from a managed laptop, carrying the signed memory (state) of
// twelve earlier sign-ins from three devices and three networks, so that state verification,
// history signals and the state rewrite all run on every decision.
export const STATE_KEY = 'bench-state-key-0123456789abcdef';
export const NOW = Date.parse('2026-11-23T10:00:00Z');

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const PLACES = [
  { ip: '198.51.100.7', geo: { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 }, device: 'dev-alice-laptop' },
  { ip: '203.0.113.44', geo: { lat: 59.33, lon: 18.07, country: 'SE', asn: 3301 }, device: 'dev-alice-phone' },
  { ip: '192.0.2.19', geo: { lat: 55.68, lon: 12.57, country: 'DK', asn: 3292 }, device: 'dev-alice-desktop' },
];

export function loginRequest(nowMs = NOW, place = PLACES[0], state = undefined) {
  return {
    user: {
      id: 'auth0|alice',
      kind: 'employee',
      roles: ['engineer', 'payroll-viewer'],
      capabilities: [],
      createdAt: '2024-12-23T10:00:00Z',
      lastLoginAt: iso(nowMs - DAY),
      passwordChangedAt: '2026-07-26T10:00:00Z',
      factors: [
        { id: 'f1', type: 'totp', enrolledAt: '2025-04-02T10:00:00Z', lastUsedAt: iso(nowMs - DAY) },
        { id: 'f2', type: 'passkeySynced', enrolledAt: '2026-01-27T10:00:00Z' },
        { id: 'f3', type: 'push', enrolledAt: '2025-09-14T10:00:00Z' },
      ],
    },
    session: {
      ip: place.ip,
      geo: place.geo,
      device: { id: place.device, managed: true, compliant: true },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
      methods: [
        { type: 'password', at: iso(nowMs - 3 * 60_000) },
        { type: 'totp', at: iso(nowMs - 2 * 60_000) },
      ],
      hostRisk: { level: 'low', signals: [] },
    },
    app: { id: 'payroll' },
    ...(state === undefined ? {} : { state }),
  };
}

/**
 * The same user on the same day from another continent, on a device never seen and not managed,
 * with the IdP rating the sign-in medium: high risk, a step-up, and an OCSF Detection Finding.
 */
export function riskyLoginRequest(nowMs = NOW, state = undefined) {
  const place = { ip: '203.0.113.200', geo: { lat: -33.87, lon: 151.21, country: 'AU', asn: 1221 }, device: 'dev-unknown-7' };
  const request = loginRequest(nowMs, place, state);
  request.session.device = { id: place.device, managed: false };
  request.session.hostRisk = { level: 'medium', signals: [] };
  return request;
}

export function factorChangeRequest(nowMs = NOW, state = undefined) {
  const login = loginRequest(nowMs, PLACES[0], state);
  return {
    ...login,
    app: undefined,
    change: {
      action: 'enroll',
      factor: { id: 'f4', type: 'webauthnRoaming' },
      actor: { kind: 'self' },
      phase: 'before',
    },
  };
}

/**
 * An IAM administrator with Okta FastPass (a platform authenticator, phishing-resistant and
 * hardware-bound) on a managed laptop, signed in with it two minutes ago: the user of the
 * privileged-action and approval tasks.
 */
export function adminLoginRequest(nowMs = NOW, place = PLACES[0], state = undefined) {
  const request = loginRequest(nowMs, place, state);
  request.user = {
    ...request.user,
    id: 'okta|00uada',
    roles: ['iam-admin'],
    capabilities: ['manageIam'],
    factors: [
      { id: 'fastpass', type: 'webauthnPlatform', enrolledAt: '2025-02-11T09:00:00Z', lastUsedAt: iso(nowMs - DAY) },
      { id: 'push', type: 'push', enrolledAt: '2025-02-11T09:00:00Z' },
    ],
  };
  request.session.methods = [
    { type: 'password', at: iso(nowMs - 3 * 60_000) },
    { type: 'webauthnPlatform', at: iso(nowMs - 2 * 60_000) },
  ];
  request.app = { id: 'okta-admin-console' };
  return request;
}

/**
 * A privileged action as Okta reports it after the fact (`system.api_token.create`): the admin
 * creates an API token in their FastPass session, with no change or recovery before it: allowed,
 * no alert, the chain and exposure rules all run.
 */
export function actionRequest(nowMs = NOW, state = undefined) {
  return {
    ...adminLoginRequest(nowMs, PLACES[0], state),
    app: undefined,
    action: { type: 'apiTokenCreate', target: { kind: 'apiToken', id: '00T1ciToken' }, phase: 'after' },
  };
}

/**
 * `grantApproval`'s input: the help desk resets the admin's factors with a ticket, which the
 * default policy holds for the SOC, and a SOC analyst approves it: decided again, then signed.
 */
export function approvalInput(nowMs = NOW, state = undefined) {
  const request = {
    ...adminLoginRequest(nowMs, PLACES[0], state),
    app: undefined,
    change: { action: 'resetAll', phase: 'before', actor: { kind: 'helpdesk', id: 'hd-17', ticket: 'INC-1234' } },
  };
  return { request, approver: { kind: 'soc', id: 'soc-carol' } };
}

/**
 * Plays twelve sign-ins over twelve days through `engine` (`signIn` gives each one's request,
 * by default the employee's) and returns the last state.
 */
export function fullState(engine, signIn = loginRequest) {
  let state;
  for (let i = 0; i < 12; i += 1) {
    const at = NOW - (12 - i) * DAY + (i % 3) * HOUR;
    const d = engine.decideLogin(signIn(at, PLACES[i % PLACES.length], state), { now: at });
    if (d.type !== 'decision' || typeof d.state !== 'string') throw new Error(`state build-up failed: ${JSON.stringify(d)}`);
    state = d.state;
  }
  return state;
}

// --- the references ----------------------------------------------------------------------------

// Cedar: an equivalent step-up rule. The host has to pre-digest the session into the context
// (AAL reached, phishing resistance, authentication age): Cedar has no notion of factors or time.
export const CEDAR_POLICIES = `
// A login is allowed when the session meets the application tier's requirement.
permit (principal, action == Action::"login", resource)
when {
  context.aal >= resource.minAal &&
  (!resource.phishingResistant || context.phishingResistant) &&
  context.authAgeS <= resource.maxAgeS
};
// Privileged users need hardware-bound phishing-resistant AAL3 at every application.
forbid (principal in Group::"admins", action == Action::"login", resource)
unless { context.aal >= 3 && context.phishingResistant && context.hardwareBound };
// A denied network or a high host risk rating needs phishing resistance.
forbid (principal, action == Action::"login", resource)
when { context.deniedNetwork || context.hostRisk == "high" }
unless { context.phishingResistant };
// Unmanaged devices cannot reach critical applications.
forbid (principal, action == Action::"login", resource)
when { resource.tier == "critical" && !context.deviceManaged };
`;

const AAL = { password: 1, totp: 2, hotp: 2, push: 2, sms: 2, voice: 2, passkeySynced: 2, webauthnPlatform: 3, webauthnRoaming: 3, piv: 3 };
const PHISHING_RESISTANT = new Set(['passkeySynced', 'webauthnPlatform', 'webauthnRoaming', 'piv']);
const HARDWARE = new Set(['webauthnPlatform', 'webauthnRoaming', 'piv']);
const TIERS = {
  low: { minAal: 1, phishingResistant: false, maxAgeS: 30 * 86400 },
  medium: { minAal: 2, phishingResistant: false, maxAgeS: 86400 },
  high: { minAal: 2, phishingResistant: true, maxAgeS: 12 * 3600 },
  critical: { minAal: 3, phishingResistant: true, maxAgeS: 12 * 3600 },
};
const APP_TIERS = { payroll: 'medium', wiki: 'low', 'prod-console': 'critical' };
const PRIVILEGED = /(^|[-_])admin$|^(owner|root|superuser)$/;

/** What the session proves, as a host would compute it before calling Cedar. */
export function sessionFacts(request, nowMs) {
  let aal = 0;
  let pr = false;
  let hw = false;
  let oldest = nowMs;
  const factors = request.session?.methods ?? [];
  const second = factors.filter((m) => m.type !== 'password');
  for (const m of factors) {
    const at = Date.parse(m.at);
    if (at < oldest) oldest = at;
    aal = Math.max(aal, AAL[m.type] ?? 0);
    pr ||= PHISHING_RESISTANT.has(m.type);
    hw ||= HARDWARE.has(m.type);
  }
  if (second.length === 0) aal = Math.min(aal, 1);
  return { aal, pr, hw, authAgeS: Math.floor((nowMs - oldest) / 1000) };
}

export function cedarCall(request, nowMs) {
  const facts = sessionFacts(request, nowMs);
  const tier = APP_TIERS[request.app?.id] ?? 'medium';
  const admin = (request.user.roles ?? []).some((r) => PRIVILEGED.test(r));
  return {
    principal: { type: 'User', id: request.user.id },
    action: { type: 'Action', id: 'login' },
    resource: { type: 'App', id: request.app.id },
    context: {
      aal: facts.aal,
      phishingResistant: facts.pr,
      hardwareBound: facts.hw,
      authAgeS: facts.authAgeS,
      deniedNetwork: false,
      hostRisk: request.session?.hostRisk?.level ?? 'none',
      deviceManaged: request.session?.device?.managed === true,
      country: request.session?.geo?.country ?? '',
      asn: request.session?.geo?.asn ?? 0,
    },
    entities: [
      {
        uid: { type: 'User', id: request.user.id },
        attrs: { kind: request.user.kind ?? 'employee', factorCount: (request.user.factors ?? []).length },
        parents: admin ? [{ type: 'Group', id: 'admins' }] : [],
      },
      { uid: { type: 'App', id: request.app.id }, attrs: { tier, ...TIERS[tier] }, parents: [] },
    ],
    preparsedPolicySetId: 'factorgate-bench',
  };
}

/** The same rule written by hand in JS on the request object: no JSON, no wasm. */
export function jsRule(request, nowMs) {
  const facts = sessionFacts(request, nowMs);
  const tier = APP_TIERS[request.app?.id] ?? 'medium';
  const need = TIERS[tier];
  const admin = (request.user.roles ?? []).some((r) => PRIVILEGED.test(r));
  const reasons = [];
  if (facts.aal < need.minAal) reasons.push('insufficientAal');
  if (need.phishingResistant && !facts.pr) reasons.push('phishingResistanceRequired');
  if (facts.authAgeS > need.maxAgeS) reasons.push('staleAuthentication');
  if (admin && !(facts.aal >= 3 && facts.pr && facts.hw)) reasons.push('privilegedUser');
  if (request.session?.hostRisk?.level === 'high' && !facts.pr) reasons.push('hostRiskHigh');
  if (tier === 'critical' && request.session?.device?.managed !== true) reasons.push('unmanagedDevice');
  return { outcome: reasons.length === 0 ? 'allow' : 'stepUp', reasons };
}
