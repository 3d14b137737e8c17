// The fast paths of the package's crossing give what the plain path gives, for every vector:
// `compilePolicy(defaultPolicy())` (the engine's embedded default, recognised by its exact text)
// against the same policy as other text (pretty-printed: decoded, validated and compiled in
// wasm), compared as JSON.stringify of the whole result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as factorgate from 'factorgate';
import { loadVectors, runSteps, runVector } from './vectors.mjs';

// The same API, except that every policy reaches wasm as text other than the default's own.
const plain = {
  ...factorgate,
  compilePolicy: (policy, options) =>
    factorgate.compilePolicy(typeof policy === 'string' ? `${policy} ` : JSON.stringify(policy, null, 1), options),
};

const same = (a, b, what) => assert.equal(JSON.stringify(a), JSON.stringify(b), what);

test('defaultPolicy() is the engine text, and compiling it gives the default digest', () => {
  const engine = factorgate.compilePolicy(factorgate.defaultPolicy());
  const text = factorgate.compilePolicy(JSON.stringify(factorgate.defaultPolicy(), null, 2));
  const request = { user: { id: 'u', factors: [] }, app: { id: 'a' } };
  const now = { now: Date.parse('2026-11-23T10:00:00Z') };
  same(engine.decideLogin(request, now), text.decideLogin(request, now), 'default engine');
  same(factorgate.validatePolicy(factorgate.defaultPolicy()), factorgate.validatePolicy(JSON.stringify(factorgate.defaultPolicy(), null, 2)), 'validation');
  engine.free();
  text.free();
});

for (const [file, vector] of loadVectors()) {
  test(`crossing ${file}`, () => {
    if (Array.isArray(vector.steps)) {
      const fast = [...runSteps(factorgate, vector)].map(([label, actual]) => [label, actual]);
      const slow = [...runSteps(plain, vector)].map(([label, actual]) => [label, actual]);
      same(fast, slow, file);
      return;
    }
    same(runVector(factorgate, vector), runVector(plain, vector), file);
  });
}
