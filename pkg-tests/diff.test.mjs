// The decision diff through the built package: `diffDecisions` (the policy module's
// `diff_decisions`) gives exactly the native `diff_decisions_json` answer on the pairs of
// tests/diff_pairs.json (checked against the native diff by cli/tests/diff_fixture.rs), the pairs
// as the same JSON text and as objects; bad input is a tagged error, never a throw.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as factorgate from 'factorgate';
import { init } from 'factorgate/init';

const pairs = JSON.parse(readFileSync(new URL('../tests/diff_pairs.json', import.meta.url), 'utf8'));
const parsed = (text) => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

test('the fixture has every class, and errors', () => {
  const classes = new Set(pairs.map((p) => p.diff.class ?? p.diff.type));
  for (const c of ['same', 'changed', 'stricter', 'looser', 'mixed', 'error']) assert.ok(classes.has(c), c);
});

test('diffDecisions on JSON text is the native diff, pair for pair', () => {
  for (const { a, b, diff } of pairs) assert.deepEqual(factorgate.diffDecisions(a, b), diff, `a: ${a}\nb: ${b}`);
});

test('diffDecisions on objects is the native diff on their text', () => {
  let n = 0;
  for (const { a, b, diff } of pairs) {
    const [pa, pb] = [parsed(a), parsed(b)];
    if (!pa.ok || !pb.ok || a === '' || JSON.stringify(pa.value) !== a || JSON.stringify(pb.value) !== b) continue;
    assert.deepEqual(factorgate.diffDecisions(pa.value, pb.value), diff);
    n += 1;
  }
  assert.ok(n > 40, `${n} pairs as objects`);
});

test('bad input is a tagged error with its side in the path, never a throw', () => {
  const d = parsed(pairs[0].a).value;
  const cycle = {};
  cycle.self = cycle;
  for (const [a, b, path] of [[cycle, d, '/a'], [d, 10n, '/b'], [d, undefined, '/b'], ['x'.repeat(2 * 1024 * 1024), d, '/a'], ['{', d, '/a']]) {
    const out = factorgate.diffDecisions(a, b);
    assert.equal(out.type, 'error', JSON.stringify(out).slice(0, 200));
    assert.ok(out.errors.length > 0 && out.errors.every((e) => typeof e.code === 'string' && e.path.startsWith(path)), JSON.stringify(out.errors));
  }
});

test('without the policy module diffDecisions is an engineFailure error', async () => {
  const fg = await init(readFileSync(new URL('../pkg/factorgate_bg.wasm', import.meta.url)));
  const out = fg.diffDecisions({ type: 'decision' }, { type: 'decision' });
  assert.equal(out.type, 'error');
  assert.equal(out.errors[0].code, 'engineFailure');
});
