// `factorgate/testing` for ES modules: the same handle as testing.cjs.
import testing from './testing.cjs';

export default testing;
export const { injectTraps, trapNow, generation, failures, lastFailure, memoryBytes, exhaustMemory, suppressedFinalizers, failMode } = testing;
