'use strict';
// The Cognito triggers through the built package, with events shaped per DefinitelyTyped
// `aws-lambda` (trigger/cognito-user-pool-trigger: DefineAuthChallengeTriggerEvent,
// CreateAuthChallengeTriggerEvent, VerifyAuthChallengeResponseTriggerEvent,
// PreAuthenticationTriggerEvent, PostAuthenticationTriggerEvent), played as Cognito plays a
// CUSTOM_AUTH sign-in: SRP_A, PASSWORD_VERIFIER, then CUSTOM_CHALLENGE rounds.
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { defaultPolicy } = require('factorgate');

const lambda = require('./handlers.js');

const POLICY = {
  ...defaultPolicy(),
  id: 'acme-cognito',
  version: 2,
  apps: { defaultSensitivity: 'medium', byId: { 'public-site': 'low' } },
  networks: { trusted: [], denied: [{ name: 'known abuse', cidrs: ['203.0.113.0/24'] }] },
};

function setup(options = {}) {
  const sent = [];
  const decisions = [];
  const h = lambda.createHandlers({
    policy: POLICY,
    stateKey: 'cognito-test-state-key-0123456789',
    sender: async (message) => { sent.push(message); },
    onDecision: (r) => decisions.push(r),
    ...options,
  });
  return { h, sent, decisions };
}

const ATTRS = {
  sub: 'a1b2c3d4-0000-4000-8000-000000000001',
  'cognito:user_status': 'CONFIRMED',
  email: 'maria@example.com',
  email_verified: 'true',
  phone_number: '+4790000001',
  phone_number_verified: 'true',
};

function base(triggerSource, { userAttributes = ATTRS, clientId = 'portal-client', request = {}, response = {} } = {}) {
  return {
    version: '1',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEf123',
    triggerSource,
    userName: userAttributes.sub,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId },
    request: { userAttributes, ...request },
    response,
  };
}
const define = (session, opts = {}) => base('DefineAuthChallenge_Authentication', {
  ...opts,
  request: { session, ...(opts.clientMetadata ? { clientMetadata: opts.clientMetadata } : {}) },
  response: { challengeName: undefined, issueTokens: false, failAuthentication: false },
});
const create = (session, opts = {}) => base('CreateAuthChallenge_Authentication', {
  ...opts,
  request: { challengeName: 'CUSTOM_CHALLENGE', session },
  response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
});
const verify = (privateChallengeParameters, challengeAnswer, opts = {}) => base('VerifyAuthChallengeResponse_Authentication', {
  ...opts,
  request: { privateChallengeParameters, challengeAnswer },
  response: { answerCorrect: false },
});

const SRP_A = { challengeName: 'SRP_A', challengeResult: true };
const PASSWORD = { challengeName: 'PASSWORD_VERIFIER', challengeResult: true };

// Plays the flow Cognito runs; `answers` are what the user types at each custom challenge
// (a function of the code sent). Returns the final Define response and the steps.
async function signIn(h, { answers = [(code) => code], ...opts } = {}) {
  const session = [];
  const steps = [];
  let out = await h.handler(define([SRP_A], opts));
  steps.push(out.response.challengeName);
  assert.equal(out.response.challengeName, 'PASSWORD_VERIFIER');
  session.push(SRP_A, PASSWORD);
  for (let round = 0; ; round++) {
    out = await h.handler(define(session, opts));
    if (out.response.issueTokens || out.response.failAuthentication) return { response: out.response, steps, session };
    assert.equal(out.response.challengeName, 'CUSTOM_CHALLENGE');
    steps.push('CUSTOM_CHALLENGE');
    const created = await h.handler(create(session, opts));
    const answer = answers[Math.min(round, answers.length - 1)](created.response.privateChallengeParameters.answer);
    const verified = await h.handler(verify(created.response.privateChallengeParameters, answer, opts));
    session.push({ challengeName: 'CUSTOM_CHALLENGE', challengeResult: verified.response.answerCorrect, challengeMetadata: created.response.challengeMetadata });
  }
}

