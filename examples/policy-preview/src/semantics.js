// How a case runs: the merge patch of `policyPatch`, `tamperState` and the host-clock fallback.
// The one JS copy of these rules: pkg-tests/vector-semantics.mjs re-exports it (the preview builds
// from the npm package alone, so the dependency points this way). Free of Node APIs.

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

/** A multi-step case's `tamperState: true`: the character at ⌊len/2⌋ becomes "A" (or "B" if it is "A"). */
export function tamperState(state) {
  const mid = Math.floor(state.length / 2);
  return state.slice(0, mid) + (state[mid] === 'A' ? 'B' : 'A') + state.slice(mid + 1);
}

// The host clock when a case has no (parseable) "now": the vector runners' fallback.
const FALLBACK_NOW_MS = 1.8e12;

/** The host clock for an RFC 3339 `now` (the fallback when absent or unparseable). */
export function clockOf(now) {
  const parsed = now === undefined ? NaN : Date.parse(now);
  return Number.isFinite(parsed) ? parsed : FALLBACK_NOW_MS;
}
