// `factorgate/init` (ES module): manual initialisation for hosts that load the .wasm themselves
// (test runners, Lambda layers, service workers, unusual bundlers, edge runtimes):
//   import { init } from 'factorgate/init';
//   const { compilePolicy, defaultPolicy } = await init(fetch('/assets/factorgate_bg.wasm'));
// The .wasm ships in the package as `factorgate/factorgate_bg.wasm`. This entry never refers to it,
// so bundlers do not copy it: the host decides where it comes from.
export { init, initSync } from './core.mjs';