test('a step-up issues CUSTOM_CHALLENGE with an SMS code; the right code issues tokens', async () => {
  const { h, sent, decisions } = setup();
  const { response, steps, session } = await signIn(h);
  assert.deepEqual(steps, ['PASSWORD_VERIFIER', 'CUSTOM_CHALLENGE']);
  assert.equal(response.issueTokens, true);
  assert.equal(response.failAuthentication, false);
  assert.equal(decisions[0].decision.outcome, 'stepUp');
  assert.deepEqual(decisions[0].decision.requirement.factors, ['sms']);
  assert.equal(sent.length, 1);
  assert.deepEqual({ ...sent[0], code: undefined }, { channel: 'sms', destination: '+4790000001', code: undefined, userName: ATTRS.sub });
  assert.match(sent[0].code, /^\d{6}$/);
  assert.equal(session.at(-1).challengeMetadata, 'factorgate:sms');
});

test('CreateAuthChallenge shapes: public parameters masked, the code only in private parameters', async () => {
  const { h } = setup();
  await h.handler(define([SRP_A, PASSWORD]));
  const out = await h.handler(create([SRP_A, PASSWORD]));
  assert.deepEqual(out.response.publicChallengeParameters, { factor: 'sms', destination: '*********01' });
  assert.match(out.response.privateChallengeParameters.answer, /^\d{6}$/);
  assert.equal(out.response.challengeMetadata, 'factorgate:sms');
  const ok = await h.handler(verify(out.response.privateChallengeParameters, out.response.privateChallengeParameters.answer));
  assert.equal(ok.response.answerCorrect, true);
  const bad = await h.handler(verify(out.response.privateChallengeParameters, '000000x'));
  assert.equal(bad.response.answerCorrect, false);
});

test('wrong codes: another challenge, then failAuthentication after 3 attempts', async () => {
  const { h, sent } = setup();
  const { response, steps } = await signIn(h, { answers: [() => 'nope'] });
  assert.equal(response.failAuthentication, true);
  assert.equal(response.issueTokens, false);
  assert.equal(steps.filter((s) => s === 'CUSTOM_CHALLENGE').length, 3);
  assert.equal(sent.length, 3, 'a fresh code per attempt');

  const second = await signIn(h, { answers: [() => 'nope', (code) => code] });
  assert.equal(second.response.issueTokens, true, 'a wrong first answer, then the right one');
});

test('allow (a low-sensitivity app client needs AAL1) issues tokens after the password, no challenge', async () => {
  const { h, sent, decisions } = setup();
  const { response, steps } = await signIn(h, { clientId: 'public-site' });
  assert.deepEqual(steps, ['PASSWORD_VERIFIER']);
  assert.equal(response.issueTokens, true);
  assert.equal(decisions[0].decision.outcome, 'allow');
  assert.equal(sent.length, 0);
});

test('deny (deny-listed network, vouched for by a server-side app in ClientMetadata, no factors) fails authentication', async () => {
  const { h, decisions } = setup({ trustClientMetadata: true });
  const userAttributes = { sub: 'a1b2c3d4-0000-4000-8000-000000000002', email: 'x@example.com', email_verified: 'false' };
  const { response } = await signIn(h, { userAttributes, clientMetadata: { ip: '203.0.113.40', deviceId: 'd9' } });
  assert.equal(response.failAuthentication, true);
  assert.equal(response.issueTokens, false);
  assert.equal(decisions[0].decision.outcome, 'deny');
  assert.ok(decisions[0].decision.reasons.some((r) => r.code === 'untrustedIp'));
  assert.ok(decisions[0].decision.alerts.some((a) => a.class_uid === 2004));

  // Without trust in ClientMetadata the same sign-in carries no network at all.
  const { h: h2, decisions: d2 } = setup();
  await signIn(h2, { userAttributes, clientMetadata: { ip: '203.0.113.40' } });
  assert.ok(!d2[0].decision.reasons.some((r) => r.code === 'untrustedIp'));
});

