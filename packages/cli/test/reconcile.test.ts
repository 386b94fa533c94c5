import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import type { CallInput } from '@tokenmeter/store';
import { decimalTimesPow10 } from '../src/format/money.js';
import { costedCall as call, makeStore, run, tempDir } from './helpers.js';

// Real SQLite stores and the mock provider's admin endpoints (its bill priced at its list prices,
// USD per million tokens: gpt-4o-mini 0.15 / cached 0.075 / output 0.60; gpt-4o 2.50 / 10;
// gpt-4.1 2 / 8; claude-sonnet-4-5 3 / read 0.30 / write 3.75 / 15; claude-haiku-4-5 1 / 5), so
// every figure below is computed by hand. NOW is 2026-11-23T12:00Z.

/** A row of reconcile --json, as far as these tests read it. */
interface Row {
  day: string | null;
  model: string | null;
  provider: { costNanos: number };
  tokenmeter: { costNanos: number };
  driftNanos: number;
  neverSawNanos: number;
}

const D20 = Date.UTC(2026, 10, 20, 9);
const D21 = Date.UTC(2026, 10, 21, 15);

/** 5 calls of 100k input (20k cached) and 10k output: $0.0198 each in the store. */
function miniCalls(): CallInput[] {
  return Array.from({ length: 5 }, (_, i) =>
    call({
      at: D20 + i * 60_000,
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      input: 100_000,
      cacheRead: 20_000,
      output: 10_000,
      nanos: 19_800_000,
    }),
  );
}

