// The semantics of a test vector that the JS runners share (pkg-tests/vectors.mjs), kept free of
// Node APIs. The Rust runner (tests/vectors.rs) implements the same three rules, and so does the
// policy preview in its own source (examples/policy-preview/src/semantics.js), which builds from
// the npm package alone.

/** RFC 7386 JSON merge patch (returns the patched value; `target` may be modified). */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** The state with the character at index ⌊len/2⌋ replaced by "A", or by "B" if it is "A". */
export function tamperState(state) {
  const mid = Math.floor(state.length / 2);
  return state.slice(0, mid) + (state[mid] === 'A' ? 'B' : 'A') + state.slice(mid + 1);
}

// The host clock when a vector has no (parseable) "now": the same fallback as tests/vectors.rs.
const FALLBACK_NOW_MS = 1.8e12;

/** The host clock for an RFC 3339 `now` (the fallback when absent or unparseable). */
export function clockOf(now) {
  const parsed = now === undefined ? NaN : Date.parse(now);
  return Number.isFinite(parsed) ? parsed : FALLBACK_NOW_MS;
}
