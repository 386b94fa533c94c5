// Headless chromium for the dashboard tests: Debian's /usr/bin/chromium (or CHROMIUM_PATH) driven
// by playwright-core. CI installs it, so there a missing browser fails instead of skipping.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A browser suite's `skip` option: why it cannot run here, or false. */
export const noChromium: string | false =
  !existsSync(CHROMIUM) && !process.env.TOKENMETER_CI
    ? `no chromium at ${CHROMIUM} (apt-get install chromium)`
    : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
