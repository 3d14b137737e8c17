// The administrator's own cases (pasted or uploaded JSON) and what each case's inputs say, for
// showing beside its verdict.
//
// A case is what a gallery case is: { name?, entry?: "login" | "factorChange", now?, request,
// policyPatch?, options?, steps? }. A bare request (an object with `user`) is a case too. The
// text may hold one case, an array of cases, or { cases: [...] }. `entry` defaults to
// factorChange when the request has a `change`, else login; `now` to the request's `now`, else the
// moment the case is added (kept with the case, so a link decides it the same way later).

const ENTRIES = ['login', 'factorChange'];
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'case';

/**
 * Reads `text` into cases. Returns { cases, errors }: every problem of every case is in
 * `errors` ([{ at, path, message }], `at` naming the case), and only the cases without one are in
 * `cases`, named `custom-<n>-<name>` from `firstNumber` on.
 */
export function parseCases(text, { firstNumber = 1, now = new Date() } = {}) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { cases: [], errors: [{ at: 'the text', path: '', message: `not JSON: ${e.message}` }] };
  }
  const items = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.cases) ? doc.cases : [doc];
  const base = Array.isArray(doc) ? '' : isObject(doc) && Array.isArray(doc.cases) ? '/cases' : null;
  const cases = [];
  const errors = [];
  items.forEach((item, i) => {
    const at = items.length > 1 || base !== null ? `case ${i + 1}${isObject(item) && typeof item.name === 'string' ? ` (${item.name})` : ''}` : 'the case';
    const prefix = base === null ? '' : `${base}/${i}`;
    const problems = [];
    const problem = (path, message) => problems.push({ at, path: prefix + path, message });
    if (!isObject(item)) {
      problem('', 'a case is a JSON object: { entry, now, request } or a bare request with `user`');
      errors.push(...problems);
      return;
    }
    const c = 'request' in item ? { ...item } : { request: item };
    delete c.expect;
    if (!isObject(c.request)) problem('/request', 'the request must be an object');
    else if (!isObject(c.request.user)) problem(`${'request' in item ? '/request' : ''}/user`, 'the request needs a `user` object');
    if (c.entry === undefined) c.entry = isObject(c.request) && c.request.change !== undefined ? 'factorChange' : 'login';
    if (!ENTRIES.includes(c.entry)) problem('/entry', `entry must be one of ${ENTRIES.join(', ')}, not ${JSON.stringify(c.entry)}`);
    if (c.now === undefined && isObject(c.request) && typeof c.request.now === 'string') c.now = c.request.now;
    if (c.now === undefined) c.now = now.toISOString().replace(/\.\d+Z$/, 'Z');
    if (typeof c.now !== 'string' || !Number.isFinite(Date.parse(c.now))) problem('/now', `now must be an RFC 3339 time, not ${JSON.stringify(c.now)}`);
    if (c.name !== undefined && typeof c.name !== 'string') problem('/name', 'name must be a string');
    if (c.policyPatch !== undefined && !isObject(c.policyPatch)) problem('/policyPatch', 'policyPatch must be an object (merged over the policy under test)');
    if (c.options !== undefined && !isObject(c.options)) problem('/options', 'options must be an object');
    if (c.steps !== undefined) {
      if (!Array.isArray(c.steps) || !c.steps.length) problem('/steps', 'steps must be a non-empty array');
      else {
        c.steps.forEach((s, j) => {
          if (!isObject(s)) return problem(`/steps/${j}`, 'a step must be an object');
          if (s.requestPatch !== undefined && !isObject(s.requestPatch)) problem(`/steps/${j}/requestPatch`, 'requestPatch must be an object');
          if (s.now !== undefined && (typeof s.now !== 'string' || !Number.isFinite(Date.parse(s.now)))) problem(`/steps/${j}/now`, 'now must be an RFC 3339 time');
          if (s.entry !== undefined && !ENTRIES.includes(s.entry)) problem(`/steps/${j}/entry`, `entry must be one of ${ENTRIES.join(', ')}`);
          if ('state' in s && s.state !== null && typeof s.state !== 'string') problem(`/steps/${j}/state`, 'state must be a string or null');
          return undefined;
        });
        c.steps = c.steps.map(({ expect, ...rest }) => rest);
      }
    }
    if (problems.length) {
      errors.push(...problems);
      return;
    }
    c.title = c.name ?? (c.request.user.id ? `${c.entry} of ${c.request.user.id}` : c.entry);
    c.name = `custom-${firstNumber + cases.length}-${slug(c.title)}`;
    cases.push(c);
  });
  return { cases, errors };
}

