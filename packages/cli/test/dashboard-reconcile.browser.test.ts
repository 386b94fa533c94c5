// The reconciliation view in a real headless browser (Debian's chromium driven by playwright-core),
// and serve's GET /v1/reconcile behind it, against the mock provider's admin cost and usage reports.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import type { CallInput } from '@tokenmeter/store';
import type { Browser, Page } from 'playwright-core';
import { formatUsd } from '../src/format/money.js';
import { startServer, type TokenmeterServer } from '../src/server/server.js';
import { launchChromium, noChromium } from './browser.js';
import { costedCall, makeStore, NOW, PACKAGE_ROOT, tempDir } from './helpers.js';

const SHOTS = path.join(PACKAGE_ROOT, 'test-results');
const ADMIN_KEY = 'sk-admin-dashboard-test-key';
const D20 = Date.UTC(2026, 10, 20, 9);
const D21 = Date.UTC(2026, 10, 21, 15);

function call(at: number, model: string, input: number, output: number, nanos: number): CallInput {
  return costedCall({ at, provider: 'openai', model, input, output, nanos });
}

/**
 * The mock's bill (its list prices): 11-20 gpt-4o-mini 1M input, 100k output = $0.15 + $0.06 = $0.21;
 * 11-21 gpt-4o 100k input, 10k output = $0.35. The store: 11-20 $0.10 over half the tokens (drift
 * −52.4%, never saw $0.105), 11-21 $0.35 on the same tokens (no drift).
 */
async function setup(
  t: { after: (fn: () => void) => void },
  mock: MockProvider,
  env: Record<string, string>,
) {
  mock.reset();
  mock.billing.add({
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    time: D20,
    inputTokens: 1_000_000,
    outputTokens: 100_000,
  });
  mock.billing.add({
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    time: D21,
    inputTokens: 100_000,
    outputTokens: 10_000,
  });
  const file = makeStore(tempDir(t), [
    call(D20, 'gpt-4o-mini-2024-07-18', 500_000, 50_000, 100_000_000),
    call(D21, 'gpt-4o-2024-08-06', 100_000, 10_000, 350_000_000),
  ]);
  return startServer({
    storePath: file,
    port: 0,
    packageRoot: PACKAGE_ROOT,
    log: () => {},
    now: () => NOW,
    env,
  });
}

describe('GET /v1/reconcile', () => {
  let mock: MockProvider;
  before(async () => {
    mock = await startMockProvider({ adminKey: ADMIN_KEY });
  });
  after(() => mock.close());

  it('runs only when asked, answers the reconcile JSON, and never sends the admin key to the client', async (t) => {
    const server = await setup(t, mock, { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: mock.openaiBaseURL });
    t.after(() => server.close());
    assert.equal(mock.requests.length, 0, 'nothing asked of the provider at start-up');
    const res = await fetch(
      `${server.url}/v1/reconcile?provider=openai&since=2026-11-20&until=2026-11-21&tz=UTC`,
    );
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(ADMIN_KEY));
    const j = JSON.parse(text);
    assert.equal(j.by, 'day');
    assert.deepEqual(
      j.rows.map((r: { day: string; provider: { costNanos: number }; tokenmeter: { costNanos: number } }) => [
        r.day,
        r.provider.costNanos,
        r.tokenmeter.costNanos,
      ]),
      [
        ['2026-11-20', 210_000_000, 100_000_000],
        ['2026-11-21', 350_000_000, 350_000_000],
      ],
    );
    assert.equal(j.totals.neverSawNanos, 105_000_000);
    assert.equal(mock.requests.filter((q) => q.route === 'openai.costs').length, 1);
  });

  it('a missing key is a 503 naming the variable; a bad parameter a 400 naming it; a refused key a 502', async (t) => {
    const noKey = await setup(t, mock, {});
    t.after(() => noKey.close());
    const a = await fetch(`${noKey.url}/v1/reconcile?provider=openai&since=2026-11-20`);
    assert.equal(a.status, 503);
    const body = (await a.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'not_configured');
    assert.match(body.error.message, /OPENAI_ADMIN_KEY is not set/);
    const b = await fetch(`${noKey.url}/v1/reconcile?provider=gemini`);
    assert.equal(b.status, 400);
    assert.equal(((await b.json()) as { error: { parameter: string } }).error.parameter, 'provider');
    const c = await fetch(`${noKey.url}/v1/reconcile?provider=openai&tz=Europe/Paris`);
    assert.equal(((await c.json()) as { error: { parameter: string } }).error.parameter, 'tz');
    const wrong = await setup(t, mock, {
      OPENAI_ADMIN_KEY: 'sk-admin-wrong',
      OPENAI_BASE_URL: mock.openaiBaseURL,
    });
    t.after(() => wrong.close());
    const d = await fetch(`${wrong.url}/v1/reconcile?provider=openai&since=2026-11-20`);
    assert.equal(d.status, 502);
    assert.match(
      ((await d.json()) as { error: { message: string } }).error.message,
      /refused OPENAI_ADMIN_KEY \(HTTP 401/,
    );
  });
});

