// examples/entra/audit-chain.mjs through the built package: Entra audit-log records (the
// diagnostic-settings export) in time order, each user's state threaded; "Add service principal
// credentials" an hour after "User registered security info" by the same user is caught by
// assessAction (a Detection Finding naming both links), the reverse order and a 3-day gap are not.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auditChain, findingsOf, readRecords } from './audit-chain.mjs';
import { ADA, SP, USERS, signIn, registeredSecurityInfo, addServicePrincipalCredentials } from './fixtures.mjs';

const T = Date.parse('2026-11-23T10:00:00Z');
const H = 3600_000;
const CHAIN_CODES = ['recentFactorChange', 'recentRecovery', 'recentRiskySignin'];
const actionOf = (results) => results.find((r) => r.entry === 'action');
const codes = (d) => d.reasons.map((r) => r.code);
// The admin's usual portal sign-ins (password and FIDO2 key), the last 5 minutes before T.
const usual = () => [signIn(T - 26 * H), signIn(T - 2 * H), signIn(T - 5 * 60_000)];

test('"Add service principal credentials" an hour after "User registered security info": caught, a Detection Finding naming both links', () => {
  const records = [...usual(), registeredSecurityInfo(T - H), addServicePrincipalCredentials(T)];
  const { results, errors } = auditChain(records.reverse(), { users: USERS }); // decided in time order whatever the file's order
  assert.equal(errors, undefined);
  const change = results.find((r) => r.entry === 'factorChange');
  assert.equal(change.decision.type, 'decision');
  assert.equal(change.decision.outcome, 'allow', 'reported after the fact, not denied: remembered');
  const action = actionOf(results);
  assert.equal(action.userId, ADA.id);
  assert.equal(action.decision.entry, 'action');
  assert.ok(codes(action.decision).includes('recentFactorChange'), codes(action.decision).join());
  assert.equal(action.decision.outcome, 'approval', 'a risky link (the change was medium risk) holds the action for the SOC');
  assert.deepEqual(action.decision.approval.by, ['soc']);
  assert.deepEqual(action.decision.exposure.action, { type: 'credentialAdd', targetKind: 'servicePrincipal', targetId: SP.id, privileged: true, reaches: 'manageWorkloadIdentities' });
  const [finding, ...more] = findingsOf(action.decision);
  assert.equal(more.length, 0);
  assert.deepEqual(finding.finding_info.related_events.map((e) => [e.type, e.title, e.first_seen_time]), [
    ['factorgate/factorChange', 'enroll', T - H],
    ['factorgate/action', 'credentialAdd', T],
  ]);
  assert.deepEqual(finding.finding_info.related_events.map((e) => e.attacks.map((a) => a.technique.uid)), [['T1556.006'], ['T1098.001']]);
});

test('the reverse order (the credential first, the registration an hour later) stays quiet', () => {
  const { results } = auditChain([...usual(), addServicePrincipalCredentials(T), registeredSecurityInfo(T + H)], { users: USERS });
  const action = actionOf(results);
  assert.equal(action.decision.outcome, 'allow', codes(action.decision).join());
  assert.ok(!codes(action.decision).some((c) => CHAIN_CODES.includes(c)));
  assert.deepEqual(findingsOf(action.decision), []);
});

test('a 3-day gap between the registration and the credential stays quiet (beyond actions.recentFactorChangeS)', () => {
  const { results } = auditChain([signIn(T - 80 * H), registeredSecurityInfo(T - 72 * H), ...usual(), addServicePrincipalCredentials(T)], { users: USERS });
  const action = actionOf(results);
  assert.equal(action.decision.outcome, 'allow', codes(action.decision).join());
  assert.ok(!codes(action.decision).some((c) => CHAIN_CODES.includes(c)));
  assert.deepEqual(findingsOf(action.decision), []);
});

test('a managed identity rotating its own key (initiatedBy.app) is skipped: no user to chain', () => {
  const { results } = auditChain([...usual(), registeredSecurityInfo(T - H), addServicePrincipalCredentials(T, { app: true })], { users: USERS });
  assert.equal(actionOf(results), undefined);
  assert.equal(results.at(-1).skipped, 'initiated by an app, not a user');
});

test('the command line reads JSON lines and prints the decision and the finding', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fg-entra-'));
  const log = path.join(dir, 'audit.jsonl');
  const users = path.join(dir, 'users.json');
  const records = [...usual(), registeredSecurityInfo(T - H), addServicePrincipalCredentials(T)];
  writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(users, JSON.stringify(USERS));
  assert.equal(readRecords(JSON.stringify({ value: records })).length, records.length, 'a Graph page too');
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'audit-chain.mjs');
  const out = execFileSync(process.execPath, [script, log, '--users', users], { encoding: 'utf8' });
  assert.match(out, /Add service principal credentials by 2ce8a1f4-[^:]+ on billing-test-wus: approval \(.*recentFactorChange.*\), approval by soc/);
  assert.match(out, /Detection Finding: /);
  assert.match(out, /factorgate\/factorChange enroll {2}T1556\.006/);
  assert.match(out, /factorgate\/action credentialAdd {2}T1098\.001/);
});
