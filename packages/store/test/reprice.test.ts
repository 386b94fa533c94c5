import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type CallInput,
  type CallRow,
  type GroupBy,
  openStore,
  type RepriceFunction,
  type SqliteCostStore,
} from '../src/index.js';
import { call, callArb, DAY, HOUR, tempDir, without } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHILD = path.join(import.meta.dirname, 'fixtures', 'unpriced-writer-child.ts');
const GROUPS: GroupBy[] = ['model', 'provider', 'feature', 'user', 'tenant', 'day', 'operation', 'service'];

/** Prices `m-new` (and `m-a`, `m-b` of the generated calls) at 10 nano-USD per input, 20 per output token. */
const price: RepriceFunction = (c) => {
  if (c.model !== 'm-new' && c.model !== 'm-a' && c.model !== 'm-b')
    return { cost: null, match: 'unknown_model' };
  const inputNanos = c.usage.inputTokens * 10;
  const outputNanos = c.usage.outputTokens * 20;
  return {
    cost: {
      totalNanos: inputNanos + outputNanos,
      inputNanos,
      outputNanos,
      cacheReadNanos: 0,
      cacheWriteNanos: 0,
      provider: 'openai',
      modelId: c.model,
      match: 'override',
      source: 'override',
      version: 'pricing-file',
      // m-b is priced at the batch tier now: a re-priced call can move to another tier's rollup row.
      serviceTier: c.model === 'm-b' ? 'batch' : 'standard',
    },
    match: 'override',
  };
};

/** The rollups agree with the raw rows for every breakdown (nothing lost or counted twice). */
function assertRollupsExact(store: SqliteCostStore, msg: string): void {
  for (const groupBy of [undefined, ...GROUPS]) {
    const q = { ...(groupBy === undefined ? {} : { groupBy }), timeZone: 'UTC' };
    const a = store.summary(q);
    const b = store.summaryFromRawRows(q);
    assert.deepEqual(a.totals, b.totals, `${msg}: totals by ${groupBy}`);
    const key = (g: { key: string | null }) => String(g.key);
    assert.deepEqual(
      [...a.groups].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
      [...b.groups].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
      `${msg}: groups by ${groupBy}`,
    );
  }
}

/** A call of a model with no price when it was stored (no response model). */
const unpriced = (over: Partial<CallInput>): CallInput =>
  without(
    call({ cost: null, pricingMatch: 'unknown_model', requestModel: 'm-new', ...over }),
    'responseModel',
  );

test('reprice prices calls stored before their model had a price; rollups, provenance and totals follow', (t) => {
  const store = openStore(path.join(tempDir(t), 'r.db'));
  const now = Date.now();
  store.insertMany([
    unpriced({
      startTimeMs: now - 3 * DAY,
      usage: { inputTokens: 1000, outputTokens: 100 },
      attribution: { feature: 'chat' },
    }),
    unpriced({
      startTimeMs: now - 2 * HOUR,
      usage: { inputTokens: 500, outputTokens: 50 },
      attribution: { feature: 'chat' },
    }),
    // Failed without usage: nothing to price, stays as it is.
    without(unpriced({ startTimeMs: now - HOUR, pricingMatch: 'no_usage', errorType: '500' }), 'usage'),
    call({ startTimeMs: now - DAY }), // priced already: $0.000001, not selected by --only unpriced
  ]);
  const before = store.summary({});
  assert.equal(before.totals.costNanos, 1000);
  assert.equal(before.totals.unpricedCalls, 3);

  const dry = store.reprice({ price, dryRun: true });
  assert.equal(dry.calls, 2, 'the no-usage call is not a candidate');
  assert.equal(dry.changed, 2);
  // 1000×10 + 100×20 = 12,000; 500×10 + 50×20 = 6,000.
  assert.equal(dry.afterNanos, 18_000);
  assert.equal(store.summary({}).totals.costNanos, 1000, 'a dry run writes nothing');

  const r = store.reprice({ price });
  assert.deepEqual(
    {
      calls: r.calls,
      changed: r.changed,
      newlyPriced: r.newlyPriced,
      before: r.beforeNanos,
      after: r.afterNanos,
    },
    { calls: 2, changed: 2, newlyPriced: 2, before: 0, after: 18_000 },
  );
  assert.deepEqual(r.models, [
    {
      model: 'm-new',
      calls: 2,
      changed: 2,
      beforeNanos: 0,
      afterNanos: 18_000,
      unpricedBefore: 2,
      unpricedAfter: 0,
    },
  ]);
  assert.deepEqual(r.pricedBy, [{ source: 'override', version: 'pricing-file', calls: 2 }]);
  const after = store.summary({ groupBy: 'feature' });
  assert.equal(after.totals.costNanos, 19_000);
  assert.equal(after.totals.unpricedCalls, 1);
  assert.equal(after.groups.find((g) => g.key === 'chat')?.costNanos, 18_000);
  const rows = [...store.exportCalls({ model: 'm-new' })].filter((c) => c.usageKnown);
  for (const c of rows) {
    assert.equal(c.priced, true);
    assert.equal(c.pricingMatch, 'override');
    assert.equal(c.pricingSource, 'override');
    assert.equal(c.pricingVersion, 'pricing-file');
    assert.equal(c.pricingTier, 'standard');
  }
  assertRollupsExact(store, 'after reprice');
  store.close();
});

