// Node ES module entry: the same runtime as node.cjs (see there), loaded through require. An
// `import` of the .cjs would go through Node's CommonJS translator for ES modules, which parses
// the file for its export names (cjs-module-lexer) before running it: ~6 ms of cold start on
// Node 20 (README.md#where-the-budgets-stand). require shares the instance just the same.
import { createRequire } from 'node:module';

const factorgate = createRequire(import.meta.url)('./node.cjs');

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, diffDecisions, version } = factorgate;
