// Cloudflare Workers (`workerd` condition): Workers refuse to compile wasm from bytes at run time,
// so both .wasm files (the decision module, and the policy module for custom policies) are static
// imports, which wrangler (and workerd's `wasm` modules) turn into a
// compiled WebAssembly.Module. Instantiation from a Module is allowed, and nothing here draws
// random values, so the module may be imported at global scope.
import wasm from './factorgate_bg.wasm';
import policyWasm from './factorgate_policy_bg.wasm';
import { createFactorgate } from './core.mjs';

// A compiled Module costs nothing until instantiated: the policy module's is instantiated only when
// a call needs it (a custom policy, validatePolicy, reviewExceptions).
const api = createFactorgate(wasm, policyWasm);

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, diffDecisions, version } = api;
