// The comparison as a document: JSON for a change record or a review tool, and a printable HTML
// page (self-contained, no script) for a change-approval meeting.

const outcomeOf = (r) => (r?.type === 'decision' ? r.outcome : 'error');
const strip = (r) => {
  if (!r || r.type !== 'decision') return r;
  const { state, ...rest } = r; // the signed memory means nothing to a reader
  return rest;
};

/** The comparison of policies A and B over the cases, as one JSON-ready object. */
export function buildReport({ fg, policies, cases, comparison, describeInputs }) {
  const ref = (p) => (p.validation?.type === 'validation' && p.validation.valid ? p.validation.policy : null);
  const diffs = new Map(comparison.diffs.map(([c, d]) => [c.name, d]));
  return {
    type: 'factorgatePolicyComparison',
    generatedAt: new Date().toISOString(),
    engine: fg.version(),
    policies: {
      a: { ref: ref(policies.a), stale: policies.a.stale, document: policies.a.doc },
      b: { ref: ref(policies.b), stale: policies.b.stale, document: policies.b.doc },
    },
    summary: comparison.counts,
    policyChanges: comparison.policyChanges.map(({ path, direction, text, why, a, b }) => ({ path, direction, change: text, why, a, b })),
    cases: cases.map((c) => {
      const d = diffs.get(c.name);
      const steps = d.steps.map((s) => ({
        label: s.label || undefined,
        outcome: { a: outcomeOf(s.a), b: outcomeOf(s.b) },
        changes: s.changes,
        ...(s.changed ? { a: strip(s.a), b: strip(s.b) } : {}),
      }));
      return {
        name: c.name,
        source: c.name.startsWith('custom-') ? 'yours' : 'tests/vectors',
        direction: d.direction,
        inputs: Object.fromEntries(describeInputs(c)),
        request: c.request,
        ...(c.steps ? { stepsGiven: c.steps } : {}),
        steps,
      };
    }),
  };
}

const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);

/** A printable page of `report` (buildReport): counts at the top, policy changes, changed cases. */
export function reportHtml(report) {
  const { summary: s, policies: p } = report;
  const refText = (x) => (x.ref ? `${esc(x.ref.id)} v${x.ref.version} · ${esc(x.ref.digest)}` : 'not valid (its last valid version was compared)');
  const changed = report.cases.filter((c) => c.direction !== 'same');
  const rows = (obj) => Object.entries(obj).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>factorgate policy comparison</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; color: #1d2330; margin: 2rem; }
h1 { font-size: 16pt; margin: 0 0 .3rem; } h2 { font-size: 13pt; margin: 1.4rem 0 .4rem; border-bottom: 1px solid #ccd; }
h3 { font-size: 11pt; margin: 1rem 0 .3rem; }
.meta { color: #5b6477; margin: .1rem 0; }
.verdict { font-size: 13pt; padding: .6rem .8rem; border-radius: 6px; background: #eef5ee; margin: .8rem 0; }
.verdict.weaker { background: #fdecea; }
.verdict strong { font-size: 15pt; }
table { border-collapse: collapse; width: 100%; margin: .2rem 0 .6rem; font-size: 9.5pt; }
th, td { text-align: left; vertical-align: top; padding: .15rem .4rem; border-top: 1px solid #e1e5ec; }
th { color: #5b6477; font-weight: 600; white-space: nowrap; width: 1%; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 9pt; }
.weaker, .looser { color: #b3261e; font-weight: 600; } .stricter { color: #1e7d45; } .changed, .mixed { color: #7141b3; }
.case { break-inside: avoid; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media print { body { margin: 0; } a { color: inherit; } }
</style></head><body>
<h1>factorgate policy comparison</h1>
<p class="meta">A (baseline): ${refText(p.a)}</p>
<p class="meta">B (candidate): ${refText(p.b)}</p>
<p class="meta">${esc(report.generatedAt)} · engine ${esc(report.engine.crate)} · ${s.cases} cases</p>
<p class="verdict${s.looser + s.weakenings ? ' weaker' : ''}" id="report-verdict"><strong>${s.looser}</strong> looser decisions · <strong>${s.weakenings}</strong> policy weakenings · ${s.stricter} stricter decisions · ${s.changed} of ${s.cases} cases changed · ${s.policyChanges} policy changes</p>
<h2>What B changes in the policy</h2>
${report.policyChanges.length ? `<table><thead><tr><th>field</th><th>change</th><th></th><th>why it matters</th></tr></thead><tbody>${report.policyChanges.map((c) => `<tr><td class="mono">${esc(c.path)}</td><td>${esc(c.change)}</td><td class="${c.direction}">${c.direction}</td><td>${c.direction === 'weaker' ? esc(c.why) : ''}</td></tr>`).join('')}</tbody></table>` : '<p>Nothing: A and B are the same policy.</p>'}
<h2>Cases decided differently (${changed.length})</h2>
${changed.length ? '' : '<p>None.</p>'}
${changed.map((c) => `<div class="case"><h3><span class="${c.direction}">${c.direction}</span> · <span class="mono">${esc(c.name)}</span></h3>
<div class="cols"><table><tbody>${rows(c.inputs)}</tbody></table>
<div>${c.steps.filter((st) => st.changes.length).map((st) => `${st.label ? `<p><strong>${esc(st.label)}</strong></p>` : ''}<table><thead><tr><th>field</th><th>A</th><th>B</th><th></th></tr></thead><tbody>${st.changes.map((ch) => `<tr><td class="mono">${esc(ch.field)}</td><td>${esc(ch.a)}</td><td>${esc(ch.b)}</td><td class="${ch.direction}">${ch.direction}</td></tr>`).join('')}</tbody></table>`).join('')}</div></div></div>`).join('\n')}
</body></html>
`;
}
