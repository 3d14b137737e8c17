'use strict';
// check-client.js on configurations shaped as `aws cognito-idp describe-user-pool` and
// `describe-user-pool-client` print them (API reference: UserPoolType, UserPoolClientType).
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { checkConfig, fetchConfig } = require('./check-client.js');

const ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:factorgate';
const SAFE_CLIENT = {
  UserPoolClient: {
    UserPoolId: 'eu-west-1_AbCdEf123',
    ClientName: 'portal',
    ClientId: '1example23456789',
    LastModifiedDate: '2026-11-20T09:12:01.123000+00:00',
    CreationDate: '2026-11-01T08:00:00.000000+00:00',
    RefreshTokenValidity: 24,
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'hours' },
    ReadAttributes: ['email', 'email_verified', 'phone_number', 'phone_number_verified'],
    ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    AllowedOAuthFlowsUserPoolClient: false,
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    EnablePropagateAdditionalUserContextData: false,
    AuthSessionValidity: 3,
  },
};
const SAFE_POOL = {
  UserPool: {
    Id: 'eu-west-1_AbCdEf123',
    Name: 'acme-users',
    LambdaConfig: {
      PreAuthentication: ARN,
      PostAuthentication: ARN,
      DefineAuthChallenge: ARN,
      CreateAuthChallenge: ARN,
      VerifyAuthChallengeResponse: ARN,
      PreTokenGeneration: ARN,
      PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: ARN },
    },
    MfaConfiguration: 'OFF',
    UsernameAttributes: ['email'],
    UserPoolTier: 'ESSENTIALS',
  },
};
const client = (over) => ({ UserPoolClient: { ...SAFE_CLIENT.UserPoolClient, ...over } });
const pool = (over) => ({ UserPool: { ...SAFE_POOL.UserPool, ...over } });
const refused = (result) => result.findings.filter((f) => f.level === 'refuse').map((f) => f.code);

test('the configuration the README asks for passes', () => {
  const result = checkConfig({ pool: SAFE_POOL, clients: [SAFE_CLIENT] }, { functionArn: ARN });
  assert.deepEqual(result, { ok: true, findings: [] });
});

test('each flow other than CUSTOM_AUTH and refresh is refused, and so is leaving ExplicitAuthFlows to its default', () => {
  for (const flow of ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ADMIN_NO_SRP_AUTH', 'SOMETHING_NEW']) {
    const result = checkConfig({ pool: SAFE_POOL, clients: [client({ ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', flow] })] });
    assert.equal(result.ok, false, flow);
    assert.deepEqual(refused(result), ['bypassAuthFlow']);
    assert.equal(result.findings[0].field, `ExplicitAuthFlows/${flow}`);
    assert.equal(result.findings[0].clientId, '1example23456789');
  }
  const unset = { UserPoolClient: { ...SAFE_CLIENT.UserPoolClient } };
  delete unset.UserPoolClient.ExplicitAuthFlows;
  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL, clients: [unset] })), ['defaultAuthFlows']);
  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL, clients: [client({ ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'] })] })), ['noCustomAuth']);
  assert.equal(checkConfig({ pool: SAFE_POOL, clients: [client({ ExplicitAuthFlows: ['CUSTOM_AUTH_FLOW_ONLY'] })] }).ok, true, 'the legacy custom-only name');
});

test('the Hosted UI / OAuth flows, existence errors, pool MFA and missing triggers are refused', () => {
  const hosted = checkConfig({ pool: SAFE_POOL, clients: [client({ AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], SupportedIdentityProviders: ['COGNITO', 'Google'], CallbackURLs: ['https://app.example.com/cb'] })] });
  assert.deepEqual(refused(hosted), ['hostedUi']);
  assert.match(hosted.findings[0].message, /COGNITO, Google/);

  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL, clients: [client({ PreventUserExistenceErrors: 'LEGACY' })] })), ['userExistenceErrors']);
  const noSetting = { UserPoolClient: { ...SAFE_CLIENT.UserPoolClient } };
  delete noSetting.UserPoolClient.PreventUserExistenceErrors;
  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL, clients: [noSetting] })), ['userExistenceErrors']);

  for (const mfa of ['ON', 'OPTIONAL']) assert.deepEqual(refused(checkConfig({ pool: pool({ MfaConfiguration: mfa }), clients: [SAFE_CLIENT] })), ['poolMfa'], mfa);

  const { PreTokenGeneration, PreTokenGenerationConfig, ...withoutPreToken } = SAFE_POOL.UserPool.LambdaConfig;
  const noPreToken = checkConfig({ pool: pool({ LambdaConfig: withoutPreToken }), clients: [SAFE_CLIENT] });
  assert.deepEqual(noPreToken.findings.map((f) => [f.code, f.field]), [['missingTrigger', 'LambdaConfig/PreTokenGeneration']]);
  // Only the newer PreTokenGenerationConfig is enough.
  assert.equal(checkConfig({ pool: pool({ LambdaConfig: { ...withoutPreToken, PreTokenGenerationConfig } }), clients: [SAFE_CLIENT] }).ok, true);
  const { PreAuthentication, ...noPre } = SAFE_POOL.UserPool.LambdaConfig;
  assert.deepEqual(refused(checkConfig({ pool: pool({ LambdaConfig: noPre }), clients: [SAFE_CLIENT] })), ['missingTrigger']);
  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL, clients: [SAFE_CLIENT] }, { functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:other' })), Array(5).fill('otherFunction'));
  assert.deepEqual(refused(checkConfig({ clients: [SAFE_CLIENT] })), ['noPool']);
  assert.deepEqual(refused(checkConfig({ pool: SAFE_POOL })), ['noClient']);
});

