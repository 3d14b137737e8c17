// Cloudflare Workers (`workerd` condition): Workers refuse to compile wasm from bytes at run time,
// so the .wasm is a static import, which wrangler (and workerd's `wasm` modules) turn into a
// compiled WebAssembly.Module. Instantiation from a Module is allowed, and nothing here draws
// random values, so the module may be imported at global scope.
import wasm from './factorgate_bg.wasm';
import { createFactorgate } from './core.mjs';

const api = createFactorgate(wasm);

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, version } = api;
