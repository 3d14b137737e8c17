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
//   PreAuthentication            every sign-in flow, before the password, from what the server put
//                                in ClientMetadata (Cognito delivers it as `validationData`): throws
//                                where the policy refuses anyone who has proved nothing and has
//                                nothing enrolled (a deny-listed network). It asks the same question
//                                for every user name, existing or not, so the answer tells nobody
//                                which names exist; what depends on the user is decided after the
//                                password (Define), where a refusal looks like a wrong password.
//   PreTokenGeneration           every token Cognito issues: a sign-in's tokens only right after
//                                Define issued them (a flow that skipped the custom challenge, the
//                                Hosted UI, or Cognito's own MFA gets none); a refresh is decided
//                                again on what the sign-in proved and when (the re-authentication
//                                windows), so a 30-day refresh token is worth no more than the policy
//                                allows.
//   PostAuthentication           the sign-in completed: the plan is cleared; a new device is noted
// The decision taken after the password (with the engine's new memory) is kept in `store` as the
// "plan", so Create and the final Define follow it rather than deciding again on memory that
// already contains this sign-in.
//
// A user name that does not exist (userNotFound, with PreventUserExistenceErrors ENABLED) gets the
// same answers as one that does: PASSWORD_VERIFIER after SRP_A, then the refusal Cognito gives a
// wrong password. One-time codes are limited per user (`codeLimit`, default 5 per hour).
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
// Tokens Define issued must be generated within this (Cognito calls Pre token generation at once).
const ISSUE_TTL_MS = 60_000;
const DENIED = 'Sign-in is not allowed.';
const SIGN_IN_AGAIN = 'Sign in again.';
// One-time codes per user: at most `max` in any `windowS` seconds (SMS pumping, harassment).
const CODE_LIMIT = { max: 5, windowS: 3600 };
// Pre token generation sources of a sign-in (AWS: user-pool-lambda-pre-token-generation).
const SIGN_IN_SOURCES = new Set(['TokenGeneration_Authentication', 'TokenGeneration_NewPasswordChallenge', 'TokenGeneration_AuthenticateDevice', 'TokenGeneration_HostedAuth']);
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
  const defaultKind = KINDS.has(options.userKind) ? options.userKind : 'customer';
  const codeLimit = {
    max: Number.isInteger(options.codeLimit?.max) && options.codeLimit.max > 0 ? options.codeLimit.max : CODE_LIMIT.max,
    windowS: Number.isInteger(options.codeLimit?.windowS) && options.codeLimit.windowS > 0 ? options.codeLimit.windowS : CODE_LIMIT.windowS,
  };
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

  // The session as a server-side app vouches for it in ClientMetadata (only with
  // trustClientMetadata). Cognito passes no source address or device to these triggers itself.
  // InitiateAuth's ClientMetadata reaches Pre authentication as `validationData`;
  // RespondToAuthChallenge's reaches Define, Create, Verify and Pre token generation as
  // `clientMetadata`.
  function sessionOf(meta, methods) {
    const m = options.trustClientMetadata && meta && typeof meta === 'object' ? meta : {};
    return {
      ip: isIP(m.ip ?? '') ? m.ip : undefined,
      device: typeof m.deviceId === 'string' ? { id: m.deviceId.slice(0, 200) } : undefined,
      userAgent: typeof m.userAgent === 'string' ? m.userAgent.slice(0, 1000) : undefined,
      methods,
    };
  }

  function loginRequest(event, methods) {
    const attrs = event.request.userAttributes ?? {};
    const kind = attrs['custom:factorgate_kind'] ?? defaultKind;
    return {
      user: {
        id: attrs.sub ?? event.userName,
        kind: KINDS.has(kind) ? kind : undefined,
        roles: list(attrs['custom:factorgate_roles']),
        factors: factorsOf(attrs),
      },
      session: sessionOf(event.request.clientMetadata, methods),
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

  // ---- one-time code limit (per user, per window) ----

  const recentCodes = (record) => (record.codes ?? []).filter((at) => clock() - at < codeLimit.windowS * 1000).slice(-codeLimit.max);
  const mayCode = (record) => recentCodes(record).length < codeLimit.max;

  // ---- the triggers ----

  async function defineAuthChallenge(event) {
    const { request } = event;
    const session = request.session ?? [];
    const last = session.at(-1);
    if (!last) return fail(event); // this flow starts with the password (SRP_A)
    // The same for a user name that exists and one that does not (userNotFound): Cognito answers
    // PASSWORD_VERIFIER with a simulated salt and refuses the proof as it refuses a wrong password.
    if (last.challengeName === 'SRP_A' && last.challengeResult) return challenge(event, 'PASSWORD_VERIFIER');
    if (request.userNotFound) return fail(event); // only after a password Cognito refused, as below
    const userId = request.userAttributes?.sub ?? event.userName;
    if (last.challengeName === 'PASSWORD_VERIFIER' && last.challengeResult) {
      const record = (await store.get(userId)) ?? {};
      const passwordAt = clock();
      const req = { ...loginRequest(event, [{ type: 'password', at: new Date(passwordAt).toISOString() }]), state: record.state };
      const decision = decide(req);
      let factor = decision.outcome === 'stepUp' ? challengeFactor(decision, request.userAttributes ?? {}) : undefined;
      const rateLimited = factor !== undefined && !mayCode(record);
      if (rateLimited) factor = undefined;
      const bootstrap = decision.outcome === 'enroll' && onEnroll === 'issueTokens' && decision.enrollmentAllowed === true && req.user.factors.every((f) => f.type === 'email');
      const plan = { outcome: decision.outcome, factor, bootstrap, at: passwordAt };
      const tokens = decision.outcome === 'allow' || bootstrap;
      const issued = tokens ? { at: clock(), clientId: event.callerContext?.clientId, methods: req.session.methods, bootstrap } : undefined;
      await store.set(userId, { ...record, state: decision.state ?? record.state, plan, issued });
      onDecision({ trigger: event.triggerSource, userId, decision, plan, ...(rateLimited ? { rateLimited: true } : {}) });
      if (tokens) return issue(event);
      if (factor) return challenge(event, 'CUSTOM_CHALLENGE');
      // deny, approval, enroll, a step-up with nothing this Lambda can send, or the code limit
      // reached: Cognito answers as for a wrong password.
      return fail(event);
    }
    if (last.challengeName === 'CUSTOM_CHALLENGE') {
      const record = (await store.get(userId)) ?? {};
      const plan = record.plan;
      const fresh = plan && plan.factor && clock() - plan.at <= PLAN_TTL_MS;
      if (last.challengeResult && fresh && last.challengeMetadata === `factorgate:${plan.factor}`) {
        const methods = [{ type: 'password', at: new Date(plan.at).toISOString() }, { type: plan.factor, at: new Date(clock()).toISOString() }];
        await store.set(userId, { ...record, issued: { at: clock(), clientId: event.callerContext?.clientId, methods, bootstrap: false } });
        return issue(event);
      }
      const attempts = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE').length;
      if (!last.challengeResult && fresh && attempts < MAX_ATTEMPTS && mayCode(record)) return challenge(event, 'CUSTOM_CHALLENGE');
      return fail(event);
    }
    return fail(event); // a failed password, or a challenge this flow does not know (SMS_MFA, ...)
  }

  async function createAuthChallenge(event) {
    if (event.request.challengeName !== 'CUSTOM_CHALLENGE') return event;
    const attrs = event.request.userAttributes ?? {};
    const userId = attrs.sub ?? event.userName;
    const record = event.request.userNotFound ? {} : (await store.get(userId)) ?? {};
    const plan = record.plan;
    const factor = plan?.factor;
    const destination = factor ? attrs[DELIVERABLE[factor]] : undefined;
    if (!destination || clock() - plan.at > PLAN_TTL_MS || !mayCode(record)) {
      // No plan (expired, a store that lost it, a user name that does not exist) or the code
      // limit reached: a challenge nobody can answer; Define fails the sign-in.
      event.response.publicChallengeParameters = { factor: 'none' };
      event.response.privateChallengeParameters = { answer: crypto.randomBytes(32).toString('hex') };
      event.response.challengeMetadata = 'factorgate:none';
      return event;
    }
    // Counted before sending: a send that fails or times out still counts.
    await store.set(userId, { ...record, codes: [...recentCodes(record), clock()] });
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
    // Before the password, and for every user name alike (existing or not: userNotFound): would
    // the policy refuse anyone who has proved nothing and has nothing enrolled, from this network,
    // on this app client? No attribute, memory or store is read, so the answer (and its timing)
    // says nothing about the name. Everything that depends on the user is decided after the
    // password, in Define, where a refusal looks like a wrong password.
    const anyone = {
      user: { id: 'factorgate:pre-authentication', kind: defaultKind, factors: [] },
      session: sessionOf(event.request.validationData, []),
      app: { id: options.appId ?? event.callerContext?.clientId },
    };
    const decision = decide(anyone);
    // Refused for what this sign-in's context says, not because nobody without a factor may sign
    // in (a kind without self-service): the same request without the context is the baseline.
    if (decision.outcome === 'deny' && decide({ ...anyone, session: { methods: [] } }).outcome !== 'deny') {
      onDecision({ trigger: event.triggerSource, userId: event.userName, decision });
      throw new Error(DENIED);
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

  // Pre token generation (V1_0 and V2_0 events alike; the response is left as Cognito sent it).
  async function preTokenGeneration(event) {
    const userId = event.request.userAttributes?.sub ?? event.userName;
    const clientId = event.callerContext?.clientId;
    const record = (await store.get(userId)) ?? {};
    if (event.triggerSource === 'TokenGeneration_RefreshTokens') {
      // Decided again on what the sign-in proved, and when: past the re-authentication window the
      // refresh is refused and the app must sign in again. Not a sign-in: the memory is not written.
      const methods = record.sessions?.[clientId]?.methods ?? [];
      const decision = decide({ ...loginRequest(event, methods), state: record.state });
      onDecision({ trigger: event.triggerSource, userId, decision });
      if (decision.outcome !== 'allow') throw new Error(SIGN_IN_AGAIN);
      return event;
    }
    // A sign-in's tokens: only those Define has just issued, on this app client. The Hosted UI
    // never runs the custom-auth triggers; USER_SRP_AUTH, USER_PASSWORD_AUTH,
    // ADMIN_USER_PASSWORD_AUTH, USER_AUTH and Cognito's own MFA issue tokens without Define.
    const issued = record.issued;
    const ok = SIGN_IN_SOURCES.has(event.triggerSource) && event.triggerSource !== 'TokenGeneration_HostedAuth'
      && issued && issued.clientId === clientId && clock() - issued.at <= ISSUE_TTL_MS;
    if (!ok) {
      onDecision({ trigger: event.triggerSource, userId, refused: 'tokensNotIssuedByDefine' });
      throw new Error(DENIED);
    }
    const sessions = Object.fromEntries(Object.entries({ ...record.sessions, [clientId]: { methods: issued.methods, at: issued.at } }).slice(-8));
    await store.set(userId, { ...record, issued: undefined, sessions });
    return event;
  }

  const byTrigger = {
    DefineAuthChallenge_Authentication: defineAuthChallenge,
    CreateAuthChallenge_Authentication: createAuthChallenge,
    VerifyAuthChallengeResponse_Authentication: verifyAuthChallengeResponse,
    PreAuthentication_Authentication: preAuthentication,
    PostAuthentication_Authentication: postAuthentication,
  };
  /** One function for all the triggers, dispatching on triggerSource. */
  async function handler(event) {
    if (typeof event.triggerSource === 'string' && event.triggerSource.startsWith('TokenGeneration_')) return preTokenGeneration(event);
    const fn = byTrigger[event.triggerSource];
    return fn ? fn(event) : event;
  }

  return { handler, defineAuthChallenge, createAuthChallenge, verifyAuthChallengeResponse, preAuthentication, postAuthentication, preTokenGeneration, engine };
}

// Built once per Lambda instance (module scope, during the init phase), from its environment.
const fromEnv = createHandlers({
  stateKey: process.env.FACTORGATE_STATE_KEY,
  trustClientMetadata: process.env.FACTORGATE_TRUST_CLIENT_METADATA === 'true',
  onEnroll: process.env.FACTORGATE_ON_ENROLL,
  userKind: process.env.FACTORGATE_USER_KIND,
});

module.exports = {
  handler: fromEnv.handler,
  defineAuthChallenge: fromEnv.defineAuthChallenge,
  createAuthChallenge: fromEnv.createAuthChallenge,
  verifyAuthChallengeResponse: fromEnv.verifyAuthChallengeResponse,
  preAuthentication: fromEnv.preAuthentication,
  postAuthentication: fromEnv.postAuthentication,
  preTokenGeneration: fromEnv.preTokenGeneration,
  createHandlers,
  memoryStore,
};
