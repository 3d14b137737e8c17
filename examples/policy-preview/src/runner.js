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

/** Outcomes from least to most severe (docs/contract.md): a move to the left is looser. */
export const SEVERITY = ['allow', 'enroll', 'stepUp', 'approval', 'deny'];
const LEVELS = ['low', 'medium', 'high', 'critical'];

// Each comparison answers 'looser', 'stricter' or 'changed' (a difference with no order).
const byNumber = (a, b, looserWhen) => (a === b ? null : (b > a) === (looserWhen === 'higher') ? 'looser' : 'stricter');
const byOrder = (order, a, b) => {
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  if (ia === ib) return null;
  return ia < 0 || ib < 0 ? 'changed' : ib < ia ? 'looser' : 'stricter';
};
const byBool = (a, b, looserValue) => (Boolean(a) === Boolean(b) ? null : Boolean(b) === looserValue ? 'looser' : 'stricter');
const bySet = (a = [], b = [], looserOn) => {
  const added = b.filter((x) => !a.includes(x));
  const removed = a.filter((x) => !b.includes(x));
  if (!added.length && !removed.length) return a.join() === b.join() ? null : 'changed';
  if (added.length && removed.length) return 'changed';
  return (added.length ? 'add' : 'remove') === looserOn ? 'looser' : 'stricter';
};
const alertKey = (al) => `${al.class_uid}${al.activity_id === undefined ? '' : `/${al.activity_id}`}`;
const alertName = (al) => `${al.class_name ?? al.class_uid}${al.activity_name ? ` (${al.activity_name})` : ''}`;
const fmtS = (s) => {
  if (typeof s !== 'number') return String(s ?? '–');
  if (s > 172800 && s % 86400 === 0) return `${s / 86400} d`;
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
};
const list = (xs) => (xs?.length ? xs.join(', ') : 'none');

/**
 * Every field of two decisions that differs, each classified: [{ field, a, b, direction:
 * 'looser' | 'stricter' | 'changed' }], with `a`/`b` as text. The fields: outcome, risk (score,
 * level), exposure.privileged, requirement (minAal, phishingResistant, hardwareBound, maxAgeS,
 * factors), approval (approvers, expiry), alerts (classes, count, highest severity), notify,
 * (fewer is looser with the same outcome, else a change), enrollmentAllowed, assurance (aal, phishing resistance, hardware binding, amr, acr) and the
 * reasons (a reason that scores points appearing is stricter; its going, or fewer points, looser;
 * a reason of 0 points coming or going is a change).
 */
