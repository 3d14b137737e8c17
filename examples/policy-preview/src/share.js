// The work in a link: the two policies' text and the administrator's own cases, as JSON, deflated
// with the browser's CompressionStream ('deflate-raw') and written base64url into the URL
// fragment (`#w=z…`), which never reaches a server. Without CompressionStream the JSON goes
// uncompressed (`#w=j…`). The same text is kept in localStorage, so a reload brings the work back.

const KEY = 'factorgate-policy-preview';

const toBase64url = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromBase64url = (text) => {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
};
const pipe = async (bytes, stream) => new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());

/** The fragment (without '#') that holds `work` ({ a, b, cases }). */
export async function encodeWork(work) {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...work }));
  if (typeof CompressionStream === 'function') return `w=z${toBase64url(await pipe(bytes, new CompressionStream('deflate-raw')))}`;
  return `w=j${toBase64url(bytes)}`;
}

/** The work in a fragment made by encodeWork, or null when there is none; throws when it is damaged. */
export async function decodeWork(fragment) {
  const m = /(?:^|&)w=([zj])([A-Za-z0-9_-]*)/.exec(fragment.replace(/^#/, ''));
  if (!m) return null;
  let bytes = fromBase64url(m[2]);
  if (m[1] === 'z') bytes = await pipe(bytes, new DecompressionStream('deflate-raw'));
  const work = JSON.parse(new TextDecoder().decode(bytes));
  if (work?.v !== 1 || typeof work.a !== 'string' || typeof work.b !== 'string') throw new Error('not a policy preview link');
  return { a: work.a, b: work.b, cases: Array.isArray(work.cases) ? work.cases : [] };
}

export function saveLocal(work) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ v: 1, ...work }));
    return true;
  } catch {
    return false; // storage full or switched off: the link still holds the work
  }
}

export function loadLocal() {
  try {
    const work = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (work?.v !== 1 || typeof work.a !== 'string' || typeof work.b !== 'string') return null;
    return { a: work.a, b: work.b, cases: Array.isArray(work.cases) ? work.cases : [] };
  } catch {
    return null;
  }
}

export function clearLocal() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}
