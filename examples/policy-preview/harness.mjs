// What the preview's Chromium tests share: build dist/, serve it on 127.0.0.1, open it in headless
// Chromium (../chromium.mjs), and edit the policy the way a person does.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectPageErrors, launchChromium } from '../chromium.mjs';
import { buildPreview } from './build.mjs';
import { serveStatic } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const out = join(here, 'out'); // screenshots (git-ignored)
mkdirSync(out, { recursive: true });

/** Builds and serves the preview, opens it; resolves to { site, browser, context, page, errors, built, close }. */
export async function openPreview({ outdir } = {}) {
  const built = await buildPreview(outdir ? { outdir } : {});
  const site = await serveStatic(built.outdir);
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  await page.goto(site.url);
  await page.waitForSelector('#status[data-state="ready"]');
  return {
    site, browser, context, page, errors, built,
    close: async () => {
      await browser.close();
      await site.close();
    },
  };
}

/** Edits the policy as a person does: selects `find` in the editor and types `replacement`. */
export async function edit(page, find, replacement) {
  const found = await page.$eval('#policy', (t, f) => {
    const at = t.value.indexOf(f);
    if (at >= 0) {
      t.focus();
      t.setSelectionRange(at, at + f.length);
    }
    return at >= 0;
  }, find);
  assert.ok(found, `${find} is in the editor`);
  await page.keyboard.type(replacement); // each key fires `input`; validation and the gallery follow
  await page.waitForSelector('#status[data-state="ready"]'); // once typing pauses
}

/** Replaces the whole text of the policy in the editor at once (as a paste does). */
export async function paste(page, text) {
  await page.$eval('#policy', (t, v) => {
    t.focus();
    t.select();
  }, text);
  await page.keyboard.insertText(text);
  await page.waitForSelector('#status[data-state="ready"]');
}