describe('dashboard reconciliation view (headless chromium)', { skip: noChromium }, () => {
  let mock: MockProvider;
  let server: TokenmeterServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mock = await startMockProvider({ adminKey: ADMIN_KEY });
    server = await setup({ after }, mock, {
      OPENAI_ADMIN_KEY: ADMIN_KEY,
      OPENAI_BASE_URL: mock.openaiBaseURL,
    });
    browser = await launchChromium();
    page = await (
      await browser.newContext({ viewport: { width: 1366, height: 800 }, timezoneId: 'UTC' })
    ).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await mock?.close();
  });

  it('shows provider vs tokenmeter per day after Compare, with the drifting day highlighted', async () => {
    await page.goto(`${server.url}/?view=reconcile&period=custom&since=2026-11-20&until=2026-11-21`);
    await page.waitForSelector('#view-reconcile[data-state=ready]', { timeout: 15_000 });
    assert.equal(await page.locator('#reconcile-result').getAttribute('data-state'), 'idle');
    assert.equal(mock.requests.length, 0, 'opening the view asks nothing of the provider');
    await page.selectOption('#reconcile-provider', 'openai');
    await page.click('#reconcile-run');
    await page.waitForSelector('#reconcile-result[data-state=ready]', { timeout: 15_000 });
    const rows = page.locator('#reconcile-table tbody tr');
    assert.equal(await rows.count(), 2);
    const d20 = page.locator('#reconcile-table tr[data-day="2026-11-20"]');
    assert.equal(await d20.locator('[data-role=provider]').getAttribute('data-nanos'), '210000000');
    assert.equal(await d20.locator('[data-role=tokenmeter]').getAttribute('data-nanos'), '100000000');
    assert.equal(await d20.locator('[data-role=provider]').textContent(), formatUsd(210_000_000));
    assert.equal(await d20.locator('[data-role=drift-pct]').textContent(), '-52.4%');
    assert.equal(await d20.locator('[data-role=never-saw]').textContent(), formatUsd(105_000_000));
    assert.match((await d20.getAttribute('class')) ?? '', /drift-high/);
    const d21 = page.locator('#reconcile-table tr[data-day="2026-11-21"]');
    assert.doesNotMatch((await d21.getAttribute('class')) ?? '', /drift-high/);
    assert.equal(await d21.locator('[data-role=drift-pct]').textContent(), '0.0%');
    const total = page.locator('#reconcile-table tfoot tr');
    assert.equal(await total.locator('[data-role=provider]').getAttribute('data-nanos'), '560000000');
    assert.match((await page.locator('[data-role=summary]').textContent()) ?? '', /openai reports \$0\.56/);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-reconcile.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });

  it('a provider that refuses shows one clear line in the view', async () => {
    mock.billing.failNext({ status: 503, retryAfterSeconds: 0 }, 5);
    await page.click('#reconcile-run');
    await page.waitForSelector('#reconcile-result[data-state=error]', { timeout: 60_000 });
    assert.match(
      (await page.locator('#reconcile-result .error').textContent()) ?? '',
      /Could not reconcile: openai admin API answered HTTP 503 5 times/,
    );
  });
});
