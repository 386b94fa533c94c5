import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CallInput, openStore, type UsageRow } from '../src/index.js';
import { call, callArb, DAY, HOUR, tempDir, zero } from './helpers.js';

const key = (r: UsageRow) =>
  JSON.stringify([r.dayMs, r.feature, r.provider, r.requestModel, r.responseModel, r.tier]);
const sorted = (rows: UsageRow[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

/** The usage rows computed by brute force from the records. */
function brute(records: CallInput[], since?: number, until?: number): UsageRow[] {
  const m = new Map<string, UsageRow>();
  for (const r of records) {
    if (since !== undefined && r.startTimeMs < since) continue;
    if (until !== undefined && r.startTimeMs >= until) continue;
    const row: UsageRow = {
      dayMs: Math.floor(r.startTimeMs / DAY) * DAY,
      feature: r.attribution.feature ?? null,
      provider: r.provider,
      requestModel: r.requestModel ?? null,
      responseModel: r.responseModel ?? null,
      tier: r.cost?.serviceTier ?? null,
      ...zero(),
    };
    const e = m.get(key(row)) ?? row;
    m.set(key(row), e);
    e.calls++;
    if (r.errorType) e.errors++;
    if (!r.cost) e.unpricedCalls++;
    if (r.usageEstimated) e.estimatedCalls++;
    e.inputTokens += r.usage?.inputTokens ?? 0;
    e.outputTokens += r.usage?.outputTokens ?? 0;
    e.cacheReadTokens += r.usage?.cacheReadTokens ?? 0;
    e.cacheWriteTokens += r.usage?.cacheWriteTokens ?? 0;
    e.reasoningTokens += r.usage?.reasoningTokens ?? 0;
    e.costNanos += r.cost?.totalNanos ?? 0;
    e.inputCostNanos += r.cost?.inputNanos ?? 0;
    e.outputCostNanos += r.cost?.outputNanos ?? 0;
    e.cacheReadCostNanos += r.cost?.cacheReadNanos ?? 0;
    e.cacheWriteCostNanos += r.cost?.cacheWriteNanos ?? 0;
  }
  return sorted([...m.values()]);
}

test('usage per day, feature, model and tier: the rollup and raw rows give the brute-force sums for any range', (t) => {
  const dir = tempDir(t);
  const center = Date.now();
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(
        callArb(center).map((c) =>
          c.cost
            ? { ...c, cost: { ...c.cost, serviceTier: c.startTimeMs % 3 === 0 ? 'batch' : 'standard' } }
            : c,
        ),
        { minLength: 1, maxLength: 80 },
      ),
      fc.option(fc.integer({ min: center - 4 * DAY, max: center + DAY }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 3 * DAY }), { nil: undefined }),
      (records, since, length) => {
        const store = openStore(path.join(dir, `u${n++}.db`));
        try {
          store.insertMany(records);
          const until = since !== undefined && length !== undefined ? since + length : undefined;
          const q = { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
          const expected = brute(records, since, until);
          assert.deepEqual(sorted(store.usage(q)), expected, 'rollup + raw');
          assert.deepEqual(sorted(store.usage({ ...q, minCostNanos: 0 })), expected, 'raw rows only');
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 30 },
  );
});

test('usage filters by feature, provider and model; a value never seen matches nothing', (t) => {
  const store = openStore(path.join(tempDir(t), 'f.db'));
  const at = Date.now() - 3 * DAY;
  store.insertMany([
    call({ startTimeMs: at, attribution: { feature: 'chat' } }),
    call({
      startTimeMs: at + HOUR,
      attribution: { feature: 'search' },
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini',
    }),
  ]);
  assert.deepEqual(
    store.usage({ feature: 'chat' }).map((r) => [r.feature, r.responseModel, r.calls, r.costNanos]),
    [['chat', 'gpt-4o-2024-08-06', 1, 1000]],
  );
  assert.equal(store.usage({ model: 'gpt-4o-mini' }).length, 1);
  assert.deepEqual(store.usage({ feature: 'nope' }), []);
  assert.equal(store.usage({ tenant: 'x' }).length, 0);
  store.close();
});

test('usage of a period running through the day being compacted (this month, today) equals the brute-force sums', (t) => {
  const store = openStore(path.join(tempDir(t), 'today.db'));
  const now = Date.now();
  // Calls every 10 minutes over the last 30 hours: yesterday, today's compacted hours (in the day row
  // of the usage rollup) and the last hour (not compacted yet, read from raw rows).
  const records: CallInput[] = [];
  for (let at = now - 30 * HOUR; at < now; at += 10 * 60_000)
    records.push(
      call({
        startTimeMs: at,
        usage: { inputTokens: 100 + (at % 97), outputTokens: 10 + (at % 13) },
        attribution: { feature: at % 2 ? 'chat' : 'search' },
      }),
    );
  store.insertMany(records);
  const today = Math.floor(now / DAY) * DAY;
  const compacting = Math.floor((now - HOUR) / DAY) * DAY;
  for (const since of [today, compacting, today - DAY, now - 5 * HOUR]) {
    assert.deepEqual(
      sorted(store.usage({ since })),
      brute(records, since),
      `since ${new Date(since).toISOString()}`,
    );
    const until = now + HOUR;
    assert.deepEqual(sorted(store.usage({ since, until })), brute(records, since, until), 'with until');
  }
  store.close();
});
