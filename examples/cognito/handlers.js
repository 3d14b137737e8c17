'use strict';
// factorgate in Amazon Cognito user pool Lambda triggers. Deploy: examples/cognito/README.md.
//
// The custom authentication flow (CUSTOM_AUTH with SRP: SRP_A, PASSWORD_VERIFIER, then our
// CUSTOM_CHALLENGE) is where step-up happens:
//   DefineAuthChallenge          after the password: decideLogin. allow -> issueTokens;
//                                stepUp -> CUSTOM_CHALLENGE with a factor this Lambda can deliver;
//                                deny (and approval) -> failAuthentication; enroll -> see below.
//                                After a correct answer -> issueTokens; 3 wrong answers -> fail.
//   CreateAuthChallenge          a one-time code for the planned factor (SMS or email), sent by
//                                `sender`; the code travels in privateChallengeParameters
//   VerifyAuthChallengeResponse  compares the answer in constant time
//   PreAuthentication            every sign-in flow, before the password: throws for what the
//                                policy denies whatever the user proves (service accounts,
//                                deny-listed networks for users without factors, critical risk)
//   PostAuthentication           the sign-in completed: the plan is cleared; a new device is noted
// The decision taken after the password (with the engine's new memory) is kept in `store` as the
// "plan", so Create and the final Define follow it rather than deciding again on memory that
// already contains this sign-in.
//
// Cognito cannot enroll a factor inside this flow (TOTP and WebAuthn registration need an access
// token): `enroll` fails the sign-in unless `onEnroll: 'issueTokens'` lets a first sign-in through
// to an enrollment page (calm sign-ins of users without any factor only).

const crypto = require('node:crypto');
const { isIP } = require('node:net');
const { compilePolicy, defaultPolicy } = require('factorgate');

const KINDS = new Set(['employee', 'contractor', 'partner', 'customer', 'service', 'breakGlass']);
const MAX_ATTEMPTS = 3;
const PLAN_TTL_MS = 5 * 60_000;
// Factors a Lambda can challenge by itself: a one-time code it sends to a verified destination.
const DELIVERABLE = { sms: 'phone_number', email: 'email' };

/** Per-user memory: { state, plan }. In-memory (one Lambda instance); use DynamoDB in production. */
function memoryStore() {
  const users = new Map();
  return { get: async (id) => users.get(id), set: async (id, record) => { users.set(id, record); } };
}

const mask = (destination) =>
  destination.includes('@') ? destination.replace(/^(.).*(@.*)$/, '$1***$2') : destination.replace(/.(?=.{2})/g, '*');
const list = (value) => (typeof value === 'string' && value !== '' ? value.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 32) : []);

