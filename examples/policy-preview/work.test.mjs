// The administrator's work in headless Chromium: every validation error at once, cases of their
// own (pasted or uploaded), the comparison exported (JSON download, printable page) and kept in a
// shareable link and in localStorage. Screenshots (and the printed PDF) to out/.
//
//   node --test examples/policy-preview/work.test.mjs
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as fg from 'factorgate';
import { collectPageErrors } from '../chromium.mjs';
import { edit, openPreview, out, paste } from './harness.mjs';

let preview;
let page;

before(async () => {
  preview = await openPreview({ outdir: join(out, 'dist-work') });
  ({ page } = preview);
});
after(async () => {
  await preview?.close();
});

const text = (sel) => page.textContent(sel);
const errorPaths = () => page.$$eval('#errors li', (items) => items.map((li) => `${li.dataset.code} ${li.dataset.path}`));

// A contractor signing in with a password an hour ago, and a TOTP code 20 h ago.
const myLogin = {
  name: 'contractor with a day-old TOTP',
  entry: 'login',
  now: '2026-11-23T10:00:00Z',
  request: {
    user: { id: 'okta|carla', kind: 'contractor', factors: [{ type: 'totp', enrolledAt: '2026-01-01T00:00:00Z' }] },
    session: { ip: '198.51.100.9', geo: { country: 'NO', asn: 2119 }, methods: [{ type: 'password', at: '2026-11-23T09:00:00Z' }, { type: 'totp', at: '2026-11-22T14:00:00Z' }] },
    app: { id: 'wiki' },
  },
};

