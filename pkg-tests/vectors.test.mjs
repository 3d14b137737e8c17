// Every tests/vectors/*.json case through the built package, imported by name as an ES module
// (the same files `cargo test` runs natively through the Rust JSON twins).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as factorgate from 'factorgate';
import { checkVector, loadVectors, mergePatch, runSteps, runVector, tamperState } from './vectors.mjs';

const vectors = loadVectors();

test('tests/vectors/ has the cases', () => {
  assert.ok(vectors.length >= 40, `expected at least 40 vectors, found ${vectors.length}`);
});

for (const [file, vector] of vectors) {
  test(`vector ${file}`, () => {
    if (Array.isArray(vector.steps)) {
      // Multi-step: the state of each decision is threaded into the next request.
      const failures = [];
      for (const [label, actual, step, approvalId, noGrant] of runSteps(factorgate, vector)) {
        const bad = checkVector(step.expect ?? {}, actual);
        if (noGrant) bad.push('useGrant: no earlier step returned a grant');
        if (step.expect?.sameApprovalId === true && actual.approvalId !== approvalId) {
          bad.push(`sameApprovalId: want ${JSON.stringify(approvalId)}, got ${JSON.stringify(actual.approvalId)}`);
        }
        if (bad.length > 0) failures.push(`${label}:\n  ${bad.join('\n  ')}\n  actual: ${JSON.stringify(actual)}`);
      }
      if (failures.length > 0) assert.fail(`${file} (${vector.name}):\n${failures.join('\n')}`);
      return;
    }
    const actual = runVector(factorgate, vector);
    const bad = checkVector(vector.expect ?? {}, actual);
    if (bad.length > 0) {
      assert.fail(`${file} (${vector.name}):\n  ${bad.join('\n  ')}\n  actual: ${JSON.stringify(actual)}`);
    }
  });
}

test('multi-step vectors thread state and alter it the way tests/vectors.rs does', () => {
  assert.equal(tamperState('ABCDE'), 'ABADE');
  assert.equal(tamperState('xyAzw'), 'xyBzw');
  assert.ok(vectors.some(([, v]) => Array.isArray(v.steps)), 'there are multi-step vectors');
});

test('merge patch follows RFC 7386 (its appendix A examples)', () => {
  const cases = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) assert.deepEqual(mergePatch(target, patch), want);
});
