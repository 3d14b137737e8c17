// Step-up end to end: the example provider (oidc-provider + factorgate from the built package) and
// relying party (openid-client) on loopback, driven in headless Chromium with playwright-core.
// WebAuthn goes through Chromium's virtual authenticator (a CTAP2 USB security key), TOTP through
// otpauth computing the code an authenticator app would show.
//
//   node --test examples/oidc/oidc.test.mjs        (make test runs it after building pkg/)
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

/** A fresh browser profile (no IdP session) with a page and, optionally, a virtual security key. */
async function freshPage({ securityKey = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  let key = null;
  if (securityKey) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true,
      },
    });
    key = { cdp, authenticatorId };
  }
  return { context, page, errors, key };
}

async function password(page, user) {
  await page.fill('#username', user);
  await page.fill('#password', idp.users.get(user).password);
  await page.click('#submit');
}

async function totp(page, user, code = totpOf(idp.users.get(user)).generate()) {
  await page.fill('#code', code);
  await page.click('#submit');
}

/** A code that is not valid for this user now (nor in the ±1 step window the provider accepts). */
function wrongCode(user) {
  const t = totpOf(idp.users.get(user));
  const valid = new Set([-30_000, 0, 30_000].map((d) => t.generate({ timestamp: Date.now() + d })));
  for (let n = 0; ; n += 1) {
    const code = String((123_456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

async function verdict(page) {
  await page.waitForSelector('#verdict');
  const ok = await page.getAttribute('#verdict', 'data-ok');
  const claimsText = (await page.locator('#claims').count()) ? await page.textContent('#claims') : null;
  return { ok: ok === 'true', claims: claimsText && JSON.parse(claimsText), text: await page.textContent('#verdict') };
}

const outcomeShown = (page) => page.getAttribute('#why', 'data-outcome');

describe('OIDC step-up through oidc-provider, decided by factorgate', () => {
  test('TOTP: a second factor for urn:okta:loa:2fa:any; wrong password and wrong code refused', async () => {
    const { context, page, errors } = await freshPage();
    await page.goto(`${rp.origin}/login?acr=urn:okta:loa:2fa:any`);
    await page.fill('#username', 'bob');
    await page.fill('#password', 'not-the-password');
    await page.click('#submit');
    assert.match(await page.textContent('#error'), /wrong password/);

    await password(page, 'bob');
    await page.waitForSelector('#code');
    assert.equal(await outcomeShown(page), 'stepUp');
    await totp(page, 'bob', wrongCode('bob'));
    assert.match(await page.textContent('#error'), /not accepted/);
    await totp(page, 'bob');

    const { ok, claims } = await verdict(page);
    await page.screenshot({ path: join(out, 'oidc-totp-signed-in.png'), fullPage: true });
    assert.equal(ok, true);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.acr, 'urn:okta:loa:2fa:any');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

    // The same browser, its provider session proved 2fa only: asking for phr signs in again,
    // it does not ride on that session.
    await page.goto(`${rp.origin}/login?acr=phr`);
    await page.waitForSelector('#username');
    // ...while asking for what the session proved does ride on it (no interaction).
    await page.goto(`${rp.origin}/login?acr=urn:okta:loa:2fa:any`);
    const again = await verdict(page);
    assert.equal(again.ok, true);
    assert.equal(again.claims.acr, 'urn:okta:loa:2fa:any');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('phr: a TOTP-only user enrolls a security key (gated by factorgate, stepped up with TOTP), then signs in with it', async () => {
    const { context, page, errors, key } = await freshPage({ securityKey: true });
    await page.goto(`${rp.origin}/login?acr=phr`);
    await password(page, 'carol');

    // Nothing carol has can prove phr: factorgate says enroll (requestedAcr among the reasons).
    await page.waitForSelector('#enroll-webauthnRoaming');
    assert.equal(await outcomeShown(page), 'enroll');
    assert.match(await page.textContent('#why'), /requestedAcr/);
    await page.screenshot({ path: join(out, 'oidc-enroll.png'), fullPage: true });
    await page.click('#enroll-webauthnRoaming');

    // Binding needs AAL2 within 15 minutes: the gate (assessFactorChange) asks for her TOTP first.
    await page.waitForSelector('#code');
    assert.equal(await outcomeShown(page), 'stepUp');
    await totp(page, 'carol');

    // Now the gate allows it: register the key with the virtual authenticator.
    await page.waitForSelector('text=Register your security key');
    await page.click('#go');

    // The login decision asks for the new key (phishing-resistant), then allows.
    await page.waitForSelector('text=Use your security key');
    assert.equal(await outcomeShown(page), 'stepUp');
    await page.click('#go');

    const { ok, claims } = await verdict(page);
    await page.screenshot({ path: join(out, 'oidc-phr-signed-in.png'), fullPage: true });
    assert.equal(ok, true, 'the relying party accepted the ID token');
    assert.equal(claims.sub, 'carol');
    assert.equal(claims.acr, 'phr');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'hwk', 'mfa']);

    const carol = idp.users.get('carol');
    assert.equal(carol.credentials.length, 1);
    assert.equal(carol.credentials[0].type, 'webauthnRoaming');
    assert.deepEqual(idp.outbox.filter((n) => n.to === 'carol').map((n) => n.template), ['factorAdded']);
    const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
    assert.equal(credentials.length, 1);
    assert.ok(credentials[0].signCount >= 1, 'the key signed an assertion');
    assert.deepEqual(errors, []);
    await context.close();

    // A new browser with the same key plugged in (the credential copied into a new virtual
    // authenticator): password, then the key; no TOTP this time.
    const second = await freshPage({ securityKey: true });
    await second.key.cdp.send('WebAuthn.addCredential', { authenticatorId: second.key.authenticatorId, credential: credentials[0] });
    await second.page.goto(`${rp.origin}/login?acr=phr`);
    await password(second.page, 'carol');
    await second.page.waitForSelector('text=Use your security key');
    await second.page.click('#go');
    const again = await verdict(second.page);
    assert.equal(again.ok, true);
    assert.equal(again.claims.acr, 'phr');
    assert.deepEqual(again.claims.amr, ['pwd', 'hwk', 'mfa']);
    assert.deepEqual(second.errors, []);
    await second.context.close();
  });

  test('phr refused: a TOTP-only user who declines enrollment gets an ID token without phr, and the app refuses it', async () => {
    const { context, page, errors } = await freshPage();
    await page.goto(`${rp.origin}/login?acr=phr`);
    await password(page, 'dave');
    await page.waitForSelector('#skip');
    await page.click('#skip');

    // Without the acr request, the application's own tier still needs AAL2: TOTP.
    await page.waitForSelector('#code');
    await totp(page, 'dave');

    const { ok, claims, text } = await verdict(page);
    await page.screenshot({ path: join(out, 'oidc-phr-refused.png'), fullPage: true });
    assert.equal(ok, false);
    assert.match(text, /Access refused/);
    assert.notEqual(claims.acr, 'phr');
    assert.equal(claims.acr, undefined);
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(idp.users.get('dave').credentials.length, 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the provider kept one signed memory per user, from the decision that ended each login', () => {
    for (const id of ['bob', 'carol', 'dave']) {
      assert.equal(typeof idp.users.get(id).state, 'string', `${id} has state`);
    }
    // Every decision carried reasons; the phr requests were explained by requestedAcr.
    assert.ok(idp.log.every((d) => d.reasons.length > 0));
    assert.ok(idp.log.some((d) => d.user === 'dave' && d.outcome === 'enroll' && d.reasons.includes('requestedAcr')));
  });
});
