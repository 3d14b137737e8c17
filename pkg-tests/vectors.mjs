// Runs one test vector (tests/vectors/*.json, the same files tests/vectors.rs runs natively)
// through the built package, and checks it the way tests/vectors.rs does.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { clockOf, mergePatch, tamperState } from './vector-semantics.mjs';

export { mergePatch, tamperState };

export const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'vectors');

/** The vector files, sorted, as [fileName, parsedVector]. */
export function loadVectors() {
  return readdirSync(vectorsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(vectorsDir, f), 'utf8'))]);
}



/** The vector's policy: the default or its own, with `policyPatch` applied. */
function policyOf(fg, vector) {
  let policy = vector.policy === undefined || vector.policy === 'default' ? fg.defaultPolicy() : structuredClone(vector.policy);
  if (vector.policyPatch !== undefined) policy = mergePatch(policy, vector.policyPatch);
  return policy;
}


function decide(engine, entry, request, options) {
  switch (entry) {
    case 'login':
      return engine.decideLogin(request, options);
    case 'factorChange':
      return engine.assessFactorChange(request, options);
    case 'action':
      return engine.assessAction(request, options);
    case 'grantApproval':
      return engine.grantApproval(request, options);
    default:
      throw new Error(`unknown entry ${entry}`);
  }
}

/** Runs `vector` through the factorgate API `fg`; returns the parsed result. */
export function runVector(fg, vector) {
  const policy = policyOf(fg, vector);
  if (vector.entry === 'validatePolicy') return fg.validatePolicy(policy);

  const engine = fg.compilePolicy(policy, vector.options);
  if (engine.type !== 'engine') return engine;
  try {
    // Objects go in as objects (the shim serialises them), JSON text as text, absent as "".
    const request = vector.request === undefined ? '' : vector.request;
    return decide(engine, vector.entry, request, { now: clockOf(vector.now) });
  } finally {
    engine.free();
  }
}


/**
 * Runs a multi-step vector (`vector.steps`, memory between calls) on one engine; returns
 * `[label, result, step]` for each step. Each step's request is the vector's `request` with the
 * step's `requestPatch` applied; its `state` is the last state any earlier result carried (a
 * result without one leaves the previous in place, as a host does), unless the step gives
 * `state` (a string, or null for none); `tamperState: true` alters it first (tamperState()).
 * A step with `entry: 'grantApproval'` sends `{ request, approver: step.approver }`; its `grant`
 * is kept, and a later step with `useGrant: true` sends it as `change.approval` (altered first
 * with `tamperGrant: true`). `expect.sameApprovalId: true` on a grant step: its `approvalId` is
 * the `approval.id` of the last decision that had one. Each step yields
 * `[label, result, step, approvalId, noGrant]` (`noGrant`: `useGrant` with no grant yet).
 */
export function runSteps(fg, vector) {
  const engine = fg.compilePolicy(policyOf(fg, vector), vector.options);
  if (engine.type !== 'engine') throw new Error(`policy does not compile: ${JSON.stringify(engine)}`);
  const out = [];
  try {
    let state;
    let grant;
    let approvalId;
    for (const [i, step] of vector.steps.entries()) {
      let request = structuredClone(vector.request ?? {});
      if (step.requestPatch !== undefined) request = mergePatch(request, step.requestPatch);
      let sent = 'state' in step ? (step.state ?? undefined) : state;
      if (sent !== undefined && step.tamperState === true) sent = tamperState(sent);
      if (sent !== undefined) request.state = sent;
      // useGrant without a grant yet: sent without one (as a host holding none), and the step
      // fails (vectors.test.mjs), as the Rust runner (cases/src/lib.rs) does.
      const noGrant = step.useGrant === true && grant === undefined;
      if (step.useGrant === true && grant !== undefined) {
        (request.change ?? request.action).approval = step.tamperGrant === true ? tamperState(grant) : grant;
      }
      const entry = step.entry ?? vector.entry;
      const input = entry === 'grantApproval' ? { request, approver: step.approver } : request;
      const result = decide(engine, entry, input, { now: clockOf(step.now ?? vector.now) });
      if (typeof result.state === 'string') state = result.state;
      if (typeof result.grant === 'string') grant = result.grant;
      const label = step.name === undefined ? `step ${i + 1}` : `step ${i + 1} (${step.name})`;
      out.push([label, result, step, approvalId, noGrant]);
      if (typeof result.approval?.id === 'string') approvalId = result.approval.id;
    }
  } finally {
    engine.free();
  }
  return out;
}

const set = (values) => [...new Set(values)].sort();
const field = (list, key) => (Array.isArray(list) ? list.map((x) => x?.[key]).filter((x) => x !== undefined) : []);

/** The mismatches between `expect` and `actual`, as sentences (empty when the vector holds). */
export function checkVector(expect, actual) {
  const bad = [];
  const same = (what, want, got) => {
    if (!isDeepStrictEqual(want, got)) bad.push(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  if (actual?.type === 'decision' && !(actual.reasons?.length > 0)) {
    bad.push('a decision without reasons (docs/contract.md#decision: that is a bug)');
  }
  if ('type' in expect) same('type', expect.type, actual.type);
  if ('outcome' in expect) same('outcome', expect.outcome, actual.outcome);
  if ('riskLevel' in expect) same('riskLevel', expect.riskLevel, actual.risk?.level);
  if ('reasons' in expect) same('reasons', set(expect.reasons), set(field(actual.reasons, 'code')));
  if ('errorCodes' in expect) same('errorCodes', set(expect.errorCodes), set(field(actual.errors, 'code')));
  if ('errorPaths' in expect) {
    const paths = field(actual.errors, 'path');
    for (const p of expect.errorPaths) {
      if (!paths.includes(p)) bad.push(`errorPaths: ${JSON.stringify(p)} not in ${JSON.stringify(paths)}`);
    }
  }
  if ('requirement' in expect) {
    for (const [key, want] of Object.entries(expect.requirement)) same(`requirement.${key}`, want, actual.requirement?.[key]);
  }
  if ('recovery' in expect) {
    for (const [key, want] of Object.entries(expect.recovery)) same(`recovery.${key}`, want, actual.recovery?.[key]);
  }
  if ('alertsMention' in expect) {
    const text = JSON.stringify(actual.alerts ?? null);
    for (const m of expect.alertsMention) {
      if (!text.includes(m)) bad.push(`alertsMention: ${JSON.stringify(m)} not in the alerts`);
    }
  }
  if ('enrollmentAllowed' in expect) same('enrollmentAllowed', expect.enrollmentAllowed, actual.enrollmentAllowed);
  if ('approvalBy' in expect) same('approvalBy', expect.approvalBy, actual.approval?.by);
  if ('alertClasses' in expect) same('alertClasses', set(expect.alertClasses), set(field(actual.alerts, 'class_uid')));
  if ('hasState' in expect) same('hasState', expect.hasState, typeof actual.state === 'string');
  if ('values' in expect) {
    for (const [pointer, want] of Object.entries(expect.values)) {
      const got = pointer.split('/').slice(1).reduce((v, k) => v?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], actual);
      same(`values ${pointer}`, want, got ?? null);
    }
  }
  if ('notifyTemplates' in expect) same('notifyTemplates', set(expect.notifyTemplates), set(field(actual.notify, 'template')));
  return bad;
}
