// factorgate policy preview: edit a policy, see its validation errors at their place, run the
// gallery of cases under it, and compare two policies over the whole gallery. Plain DOM, no
// framework. The engine is the npm package's browser entry (the same .wasm as in Node); esbuild
// bundles this file (build.mjs), and the .wasm sits next to the bundle.
import * as fg from 'factorgate';
import { diffCase, runGallery } from './runner.js';
import { lineOf, locatePointers, rangeOf } from './jsonpos.js';

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
  a: { text: '', validation: null, run: null, stale: false },
  b: { text: '', validation: null, run: null, stale: false },
};
let cases = [];
let defaultText = '';

// ---- the policy editor ------------------------------------------------------------------------

const editor = $('policy');
const gutter = $('gutter');

function validate(which) {
  const p = policies[which];
  p.validation = fg.validatePolicy(p.text); // JSON text: syntax errors come back with a path too
  // An invalid policy keeps the decisions of its last valid version, shown as stale.
  p.stale = !(p.validation.type === 'validation' && p.validation.valid);
  if (!p.stale) p.run = runGallery(fg, cases, JSON.parse(p.text));
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
    h('span', { class: 'message' }, e.message, ' ', h('span', { class: 'code' }, e.code)));
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
});
$('reset').addEventListener('click', () => {
  for (const w of ['a', 'b']) {
    policies[w].text = defaultText;
    validate(w);
  }
  showPolicy(view.active);
  renderResults();
});

// ---- the gallery and the comparison ----------------------------------------------------------

function caseTitle(name) {
  const m = /^([a-z]+)-(\d+)-(.*)$/.exec(name);
  if (!m) return [h('span', { class: 'kind' }, ''), name];
  return [h('span', { class: 'kind' }, `${m[1]} ${m[2]}`), m[3].replace(/-/g, ' ')];
}

const outcomeOf = (result) => (result.type === 'decision' ? result.outcome : 'error');
const badge = (outcome) => h('span', { class: `badge ${outcome}` }, outcome);
const riskText = (result) => (result.type === 'decision' ? `risk ${result.risk.score} ${result.risk.level}` : 'error');
const signed = (n) => (n === undefined ? '' : n > 0 ? `+${n}` : String(n));

