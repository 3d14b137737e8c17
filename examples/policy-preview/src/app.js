// factorgate policy preview: edit a policy, see its validation errors at their place, run the
// gallery of cases under it, and compare two policies over the whole gallery. Plain DOM, no
// framework. The engine is the npm package's browser entry (the same .wasm as in Node); esbuild
// bundles this file (build.mjs), and the .wasm sits next to the bundle.
import * as fg from 'factorgate';
import { describeInputs, parseCases } from './cases.js';
import { lineOf, locatePointers, rangeOf } from './jsonpos.js';
import { diffPolicies, show } from './policydiff.js';
import { buildReport, reportHtml } from './report.js';
import { diffCase, runGallery } from './runner.js';
import { decodeWork, encodeWork, loadLocal, saveLocal } from './share.js';
import { validateAll } from './validate.js';

const $ = (id) => document.getElementById(id);
const OUTCOMES = ['allow', 'stepUp', 'enroll', 'approval', 'deny', 'error'];

// Tiny element builder: h('td', { class: 'x' }, 'text', child).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c);
  return el;
}

const view = {
  active: 'b', // the policy in the editor
  results: 'gallery', // or 'compare'
  filter: '',
  open: new Set(), // case names whose details are open, per list: `${list}:${name}`
};
const policies = {
  a: { text: '', validation: null, run: null, doc: null, stale: false },
  b: { text: '', validation: null, run: null, doc: null, stale: false },
};
let gallery = []; // the cases of tests/vectors (gallery.json)
let custom = []; // the administrator's own cases
let cases = []; // both
let defaults = null;
let defaultText = '';
let comparison = null; // the last comparison: { policyChanges, diffs, counts }

// ---- the policy editor ------------------------------------------------------------------------

const editor = $('policy');
const gutter = $('gutter');

function validate(which) {
  const p = policies[which];
  // JSON text: syntax errors come back with a path too; every other problem is listed, not only
  // the first decoding error (validate.js).
  p.validation = validateAll(fg, p.text, defaults);
  // An invalid policy keeps the decisions of its last valid version, shown as stale.
  p.stale = !(p.validation.type === 'validation' && p.validation.valid);
  if (!p.stale) {
    p.doc = JSON.parse(p.text);
    p.run = runGallery(fg, cases, p.doc);
  }
}

/** Runs the cases again under both policies' last valid versions (after cases are added or removed). */
function rerun() {
  cases = [...gallery, ...custom];
  for (const w of ['a', 'b']) if (policies[w].doc) policies[w].run = runGallery(fg, cases, policies[w].doc);
}

function renderValidation() {
  const p = policies[view.active];
  const v = p.validation;
  const valid = v.type === 'validation' && v.valid;
  $('validation').dataset.valid = String(valid);
  $('policy-ref').textContent = valid
    ? `${v.policy.id} v${v.policy.version} · ${v.policy.digest.slice(0, 19)}…`
    : `${v.errors.length} problem${v.errors.length === 1 ? '' : 's'}; click one to find it`;

  const located = locatePointers(p.text);
  const errorLines = new Map();
  const items = (valid ? [] : v.errors).map((e) => {
    const range = rangeOf(located, e.path);
    const line = range ? lineOf(p.text, range.start) : null;
    if (line !== null) errorLines.set(line, e.message);
    return h('li', {
      'data-path': e.path, 'data-code': e.code,
      onclick: () => range && select(range.start, range.end),
    },
    h('span', { class: 'path' }, e.path || '(the whole policy)'),
    h('span', { class: 'where' }, line === null ? '' : `line ${line}`),
    h('span', { class: 'message' }, e.message, ' ', h('span', { class: 'code' }, e.code),
      e.afterRepair ? h('span', { class: 'code' }, ' · found with the problems above set aside') : null));
  });
  $('errors').replaceChildren(...items);
  renderGutter(errorLines);
}

function renderGutter(errorLines) {
  const count = policies[view.active].text.split('\n').length;
  const lines = [];
  for (let n = 1; n <= count; n += 1) {
    lines.push(errorLines.has(n) ? h('span', { class: 'err', title: errorLines.get(n) }, String(n)) : String(n), '\n');
  }
  gutter.replaceChildren(...lines);
  gutter.scrollTop = editor.scrollTop;
}

