// Every problem of a policy, not only the first. validatePolicy gives every semantic problem of a
// policy that decodes, but a policy that fails to decode gives its one decoding error (a wrong
// type, an unknown field, ...). So the preview sets each decoding error aside and asks again: the
// offending value is replaced by the default's value at the same place (or removed, with the list
// item it sits in when the default has none there), until the policy decodes, and then its
// semantic problems are added. A JSON syntax error stops this: the text has no document to repair.

const DECODING = new Set(['invalidShape', 'unknownField', 'duplicateKey', 'limitExceeded', 'invalidTimestamp']);
const MAX_ROUNDS = 200;

const unescape = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const segments = (pointer) => (pointer === '' ? [] : pointer.split('/').slice(1).map(unescape));
const isContainer = (v) => v !== null && typeof v === 'object';

function lookup(doc, segs) {
  let at = doc;
  for (const s of segs) {
    if (!isContainer(at) || !(s in at)) return { found: false };
    at = at[s];
  }
  return { found: true, value: at };
}

/** Sets the problem at `pointer` aside in `doc`; false when nothing could be changed. */
function repair(doc, pointer, code, defaults) {
  const segs = segments(pointer);
  if (!segs.length) return false;
  const parent = lookup(doc, segs.slice(0, -1));
  if (!parent.found || !isContainer(parent.value)) return false;
  const key = segs.at(-1);
  const fallback = code === 'unknownField' ? { found: false } : lookup(defaults, segs);
  if (fallback.found) {
    parent.value[key] = structuredClone(fallback.value);
    return true;
  }
  // No default here: take the value out, or the whole list item it belongs to (an exception or a
  // network without one of its fields would only give a second error about the same item).
  for (let i = segs.length - 1; i >= 0; i -= 1) {
    const holder = lookup(doc, segs.slice(0, i));
    if (holder.found && Array.isArray(holder.value) && /^\d+$/.test(segs[i]) && code !== 'unknownField') {
      holder.value.splice(Number(segs[i]), 1);
      return true;
    }
  }
  if (!(key in parent.value)) return false;
  if (Array.isArray(parent.value)) parent.value.splice(Number(key), 1);
  else delete parent.value[key];
  return true;
}

/**
 * validatePolicy over `text`, with every problem: `{ type: 'validation', valid, errors, policy? }`
 * as validatePolicy answers, `errors` holding each decoding error found one round at a time and
 * then the semantic ones. An error found after others were set aside has `afterRepair: true`.
 */
export function validateAll(fg, text, defaults) {
  const first = fg.validatePolicy(text);
  if (first.type !== 'validation' || first.valid) return first;
  if (first.errors.length !== 1 || !DECODING.has(first.errors[0].code)) return first;
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return first; // a syntax error: the one error there is
  }
  const errors = [...first.errors];
  const seen = new Set(errors.map((e) => `${e.code} ${e.path}`));
  let last = first.errors[0];
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    // A duplicate key is gone once the text is parsed: nothing to repair, just ask again.
    if (last.code !== 'duplicateKey' && !repair(doc, last.path, last.code, defaults)) break;
    const next = fg.validatePolicy(JSON.stringify(doc));
    if (next.type !== 'validation' || next.valid) break;
    const fresh = next.errors.filter((e) => !seen.has(`${e.code} ${e.path}`));
    for (const e of fresh) {
      seen.add(`${e.code} ${e.path}`);
      errors.push({ ...e, afterRepair: true });
    }
    if (next.errors.length !== 1 || !DECODING.has(next.errors[0].code) || !fresh.length) break;
    [last] = next.errors;
  }
  return { ...first, errors };
}
