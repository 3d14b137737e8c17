// Seeds the fuzz corpora and dictionaries from the project's own cases (scripts/fuzz.sh runs it):
//   corpus/request/  every request of tests/vectors/*.json, multi-step ones step by step
//   corpus/policy/   schema/example.policy.json, every vector's policyPatch (a partial policy is a
//                    policy: it merges over the default), and {}
//   corpus/state/    an unsigned string, an empty signed body, a few histories (see state.rs)
//   corpus/*.dict    libFuzzer dictionaries: every key and string value of those documents
// Generated, never committed (fuzz/.gitignore); seeds found by the fuzzer stay beside them.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, 'corpus');

// RFC 7386, as the vectors' requestPatch uses it.
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function writeAll(target, docs) {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  for (const doc of docs) {
    const bytes = Buffer.isBuffer(doc) ? doc : Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
    writeFileSync(join(dir, `seed-${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}`), bytes);
  }
  return docs.length;
}

// Every key and string value (short ones) of the documents, as dictionary entries.
function dictionary(docs) {
  const words = new Set();
  const walk = (v) => {
    if (typeof v === 'string' && v.length <= 40) words.add(JSON.stringify(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        words.add(JSON.stringify(k));
        walk(x);
      }
    }
  };
  docs.forEach(walk);
  for (const w of ['{', '}', '[', ']', ':', ',', 'true', 'false', 'null', '-1', '1e308', '"\\ud800"', '"\\u0000"']) {
    words.add(w);
  }
  return [...words].map((w) => `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('\n') + '\n';
}

const requests = [];
const policies = [JSON.parse(readFileSync(join(root, 'schema', 'example.policy.json'), 'utf8')), {}];
for (const file of readdirSync(join(root, 'tests', 'vectors')).filter((f) => f.endsWith('.json')).sort()) {
  const v = JSON.parse(readFileSync(join(root, 'tests', 'vectors', file), 'utf8'));
  if (v.policyPatch !== undefined) policies.push(v.policyPatch);
  if (v.request === undefined) continue;
  requests.push(v.request);
  let request = v.request;
  for (const step of v.steps ?? []) {
    request = mergePatch(request, step.requestPatch ?? {});
    requests.push(request);
  }
}

const state = [
  Buffer.from('\x00AAAA'),
  Buffer.concat([Buffer.from([1, 1]), Buffer.alloc(16)]), // a valid empty history
  Buffer.concat([Buffer.from([1, 4]), Buffer.alloc(17)]), // the same, version 4 (nothing set)
  Buffer.concat([Buffer.from([2]), Buffer.from(Array.from({ length: 60 }, (_, i) => (i * 37) & 0xff))]),
  Buffer.concat([Buffer.from([2]), Buffer.alloc(40, 0x31)]),
];

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'request.dict'), dictionary(requests));
writeFileSync(join(out, 'policy.dict'), dictionary(policies));
console.log(
  `seeds: ${writeAll('request', requests)} requests, ${writeAll('policy', policies)} policies, ${writeAll('state', state)} states`,
);
