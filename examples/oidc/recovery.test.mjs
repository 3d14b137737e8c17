// Self-service recovery end to end, in headless Chromium (playwright-core): the example provider
// (oidc-provider + factorgate from the built package) and relying party (openid-client) on
// loopback. A user whose security key is lost recovers with a saved code and her password and
// binds a new passkey (Chromium's virtual authenticator: an internal, backup-eligible
// credential); the lost key is suspended, she is told, and removing a factor inside the
// restriction window is held. A privileged user's same journey is held for the SOC, approved in
// the SOC console (grantApproval) by a SOC analyst signed in through the same provider, and
// then succeeds with a new security key (a virtual CTAP2 USB key).
//
//   node --test examples/oidc/recovery.test.mjs        (make test runs it after building pkg/)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectPageErrors, launchChromium } from '../chromium.mjs';
import { startIdp, totpOf } from './idp.mjs';
import { startRp } from './rp.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(out, { recursive: true });

let idp;
let rp;
let browser;

before(async () => {
  rp = await startRp();
  idp = await startIdp({ clients: [rp.metadata] });
  await rp.connect(idp.issuer);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all([idp?.close(), rp?.close()]);
});

// Virtual authenticators (CDP WebAuthn domain): a passkey provider (internal transport, the
// credential backup-eligible and backed up: a synced passkey) or a CTAP2 USB security key.
const AUTHENTICATORS = {
  passkey: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, defaultBackupEligibility: true, defaultBackupState: true },
  securityKey: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
};

async function freshPage(authenticator) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  let key = null;
  if (authenticator) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATORS[authenticator] });
    key = { cdp, authenticatorId };
  }
  return { context, page, errors, key };
}

async function password(page, user) {
  await page.fill('#username', user);
  await page.fill('#password', idp.users.get(user).password);
  await page.click('#submit');
}

async function verdict(page) {
  await page.waitForSelector('#verdict');
  const ok = await page.getAttribute('#verdict', 'data-ok');
  const claimsText = (await page.locator('#claims').count()) ? await page.textContent('#claims') : null;
  return { ok: ok === 'true', claims: claimsText && JSON.parse(claimsText), text: await page.textContent('#verdict') };
}

const lostKeyOf = (user) => idp.users.get(user).credentials[0].id; // the example users' lost keys
const outcomeShown = (page) => page.getAttribute('#why', 'data-outcome');
const reasonsShown = async (page) => (await page.locator('#why li code').allTextContents());

/** Password, then "I lost my security key", then a saved recovery code (a wrong one first). */
async function recoverWithSavedCode(page, user) {
  await page.goto(`${rp.origin}/login?acr=phr`);
  await password(page, user);
  await page.waitForSelector('text=Use your security key');
  assert.equal(await outcomeShown(page), 'stepUp');
  await page.click('#lost');

  await page.waitForSelector('#code');
  assert.equal(await page.isChecked(`#lost-${lostKeyOf(user)}`), true, 'the key they lost is named');
  await page.fill('#code', 'NOT-A-SAVED-CODE');
  await page.click('#submit');
  assert.match(await page.textContent('#error'), /not accepted/);
  await page.fill('#code', idp.users.get(user).savedCodes[0].toLowerCase()); // as she typed it
  await page.click('#submit');
}

