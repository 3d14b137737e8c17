// An OpenID provider (npm `oidc-provider`, certified) whose login interaction asks factorgate what
// the session must prove and enforces the answer with real second factors:
//
//   password ──► decideLogin ──► allow ─────────────────────────────► finish: acr, amr from the decision
//                    │  ▲        stepUp ──► TOTP (otpauth) or WebAuthn assertion ──┐
//                    │  └─────────────────────────────────────────────────────────┘ (method added, decide again)
//                    ├─► enroll ──► assessFactorChange (phase before) ──► stepUp ──► TOTP ──┐
//                    │                   ▲  └─► allow ──► WebAuthn registration ──► gate   │
//                    │                   └──────────────────────────────────────────────────┘  again with the
//                    │                                                        credential's real type, then store
//                    └─► deny ──► access_denied
//
// Self-service recovery (a lost security key), from the step-up page:
//
//   lost ──► saved recovery code (+ the password already proved) ──► assessFactorChange
//            (action recover, phase before) ──► stepUp (recovery.needs: more evidence)
//                 ├─► allow ──► choose from recovery.mayBind ──► WebAuthn registration ──► gate again,
//                 │             then store: recovery.invalidate suspended, notify, state (the
//                 │             restriction window), login continues with the new factor
//                 └─► approval (a privileged account: the SOC) ──► waits; the SOC console (/soc)
//                               calls grantApproval; the change is resubmitted with the grant
//
//   /account: the signed-in user's factors; a removal is gated by assessFactorChange with the
//   user's stored state, so inside the restriction window after a recovery it is held.
//
// Every POST updates the interaction's flow and redirects to GET /interaction/:uid, which runs the
// state machine (`advance`): decisions are taken on what the session has proved so far, never on
// what a page claims. The ID token's `acr` is the requested value the engine says the session
// satisfies (`assurance.acr`), its `amr` the engine's RFC 8176 methods: the client checks them.
//
// In memory only (oidc-provider's built-in memory adapter, users in a Map): an example, not a
// product. Serve it on `localhost` (WebAuthn needs a secure context and a domain as RP ID; an IP
// address is neither). See README.md.
import { randomBytes, randomUUID, timingSafeEqual, createHash, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { interactionPolicy } from 'oidc-provider';
import * as OTPAuth from 'otpauth';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { compilePolicy, defaultPolicy } from 'factorgate';

/** The `acr` values this provider can assert: the ones factorgate knows (src/assurance.rs). */
export const ACR_VALUES = ['phr', 'phrh', 'urn:okta:loa:2fa:any', 'urn:okta:loa:1fa:any', 'aal1', 'aal2', 'aal3'];

// WebAuthn credential kinds in factorgate's vocabulary, with the words a user sees.
const WEBAUTHN_TYPES = {
  webauthnRoaming: 'security key',
  webauthnPlatform: 'device authenticator',
  passkeySynced: 'passkey',
};
const isWebauthn = (type) => Object.hasOwn(WEBAUTHN_TYPES, type);

const sha256 = (text) => createHash('sha256').update(text).digest('base64url');

/**
 * Example users (password + TOTP each); `secret` is the TOTP seed an authenticator app holds.
 * erin and frank (privileged: payroll-admin) each had a security key, lost (no authenticator
 * holds it), and saved recovery codes (`savedCodes`: what the user wrote down; the provider keeps
 * only their hashes); sofia is in the SOC (`groups`).
 */
export function exampleUsers() {
  const user = (id, name, secret, extra = {}) => ({
    id,
    name,
    password: `${id}-correct-horse`,
    kind: 'employee',
    createdAt: '2024-03-01T09:00:00Z',
    roles: [],
    groups: [],
    totp: { id: `${id}-totp`, secret, enrolledAt: '2025-01-15T09:00:00Z', lastStep: 0 },
    credentials: [], // WebAuthn: { id, publicKey, counter, transports, type, enrolledAt, suspended? }
    recoveryCodes: [], // saved codes: { hash, usedAt }
    recoveredAt: undefined,
    state: undefined, // factorgate's signed memory for this user
    ...extra,
  });
  // A credential id is base64url (what the authenticator made); no authenticator holds this one.
  const lostKey = (id) => ({ id: Buffer.from(`${id}'s lost key`).toString('base64url'), publicKey: new Uint8Array(0), counter: 0, transports: ['usb'], type: 'webauthnRoaming', enrolledAt: '2025-01-15T09:00:00Z' });
  const codes = (id) => [1, 2, 3].map((n) => `${id.toUpperCase()}-${String((n * 7919) % 10000).padStart(4, '0')}-${['K7QF', 'M2XD', 'R9TB'][n - 1]}`);
  const recoverable = (id, name, secret, extra) => user(id, name, secret, {
    credentials: [lostKey(id)],
    savedCodes: codes(id),
    recoveryCodes: codes(id).map((c) => ({ hash: sha256(c), usedAt: null })),
    ...extra,
  });
  return new Map([
    ['bob', user('bob', 'Bob Example', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')],
    ['carol', user('carol', 'Carol Example', 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA')],
    ['dave', user('dave', 'Dave Example', 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U')],
    ['erin', recoverable('erin', 'Erin Example', 'ONSWG4TFORZWK3DTMVZXIZLSMVXGG33E')],
    ['frank', recoverable('frank', 'Frank Example', 'MZZGC3TLMVXGC3LQNRSW4ZLSNFXGOYLN', { roles: ['payroll-admin'] })],
    ['sofia', user('sofia', 'Sofia Example', 'ONXWM2LBONXWGYLOMFWHS43UONXWGYLP', { groups: ['soc'] })],
  ]);
}

/** The TOTP generator/verifier of a user (what an authenticator app computes). */
export function totpOf(user) {
  return new OTPAuth.TOTP({
    issuer: 'factorgate example',
    label: user.id,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(user.totp.secret),
  });
}

/** The factors factorgate sees for a user (types, ids, dates: never secrets); a suspended one is none. */
function factorsOf(user) {
  return [
    ...(user.totp ? [{ id: user.totp.id, type: 'totp', enrolledAt: user.totp.enrolledAt }] : []),
    ...activeCredentials(user).map((c) => ({ id: c.id, type: c.type, enrolledAt: c.enrolledAt })),
  ];
}
const activeCredentials = (user) => user.credentials.filter((c) => !c.suspended);

/** The user as factorgate's requests name them. */
function subjectOf(user) {
  return {
    id: user.id,
    kind: user.kind,
    createdAt: user.createdAt,
    ...(user.roles?.length ? { roles: user.roles } : {}),
    ...(user.recoveredAt ? { recoveredAt: user.recoveredAt } : {}),
    factors: factorsOf(user),
  };
}

/**
 * Starts the provider on 127.0.0.1 and resolves to { issuer, server, users, outbox, log, close }.
 * `clients`: oidc-provider client metadata. `port` 0 picks a free one. `engine` options: a policy
 * (default: the embedded one) and a state key.
 */
export async function startIdp({ port = 0, clients, users = exampleUsers(), policy = defaultPolicy(), stateKey = randomBytes(32).toString('base64url') } = {}) {
  const engine = compilePolicy(policy, { stateKey });
  if (engine.type !== 'engine') throw new Error(`policy refused: ${JSON.stringify(engine.errors)}`);

  const server = createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  const rpID = 'localhost';

  const outbox = []; // notifications factorgate asked for (a real IdP emails or pushes them)
  const log = []; // every decision taken, for the curious and for the tests
  const flows = new Map(); // interaction uid -> flow (below)
  const approvals = new Map(); // approval id -> a change held for approval (below)
  const logins = new Map(); // `${accountId}|${loginTs}` -> the methods that login proved (for /account)
  const csrfSecret = randomBytes(32).toString('base64url');

  // Signing key for ID tokens, made at start (an example keeps no keys on disk).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'example-1', use: 'sig', alg: 'RS256' };

  const provider = new Provider(origin, {
    clients,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    acrValues: ACR_VALUES,
    // acr and amr under the openid scope: every ID token carries them (oidc-provider otherwise
    // includes acr only when acr_values were sent, and amr only when the claims parameter asks).
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}`, policy: loginPolicy() },
    async findAccount(ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: user.name, preferred_username: user.id }) };
    },
    // First-party client: no consent screen, the grant is made here.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  });
  const providerCallback = provider.callback();

  // ---- the decisions ----------------------------------------------------------------------------

  // A flow: { user, methods: [{type, at}], stateAtStart, declined, bind, challenge, error, last }.
  // `stateAtStart`: factorgate records one sign-in per login decision, so every decision of one
  // login reads the state the user had when the login began; the final decision's state is kept.
  function loginRequest(flow, details, { withAcr = true } = {}) {
    const { user } = flow;
    const acr = String(details.params.acr_values ?? '').split(' ').filter(Boolean);
    const maxAge = details.params.max_age === undefined ? undefined : Number(details.params.max_age);
    return {
      user: subjectOf(user),
      session: flow.session(flow.methods),
      app: { id: details.params.client_id },
      requested: { ...(withAcr && acr.length ? { acr } : {}), ...(Number.isFinite(maxAge) ? { maxAgeS: maxAge } : {}) },
      state: flow.stateAtStart,
    };
  }

  function decideLogin(flow, details, opts) {
    const decision = engine.decideLogin(loginRequest(flow, details, opts));
    if (decision.type !== 'decision') throw new Error(`factorgate refused the request: ${JSON.stringify(decision.errors)}`);
    log.push({ user: flow.user.id, entry: 'login', outcome: decision.outcome, reasons: decision.reasons.map((r) => r.code), assurance: decision.assurance, requirement: decision.requirement });
    return decision;
  }

  function assessEnroll(flow, factorType) {
    const { user } = flow;
    const decision = engine.assessFactorChange({
      user: subjectOf(user),
      session: flow.session(flow.methods),
      change: { action: 'enroll', factor: { type: factorType }, phase: 'before' },
      state: flow.stateAtStart,
    });
    if (decision.type !== 'decision') throw new Error(`factorgate refused the request: ${JSON.stringify(decision.errors)}`);
    log.push({ user: user.id, entry: 'factorChange', factor: factorType, outcome: decision.outcome, reasons: decision.reasons.map((r) => r.code), requirement: decision.requirement });
    return decision;
  }

  // ---- recovery (docs/contract.md#recovery) ----
  // flow.recovery: { methods: [{ type, at }], lost: [credential ids], type?, approvalId?, done? }

  function recoverRequest(flow, factorType) {
    return {
      user: subjectOf(flow.user),
      session: flow.session(flow.methods),
      change: {
        action: 'recover',
        ...(factorType ? { factor: { type: factorType } } : {}),
        recovery: { methods: flow.recovery.methods, lost: flow.recovery.lost },
        phase: 'before',
      },
      state: flow.stateAtStart,
    };
  }

  /** The recovery decided, with the grant the SOC gave it if there is one. */
  function assessRecover(flow, factorType) {
    const request = recoverRequest(flow, factorType);
    const held = flow.recovery.approvalId ? approvals.get(flow.recovery.approvalId) : undefined;
    const grant = held?.status === 'granted' ? held.grant : undefined;
    const decision = engine.assessFactorChange(grant ? { ...request, change: { ...request.change, approval: grant } } : request);
    if (decision.type !== 'decision') throw new Error(`factorgate refused the request: ${JSON.stringify(decision.errors)}`);
    log.push({ user: flow.user.id, entry: 'factorChange', action: 'recover', factor: factorType, outcome: decision.outcome, reasons: decision.reasons.map((r) => r.code), recovery: decision.recovery, approval: decision.approval });
    if (grant && decision.outcome === 'approval') {
      // The grant did not hold (a risk since, expired, used): a new approval is needed.
      held.status = 'pending';
      held.grant = undefined;
      held.note = decision.reasons.find((r) => r.code === 'approvalInvalid' || r.code === 'approvalReused')?.detail;
    }
    return decision;
  }

  /** Binding during a recovery is gated by the recovery itself; otherwise by an enroll. */
  const gate = (flow, factorType) => (flow.recovery && !flow.recovery.done ? assessRecover(flow, factorType) : assessEnroll(flow, factorType));

  /** A change held for approval, kept until an approver grants it (the SOC console). */
  function hold(flow, request, decision) {
    const { id, by, expiresAt } = decision.approval;
    let held = approvals.get(id);
    if (!held || held.status === 'used') {
      held = { id, userId: flow.user.id, request, by, expiresAt, reasons: decision.reasons, status: 'pending', requestedAt: new Date().toISOString() };
      approvals.set(id, held);
      deliver(flow.user, decision.notify, { status: 'held', approvalId: id });
    }
    return held;
  }

  /** The notifications factorgate asks for (a real provider emails, texts or pushes them). */
  function deliver(user, notify, extra = {}) {
    for (const n of notify ?? []) outbox.push({ to: user.id, channel: n.channel, template: n.template, ...extra });
  }

  // Which step-up the IdP can run for this user among the factor types the decision allows.
  function usableFactor(user, types) {
    for (const type of types ?? []) {
      if (type === 'totp') return 'totp';
      if (isWebauthn(type) && activeCredentials(user).some((c) => c.type === type)) return type;
    }
    return null;
  }

  // The state machine: runs on every GET /interaction/:uid. Renders a page or finishes.
  async function advance(req, res, details, flow) {
    if (!flow.user) return send(res, 200, pages.password({ uid: details.uid, error: flow.error, acr: details.params.acr_values }));

    // Recovering the account (the user lost a factor): evidence first, then a new factor.
    if (flow.recovery && !flow.recovery.done) {
      const lostOf = () => activeCredentials(flow.user).filter(({ type }) => isWebauthn(type));
      if (flow.recovery.methods.length === 0) return send(res, 200, pages.recover({ uid: details.uid, credentials: lostOf(), error: flow.error }));
      const type = flow.recovery.type;
      const decision = assessRecover(flow, type);
      flow.last = decision;
      if (decision.outcome === 'stepUp') {
        // Not enough evidence: recovery.needs says what would suffice.
        flow.recovery.methods = [];
        return send(res, 200, pages.recover({ uid: details.uid, credentials: lostOf(), error: flow.error ?? 'That is not enough to recover this account.', decision }));
      }
      if (decision.outcome === 'deny') return finish(req, res, flow, { error: 'access_denied', error_description: `factorgate: recovery refused (${summary(decision)})` });
      if (!type) return send(res, 200, pages.rebind({ uid: details.uid, decision, offered: (decision.recovery?.mayBind ?? []).filter(isWebauthn), error: flow.error }));
      if (decision.outcome === 'approval') {
        const held = hold(flow, recoverRequest(flow, type), decision);
        flow.recovery.approvalId = held.id;
        return send(res, 200, pages.waiting({ uid: details.uid, decision, held }));
      }
      // allow: bind the new factor (gated again, with the real type, before it is stored).
      flow.bind = { type };
      return send(res, 200, pages.register({ uid: details.uid, label: WEBAUTHN_TYPES[type], decision, error: flow.error, recovering: true }));
    }

    // Binding a new factor (the user chose to enroll): gate it first.
    if (flow.bind) {
      const gate = assessEnroll(flow, flow.bind.type);
      flow.last = gate;
      if (gate.outcome === 'allow') {
        return send(res, 200, pages.register({ uid: details.uid, label: WEBAUTHN_TYPES[flow.bind.type], decision: gate, error: flow.error }));
      }
      if (gate.outcome === 'stepUp') {
        const factor = usableFactor(flow.user, gate.requirement?.factors);
        if (factor) return send(res, 200, pageFor(factor, details.uid, gate, flow, `to add a ${WEBAUTHN_TYPES[flow.bind.type]}`));
      }
      return finish(req, res, flow, { error: 'access_denied', error_description: `factorgate: adding a ${WEBAUTHN_TYPES[flow.bind.type]} is not allowed (${gate.outcome}: ${summary(gate)})` });
    }

    const decision = decideLogin(flow, details, { withAcr: !flow.declined });
    flow.last = decision;
    switch (decision.outcome) {
      case 'allow':
        return finish(req, res, flow, { login: { accountId: flow.user.id, acr: decision.assurance.acr, amr: decision.assurance.amr } }, decision);
      case 'stepUp': {
        const factor = usableFactor(flow.user, decision.requirement.factors);
        if (factor) return send(res, 200, pageFor(factor, details.uid, decision, flow, 'to continue'));
        return finish(req, res, flow, { error: 'access_denied', error_description: 'factorgate asks for a factor this provider cannot check' }, decision);
      }
      case 'enroll': {
        const offered = (decision.requirement.factors ?? []).filter(isWebauthn);
        if (decision.enrollmentAllowed && offered.length > 0) {
          return send(res, 200, pages.enroll({ uid: details.uid, offered, decision, acr: details.params.acr_values }));
        }
        return finish(req, res, flow, { error: 'access_denied', error_description: `factorgate: enroll, but not in this session (${summary(decision)})` }, decision);
      }
      default: // deny, or anything this provider does not know how to satisfy
        return finish(req, res, flow, { error: 'access_denied', error_description: `factorgate: ${decision.outcome} (${summary(decision)})` }, decision);
    }
  }

  function pageFor(factor, uid, decision, flow, purpose) {
    if (factor === 'totp') return pages.totp({ uid, decision, purpose, error: flow.error });
    return pages.assert({ uid, decision, purpose, label: WEBAUTHN_TYPES[factor], error: flow.error });
  }

  async function finish(req, res, flow, result, decision) {
    if (decision?.state) flow.user.state = decision.state; // one sign-in recorded per login
    if (result.login) {
      // The methods this login proved, for later changes in its session (/account).
      result.login.ts = Math.floor(Date.now() / 1000);
      logins.set(`${result.login.accountId}|${result.login.ts}`, { methods: [...flow.methods], session: flow.session });
    }
    flows.delete(flow.uid);
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  // ---- the routes -------------------------------------------------------------------------------

  async function interaction(req, res, url) {
    const [, , uid, action, sub] = url.pathname.split('/'); // /interaction/:uid[/:action[/:sub]]
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return send(res, 400, pages.message('This sign-in has expired. Start again from the application.'));
    }
    if (details.uid !== uid) return send(res, 400, pages.message('Interaction mismatch.'));
    let flow = flows.get(uid);
    if (!flow) {
      flow = newFlow(uid, req);
      flows.set(uid, flow);
    }
    const again = () => redirect(res, `/interaction/${uid}`);

    if (req.method === 'GET' && action === undefined) {
      await advance(req, res, details, flow); // renders a page (with flow.error, once) or finishes
      flow.error = undefined;
      return undefined;
    }
    if (req.method === 'GET' && action === 'approval') {
      // The waiting page asks whether the approvers have answered.
      const held = flow.recovery?.approvalId ? approvals.get(flow.recovery.approvalId) : undefined;
      return sendJson(res, 200, { status: held?.status ?? 'none' });
    }
    if (req.method !== 'POST') return send(res, 405, pages.message('Method not allowed.'));

    if (action === 'password') {
      const form = await readForm(req);
      const user = users.get(String(form.get('username') ?? ''));
      if (!user || !sameSecret(String(form.get('password') ?? ''), user.password)) {
        flow.error = 'Unknown user or wrong password.';
        return again();
      }
      flow.user = user;
      flow.stateAtStart = user.state;
      flow.methods.push({ type: 'password', at: new Date().toISOString() });
      return again();
    }
    if (!flow.user) return again();

    if (action === 'totp') {
      const form = await readForm(req);
      const token = String(form.get('code') ?? '').replace(/\s/g, '');
      const delta = /^\d{6}$/.test(token) ? totpOf(flow.user).validate({ token, window: 1 }) : null;
      const step = delta === null ? null : Math.floor(Date.now() / 30_000) + delta;
      if (step === null || step <= flow.user.totp.lastStep) {
        flow.error = 'That code was not accepted.';
        return again();
      }
      flow.user.totp.lastStep = step; // a code is good once
      flow.methods.push({ type: 'totp', at: new Date().toISOString() });
      return again();
    }
    if (action === 'lost') {
      // "I lost my security key": recovery instead of the step-up.
      flow.recovery = { methods: [], lost: [] };
      flow.bind = undefined;
      return again();
    }
    if (action === 'recover' && flow.recovery && !flow.recovery.done) {
      const form = await readForm(req);
      const code = String(form.get('code') ?? '').trim().toUpperCase();
      const saved = code && flow.user.recoveryCodes.find((c) => !c.usedAt && sameSecret(sha256(code), c.hash));
      if (!saved) {
        flow.error = 'That recovery code was not accepted.';
        return again();
      }
      saved.usedAt = new Date().toISOString(); // a saved code is good once
      flow.recovery.methods = [{ type: 'recoveryCode', at: saved.usedAt }];
      const ids = new Set(activeCredentials(flow.user).map((c) => c.id));
      flow.recovery.lost = form.getAll('lost').map(String).filter((id) => ids.has(id));
      return again();
    }
    if (action === 'rebind' && flow.recovery && !flow.recovery.done) {
      const form = await readForm(req);
      const choice = String(form.get('factor') ?? '');
      if (isWebauthn(choice)) flow.recovery.type = choice;
      return again();
    }
    if (action === 'enroll') {
      const form = await readForm(req);
      const choice = String(form.get('factor') ?? '');
      if (choice === 'skip') flow.declined = true;
      else if (isWebauthn(choice)) flow.bind = { type: choice };
      return again();
    }
    if (action === 'webauthn' && sub === 'options') {
      // Assertion options for the credentials of the types the last decision allows.
      const allowed = flow.last?.requirement?.factors ?? [];
      const creds = activeCredentials(flow.user).filter((c) => allowed.includes(c.type));
      const options = await generateAuthenticationOptions({
        rpID,
        allowCredentials: creds.map((c) => ({ id: c.id, transports: c.transports })),
        userVerification: 'preferred',
      });
      flow.challenge = options.challenge;
      return sendJson(res, 200, options);
    }
    if (action === 'webauthn' && sub === 'verify') {
      const body = await readJson(req);
      const challenge = flow.challenge;
      flow.challenge = undefined; // one attempt per challenge
      const cred = activeCredentials(flow.user).find((c) => c.id === body?.id); // a suspended key proves nothing
      let verified = false;
      if (challenge && cred) {
        try {
          const out = await verifyAuthenticationResponse({
            response: body, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID,
            credential: { id: cred.id, publicKey: cred.publicKey, counter: cred.counter, transports: cred.transports },
          });
          verified = out.verified;
          if (verified) cred.counter = out.authenticationInfo.newCounter;
        } catch (e) {
          flow.error = `The ${WEBAUTHN_TYPES[cred.type]} was not accepted (${e.message}).`;
        }
      }
      if (verified) flow.methods.push({ type: cred.type, at: new Date().toISOString() });
      else flow.error ??= 'That credential was not accepted.';
      return sendJson(res, 200, { next: `/interaction/${uid}` });
    }
    if (action === 'register' && sub === 'options') {
      if (!flow.bind || gate(flow, flow.bind.type).outcome !== 'allow') return sendJson(res, 403, { error: 'not allowed' });
      const options = await generateRegistrationOptions({
        rpName: 'factorgate example',
        rpID,
        userName: flow.user.id,
        userDisplayName: flow.user.name,
        userID: new TextEncoder().encode(flow.user.id),
        attestationType: 'none',
        excludeCredentials: flow.user.credentials.map((c) => ({ id: c.id, transports: c.transports })),
        authenticatorSelection: {
          authenticatorAttachment: flow.bind.type === 'webauthnRoaming' ? 'cross-platform' : 'platform',
          residentKey: flow.bind.type === 'passkeySynced' ? 'required' : 'discouraged',
          userVerification: 'preferred',
        },
      });
      flow.challenge = options.challenge;
      return sendJson(res, 200, options);
    }
    if (action === 'register' && sub === 'verify') {
      const body = await readJson(req);
      const challenge = flow.challenge;
      flow.challenge = undefined;
      if (!flow.bind || !challenge) return sendJson(res, 200, { next: `/interaction/${uid}` });
      try {
        const out = await verifyRegistrationResponse({ response: body, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID });
        if (!out.verified) throw new Error('not verified');
        const info = out.registrationInfo;
        // What was really made decides the factor type: a synced (backup-eligible) credential is a
        // passkey whatever the user picked; an attached one a security key.
        const type = info.credentialDeviceType === 'multiDevice'
          ? 'passkeySynced'
          : body.authenticatorAttachment === 'platform' ? 'webauthnPlatform' : 'webauthnRoaming';
        const decision = gate(flow, type); // the gate again, with the real type, before storing
        if (decision.outcome !== 'allow') {
          flow.bind = undefined;
          if (flow.recovery) flow.recovery.type = undefined;
          flow.error = `factorgate did not allow binding a ${WEBAUTHN_TYPES[type]} (${decision.outcome}).`;
          return sendJson(res, 200, { next: `/interaction/${uid}` });
        }
        const now = new Date().toISOString();
        flow.user.credentials.push({
          id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter,
          transports: info.credential.transports, type, enrolledAt: now,
        });
        if (flow.recovery && !flow.recovery.done) {
          // Recovered: the lost factors suspended (recovery.invalidate), every channel told, and
          // the decision's state kept: it starts the restriction window that later changes meet.
          for (const id of decision.recovery?.invalidate ?? []) {
            const lost = flow.user.credentials.find((c) => c.id === id);
            if (lost) Object.assign(lost, { suspended: true, suspendedAt: now });
          }
          flow.user.recoveredAt = now;
          deliver(flow.user, decision.notify, { factor: type, status: 'done' });
          if (decision.state) {
            flow.user.state = decision.state;
            flow.stateAtStart = decision.state; // this login's decisions read the recovery too
          }
          const held = flow.recovery.approvalId ? approvals.get(flow.recovery.approvalId) : undefined;
          if (held?.status === 'granted') held.status = 'used';
          flow.recovery.done = true;
        } else {
          deliver(flow.user, decision.notify, { factor: type });
        }
        flow.bind = undefined;
      } catch (e) {
        flow.error = `Registration failed (${e.message}).`;
      }
      return sendJson(res, 200, { next: `/interaction/${uid}` });
    }
    return send(res, 404, pages.message('Not found.'));
  }

  // ---- pages outside an interaction: the SOC console and the user's account ----------------------

  /** The provider session's user (oidc-provider's session cookie), or null. */
  async function signedIn(req, res) {
    const session = await provider.Session.get({ req, res });
    const user = session?.accountId ? users.get(session.accountId) : undefined;
    return user ? { session, user } : null;
  }
  const csrfOf = (session) => createHash('sha256').update(`${csrfSecret}|${session.jti}`).digest('base64url');
  const csrfOk = (form, session) => sameSecret(String(form.get('csrf') ?? ''), csrfOf(session));

  // The SOC console: changes held for the SOC's approval. Only a signed-in member of the SOC
  // group whose session proved a second factor; the approver is that session's account, never a
  // form field. Approving calls grantApproval; the grant is kept with the held change, which the
  // user's own flow resubmits.
  async function soc(req, res, url) {
    const who = await signedIn(req, res);
    if (!who) return send(res, 401, pages.message('Sign in first (through the application), then come back to /soc.'));
    if (!who.user.groups.includes('soc') || !(who.session.amr ?? []).includes('mfa')) {
      return send(res, 403, pages.message('The SOC console is for the security team, signed in with a second factor.'));
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!csrfOk(form, who.session)) return send(res, 403, pages.message('Stale form.'));
      const held = approvals.get(String(form.get('id') ?? ''));
      let notice;
      if (!held || held.status !== 'pending') notice = { error: 'That change is not waiting for approval.' };
      else if (!held.by.includes('soc')) notice = { error: 'The SOC does not approve that change.' };
      else {
        const answer = engine.grantApproval({ request: held.request, approver: { kind: 'soc', id: who.user.id } });
        if (answer.type !== 'approvalGrant') {
          notice = { error: `factorgate refused the grant: ${answer.errors.map((e) => e.code).join(', ')}`, codes: answer.errors.map((e) => e.code) };
        } else if (url.pathname === '/soc/refuse') {
          held.status = 'refused';
          notice = { ok: `Refused ${held.id}.` };
        } else {
          Object.assign(held, { status: 'granted', grant: answer.grant, grantExpiresAt: answer.expiresAt, approver: { kind: 'soc', id: who.user.id } });
          notice = { ok: `Approved ${held.id}: the grant is valid until ${answer.expiresAt}.` };
        }
      }
      log.push({ user: who.user.id, entry: 'grantApproval', approvalId: held?.id, notice });
      return send(res, 200, pages.soc({ who: who.user, approvals: [...approvals.values()], csrf: csrfOf(who.session), notice }));
    }
    return send(res, 200, pages.soc({ who: who.user, approvals: [...approvals.values()], csrf: csrfOf(who.session) }));
  }

  // The user's account: their factors; removing one is a factor change gated by factorgate with
  // the user's stored state (inside the restriction window after a recovery it is held).
  async function account(req, res, url) {
    const who = await signedIn(req, res);
    if (!who) return send(res, 401, pages.message('Sign in first (through the application), then come back to /account.'));
    const { user, session } = who;
    let notice;
    if (req.method === 'POST' && url.pathname === '/account/remove') {
      const form = await readForm(req);
      if (!csrfOk(form, session)) return send(res, 403, pages.message('Stale form.'));
      const id = String(form.get('factor') ?? '');
      const factor = factorsOf(user).find((f) => f.id === id);
      const login = logins.get(`${user.id}|${session.loginTs}`);
      if (!factor || !login) {
        notice = { error: 'Unknown factor, or sign in again.' };
      } else {
        const request = { user: subjectOf(user), session: login.session(login.methods), change: { action: 'remove', factor: { id: factor.id, type: factor.type }, phase: 'before' }, state: user.state };
        const decision = engine.assessFactorChange(request);
        if (decision.type !== 'decision') throw new Error(`factorgate refused the request: ${JSON.stringify(decision.errors)}`);
        log.push({ user: user.id, entry: 'factorChange', action: 'remove', factor: factor.type, outcome: decision.outcome, reasons: decision.reasons.map((r) => r.code), approval: decision.approval });
        if (decision.outcome === 'allow') {
          if (factor.type === 'totp') user.totp = null;
          else user.credentials = user.credentials.filter((c) => c.id !== factor.id);
          deliver(user, decision.notify, { factor: factor.type });
          notice = { ok: `Removed your ${factor.type === 'totp' ? 'authenticator app' : WEBAUTHN_TYPES[factor.type]}.`, decision };
        } else if (decision.outcome === 'approval') {
          const held = hold({ user }, request, decision);
          notice = { held: `Held: removing it needs approval by ${decision.approval.by.join(' or ')} (request ${held.id}, until ${decision.approval.expiresAt}).`, decision };
        } else {
          notice = { error: `Not removed (${decision.outcome}: ${summary(decision)}).`, decision };
        }
        if (decision.state) user.state = decision.state;
      }
    }
    return send(res, 200, pages.account({ user, csrf: csrfOf(session), notice }));
  }

  function newFlow(uid, req) {
    const deviceId = cookie(req, 'fg_device') ?? undefined;
    return {
      uid,
      user: null,
      methods: [],
      stateAtStart: undefined,
      declined: false,
      bind: undefined,
      challenge: undefined,
      error: undefined,
      last: undefined,
      // What the host knows of the session, for factorgate (no geo lookup on loopback).
      session: (methods) => ({
        ip: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
        userAgent: String(req.headers['user-agent'] ?? '').slice(0, 1000),
        ...(deviceId ? { device: { id: deviceId } } : {}),
        methods,
      }),
    };
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url, origin);
    if (!cookie(req, 'fg_device')) {
      // A device cookie, as IdPs keep one: the engine's newDevice signal and memory use its id.
      res.setHeader('Set-Cookie', `fg_device=${randomUUID()}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`);
    }
    const fail = (e) => {
      console.error('[idp]', e);
      if (!res.headersSent) send(res, 500, pages.message('Something went wrong.'));
    };
    if (url.pathname.startsWith('/interaction/')) {
      interaction(req, res, url).catch(fail);
      return;
    }
    if (['/soc', '/soc/approve', '/soc/refuse'].includes(url.pathname)) {
      soc(req, res, url).catch(fail);
      return;
    }
    if (['/account', '/account/remove'].includes(url.pathname)) {
      account(req, res, url).catch(fail);
      return;
    }
    providerCallback(req, res);
  });

  return {
    issuer: origin,
    server,
    provider,
    users,
    outbox,
    log,
    approvals,
    close: () => new Promise((resolve) => {
      engine.free();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// ---- helpers ------------------------------------------------------------------------------------

// oidc-provider's prompts, plus one login check: an existing session that has not proved any of
// the requested acr values goes through the interaction again (oidc-provider by itself only does
// so for an `essential` acr in the claims parameter). Not right after an interaction: its result
// stands, and the client checks the acr it got.
function loginPolicy() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy.get('login').checks.push(new Check('acr_not_proved', 'the session has not proved a requested acr', (ctx) => {
    const requested = String(ctx.oidc.params.acr_values ?? '').split(' ').filter(Boolean);
    if (requested.length === 0 || ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    return requested.includes(ctx.oidc.acr) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }));
  return policy;
}

function summary(decision) {
  return decision.reasons.map((r) => r.code).join(', ');
}

function sameSecret(a, b) {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function cookie(req, name) {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

async function readBody(req, limit = 64 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
const readForm = async (req) => new URLSearchParams(await readBody(req));
async function readJson(req) {
  try {
    return JSON.parse(await readBody(req));
  } catch {
    return null;
  }
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}
function sendJson(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}
function redirect(res, location) {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

// ---- pages --------------------------------------------------------------------------------------

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function layout(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>
  body { font: 15px/1.45 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; border-radius: 10px; padding: 1.6rem 1.8rem; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.25rem; margin: 0 0 .8rem; }
  label { display: block; margin: .7rem 0 .2rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; border: 1px solid #b8bfcc; border-radius: 6px; }
  button { margin-top: 1rem; padding: .55rem 1rem; font-size: 1rem; border: 0; border-radius: 6px; background: #2456d3; color: #fff; cursor: pointer; }
  .choices { display: flex; flex-wrap: wrap; gap: 0 .5rem; }
  button.secondary { background: #e3e7ef; color: #1d2330; }
  .error { color: #b3261e; background: #fdecea; padding: .5rem .7rem; border-radius: 6px; }
  .why { font-size: .85rem; color: #4a5263; border-top: 1px solid #e3e7ef; margin-top: 1.2rem; padding-top: .6rem; }
  .why li { margin: .15rem 0; }
  code { background: #eef1f6; padding: 0 .25rem; border-radius: 3px; }
</style></head><body><main>${body}</main></body></html>`;
}

function why(decision) {
  if (!decision) return '';
  const q = decision.requirement;
  const need = q ? `AAL${q.minAal}${q.phishingResistant ? ', phishing-resistant' : ''}${q.hardwareBound ? ', hardware-bound' : ''}` : '';
  const rec = decision.recovery;
  const recovery = rec ? `<p id="recovery" data-aal="${esc(rec.aal)}" data-restricted-until="${esc(rec.restrictedUntil)}">recovery: proves AAL${esc(rec.aal)}${rec.mayBind.length ? ` · may bind ${esc(rec.mayBind.join(', '))}` : ''}${rec.invalidate.length ? ` · suspends ${esc(rec.invalidate.join(', '))}` : ''} · restricted until ${esc(rec.restrictedUntil)}</p>` : '';
  const approval = decision.approval ? `<p id="approval">approval by ${esc(decision.approval.by.join(', '))} until ${esc(decision.approval.expiresAt)} (<code>${esc(decision.approval.id)}</code>)</p>` : '';
  return `<div class="why" id="why" data-outcome="${esc(decision.outcome)}"><strong>factorgate: ${esc(decision.outcome)}</strong>${need ? ` · needs ${esc(need)}` : ''} · risk ${decision.risk.score}
${recovery}${approval}<ul>${decision.reasons.map((r) => `<li><code>${esc(r.code)}</code> ${r.points ? `(${r.points > 0 ? '+' : ''}${r.points}) ` : ''}${esc(r.detail)}</li>`).join('')}</ul></div>`;
}

const errorBox = (error) => (error ? `<p class="error" id="error">${esc(error)}</p>` : '');

// Shared by the WebAuthn pages: JSON options in, JSON credential out (Chromium's built-ins).
const webauthnScript = (uid, kind) => `<script>
async function run() {
  const base = '/interaction/${esc(uid)}/${kind}';
  const button = document.getElementById('go');
  button.disabled = true;
  try {
    const options = await (await fetch(base + '/options', { method: 'POST' })).json();
    const credential = ${kind === 'register'
      ? 'await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })'
      : 'await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) })'};
    const out = await (await fetch(base + '/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(credential.toJSON()) })).json();
    location.href = out.next;
  } catch (e) {
    document.getElementById('status').textContent = 'The browser said: ' + e.message;
    button.disabled = false;
  }
}
document.getElementById('go').addEventListener('click', run);
</script>`;

const pages = {
  message: (text) => layout('factorgate example', `<h1>factorgate example IdP</h1><p>${esc(text)}</p>`),
  password: ({ uid, error, acr }) => layout('Sign in', `<h1>Sign in</h1>${errorBox(error)}
<form method="post" action="/interaction/${esc(uid)}/password" autocomplete="off">
  <label for="username">Username</label><input id="username" name="username" autofocus>
  <label for="password">Password</label><input id="password" name="password" type="password">
  <button id="submit" type="submit">Continue</button>
</form>${acr ? `<p class="why">The application asked for <code>${esc(acr)}</code>.</p>` : ''}`),
  totp: ({ uid, decision, purpose, error }) => layout('Authenticator code', `<h1>Enter the code from your authenticator app</h1>
<p>A second factor is needed ${esc(purpose)}.</p>${errorBox(error)}
<form method="post" action="/interaction/${esc(uid)}/totp" autocomplete="off">
  <label for="code">6-digit code</label><input id="code" name="code" inputmode="numeric" autofocus>
  <button id="submit" type="submit">Verify</button>
</form>${why(decision)}`),
  assert: ({ uid, decision, purpose, label, error }) => layout('Use your key', `<h1>Use your ${esc(label)}</h1>
<p>A phishing-resistant factor is needed ${esc(purpose)}.</p>${errorBox(error)}
<button id="go" type="button">Use ${esc(label)}</button><p id="status"></p>
<form method="post" action="/interaction/${esc(uid)}/lost"><button id="lost" class="secondary" type="submit">I lost my ${esc(label)}</button></form>
${why(decision)}${webauthnScript(uid, 'webauthn')}`),
  recover: ({ uid, credentials, error, decision }) => layout('Recover your account', `<h1>Recover your account</h1>
<p>Enter one of the recovery codes you saved. Your password already counts.</p>${errorBox(error)}
<form method="post" action="/interaction/${esc(uid)}/recover" autocomplete="off">
  ${credentials.length ? `<fieldset><legend>Which did you lose?</legend>${credentials.map((c) => `<label><input type="checkbox" name="lost" value="${esc(c.id)}" id="lost-${esc(c.id)}" checked> your ${esc(WEBAUTHN_TYPES[c.type])} added ${esc(c.enrolledAt.slice(0, 10))}</label>`).join('')}</fieldset>` : ''}
  <label for="code">Recovery code</label><input id="code" name="code" autofocus>
  <button id="submit" type="submit">Recover</button>
</form>${decision?.recovery?.needs ? `<p class="why" id="needs">Would suffice in addition: ${decision.recovery.needs.map((n) => `<code>${esc(n.join(' + '))}</code>`).join(' or ')}</p>` : ''}${why(decision)}`),
  rebind: ({ uid, decision, offered, error }) => layout('Account recovered', `<h1>Your evidence is enough</h1>
<p id="recovered" data-aal="${esc(decision.recovery?.aal)}">It proves AAL${esc(decision.recovery?.aal)}. The factors you lost will be suspended and every channel you have told. Add a new factor:</p>${errorBox(error)}
<form method="post" action="/interaction/${esc(uid)}/rebind" class="choices">
  ${offered.map((t) => `<button name="factor" value="${esc(t)}" id="rebind-${esc(t)}" type="submit">Add a ${esc(WEBAUTHN_TYPES[t])}</button> `).join('')}
</form>${why(decision)}`),
  waiting: ({ uid, decision, held }) => layout('Waiting for approval', `<h1>Your security team must approve this recovery</h1>
<p id="waiting" data-approval-id="${esc(held.id)}">An account like yours needs approval by <code>${esc(held.by.join(', '))}</code> to recover (request <code>${esc(held.id)}</code>, until ${esc(held.expiresAt)}). You were told on every channel you have. This page continues when they answer.</p>
${held.note ? `<p class="error">${esc(held.note)}</p>` : ''}<p><a id="check" href="/interaction/${esc(uid)}">Check again</a></p>${why(decision)}
<script>
setInterval(async () => {
  const { status } = await (await fetch('/interaction/${esc(uid)}/approval')).json();
  if (status !== 'pending') location.href = '/interaction/${esc(uid)}';
}, 500);
</script>`),
  soc: ({ who, approvals, csrf, notice }) => layout('SOC approvals', `<h1>SOC approvals</h1><p>Signed in as <code>${esc(who.id)}</code>.</p>
${notice?.error ? `<p class="error" id="error" data-codes="${esc((notice.codes ?? []).join(' '))}">${esc(notice.error)}</p>` : ''}${notice?.ok ? `<p id="notice">${esc(notice.ok)}</p>` : ''}
${approvals.filter((a) => a.by.includes('soc')).map((a) => `<section class="why" id="approval-${esc(a.id)}" data-status="${esc(a.status)}">
  <strong>${esc(a.userId)}: ${esc(a.request.change.action)}${a.request.change.factor ? ` and bind a ${esc(WEBAUTHN_TYPES[a.request.change.factor.type] ?? a.request.change.factor.type)}` : ''}</strong> · ${esc(a.status)} · until ${esc(a.expiresAt)}
  <ul>${a.reasons.map((r) => `<li><code>${esc(r.code)}</code> ${esc(r.detail)}</li>`).join('')}</ul>
  ${a.status === 'pending' ? `<form method="post" action="/soc/approve" class="choices"><input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="id" value="${esc(a.id)}">
    <button id="approve-${esc(a.id)}" type="submit">Approve</button><button id="refuse-${esc(a.id)}" class="secondary" type="submit" formaction="/soc/refuse">Refuse</button></form>` : ''}
</section>`).join('') || '<p id="none">Nothing is waiting.</p>'}`),
  account: ({ user, csrf, notice }) => layout('Your account', `<h1>Your sign-in methods</h1><p>Signed in as <code>${esc(user.id)}</code>.</p>
${notice?.error ? `<p class="error" id="error">${esc(notice.error)}</p>` : ''}${notice?.ok ? `<p id="notice">${esc(notice.ok)}</p>` : ''}${notice?.held ? `<p class="error" id="held">${esc(notice.held)}</p>` : ''}
<ul id="factors">
  ${user.totp ? `<li id="factor-${esc(user.totp.id)}">authenticator app <form method="post" action="/account/remove" style="display:inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button name="factor" value="${esc(user.totp.id)}" id="remove-${esc(user.totp.id)}" class="secondary" type="submit">Remove</button></form></li>` : ''}
  ${user.credentials.map((c) => `<li id="factor-${esc(c.id)}" data-suspended="${c.suspended ? 'true' : 'false'}">${esc(WEBAUTHN_TYPES[c.type])} added ${esc(c.enrolledAt.slice(0, 10))}${c.suspended ? ` · suspended ${esc(c.suspendedAt.slice(0, 16))} (lost)` : ` <form method="post" action="/account/remove" style="display:inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button name="factor" value="${esc(c.id)}" id="remove-${esc(c.id)}" class="secondary" type="submit">Remove</button></form>`}</li>`).join('')}
</ul>${why(notice?.decision)}`),
  enroll: ({ uid, offered, decision, acr }) => layout('Add a factor', `<h1>Add a phishing-resistant factor</h1>
<p>${acr ? `The application asked for <code>${esc(acr)}</code>; ` : ''}none of your factors can prove it. Add one now:</p>
<form method="post" action="/interaction/${esc(uid)}/enroll" class="choices">
  ${offered.map((t) => `<button name="factor" value="${esc(t)}" id="enroll-${esc(t)}" type="submit">Add a ${esc(WEBAUTHN_TYPES[t])}</button> `).join('')}
  <button name="factor" value="skip" id="skip" class="secondary" type="submit">Not now</button>
</form>${why(decision)}`),
  register: ({ uid, label, decision, error, recovering }) => layout('Register', `<h1>Register your ${esc(label)}</h1>
<p>${recovering ? 'Your account is recovered: factorgate allows binding a new factor now.' : 'factorgate allows binding it in this session.'}</p>${errorBox(error)}
<button id="go" type="button">Register ${esc(label)}</button><p id="status"></p>${why(decision)}${webauthnScript(uid, 'register')}`),
};
