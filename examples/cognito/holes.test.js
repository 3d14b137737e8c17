'use strict';
// The holes of issue 16 (item 2), each with the event Cognito really sends. Shapes: the AWS
// developer guide's request parameters for each trigger (user-pool-lambda-pre-authentication,
// -define-auth-challenge, -create-auth-challenge, -verify-auth-challenge-response,
// -pre-token-generation, and the common parameters of
// cognito-user-identity-pools-working-with-aws-lambda-triggers), filled in like the sample
// events AWS publishes for its Lambda runtimes (aws-lambda-rust-runtime
// lambda-events/src/fixtures/example-cognito-event-userpools-*.json, including the
// *-user-not-found ones). Through the built package.
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
const T0 = Date.parse('2026-11-23T10:00:00Z');

function setup(options = {}) {
  const sent = [];
  const decisions = [];
  const clock = { now: T0 };
  const store = lambda.memoryStore();
  let storeCalls = 0;
  const counted = { get: async (id) => { storeCalls++; return store.get(id); }, set: async (id, r) => { storeCalls++; return store.set(id, r); } };
  const h = lambda.createHandlers({
    policy: POLICY,
    stateKey: 'cognito-test-state-key-0123456789',
    sender: async (message) => { sent.push(message); },
    onDecision: (r) => decisions.push(r),
    now: () => clock.now,
    store: counted,
    trustClientMetadata: true,
    ...options,
  });
  return { h, sent, decisions, clock, store, storeCalls: () => storeCalls };
}

const MARIA = {
  sub: 'a1b2c3d4-0000-4000-8000-000000000001',
  'cognito:user_status': 'CONFIRMED',
  email: 'maria@example.com',
  email_verified: 'true',
  phone_number: '+4790000001',
  phone_number_verified: 'true',
};
const SERVICE = { sub: 'a1b2c3d4-0000-4000-8000-000000000005', 'cognito:user_status': 'CONFIRMED', 'custom:factorgate_kind': 'service' };
// What a name that does not exist looks like (PreventUserExistenceErrors ENABLED): no attributes,
// or the simulated ones of AWS's user-not-found sample events.
const NOBODY = {};
const NOBODY_SIMULATED = { sub: 'f0e1d2c3-0000-4000-8000-00000000dead', 'cognito:user_status': 'CONFIRMED', phone_number_verified: 'true', phone_number: '+12223334455' };

// The common parameters, as in AWS's samples.
function event(triggerSource, { userName, userAttributes, clientId = 'portal-client', request = {}, response = {} }) {
  return {
    version: '1',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEf123',
    userName: userName ?? userAttributes.sub ?? 'maria',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId },
    triggerSource,
    request: { userAttributes, ...request },
    response,
  };
}
// Pre authentication: { userAttributes, validationData, userNotFound } (ClientMetadata of
// InitiateAuth / AdminInitiateAuth arrives as validationData).
const preAuth = (userAttributes, validationData, { userNotFound = false, ...rest } = {}) =>
  event('PreAuthentication_Authentication', { userAttributes, ...rest, request: { validationData, userNotFound } });
const define = (userAttributes, session, { userNotFound = false, clientMetadata = {}, ...rest } = {}) =>
  event('DefineAuthChallenge_Authentication', {
    userAttributes, ...rest,
    request: { session, clientMetadata, userNotFound },
    response: { challengeName: null, issueTokens: false, failAuthentication: false },
  });
const create = (userAttributes, session, { userNotFound = false, clientMetadata = {}, ...rest } = {}) =>
  event('CreateAuthChallenge_Authentication', {
    userAttributes, ...rest,
    request: { challengeName: 'CUSTOM_CHALLENGE', session, clientMetadata, userNotFound },
    response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: null },
  });
const verify = (userAttributes, privateChallengeParameters, challengeAnswer, rest = {}) =>
  event('VerifyAuthChallengeResponse_Authentication', {
    userAttributes, ...rest,
    request: { privateChallengeParameters, challengeAnswer, clientMetadata: {}, userNotFound: false },
    response: { answerCorrect: null },
  });
// Pre token generation V1_0 ({ userAttributes, groupConfiguration, clientMetadata } →
// claimsOverrideDetails) and V2_0 (+ scopes → claimsAndScopeOverrideDetails).
const tokenGen = (triggerSource, userAttributes, { v2 = false, ...rest } = {}) =>
  event(triggerSource, {
    userAttributes, ...rest,
    request: v2
      ? { groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null }, scopes: ['openid', 'aws.cognito.signin.user.admin'], clientMetadata: {} }
      : { groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null }, clientMetadata: {} },
    response: v2 ? { claimsAndScopeOverrideDetails: null } : { claimsOverrideDetails: null },
  });

