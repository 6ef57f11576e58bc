import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for the browser suites (GraphiQL, the console): Debian's package
 * (/usr/bin/chromium or CHROMIUM_PATH; scripts/ensure-chromium.sh installs it), driven by
 * playwright-core. Nothing is downloaded.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}
