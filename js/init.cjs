'use strict';
// `factorgate/init` (CommonJS): the same as init.mjs, for require() (e.g. jest).
const { init, initSync } = require('./core.cjs');

module.exports = { init, initSync };
