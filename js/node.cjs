'use strict';
// Node entry for require: reads the decision module (factorgate_bg.wasm) next to this file once,
// compiles it synchronously, and exposes one shared runtime for the process. The policy module
// (factorgate_policy_bg.wasm, next to it) is read and compiled synchronously the first time a call
// needs it (a custom policy, validatePolicy, reviewExceptions, diffDecisions); the default policy
// never does.
//
// node.mjs, the entry for import, is an ES module of its own (an import of this file would go
// through Node's CommonJS translator, and the first CommonJS load in an ES module process costs
// ~1.5 ms more than an ES module: README.md#where-the-budgets-stand). The two share one runtime
// (no dual-package hazard): whichever loads first creates it and keeps it on globalThis under a
// symbol named after the decision module's path; the other finds it there.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const TESTING = Symbol.for('factorgate.testing');
const wasmPath = join(__dirname, 'factorgate_bg.wasm');
const runtime = Symbol.for(`factorgate.runtime ${wasmPath}`);
if (globalThis[runtime] === undefined) {
  const created = require('./core.cjs').createFactorgate(readFileSync(wasmPath), () => readFileSync(join(__dirname, 'factorgate_policy_bg.wasm')));
  Object.defineProperty(globalThis, runtime, { value: created });
}
const api = globalThis[runtime];

module.exports = {
  compilePolicy: api.compilePolicy,
  validatePolicy: api.validatePolicy,
  defaultPolicy: api.defaultPolicy,
  reviewExceptions: api.reviewExceptions,
  diffDecisions: api.diffDecisions,
  version: api.version,
};
// Internal: reached through `factorgate/testing`, not part of the API (non-enumerable).
Object.defineProperty(module.exports, TESTING, { value: api[TESTING] });