function createHandlers(options = {}) {
  const engine = compilePolicy(options.policy ?? defaultPolicy(), options.stateKey ? { stateKey: options.stateKey } : {});
  if (engine.type !== 'engine') throw new Error(`factorgate policy: ${JSON.stringify(engine.errors)}`);
  const store = options.store ?? memoryStore();
  const clock = options.now ?? Date.now;
  const onEnroll = options.onEnroll === 'issueTokens' ? 'issueTokens' : 'fail';
  const onDecision = options.onDecision ?? ((r) => console.log(JSON.stringify({ factorgate: r.trigger, user: r.userId, outcome: r.decision?.outcome, reasons: r.decision?.reasons?.map((x) => x.code), alerts: r.decision?.alerts })));
  const sender = options.sender ?? (async ({ channel, destination }) => {
    // Replace with SNS (SMS) or SES (email). Never log the code.
    console.log(`factorgate: would send a ${channel} code to ${mask(destination)}`);
  });

  // ---- Cognito event -> login request ----

  function factorsOf(attrs) {
    const factors = [];
    if (attrs.phone_number_verified === 'true' && attrs.phone_number) factors.push({ id: 'phone', type: 'sms' });
    if (attrs.email_verified === 'true' && attrs.email) factors.push({ id: 'email', type: 'email' });
    // Factors your app verifies itself (e.g. WebAuthn), as contract types: "webauthnPlatform,totp".
    for (const type of list(attrs['custom:factorgate_factors'])) factors.push({ id: type, type });
    return factors;
  }

  function loginRequest(event, methods) {
    const attrs = event.request.userAttributes ?? {};
    const meta = options.trustClientMetadata ? event.request.clientMetadata ?? {} : {};
    const kind = attrs['custom:factorgate_kind'] ?? options.userKind ?? 'customer';
    return {
      user: {
        id: attrs.sub ?? event.userName,
        kind: KINDS.has(kind) ? kind : undefined,
        roles: list(attrs['custom:factorgate_roles']),
        factors: factorsOf(attrs),
      },
      session: {
        // Cognito passes no source address or device to these triggers; only a server-side app
        // (AdminInitiateAuth) can vouch for what it puts in ClientMetadata.
        ip: isIP(meta.ip ?? '') ? meta.ip : undefined,
        device: typeof meta.deviceId === 'string' ? { id: meta.deviceId.slice(0, 200) } : undefined,
        userAgent: typeof meta.userAgent === 'string' ? meta.userAgent.slice(0, 1000) : undefined,
        methods,
      },
      app: { id: options.appId ?? event.callerContext?.clientId },
    };
  }

  function decide(request) {
    const now = clock();
    const d = engine.decideLogin(request, { now });
    if (d.type === 'decision') return d;
    console.error(`factorgate: engine error (${d.errors.map((e) => `${e.code} at ${e.path}`).join(', ')}); fail mode`);
    return engine.failMode('login', request, { now });
  }

  // The factor to challenge with: the first the decision allows that the user has and this Lambda
  // can deliver.
  function challengeFactor(decision, attrs) {
    const has = new Set(factorsOf(attrs).map((f) => f.type));
    return (decision.requirement?.factors ?? []).find((t) => DELIVERABLE[t] && has.has(t));
  }

  const fail = (event) => {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
    return event;
  };
  const issue = (event) => {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
    return event;
  };
  const challenge = (event, name) => {
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
    event.response.challengeName = name;
    return event;
  };

  // ---- the triggers ----

  async function defineAuthChallenge(event) {
    const { request } = event;
    const session = request.session ?? [];
    const userId = request.userAttributes?.sub ?? event.userName;
    if (request.userNotFound) return fail(event);
    const last = session.at(-1);
    if (!last) return fail(event); // this flow starts with the password (SRP_A)
    if (last.challengeName === 'SRP_A' && last.challengeResult) return challenge(event, 'PASSWORD_VERIFIER');
    if (last.challengeName === 'PASSWORD_VERIFIER' && last.challengeResult) {
      const record = (await store.get(userId)) ?? {};
      const req = { ...loginRequest(event, [{ type: 'password', at: new Date(clock()).toISOString() }]), state: record.state };
      const decision = decide(req);
      const factor = decision.outcome === 'stepUp' ? challengeFactor(decision, request.userAttributes ?? {}) : undefined;
      const bootstrap = decision.outcome === 'enroll' && onEnroll === 'issueTokens' && decision.enrollmentAllowed === true && req.user.factors.every((f) => f.type === 'email');
      const plan = { outcome: decision.outcome, factor, bootstrap, at: clock() };
      await store.set(userId, { ...record, state: decision.state ?? record.state, plan });
      onDecision({ trigger: event.triggerSource, userId, decision, plan });
      if (decision.outcome === 'allow' || bootstrap) return issue(event);
      if (factor) return challenge(event, 'CUSTOM_CHALLENGE');
      return fail(event); // deny, approval, enroll, or a step-up with nothing this Lambda can send
    }
    if (last.challengeName === 'CUSTOM_CHALLENGE') {
      const plan = (await store.get(userId))?.plan;
      const fresh = plan && plan.factor && clock() - plan.at <= PLAN_TTL_MS;
      if (last.challengeResult && fresh && last.challengeMetadata === `factorgate:${plan.factor}`) return issue(event);
      const attempts = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE').length;
      if (!last.challengeResult && fresh && attempts < MAX_ATTEMPTS) return challenge(event, 'CUSTOM_CHALLENGE');
      return fail(event);
    }
    return fail(event); // a failed password, or a challenge this flow does not know
  }

  async function createAuthChallenge(event) {
    if (event.request.challengeName !== 'CUSTOM_CHALLENGE') return event;
    const attrs = event.request.userAttributes ?? {};
    const plan = (await store.get(attrs.sub ?? event.userName))?.plan;
    const factor = plan?.factor;
    const destination = factor ? attrs[DELIVERABLE[factor]] : undefined;
    if (!destination || clock() - plan.at > PLAN_TTL_MS) {
      // No plan (expired, or a store that lost it): a challenge nobody can answer; Define fails
      // the sign-in after the attempts.
      event.response.publicChallengeParameters = { factor: 'none' };
      event.response.privateChallengeParameters = { answer: crypto.randomBytes(32).toString('hex') };
      event.response.challengeMetadata = 'factorgate:none';
      return event;
    }
    const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
    await sender({ channel: factor, destination, code, userName: event.userName });
    event.response.publicChallengeParameters = { factor, destination: mask(destination) };
    event.response.privateChallengeParameters = { answer: code };
    event.response.challengeMetadata = `factorgate:${factor}`;
    return event;
  }

  async function verifyAuthChallengeResponse(event) {
    const expected = Buffer.from(String(event.request.privateChallengeParameters?.answer ?? ''));
    const got = Buffer.from(String(event.request.challengeAnswer ?? ''));
    event.response.answerCorrect = expected.length > 0 && expected.length === got.length && crypto.timingSafeEqual(expected, got);
    return event;
  }

  async function preAuthentication(event) {
    if (event.request.userNotFound) return event; // Cognito answers as for a wrong password
    // Nothing proved yet: only what the policy refuses whatever the user proves is refused here.
    const attrs = event.request.userAttributes ?? {};
    const record = (await store.get(attrs.sub ?? event.userName)) ?? {};
    const decision = decide({ ...loginRequest(event, []), state: record.state });
    if (decision.outcome === 'deny') {
      onDecision({ trigger: event.triggerSource, userId: attrs.sub ?? event.userName, decision });
      throw new Error('Sign-in is not allowed.');
    }
    return event;
  }

  async function postAuthentication(event) {
    const userId = event.request.userAttributes?.sub ?? event.userName;
    const record = (await store.get(userId)) ?? {};
    if (record.plan) await store.set(userId, { ...record, plan: undefined });
    if (event.request.newDeviceUsed) onDecision({ trigger: event.triggerSource, userId, newDeviceUsed: true, plan: record.plan });
    return event;
  }

  const byTrigger = {
    DefineAuthChallenge_Authentication: defineAuthChallenge,
    CreateAuthChallenge_Authentication: createAuthChallenge,
    VerifyAuthChallengeResponse_Authentication: verifyAuthChallengeResponse,
    PreAuthentication_Authentication: preAuthentication,
    PostAuthentication_Authentication: postAuthentication,
  };
  /** One function for all five triggers, dispatching on triggerSource. */
  async function handler(event) {
    const fn = byTrigger[event.triggerSource];
    return fn ? fn(event) : event;
  }

  return { handler, defineAuthChallenge, createAuthChallenge, verifyAuthChallengeResponse, preAuthentication, postAuthentication, engine };
}

// Built once per Lambda instance (module scope, during the init phase), from its environment.
const fromEnv = createHandlers({
  stateKey: process.env.FACTORGATE_STATE_KEY,
  trustClientMetadata: process.env.FACTORGATE_TRUST_CLIENT_METADATA === 'true',
  onEnroll: process.env.FACTORGATE_ON_ENROLL,
});

module.exports = {
  handler: fromEnv.handler,
  defineAuthChallenge: fromEnv.defineAuthChallenge,
  createAuthChallenge: fromEnv.createAuthChallenge,
  verifyAuthChallengeResponse: fromEnv.verifyAuthChallengeResponse,
  preAuthentication: fromEnv.preAuthentication,
  postAuthentication: fromEnv.postAuthentication,
  createHandlers,
  memoryStore,
};
