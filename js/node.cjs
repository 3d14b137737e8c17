'use strict';
// Node entry (require and import): reads the decision module (factorgate_bg.wasm) next to this file
// once, compiles it synchronously, and exposes one shared runtime for the process. The policy module
// (factorgate_policy_bg.wasm, next to it) is read and compiled synchronously the first time a call
// needs it (a custom policy, validatePolicy, reviewExceptions, diffDecisions); the default policy never does. node.mjs requires this file, so
// CommonJS and ES module users share the same instance (no dual-package hazard).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { createFactorgate, TESTING } = require('./core.cjs');

const api = createFactorgate(
  readFileSync(join(__dirname, 'factorgate_bg.wasm')),
  () => readFileSync(join(__dirname, 'factorgate_policy_bg.wasm')),
);

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
