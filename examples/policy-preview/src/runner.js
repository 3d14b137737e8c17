// Runs the gallery (the test vectors of tests/vectors/, bundled into gallery.json by build.mjs)
// under a policy, and compares two runs. The semantics are those of the vector runners
// (semantics.js): a case's `policyPatch` is merged over the policy under
// test (the case brings its own networks, exceptions, break-glass list), `now` is the host clock,
// and multi-step cases thread the `state` each decision returns into the next request.
import { clockOf, mergePatch, tamperState } from './semantics.js';

function decide(engine, entry, request, now) {
  const options = { now: clockOf(now) };
  if (entry === 'action') return engine.assessAction(request, options);
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

const outcomeOf = (result) => (result.type === 'decision' ? result.outcome : 'error');
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Every field of two decisions that differs, each classified: `fg.diffDecisions` from the package,
 * the engine's one decision diff (src/diff.rs, also `factorgate diff`): `{ changes: [{ field,
 * direction: 'looser' | 'stricter' | 'changed', a, b }], class }`. A diff that fails (the policy
 * module did not load) is one `result` change saying why, so the case still shows as changed.
 */
function diffDecision(fg, ra, rb) {
  const diff = fg.diffDecisions(ra, rb);
  if (diff.type === 'decisionDiff') return diff;
  const why = `diff failed: ${(diff.errors ?? []).map((e) => `${e.code} ${e.message}`).join('; ')}`;
  return { class: 'changed', changes: [{ field: 'result', direction: 'changed', a: '', b: why }] };
}

const reasonPoints = (result) => new Map((result.reasons ?? []).map((r) => [r.code, r.points ?? 0]));

/** A case's class from all its steps' changes, by the rule of src/diff.rs (`DiffClass::of`): looser if any change is looser (mixed if stricter ones too). */
export function classOf(changes) {
  const looser = changes.some((c) => c.direction === 'looser');
  const stricter = changes.some((c) => c.direction === 'stricter');
  if (looser && stricter) return 'mixed';
  if (looser) return 'looser';
  if (stricter) return 'stricter';
  return changes.length ? 'changed' : 'same';
}

/**
 * What changed for one case between run A and run B (`fg`: the package's API): per step, every
 * field of the decision that differs (`fg.diffDecisions`) and the reasons (added, removed,
 * re-weighted). `changed` is true when any field of any step differs; `direction` is the case's
 * class (classOf over all its steps, the core's class rule).
 */
export function diffCase(fg, a, b) {
  if (a.error || b.error) {
    const changed = !same(a.error ?? null, b.error ?? null);
    return { changed, outcomeChanged: changed, direction: changed ? 'changed' : 'same', steps: [] };
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
    const { changes } = diffDecision(fg, ra, rb);
    const outcomeChanged = outcomeOf(ra) !== outcomeOf(rb);
    const reasonsChanged = reasons.some((r) => r.status !== 'same');
    return { label: sb.label, a: ra, b: rb, outcomeChanged, reasonsChanged, reasons, changes, changed: changes.length > 0 || reasonsChanged };
  });
  const all = steps.flatMap((s) => s.changes);
  return {
    changed: steps.some((s) => s.changed),
    outcomeChanged: steps.some((s) => s.outcomeChanged),
    direction: classOf(all),
    steps,
  };
}
