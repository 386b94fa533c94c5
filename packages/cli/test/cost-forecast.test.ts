// `tokenmeter cost --forecast`, `GET /v1/telemetry/summary?forecast=true` and `budget status` give one
// forecast of the period's end: the alerts' seasonal forecast over the store, per group and in total.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CallInput, localDateTime } from '@tokenmeter/store';
import { DAY, HOUR, makeStore, NOW, pricedCall, run, tempDir, withStore } from './helpers.js';
import { getJson, serve } from './server-helpers.js';

const MONTH = Date.UTC(2026, 10, 1);

/** acme works weekdays 9–18 UTC, globex around the clock at a third of acme's busy rate. */
function seasonalCalls(from: number, to: number): CallInput[] {
  const out: CallInput[] = [];
  for (let h = from; h < to; h += HOUR) {
    const p = localDateTime(h, 'UTC');
    const dow = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    const busy = dow !== 0 && dow !== 6 && p.hour >= 9 && p.hour < 18;
    const wobble = 1 + 0.2 * Math.sin(h / HOUR);
    out.push(
      pricedCall({
        at: h + 600_000,
        provider: 'openai',
        model: 'gpt-4o-mini',
        input: Math.round((busy ? 30_000 : 3_000) * wobble),
        output: 500,
        tenant: 'acme',
      }),
      pricedCall({
        at: h + 1_200_000,
        provider: 'openai',
        model: 'gpt-4o-mini',
        input: Math.round(10_000 * wobble),
        output: 500,
        tenant: 'globex',
      }),
    );
  }
  return out;
}

