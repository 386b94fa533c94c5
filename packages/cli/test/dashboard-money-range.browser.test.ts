// The dashboard over a store whose month passes 2^53 nano-USD (9,007,199 USD): the REST API refuses
// the figure (422 amount_out_of_range) and the dashboard shows its message instead of a rounded
// amount or a bare status (headless chromium, as dashboard.browser.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TokenmeterServer } from '../src/server/server.js';
import { launchChromium, noChromium } from './browser.js';
import { costedCall, makeStore, tempDir, USD } from './helpers.js';
import { serve } from './server-helpers.js';

describe('dashboard with sums beyond 2^53 nano-USD (headless chromium)', { skip: noChromium }, () => {
  const dir = tempDir({ after });
  let server: TokenmeterServer;
  let browser: Browser;

  before(async () => {
    // Three calls of $4,000,000 and 1 nano-USD in the last minute: today's total is 1.2e16 + 3 nano-USD.
    const now = Date.now();
    const calls = [1, 2, 3].map((i) =>
      costedCall({
        at: now - i * 1000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 1000,
        output: 10,
        nanos: 4_000_000 * USD + 1,
      }),
    );
    server = await serve({ after: () => {} }, makeStore(dir, calls), { now: () => Date.now() });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the overview shows the API’s one-line refusal naming 9,007,199 USD and a shorter period, not a rounded amount', async () => {
    const page = await (await browser.newContext({ timezoneId: 'UTC' })).newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#view-overview[data-state=error]', { timeout: 15_000 });
    const banner = page.locator('#error');
    assert.equal(await banner.isVisible(), true);
    const text = (await banner.textContent()) ?? '';
    assert.match(text, /beyond 9,007,199 USD \(2\^53 nano-USD/);
    assert.match(text, /shorter period/);
    assert.doesNotMatch((await page.locator('#view-overview').textContent()) ?? '', /\$12,000,000/);
  });
});
