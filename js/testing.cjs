'use strict';
// `factorgate/testing`: the internal testing handle of the Node runtime (js/testing.d.ts).
// Not part of the public API; used by pkg-tests to prove trap recovery.
module.exports = require('./node.cjs')[Symbol.for('factorgate.testing')];