function select(start, end) {
  editor.focus();
  editor.setSelectionRange(start, end);
  // Scroll the selection into view: lines are a fixed height in the monospace editor.
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  const line = lineOf(editor.value, start);
  editor.scrollTop = Math.max(0, (line - 4) * lineHeight);
  gutter.scrollTop = editor.scrollTop;
}

function showPolicy(which) {
  view.active = which;
  for (const w of ['a', 'b']) $(`tab-${w}`).setAttribute('aria-selected', String(w === which));
  editor.value = policies[which].text;
  renderValidation();
}

let pending = null;
editor.addEventListener('input', () => {
  policies[view.active].text = editor.value;
  renderGutter(new Map()); // line numbers now, errors once validated
  setStatus('busy', 'Editing…');
  clearTimeout(pending);
  pending = setTimeout(() => {
    const which = view.active;
    validate(which);
    renderValidation();
    renderResults();
    setStatus('ready', 'Ready');
    save();
  }, 200);
});
editor.addEventListener('scroll', () => {
  gutter.scrollTop = editor.scrollTop;
});
editor.addEventListener('keydown', (e) => {
  if (e.key === 'Tab') { // indent instead of leaving the editor
    e.preventDefault();
    editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
    editor.dispatchEvent(new Event('input'));
  }
});

$('tab-a').addEventListener('click', () => showPolicy('a'));
$('tab-b').addEventListener('click', () => showPolicy('b'));
$('copy-b-to-a').addEventListener('click', () => {
  policies.a.text = policies.b.text;
  validate('a');
  showPolicy(view.active);
  renderResults();
  save();
});
$('reset').addEventListener('click', () => {
  for (const w of ['a', 'b']) {
    policies[w].text = defaultText;
    validate(w);
  }
  showPolicy(view.active);
  renderResults();
  save();
});

// ---- the gallery and the comparison ----------------------------------------------------------

function caseTitle(c) {
  const m = /^([a-z]+)-(\d+)-(.*)$/.exec(c.name);
  if (!m) return [h('span', { class: 'kind' }, ''), c.name];
  return [h('span', { class: 'kind' }, `${m[1]} ${m[2]}`), c.title ?? m[3].replace(/-/g, ' ')];
}

const outcomeOf = (result) => (result.type === 'decision' ? result.outcome : 'error');
const badge = (outcome) => h('span', { class: `badge ${outcome}` }, outcome);
const dirBadge = (direction) => h('span', { class: `dir ${direction}`, 'data-direction': direction }, direction);
const riskText = (result) => (result.type === 'decision' ? `risk ${result.risk.score} ${result.risk.level}` : 'error');
const signed = (n) => (n === undefined ? '' : n > 0 ? `+${n}` : String(n));

function requirementText(q) {
  if (!q) return null;
  const parts = [`needs AAL${q.minAal}`];
  if (q.hardwareBound) parts.push('hardware-bound');
  if (q.phishingResistant) parts.push('phishing-resistant');
  if (q.maxAgeS !== undefined) parts.push(`within ${show(q.maxAgeS, 'maxAgeS')}`);
  if (q.factors?.length) parts.push(`with ${q.factors.join(', ')}`);
  return parts.join(' · ');
}

/** The decision beyond its reasons: requirement, approval, enrollment, assurance, notify, alerts. */
function decisionFacts(result) {
  const facts = [];
  const req = requirementText(result.requirement);
  if (req) facts.push(['requirement', req]);
  if (result.approval) facts.push(['approval', `by ${result.approval.by.join(', ')}, valid ${show(result.approval.expiresInS, 'expiresInS')}`]);
  if (result.enrollmentAllowed !== undefined) facts.push(['enrollment', result.enrollmentAllowed ? 'allowed in this session' : 'not allowed in this session']);
  if (result.assurance) {
    const a = result.assurance;
    facts.push(['assurance', [`AAL${a.aal}`, a.phishingResistant && 'phishing-resistant', a.hardwareBound && 'hardware-bound', a.amr?.length && `amr ${a.amr.join(' ')}`, a.acr && `acr ${a.acr}`].filter(Boolean).join(' · ')]);
  }
  if (result.notify?.length) facts.push(['notify', result.notify.map((n) => `${n.template} (${n.channel})`).join(', ')]);
  if (result.alerts?.length) facts.push(['alerts', result.alerts.map((a) => `${a.class_name ?? `OCSF ${a.class_uid}`}${a.severity ? ` · ${a.severity}` : ''}`).join('; ')]);
  return facts;
}