test('reprice never takes a price away: a priced call without a price now keeps its stored one', (t) => {
  const store = openStore(path.join(tempDir(t), 'k.db'));
  store.insertMany([call({ requestModel: 'gone', responseModel: 'gone' })]);
  const r = store.reprice({ price, only: 'all' });
  assert.deepEqual(
    { calls: r.calls, changed: r.changed, kept: r.keptPrice },
    { calls: 1, changed: 0, kept: 1 },
  );
  assert.equal(store.summary({}).totals.costNanos, 1000);
  store.close();
});

test('reprice --only estimated touches only calls whose tokens were counted locally; since/until bound it', (t) => {
  const store = openStore(path.join(tempDir(t), 'e.db'));
  const t0 = Date.UTC(2026, 10, 2, 12);
  store.insertMany([
    call({ requestModel: 'm-a', responseModel: 'm-a', usageEstimated: true, startTimeMs: t0 }),
    call({ requestModel: 'm-a', responseModel: 'm-a', usageEstimated: false, startTimeMs: t0 }),
    call({ requestModel: 'm-a', responseModel: 'm-a', usageEstimated: true, startTimeMs: t0 + DAY }),
  ]);
  const r = store.reprice({ price, only: 'estimated', until: t0 + HOUR });
  assert.equal(r.calls, 1);
  assert.equal(r.changed, 1);
  // 100 input × 10 + 10 output × 20 = 1,200 instead of 1,000.
  assert.equal(store.summary({}).totals.costNanos, 1200 + 1000 + 1000);
  assert.throws(
    () => store.reprice({ price, only: 'some' as never }),
    /only must be one of unpriced, estimated, all/,
  );
  store.close();
});

