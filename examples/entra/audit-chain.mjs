// Entra audit-log lines through assessAction: "Add service principal credentials" an hour after
// "User registered security info" for the same user is caught (SPEC §16: the persistence path
// from a bound factor to a regenerated secret, ATT&CK T1556.006 -> T1098.001).
//
//   node examples/entra/audit-chain.mjs LOG.jsonl [--users USERS.json] [--policy POLICY.json]
//
// LOG: Entra sign-in and audit records as exported: one JSON record per line, a JSON array, or a
// Graph page ({ "value": [...] }); each a Graph object (`directoryAudit`, `signIn`) or the
// diagnostic-settings envelope ({ "category": "AuditLogs" | "SignInLogs", "properties": {...} }).
// USERS: what the log does not say about a user, by Entra object id: { kind, roles,
// capabilities, factors } (the factors bound before the log starts).
//
// Records are decided in time order, each user's `state` threaded from one decision to the next
// (the engine's memory of sign-ins and factor changes):
//   - an interactive sign-in (createdDateTime)                        -> decideLogin
//   - `User|Admin registered|deleted security info`                   -> assessFactorChange (after)
//   - `Add service principal credentials`,
//     `Update application – Certificates and secrets management`     -> assessAction credentialAdd (after)
//   - `Add member to role`, `Add eligible member to role`             -> assessAction roleGrant (after)
// An action is assessed for the person who did it (`initiatedBy.user`); one an app initiated
// (a managed identity rotating its own key) has no user memory to chain and is skipped. The
// action's session is the user's last interactive sign-in (an audit record carries no
// authentication methods), so a fresh phishing-resistant sign-in counts only within the policy's
// `actions.freshProofS`.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { pathToFileURL } from 'node:url';
import { compilePolicy, defaultPolicy } from 'factorgate';

const ACTIONS = [
  [/^add service principal credentials$/i, 'credentialAdd', 'servicePrincipal'],
  [/^update application\s*[–-]\s*certificates and secrets management$/i, 'credentialAdd', 'application'],
  [/^add (eligible )?member to role$/i, 'roleGrant', 'role'],
];
const CHANGES = [
  [/registered security info$/i, 'enroll'],
  [/deleted security info$/i, 'remove'],
];

// Entra's method names (sign-in `authenticationMethod`, audit `resultReason`) -> contract factor
// types; what is not recognised is not counted.
function factorOf(text) {
  const t = String(text ?? '').toLowerCase();
  if (/previously satisfied|satisfied by/.test(t)) return undefined;
  if (/windows hello|platform/.test(t)) return 'webauthnPlatform';
  if (/passkey.*(synced|authenticator)|(authenticator).*passkey/.test(t)) return 'passkeySynced';
  if (/fido|security key|passkey/.test(t)) return 'webauthnRoaming';
  if (/certificate|smart card/.test(t)) return 'piv';
  if (/temporary access pass/.test(t)) return 'recoveryCode';
  if (/voice|call/.test(t)) return 'voice';
  if (/text message|sms|phone/.test(t)) return 'sms';
  if (/email/.test(t)) return 'email';
  if (/notification|authenticator app/.test(t)) return 'push';
  if (/oath|verification code|otp/.test(t)) return 'totp';
  if (/^password$/.test(t.trim())) return 'password';
  return undefined;
}

