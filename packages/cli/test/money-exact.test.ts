// whatif and savings add up nano-USD integers: exactly, or not at all. A row of the usage rollup sums
// a day of a feature × model, so its token counts can pass the pricing engine's bound for one call
// (1e12: 10M calls of 150k tokens), and a period's totals can pass 2^53 nano-USD (9,007,199 USD),
// where a Number sum silently drops units.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as pricing from '@tokenmeter/pricing';
import type { UsageRow } from '@tokenmeter/store';
import { aggregatePricer } from '../src/money/aggregate-price.js';
import { MoneyRangeError } from '../src/money/nanos.js';
import { savings } from '../src/money/savings.js';
import { whatIf } from '../src/money/whatif.js';
import { costedCall, DAY, makeStore, NOW, ROUND_PRICES_YAML, run, tempDir, USD } from './helpers.js';

const DAY_MS = Date.UTC(2026, 10, 20);

function engine() {
  const { overrides, problems } = pricing.parsePricingOverrides(ROUND_PRICES_YAML, 'prices.yaml');
  assert.deepEqual(problems, []);
  const p = pricing.createPricer({ overrides });
  return aggregatePricer({
    priceCall: (i) => p.priceCall(i),
    explainPrice: (provider, model, at) => p.explainPrice(provider, model, at),
    MAX_TOKENS: pricing.MAX_TOKENS,
  });
}

function row(
  o: Partial<UsageRow> & Pick<UsageRow, 'calls' | 'inputTokens' | 'outputTokens' | 'costNanos'>,
): UsageRow {
  return {
    dayMs: DAY_MS,
    feature: 'chat',
    provider: 'openai',
    requestModel: 'src-model',
    responseModel: 'src-model',
    tier: 'standard',
    errors: 0,
    unpricedCalls: 0,
    estimatedCalls: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    inputCostNanos: o.costNanos,
    outputCostNanos: 0,
    cacheReadCostNanos: 0,
    cacheWriteCostNanos: 0,
    ...o,
  } as UsageRow;
}

const noRatio = () => ({ tokenRatio: 1, ratio: 'no_tokenizer' as const });
const target = { provider: 'openai', model: 'cheap-model' };

test('whatif prices a day × feature × model row above the engine bound of 1e12 tokens (10M calls of 150k) instead of dropping it', () => {
  // 1.5e12 input × $2/M + 2e11 output × $8/M = $3,000,000 + $1,600,000 as stored;
  // on cheap-model 1.5e12 × $0.40/M + 2e11 × $1.60/M = $600,000 + $320,000.
  const rows = [
    row({ calls: 10_000_000, inputTokens: 1.5e12, outputTokens: 2e11, costNanos: 4_600_000 * USD }),
  ];
  const r = whatIf(rows, { target, groupBy: 'feature', pricer: engine(), tokenRatio: noRatio });
  assert.equal(r.totals.calls, 10_000_000);
  assert.equal(r.totals.actualNanos, 4_600_000 * USD);
  assert.equal(r.totals.targetNanos, 920_000 * USD);
  assert.deepEqual(
    r.groups.map((g) => [g.key, g.targetNanos]),
    [['chat', 920_000 * USD]],
  );
});

test('savings of a row above the engine bound: list price and what caching saved, to the nano-USD', () => {
  // 1.5e12 input of which 5e11 cache reads, 2e11 output on src-model:
  // as is 1e12 × $2/M + 5e11 × $0.50/M + 2e11 × $8/M = $3,850,000; without caching $4,600,000.
  const rows = [
    row({
      calls: 10_000_000,
      inputTokens: 1.5e12,
      cacheReadTokens: 5e11,
      outputTokens: 2e11,
      costNanos: 3_850_000 * USD,
    }),
  ];
  const r = savings(rows, { groupBy: 'feature', pricer: engine() });
  assert.equal(r.unpricedCalls, 0);
  assert.equal(r.totals.listNanos, 4_600_000 * USD);
  assert.equal(r.totals.cachingSavedNanos, 750_000 * USD);
  assert.equal(r.totals.tierSavedNanos, 0);
});

test('whatif and savings refuse a total beyond 2^53 nano-USD instead of printing a sum that drifted', () => {
  // 2^53 - 1 + 2 is not a Number: a plain sum gives 2^53, one nano-USD short, and says nothing.
  const rows = [
    row({ calls: 1, inputTokens: 1000, outputTokens: 0, costNanos: Number.MAX_SAFE_INTEGER }),
    row({ calls: 1, inputTokens: 1000, outputTokens: 0, costNanos: 2, feature: 'search' }),
  ];
  assert.throws(
    () => whatIf(rows, { target, groupBy: 'feature', pricer: engine(), tokenRatio: noRatio }),
    (e: unknown) => e instanceof MoneyRangeError && /the actual cost is beyond 9,007,199 USD/.test(e.message),
  );
  // Five days of 1e12 input tokens at $2/M: a list price of $10,000,000.
  const big = Array.from({ length: 5 }, (_, i) =>
    row({
      calls: 10_000_000,
      inputTokens: 1e12,
      outputTokens: 0,
      costNanos: 2_000_000 * USD,
      dayMs: DAY_MS - i * DAY,
    }),
  );
  assert.throws(
    () => savings(big, { groupBy: 'feature', pricer: engine() }),
    (e: unknown) => e instanceof MoneyRangeError,
  );
});

test('tokenmeter whatif over stored calls costing more than 9,007,199 USD in total: one clear error, exit 1', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'prices.yaml');
  writeFileSync(file, ROUND_PRICES_YAML);
  // Three calls of 5e11 input tokens at $2/M: $1,000,000 each as priced, stored at $4,000,000 each.
  const calls = [0, 1, 2].map((i) =>
    costedCall({
      at: NOW - 2 * DAY + i,
      provider: 'openai',
      model: 'src-model',
      input: 5e11,
      output: 0,
      nanos: 4_000_000 * USD + 1,
    }),
  );
  const store = makeStore(dir, calls);
  const r = await run(['whatif', '--model', 'cheap-model', '--store', store], {
    env: { TOKENMETER_PRICING_FILE: file },
  });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /beyond 9,007,199 USD/);
  assert.match(r.stderr, /--since\/--until/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  // Node 20's better-sqlite3 reads the sum as an inexact Number (the CLI refuses it); node:sqlite
  // (Node 22.13+) refuses to read it (the store says so): either way one explained error, no "bug".
  assert.doesNotMatch(r.stderr, /looks like a bug/);
});
