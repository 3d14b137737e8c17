#!/usr/bin/env node
'use strict';
// Refuses a user pool and app clients on which the factorgate triggers can be walked around.
//
//   aws cognito-idp describe-user-pool --user-pool-id eu-west-1_X > pool.json
//   aws cognito-idp describe-user-pool-client --user-pool-id eu-west-1_X --client-id abc > client.json
//   node check-client.js --pool pool.json --client client.json [--client other.json]
//        [--max-refresh-hours 24] [--function-arn arn:aws:lambda:...:function:factorgate] [--json]
//
// Exit status: 0 nothing refused (warnings may be printed), 1 refused, 2 usage or unreadable input.
// As a function: checkConfig({ pool, clients }) on the same JSON, or
// fetchConfig(cognito, { userPoolId, clientIds }) with an injected client that has
// describeUserPool({ UserPoolId }) and describeUserPoolClient({ UserPoolId, ClientId }) (e.g. a
// thin wrapper over @aws-sdk/client-cognito-identity-provider's send()).
//
// Sources: the Cognito API reference (UserPoolClientType, UserPoolType, LambdaConfigType) and
// developer guide (authentication flows, refresh tokens, managing user existence errors).

const fs = require('node:fs');

// Flows that run Define/Create/Verify (CUSTOM_AUTH), and the refresh, which Pre token generation
// decides again. CUSTOM_AUTH_FLOW_ONLY is the legacy name of a custom-only client.
const SAFE_FLOWS = new Set(['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'CUSTOM_AUTH_FLOW_ONLY']);
const CUSTOM_FLOWS = new Set(['ALLOW_CUSTOM_AUTH', 'CUSTOM_AUTH_FLOW_ONLY']);
const WHY_FLOW = {
  ALLOW_USER_SRP_AUTH: 'SRP sign-in with the password alone',
  ALLOW_USER_PASSWORD_AUTH: 'sign-in with the password alone, sent in the request',
  ALLOW_ADMIN_USER_PASSWORD_AUTH: 'server-side sign-in with the password alone',
  ADMIN_NO_SRP_AUTH: 'legacy name of ADMIN_USER_PASSWORD_AUTH',
  USER_PASSWORD_AUTH: 'legacy name of USER_PASSWORD_AUTH',
  ALLOW_USER_AUTH: 'choice-based sign-in (password, SRP, passkeys, email/SMS one-time passwords), which does not include CUSTOM_AUTH',
};
const UNIT_S = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };
// The triggers handlers.js needs: without one of them a path is unchecked.
const REQUIRED_TRIGGERS = {
  DefineAuthChallenge: 'the step-up decision after the password',
  CreateAuthChallenge: 'the one-time code',
  VerifyAuthChallengeResponse: 'the answer check',
  PreAuthentication: 'the deny-listed networks before the password',
  PreTokenGeneration: 'tokens from flows that skipped the custom challenge, and every refresh',
};

const unwrap = (doc, key) => (doc && typeof doc === 'object' && doc[key] && typeof doc[key] === 'object' ? doc[key] : doc);

/**
 * @param {{ pool?: object, clients?: object[], client?: object }} config  describe-user-pool and
 *   describe-user-pool-client output (wrapped in UserPool / UserPoolClient or not)
 * @param {{ maxRefreshTokenS?: number, functionArn?: string }} [options]
 * @returns {{ ok: boolean, findings: { level: 'refuse'|'warn', code: string, clientId?: string, field: string, message: string }[] }}
 */
function checkConfig(config, options = {}) {
  const maxRefreshTokenS = options.maxRefreshTokenS ?? 24 * 3600;
  const findings = [];
  const add = (level, code, field, message, clientId) => findings.push({ level, code, ...(clientId ? { clientId } : {}), field, message });

  const clients = [...(config.clients ?? []), ...(config.client ? [config.client] : [])].map((c) => unwrap(c, 'UserPoolClient'));
  if (clients.length === 0) add('refuse', 'noClient', 'UserPoolClient', 'no app client to check: pass describe-user-pool-client output for every client the users sign in with');
  const pool = config.pool ? unwrap(config.pool, 'UserPool') : undefined;

  for (const client of clients) {
    const id = client.ClientId ?? client.ClientName ?? '(unnamed client)';
    const flows = client.ExplicitAuthFlows;
    if (!Array.isArray(flows) || flows.length === 0) {
      add('refuse', 'defaultAuthFlows', 'ExplicitAuthFlows', 'not set: Cognito then allows ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH and ALLOW_CUSTOM_AUTH, and USER_SRP_AUTH signs in with the password alone. Set ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]', id);
    } else {
      for (const flow of flows) {
        if (SAFE_FLOWS.has(flow)) continue;
        add('refuse', 'bypassAuthFlow', `ExplicitAuthFlows/${flow}`, `${flow} (${WHY_FLOW[flow] ?? 'a flow this check does not know'}) never calls Define/Create/Verify: the step-up is skipped. Allow only ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH`, id);
      }
      if (!flows.some((f) => CUSTOM_FLOWS.has(f))) add('refuse', 'noCustomAuth', 'ExplicitAuthFlows', 'ALLOW_CUSTOM_AUTH is not allowed: the factorgate triggers never run for this client', id);
    }
    const oauthFlows = client.AllowedOAuthFlows ?? [];
    if (client.AllowedOAuthFlowsUserPoolClient === true || oauthFlows.length > 0) {
      const idps = (client.SupportedIdentityProviders ?? []).join(', ') || 'none listed';
      add('refuse', 'hostedUi', 'AllowedOAuthFlows', `OAuth is on (${oauthFlows.join(', ') || 'AllowedOAuthFlowsUserPoolClient true'}; identity providers: ${idps}): the Hosted UI / managed login and federated sign-ins cannot run the custom-auth triggers. Turn OAuth off for this client (AllowedOAuthFlowsUserPoolClient false, no AllowedOAuthFlows); give machine-to-machine client_credentials its own client`, id);
    }
    if (client.PreventUserExistenceErrors !== 'ENABLED') {
      add('refuse', 'userExistenceErrors', 'PreventUserExistenceErrors', `${client.PreventUserExistenceErrors ?? 'not set (LEGACY)'}: Cognito answers UserNotFoundException for names that do not exist, whatever the triggers do. Set ENABLED`, id);
    }
    const unit = client.TokenValidityUnits?.RefreshToken ?? 'days';
    const refreshS = (client.RefreshTokenValidity ?? 30) * (UNIT_S[unit] ?? 86400);
    if (refreshS > maxRefreshTokenS) {
      add('warn', 'longRefreshToken', 'RefreshTokenValidity', `refresh tokens last ${Math.round(refreshS / 3600)} h (${client.RefreshTokenValidity ?? 30} ${unit}; Cognito allows 60 minutes to 10 years, default 30 days): each refresh is decided again by Pre token generation, which must stay attached; a shorter lifetime (≤ ${Math.round(maxRefreshTokenS / 3600)} h) bounds what a stolen refresh token is worth if it is not`, id);
    }
    if (client.EnableTokenRevocation === false) add('warn', 'noTokenRevocation', 'EnableTokenRevocation', 'false: refresh tokens cannot be revoked (RevokeToken) when a sign-in is found to be an attack', id);
  }

  if (!pool) {
    add('refuse', 'noPool', 'UserPool', 'no user pool to check (MFA, triggers): pass describe-user-pool output');
  } else {
    const mfa = pool.MfaConfiguration;
    if (mfa !== 'OFF') {
      add(mfa === undefined ? 'warn' : 'refuse', 'poolMfa', 'MfaConfiguration', `${mfa ?? 'not stated'}: with Cognito's own MFA (SMS, TOTP, email), users report that Cognito challenges it after PASSWORD_VERIFIER and issues tokens without calling Define again (Pre token generation then refuses them). Set OFF; the step-up is the custom challenge`);
    }
    const lc = pool.LambdaConfig ?? {};
    for (const [trigger, role] of Object.entries(REQUIRED_TRIGGERS)) {
      const arn = trigger === 'PreTokenGeneration' ? lc.PreTokenGenerationConfig?.LambdaArn ?? lc.PreTokenGeneration : lc[trigger];
      if (!arn) {
        add('refuse', 'missingTrigger', `LambdaConfig/${trigger}`, `not attached: nothing checks ${role}`);
      } else if (options.functionArn && !String(arn).startsWith(options.functionArn)) {
        add('refuse', 'otherFunction', `LambdaConfig/${trigger}`, `${arn} is not ${options.functionArn}`);
      }
    }
    if (!lc.PostAuthentication) add('warn', 'missingTrigger', 'LambdaConfig/PostAuthentication', 'not attached: plans are not cleared and new devices not noted (they expire after 5 minutes)');
  }

  return { ok: !findings.some((f) => f.level === 'refuse'), findings };
}

/** Reads the pool and clients through an injected client (the AWS SDK, or a test double). */
async function fetchConfig(cognito, { userPoolId, clientIds }) {
  const pool = await cognito.describeUserPool({ UserPoolId: userPoolId });
  const clients = [];
  for (const ClientId of clientIds) clients.push(await cognito.describeUserPoolClient({ UserPoolId: userPoolId, ClientId }));
  return { pool, clients };
}

function format({ ok, findings }) {
  const lines = findings.map((f) => `${f.level === 'refuse' ? 'REFUSED' : 'warning'}  ${f.clientId ? `client ${f.clientId}: ` : ''}${f.field}: ${f.message} [${f.code}]`);
  lines.push(ok ? `ok: nothing refused${findings.length ? ` (${findings.length} warning${findings.length > 1 ? 's' : ''})` : ''}` : `refused: ${findings.filter((f) => f.level === 'refuse').length} finding(s); the factorgate step-up can be walked around on this configuration`);
  return lines.join('\n');
}

function main(argv) {
  const args = { clients: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--pool') args.pool = value();
    else if (a === '--client') args.clients.push(value());
    else if (a === '--max-refresh-hours') args.maxRefreshTokenS = Number(value()) * 3600;
    else if (a === '--function-arn') args.functionArn = value();
    else if (a === '--json') args.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.pool && args.clients.length === 0) throw new Error('usage: check-client.js --pool pool.json --client client.json [--client ...] [--max-refresh-hours N] [--function-arn ARN] [--json]');
  if (args.maxRefreshTokenS !== undefined && !(args.maxRefreshTokenS > 0)) throw new Error('--max-refresh-hours must be a positive number');
  const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
  const result = checkConfig({ pool: args.pool ? read(args.pool) : undefined, clients: args.clients.map(read) }, { maxRefreshTokenS: args.maxRefreshTokenS, functionArn: args.functionArn });
  process.stdout.write(`${args.json ? JSON.stringify(result, null, 2) : format(result)}\n`);
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`check-client: ${e.message}\n`);
    process.exitCode = 2;
  }
}

module.exports = { checkConfig, fetchConfig, format };