const SRP_A = { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: null };
const PASSWORD_OK = { challengeName: 'PASSWORD_VERIFIER', challengeResult: true, challengeMetadata: null };
const PASSWORD_BAD = { challengeName: 'PASSWORD_VERIFIER', challengeResult: false, challengeMetadata: null };

// Plays the CUSTOM_AUTH rounds Cognito runs after a correct password. `answer(code)` is what
// the user types. Returns the final Define response.
async function signIn(h, userAttributes, { answer = (code) => code, clientId } = {}) {
  const session = [SRP_A];
  let out = await h.handler(define(userAttributes, session, { clientId }));
  assert.equal(out.response.challengeName, 'PASSWORD_VERIFIER');
  session.push(PASSWORD_OK);
  for (;;) {
    out = await h.handler(define(userAttributes, session, { clientId }));
    if (out.response.issueTokens || out.response.failAuthentication) return out.response;
    const created = await h.handler(create(userAttributes, session, { clientId }));
    const verified = await h.handler(verify(userAttributes, created.response.privateChallengeParameters, answer(created.response.privateChallengeParameters.answer), { clientId }));
    session.push({ challengeName: 'CUSTOM_CHALLENGE', challengeResult: verified.response.answerCorrect, challengeMetadata: created.response.challengeMetadata });
  }
}

const outcome = async (promise) => {
  try { const value = await promise; return { ok: true, response: value.response }; } catch (e) { return { ok: false, name: e.name, message: e.message }; }
};

// ---- C1: Pre authentication reads validationData ----

test('Pre authentication refuses a deny-listed network that the server put in ClientMetadata (Cognito delivers it as validationData)', async () => {
  const { h, decisions } = setup();
  const userAttributes = { sub: 'a1b2c3d4-0000-4000-8000-000000000002', 'cognito:user_status': 'CONFIRMED', email: 'x@example.com', email_verified: 'false' };
  await assert.rejects(h.handler(preAuth(userAttributes, { ip: '203.0.113.40', deviceId: 'd9' })), { message: 'Sign-in is not allowed.' });
  assert.ok(decisions.at(-1).decision.reasons.some((r) => r.code === 'untrustedIp'));
  // A clean network passes (the step-up comes after the password).
  const ok = preAuth(userAttributes, { ip: '198.51.100.7', deviceId: 'd9' });
  assert.equal(await h.handler(ok), ok);
  // Without trust in ClientMetadata (a public client writes what it likes there) nothing is read.
  const { h: untrusting } = setup({ trustClientMetadata: false });
  const ev = preAuth(userAttributes, { ip: '203.0.113.40' });
  assert.equal(await untrusting.handler(ev), ev);
});

// ---- C3: userNotFound answered like a real user ----

test('Pre authentication gives every user name the same answer: real, service account, or not found', async () => {
  const names = [
    ['maria', MARIA, false],
    ['svc-backup', SERVICE, false],
    ['nobody', NOBODY, true],
    ['nobody-simulated', NOBODY_SIMULATED, true],
  ];
  for (const validationData of [{ ip: '198.51.100.7' }, { ip: '203.0.113.40' }, {}]) {
    const answers = [];
    for (const [userName, attrs, userNotFound] of names) {
      const { h, storeCalls } = setup();
      const got = await outcome(h.handler(preAuth(attrs, validationData, { userName, userNotFound })));
      answers.push({ ok: got.ok, message: got.message, response: got.response, storeCalls: storeCalls() });
    }
    for (const a of answers.slice(1)) assert.deepEqual(a, answers[0], `validationData ${JSON.stringify(validationData)}`);
  }
});