describe('self-service recovery through oidc-provider, decided by factorgate', () => {
  test('lost security key: a saved code and the password recover the account, a new passkey is bound, the lost key suspended, the user told; a removal in the restriction window is held', async () => {
    const { context, page, errors, key } = await freshPage('passkey');
    await recoverWithSavedCode(page, 'erin');

    // factorgate (recover, phase before): one code and the password she still has meet what an
    // AAL3 account proofed below IAL3 needs (NIST SP 800-63B rev 4 §4.2): the session proves AAL2.
    await page.waitForSelector('#rebind-passkeySynced');
    assert.equal(await outcomeShown(page), 'allow');
    assert.equal(await page.getAttribute('#recovered', 'data-aal'), '2');
    assert.ok((await reasonsShown(page)).includes('recoveryEvidence'));
    assert.ok((await page.textContent('#recovery')).includes(`suspends ${lostKeyOf('erin')}`));
    const restrictedUntil = Date.parse(await page.getAttribute('#recovery', 'data-restricted-until'));
    assert.ok(restrictedUntil > Date.now() + 71 * 3600_000, 'restricted for 72 h');
    await page.screenshot({ path: join(out, 'oidc-recovery-evidence.png'), fullPage: true });
    await page.click('#rebind-passkeySynced');

    // The gate allows binding: register a passkey with the virtual authenticator.
    await page.waitForSelector('text=Register your passkey');
    assert.match(await page.textContent('main'), /Your account is recovered/);
    await page.click('#go');

    // The login decision then asks for the new passkey (phishing-resistant), and allows.
    await page.waitForSelector('text=Use your passkey');
    assert.equal(await outcomeShown(page), 'stepUp');
    await page.click('#go');
    const { ok, claims } = await verdict(page);
    await page.screenshot({ path: join(out, 'oidc-recovered-signed-in.png'), fullPage: true });
    assert.equal(ok, true, 'the relying party accepted the ID token');
    assert.equal(claims.sub, 'erin');
    assert.equal(claims.acr, 'phr');

    const erin = idp.users.get('erin');
    const lost = erin.credentials[0];
    assert.equal(lost.suspended, true, 'decision.recovery.invalidate: the lost key is suspended');
    const added = erin.credentials.filter((c) => !c.suspended);
    assert.deepEqual(added.map((c) => c.type), ['passkeySynced'], 'a backed-up credential is a synced passkey');
    assert.ok(erin.recoveryCodes[0].usedAt, 'the saved code is used up');
    assert.equal(typeof erin.recoveredAt, 'string');
    assert.deepEqual(idp.outbox.filter((n) => n.to === 'erin').map((n) => [n.channel, n.template, n.status]), [['all', 'accountRecovered', 'done']], 'told on every channel');
    const recovered = idp.log.filter((d) => d.user === 'erin' && d.action === 'recover' && d.outcome === 'allow').at(-1);
    assert.deepEqual(recovered.recovery.invalidate, [lost.id]);
    assert.ok(recovered.recovery.mayBind.includes('passkeySynced'));
    const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
    assert.equal(credentials.length, 1);

    // Her account page, in the same provider session: the lost key shows suspended; removing
    // her authenticator app now is held (the state carries the recovery: recoveryRestricted).
    await page.goto(`${idp.issuer}/account`);
    assert.equal(await page.getAttribute(`#factor-${lost.id}`, 'data-suspended'), 'true');
    await page.click('#remove-erin-totp');
    await page.waitForSelector('#held');
    await page.screenshot({ path: join(out, 'oidc-recovery-removal-held.png'), fullPage: true });
    assert.equal(await outcomeShown(page), 'approval');
    assert.ok((await reasonsShown(page)).includes('recoveryRestricted'), (await reasonsShown(page)).join());
    assert.ok(erin.totp, 'not removed');
    assert.ok(await page.isVisible('#remove-erin-totp'));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a privileged user's recovery is held for the SOC, approved in the SOC console through grantApproval, then succeeds", async () => {
    const frankPage = await freshPage('securityKey');
    const { page } = frankPage;
    await recoverWithSavedCode(page, 'frank');
    await page.waitForSelector('#rebind-webauthnRoaming');
    await page.click('#rebind-webauthnRoaming');

    // Enough evidence, but a privileged account's self-service recovery needs the SOC.
    await page.waitForSelector('#waiting');
    assert.equal(await outcomeShown(page), 'approval');
    assert.match(await page.textContent('#approval'), /approval by soc/);
    const approvalId = await page.getAttribute('#waiting', 'data-approval-id');
    assert.match(approvalId, /^[0-9a-f]{32}$/);
    assert.deepEqual(idp.outbox.filter((n) => n.to === 'frank').map((n) => [n.template, n.status]), [['accountRecovered', 'held']], 'a held recovery is told too');
    await page.screenshot({ path: join(out, 'oidc-recovery-waiting-for-soc.png'), fullPage: true });

    // The SOC console needs a SOC analyst's session with a second factor: frank has none.
    const nobody = await frankPage.context.request.get(`${idp.issuer}/soc`);
    assert.equal(nobody.status(), 401);

    // sofia (SOC) signs in through the application with her password and TOTP, then approves.
    const soc = await freshPage();
    await soc.page.goto(`${rp.origin}/login?acr=urn:okta:loa:2fa:any`);
    await password(soc.page, 'sofia');
    await soc.page.waitForSelector('#code');
    await soc.page.fill('#code', totpOf(idp.users.get('sofia')).generate());
    await soc.page.click('#submit');
    assert.equal((await verdict(soc.page)).ok, true);
    await soc.page.goto(`${idp.issuer}/soc`);
    assert.equal(await soc.page.getAttribute(`#approval-${approvalId}`, 'data-status'), 'pending');
    assert.match(await soc.page.textContent(`#approval-${approvalId}`), /frank: recover and bind a security key/);
    assert.match(await soc.page.textContent(`#approval-${approvalId}`), /privilegedUser/);
    await soc.page.click(`#approve-${approvalId}`);
    assert.match(await soc.page.textContent('#notice'), /Approved/);
    assert.equal(await soc.page.getAttribute(`#approval-${approvalId}`, 'data-status'), 'granted');
    await soc.page.screenshot({ path: join(out, 'oidc-recovery-soc-approved.png'), fullPage: true });
    assert.deepEqual(idp.approvals.get(approvalId).approver, { kind: 'soc', id: 'sofia' });

    // frank's page continues by itself: the recovery resubmitted with the grant is allowed.
    await page.waitForSelector('text=Register your security key');
    assert.equal(await outcomeShown(page), 'allow');
    assert.ok((await reasonsShown(page)).includes('approvalGranted'));
    await page.click('#go');
    await page.waitForSelector('text=Use your security key');
    await page.click('#go');
    const { ok, claims } = await verdict(page);
    assert.equal(ok, true);
    assert.equal(claims.sub, 'frank');
    assert.equal(claims.acr, 'phr');

    const frank = idp.users.get('frank');
    assert.equal(frank.credentials[0].suspended, true);
    assert.deepEqual(frank.credentials.filter((c) => !c.suspended).map((c) => c.type), ['webauthnRoaming']);
    assert.equal(idp.approvals.get(approvalId).status, 'used');
    const decided = idp.log.filter((d) => d.user === 'frank' && d.action === 'recover').map((d) => d.outcome);
    assert.ok(decided.indexOf('approval') < decided.lastIndexOf('allow'), decided.join());
    assert.ok(idp.log.some((d) => d.user === 'frank' && d.action === 'recover' && d.outcome === 'allow' && d.reasons.includes('approvalGranted')));
    assert.deepEqual(idp.outbox.filter((n) => n.to === 'frank').map((n) => n.status), ['held', 'done']);
    assert.deepEqual(frankPage.errors, []);
    assert.deepEqual(soc.errors, []);
    await Promise.all([frankPage.context.close(), soc.context.close()]);
  });
});
