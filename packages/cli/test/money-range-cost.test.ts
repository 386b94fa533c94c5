// `tokenmeter cost` and `GET /v1/telemetry/summary` over a period whose sums pass 2^53 nano-USD
// (9,007,199 USD), where a JavaScript number stops being exact: Node 20's better-sqlite3 would read
// such a sum rounded without a word and node:sqlite (Node 22.13+) refuses to read it. Either way
// the user gets the exact figure or one clear refusal, the same on every Node (CI runs this file on
// Node 20, 24 and 26).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenmeterServer } from '../src/server/server.js';
import { costedCall, DAY, HOUR, makeStore, NOW, run, tempDir, USD } from './helpers.js';
import { getJson, serve } from './server-helpers.js';

// Three calls this month, one per tenant, of $4,000,000 and 1 nano-USD each (4e15 + 1 < 2^53):
// each tenant's figure is exact; the month's total, 1.2e16 + 3 nano-USD, is beyond 2^53
// (better-sqlite3 would read it as 12,000,000,000,000,004).
const EACH = 4_000_000 * USD + 1;
const TENANTS = ['acme', 'globex', 'initech'];
const calls = TENANTS.map((tenant, i) => ({
  ...costedCall({
    at: NOW - (i + 1) * DAY,
    provider: 'openai',
    model: 'gpt-4o',
    input: 1000,
    output: 10,
    nanos: EACH,
  }),
  attribution: { tenant },
}));

const REFUSED = /beyond 9,007,199 USD \(2\^53 nano-USD/;

describe('cost and serve with sums beyond 2^53 nano-USD', () => {
  const dir = tempDir({ after });
  let file = '';
  let server: TokenmeterServer;
  before(async () => {
    file = makeStore(dir, calls);
    server = await serve({ after: () => {} }, file);
  });
  after(() => server.close());

  it('tokenmeter cost refuses a total beyond 9,007,199 USD with one clear line, in every output form, instead of a rounded figure', async () => {
    for (const extra of [
      [],
      ['--json'],
      ['--csv'],
      ['--by', 'tenant'],
      ['--by', 'day', '--json'],
      ['--forecast'],
    ]) {
      const r = await run(['cost', '--month', '--tz', 'UTC', '--store', file, ...extra]);
      assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '', `${extra.join(' ')}: nothing printed before the refusal`);
      assert.match(r.stderr, REFUSED, extra.join(' '));
      assert.match(r.stderr, /--since\/--until/, 'names the fix');
      assert.doesNotMatch(
        r.stderr,
        /looks like a bug|\n\s+at |Value is too large/,
        'no bug line, stack or driver words',
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  });

  it('tokenmeter cost gives the exact figure of a narrower selection below 2^53, to the nano-dollar', async () => {
    const r = await run(['cost', '--month', '--tz', 'UTC', '--store', file, '--tenant', 'globex', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.totals.costNanos, 4_000_000_000_000_001);
    const csv = await run(['cost', '--month', '--tz', 'UTC', '--store', file, '--tenant', 'acme', '--csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /4000000\.000000001/);
  });

  it('tokenmeter cost --export writes every call of such a period and closes with the exact total', async () => {
    const out = path.join(dir, 'all.csv');
    const r = await run(['cost', '--month', '--tz', 'UTC', '--store', file, '--export', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 1 + calls.length);
    assert.match(r.stderr, /Wrote 3 calls \(\$12,000,000\.00\)/);
  });

  it('GET /v1/telemetry/summary answers 422 amount_out_of_range naming the cause and the fix, never a rounded costNanos', async () => {
    for (const q of [
      'period=month',
      'period=month&groupBy=day',
      'period=month&groupBy=tenant&forecast=true',
    ]) {
      const { status, json } = await getJson(`${server.url}/v1/telemetry/summary?${q}&tz=UTC`);
      assert.equal(status, 422, `${q}: ${JSON.stringify(json)}`);
      assert.equal(json.error.code, 'amount_out_of_range');
      assert.match(json.error.message, REFUSED);
      assert.match(json.error.message, /shorter period \(since\/until/);
    }
    const { status, json } = await getJson(
      `${server.url}/v1/telemetry/summary?period=month&tenant=initech&tz=UTC`,
    );
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.totals.costNanos, 4_000_000_000_000_001);
  });

  it('GET /metrics still answers for an all-time cost beyond 2^53 nano-USD (Prometheus samples are floats)', async () => {
    const r = await fetch(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    const text = await r.text();
    const sample = /^llm_cost_usd_total\{[^}]*org_id="acme"[^}]*\} (\S+)$/m.exec(text);
    assert.ok(sample, text);
    assert.equal(Number(sample[1]), 4_000_000.000000001);
  });
});

describe('serve /metrics with more than 2^53 nano-USD in the last 24 hours', () => {
  // The scrape's clock is 30 minutes past the hour, so the window starts inside an hour: its first
  // half hour is read from raw rows, the rest from the hourly rollups.
  const now = NOW + 30 * 60_000;
  const at = (ms: number, tenant: string, nanos: number) => ({
    ...costedCall({ at: ms, provider: 'openai', model: 'gpt-4o', input: 1000, output: 10, nanos }),
    attribution: { tenant },
  });
  const calls = [
    at(now - DAY + 10 * 60_000, 'acme', EACH), // raw rows
    at(now - 3 * HOUR, 'acme', EACH), // hourly rollups
    at(now - HOUR, 'acme', EACH),
    at(now - DAY - 10 * 60_000, 'acme', EACH), // before the window
    at(now - HOUR, 'globex', 2 * USD),
  ];

  it('answers 200 with the rolling 24 h cost as a float sample instead of failing the whole scrape', async (t) => {
    const server = await serve(t, makeStore(tempDir(t), calls), { now: () => now });
    const r = await fetch(`${server.url}/metrics`);
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(promtool.error, undefined, 'promtool must be installed (Debian package prometheus)');
    assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
    const rolling = (tenant: string) =>
      Number(new RegExp(`^llm_cost_usd_rolling_24h\\{org_id="${tenant}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    // 3 × (4,000,000 USD + 1 nano-USD) = 12,000,000.000000003 USD: a float holds it to within a few nano-USD.
    assert.ok(Math.abs(rolling('acme') - 12_000_000) < 1e-6, text);
    assert.equal(rolling('globex'), 2);
    const allTime = /^llm_cost_usd_total\{[^}]*org_id="acme"[^}]*\} (\S+)$/m.exec(text);
    assert.ok(allTime, text);
    assert.ok(Math.abs(Number(allTime[1]) - 16_000_000) < 1e-6, text);
  });
});
