// Runs the gallery (the test vectors of tests/vectors/, bundled into gallery.json by build.mjs)
// under a policy, and compares two runs. The semantics are those of the vector runners
// (semantics.js): a case's `policyPatch` is merged over the policy under
// test (the case brings its own networks, exceptions, break-glass list), `now` is the host clock,
// and multi-step cases thread the `state` each decision returns into the next request.
import { clockOf, mergePatch, tamperState } from './semantics.js';

function decide(engine, entry, request, now) {
  const options = { now: clockOf(now) };
  return entry === 'factorChange' ? engine.assessFactorChange(request, options) : engine.decideLogin(request, options);
}

/**
 * Every case of `cases` under `policy` (a parsed policy document). Returns a Map from case name to
 * `{ steps: [{ label, result }] }` (one step for single cases), or `{ error }` when the policy with
 * the case's patch does not compile.
 */
export function runGallery(fg, cases, policy) {
  const results = new Map();
  const engines = new Map(); // one compile per distinct (policyPatch, options)
  try {
    for (const c of cases) {
      const key = JSON.stringify([c.policyPatch ?? null, c.options ?? null]);
      if (!engines.has(key)) {
        const patched = c.policyPatch === undefined ? policy : mergePatch(structuredClone(policy), c.policyPatch);
        engines.set(key, fg.compilePolicy(patched, c.options));
      }
      const engine = engines.get(key);
      if (engine.type !== 'engine') {
        results.set(c.name, { error: engine.errors });
        continue;
      }
      if (!c.steps) {
        results.set(c.name, { steps: [{ label: '', result: decide(engine, c.entry, c.request, c.now) }] });
        continue;
      }
      const steps = [];
      let state;
      for (const [i, step] of c.steps.entries()) {
        let request = structuredClone(c.request ?? {});
        if (step.requestPatch !== undefined) request = mergePatch(request, step.requestPatch);
        let sent = 'state' in step ? (step.state ?? undefined) : state;
        if (sent !== undefined && step.tamperState === true) sent = tamperState(sent);
        if (sent !== undefined) request.state = sent;
        const result = decide(engine, step.entry ?? c.entry, request, step.now ?? c.now);
        if (typeof result.state === 'string') state = result.state;
        steps.push({ label: step.name ?? `step ${i + 1}`, result });
      }
      results.set(c.name, { steps });
    }
  } finally {
    for (const engine of engines.values()) if (engine.type === 'engine') engine.free();
  }
  return results;
}

const reasonPoints = (result) => new Map((result.reasons ?? []).map((r) => [r.code, r.points ?? 0]));
const outcomeOf = (result) => (result.type === 'decision' ? result.outcome : 'error');

/**
 * What changed for one case between run A and run B: per step, the outcome, the risk and the
 * reasons (added, removed, re-weighted). `changed` is true when any outcome or reason changed.
 */
export function diffCase(a, b) {
  if (a.error || b.error) {
    const changed = Boolean(a.error) !== Boolean(b.error);
    return { changed, outcomeChanged: changed, steps: [] };
  }
  const steps = b.steps.map((sb, i) => {
    const ra = a.steps[i].result;
    const rb = sb.result;
    const pa = reasonPoints(ra);
    const pb = reasonPoints(rb);
    const reasons = [];
    for (const code of new Set([...pa.keys(), ...pb.keys()])) {
      const before = pa.get(code);
      const after = pb.get(code);
      const status = before === undefined ? 'added' : after === undefined ? 'removed' : before !== after ? 'reweighted' : 'same';
      const detail = (rb.reasons ?? []).find((r) => r.code === code)?.detail ?? (ra.reasons ?? []).find((r) => r.code === code)?.detail;
      reasons.push({ code, before, after, status, detail });
    }
    const outcomeChanged = outcomeOf(ra) !== outcomeOf(rb);
    const reasonsChanged = reasons.some((r) => r.status !== 'same');
    return { label: sb.label, a: ra, b: rb, outcomeChanged, reasonsChanged, reasons };
  });
  return {
    changed: steps.some((s) => s.outcomeChanged || s.reasonsChanged),
    outcomeChanged: steps.some((s) => s.outcomeChanged),
    steps,
  };
}