const factTable = (rows, cls) => h('table', { class: `facts ${cls}` }, h('tbody', {}, rows.map(([k, v]) => h('tr', { 'data-field': k }, h('th', {}, k), h('td', {}, v)))));

function decisionBody(result) {
  if (result.type !== 'decision') {
    return h('ul', { class: 'errors-of-case' }, (result.errors ?? []).map((e) => h('li', {}, `${e.code} at ${e.path || '/'}: ${e.message}`)));
  }
  return h('div', {},
    h('table', { class: 'reasons' }, h('tbody', {}, result.reasons.map((r) => h('tr', { 'data-code': r.code },
      h('td', { class: 'code' }, r.code), h('td', { class: 'points' }, signed(r.points) || '0'), h('td', {}, r.detail))))),
    factTable(decisionFacts(result), 'verdict-facts'));
}

/** A case's inputs, beside its verdict; the raw request one click away. */
function inputsPane(c) {
  const custom = c.name.startsWith('custom-');
  return h('div', { class: 'inputs' },
    h('p', { class: 'pane-title' }, 'Inputs'),
    factTable(describeInputs(c), 'input-facts'),
    h('details', { class: 'raw' }, h('summary', {}, 'request JSON'), h('pre', {}, JSON.stringify(c.request, null, 2))),
    custom ? h('button', { type: 'button', class: 'remove-case', onclick: () => removeCase(c.name) }, 'Remove this case') : null);
}

function keepOpen(details, key) {
  if (view.open.has(key)) details.open = true;
  details.addEventListener('toggle', () => (details.open ? view.open.add(key) : view.open.delete(key)));
  return details;
}

function galleryItem(c, run) {
  if (run.error) {
    return h('li', { 'data-name': c.name, 'data-outcome': 'error' }, keepOpen(h('details', {},
      h('summary', {}, badge('error'), h('span', { class: 'case-name' }, caseTitle(c)), h('span', { class: 'risk' }, 'does not compile')),
      h('div', { class: 'body split' }, inputsPane(c), h('div', { class: 'verdict' }, decisionBody({ type: 'error', errors: run.error })))), `g:${c.name}`));
  }
  const last = run.steps.at(-1).result;
  const multi = run.steps.length > 1;
  return h('li', { 'data-name': c.name, 'data-outcome': outcomeOf(last) }, keepOpen(h('details', {},
    h('summary', {}, badge(outcomeOf(last)), h('span', { class: 'case-name' }, caseTitle(c)), h('span', { class: 'risk' }, multi ? `${run.steps.length} steps · ${riskText(last)}` : riskText(last))),
    h('div', { class: 'body split' }, inputsPane(c), h('div', { class: 'verdict' },
      h('p', { class: 'pane-title' }, 'Verdict under B'),
      multi ? run.steps.map((s) => [h('p', { class: 'step-title' }, badge(outcomeOf(s.result)), ' ', s.label, ' · ', riskText(s.result)), decisionBody(s.result)]) : decisionBody(last)))), `g:${c.name}`));
}

function changesTable(changes) {
  return h('table', { class: 'changes' }, h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'A'), h('th', {}, 'B'), h('th', {}, ''))),
    h('tbody', {}, changes.map((ch) => h('tr', { 'data-field': ch.field, 'data-direction': ch.direction },
      h('td', { class: 'code' }, ch.field), h('td', {}, ch.a), h('td', {}, ch.b), h('td', {}, dirBadge(ch.direction))))));
}

