// Headless Chromium for the examples' browser tests: Debian's `chromium` (scripts/setup.sh installs
// it; FG_CHROMIUM points elsewhere) driven by npm `playwright-core`, which never downloads a browser.
// The flags keep Chromium off the network (this machine's closed network refuses its background
// connections) and give it a fresh temporary profile, which Playwright makes and removes.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.FG_CHROMIUM || '/usr/bin/chromium';

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup.sh --for test (apt-get install chromium) or set FG_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
}

/** Fails the test with the page's own errors when the page logged any (console errors, exceptions). */
export function collectPageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
