// Calls whose cost the provider or an AI gateway reported (OpenRouter's usage.cost, LiteLLM's
// x-litellm-response-cost): the store keeps the reported cost and tokenmeter's own price beside it,
// and totals either (`costSource`), from the rollups and from raw rows alike.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type CallInput, type GroupBy, openStore, type RepriceFunction } from '../src/index.js';
import { call, DAY, tempDir } from './helpers.js';

const HOUR_AGO = Date.now() - 3_600_000;

function reported(
  over: Partial<CallInput>,
  reportedNanos: number,
  localNanos: number | undefined,
): CallInput {
  const base = call(over);
  return {
    ...base,
    cost: { ...base.cost!, totalNanos: reportedNanos, source: 'provider', version: 'reported:openrouter' },
    ...(localNanos === undefined ? {} : { localCost: { totalNanos: localNanos } }),
    gateway: 'openrouter',
  };
}

function fixture(t: { after: (fn: () => void) => void }) {
  const store = openStore(path.join(tempDir(t), 'calls.db'));
  t.after(() => store.close());
  // Old enough to sit in the day rollups, and recent (raw rows): both paths are corrected.
  const times = [HOUR_AGO - 3 * DAY, HOUR_AGO];
  const records: CallInput[] = [];
  for (const startTimeMs of times) {
    records.push(call({ startTimeMs, attribution: { feature: 'plain' } }));
    records.push(reported({ startTimeMs, attribution: { feature: 'routed' } }, 1500, 1000));
    // Reported, but tokenmeter has no price of its own for the model.
    records.push(
      reported(
        {
          startTimeMs,
          provider: 'openrouter',
          requestModel: 'mystery/model',
          responseModel: 'mystery/model',
          attribution: { feature: 'routed' },
        },
        700,
        undefined,
      ),
    );
  }
  store.insertMany(records);
  return store;
}

test('the store keeps a reported cost, the local price beside it and the gateway', (t) => {
  const store = fixture(t);
  const rows = store.calls({ limit: 10 }).calls;
  const routed = rows.filter((c) => c.costReported);
  assert.equal(routed.length, 4);
  assert.deepEqual(
    routed.map((c) => [c.costNanos, c.localCostNanos, c.pricingSource, c.gateway]).sort(),
    [
      [1500, 1000, 'provider', 'openrouter'],
      [1500, 1000, 'provider', 'openrouter'],
      [700, null, 'provider', 'openrouter'],
      [700, null, 'provider', 'openrouter'],
    ].sort(),
  );
  const plain = rows.find((c) => !c.costReported)!;
  assert.equal(plain.localCostNanos, null);
  assert.equal(plain.gateway, null);
});

test('cost totals: the reported cost by default, the local price with costSource local (a call without one unpriced)', (t) => {
  const store = fixture(t);
  const byDefault = store.summary({});
  assert.equal(byDefault.costSource, 'provider');
  assert.equal(byDefault.reportedCalls, 4);
  assert.equal(byDefault.totals.costNanos, 2 * (1000 + 1500 + 700));
  assert.equal(byDefault.totals.unpricedCalls, 0);
  const local = store.summary({ costSource: 'local' });
  assert.equal(local.costSource, 'local');
  assert.equal(local.reportedCalls, 4);
  assert.equal(local.totals.costNanos, 2 * (1000 + 1000));
  assert.equal(local.totals.unpricedCalls, 2);
});

test('local totals are the same from the rollups and from raw rows, for every breakdown', (t) => {
  const store = fixture(t);
  const groupBys: (GroupBy | undefined)[] = [undefined, 'feature', 'provider', 'model', 'day'];
  for (const groupBy of groupBys) {
    for (const costSource of ['provider', 'local'] as const) {
      const q = {
        ...(groupBy === undefined ? {} : { groupBy }),
        costSource,
        timeZone: 'UTC',
        since: HOUR_AGO - 5 * DAY,
      };
      const fast = store.summary(q);
      const raw = store.summaryFromRawRows(q);
      assert.deepEqual(fast, raw, `${groupBy} ${costSource}`);
    }
  }
  const byFeature = store.summary({ groupBy: 'feature', costSource: 'local' });
  assert.equal(byFeature.groups.find((g) => g.key === 'routed')?.costNanos, 2 * 1000);
  assert.equal(byFeature.groups.find((g) => g.key === 'plain')?.costNanos, 2 * 1000);
});

test('a bad costSource is refused naming the field', (t) => {
  const store = fixture(t);
  assert.throws(
    () => store.summary({ costSource: 'gateway' as 'local' }),
    /costSource must be provider or local/,
  );
});

test('reprice leaves a reported cost alone: it is what was charged', (t) => {
  const store = fixture(t);
  // A price list that prices every call at 5 nano-dollars.
  const price: RepriceFunction = (c) => ({
    cost: {
      totalNanos: 5,
      inputNanos: 5,
      outputNanos: 0,
      cacheReadNanos: 0,
      cacheWriteNanos: 0,
      provider: c.provider,
      modelId: c.model ?? '',
      match: 'override',
      source: 'override',
      version: 'pricing-file',
      serviceTier: 'standard',
    },
    match: 'override',
  });
  const result = store.reprice({ price, only: 'all' });
  // The plain calls are re-priced; the reported ones keep what was charged.
  assert.equal(result.changed, 2);
  const routed = store
    .calls({ limit: 10 })
    .calls.filter((c) => c.costReported)
    .map((c) => c.costNanos)
    .sort();
  assert.deepEqual(routed, [1500, 1500, 700, 700].sort());
});