function compareItem(c, diff) {
  const steps = diff.steps.filter((s) => s.changed);
  const first = steps.find((s) => s.outcomeChanged) ?? steps[0];
  const head = !first ? [badge('error')]
    : diff.outcomeChanged ? [badge(outcomeOf(first.a)), h('span', { class: 'arrow' }, '→'), badge(outcomeOf(first.b))]
      : [badge(outcomeOf(first.b))];
  const changes = steps.flatMap((s) => s.changes);
  const gist = changes.filter((ch) => !ch.field.startsWith('reasons.')).slice(0, 2).map((ch) => `${ch.field} ${ch.a} → ${ch.b}`).join('; ');
  return h('li', { 'data-name': c.name, 'data-outcome-changed': String(diff.outcomeChanged), 'data-direction': diff.direction }, keepOpen(h('details', {},
    h('summary', {}, dirBadge(diff.direction), h('span', { class: 'outcomes' }, head), h('span', { class: 'case-name' }, caseTitle(c), gist ? h('span', { class: 'gist' }, ` ${gist}`) : null),
      h('span', { class: 'risk' }, diff.steps.length > 1
        ? `${steps.length} of ${diff.steps.length} steps changed`
        : first ? `risk ${first.a.risk?.score ?? '–'} → ${first.b.risk?.score ?? '–'}` : '')),
    h('div', { class: 'body split' }, inputsPane(c), h('div', { class: 'verdict' }, steps.map((s) => [
      diff.steps.length > 1 ? h('p', { class: 'step-title' }, s.label) : null,
      s.changes.length ? changesTable(s.changes) : null,
      h('table', { class: 'reasons' }, h('tbody', {}, s.reasons.filter((r) => r.status !== 'same').map((r) => h('tr', { class: r.status, 'data-code': r.code, 'data-status': r.status },
        h('td', { class: 'code' }, r.code),
        h('td', { class: 'points' }, r.status === 'reweighted' ? `${signed(r.before) || '0'} → ${signed(r.after) || '0'}` : signed(r.after ?? r.before) || '0'),
        h('td', {}, r.detail ?? ''))))),
      s.b.type === 'decision' && requirementText(s.b.requirement) ? h('p', { class: 'requirement' }, `B ${requirementText(s.b.requirement)}`) : null,
    ])))), `c:${c.name}`));
}

/** The comparison of A and B: the policy documents' own changes and every case's decision diff. */
function compare() {
  const { a, b } = policies;
  if (!(a.run && b.run)) return null;
  const policyChanges = diffPolicies(a.doc, b.doc, defaults);
  const diffs = cases.map((c) => [c, diffCase(fg, a.run.get(c.name), b.run.get(c.name))]);
  const changed = diffs.filter(([, d]) => d.changed);
  const counts = {
    cases: cases.length,
    changed: changed.length,
    outcome: changed.filter(([, d]) => d.outcomeChanged).length,
    looser: changed.filter(([, d]) => d.direction === 'looser' || d.direction === 'mixed').length,
    stricter: changed.filter(([, d]) => d.direction === 'stricter' || d.direction === 'mixed').length,
    weakenings: policyChanges.filter((p) => p.direction === 'weaker').length,
    strengthenings: policyChanges.filter((p) => p.direction === 'stricter').length,
    policyChanges: policyChanges.length,
  };
  return { policyChanges, diffs, changed, counts };
}

function renderVerdict(cmp) {
  const box = $('verdict');
  box.hidden = view.results !== 'compare' || !cmp;
  if (!cmp) return;
  const { counts } = cmp;
  $('looser-count').textContent = String(counts.looser);
  $('weakening-count').textContent = String(counts.weakenings);
  $('stricter-count').textContent = String(counts.stricter);
  $('policy-change-count').textContent = String(counts.policyChanges);
  box.dataset.weaker = String(counts.looser + counts.weakenings > 0);
  $('policy-changes').replaceChildren(...(cmp.policyChanges.length
    ? cmp.policyChanges.map((p) => h('li', { 'data-path': p.path, 'data-direction': p.direction },
      dirBadge(p.direction), h('span', { class: 'path' }, p.path), h('span', { class: 'change' }, p.text),
      p.direction === 'weaker' ? h('span', { class: 'why' }, p.why) : null))
    : [h('li', { class: 'empty' }, 'A and B are the same policy (read over the default).')]));
  if (counts.weakenings && !$('policy-changes-box').dataset.touched) $('policy-changes-box').open = true;
}

