// `factorgate/init` (ES module): manual initialisation for hosts that load the .wasm themselves
// (test runners, Lambda layers, service workers, unusual bundlers, edge runtimes):
//   import { init } from 'factorgate/init';
//   const { compilePolicy, defaultPolicy } = await init(fetch('/assets/factorgate_bg.wasm'),
//     fetch('/assets/factorgate_policy_bg.wasm'));
// The decision module ships in the package as `factorgate/factorgate_bg.wasm`, the policy module as
// `factorgate/factorgate_policy_bg.wasm`; without the second argument only the default policy
// compiles. This entry never refers to either, so bundlers do not copy them: the host decides where
// they come from.
export { init, initSync } from './core.mjs';
