// What changed between two policy documents, and in which direction: every field of policy A and
// policy B (each read over the embedded default, as the engine reads it) is walked, and a table
// says for each field which way is weaker. A change nothing in the table orders is reported as
// `changed` (never dropped), so a field this file does not know is still shown for review.
//
// The directions, in short: weaker is a lower AAL, no phishing resistance or hardware binding, a
// longer max age or re-authentication window, a lower app tier, lower weights, higher risk
// thresholds, more allowed factors, fewer privileged roles, self-service switched on, a longer
// approval expiry, fewer approvers, a looser delegation, more trusted networks, fewer denied ones,
// more or longer exceptions, fail-open, later alerts. See RULES.
import { mergePatch } from './semantics.js';

const LEVELS = ['low', 'medium', 'high', 'critical'];
const RESTRICTED = ['never', 'onlyIfNothingBetter', 'allow']; // later = weaker
const TARGETS = ['deny', 'approval', 'allow']; // later = weaker
const FAIL = ['closed', 'open']; // later = weaker

// Rule constructors. Each compares the effective values `a` and `b` of one field (never equal when
// called) and answers 'weaker', 'stricter' or 'changed', with a sentence of why.
const higherWeaker = (why) => ({ kind: 'number', weaker: 'higher', why });
const lowerWeaker = (why) => ({ kind: 'number', weaker: 'lower', why });
const laterWeaker = (order, why) => ({ kind: 'order', order, why }); // a later value is weaker
const becomesWeaker = (value, why) => ({ kind: 'bool', weakerValue: value, why });
const addWeaker = (why) => ({ kind: 'set', weakerOn: 'add', why });
const removeWeaker = (why) => ({ kind: 'set', weakerOn: 'remove', why });
const fewerWeaker = (why) => ({ kind: 'approvers', why });
const IGNORE = { kind: 'ignore' };
const REQUIREMENT = { kind: 'requirement' };

