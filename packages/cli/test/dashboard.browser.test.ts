// The dashboard in a real headless browser (Debian's chromium driven by playwright-core), on a store
// filled by a real `tokenmeter demo` run. Screenshots go to packages/cli/test-results/ (gitignored).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { budgetSpend, listBudgets, parseBudgetsFile } from '@tokenmeter/budgets';
import { openStore, periodBounds } from '@tokenmeter/store';
import type { Browser, Page } from 'playwright-core';
import { formatUsd } from '../src/format/money.js';
import { type ServeOptions, startServer, type TokenmeterServer } from '../src/server/server.js';
import { launchChromium, noChromium } from './browser.js';
import { PACKAGE_ROOT, pricedCall, run, spawnCli, tempDir, withStore } from './helpers.js';

const SHOTS = path.join(PACKAGE_ROOT, 'test-results');
const TZ = 'UTC';

describe('dashboard (headless chromium)', { skip: noChromium }, () => {
  const dir = tempDir({ after });
  const file = path.join(dir, 'demo.db');
  let server: TokenmeterServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const demo = await spawnCli(['demo', '--calls', '80', '--store', file]);
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
    // One call read from batch results, as the preload stores it.
    const store = openStore(file);
    store.insertMany([
      {
        ...pricedCall({
          at: Date.now() - 60_000,
          provider: 'openai',
          model: 'gpt-4o-mini',
          input: 900,
          output: 90,
        }),
        batch: true,
        batchId: 'batch_dash123',
        batchCustomId: 'nightly-42',
      },
    ]);
    store.close();
    await run(['budget', 'set', '0.5', '--period', 'month', '--store', file]);
    await run(['budget', 'set', '0.05', '--period', 'day', '--store', file]);
    const options: ServeOptions = {
      storePath: file,
      port: 0,
      packageRoot: PACKAGE_ROOT,
      pollMs: 100,
      log: () => {},
      budgets: parseBudgetsFile(
        'budgets: [{ name: agents-24h, limit_usd: 40, period: "rolling:24h", feature: support-chat, action: block }]',
      ).budgets,
    };
    server = await startServer(options);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      timezoneId: TZ,
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function ready(view: string): Promise<void> {
    await page.waitForSelector(`#view-${view}[data-state=ready]`, { timeout: 15_000 });
  }

  it('overview: spend today / week / month equal to the store, with the budget, the forecast and live calls', async () => {
    const monthForecast = page.waitForResponse(
      (r) => r.url().includes('/v1/telemetry/summary?period=month') && r.url().includes('forecast=true'),
    );
    await page.goto(`${server.url}/`);
    await ready('overview');
    // The month card shows the REST summary's forecast: the demo's 30 days of history make it seasonal.
    const forecast = (await (await monthForecast).json()).forecast.total;
    assert.equal(forecast.method, 'seasonal-weekly');
    const proj = page.locator('.card[data-period=month] [data-role=projection]');
    assert.equal(await proj.getAttribute('data-nanos'), String(forecast.expectedNanos));
    assert.equal(await proj.getAttribute('data-method'), 'seasonal-weekly');
    assert.equal(
      await proj.textContent(),
      `Forecast ${formatUsd(forecast.expectedNanos)} by end of month (${formatUsd(forecast.lowNanos)} – ${formatUsd(forecast.highNanos)})`,
    );
    assert.ok(forecast.lowNanos <= forecast.expectedNanos && forecast.expectedNanos <= forecast.highNanos);
    const now = Date.now();
    for (const [period, storePeriod] of [
      ['today', 'day'],
      ['week', 'week'],
      ['month', 'month'],
    ] as const) {
      const b = periodBounds(storePeriod, now, TZ);
      const nanos = withStore(file, (s) => s.summary({ since: b.startMs, until: b.endMs }).totals.costNanos);
      const spent = page.locator(`.card[data-period=${period}] [data-role=spent]`);
      assert.equal(await spent.getAttribute('data-nanos'), String(nanos), period);
      assert.equal(await spent.textContent(), formatUsd(nanos), period);
    }
    const meter = page.locator('.card[data-period=month] [role=progressbar]');
    assert.ok(Number(await meter.getAttribute('aria-valuenow')) > 0);
    assert.match(
      (await page.locator('.card[data-period=month] .budget-line').textContent()) ?? '',
      /of \$0\.50 budget/,
    );
    assert.match(
      (await page.locator('.card[data-period=today] .budget-line').textContent()) ?? '',
      /exceeded|warning|ok/,
    );
    assert.equal(await page.locator('#live-table tbody tr').count(), 15);
    await page.waitForSelector('#live-status.on');
    await page.waitForSelector('#daily-chart canvas');
    await page.waitForSelector('#models-chart canvas');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-overview.png'), fullPage: true });

    // A call recorded now appears in the live table through the event stream.
    const writer = openStore(file);
    writer.insertMany([
      pricedCall({
        at: Date.now(),
        provider: 'anthropic',
        model: 'claude-opus-4-6',
        input: 4000,
        output: 900,
        feature: 'live-test',
        tenant: 'acme',
        user: 'u-live',
      }),
    ]);
    const id = writer.lastCallId();
    writer.close();
    await page.waitForSelector(`#live-table tbody tr[data-id="${id}"]`, { timeout: 10_000 });
    assert.match(
      (await page.locator(`#live-table tbody tr[data-id="${id}"]`).textContent()) ?? '',
      /live-test/,
    );
  });

  it('breakdown: rows equal the store; the URL follows the chosen dimension', async () => {
    await page.click('.tabs a[data-view=breakdown]');
    await ready('breakdown');
    assert.match(page.url(), /\?view=breakdown$/);
    await page.click('#group-by button[data-group=feature]');
    await page.waitForURL(/groupBy=feature/);
    await ready('breakdown');
    await page.waitForSelector('#breakdown-chart canvas');
    const b = periodBounds('month', Date.now(), TZ);
    const s = withStore(file, (st) => st.summary({ since: b.startMs, until: b.endMs, groupBy: 'feature' }));
    const top = s.groups[0]!;
    const row = page.locator(`#breakdown-table tbody tr[data-key="${top.key}"]`);
    assert.equal(await row.locator('td.cost').getAttribute('data-nanos'), String(top.costNanos));
    assert.equal(await row.locator('td.cost').textContent(), formatUsd(top.costNanos));
    assert.equal(await page.locator('#breakdown-table tbody tr').count(), s.groups.length);
    assert.equal(
      await page.locator('#breakdown-table tfoot td.cost').getAttribute('data-nanos'),
      String(s.totals.costNanos),
    );
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-breakdown.png'), fullPage: true });
    // Export buttons carry the view's period.
    assert.match(
      (await page.locator('[data-role=export] a[data-format=csv]').first().getAttribute('href')) ?? '',
      /^\/v1\/telemetry\/export\?period=month&tz=UTC&format=csv$/,
    );
  });

  it('calls: filters change the URL and the table, and totals match the store', async () => {
    await page.click('.tabs a[data-view=calls]');
    await ready('calls');
    await page.fill('#f-provider', 'anthropic');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/provider=anthropic/);
    await ready('calls');
    assert.match(page.url(), /view=calls&provider=anthropic/);
    const providers = await page.locator('#calls-table tbody tr td:nth-child(2)').allTextContents();
    assert.ok(providers.length > 0);
    assert.ok(
      providers.every((p) => p === 'anthropic'),
      providers.join(),
    );
    const b = periodBounds('month', Date.now(), TZ);
    const t = withStore(
      file,
      (st) => st.summary({ since: b.startMs, until: b.endMs, provider: 'anthropic' }).totals,
    );
    assert.equal(
      await page.locator('#calls-totals [data-role=cost]').getAttribute('data-nanos'),
      String(t.costNanos),
    );
    assert.equal(
      await page.locator('#calls-totals [data-role=calls]').textContent(),
      t.calls.toLocaleString('en-US'),
    );
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-calls.png'), fullPage: true });

    // Back restores the unfiltered table.
    await page.goBack();
    await ready('calls');
    assert.doesNotMatch(page.url(), /provider=/);
    assert.equal(await page.inputValue('#f-provider'), '');
  });

  it('detail: tokens and cost by kind, pricing provenance and trace id of the call', async () => {
    await page.goto(`${server.url}/?view=calls&provider=anthropic`);
    await ready('calls');
    const first = page.locator('#calls-table tbody tr').first();
    const id = Number(await first.getAttribute('data-id'));
    await first.locator('td a').click();
    await page.waitForURL(new RegExp(`call=${id}`));
    await page.waitForSelector('#detail[open] #detail-tokens');
    const row = withStore(file, (s) => s.callsAfterId(id - 1, 1)[0]!);
    assert.equal(row.id, id);
    const cell = (kind: string) => page.locator(`#detail-tokens tr[data-kind=${kind}] td`).nth(2);
    assert.equal(await cell('input').getAttribute('data-nanos'), String(row.inputCostNanos));
    assert.equal(await cell('cacheRead').getAttribute('data-nanos'), String(row.cacheReadCostNanos));
    assert.equal(await cell('output').textContent(), formatUsd(row.outputCostNanos));
    assert.equal(
      await page.locator('#detail-tokens [data-field=total]').getAttribute('data-nanos'),
      String(row.costNanos),
    );
    assert.equal(await page.locator('#detail [data-field=traceId]').textContent(), row.traceId ?? '—');
    if (row.priced)
      assert.equal(
        await page.locator('#detail [data-field=pricingEntry]').textContent(),
        `${row.pricingProvider} / ${row.pricingModelId}`,
      );
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-detail.png') });
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.search.includes('call='));
    assert.equal(await page.locator('#detail[open]').count(), 0);
  });

  it('detail of a call read from batch results: its batch id and custom id', async () => {
    const id = withStore(file, (s) => s.calls({ batch: 'batch_dash123' }).calls[0]!.id);
    await page.goto(`${server.url}/?view=calls&call=${id}`);
    await page.waitForSelector('#detail[open] #detail-tokens');
    assert.equal(await page.locator('#detail [data-field=batchId]').textContent(), 'batch_dash123');
    assert.equal(await page.locator('#detail [data-field=batchCustomId]').textContent(), 'nightly-42');
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.search.includes('call='));
  });

  it('budgets: spent, reserved and limit of every budget (store and file) equal the store, with the forecast band and state', async () => {
    const listed = page.waitForResponse((r) => r.url().includes('/v1/budgets'));
    await page.goto(`${server.url}/?view=budgets`);
    await ready('budgets');
    const forecasts = new Map(
      ((await (await listed).json()).budgets as { id: string; forecast: Record<string, unknown> }[]).map(
        (b) => [b.id, b.forecast],
      ),
    );
    const now = Date.now();
    const defs = withStore(file, (st) =>
      listBudgets(st, {
        file: parseBudgetsFile(
          'budgets: [{ name: agents-24h, limit_usd: 40, period: "rolling:24h", feature: support-chat }]',
        ).budgets,
      }),
    );
    assert.equal(await page.locator('.budget-card').count(), defs.length);
    assert.ok(defs.length >= 3, 'the demo budgets, the test budgets and the file budget');
    for (const d of defs) {
      const spend = withStore(file, (st) => budgetSpend(st, d, now));
      const card = page.locator(`.budget-card[data-budget="${d.id}"]`);
      assert.equal(
        await card.locator('[data-role=spent]').getAttribute('data-nanos'),
        String(spend.spentNanos),
        d.id,
      );
      assert.equal(await card.locator('[data-role=spent]').textContent(), formatUsd(spend.spentNanos));
      assert.equal(await card.locator('[data-role=limit]').getAttribute('data-nanos'), String(d.limitNanos));
      assert.equal(await card.locator('[data-role=reserved]').getAttribute('data-nanos'), '0');
      assert.equal(await card.locator('[data-role=state]').textContent(), spend.state);
      const shown = card.locator('[data-role=forecast]');
      const low = Number(await shown.getAttribute('data-low'));
      const high = Number(await shown.getAttribute('data-high'));
      const f = forecasts.get(d.id)!;
      assert.deepEqual(
        [
          Number(await shown.getAttribute('data-expected')),
          low,
          high,
          await shown.getAttribute('data-method'),
        ],
        [f.expectedNanos, f.lowNanos, f.highNanos, f.method],
        `${d.id}: the card shows the REST forecast`,
      );
      assert.match((await shown.textContent()) ?? '', new RegExp(`p10–p90 .* ${String(f.method)}\\)`));
      // A calendar period's forecast adds the rest of the period to what was spent; a rolling
      // window's is the spend of the next window, which may be less than the current one's.
      assert.ok(
        low <= high && (d.period.startsWith('rolling:') || low >= spend.spentNanos),
        `${d.id}: forecast ${low}..${high}, spent ${spend.spentNanos}`,
      );
      assert.equal(await card.locator('.budget-track .tick').count(), d.alertAt.length);
    }
    assert.match(
      (await page.locator('.budget-card[data-budget="file:agents-24h"] .sub').first().textContent()) ?? '',
      /the last 24 hours · block · budgets file/,
    );
    // The exceeded demo budget, and its firing alert linked from the card.
    const globex = page.locator('.budget-card', { hasText: 'globex-daily' });
    assert.equal(await globex.locator('[data-role=state]').textContent(), 'exceeded');
    assert.match((await globex.locator('.badge.critical').textContent()) ?? '', /threshold/);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-budgets.png'), fullPage: true });
    // One budget opened: its cumulative spend and forecast band are drawn.
    await page.locator('.budget-card', { hasText: 'demo-monthly' }).locator('h2 a').click();
    await page.waitForURL(/view=budgets&budget=store%3A\d+/);
    await ready('budgets');
    await page.waitForSelector('#budget-chart canvas');
    assert.equal(await page.locator('#budget-detail').isVisible(), true);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-budget-detail.png'), fullPage: true });
  });

  it('alerts: the log equals the store, the firing count is on the tab, and an alert shows contributors, runbook, data link and deliveries', async () => {
    await page.goto(`${server.url}/?view=alerts`);
    await ready('alerts');
    const log = withStore(file, (st) => st.alerts.log({ since: Date.now() - 30 * 86_400_000 }));
    const firing = log.filter((a) => a.state === 'firing').length;
    assert.ok(firing >= 6, `${firing} firing in the demo store`);
    assert.equal(await page.locator('#alerts-table tbody tr').count(), log.length);
    assert.equal(await page.locator('#alerts-badge').textContent(), String(firing));
    const spike = log.find((a) => a.kind === 'spend_spike')!;
    const row = page.locator(`#alerts-table tbody tr[data-id="${spike.id}"]`);
    assert.equal(await row.locator('td.title').textContent(), (spike.detail as { title: string }).title);
    assert.match((await row.textContent()) ?? '', /critical.*firing.*1 delivered/);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-alerts.png'), fullPage: true });

    await row.locator('td.title a').click();
    await page.waitForURL(new RegExp(`view=alerts&alert=${spike.id}`));
    await ready('alerts');
    const detail = spike.detail as {
      contributors: Record<string, { key: string | null; share: number }[]>;
      runbook: string;
    };
    assert.equal(await page.locator('#alert-detail [data-field=runbook]').textContent(), detail.runbook);
    for (const [dim, list] of Object.entries(detail.contributors)) {
      const cells = await page
        .locator(`#alert-detail table[data-dimension=${dim}] tbody tr td:first-child`)
        .allTextContents();
      assert.deepEqual(
        cells,
        list.map((c) => c.key ?? '(not set)'),
        dim,
      );
    }
    assert.equal(await page.locator('#alert-deliveries tbody tr[data-state=delivered]').count(), 1);
    assert.match(
      (await page.locator('#alert-deliveries tbody').textContent()) ?? '',
      /demo.*trigger.*delivered/,
    );
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-alert-detail.png'), fullPage: true });

    // The state filter narrows the log; "Show the data" opens the view behind the alert.
    await page.click('#alert-state button[data-state=resolved]');
    await page.waitForURL(/state=resolved/);
    await ready('alerts');
    assert.equal(await page.locator('#alerts-table tbody tr').count(), 1, 'the empty-log row');
    await page.goBack();
    await ready('alerts');
    await page.click('#alert-detail [data-role=data-link]');
    await page.waitForURL(/view=breakdown/);
    await ready('breakdown');
    assert.ok(consoleErrors.length === 0, consoleErrors.join('\n'));
  });

  it('dark mode: the toggle switches the theme and is remembered', async () => {
    await page.goto(`${server.url}/`);
    await ready('overview');
    const bg = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    const light = await bg();
    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await page.getAttribute('#theme-toggle', 'aria-pressed'), 'true');
    assert.notEqual(await bg(), light);
    await page.reload();
    await ready('overview');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await page.waitForSelector('#daily-chart canvas');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-overview-dark.png'), fullPage: true });
    await page.goto(`${server.url}/?view=breakdown&groupBy=model`);
    await ready('breakdown');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-breakdown-dark.png'), fullPage: true });
    await page.goto(`${server.url}/?view=budgets`);
    await ready('budgets');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-budgets-dark.png'), fullPage: true });
    await page.goto(`${server.url}/?view=alerts`);
    await ready('alerts');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-alerts-dark.png'), fullPage: true });
    await page.click('#theme-toggle');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  });

  it('is keyboard- and screen-reader-friendly: labelled controls, focusable rows', async () => {
    await page.goto(`${server.url}/?view=calls`);
    await ready('calls');
    // Every control has a name: a <label>, aria-label or its own text (run in the page).
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, button')]
      .filter((e) => e.type !== 'hidden' && !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim()))
      .map((e) => e.outerHTML)`);
    assert.deepEqual(unlabelled, []);
    await page.locator('#calls-table tbody tr td a').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail[open]');
    assert.ok(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
});
