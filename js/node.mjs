// Node entry for import: the same runtime as node.cjs (see there for how the two share it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFactorgate } from './core.mjs';

const wasmPath = fileURLToPath(new URL('./factorgate_bg.wasm', import.meta.url));
const runtime = Symbol.for(`factorgate.runtime ${wasmPath}`);
if (globalThis[runtime] === undefined) {
  const created = createFactorgate(readFileSync(wasmPath), () => readFileSync(new URL('./factorgate_policy_bg.wasm', import.meta.url)));
  Object.defineProperty(globalThis, runtime, { value: created });
}
const api = globalThis[runtime];

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, diffDecisions, version } = api;