describe('tokenmeter cost --forecast', () => {
  let file = '';
  const dir = tempDir({ after });
  before(() => {
    file = makeStore(dir, seasonalCalls(Date.UTC(2026, 9, 5), NOW));
  });

  it('forecasts the month end per tenant and in total by hour of week, the same figure budget status shows', async () => {
    const r = await run(['cost', '--forecast', '--by', 'tenant', '--json', '--tz', 'UTC', '--store', file]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const f = j.forecast;
    assert.equal(f.periodStart, '2026-11-01T00:00:00.000Z');
    assert.equal(f.periodEnd, '2026-12-01T00:00:00.000Z');
    assert.equal(f.asOfMs, NOW);
    const spent = withStore(file, (s) => s.summary({ since: MONTH, until: NOW }).totals.costNanos);
    assert.equal(f.total.spentNanos, spent);
    assert.equal(j.totals.costNanos, spent);
    assert.equal(f.total.method, 'seasonal-weekly');
    assert.match(f.total.note, /^p10–p90 from the errors of \d+ back-tested days$/);
    assert.ok(f.total.lowNanos < f.total.expectedNanos && f.total.expectedNanos < f.total.highNanos);
    assert.ok(f.total.lowNanos >= spent);
    assert.deepEqual(
      f.groups.map((g: { key: string }) => g.key),
      j.groups.map((g: { key: string }) => g.key),
      'one forecast per group shown, in the same order',
    );
    assert.deepEqual(f.groups.map((g: { key: string }) => g.key).sort(), ['acme', 'globex']);
    // The rest of the month at the series' own rhythm (known: the generator above).
    const rest = seasonalCalls(NOW, Date.UTC(2026, 11, 1)).reduce((n, c) => n + (c.cost?.totalNanos ?? 0), 0);
    const err = Math.abs(f.total.expectedNanos - (spent + rest)) / (spent + rest);
    assert.ok(err < 0.02, `month-end forecast off by ${(err * 100).toFixed(2)}%`);
    const parts = f.groups.reduce((n: number, g: { expectedNanos: number }) => n + g.expectedNanos, 0);
    assert.ok(
      Math.abs(parts - f.total.expectedNanos) / f.total.expectedNanos < 0.01,
      'groups add up to the total',
    );

    // budget status forecasts with the same code: a month budget for acme shows acme's figures.
    await run([
      'budget',
      'set',
      '1000',
      '--period',
      'month',
      '--tenant',
      'acme',
      '--tz',
      'UTC',
      '--store',
      file,
    ]);
    const b = await run(['budget', 'status', '--json', '--tz', 'UTC', '--store', file]);
    const acmeBudget = JSON.parse(b.stdout).budgets[0];
    const acme = f.groups.find((g: { key: string }) => g.key === 'acme');
    assert.deepEqual(
      [
        acmeBudget.forecast.method,
        acmeBudget.forecast.expectedNanos,
        acmeBudget.forecast.lowNanos,
        acmeBudget.forecast.highNanos,
      ],
      [acme.method, acme.expectedNanos, acme.lowNanos, acme.highNanos],
    );
    const table = await run(['budget', 'status', '--tz', 'UTC', '--store', file]);
    assert.match(table.stdout, /P10–P90\s+METHOD/);
    assert.match(table.stdout, /tenant=acme.*\$[\d.]+–\$[\d.]+\s+seasonal-weekly\s+ok/);
  });

  it('prints the forecast under the cost table for people', async () => {
    const r = await run(['cost', '--forecast', '--by', 'tenant', '--tz', 'UTC', '--store', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Forecast to the end of the period \(2026-11-30\), as of 2026-11-23 12:00/);
    assert.match(r.stdout, /TENANT\s+SPENT\s+EXPECTED\s+P10–P90\s+METHOD/);
    assert.match(r.stdout, /\nacme\s+\$[\d.]+\s+\$[\d.]+\s+\$[\d.]+–\$[\d.]+\s+seasonal-weekly\n/);
    assert.match(r.stdout, /TOTAL: p10–p90 from the errors of \d+ back-tested days\./);
  });

  it('the REST summary gives the same forecast with forecast=true, and refuses it for a since/until range', async (t) => {
    const s = await serve(t, file);
    const { status, json } = await getJson(
      `${s.url}/v1/telemetry/summary?groupBy=tenant&tz=UTC&forecast=true`,
    );
    assert.equal(status, 200);
    const cli = JSON.parse(
      (await run(['cost', '--forecast', '--by', 'tenant', '--json', '--tz', 'UTC', '--store', file])).stdout,
    );
    assert.deepEqual(json.forecast, cli.forecast);
    const plain = await getJson(`${s.url}/v1/telemetry/summary?tz=UTC`);
    assert.equal(plain.json.forecast, undefined, 'no forecast unless asked');
    const bad = await getJson(`${s.url}/v1/telemetry/summary?since=7d&forecast=true`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.parameter, 'forecast');
    assert.match(bad.json.error.message, /period=today, week or month/);
  });

  it('refuses --forecast with a since/until range or with --export, naming the flag and the fix', async () => {
    const range = await run(['cost', '--forecast', '--since', '7d', '--store', file]);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /--forecast is of a period: use --today, --week or --month/);
    const exp = await run(['cost', '--forecast', '--export', 'x.csv', '--store', file]);
    assert.equal(exp.code, 2);
    assert.match(exp.stderr, /--forecast prints a table, --json or --csv, not --export/);
  });

  it('--forecast --csv gives the same forecast as --json: one row per group, then the total', async () => {
    const args = ['cost', '--forecast', '--by', 'tenant', '--tz', 'UTC', '--store', file];
    const r = await run([...args, '--csv']);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse((await run([...args, '--json'])).stdout).forecast;
    const lines = r.stdout.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'scope,key,spent_usd,expected_usd,p10_usd,p90_usd,spent_nanos,expected_nanos,p10_nanos,p90_nanos,method,note,period_end',
    );
    const rows = lines.slice(1).map((l) => l.split(','));
    const expected = [
      ...f.groups.map((g: Record<string, unknown>) => ['group', g.key, g]),
      ['total', '', f.total],
    ] as [string, string, Record<string, number | string>][];
    assert.equal(rows.length, expected.length);
    expected.forEach(([scope, key, x], i) => {
      const row = rows[i]!;
      assert.deepEqual(row.slice(0, 2), [scope, key]);
      assert.deepEqual(
        row.slice(6, 11),
        [x.spentNanos, x.expectedNanos, x.lowNanos, x.highNanos, x.method].map(String),
      );
      assert.equal(Number(row[3]), Number(x.expectedNanos) / 1e9);
      assert.equal(row.at(-1), '2026-12-01T00:00:00.000Z');
    });
  });

  it('a cold start (one day of history) falls back to the straight line and says so', async (t) => {
    const cold = makeStore(tempDir(t), seasonalCalls(NOW - DAY, NOW), 'cold.db');
    const r = await run(['cost', '--forecast', '--json', '--tz', 'UTC', '--store', cold]);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout).forecast;
    assert.equal(f.total.method, 'linear-burn');
    assert.match(
      f.total.note,
      /^cold start: 24 hours of history with spend \(the seasonal forecast needs 48\)/,
    );
    assert.deepEqual(
      f.groups.map((g: { key: string; method: string }) => [g.key, g.method]),
      [['gpt-4o-mini', 'linear-burn']],
    );
  });
});
