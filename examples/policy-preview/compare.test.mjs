// Compare A → B in headless Chromium: the whole decision is diffed and each change classed
// looser or stricter, and the policy documents' own weakenings are counted at the top, even when
// no case of the gallery decides differently. Screenshots to out/.
//
//   node --test examples/policy-preview/compare.test.mjs
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as fg from 'factorgate';
import { edit, openPreview, out, paste } from './harness.mjs';

let preview;
let page;

before(async () => {
  preview = await openPreview({ outdir: join(out, 'dist-compare') });
  ({ page } = preview);
});
after(async () => {
  await preview?.close();
});

const text = (sel) => page.textContent(sel);
const policyText = (mutate) => {
  const p = fg.defaultPolicy();
  mutate(p);
  return JSON.stringify(p, null, 2);
};

describe('Compare A → B', () => {
  test('re-authentication from 24 h to 30 days and approval expiry from 1 h to 7 days are weakenings, and the approvals they reach are looser', async () => {
    await edit(page, '"aal2S": 86400', '"aal2S": 2592000');
    await edit(page, '"approvalExpiresInS": 3600', '"approvalExpiresInS": 604800');
    await page.click('#view-compare');

    // Never "alike": the counts are at the top.
    assert.doesNotMatch(await text('#compare'), /decide every case alike/);
    assert.equal(await page.isVisible('#verdict'), true);
    assert.equal(await text('#weakening-count'), '2');
    const looser = Number(await text('#looser-count'));
    assert.ok(looser >= 5, `${looser} looser decisions`);
    assert.equal(await page.getAttribute('#verdict', 'data-weaker'), 'true');
    assert.match(await text('#looser-badge'), new RegExp(`${looser} looser · 2 weaker`));

    const reauth = page.locator('#policy-changes li[data-path="/reauthentication/aal2S"]');
    assert.equal(await reauth.getAttribute('data-direction'), 'weaker');
    assert.match(await reauth.textContent(), /24 h → 30 d/);
    const expiry = page.locator('#policy-changes li[data-path="/risk/factorChange/approvalExpiresInS"]');
    assert.equal(await expiry.getAttribute('data-direction'), 'weaker');
    assert.match(await expiry.textContent(), /1 h → 7 d/);

    // A case that needs approval: same outcome, but the approval lasts a week.
    const held = page.locator('#compare > li[data-name="change-08-helpdesk-change-on-privileged-admin-needs-soc"]');
    assert.equal(await held.getAttribute('data-direction'), 'looser');
    assert.equal(await held.getAttribute('data-outcome-changed'), 'false');
    await held.locator(':scope > details > summary').click();
    const row = held.locator('table.changes tr[data-field="approval.expiresInS"]');
    assert.equal(await row.getAttribute('data-direction'), 'looser');
    assert.match(await row.textContent(), /1 h.*7 d/);
    // Its inputs beside it.
    assert.match(await held.locator('.input-facts tr[data-field="change"]').textContent(), /by helpdesk/);
    await page.screenshot({ path: join(out, 'compare-weakened.png') });
    await held.locator(':scope > details > summary').click();
  });

  test('a weakening no case exercises is still counted, and said so', async () => {
    await paste(page, policyText((p) => {
      p.signals.dormantS = 365 * 86400; // dormant after a year instead of 90 days
    }));
    assert.equal(await text('#weakening-count'), '1');
    assert.match(await text('#policy-changes li[data-path="/signals/dormantS"]'), /90 d → 365 d/);
    const looser = Number(await text('#looser-count'));
    if (looser === 0) assert.match(await text('#compare'), /policies differ in 1 place \(1 weaker\)/);
  });

  test('every part of the decision is compared and classed: outcome, requirement, alerts, reasons, enrollment', async () => {
    await paste(page, policyText((p) => {
      p.requirements.medium.minAal = 1; // a tier lowered
      p.risk.weights.newCountry = 5; // a weight lowered
      p.risk.levels.high = 60; // a threshold raised
      p.alerts.detectionAt = 'critical'; // alerts later
      p.enrollment.restrictedFactors = 'allow'; // restricted factors allowed
    }));
    assert.equal(await text('#weakening-count'), '5');
    assert.equal(await page.locator('#policy-changes li[data-direction="weaker"]').count(), 5);
    assert.equal(await text('#stricter-count'), '0');
    const fields = new Set(await page.$$eval('#compare table.changes tr[data-direction="looser"]', (rows) => rows.map((r) => r.dataset.field)));
    for (const f of ['outcome', 'alerts', 'reasons.newCountry', 'risk.score']) assert.ok(fields.has(f), `a looser ${f} (looser fields: ${[...fields].join(', ')})`);
    assert.equal(await page.locator('#compare table.changes tr[data-direction="stricter"]').count(), 0);
    await page.screenshot({ path: join(out, 'compare-whole-decision.png') });

    // The other way round, every one of them is stricter.
    await page.click('#copy-b-to-a');
    await page.click('#tab-b');
    await paste(page, JSON.stringify(fg.defaultPolicy(), null, 2));
    assert.equal(await text('#weakening-count'), '0');
    assert.equal(await text('#looser-count'), '0');
    assert.equal(await page.locator('#policy-changes li[data-direction="stricter"]').count(), 5);
    assert.ok(Number(await text('#stricter-count')) >= 5);
    assert.equal(await page.getAttribute('#verdict', 'data-weaker'), 'false');
    await page.click('#reset');
    assert.match(await text('#compare'), /same policy and decide every case alike/);
  });
});
