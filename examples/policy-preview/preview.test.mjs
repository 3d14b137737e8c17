// The policy preview in headless Chromium (Debian's, driven by playwright-core): built with esbuild
// from the package's browser entry, served as static files on 127.0.0.1, then edited like an
// administrator would. Screenshots go to examples/policy-preview/out/ (git-ignored). The
// comparison's directions, your cases, export and the link: compare.test.mjs, work.test.mjs.
//
//   node --test examples/policy-preview/preview.test.mjs     (make test runs it after building pkg/)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { edit as editIn, openPreview, out } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

let preview;
let page;
let errors;
let built;

before(async () => {
  preview = await openPreview();
  ({ page, errors, built } = preview);
});

after(async () => {
  await preview?.close();
});

const editorText = () => page.inputValue('#policy');
const edit = (find, replacement) => editIn(page, find, replacement);

/** What each vector expects of its (last) decision under the default policy. */
function expectedOutcomes() {
  const dir = join(here, '..', '..', 'tests', 'vectors');
  const map = new Map();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const v = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const expect = v.steps ? v.steps.at(-1).expect : v.expect;
    if (expect?.outcome) map.set(v.name, expect.outcome);
  }
  return map;
}

describe('policy preview (the package in the browser)', () => {
  test('the engine loads from the browser entry and the gallery decides every case as the vectors expect', async () => {
    assert.match(await page.textContent('#version'), new RegExp(`${built.cases} cases`));
    assert.equal(await page.locator('#gallery > li').count(), built.cases);
    assert.equal(await page.getAttribute('#validation', 'data-valid'), 'true');
    assert.match(await page.textContent('#policy-ref'), /factorgate-default v1 · sha256:/);
    assert.equal(await page.textContent('#changed-count'), '0');

    const shown = new Map(await page.$$eval('#gallery > li', (items) => items.map((li) => [li.dataset.name, li.dataset.outcome])));
    let compared = 0;
    for (const [name, outcome] of expectedOutcomes()) {
      if (!shown.has(name)) continue;
      assert.equal(shown.get(name), outcome, name);
      compared += 1;
    }
    assert.ok(compared >= 60, `compared ${compared} cases`);

    // A case opens to its reasons: code, points, sentence.
    const item = page.locator('#gallery > li[data-name="login-07-acr-phr-requested"]');
    await item.locator(':scope > details > summary').click();
    const row = item.locator('tr[data-code="requestedAcr"]');
    assert.match(await row.textContent(), /requestedAcr.*phr/);
    assert.match(await item.locator('.verdict-facts tr[data-field="requirement"]').textContent(), /needs AAL2 · phishing-resistant/);
    // Its inputs beside the verdict: what was requested, the methods the session used.
    assert.match(await item.locator('.input-facts tr[data-field="requested"]').textContent(), /acr phr/);
    assert.match(await item.locator('.input-facts tr[data-field="methods"]').textContent(), /ago/);
    await page.screenshot({ path: join(out, 'preview-gallery.png') });
  });

  test('an error in the policy is listed at its JSON pointer, and clicking it selects the place', async () => {
    const good = await editorText();
    await edit('"newCountry": 20', '"newCountry": "lots"');
    const error = page.locator('#errors li[data-path="/risk/weights/newCountry"]');
    await error.waitFor();
    assert.equal(await page.getAttribute('#validation', 'data-valid'), 'false');
    assert.equal(await error.getAttribute('data-code'), 'invalidShape');
    const line = good.split('\n').findIndex((l) => l.includes('"newCountry"')) + 1;
    assert.equal(await error.locator('.where').textContent(), `line ${line}`);
    assert.equal(await page.textContent('#gutter .err'), String(line));
    assert.match(await page.textContent('#invalid-banner'), /Policy B is not valid/);
    assert.equal(await page.getAttribute('#gallery', 'class'), 'cases stale'); // the last valid decisions, dimmed

    await error.click();
    const selected = await page.$eval('#policy', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.equal(selected, '"newCountry": "lots"');
    await page.screenshot({ path: join(out, 'preview-error.png') });

    // A syntax error (a comma taken out) is located too.
    await edit('"newCountry": "lots",', '"newCountry": 20');
    const syntax = page.locator('#errors li[data-code="invalidJson"]');
    await syntax.waitFor();
    assert.equal(await syntax.getAttribute('data-path'), '/risk/weights/newCountry');

    await edit('"newCountry": 20', '"newCountry": 20,');
    await page.waitForSelector('#validation[data-valid="true"]');
    assert.equal(await editorText(), good);
    assert.equal(await page.isVisible('#invalid-banner'), false);
    assert.equal(await page.locator('#gallery > li').count(), built.cases);
  });

  test('a heavier weight and a higher tier in B show as changes across the gallery', async () => {
    await edit('"newCountry": 20', '"newCountry": 60');
    await edit('"defaultSensitivity": "medium"', '"defaultSensitivity": "high"');
    await page.click('#view-compare');

    const changed = Number(await page.textContent('#changed-count'));
    assert.ok(changed >= 10, `${changed} cases changed`);
    assert.equal(await page.locator('#compare > li').count(), changed);
    assert.match(await page.textContent('#summary'), new RegExp(`^${changed} of ${built.cases} cases changed`));

    // The tier: a calm AAL2 login now needs a phishing-resistant factor.
    const calm = page.locator('#compare > li[data-name="login-01-calm-employee-allow"]');
    assert.equal(await calm.getAttribute('data-outcome-changed'), 'true');
    assert.match(await calm.locator(':scope > details > summary').textContent(), /allow→stepUp/);
    assert.equal(await calm.getAttribute('data-direction'), 'stricter');

    // The weight: newCountry re-weighted from +20 to +60 where it fires.
    const travel = page.locator('#compare > li[data-name="state-03-nyc-to-london-in-two-hours-needs-phishing-resistant"]');
    await travel.locator(':scope > details > summary').click();
    const row = travel.locator('tr[data-code="newCountry"][data-status="reweighted"]').first();
    assert.match(await row.textContent(), /\+20 → \+60/);
    await calm.locator(':scope > details > summary').click();
    await page.screenshot({ path: join(out, 'preview-compare.png') });

    // B → A makes them equal again.
    await page.click('#copy-b-to-a');
    assert.equal(await page.textContent('#changed-count'), '0');
    assert.match(await page.textContent('#compare'), /same policy and decide every case alike/);
    await page.click('#reset');
    await page.click('#view-gallery');
    assert.equal(await page.textContent('#changed-count'), '0');
    assert.deepEqual(errors, []);
  });
});
