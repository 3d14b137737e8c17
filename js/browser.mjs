// Browser and bundler entry (`browser` condition, and `import` outside Node): fetches the decision
// module (factorgate_bg.wasm) and the policy module (factorgate_policy_bg.wasm) from next to this
// file and compiles both asynchronously, in parallel, before the module finishes loading
// (top-level await): compilePolicy is synchronous, so a custom policy's module must be ready.
// Bundlers that understand `new URL(..., import.meta.url)` (webpack 5, Vite, Parcel, Rollup with a
// URL plugin) emit the .wasm files as assets; with esbuild, copy both from node_modules/factorgate/
// next to the bundle, or use `factorgate/init` (which can do without the policy module).
import { init } from './core.mjs';

const api = await init(
  fetch(new URL('./factorgate_bg.wasm', import.meta.url)),
  fetch(new URL('./factorgate_policy_bg.wasm', import.meta.url)),
);

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, diffDecisions, version } = api;