// [path pattern, rule, fallback]: `*` matches one segment. The fallback gives a map entry's
// effective value when the entry is absent (an app not listed has the default sensitivity).
const RULES = [
  ['id', IGNORE], ['version', IGNORE], ['description', IGNORE], ['$schema', IGNORE],
  ['apps.defaultSensitivity', laterWeaker([...LEVELS].reverse(), 'a lower default app tier asks less of every unlisted app')],
  ['apps.byId.*', laterWeaker([...LEVELS].reverse(), 'a lower tier asks less of this app'), (p) => p.apps?.defaultSensitivity],
  ['requirements.*', REQUIREMENT],
  ['reauthentication.*', higherWeaker('a method counts for longer before the user must sign in again')],
  ['privileged.roles', removeWeaker('fewer roles are treated as privileged')],
  ['privileged.capabilities', removeWeaker('fewer capabilities are treated as sensitive')],
  ['privileged.requirement', REQUIREMENT],
  ['userKinds.*.requirement', REQUIREMENT],
  ['userKinds.*.allowedFactors', addWeaker('more factor types may be bound')],
  ['userKinds.*.selfService', becomesWeaker(true, 'users may add factors themselves')],
  ['userKinds.*.interactiveLogin', becomesWeaker(true, 'the kind may sign in interactively')],
  ['risk.weights.*', lowerWeaker('a signal adds fewer points (or takes more away)')],
  ['risk.levels.*', higherWeaker('more risk is needed to reach the level')],
  ['risk.riskyAt', laterWeaker(LEVELS, 'more risk is needed before enrollment is withheld')],
  ['risk.login.medium', REQUIREMENT],
  ['risk.login.high', REQUIREMENT],
  ['risk.login.denyAtCritical', becomesWeaker(false, 'critical risk no longer denies a login')],
  ['risk.factorChange.approvalAt', laterWeaker(LEVELS, 'more risk is needed before a change needs approval')],
  ['risk.factorChange.denyAt', laterWeaker(LEVELS, 'more risk is needed before a change is denied')],
  ['risk.factorChange.approvers', fewerWeaker('fewer approver groups')],
  ['risk.factorChange.privilegedApprovers', fewerWeaker('fewer approver groups for privileged accounts')],
  ['risk.factorChange.approvalExpiresInS', higherWeaker('an approval request stays valid for longer')],
  ['signals.impossibleTravel.speedKmh', higherWeaker('travel must be faster to count as impossible')],
  ['signals.impossibleTravel.minDistanceKm', higherWeaker('travel must be longer to count as impossible')],
  ['signals.impossibleTravel.borderToleranceKm', higherWeaker('a longer jump across a border is tolerated')],
  ['signals.recentRiskySigninS', lowerWeaker('a risky sign-in is remembered for less time')],
  ['signals.recentPasswordResetS', lowerWeaker('a password reset is remembered for less time')],
  ['signals.recentRecoveryS', lowerWeaker('a recovery is remembered for less time')],
  ['signals.dormantS', higherWeaker('an account must be idle for longer to count as dormant')],
  ['signals.newAccountS', lowerWeaker('an account counts as new for less time')],
  ['signals.pushFatigue.denied', higherWeaker('more denied pushes are needed to detect push fatigue')],
  ['signals.pushFatigue.windowS', lowerWeaker('denied pushes are counted over a shorter window')],
  ['signals.learningLogins', higherWeaker('history-based signals stay quiet for more sign-ins')],
  ['enrollment.bindingWindowS', higherWeaker('an older sign-in may bind a new factor')],
  ['enrollment.gracePeriodS', higherWeaker('a first factor is free of points for longer after the account is created')],
  ['enrollment.restrictedFactors', laterWeaker(RESTRICTED, 'SMS and voice count in more situations')],
  ['enrollment.offerOnRiskyLogin', becomesWeaker(true, 'a risky sign-in may enroll a factor')],
  ['delegation.*.requireTicket', becomesWeaker(false, 'a delegated change needs no ticket')],
  ['delegation.*.privilegedTargets', laterWeaker(TARGETS, 'a delegated change to a privileged account is checked less')],
  ['breakGlass.userIds', { kind: 'set', weakerOn: null, why: 'break-glass accounts get a strict requirement but fail open' }],
  ['breakGlass.requiredFactors', addWeaker('more factor types satisfy a break-glass login')],
  ['networks.trusted', { kind: 'items', key: 'name', weakerOn: 'add', why: 'trusted networks take points off' }],
  ['networks.denied', { kind: 'items', key: 'name', weakerOn: 'remove', why: 'denied networks add points and deny privileged users' }],
  ['exceptions.maxDurationS', higherWeaker('exceptions may last longer')],
  ['exceptions.expiringSoonS', lowerWeaker('an ending exception is flagged later')],
  ['exceptions.items', { kind: 'exceptions' }],
  ['failMode.default', laterWeaker(FAIL, 'an engine failure lets the sign-in through')],
  ['failMode.byUserKind.*', laterWeaker(FAIL, 'an engine failure lets this kind through'), (p) => p.failMode?.default],
  ['alerts.detectionAt', laterWeaker(LEVELS, 'more risk is needed before a Detection Finding')],
  ['alerts.accountChangeAt', laterWeaker(LEVELS, 'more risk is needed before an Account Change alert')],
  ['privileged.enrollmentGraceS', higherWeaker('a mover waits longer for the privileged requirement')],
  ['actions.privilegedTypes', removeWeaker('fewer actions need a fresh phishing-resistant proof')],
  ['actions.freshProofS', higherWeaker('a privileged action takes an older proof')],
  ['actions.recentFactorChangeS', lowerWeaker('an action is judged on factor changes for less time')],
  ['actions.recentRecoveryS', lowerWeaker('an action is judged on recoveries for less time')],
  ['actions.recentRiskySigninS', lowerWeaker('an action is judged on risky sign-ins for less time')],
  ['actions.riskyChain', laterWeaker(TARGETS, 'a risky chain before an action is checked less')],
];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const pointer = (path) => path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function ruleOf(path) {
  for (const [pattern, rule, fallback] of RULES) {
    const parts = pattern.split('.');
    if (parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i])) return { rule, fallback };
  }
  return null;
}

