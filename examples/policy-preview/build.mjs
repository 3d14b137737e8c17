// Builds the policy preview into dist/: static files any web server can serve.
//
//   dist/app.js              src/app.js bundled by esbuild with the package's browser entry
//                            (`import ... from 'factorgate'`, as a user of the package writes it)
//   dist/factorgate_bg.wasm  the package's decision module and policy module, next to the bundle:
//   dist/factorgate_policy_bg.wasm  the browser entry fetches both from new URL(..., import.meta.url)
//   dist/gallery.json        the login and factor-change cases of tests/vectors/, as data (the
//                            vectors' expectations stripped; no test code is bundled)
//   dist/index.html, style.css
//
//   node examples/policy-preview/build.mjs      (after `make pkg`)
import { copyFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const vectorsDir = join(here, '..', '..', 'tests', 'vectors');

/**
 * The gallery: every login and factor-change vector that is a decision case (not a refusal) and
 * runs under the embedded default policy (its own `policyPatch` is fine: it is merged over the
 * policy being edited; a vector with a whole policy of its own has no place here).
 */
export function galleryCases() {
  const strip = ({ expect, ...rest }) => rest; // the expectations are for the test runners
  return readdirSync(vectorsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(vectorsDir, f), 'utf8')))
    .filter((v) => (v.entry === 'login' || v.entry === 'factorChange')
      && typeof v.request === 'object' && v.expect?.type !== 'error'
      && (v.policy === undefined || v.policy === 'default')
      // grant-then-resubmit cases need grantApproval, which the gallery does not call
      && !(v.steps ?? []).some((s) => s.entry === 'grantApproval'))
    .map((v) => ({ ...strip(v), ...(v.steps ? { steps: v.steps.map(strip) } : {}) }));
}

/**
 * The bundle may contain only the preview's own source (src/) and the npm package `factorgate`:
 * anything else (test code of the repository, a file of the Rust crate) fails the build.
 * Returns the bundle's inputs, as absolute paths, for the test to look at.
 */
function checkInputs(metafile, absWorkingDir) {
  const require = createRequire(import.meta.url);
  const allowed = [join(here, 'src'), realpathSync(dirname(require.resolve('factorgate/package.json')))];
  const inputs = Object.keys(metafile.inputs).map((f) => resolve(absWorkingDir, f));
  const foreign = inputs.filter((f) => !allowed.some((dir) => f.startsWith(dir + sep)));
  if (foreign.length) {
    throw new Error(`the preview must build from its own src/ and the npm package alone; the bundle imports ${foreign.map((f) => relative(here, f)).join(', ')}`);
  }
  return inputs;
}

export async function buildPreview({ outdir = join(here, 'dist') } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const absWorkingDir = process.cwd();
  const result = await esbuild.build({
    absWorkingDir,
    metafile: true,
    entryPoints: [join(here, 'src', 'app.js')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm', // the browser entry initialises with a top-level await
    platform: 'browser', // conditions browser, import: the package's browser.mjs
    target: 'es2022',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  const inputs = checkInputs(result.metafile, absWorkingDir);
  const require = createRequire(import.meta.url);
  for (const f of ['factorgate_bg.wasm', 'factorgate_policy_bg.wasm']) copyFileSync(require.resolve(`factorgate/${f}`), join(outdir, f));
  for (const f of ['index.html', 'style.css']) copyFileSync(join(here, 'src', f), join(outdir, f));
  const cases = galleryCases();
  writeFileSync(join(outdir, 'gallery.json'), JSON.stringify({ from: 'tests/vectors', cases }));
  return { outdir, cases: cases.length, inputs, files: readdirSync(outdir).map((f) => [f, statSync(join(outdir, f)).size]) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildPreview();
  console.log(`[policy-preview] ${out.outdir}: ${out.cases} cases; ${out.files.map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KiB`).join(', ')}`);
}