function renderResults() {
  const { a, b } = policies;
  const shown = cases.filter((c) => c.name.includes(view.filter));
  const banner = $('invalid-banner');
  const invalid = (view.results === 'gallery' ? [b.stale && 'B'] : [a.stale && 'A', b.stale && 'B']).filter(Boolean);
  banner.hidden = invalid.length === 0;
  banner.textContent = `Policy ${invalid.join(' and ')} ${invalid.length > 1 ? 'are' : 'is'} not valid (see the editor): `
    + `showing the decisions of ${invalid.length > 1 ? 'their' : 'its'} last valid version.`;
  $('gallery').classList.toggle('stale', b.stale);
  $('compare').classList.toggle('stale', a.stale || b.stale);

  // Gallery: every case under B.
  if (b.run) {
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
    const items = shown.map((c) => {
      const run = b.run.get(c.name);
      counts[run.error ? 'error' : outcomeOf(run.steps.at(-1).result)] += 1;
      return galleryItem(c, run);
    });
    $('gallery').replaceChildren(...items);
    if (view.results === 'gallery') {
      $('summary').textContent = `${shown.length} cases under B${custom.length ? ` (${custom.length} of yours)` : ''}: ${OUTCOMES.filter((o) => counts[o]).map((o) => `${o} ${counts[o]}`).join(' · ')}`;
    }
  } else {
    $('gallery').replaceChildren();
  }

  // Comparison: the policies' own changes at the top, then the cases whose decisions differ.
  comparison = compare();
  renderVerdict(comparison);
  if (comparison) {
    const { changed, counts } = comparison;
    const visible = changed.filter(([c]) => c.name.includes(view.filter));
    let empty;
    if (changed.length) empty = 'No changed case matches the filter.';
    else if (counts.policyChanges) {
      empty = `No case decides differently, but the policies differ in ${counts.policyChanges} place${counts.policyChanges === 1 ? '' : 's'}`
        + ` (${counts.weakenings} weaker): the cases do not exercise ${counts.policyChanges === 1 ? 'it' : 'them'}. Add cases of your own that do.`;
    } else empty = 'A and B are the same policy and decide every case alike.';
    $('compare').replaceChildren(...(visible.length ? visible.map(([c, d]) => compareItem(c, d)) : [h('li', { class: 'empty' }, empty)]));
    if (view.results === 'compare') {
      $('summary').textContent = `${changed.length} of ${cases.length} cases changed from A to B: ${counts.outcome} in outcome, ${changed.length - counts.outcome} in the rest of the decision`;
    }
  } else {
    $('compare').replaceChildren();
  }
  const count = $('changed-count');
  count.textContent = comparison ? String(comparison.changed.length) : '–';
  count.classList.toggle('hot', Boolean(comparison?.changed.length));
  const looser = $('looser-badge');
  const weak = comparison ? comparison.counts.looser + comparison.counts.weakenings : 0;
  looser.hidden = weak === 0;
  looser.textContent = comparison ? `${comparison.counts.looser} looser · ${comparison.counts.weakenings} weaker` : '';
  if (!b.run && view.results === 'gallery') $('summary').textContent = '';
  if (!comparison && view.results === 'compare') $('summary').textContent = '';
}

function showResults(which) {
  view.results = which;
  $('view-gallery').setAttribute('aria-selected', String(which === 'gallery'));
  $('view-compare').setAttribute('aria-selected', String(which === 'compare'));
  $('gallery').hidden = which !== 'gallery';
  $('compare').hidden = which !== 'compare';
  renderResults();
}
$('view-gallery').addEventListener('click', () => showResults('gallery'));
$('view-compare').addEventListener('click', () => showResults('compare'));
$('filter').addEventListener('input', (e) => {
  view.filter = e.target.value.trim();
  renderResults();
});
$('policy-changes-box').addEventListener('toggle', (e) => {
  e.target.dataset.touched = 'true';
});

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

// ---- the administrator's own cases --------------------------------------------------------------

function addCases(text) {
  const first = 1 + custom.reduce((n, c) => Math.max(n, Number(/^custom-(\d+)-/.exec(c.name)?.[1] ?? 0)), 0);
  const { cases: found, errors } = parseCases(text, { firstNumber: first });
  // What the engine says of each well-formed case (a request it cannot read, a patch that does
  // not compile) is reported too, and such a case is not added.
  const accepted = [];
  if (policies.b.doc) {
    for (const c of found) {
      const run = runGallery(fg, [c], policies.b.doc).get(c.name);
      const problems = run.error ?? run.steps.flatMap((s) => (s.result.type === 'error' ? s.result.errors.map((e) => ({ ...e, step: s.label })) : []));
      if (problems.length) {
        for (const e of problems) errors.push({ at: c.title, path: `${e.step ? `${e.step} ` : ''}/request${e.path}`, message: `${e.message} (${e.code})` });
      } else accepted.push(c);
    }
  } else errors.push({ at: 'policy B', path: '', message: 'policy B has never been valid: fix it first' });
  custom.push(...accepted);
  $('cases-errors').replaceChildren(...errors.map((e) => h('li', { 'data-path': e.path }, h('strong', {}, e.at), e.path ? h('span', { class: 'path' }, ` ${e.path}`) : null, `: ${e.message}`)));
  $('cases-errors').dataset.count = String(errors.length);
  if (accepted.length) {
    rerun();
    renderResults();
    save();
  }
  setStatus(errors.length ? 'error' : 'ready', errors.length
    ? `${accepted.length} case${accepted.length === 1 ? '' : 's'} added, ${errors.length} problem${errors.length === 1 ? '' : 's'} (see the list)`
    : `${accepted.length} case${accepted.length === 1 ? '' : 's'} added`);
  return accepted.length;
}