test('a 30-day refresh token is a warning with the re-check attached (its units read right), not a refusal', () => {
  const thirty = checkConfig({ pool: SAFE_POOL, clients: [client({ RefreshTokenValidity: 30, TokenValidityUnits: { RefreshToken: 'days' } })] });
  assert.equal(thirty.ok, true);
  assert.deepEqual(thirty.findings.map((f) => f.code), ['longRefreshToken']);
  assert.match(thirty.findings[0].message, /720 h/);
  // Cognito's default unit for RefreshTokenValidity is days.
  assert.deepEqual(checkConfig({ pool: SAFE_POOL, clients: [client({ RefreshTokenValidity: 2, TokenValidityUnits: {} })] }).findings.map((f) => f.code), ['longRefreshToken']);
  assert.deepEqual(checkConfig({ pool: SAFE_POOL, clients: [client({ RefreshTokenValidity: 60, TokenValidityUnits: { RefreshToken: 'minutes' } })] }).findings, []);
  assert.deepEqual(checkConfig({ pool: SAFE_POOL, clients: [client({ RefreshTokenValidity: 7, TokenValidityUnits: { RefreshToken: 'days' } })] }, { maxRefreshTokenS: 7 * 86400 }).findings, []);
});

test('fetchConfig reads the pool and every client through an injected client', async () => {
  const calls = [];
  const cognito = {
    describeUserPool: async (input) => { calls.push(['pool', input]); return SAFE_POOL; },
    describeUserPoolClient: async (input) => { calls.push(['client', input]); return input.ClientId === 'bad' ? client({ ClientId: 'bad', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'] }) : SAFE_CLIENT; },
  };
  const config = await fetchConfig(cognito, { userPoolId: 'eu-west-1_AbCdEf123', clientIds: ['1example23456789', 'bad'] });
  assert.deepEqual(calls, [
    ['pool', { UserPoolId: 'eu-west-1_AbCdEf123' }],
    ['client', { UserPoolId: 'eu-west-1_AbCdEf123', ClientId: '1example23456789' }],
    ['client', { UserPoolId: 'eu-west-1_AbCdEf123', ClientId: 'bad' }],
  ]);
  const result = checkConfig(config);
  assert.equal(result.ok, false);
  assert.deepEqual(result.findings.map((f) => [f.clientId, f.code]), [['bad', 'bypassAuthFlow']]);
});

test('the CLI: exit 0 on a safe configuration, 1 with the list of findings, 2 on bad input', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'factorgate-cognito-'));
  const write = (name, doc) => { const file = path.join(dir, name); fs.writeFileSync(file, JSON.stringify(doc, null, 4)); return file; };
  const script = path.join(__dirname, 'check-client.js');
  const poolFile = write('pool.json', SAFE_POOL);
  const out = execFileSync(process.execPath, [script, '--pool', poolFile, '--client', write('client.json', SAFE_CLIENT)], { encoding: 'utf8' });
  assert.match(out, /^ok: nothing refused/m);

  const bad = spawnSync(process.execPath, [script, '--pool', write('pool-mfa.json', pool({ MfaConfiguration: 'OPTIONAL' })), '--client', write('bad.json', client({ ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], RefreshTokenValidity: 30, TokenValidityUnits: { RefreshToken: 'days' } }))], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /REFUSED {2}client 1example23456789: ExplicitAuthFlows\/ALLOW_USER_PASSWORD_AUTH: .*\[bypassAuthFlow\]/);
  assert.match(bad.stdout, /REFUSED {2}MfaConfiguration: OPTIONAL/);
  assert.match(bad.stdout, /warning {2}client 1example23456789: RefreshTokenValidity: refresh tokens last 720 h/);
  assert.match(bad.stdout, /refused: 2 finding\(s\)/);

  const json = spawnSync(process.execPath, [script, '--json', '--pool', poolFile, '--client', write('bad2.json', client({ PreventUserExistenceErrors: 'LEGACY' }))], { encoding: 'utf8' });
  assert.equal(json.status, 1);
  assert.deepEqual(JSON.parse(json.stdout).findings.map((f) => f.code), ['userExistenceErrors']);

  const usage = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage/);
  const unreadable = spawnSync(process.execPath, [script, '--pool', path.join(dir, 'missing.json')], { encoding: 'utf8' });
  assert.equal(unreadable.status, 2);
  fs.rmSync(dir, { recursive: true, force: true });
});
