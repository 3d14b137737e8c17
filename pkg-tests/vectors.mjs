// Runs one test vector (tests/vectors/*.json, the same files tests/vectors.rs runs natively)
// through the built package, and checks it the way tests/vectors.rs does.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

export const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'vectors');

/** The vector files, sorted, as [fileName, parsedVector]. */
export function loadVectors() {
  return readdirSync(vectorsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(vectorsDir, f), 'utf8'))]);
}

/** RFC 7386 JSON merge patch (returns the patched value; `target` may be modified). */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

// The host clock when a vector has no (parseable) "now": the same fallback as tests/vectors.rs.
const FALLBACK_NOW_MS = 1.8e12;

/** Runs `vector` through the factorgate API `fg`; returns the parsed result. */
export function runVector(fg, vector) {
  let policy = vector.policy === undefined || vector.policy === 'default' ? fg.defaultPolicy() : structuredClone(vector.policy);
  if (vector.policyPatch !== undefined) policy = mergePatch(policy, vector.policyPatch);
  if (vector.entry === 'validatePolicy') return fg.validatePolicy(policy);

  const engine = fg.compilePolicy(policy, vector.options);
  if (engine.type !== 'engine') return engine;
  try {
    const parsed = vector.now === undefined ? NaN : Date.parse(vector.now);
    const options = { now: Number.isFinite(parsed) ? parsed : FALLBACK_NOW_MS };
    // Objects go in as objects (the shim serialises them), JSON text as text, absent as "".
    const request = vector.request === undefined ? '' : vector.request;
    switch (vector.entry) {
      case 'login':
        return engine.decideLogin(request, options);
      case 'factorChange':
        return engine.assessFactorChange(request, options);
      default:
        throw new Error(`unknown entry ${vector.entry}`);
    }
  } finally {
    engine.free();
  }
}

const set = (values) => [...new Set(values)].sort();
const field = (list, key) => (Array.isArray(list) ? list.map((x) => x?.[key]).filter((x) => x !== undefined) : []);

/** The mismatches between `expect` and `actual`, as sentences (empty when the vector holds). */
export function checkVector(expect, actual) {
  const bad = [];
  const same = (what, want, got) => {
    if (!isDeepStrictEqual(want, got)) bad.push(`${what}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
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
  if ('enrollmentAllowed' in expect) same('enrollmentAllowed', expect.enrollmentAllowed, actual.enrollmentAllowed);
  if ('approvalBy' in expect) same('approvalBy', expect.approvalBy, actual.approval?.by);
  if ('alertClasses' in expect) same('alertClasses', set(expect.alertClasses), set(field(actual.alerts, 'class_uid')));
  if ('notifyTemplates' in expect) same('notifyTemplates', set(expect.notifyTemplates), set(field(actual.notify, 'template')));
  return bad;
}
