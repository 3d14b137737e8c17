// Node ES module entry: the same runtime as node.cjs (see there).
import factorgate from './node.cjs';

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, diffDecisions, version } = factorgate;