export function diffDecision(ra, rb) {
  const out = [];
  const add = (field, direction, a, b) => direction && out.push({ field, direction, a: String(a), b: String(b) });
  if (ra.type !== 'decision' || rb.type !== 'decision') {
    if (!same(ra, rb)) add('result', 'changed', ra.type === 'decision' ? ra.outcome : `error ${ra.errors?.map((e) => e.code).join(', ')}`, rb.type === 'decision' ? rb.outcome : `error ${rb.errors?.map((e) => e.code).join(', ')}`);
    return out;
  }
  add('outcome', byOrder(SEVERITY, ra.outcome, rb.outcome), ra.outcome, rb.outcome);
  add('risk.score', byNumber(ra.risk?.score, rb.risk?.score, 'lower'), ra.risk?.score, rb.risk?.score);
  add('risk.level', byOrder(LEVELS, ra.risk?.level, rb.risk?.level), ra.risk?.level, rb.risk?.level);
  add('exposure.privileged', byBool(ra.exposure?.privileged, rb.exposure?.privileged, false), ra.exposure?.privileged, rb.exposure?.privileged);

  const qa = ra.requirement;
  const qb = rb.requirement;
  if (qa && qb) {
    add('requirement.minAal', byNumber(qa.minAal, qb.minAal, 'lower'), `AAL${qa.minAal}`, `AAL${qb.minAal}`);
    add('requirement.phishingResistant', byBool(qa.phishingResistant, qb.phishingResistant, false), qa.phishingResistant, qb.phishingResistant);
    add('requirement.hardwareBound', byBool(qa.hardwareBound, qb.hardwareBound, false), qa.hardwareBound, qb.hardwareBound);
    add('requirement.maxAgeS', byNumber(qa.maxAgeS, qb.maxAgeS, 'higher'), fmtS(qa.maxAgeS), fmtS(qb.maxAgeS));
    add('requirement.factors', bySet(qa.factors, qb.factors, 'add'), list(qa.factors), list(qb.factors));
  } else if (qa || qb) {
    // Present on one side only: the outcome changed with it (stepUp → allow is looser there, and
    // said so); with the same outcome it is a change to look at.
    add('requirement', ra.outcome === rb.outcome ? 'changed' : null, qa ? 'present' : 'none', qb ? 'present' : 'none');
  }

  const pa = ra.approval;
  const pb = rb.approval;
  if (pa && pb) {
    const na = pa.by?.length ?? 0;
    const nb = pb.by?.length ?? 0;
    add('approval.by', nb !== na ? byNumber(na, nb, 'lower') : same(pa.by, pb.by) ? null : 'changed', list(pa.by), list(pb.by));
    add('approval.expiresInS', byNumber(pa.expiresInS, pb.expiresInS, 'higher'), fmtS(pa.expiresInS), fmtS(pb.expiresInS));
  }

  const aa = ra.alerts ?? [];
  const ab = rb.alerts ?? [];
  const ka = aa.map(alertKey).sort();
  const kb = ab.map(alertKey).sort();
  if (!same(ka, kb)) {
    const dir = ab.length !== aa.length ? byNumber(aa.length, ab.length, 'lower') : 'changed';
    add('alerts', dir, aa.length ? aa.map(alertName).join(', ') : 'none', ab.length ? ab.map(alertName).join(', ') : 'none');
  }
  const sev = (al) => Math.max(0, ...al.map((x) => x.severity_id ?? 0));
  if (aa.length && ab.length) add('alerts.severity', byNumber(sev(aa), sev(ab), 'lower'), sev(aa), sev(ab));

  const notes = (r) => (r.notify ?? []).map((n) => n.template);
  // A notification comes and goes with the outcome (a denied change is not made, so nobody is
  // told): only with the same outcome is fewer notifications looser.
  const notifyDir = bySet(notes(ra), notes(rb), 'remove');
  add('notify', notifyDir && ra.outcome !== rb.outcome ? 'changed' : notifyDir, list(notes(ra)), list(notes(rb)));
  if (ra.enrollmentAllowed !== undefined || rb.enrollmentAllowed !== undefined) {
    add('enrollmentAllowed', byBool(ra.enrollmentAllowed, rb.enrollmentAllowed, true), ra.enrollmentAllowed, rb.enrollmentAllowed);
  }

  // Assurance is what the session proved: the same session proving more under B means B counts
  // older or weaker methods, which is looser.
  const sa = ra.assurance;
  const sb = rb.assurance;
  if (sa && sb) {
    add('assurance.aal', byNumber(sa.aal, sb.aal, 'higher'), `AAL${sa.aal}`, `AAL${sb.aal}`);
    add('assurance.phishingResistant', byBool(sa.phishingResistant, sb.phishingResistant, true), sa.phishingResistant, sb.phishingResistant);
    add('assurance.hardwareBound', byBool(sa.hardwareBound, sb.hardwareBound, true), sa.hardwareBound, sb.hardwareBound);
    add('assurance.amr', bySet(sa.amr, sb.amr, 'add'), list(sa.amr), list(sb.amr));
    add('assurance.acr', sa.acr === sb.acr ? null : sb.acr === undefined ? 'stricter' : sa.acr === undefined ? 'looser' : 'changed', sa.acr ?? 'none', sb.acr ?? 'none');
  }

  const pointsA = new Map((ra.reasons ?? []).map((r) => [r.code, r.points ?? 0]));
  const pointsB = new Map((rb.reasons ?? []).map((r) => [r.code, r.points ?? 0]));
  for (const code of new Set([...pointsA.keys(), ...pointsB.keys()])) {
    const a = pointsA.get(code);
    const b = pointsB.get(code);
    if (a === b) continue;
    let dir;
    if (a === undefined) dir = b > 0 ? 'stricter' : b < 0 ? 'looser' : 'changed';
    else if (b === undefined) dir = a > 0 ? 'looser' : a < 0 ? 'stricter' : 'changed';
    else dir = byNumber(a, b, 'lower');
    add(`reasons.${code}`, dir, a === undefined ? 'absent' : `${a} pts`, b === undefined ? 'absent' : `${b} pts`);
  }
  return out;
}

const reasonPoints = (result) => new Map((result.reasons ?? []).map((r) => [r.code, r.points ?? 0]));

/** A case's class from its changes: looser if any change is looser (mixed if stricter ones too). */
export function classOf(changes) {
  const looser = changes.some((c) => c.direction === 'looser');
  const stricter = changes.some((c) => c.direction === 'stricter');
  if (looser && stricter) return 'mixed';
  if (looser) return 'looser';
  if (stricter) return 'stricter';
  return changes.length ? 'changed' : 'same';
}

/**
 * What changed for one case between run A and run B: per step, every field of the decision that
 * differs (diffDecision) and the reasons (added, removed, re-weighted). `changed` is true when any
 * field of any step differs; `direction` is the case's class (classOf over all its steps).
 */
export function diffCase(a, b) {
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
    const changes = diffDecision(ra, rb);
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