function removeCase(name) {
  custom = custom.filter((c) => c.name !== name);
  rerun();
  renderResults();
  save();
}

$('add-cases-toggle').addEventListener('click', () => {
  const box = $('add-cases');
  box.hidden = !box.hidden;
  $('add-cases-toggle').setAttribute('aria-expanded', String(!box.hidden));
});
$('cases-add').addEventListener('click', () => {
  if (addCases($('cases-input').value)) $('cases-input').value = '';
});
$('cases-file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  addCases(await file.text());
  e.target.value = '';
});

// ---- export, the link, local storage --------------------------------------------------------------

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function report() {
  return buildReport({ fg, policies, cases, comparison, describeInputs });
}

$('export-json').addEventListener('click', () => {
  if (!comparison) return setStatus('error', 'Nothing to export: a policy has never been valid');
  return download('factorgate-comparison.json', 'application/json', `${JSON.stringify(report(), null, 2)}\n`);
});
$('export-print').addEventListener('click', () => {
  if (!comparison) return setStatus('error', 'Nothing to print: a policy has never been valid');
  const url = URL.createObjectURL(new Blob([reportHtml(report())], { type: 'text/html' }));
  const w = window.open(url, '_blank');
  if (!w) download('factorgate-comparison.html', 'text/html', reportHtml(report()));
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return undefined;
});
$('copy-link').addEventListener('click', async () => {
  await saveNow();
  try {
    await navigator.clipboard.writeText(location.href);
    $('saved').textContent = 'Link copied: it holds both policies and your cases.';
  } catch {
    $('saved').textContent = 'The address bar holds the link: copy it from there.';
  }
});

const work = () => ({ a: policies.a.text, b: policies.b.text, cases: custom });
let saving = null;
async function saveNow() {
  clearTimeout(saving);
  const kept = saveLocal(work());
  const fragment = await encodeWork(work());
  history.replaceState(null, '', `#${fragment}`);
  $('saved').textContent = `${kept ? 'Kept in this browser and in the link' : 'Kept in the link'} (${Math.ceil(location.href.length / 1024)} KiB)`;
  $('saved').dataset.saved = 'true';
}
function save() {
  clearTimeout(saving);
  $('saved').dataset.saved = 'false';
  saving = setTimeout(() => saveNow().catch((e) => console.error(e)), 150);
}

// ---- start --------------------------------------------------------------------------------------

async function restore() {
  if (location.hash.length > 1) {
    try {
      const fromLink = await decodeWork(location.hash);
      if (fromLink) return { work: fromLink, from: 'the link' };
    } catch (e) {
      setStatus('error', `The link is damaged (${e.message}): starting from this browser's copy`);
    }
  }
  const local = loadLocal();
  return local ? { work: local, from: 'this browser' } : null;
}

async function start() {
  const response = await fetch('gallery.json');
  if (!response.ok) throw new Error(`gallery.json: HTTP ${response.status}`);
  gallery = (await response.json()).cases;
  const v = fg.version();
  $('version').textContent = `engine ${v.crate} · policy schema ${v.policySchema} · ${gallery.length} cases from tests/vectors`;
  defaults = fg.defaultPolicy();
  defaultText = JSON.stringify(defaults, null, 2);
  const restored = await restore();
  custom = restored?.work.cases ?? [];
  cases = [...gallery, ...custom];
  for (const w of ['a', 'b']) {
    policies[w].text = restored?.work[w] ?? defaultText;
    validate(w);
  }
  showPolicy('b');
  showResults(restored && restored.work.a !== restored.work.b ? 'compare' : 'gallery');
  if ($('status').dataset.state !== 'error') setStatus('ready', restored ? `Ready · restored from ${restored.from}` : 'Ready');
}


start().catch((e) => {
  setStatus('error', `Failed to start: ${e.message}`);
  console.error(e);
});