/** A duration in seconds as a person reads it: 86400 → "24 h", 2592000 → "30 d". */
export function duration(s) {
  if (typeof s !== 'number') return String(s);
  if (s > 172800 && s % 86400 === 0) return `${s / 86400} d`;
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** A value as the diff shows it (durations for fields ending in S). */
export function show(value, key = '') {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  if (typeof value === 'number' && /S$/.test(key)) return duration(value);
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') : '(empty)';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function compareScalar(rule, a, b) {
  switch (rule.kind) {
    case 'number':
      if (typeof a !== 'number' || typeof b !== 'number') return 'changed';
      return (b > a) === (rule.weaker === 'higher') ? 'weaker' : 'stricter';
    case 'order': {
      const ia = rule.order.indexOf(a);
      const ib = rule.order.indexOf(b);
      if (ia < 0 || ib < 0) return 'changed';
      return ib > ia ? 'weaker' : 'stricter';
    }
    case 'bool':
      if (typeof a !== 'boolean' || typeof b !== 'boolean') return 'changed';
      return b === rule.weakerValue ? 'weaker' : 'stricter';
    default:
      return 'changed';
  }
}

function push(out, path, a, b, direction, why) {
  out.push({ path: pointer(path), a, b, direction, why, text: `${show(a, String(path.at(-1)))} → ${show(b, String(path.at(-1)))}` });
}

// A requirement rule { minAal, phishingResistant, hardwareBound, maxAgeS }, or a floor that may be
// absent (null: no floor).
function compareRequirement(out, path, a, b) {
  if (!isObject(a) && !isObject(b)) return;
  if (!isObject(b)) return push(out, path, a, b, 'weaker', 'the requirement floor is removed');
  if (!isObject(a)) return push(out, path, a, b, 'stricter', 'a requirement floor is added');
  const fields = {
    minAal: lowerWeaker('a lower AAL is enough'),
    phishingResistant: becomesWeaker(false, 'phishing resistance is no longer required'),
    hardwareBound: becomesWeaker(false, 'hardware binding is no longer required'),
    maxAgeS: higherWeaker('an older sign-in is enough'),
  };
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (same(a[key], b[key])) continue;
    const rule = fields[key];
    if (!rule) push(out, [...path, key], a[key], b[key], 'changed', 'not ordered by the preview');
    else push(out, [...path, key], a[key], b[key], compareScalar(rule, a[key], b[key]), rule.why);
  }
}

function compareSet(out, path, rule, a, b) {
  const sa = new Set((Array.isArray(a) ? a : []).map((v) => JSON.stringify(v)));
  const sb = new Set((Array.isArray(b) ? b : []).map((v) => JSON.stringify(v)));
  const added = [...sb].filter((v) => !sa.has(v)).map((v) => JSON.parse(v));
  const removed = [...sa].filter((v) => !sb.has(v)).map((v) => JSON.parse(v));
  const dir = (on) => (rule.weakerOn === null ? 'changed' : rule.weakerOn === on ? 'weaker' : 'stricter');
  if (added.length) out.push({ path: pointer(path), a, b, direction: dir('add'), why: rule.why, text: `added ${show(added)}` });
  if (removed.length) out.push({ path: pointer(path), a, b, direction: dir('remove'), why: rule.why, text: `removed ${show(removed)}` });
  if (!added.length && !removed.length) push(out, path, a, b, 'changed', 'only the order changed');
}

// Approver groups: fewer groups is weaker; the same number of other groups is a change to review.
function compareApprovers(out, path, rule, a, b) {
  const na = Array.isArray(a) ? a.length : 0;
  const nb = Array.isArray(b) ? b.length : 0;
  push(out, path, a, b, nb < na ? 'weaker' : nb > na ? 'stricter' : 'changed', nb === na ? 'other approver groups' : rule.why);
}

// Networks, by name: a new trusted network (or a trusted one with more CIDRs or ASNs) is weaker;
// for denied networks, a removed one (or fewer blocks) is weaker.
function compareItems(out, path, rule, a, b) {
  const byKey = (list) => new Map((Array.isArray(list) ? list : []).map((item, i) => [item?.[rule.key] ?? `#${i}`, item]));
  const ma = byKey(a);
  const mb = byKey(b);
  const weakerWhen = (grows) => ((grows ? 'add' : 'remove') === rule.weakerOn ? 'weaker' : 'stricter');
  for (const name of new Set([...ma.keys(), ...mb.keys()])) {
    const ia = ma.get(name);
    const ib = mb.get(name);
    const p = [...path, name];
    if (same(ia, ib)) continue;
    if (ia === undefined) out.push({ path: pointer(p), a: ia, b: ib, direction: weakerWhen(true), why: rule.why, text: `added ${show([...(ib.cidrs ?? []), ...(ib.asns ?? []).map((n) => `AS${n}`)])}` });
    else if (ib === undefined) out.push({ path: pointer(p), a: ia, b: ib, direction: weakerWhen(false), why: rule.why, text: 'removed' });
    else {
      for (const key of ['cidrs', 'asns']) {
        if (!same(ia[key], ib[key])) compareSet(out, [...p, key], { weakerOn: rule.weakerOn, why: rule.why }, ia[key], ib[key]);
      }
      for (const key of new Set([...Object.keys(ia), ...Object.keys(ib)])) {
        if (key !== 'cidrs' && key !== 'asns' && !same(ia[key], ib[key])) push(out, [...p, key], ia[key], ib[key], 'changed', 'not ordered by the preview');
      }
    }
  }
}