describe('the administrator\'s work', () => {
  test('every problem of a policy is listed, not only the first decoding error', async () => {
    const p = fg.defaultPolicy();
    const bad = JSON.stringify(p, null, 2)
      .replace('"newCountry": 20', '"newCountry": "lots"') // a wrong type
      .replace('"speedKmh": 900', '"speedKmh": 900,\n      "speedMph": 560') // an unknown field
      .replace('"defaultSensitivity": "medium"', '"defaultSensitivity": "extreme"') // an unknown value
      .replace('"aal3S": 43200', '"aal3S": 999999999'); // semantic: aal3S > aal2S
    assert.equal(fg.validatePolicy(bad).errors.length, 1, 'the package gives the first decoding error only');
    await paste(page, bad);
    await page.waitForSelector('#validation[data-valid="false"]');
    const found = await errorPaths();
    for (const want of ['invalidShape /risk/weights/newCountry', 'unknownField /signals/impossibleTravel/speedMph', 'invalidShape /apps/defaultSensitivity']) {
      assert.ok(found.includes(want), `${want} in ${found.join('; ')}`);
    }
    assert.ok(found.some((e) => e.startsWith('invalidValue /reauthentication')), `the semantic error too: ${found.join('; ')}`);
    assert.match(await text('#policy-ref'), /^[4-9] problems/);
    // Each is located in the editor.
    assert.equal(await page.locator('#gutter .err').count(), found.length);
    await page.screenshot({ path: join(out, 'work-all-errors.png') });
    // A JSON syntax error is the one error there is.
    await paste(page, '{ "id": "x", "version": 1, ');
    assert.equal((await errorPaths()).length, 1);
    assert.match((await errorPaths())[0], /^invalidJson/);
    await paste(page, JSON.stringify(p, null, 2));
    await page.waitForSelector('#validation[data-valid="true"]');
  });

  test('cases of one\'s own, pasted or uploaded: added to the gallery with their inputs, every problem reported', async () => {
    await page.click('#add-cases-toggle');
    const broken = [
      myLogin,
      { name: 'no user', entry: 'login', request: { session: {} } },
      { name: 'bad entry and clock', entry: 'signup', now: 'yesterday', request: { user: { id: 'x' } } },
      { name: 'engine refuses it', now: '2026-11-23T10:00:00Z', request: { user: { id: '' } } },
    ];
    await page.fill('#cases-input', JSON.stringify(broken, null, 2));
    await page.click('#cases-add');
    await page.waitForSelector('#cases-errors li');
    const problems = await page.$$eval('#cases-errors li', (items) => items.map((li) => li.textContent));
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.ok(problems.some((t) => /no user.*\/1\/request\/user/.test(t)), problems.join('\n'));
    assert.ok(problems.some((t) => /bad entry.*\/2\/entry/.test(t)));
    assert.ok(problems.some((t) => /bad entry.*\/2\/now/.test(t)));
    assert.ok(problems.some((t) => /\/request\/user\/id.*invalidValue/.test(t)), problems.join('\n'));
    assert.equal(await page.locator('#gallery > li[data-name^="custom-"]').count(), 1);

    const mine = page.locator('#gallery > li[data-name="custom-1-contractor-with-a-day-old-totp"]');
    assert.equal(await mine.getAttribute('data-outcome'), 'stepUp'); // the contractor floor: AAL2 within 12 h
    await mine.locator(':scope > details > summary').click();
    assert.match(await mine.locator('.input-facts tr[data-field="methods"]').textContent(), /password 60 min ago, totp 20 h ago/);
    assert.match(await mine.locator('.input-facts tr[data-field="user"]').textContent(), /okta\|carla · contractor/);
    assert.match(await mine.locator('.verdict-facts tr[data-field="requirement"]').textContent(), /AAL2/);
    await mine.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(out, 'work-your-case.png') });

    // Upload: a bare request is a case too.
    const file = join(out, 'upload-case.json');
    writeFileSync(file, JSON.stringify({ now: '2026-11-23T10:00:00Z', user: { id: 'auth0|bob' }, session: { methods: [{ type: 'passkeySynced', at: '2026-11-23T09:59:00Z' }] } }));
    await page.setInputFiles('#cases-file', file);
    await page.waitForSelector('#gallery > li[data-name="custom-2-login-of-auth0-bob"]');
    assert.equal(await page.locator('#cases-errors li').count(), 0);
    assert.match(await text('#summary'), /\(2 of yours\)/);
  });

  test('the comparison exports as JSON and as a printable page', async () => {
    await edit(page, '"aal2S": 86400', '"aal2S": 2592000'); // a method counts 30 days at AAL2
    await edit(page, '"maxAgeS": 43200\n      },\n      "allowedFactors": [\n        "webauthnRoaming",\n        "webauthnPlatform",\n        "passkeySynced",\n        "push",\n        "totp"\n      ],\n      "selfService": true,\n      "interactiveLogin": true\n    },\n    "partner"', '"maxAgeS": 172800\n      },\n      "allowedFactors": [\n        "webauthnRoaming",\n        "webauthnPlatform",\n        "passkeySynced",\n        "push",\n        "totp"\n      ],\n      "selfService": true,\n      "interactiveLogin": true\n    },\n    "partner"');
    await page.click('#view-compare');
    assert.equal(await text('#weakening-count'), '2');
    const mine = page.locator('#compare > li[data-name="custom-1-contractor-with-a-day-old-totp"]');
    assert.equal(await mine.getAttribute('data-direction'), 'looser'); // a 20 h old TOTP counts under B's 48 h floor
    assert.match(await mine.locator(':scope > details > summary').textContent(), /stepUp→allow/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    assert.equal(download.suggestedFilename(), 'factorgate-comparison.json');
    const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(report.type, 'factorgatePolicyComparison');
    assert.equal(report.summary.weakenings, 2);
    assert.equal(report.summary.looser, Number(await text('#looser-count')));
    assert.deepEqual(report.policyChanges.map((c) => [c.path, c.direction]), [['/reauthentication/aal2S', 'weaker'], ['/userKinds/contractor/requirement/maxAgeS', 'weaker']]);
    const entry = report.cases.find((c) => c.name === 'custom-1-contractor-with-a-day-old-totp');
    assert.equal(entry.source, 'yours');
    assert.equal(entry.direction, 'looser');
    assert.deepEqual(entry.steps[0].outcome, { a: 'stepUp', b: 'allow' });
    assert.match(entry.inputs.methods, /totp 20 h ago/);
    assert.equal(report.cases.length, preview.built.cases + 2);

    const [printable] = await Promise.all([page.context().waitForEvent('page'), page.click('#export-print')]);
    await printable.waitForLoadState();
    assert.match(await printable.textContent('#report-verdict'), new RegExp(`${report.summary.looser} looser decisions · 2 policy weakenings`));
    assert.match(await printable.textContent('body'), /\/userKinds\/contractor\/requirement\/maxAgeS/);
    await printable.screenshot({ path: join(out, 'work-printable.png') });
    await printable.pdf({ path: join(out, 'work-printable.pdf'), format: 'A4' });
    await printable.close();
  });

  test('the work is kept in a link (compressed) and in this browser', async () => {
    await page.waitForSelector('#saved[data-saved="true"]');
    const link = page.url();
    assert.match(link, /#w=z[A-Za-z0-9_-]+$/);
    assert.ok(link.length < 8000, `the link is ${link.length} characters`);

    // Someone else opens the link: a fresh browser profile, nothing in its storage.
    const other = await preview.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const theirs = await other.newPage();
    const errors = collectPageErrors(theirs);
    await theirs.goto(link);
    await theirs.waitForSelector('#status[data-state="ready"]');
    assert.match(await theirs.textContent('#status'), /restored from the link/);
    assert.equal(await theirs.getAttribute('#view-compare', 'aria-selected'), 'true');
    assert.equal(await theirs.textContent('#weakening-count'), '2');
    assert.equal(await theirs.locator('#compare > li[data-name="custom-1-contractor-with-a-day-old-totp"]').count(), 1);
    assert.match(await theirs.inputValue('#policy'), /"aal2S": 2592000/);
    await theirs.screenshot({ path: join(out, 'work-from-link.png') });

    // The same browser without the link: localStorage brings it back.
    const again = await page.context().newPage();
    await again.goto(preview.site.url);
    await again.waitForSelector('#status[data-state="ready"]');
    assert.match(await again.textContent('#status'), /restored from this browser/);
    assert.equal(await again.locator('#gallery > li[data-name^="custom-"]').count(), 2);

    // A damaged link says so and falls back.
    await theirs.goto(`${preview.site.url}#w=zAAAA`);
    await theirs.reload();
    await theirs.waitForSelector('#status[data-state="error"]');
    assert.match(await theirs.textContent('#status'), /link is damaged/);
    assert.deepEqual(errors.filter((e) => !/damaged|decompress|Failed to fetch/i.test(e)), []);
    await other.close();
    await again.close();
  });
});
