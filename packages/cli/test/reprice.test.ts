import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { calculateCost } from '@tokenmeter/pricing';
import { openStore } from '@tokenmeter/store';
import { DAY, makeStore, NOW, pricedCall, run, tempDir, withStore } from './helpers.js';

const PRICES = `models:
  - id: acme-ft
    provider: openai
    match: { starts_with: "ft:acme" }
    prices: { input_mtok: 1.00, output_mtok: 2.00 }
`;

/** Two calls of a fine-tuned model stored before it had a price, and one priced gpt-4o-mini call. */
function fixture(dir: string): string {
  return makeStore(dir, [
    pricedCall({
      at: NOW - 2 * DAY,
      provider: 'openai',
      model: 'ft:acme-1',
      input: 1_000_000,
      output: 500_000,
      feature: 'chat',
    }),
    pricedCall({
      at: NOW - DAY,
      provider: 'openai',
      model: 'ft:acme-1',
      input: 2_000,
      output: 1_000,
      feature: 'chat',
    }),
    pricedCall({
      at: NOW - DAY,
      provider: 'openai',
      model: 'gpt-4o-mini',
      input: 10_000,
      output: 1_000,
      feature: 'search',
    }),
  ]);
}

describe('tokenmeter reprice', () => {
  it('prices calls stored before their model had a price (hand-computed), and cost agrees afterwards', async (t) => {
    const dir = tempDir(t);
    const store = fixture(dir);
    const prices = path.join(dir, 'prices.yaml');
    writeFileSync(prices, PRICES);
    const env = { TOKENMETER_PRICING_FILE: prices };
    const mini = calculateCost({
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 10_000, outputTokens: 1_000 },
    })!;

    const dry = await run(['reprice', '--store', store, '--dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Dry run: re-pricing calls without a price, all time\n/);
    // 1,000,000 × $1/M + 500,000 × $2/M = $2.00; 2,000 × $1/M + 1,000 × $2/M = $0.004.
    assert.match(dry.stdout, /ft:acme-1\s+2\s+2\s+unpriced\s+\$2\.00\s+\+\$2\.00/);
    assert.match(dry.stdout, /2 calls would change price \(2 had none\): \$0\.00 → \$2\.00 \(\+\$2\.00\)\./);
    assert.match(dry.stdout, /Priced by overrides \(override, 2\)\./);
    withStore(store, (s) => assert.equal(s.summary({}).totals.unpricedCalls, 2, 'a dry run writes nothing'));

    const r = await run(['reprice', '--store', store, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.changed, 2);
    assert.equal(j.afterNanos, 2_004_000_000);
    assert.match(j.pricedWith, /^genai-prices@.+ \+ .*prices\.yaml$/);

    const cost = await run(['cost', '--store', store, '--since', '30d', '--by', 'feature', '--json']);
    const c = JSON.parse(cost.stdout);
    assert.equal(c.totals.costNanos, 2_004_000_000 + mini.totalNanos);
    assert.equal(c.totals.unpricedCalls, 0);
    assert.equal(c.groups.find((g: { key: string }) => g.key === 'chat').costNanos, 2_004_000_000);
    withStore(store, (s) => {
      const calls = [...s.exportCalls({ model: 'ft:acme-1' })];
      assert.deepEqual(
        calls.map((x) => [x.pricingMatch, x.pricingSource, x.pricingVersion, x.pricingModelId]),
        [
          ['override', 'override', 'overrides', 'acme-ft'],
          ['override', 'override', 'overrides', 'acme-ft'],
        ],
      );
    });

    const again = await run(['reprice', '--store', store], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No unpriced calls with token usage in this period: nothing to re-price\./);
  });

  it('--only all keeps the price of calls whose 1-hour cache writes and audio the store kept', async (t) => {
    const dir = tempDir(t);
    const usage = {
      inputTokens: 30_000,
      outputTokens: 500,
      cacheWriteTokens: 20_000,
      cacheWrite1hTokens: 20_000,
    };
    const cost = calculateCost({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      usage,
      timestamp: NOW - DAY,
    })!;
    const call = pricedCall({
      at: NOW - DAY,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      input: 30_000,
      output: 500,
    });
    const file = path.join(dir, 'store.db');
    const s = openStore(file);
    s.insertMany([
      {
        ...call,
        usage,
        cost: {
          ...call.cost!,
          totalNanos: cost.totalNanos,
          inputNanos: cost.inputNanos,
          cacheWriteNanos: cost.cacheWriteNanos,
          outputNanos: cost.outputNanos,
        },
      },
    ]);
    s.close();
    const fiveMinute = calculateCost({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      usage: { ...usage, cacheWrite1hTokens: 0 },
      timestamp: NOW - DAY,
    })!;
    assert.notEqual(fiveMinute.totalNanos, cost.totalNanos, 'the 1-hour writes cost more than 5-minute ones');
    const r = await run(['reprice', '--store', file, '--only', 'all', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.calls, 1);
    assert.equal(j.afterNanos, cost.totalNanos);
  });

  it('--csv has one row per model; bad flags name the flag and the fix', async (t) => {
    const store = fixture(tempDir(t));
    const csv = await run(['reprice', '--store', store, '--dry-run', '--csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(
      csv.stdout.split('\r\n')[0],
      'model,calls,changed,unpriced_before,unpriced_after,before_usd,after_usd,before_nanos,after_nanos',
    );
    assert.match(csv.stdout, /\r\nft:acme-1,2,0,2,2,0\.000000000,0\.000000000,0,0\r\n/);
    const bad = await run(['reprice', '--store', store, '--only', 'priced']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--only: "priced" is not a selection: use unpriced, estimated or all/);
    const since = await run(['reprice', '--store', store, '--since', 'yesterday']);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since: "yesterday": expected a date like 2026-11-01/);
  });
});