function ago(at, now) {
  const t = Date.parse(at);
  const n = Date.parse(now);
  if (!Number.isFinite(t) || !Number.isFinite(n)) return at;
  const s = Math.round((n - t) / 1000);
  const abs = Math.abs(s);
  const text = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * What a case's inputs say, as [label, text] rows: the user, the session, the app and what was
 * requested, the change, the memory; the case's policy patch and, for a multi-step case, what each
 * step changes.
 */
export function describeInputs(c) {
  const r = c.request ?? {};
  const now = r.now ?? c.now;
  const rows = [];
  const row = (label, text) => text && rows.push([label, text]);
  row('entry', `${c.entry}${now ? ` at ${now}` : ''}`);
  const u = r.user ?? {};
  row('user', [u.id, u.kind ?? 'employee', u.roles?.length ? `roles ${u.roles.join(', ')}` : '', u.capabilities?.length ? `capabilities ${u.capabilities.join(', ')}` : ''].filter(Boolean).join(' · '));
  row('factors', (u.factors ?? []).map((f) => `${f.type}${f.enrolledAt && now ? ` (bound ${ago(f.enrolledAt, now)})` : ''}`).join(', ') || 'none');
  const times = [['created', u.createdAt], ['last login', u.lastLoginAt], ['password changed', u.passwordChangedAt], ['recovered', u.recoveredAt]]
    .filter(([, t]) => t).map(([what, t]) => `${what} ${now ? ago(t, now) : t}`);
  row('account', [...times, u.flags?.simSwap ? 'SIM swap reported' : '', u.flags?.reportedSuspicious ? 'user reported "not me"' : ''].filter(Boolean).join(' · '));
  const s = r.session ?? {};
  row('methods', (s.methods ?? []).map((m) => `${m.type}${m.at && now ? ` ${ago(m.at, now)}` : ''}`).join(', ') || 'none');
  const geo = s.geo ?? {};
  row('network', [s.ip, geo.country, geo.asn !== undefined ? `AS${geo.asn}` : '', geo.lat !== undefined ? `${geo.lat}, ${geo.lon}` : ''].filter(Boolean).join(' · '));
  const d = s.device ?? {};
  row('device', [d.id, d.managed === true ? 'managed' : d.managed === false ? 'unmanaged' : '', d.compliant === true ? 'compliant' : '', d.shared ? 'shared' : ''].filter(Boolean).join(' · '));
  if (s.hostRisk) row('host risk', [s.hostRisk.level, s.hostRisk.confidence && `confidence ${s.hostRisk.confidence}`, ...(s.hostRisk.signals ?? [])].filter(Boolean).join(' · '));
  if (s.pushes?.denied) row('pushes', `${s.pushes.denied} denied${s.pushes.windowS ? ` in ${s.pushes.windowS} s` : ''}`);
  if (r.app) row('app', [r.app.id, r.app.sensitivity && `${r.app.sensitivity} sensitivity`].filter(Boolean).join(' · '));
  if (r.requested) row('requested', [r.requested.acr?.length ? `acr ${r.requested.acr.join(', ')}` : '', r.requested.maxAgeS !== undefined ? `max_age ${r.requested.maxAgeS} s` : ''].filter(Boolean).join(' · '));
  const ch = r.change;
  if (ch) {
    row('change', [ch.action, ch.factor?.type, ch.replaces ? `replacing ${ch.replaces.type}` : '', `by ${ch.actor?.kind ?? 'self'}${ch.actor?.id ? ` ${ch.actor.id}` : ''}`, ch.actor?.ticket ? `ticket ${ch.actor.ticket}` : '', ch.phase === 'after' ? 'already made' : ''].filter(Boolean).join(' · '));
  }
  if (r.state) row('memory', `a signed state of ${r.state.length} characters`);
  if (c.policyPatch) row('policy patch', JSON.stringify(c.policyPatch));
  for (const [i, step] of (c.steps ?? []).entries()) {
    row(`step ${i + 1}`, [step.name, step.now ? `at ${step.now}` : '', step.requestPatch ? JSON.stringify(step.requestPatch) : '', step.tamperState ? 'state tampered' : '', 'state' in step ? (step.state === null ? 'no state' : 'given state') : ''].filter(Boolean).join(' · '));
  }
  return rows;
}
