// The preview builds from the npm package alone: its bundle holds the preview's own src/ and the
// package `factorgate`, nothing of the repository's test code; the gallery is data.
//
//   node --test examples/policy-preview/build.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildPreview } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));

test('the bundle is the preview\'s own source and the npm package, and the gallery is data', async () => {
  const outdir = join(here, 'out', 'dist-build-test');
  const built = await buildPreview({ outdir });
  const foreign = built.inputs.map((f) => relative(here, f)).filter((f) => !f.startsWith('src/'));
  // The package, wherever node_modules puts it: every other input is the package's own files.
  const pkgFiles = foreign.map((f) => f.split('/').at(-1)).sort();
  assert.deepEqual(pkgFiles, ['browser.mjs', 'core.mjs'], `inputs outside src/: ${foreign.join(', ')}`);
  const bundle = readFileSync(join(outdir, 'app.js'), 'utf8');
  assert.doesNotMatch(bundle, /pkg-tests|vector-semantics/);
  const gallery = JSON.parse(readFileSync(join(outdir, 'gallery.json'), 'utf8'));
  assert.ok(gallery.cases.length >= 60);
  assert.ok(gallery.cases.every((c) => !('expect' in c) && (c.steps ?? []).every((s) => !('expect' in s))), 'expectations are stripped');
});
