// The semantics of a test vector that the JS runners share (pkg-tests/vectors.mjs): the merge
// patch of `policyPatch`, `tamperState` and the host-clock fallback. One copy, the policy
// preview's (examples/policy-preview/src/semantics.js), which must build from the npm package
// alone and so cannot import test code; it is free of Node APIs. The Rust runner (the `cases`
// crate) implements the same three rules.
export { mergePatch, tamperState, clockOf } from '../examples/policy-preview/src/semantics.js';
