// `factorgate/testing` for ES modules: the same handle as testing.cjs, through require as node.mjs
// loads node.cjs.
import { createRequire } from 'node:module';

const testing = createRequire(import.meta.url)('./testing.cjs');

export default testing;
export const { injectTraps, trapNow, generation, failures, lastFailure, memoryBytes, exhaustMemory, suppressedFinalizers, failMode } = testing;