test('Define: a user name that does not exist gets PASSWORD_VERIFIER and then the wrong-password refusal, like a real user', async () => {
  const rounds = async (attrs, userNotFound) => {
    const { h, storeCalls } = setup();
    const first = await h.handler(define(attrs, [SRP_A], { userNotFound, userName: 'typed-name' }));
    const second = await h.handler(define(attrs, [SRP_A, PASSWORD_BAD], { userNotFound, userName: 'typed-name' }));
    return { first: first.response, second: second.response, storeCalls: storeCalls() };
  };
  const real = await rounds(MARIA, false);
  assert.deepEqual(real.first, { challengeName: 'PASSWORD_VERIFIER', issueTokens: false, failAuthentication: false });
  assert.deepEqual(real.second, { challengeName: null, issueTokens: false, failAuthentication: true });
  assert.deepEqual(await rounds(NOBODY, true), real);
  assert.deepEqual(await rounds(NOBODY_SIMULATED, true), real);
  // AWS's user-not-found sample claims a correct password; nothing is issued for it.
  const { h } = setup();
  const out = await h.handler(define(NOBODY_SIMULATED, [SRP_A, PASSWORD_OK], { userNotFound: true }));
  assert.equal(out.response.issueTokens, false);
  assert.equal(out.response.failAuthentication, true);
});

test('a service account is refused after the password, with the same answer as a wrong password', async () => {
  const { h, decisions } = setup();
  const ev = preAuth(SERVICE, {}, { userName: 'svc-backup' });
  assert.equal(await h.handler(ev), ev, 'not told apart before the password');
  const out = await h.handler(define(SERVICE, [SRP_A, PASSWORD_OK]));
  assert.deepEqual(out.response, { challengeName: null, issueTokens: false, failAuthentication: true });
  assert.ok(decisions.at(-1).decision.reasons.some((r) => r.code === 'serviceAccount'));
  // Create and Verify for a name that does not exist: an unanswerable challenge, nothing sent.
  const { h: h2, sent } = setup();
  const created = await h2.handler(create(NOBODY_SIMULATED, [SRP_A, PASSWORD_OK], { userNotFound: true }));
  assert.equal(created.response.challengeMetadata, 'factorgate:none');
  const verified = await h2.handler(verify(NOBODY_SIMULATED, created.response.privateChallengeParameters, '123456'));
  assert.equal(verified.response.answerCorrect, false);
  assert.equal(sent.length, 0);
});

// ---- C2: bypasses, checked at Pre token generation ----

test('Pre token generation refuses tokens Define did not issue: USER_SRP_AUTH / USER_PASSWORD_AUTH / Cognito MFA, and the Hosted UI', async () => {
  const { h, decisions } = setup();
  // A password-only flow (no Define ever ran) ends in TokenGeneration_Authentication.
  await assert.rejects(h.handler(tokenGen('TokenGeneration_Authentication', MARIA)), { message: 'Sign-in is not allowed.' });
  assert.equal(decisions.at(-1).refused, 'tokensNotIssuedByDefine');
  await assert.rejects(h.handler(tokenGen('TokenGeneration_Authentication', MARIA, { v2: true })), { message: 'Sign-in is not allowed.' });
  await assert.rejects(h.handler(tokenGen('TokenGeneration_NewPasswordChallenge', MARIA)), { message: 'Sign-in is not allowed.' });
  // The Hosted UI / managed login never runs the custom-auth triggers.
  await assert.rejects(h.handler(tokenGen('TokenGeneration_HostedAuth', MARIA, { v2: true })), { message: 'Sign-in is not allowed.' });
  // Cognito's own SMS_MFA inside the custom flow: Define never issues for it.
  const mfa = await h.handler(define(MARIA, [SRP_A, PASSWORD_OK, { challengeName: 'SMS_MFA', challengeResult: true, challengeMetadata: null }]));
  assert.equal(mfa.response.issueTokens, false);
});

test('Pre token generation lets through the tokens of a custom sign-in once, on its app client', async () => {
  const { h } = setup();
  const response = await signIn(h, MARIA);
  assert.equal(response.issueTokens, true);
  const ev = tokenGen('TokenGeneration_Authentication', MARIA, { v2: true });
  assert.equal(await h.handler(ev), ev);
  assert.deepEqual(ev.response, { claimsAndScopeOverrideDetails: null }, 'the tokens are left as Cognito built them');
  await assert.rejects(h.handler(tokenGen('TokenGeneration_Authentication', MARIA)), /not allowed/, 'once');

  // Issued on one client, generated on another: refused.
  assert.equal((await signIn(h, MARIA)).issueTokens, true);
  await assert.rejects(h.handler(tokenGen('TokenGeneration_Authentication', MARIA, { clientId: 'other-client' })), /not allowed/);

  // Issued but never generated: a password-only flow a minute later finds nothing to use.
  const late = setup();
  assert.equal((await signIn(late.h, MARIA)).issueTokens, true);
  late.clock.now += 61_000;
  await assert.rejects(late.h.handler(tokenGen('TokenGeneration_Authentication', MARIA)), /not allowed/);
  // A later sign-in that is not issued clears what an earlier one left.
  const again = setup();
  assert.equal((await signIn(again.h, MARIA)).issueTokens, true);
  await again.h.handler(define(MARIA, [SRP_A, PASSWORD_OK])); // stepUp: no tokens yet
  await assert.rejects(again.h.handler(tokenGen('TokenGeneration_Authentication', MARIA)), /not allowed/);
});