// Exceptions, by id: a new one is weaker; one that ends later, grants more factor types or starts
// waiving phishing resistance is weaker; a removed one is stricter.
function compareExceptions(out, path, a, b) {
  const byId = (list) => new Map((Array.isArray(list) ? list : []).map((item, i) => [item?.id ?? `#${i}`, item]));
  const ma = byId(a);
  const mb = byId(b);
  for (const id of new Set([...ma.keys(), ...mb.keys()])) {
    const ea = ma.get(id);
    const eb = mb.get(id);
    const p = [...path, id];
    if (same(ea, eb)) continue;
    if (ea === undefined) {
      out.push({ path: pointer(p), a: ea, b: eb, direction: 'weaker', why: 'an exception waives requirements', text: `added: ${eb?.grant ? show(eb.grant) : ''} until ${eb?.expiresAt ?? '(no expiry)'}` });
      continue;
    }
    if (eb === undefined) {
      out.push({ path: pointer(p), a: ea, b: eb, direction: 'stricter', why: 'an exception waives requirements', text: 'removed' });
      continue;
    }
    const ta = Date.parse(ea.expiresAt);
    const tb = Date.parse(eb.expiresAt);
    if (ea.expiresAt !== eb.expiresAt) {
      push(out, [...p, 'expiresAt'], ea.expiresAt, eb.expiresAt, Number.isFinite(ta) && Number.isFinite(tb) ? (tb > ta ? 'weaker' : 'stricter') : 'changed', 'the exception ends later');
    }
    if (!same(ea.grant?.allowFactors, eb.grant?.allowFactors)) compareSet(out, [...p, 'grant', 'allowFactors'], addWeaker('the exception allows more factor types'), ea.grant?.allowFactors, eb.grant?.allowFactors);
    if (!same(ea.grant?.waivePhishingResistant, eb.grant?.waivePhishingResistant)) {
      push(out, [...p, 'grant', 'waivePhishingResistant'], ea.grant?.waivePhishingResistant, eb.grant?.waivePhishingResistant, eb.grant?.waivePhishingResistant === true ? 'weaker' : 'stricter', 'the exception waives phishing resistance');
    }
    for (const key of new Set([...Object.keys(ea), ...Object.keys(eb)])) {
      if (!['expiresAt', 'grant'].includes(key) && !same(ea[key], eb[key])) push(out, [...p, key], ea[key], eb[key], 'changed', 'who or what the exception covers');
    }
  }
}

function walk(out, path, a, b, roots) {
  if (same(a, b)) return;
  const found = ruleOf(path);
  if (found) {
    const { rule, fallback } = found;
    const ea = a === undefined && fallback ? fallback(roots.a) : a;
    const eb = b === undefined && fallback ? fallback(roots.b) : b;
    if (rule.kind === 'ignore' || same(ea, eb)) return;
    if (rule.kind === 'requirement') return compareRequirement(out, path, ea, eb);
    if (rule.kind === 'set') return compareSet(out, path, rule, ea, eb);
    if (rule.kind === 'approvers') return compareApprovers(out, path, rule, ea, eb);
    if (rule.kind === 'items') return compareItems(out, path, rule, ea, eb);
    if (rule.kind === 'exceptions') return compareExceptions(out, path, ea, eb);
    return push(out, path, ea, eb, compareScalar(rule, ea, eb), rule.why);
  }
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(out, [...path, key], a[key], b[key], roots);
    return;
  }
  push(out, path, a, b, 'changed', 'not ordered by the preview');
}

/**
 * Every difference between policy documents `a` and `b` (parsed), each read over `defaults` (the
 * package's defaultPolicy()). Returns [{ path (JSON pointer), a, b, direction: 'weaker' |
 * 'stricter' | 'changed', why, text }], in document order.
 */
export function diffPolicies(a, b, defaults) {
  const ea = mergePatch(structuredClone(defaults), structuredClone(a));
  const eb = mergePatch(structuredClone(defaults), structuredClone(b));
  const out = [];
  walk(out, [], ea, eb, { a: ea, b: eb });
  return out;
}