describe('tokenmeter reconcile (openai)', () => {
  let mock: MockProvider;
  before(async () => {
    mock = await startMockProvider({ adminKey: 'sk-admin-test' });
  });
  after(() => mock.close());

  /**
   * Provider bill:
   *   11-20 gpt-4o-mini: 1M input (200k cached), 100k output, 10 requests:
   *         800k × 0.15 + 200k × 0.075 + 100k × 0.60 = $0.12 + $0.015 + $0.06 = $0.195
   *   11-21 gpt-4o: 100k input, 10k output = $0.25 + $0.10 = $0.35
   *   11-21 gpt-4.1 (another key): 50k input, 5k output = $0.10 + $0.04 = $0.14
   *   11-22 gpt-4o: outside the period.
   * Store: 11-20 gpt-4o-mini 5 × $0.0198 = $0.099 over 500k input + 50k output;
   *        11-21 gpt-4o $0.35 over the same tokens; 11-20 gpt-4.1-nano $0.001 the provider has not billed.
   * Drift: mini −$0.096 (−49.2%), never saw $0.195 × 550k/1.1M = $0.0975; gpt-4o 0; gpt-4.1 −$0.14,
   * never saw $0.14; nano +$0.001 (no provider cost).
   * Totals: provider $0.685, tokenmeter $0.450, drift −$0.235 (−34.31%), never saw $0.2375.
   */
  function setup(t: Parameters<typeof tempDir>[0]) {
    mock.reset();
    mock.billing.add({
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      time: D20,
      inputTokens: 1_000_000,
      cacheReadTokens: 200_000,
      outputTokens: 100_000,
      requests: 10,
    });
    mock.billing.add({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      time: D21,
      inputTokens: 100_000,
      outputTokens: 10_000,
    });
    mock.billing.add({
      provider: 'openai',
      model: 'gpt-4.1-2025-04-14',
      time: D21,
      inputTokens: 50_000,
      outputTokens: 5_000,
    });
    mock.billing.add({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      time: D21 + 86_400_000,
      inputTokens: 9_000_000,
      outputTokens: 1,
    });
    const store = makeStore(tempDir(t), [
      ...miniCalls(),
      call({
        at: D21,
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        input: 100_000,
        output: 10_000,
        nanos: 350_000_000,
      }),
      call({
        at: D20,
        provider: 'openai',
        model: 'gpt-4.1-nano-2025-04-14',
        input: 1_000,
        output: 100,
        nanos: 1_000_000,
      }),
      call({
        at: D20,
        provider: 'anthropic',
        model: 'claude-haiku-4-5-20251001',
        input: 1_000,
        output: 100,
        nanos: 7_000_000,
      }),
    ]);
    return {
      store,
      env: { OPENAI_ADMIN_KEY: 'sk-admin-test', OPENAI_BASE_URL: mock.openaiBaseURL },
    };
  }
  const PERIOD = ['--since', '2026-11-20', '--until', '2026-11-21'];

  it('gives provider cost, tokenmeter cost, drift and never-saw per day × model, to the nano-dollar', async (t) => {
    const { store, env } = setup(t);
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--json', '--store', store], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.since, '2026-11-20T00:00:00.000Z');
    assert.equal(j.until, '2026-11-22T00:00:00.000Z');
    const rows = j.rows.map((x: Row) => [
      x.day,
      x.model,
      x.provider.costNanos,
      x.tokenmeter.costNanos,
      x.driftNanos,
      x.neverSawNanos,
    ]);
    assert.deepEqual(rows, [
      ['2026-11-20', 'gpt-4.1-nano', 0, 1_000_000, 1_000_000, 0],
      ['2026-11-20', 'gpt-4o-mini', 195_000_000, 99_000_000, -96_000_000, 97_500_000],
      ['2026-11-21', 'gpt-4.1', 140_000_000, 0, -140_000_000, 140_000_000],
      ['2026-11-21', 'gpt-4o', 350_000_000, 350_000_000, 0, 0],
    ]);
    const mini = j.rows[1];
    assert.equal(mini.provider.inputTokens, 1_000_000);
    assert.equal(mini.provider.cacheReadTokens, 200_000);
    assert.equal(mini.provider.requests, 10);
    assert.equal(mini.tokenmeter.inputTokens, 500_000);
    assert.equal(mini.tokenmeter.calls, 5);
    assert.equal(mini.driftPercent.toFixed(4), '-49.2308');
    assert.equal(j.rows[0].driftPercent, null);
    assert.equal(j.totals.provider.costNanos, 685_000_000);
    assert.equal(j.totals.tokenmeter.costNanos, 450_000_000);
    assert.equal(j.totals.driftNanos, -235_000_000);
    assert.equal(j.totals.driftPercent.toFixed(2), '-34.31');
    assert.equal(j.totals.neverSawNanos, 237_500_000);
    // The admin key went as a bearer token; pages were asked per UTC day with line items and models.
    const costs = mock.requests.find((q) => q.route === 'openai.costs')!;
    assert.equal(costs.query.start_time, String(Date.UTC(2026, 10, 20) / 1000));
    assert.equal(costs.query.end_time, String(Date.UTC(2026, 10, 22) / 1000));
    assert.equal(costs.query.group_by, 'line_item');
    assert.equal(costs.headers.authorization, '[REDACTED]');
    assert.ok(
      mock.requests.some((q) => q.route === 'openai.usage.completions' && q.query.group_by === 'model'),
    );
  });

  it('rolls up by day and by model, and the table, CSV and totals agree', async (t) => {
    const { store, env } = setup(t);
    const byDay = JSON.parse(
      (
        await run(
          ['reconcile', '--provider', 'openai', ...PERIOD, '--by', 'day', '--json', '--store', store],
          { env },
        )
      ).stdout,
    );
    assert.deepEqual(
      byDay.rows.map((x: Row) => [
        x.day,
        x.model,
        x.provider.costNanos,
        x.tokenmeter.costNanos,
        x.neverSawNanos,
      ]),
      [
        ['2026-11-20', null, 195_000_000, 100_000_000, 97_500_000],
        ['2026-11-21', null, 490_000_000, 350_000_000, 140_000_000],
      ],
    );
    const byModel = JSON.parse(
      (
        await run(
          ['reconcile', '--provider', 'openai', ...PERIOD, '--by', 'model', '--json', '--store', store],
          { env },
        )
      ).stdout,
    );
    assert.deepEqual(
      byModel.rows.map((x: Row) => x.model),
      ['gpt-4.1', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini'],
    );
    const table = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--store', store], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Reconcile openai/);
    assert.match(table.stdout, /2026-11-20 +gpt-4o-mini +\$0\.195\d* +\$0\.099\d* +-\$0\.096\d* +-49\.2%/);
    assert.match(table.stdout, /TOTAL .*\$0\.685.*\$0\.45.*-34\.3%/);
    assert.match(table.stdout, /never saw/);
    const csv = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--csv', '--store', store], {
      env,
    });
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(
      lines[0]!,
      /^day,model,provider_cost_usd,tokenmeter_cost_usd,drift_usd,drift_percent,never_saw_usd/,
    );
    assert.match(
      lines[2]!,
      /^2026-11-20,gpt-4o-mini,0\.195000000,0\.099000000,-0\.096000000,-49\.2308,0\.097500000,1000000,200000,0,100000,10,500000,100000,0,50000,5,/,
    );
  });

  it('exits 4 when the total drift is beyond --fail-above, 0 within it', async (t) => {
    const { store, env } = setup(t);
    const over = await run(
      ['reconcile', '--provider', 'openai', ...PERIOD, '--fail-above', '30', '--store', store],
      { env },
    );
    assert.equal(over.code, 4, over.stderr);
    assert.match(over.stdout, /beyond --fail-above 30%: exit code 4/);
    const within = await run(
      ['reconcile', '--provider', 'openai', ...PERIOD, '--fail-above', '40', '--json', '--store', store],
      { env },
    );
    assert.equal(within.code, 0);
    assert.equal(JSON.parse(within.stdout).driftExceeded, false);
  });

  it('a missing admin key is one line naming the variable and where to get one', async (t) => {
    const { store } = setup(t);
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--store', store], {
      env: { OPENAI_BASE_URL: mock.openaiBaseURL },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: OPENAI_ADMIN_KEY is not set/);
    assert.match(r.stderr, /admin-keys/);
    assert.equal(mock.requests.length, 0);
  });

  it('a refused key (401) is one line saying an organisation admin key is needed', async (t) => {
    const { store, env } = setup(t);
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--store', store], {
      env: { ...env, OPENAI_ADMIN_KEY: 'sk-proj-not-admin' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: openai refused OPENAI_ADMIN_KEY \(HTTP 401: Incorrect API key/);
    assert.match(r.stderr, /organisation admin key/);
    assert.equal(r.stderr.trim().split('\n').length, 2);
  });

  it('a 429 is retried after its Retry-After and the report is complete', async (t) => {
    const { store, env } = setup(t);
    mock.billing.failNext({ status: 429, retryAfterSeconds: 0 }, 2);
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--json', '--store', store], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).totals.provider.costNanos, 685_000_000);
    assert.equal(mock.requests.filter((q) => q.route === 'openai.costs').length, 3);
  });

  it('rate limited on every try: gives up with one line after the retries', async (t) => {
    const { store, env } = setup(t);
    mock.billing.failNext({ status: 429, retryAfterSeconds: 0 }, 5);
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--store', store], { env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: openai admin API answered HTTP 429 5 times \(Rate limit reached for admin requests\.\); gave up/,
    );
    assert.match(r.stderr, /rate limited/);
  });

  it('a partial page (has_more without next_page) is an error, never a short total', async (t) => {
    const { store, env } = setup(t);
    mock.billing.failNext({ partialPage: true });
    const r = await run(['reconcile', '--provider', 'openai', ...PERIOD, '--json', '--store', store], {
      env,
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^error: openai admin API sent a partial page of \/organization\/costs: has_more is true but next_page is missing/,
    );
  });

  it('bad flags name the flag and the fix (exit 2)', async (t) => {
    const { store, env } = setup(t);
    const cases: [string[], RegExp][] = [
      [[], /--provider is required/],
      [['--provider', 'gemini'], /--provider: "gemini" has no admin cost API/],
      [
        ['--provider', 'openai', '--by', 'feature'],
        /--by: "feature" is not a breakdown here: use day or model/,
      ],
      [['--provider', 'openai', '--fail-above', 'lots'], /--fail-above: "lots" is not a percentage/],
      [
        ['--provider', 'openai', '--tz', 'Europe/Paris'],
        /--tz: "Europe\/Paris": provider reports are in UTC days/,
      ],
      [
        ['--provider', 'openai', '--since', '2026-01-01'],
        /--since: the period is \d+ days; reconcile reads at most 190/,
      ],
      [['--provider', 'openai', '--json', '--csv'], /--json and --csv cannot be used together/],
    ];
    for (const [args, re] of cases) {
      const r = await run(['reconcile', ...args, '--store', store], { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });
});

describe('tokenmeter reconcile (anthropic)', () => {
  let mock: MockProvider;
  before(async () => {
    mock = await startMockProvider();
  });
  after(() => mock.close());

  it('reads every page of the cost and usage reports (cents, cache writes) and matches the store', async (t) => {
    // 11-20 claude-sonnet-4-5: 1M input of which 300k cache reads and 100k cache writes, 20k output:
    //   600k × 3 + 300k × 0.30 + 100k × 3.75 + 20k × 15 = $1.80 + $0.09 + $0.375 + $0.30 = $2.565
    // 10-05 claude-haiku-4-5 (first page of 31 days): 10k input, 1k output = $0.01 + $0.005 = $0.015,
    //   never seen by tokenmeter.
    mock.billing.add({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      time: D20,
      inputTokens: 1_000_000,
      cacheReadTokens: 300_000,
      cacheWriteTokens: 100_000,
      outputTokens: 20_000,
    });
    mock.billing.add({
      provider: 'anthropic',
      model: 'claude-haiku-4-5-20251001',
      time: Date.UTC(2026, 9, 5, 8),
      inputTokens: 10_000,
      outputTokens: 1_000,
    });
    const store = makeStore(tempDir(t), [
      call({
        at: D20,
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        input: 1_000_000,
        cacheRead: 300_000,
        cacheWrite: 100_000,
        output: 20_000,
        nanos: 2_565_000_000,
      }),
    ]);
    const env = { ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-test', ANTHROPIC_BASE_URL: mock.anthropicBaseURL };
    const r = await run(
      [
        'reconcile',
        '--provider',
        'anthropic',
        '--since',
        '2026-10-01',
        '--until',
        '2026-11-21',
        '--json',
        '--store',
        store,
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      j.rows.map((x: Row) => [x.day, x.model, x.provider.costNanos, x.tokenmeter.costNanos, x.neverSawNanos]),
      [
        ['2026-10-05', 'claude-haiku-4-5', 15_000_000, 0, 15_000_000],
        ['2026-11-20', 'claude-sonnet-4-5', 2_565_000_000, 2_565_000_000, 0],
      ],
    );
    const sonnet = j.rows[1];
    assert.equal(sonnet.provider.inputTokens, 1_000_000);
    assert.equal(sonnet.provider.cacheReadTokens, 300_000);
    assert.equal(sonnet.provider.cacheWriteTokens, 100_000);
    assert.equal(sonnet.provider.requests, null);
    assert.equal(sonnet.driftPercent, 0);
    // 52 days at 31 buckets a page: two pages of each report, the second asked with the cursor.
    for (const route of ['anthropic.cost_report', 'anthropic.usage_report']) {
      const pages = mock.requests.filter((q) => q.route === route);
      assert.equal(pages.length, 2, route);
      assert.ok(pages[1]!.query.page?.startsWith('page_'));
    }
    const first = mock.requests.find((q) => q.route === 'anthropic.cost_report')!;
    assert.equal(first.query['group_by[]'], 'description');
    assert.equal(first.query.starting_at, '2026-10-01T00:00:00.000Z');
    assert.equal(first.headers['anthropic-version'], '2023-06-01');
    assert.equal(first.headers['x-api-key'], '[REDACTED]');
  });
});

describe('decimalTimesPow10', () => {
  it('turns provider amounts into exact nano-dollars', () => {
    assert.equal(decimalTimesPow10(0.06, 9), 60_000_000);
    assert.equal(decimalTimesPow10('0.8958740000000000', 9), 895_874_000);
    assert.equal(decimalTimesPow10('123.45', 7), 1_234_500_000); // cents
    assert.equal(decimalTimesPow10(1e-7, 9), 100);
    assert.equal(decimalTimesPow10('0.0000000015', 9), 2); // half-up
    assert.equal(decimalTimesPow10('-1.5', 9), -1_500_000_000);
    assert.equal(decimalTimesPow10('abc', 9), undefined);
    assert.equal(decimalTimesPow10(null, 9), undefined);
  });
});