function requirementText(q) {
  if (!q) return null;
  const parts = [`needs AAL${q.minAal}`];
  if (q.hardwareBound) parts.push('hardware-bound');
  if (q.phishingResistant) parts.push('phishing-resistant');
  if (q.maxAgeS !== undefined) parts.push(`within ${duration(q.maxAgeS)}`);
  if (q.factors?.length) parts.push(`with ${q.factors.join(', ')}`);
  return parts.join(' · ');
}
function duration(s) {
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function decisionBody(result) {
  if (result.type !== 'decision') {
    return h('ul', { class: 'errors-of-case' }, (result.errors ?? []).map((e) => h('li', {}, `${e.code} at ${e.path || '/'}: ${e.message}`)));
  }
  const extra = [];
  const req = requirementText(result.requirement);
  if (req) extra.push(req);
  if (result.approval) extra.push(`approval by ${result.approval.by.join(', ')}`);
  if (result.enrollmentAllowed !== undefined) extra.push(`enrollment ${result.enrollmentAllowed ? 'allowed' : 'not allowed'} in this session`);
  if (result.alerts?.length) extra.push(`alerts: OCSF ${result.alerts.map((a) => a.class_uid).join(', ')}`);
  return h('div', {},
    h('table', { class: 'reasons' }, h('tbody', {}, result.reasons.map((r) => h('tr', { 'data-code': r.code },
      h('td', { class: 'code' }, r.code), h('td', { class: 'points' }, signed(r.points) || '0'), h('td', {}, r.detail))))),
    extra.length ? h('p', { class: 'requirement' }, extra.join(' · ')) : null);
}

function keepOpen(details, key) {
  if (view.open.has(key)) details.open = true;
  details.addEventListener('toggle', () => (details.open ? view.open.add(key) : view.open.delete(key)));
  return details;
}

function galleryItem(c, run) {
  if (run.error) {
    return h('li', { 'data-name': c.name, 'data-outcome': 'error' }, keepOpen(h('details', {},
      h('summary', {}, badge('error'), h('span', { class: 'case-name' }, caseTitle(c.name)), h('span', { class: 'risk' }, 'does not compile')),
      h('div', { class: 'body' }, decisionBody({ type: 'error', errors: run.error }))), `g:${c.name}`));
  }
  const last = run.steps.at(-1).result;
  const multi = run.steps.length > 1;
  return h('li', { 'data-name': c.name, 'data-outcome': outcomeOf(last) }, keepOpen(h('details', {},
    h('summary', {}, badge(outcomeOf(last)), h('span', { class: 'case-name' }, caseTitle(c.name)), h('span', { class: 'risk' }, multi ? `${run.steps.length} steps · ${riskText(last)}` : riskText(last))),
    h('div', { class: 'body' },
      multi ? run.steps.map((s) => [h('p', { class: 'step-title' }, badge(outcomeOf(s.result)), ' ', s.label, ' · ', riskText(s.result)), decisionBody(s.result)]) : decisionBody(last))), `g:${c.name}`));
}

function compareItem(c, diff) {
  const steps = diff.steps.filter((s) => s.outcomeChanged || s.reasonsChanged);
  const first = steps.find((s) => s.outcomeChanged) ?? steps[0];
  const head = !first ? [badge('error')]
    : diff.outcomeChanged ? [badge(outcomeOf(first.a)), h('span', { class: 'arrow' }, '→'), badge(outcomeOf(first.b))]
      : [badge(outcomeOf(first.b)), h('span', { class: 'same' }, 'reasons')];
  return h('li', { 'data-name': c.name, 'data-outcome-changed': String(diff.outcomeChanged) }, keepOpen(h('details', {},
    h('summary', {}, h('span', {}, head), h('span', { class: 'case-name' }, caseTitle(c.name)),
      h('span', { class: 'risk' }, diff.steps.length > 1
        ? `${steps.length} of ${diff.steps.length} steps changed`
        : first ? `risk ${first.a.risk?.score ?? '–'} → ${first.b.risk?.score ?? '–'}` : '')),
    h('div', { class: 'body' }, steps.map((s) => [
      diff.steps.length > 1 ? h('p', { class: 'step-title' }, s.label) : null,
      s.outcomeChanged ? h('p', { class: 'requirement' }, 'outcome ', badge(outcomeOf(s.a)), ' → ', badge(outcomeOf(s.b))) : null,
      h('table', { class: 'reasons' }, h('tbody', {}, s.reasons.filter((r) => r.status !== 'same').map((r) => h('tr', { class: r.status, 'data-code': r.code, 'data-status': r.status },
        h('td', { class: 'code' }, r.code),
        h('td', { class: 'points' }, r.status === 'reweighted' ? `${signed(r.before) || '0'} → ${signed(r.after) || '0'}` : signed(r.after ?? r.before) || '0'),
        h('td', {}, r.detail ?? ''))))),
      s.b.type === 'decision' && requirementText(s.b.requirement) ? h('p', { class: 'requirement' }, `B ${requirementText(s.b.requirement)}`) : null,
    ]))), `c:${c.name}`));
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
      $('summary').textContent = `${shown.length} cases under B: ${OUTCOMES.filter((o) => counts[o]).map((o) => `${o} ${counts[o]}`).join(' · ')}`;
    }
  } else {
    $('gallery').replaceChildren();
  }

  // Comparison: the cases whose outcome or reasons differ between A and B.
  let changed = [];
  if (a.run && b.run) {
    changed = cases.map((c) => [c, diffCase(a.run.get(c.name), b.run.get(c.name))]).filter(([, d]) => d.changed);
    const visible = changed.filter(([c]) => c.name.includes(view.filter));
    $('compare').replaceChildren(...(visible.length
      ? visible.map(([c, d]) => compareItem(c, d))
      : [h('li', { class: 'empty' }, changed.length ? 'No changed case matches the filter.' : 'A and B decide every case alike.')]));
    if (view.results === 'compare') {
      const outcomes = changed.filter(([, d]) => d.outcomeChanged).length;
      $('summary').textContent = `${changed.length} of ${cases.length} cases changed from A to B: ${outcomes} in outcome, ${changed.length - outcomes} in reasons only`;
    }
  } else {
    $('compare').replaceChildren();
  }
  const count = $('changed-count');
  count.textContent = a.run && b.run ? String(changed.length) : '–';
  count.classList.toggle('hot', changed.length > 0);
  if (!b.run && view.results === 'gallery') $('summary').textContent = '';
  if (!(a.run && b.run) && view.results === 'compare') $('summary').textContent = '';
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

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

// ---- start --------------------------------------------------------------------------------------

async function start() {
  const response = await fetch('gallery.json');
  if (!response.ok) throw new Error(`gallery.json: HTTP ${response.status}`);
  cases = (await response.json()).cases;
  const v = fg.version();
  $('version').textContent = `engine ${v.crate} · policy schema ${v.policySchema} · ${cases.length} cases from tests/vectors`;
  defaultText = JSON.stringify(fg.defaultPolicy(), null, 2);
  for (const w of ['a', 'b']) {
    policies[w].text = defaultText;
    validate(w);
  }
  showPolicy('b');
  showResults('gallery');
  setStatus('ready', 'Ready');
}

start().catch((e) => {
  setStatus('error', `Failed to start: ${e.message}`);
  console.error(e);
});