test('enroll: fails by default (no enrollment inside the flow); onEnroll issueTokens lets a calm first sign-in through', async () => {
  const userAttributes = { sub: 'a1b2c3d4-0000-4000-8000-000000000003', email: 'new@example.com', email_verified: 'true' };
  const strict = setup();
  const first = await signIn(strict.h, { userAttributes });
  assert.equal(strict.decisions[0].decision.outcome, 'enroll');
  assert.equal(first.response.failAuthentication, true);

  const lenient = setup({ onEnroll: 'issueTokens' });
  const boot = await signIn(lenient.h, { userAttributes });
  assert.equal(boot.response.issueTokens, true);
  assert.equal(lenient.decisions[0].plan.bootstrap, true);

  // A privileged user who has only SMS must enroll a security key: never let through.
  const admin = { ...ATTRS, sub: 'a1b2c3d4-0000-4000-8000-000000000004', 'custom:factorgate_kind': 'employee', 'custom:factorgate_roles': 'admin' };
  const priv = await signIn(lenient.h, { userAttributes: admin });
  assert.equal(lenient.decisions.at(-1).decision.outcome, 'enroll');
  assert.equal(priv.response.failAuthentication, true);
});

test('memory threads across sign-ins through the store; a failed password ends the flow', async () => {
  const store = lambda.memoryStore();
  const { h, decisions } = setup({ store });
  await signIn(h);
  const { state } = await store.get(ATTRS.sub);
  assert.equal(typeof state, 'string');
  assert.ok(decisions[0].decision.reasons.some((r) => r.code === 'stateMissing'));
  await signIn(h);
  assert.ok(!decisions[1].decision.reasons.some((r) => r.code === 'stateMissing'));
  assert.ok(!decisions[1].decision.reasons.some((r) => r.code === 'stateTampered'));

  const failed = await h.handler(define([SRP_A, { challengeName: 'PASSWORD_VERIFIER', challengeResult: false }]));
  assert.equal(failed.response.failAuthentication, true);
  const unknown = await h.handler(define([], { request: {} }));
  assert.equal(unknown.response.failAuthentication, true);
});

test('service accounts are refused after the password (PreAuthentication answers every name alike); PostAuthentication clears the plan', async () => {
  const store = lambda.memoryStore();
  const { h, decisions } = setup({ store });
  const service = { sub: 'a1b2c3d4-0000-4000-8000-000000000005', 'custom:factorgate_kind': 'service' };
  const pre = base('PreAuthentication_Authentication', { userAttributes: service, request: { validationData: {} } });
  assert.equal(await h.handler(pre), pre, 'before the password nothing tells a service account apart');
  const { response } = await signIn(h, { userAttributes: service });
  assert.equal(response.failAuthentication, true);
  assert.ok(decisions[0].decision.reasons.some((r) => r.code === 'serviceAccount'));
  const ok = base('PreAuthentication_Authentication', { request: { validationData: {} } });
  assert.equal(await h.handler(ok), ok, 'an ordinary user passes (the step-up comes later)');

  await signIn(h);
  assert.ok((await store.get(ATTRS.sub)).plan);
  const post = base('PostAuthentication_Authentication', { request: { newDeviceUsed: true, clientMetadata: {} } });
  assert.equal(await h.handler(post), post);
  assert.equal((await store.get(ATTRS.sub)).plan, undefined);
  assert.equal(decisions.at(-1).newDeviceUsed, true);
});

test('an engine error applies the fail mode (closed: step up with the strongest factor the user has)', async () => {
  const { h, decisions } = setup();
  const long = { ...ATTRS, sub: `a1b2c3d4-${'x'.repeat(300)}` };
  const { response } = await signIn(h, { userAttributes: long });
  assert.deepEqual(decisions[0].decision.reasons.map((r) => r.code), ['engineFailure']);
  assert.equal(decisions[0].decision.outcome, 'stepUp');
  assert.equal(response.issueTokens, true, 'the SMS challenge was passed');
});

test('the module-scope handlers (from the environment) answer by triggerSource', async () => {
  const out = await lambda.handler(define([SRP_A]));
  assert.equal(out.response.challengeName, 'PASSWORD_VERIFIER');
  const other = { ...base('PostConfirmation_ConfirmSignUp'), response: {} };
  assert.equal(await lambda.handler(other), other);
});