test('a refresh is decided again: within the re-authentication window it passes, after it (24 h for AAL2) the app must sign in again', async () => {
  const { h, clock, decisions } = setup();
  assert.equal((await signIn(h, MARIA)).issueTokens, true);
  await h.handler(tokenGen('TokenGeneration_Authentication', MARIA));

  clock.now = T0 + 23 * 3600_000;
  const refresh = tokenGen('TokenGeneration_RefreshTokens', MARIA, { v2: true });
  assert.equal(await h.handler(refresh), refresh);
  assert.equal(decisions.at(-1).decision.outcome, 'allow');

  clock.now = T0 + 25 * 3600_000; // the default policy's aal2S is 24 h; Cognito's refresh token still has 29 days
  await assert.rejects(h.handler(tokenGen('TokenGeneration_RefreshTokens', MARIA)), { message: 'Sign in again.' });
  assert.equal(decisions.at(-1).decision.outcome, 'stepUp');

  // A refresh token from a sign-in this Lambda never saw (before deployment, a lost store).
  const { h: fresh } = setup();
  await assert.rejects(fresh.handler(tokenGen('TokenGeneration_RefreshTokens', MARIA)), { message: 'Sign in again.' });

  // On a low-sensitivity client (AAL1, 30 days), the same refresh is fine after 25 h.
  const low = setup();
  assert.equal((await signIn(low.h, MARIA, { clientId: 'public-site' })).issueTokens, true);
  await low.h.handler(tokenGen('TokenGeneration_Authentication', MARIA, { clientId: 'public-site' }));
  low.clock.now = T0 + 25 * 3600_000;
  const ev = tokenGen('TokenGeneration_RefreshTokens', MARIA, { clientId: 'public-site' });
  assert.equal(await low.h.handler(ev), ev);
});

test('a refresh writes no memory', async () => {
  const { h, store } = setup();
  await signIn(h, MARIA);
  await h.handler(tokenGen('TokenGeneration_Authentication', MARIA));
  const before = (await store.get(MARIA.sub)).state;
  await h.handler(tokenGen('TokenGeneration_RefreshTokens', MARIA));
  assert.equal((await store.get(MARIA.sub)).state, before);
});

// ---- SMS rate limit ----

test('one-time codes are limited per user: 5 in any hour, then the sign-in fails without a code; the next hour they flow again', async () => {
  const { h, sent, clock, decisions } = setup();
  const wrong = () => 'nope';
  const first = await signIn(h, MARIA, { answer: wrong });
  assert.equal(first.failAuthentication, true);
  assert.equal(sent.length, 3, 'three attempts, a fresh code each');
  clock.now += 60_000;
  const second = await signIn(h, MARIA, { answer: wrong });
  assert.equal(second.failAuthentication, true);
  assert.equal(sent.length, 5, 'the limit stops the second sign-in after two codes');
  clock.now += 60_000;
  const third = await signIn(h, MARIA);
  assert.equal(third.failAuthentication, true, 'no sixth code within the hour, even for the right user');
  assert.equal(sent.length, 5);
  assert.equal(decisions.at(-1).rateLimited, true);

  clock.now = T0 + 3600_000 + 1;
  const later = await signIn(h, MARIA);
  assert.equal(later.issueTokens, true);
  assert.equal(sent.length, 6);

  // Configurable, and per user: another user is not held by Maria's codes.
  const strict = setup({ codeLimit: { max: 1, windowS: 600 } });
  await signIn(strict.h, MARIA, { answer: wrong });
  assert.equal(strict.sent.length, 1);
  const other = { ...MARIA, sub: 'a1b2c3d4-0000-4000-8000-000000000009', phone_number: '+4790000009' };
  assert.equal((await signIn(strict.h, other)).issueTokens, true);
  assert.equal(strict.sent.length, 2);
});