/** Records from an export's text: JSON lines, a JSON array, or a Graph page. */
export function readRecords(text) {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{"value"') || trimmed.startsWith('{ "value"')) {
    try {
      const parsed = JSON.parse(trimmed);
      return Array.isArray(parsed) ? parsed : Array.isArray(parsed.value) ? parsed.value : [parsed];
    } catch {
      // not one JSON document: lines
    }
  }
  return trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

const body = (r) => (r && typeof r.properties === 'object' && r.properties !== null ? r.properties : r);
const timeOf = (r) => Date.parse(r.activityDateTime ?? r.createdDateTime ?? '');
const ipOf = (ip) => (isIP(ip ?? '') ? ip : undefined);

/**
 * Decides every record in time order, threading each user's state.
 * @param {object[]} records
 * @param {{ policy?: object, stateKey?: string, users?: object }} [options]
 * @returns {{ results: object[], errors?: object[] }} one result per record: { at, activity, userId, entry, decision } or { skipped }
 */
export function auditChain(records, { policy = defaultPolicy(), stateKey = 'entra-audit-chain-example-key', users = {} } = {}) {
  const engine = compilePolicy(policy, { stateKey });
  if (engine.type !== 'engine') return { results: [], errors: engine.errors };
  const memory = new Map(); // user id -> { state, factors, session }
  const results = [];
  const sorted = records.map(body).filter((r) => r && typeof r === 'object' && !Number.isNaN(timeOf(r))).sort((a, b) => timeOf(a) - timeOf(b));
  try {
    for (const r of sorted) {
      const now = new Date(timeOf(r)).toISOString();
      const known = (id) => memory.get(id) ?? { factors: users[id]?.factors ?? [] };
      const userOf = (id, m) => ({ id, kind: users[id]?.kind ?? 'employee', roles: users[id]?.roles ?? [], capabilities: users[id]?.capabilities ?? [], factors: m.factors });
      const activity = r.activityDisplayName;
      if (typeof activity !== 'string') {
        // A sign-in: its verifications are the session's methods.
        if (r.isInteractive === false || (r.status?.errorCode ?? 0) !== 0 || typeof r.userId !== 'string') {
          results.push({ at: now, activity: 'Sign-in', userId: r.userId, skipped: 'not a successful interactive sign-in' });
          continue;
        }
        const m = known(r.userId);
        const methods = (r.authenticationDetails ?? []).filter((d) => d.succeeded !== false).map((d) => ({ type: factorOf(d.authenticationMethod), at: new Date(Date.parse(d.authenticationStepDateTime ?? now)).toISOString() })).filter((x) => x.type);
        const session = { id: r.correlationId, ip: ipOf(r.ipAddress), geo: r.location?.countryOrRegion ? { country: r.location.countryOrRegion } : undefined, userAgent: r.userAgent, methods };
        const decision = engine.decideLogin({ now, user: userOf(r.userId, m), session, app: { id: r.appId ?? 'entra' }, state: m.state });
        memory.set(r.userId, { ...m, state: decision.state ?? m.state, session });
        results.push({ at: now, activity: 'Sign-in', userId: r.userId, entry: 'login', decision });
        continue;
      }
      if (String(r.result ?? 'success').toLowerCase() !== 'success') {
        results.push({ at: now, activity, skipped: 'failed activity' });
        continue;
      }
      const targets = Array.isArray(r.targetResources) ? r.targetResources : [];
      const initiator = r.initiatedBy?.user?.id;
      const ip = ipOf(r.initiatedBy?.user?.ipAddress) ?? ipOf(r.callerIpAddress);
      const change = CHANGES.find(([p]) => p.test(activity));
      const action = ACTIONS.find(([p]) => p.test(activity));
      if (change) {
        const userId = targets.find((t) => t.type === 'User')?.id ?? initiator;
        if (!userId) { results.push({ at: now, activity, skipped: 'no user' }); continue; }
        const m = known(userId);
        const factorType = factorOf(`${r.resultReason ?? ''} ${targets.flatMap((t) => t.modifiedProperties ?? []).map((p) => p.newValue ?? '').join(' ')}`);
        const factor = factorType ? { type: factorType } : undefined;
        const actor = r.initiatedBy?.app && !initiator ? 'automation' : /^admin/i.test(activity) || (initiator && initiator !== userId) ? 'admin' : 'self';
        const request = { now, user: userOf(userId, m), session: { ip }, change: { action: change[1], factor, actor: { kind: actor, id: initiator }, phase: 'after' }, state: m.state };
        const decision = engine.assessFactorChange(request);
        const factors = decision.type === 'decision' && decision.outcome !== 'deny' && factor && change[1] === 'enroll' ? [...m.factors, factor] : m.factors;
        memory.set(userId, { ...m, factors, state: decision.state ?? m.state });
        results.push({ at: now, activity, userId, entry: 'factorChange', decision });
      } else if (action) {
        // The person who did it; an app's own key rotation has no user memory to chain.
        if (!initiator) { results.push({ at: now, activity, skipped: 'initiated by an app, not a user' }); continue; }
        const m = known(initiator);
        const target = targets.find((t) => t.type !== 'User' || action[1] === 'roleGrant') ?? targets[0];
        const request = {
          now,
          user: userOf(initiator, m),
          session: { ...(m.session ?? {}), ip: ip ?? m.session?.ip },
          action: { type: action[1], target: { kind: action[2], ...(target?.id ? { id: String(target.id) } : {}) }, phase: 'after' },
          state: m.state,
        };
        const decision = engine.assessAction(request);
        memory.set(initiator, { ...m, state: decision.state ?? m.state });
        results.push({ at: now, activity, userId: initiator, entry: 'action', target: target?.displayName, decision });
      } else {
        results.push({ at: now, activity, skipped: 'activity not assessed' });
      }
    }
  } finally {
    engine.free();
  }
  return { results };
}

/** The Detection Findings of an action's decision (OCSF class 2004). */
export const findingsOf = (decision) => (decision?.alerts ?? []).filter((a) => a.class_uid === 2004);

function main(argv) {
  const args = argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const usersFile = flag('--users');
  const policyFile = flag('--policy');
  if (args.length !== 1) {
    console.error('usage: node audit-chain.mjs LOG.jsonl [--users USERS.json] [--policy POLICY.json]');
    return 2;
  }
  const { results, errors } = auditChain(readRecords(readFileSync(args[0], 'utf8')), {
    users: usersFile ? JSON.parse(readFileSync(usersFile, 'utf8')) : {},
    policy: policyFile ? JSON.parse(readFileSync(policyFile, 'utf8')) : undefined,
  });
  if (errors) {
    console.error(JSON.stringify(errors, null, 2));
    return 2;
  }
  for (const r of results) {
    if (r.skipped) {
      console.log(`${r.at}  ${r.activity}: skipped (${r.skipped})`);
      continue;
    }
    const d = r.decision;
    if (d.type !== 'decision') {
      console.log(`${r.at}  ${r.activity} by ${r.userId}: ${JSON.stringify(d.errors)}`);
      continue;
    }
    const positive = d.reasons.filter((x) => x.points !== 0 || x.code.startsWith('recent')).map((x) => x.code);
    console.log(`${r.at}  ${r.activity} by ${r.userId}${r.target ? ` on ${r.target}` : ''}: ${d.outcome} (risk ${d.risk.score} ${d.risk.level}; ${positive.join(', ') || 'no risk'})${d.approval ? `, approval by ${d.approval.by.join('/')}` : ''}`);
    if (r.entry === 'action') {
      for (const f of findingsOf(d)) {
        console.log(`  Detection Finding: ${f.finding_info.title}`);
        for (const e of f.finding_info.related_events ?? []) {
          console.log(`    ${new Date(e.first_seen_time).toISOString()}  ${e.type} ${e.title}  ${(e.attacks ?? []).map((a) => a.technique.uid).join(' ')}`);
        }
      }
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv);
