// Browser and bundler entry (`browser` condition, and `import` outside Node): fetches
// factorgate_bg.wasm from next to this file and compiles it asynchronously before the module
// finishes loading (top-level await). Bundlers that understand `new URL(..., import.meta.url)`
// (webpack 5, Vite, Parcel, Rollup with a URL plugin) emit the .wasm as an asset; with esbuild,
// copy node_modules/factorgate/factorgate_bg.wasm next to the bundle, or use `factorgate/init`.
import { init } from './core.mjs';

const api = await init(fetch(new URL('./factorgate_bg.wasm', import.meta.url)));

export const { compilePolicy, validatePolicy, defaultPolicy, reviewExceptions, version } = api;