test('reprice twice is reprice once, and conserves counts and tokens (property)', (t) => {
  const dir = tempDir(t);
  let n = 0;
  const center = Date.now();
  fc.assert(
    fc.property(
      fc.array(callArb(center), { minLength: 1, maxLength: 60 }),
      fc.constantFrom('unpriced', 'estimated', 'all' as const),
      fc.integer({ min: 1, max: 7 }),
      (records, only, batchSize) => {
        const store = openStore(path.join(dir, `p${n++}.db`));
        try {
          store.insertMany(records);
          const before = store.summaryFromRawRows({});
          const first = store.reprice({ price, only, batchSize });
          const once = store.summaryFromRawRows({ groupBy: 'model' });
          const second = store.reprice({ price, only, batchSize });
          assert.equal(second.changed, 0, 'a second run changes nothing');
          // --only all sees the same calls again (--only unpriced no longer sees those it priced).
          if (only === 'all') assert.equal(second.afterNanos, first.afterNanos);
          assert.deepEqual(store.summaryFromRawRows({ groupBy: 'model' }), once);
          const after = store.summaryFromRawRows({});
          // Conservation: calls and tokens never change; cost moves by exactly the reported difference.
          for (const k of [
            'calls',
            'errors',
            'estimatedCalls',
            'inputTokens',
            'outputTokens',
            'reasoningTokens',
          ] as const)
            assert.equal(after.totals[k], before.totals[k], k);
          assert.equal(
            after.totals.costNanos - before.totals.costNanos,
            first.afterNanos - first.beforeNanos,
          );
          assert.equal(before.totals.unpricedCalls - after.totals.unpricedCalls, first.newlyPriced);
          assertRollupsExact(store, 'property');
          const byKey = (rows: ReturnType<typeof store.usage>) => rows.map((r) => JSON.stringify(r)).sort();
          assert.deepEqual(byKey(store.usage({})), byKey(store.usage({ minCostNanos: 0 })), 'usage rollup');
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 25 },
  );
});

/** What reprice must do, call by call (the rules of reprice.ts, without its batching and rollups). */
function repriceByHand(
  rows: CallRow[],
  only: 'unpriced' | 'estimated' | 'all',
  since?: number,
  until?: number,
) {
  const totals = {
    calls: 0,
    changed: 0,
    newlyPriced: 0,
    stillUnpriced: 0,
    keptPrice: 0,
    beforeNanos: 0,
    afterNanos: 0,
  };
  const after = new Map<number, unknown[]>();
  const cols = (r: CallRow) => [
    r.priced,
    r.costNanos,
    r.inputCostNanos,
    r.outputCostNanos,
    r.cacheReadCostNanos,
    r.cacheWriteCostNanos,
    r.pricingMatch,
    r.pricingProvider,
    r.pricingModelId,
    r.pricingSource,
    r.pricingVersion,
    r.pricingTier,
  ];
  for (const r of rows) {
    after.set(r.id, cols(r));
    const selected =
      r.usageKnown &&
      !r.costReported &&
      !['no_usage', 'invalid_usage'].includes(r.pricingMatch) &&
      (only === 'all' || (only === 'unpriced' ? !r.priced : r.estimated)) &&
      (since === undefined || r.startTimeMs >= since) &&
      (until === undefined || r.startTimeMs < until);
    if (!selected) continue;
    totals.calls++;
    totals.beforeNanos += r.costNanos;
    const { cost } = price({
      id: r.id,
      startTimeMs: r.startTimeMs,
      provider: r.provider,
      model: r.responseModel ?? r.requestModel,
      serviceTier: r.serviceTier,
      batch: r.batch,
      serverAddress: r.serverAddress,
      usage: {
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cacheReadTokens: r.cacheReadTokens,
        cacheWriteTokens: r.cacheWriteTokens,
        reasoningTokens: r.reasoningTokens,
        cacheWrite1hTokens: 0,
        inputAudioTokens: 0,
        outputAudioTokens: 0,
        cacheAudioReadTokens: 0,
      },
    });
    if (!cost) {
      totals.afterNanos += r.costNanos;
      if (r.priced) totals.keptPrice++;
      else totals.stillUnpriced++;
      continue;
    }
    totals.afterNanos += cost.totalNanos;
    const now = [
      true,
      cost.totalNanos,
      cost.inputNanos,
      cost.outputNanos,
      cost.cacheReadNanos,
      cost.cacheWriteNanos,
      cost.match,
      cost.provider,
      cost.modelId,
      cost.source,
      cost.version,
      cost.serviceTier,
    ];
    if (JSON.stringify(now) === JSON.stringify(cols(r))) continue;
    totals.changed++;
    if (!r.priced) totals.newlyPriced++;
    after.set(r.id, now);
  }
  return { totals, after, cols };
}

test("reprice gives each selected call exactly the price function's price and reports what a call-by-call reference does (property)", (t) => {
  const dir = tempDir(t);
  let n = 0;
  const center = Date.now();
  fc.assert(
    fc.property(
      fc.array(callArb(center), { minLength: 1, maxLength: 80 }),
      fc.constantFrom('unpriced', 'estimated', 'all' as const),
      fc.integer({ min: 1, max: 9 }),
      fc.option(fc.integer({ min: center - 2 * DAY, max: center + DAY }), { nil: undefined }),
      (records, only, batchSize, since) => {
        const store = openStore(path.join(dir, `ref${n++}.db`));
        try {
          store.insertMany(records);
          const expected = repriceByHand([...store.exportCalls({})], only, since);
          const r = store.reprice({ price, only, batchSize, ...(since !== undefined ? { since } : {}) });
          assert.deepEqual(
            {
              calls: r.calls,
              changed: r.changed,
              newlyPriced: r.newlyPriced,
              stillUnpriced: r.stillUnpriced,
              keptPrice: r.keptPrice,
              beforeNanos: r.beforeNanos,
              afterNanos: r.afterNanos,
            },
            expected.totals,
          );
          assert.equal(
            r.models.reduce((s, m) => s + m.changed, 0),
            r.changed,
          );
          for (const row of store.exportCalls({}))
            assert.deepEqual(expected.cols(row), expected.after.get(row.id), `call ${row.id}`);
          assertRollupsExact(store, 'against the reference');
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 30 },
  );
});

test('reprice while another process is writing calls: no call lost or counted twice', async (t) => {
  const file = path.join(tempDir(t), 'live.db');
  const store = openStore(file);
  const start = Date.now();
  // Calls already stored before the writer starts, in the same hours.
  const early: CallInput[] = Array.from({ length: 3000 }, (_, i) =>
    unpriced({
      startTimeMs: start - (i % 180) * 60_000,
      usage: { inputTokens: 40, outputTokens: 4 },
      attribution: { feature: `f${i % 3}` },
    }),
  );
  store.insertMany(early);
  const COUNT = 6000;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(COUNT), String(start)], {
    cwd: ROOT,
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the writer did not start: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('started')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Small batches, over and over while the writer runs: many interleaved transactions.
  let rounds = 0;
  let running = true;
  void exited.then(() => {
    running = false;
  });
  while (running && rounds < 200) {
    store.reprice({ price, batchSize: 200 });
    rounds++;
    await new Promise((r) => setImmediate(r));
  }
  const code = await exited;
  assert.equal(code, 0, err);
  const stats = JSON.parse(out.trim().split('\n').at(-1)!) as { written: number; dropped: number };
  assert.equal(stats.written, COUNT);
  assert.equal(stats.dropped, 0);
  assert.ok(rounds >= 1);
  store.reprice({ price });
  const s = store.summary({});
  assert.equal(s.totals.calls, early.length + COUNT, 'every call is there once');
  assert.equal(s.totals.unpricedCalls, 0, 'every call has its price');
  // Hand-computed: early calls 40×10 + 4×20 = 480 each; the writer's (100 + i%11)×10 + (7 + i%5)×20.
  let expected = early.length * 480;
  for (let i = 0; i < COUNT; i++) expected += (100 + (i % 11)) * 10 + (7 + (i % 5)) * 20;
  assert.equal(s.totals.costNanos, expected);
  assertRollupsExact(store, 'after the concurrent run');
  store.close();
});
