import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CallInput, type GroupBy, openStore, type SummaryQuery } from '../src/index.js';
import { bruteSummary, call, callArb, DAY, HOUR, sortByKey, tempDir } from './helpers.js';

const GROUPS: GroupBy[] = ['model', 'provider', 'feature', 'user', 'tenant', 'day', 'operation', 'service'];

function assertSameAsBrute(store: ReturnType<typeof openStore>, records: CallInput[], q: SummaryQuery): void {
  const expected = bruteSummary(records, q);
  const got = store.summary(q);
  assert.deepEqual(got.totals, expected.totals, `totals ${JSON.stringify(q)}`);
  assert.deepEqual(sortByKey(got.groups), expected.groups, `groups ${JSON.stringify(q)}`);
}

function bruteMetricTotals(records: CallInput[]) {
  const m = new Map<string, { requests: number; priced: number; costNanos: number; inputTokens: number }>();
  for (const r of records) {
    const k = JSON.stringify([
      r.provider,
      r.requestModel ?? r.responseModel ?? null,
      r.attribution.tenant ?? null,
    ]);
    const e = m.get(k) ?? { requests: 0, priced: 0, costNanos: 0, inputTokens: 0 };
    e.requests++;
    if (r.cost) e.priced++;
    e.costNanos += r.cost?.totalNanos ?? 0;
    e.inputTokens += r.usage?.inputTokens ?? 0;
    m.set(k, e);
  }
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

function storeMetricTotals(store: ReturnType<typeof openStore>) {
  return store
    .metricTotals()
    .map(
      (r) =>
        [
          JSON.stringify([r.provider, r.model, r.tenant]),
          { requests: r.requests, priced: r.priced, costNanos: r.costNanos, inputTokens: r.inputTokens },
        ] as const,
    )
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

test('late calls, older than hours already moved into the day rollups, are counted everywhere', (t) => {
  const store = openStore(path.join(tempDir(t), 'late.db'));
  const now = Date.now();
  const hour = Math.floor(now / HOUR) * HOUR;
  const records: CallInput[] = [];
  const mk = (ms: number, i: number) =>
    call({
      startTimeMs: ms,
      attribution: { tenant: `t${i % 2}`, user: `u${i % 3}`, feature: `f${i % 2}` },
      cost: { ...call().cost!, totalNanos: 1000 + i },
    });
  // First batch: now. It moves every hour before now-1h into the day rollups.
  for (let i = 0; i < 10; i++) records.push(mk(now - i * 1000, i));
  store.insertMany(records);
  // Late batches: the hour right below the watermark, older hours of today and yesterday, last week.
  for (const back of [2, 3, 5, 20, 26, 30, 24 * 7]) {
    const late = [mk(hour - back * HOUR + 17, back), mk(hour - back * HOUR + HOUR - 1, back + 1)];
    records.push(...late);
    store.insertMany(late);
  }
  for (const groupBy of [undefined, ...GROUPS]) {
    for (const since of [undefined, hour - 8 * DAY, hour - 30 * HOUR + 5, hour - 3 * HOUR]) {
      const q: SummaryQuery = { timeZone: 'UTC' };
      if (groupBy) q.groupBy = groupBy;
      if (since !== undefined) q.since = since;
      assertSameAsBrute(store, records, q);
      assertSameAsBrute(store, records, { ...q, until: hour - 2 * HOUR + 30 });
      assertSameAsBrute(store, records, { ...q, user: 'u1' });
      assertSameAsBrute(store, records, { ...q, tenant: 't0', feature: 'f0' });
    }
  }
  assert.deepEqual(storeMetricTotals(store), bruteMetricTotals(records));
  store.close();
});

test('prune: a dry run reports without deleting; afterwards every summary equals the remaining raw rows', (t) => {
  const dir = tempDir(t);
  const now = Date.now();
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(callArb(now), { minLength: 1, maxLength: 150 }),
      fc.integer({ min: now - 4 * DAY, max: now + DAY }),
      fc.array(
        fc.record({
          since: fc.option(fc.integer({ min: now - 4 * DAY, max: now + DAY }), { nil: undefined }),
          groupBy: fc.option(fc.constantFrom(...GROUPS), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      (records, cutoff, queries) => {
        const store = openStore(path.join(dir, `prune${n++}.db`));
        try {
          store.insertMany(records);
          const before = store.summary({}).totals;
          const older = records.filter((r) => r.startTimeMs < cutoff).length;
          const dry = store.prune({ olderThan: cutoff, dryRun: true });
          assert.deepEqual(dry, { cutoffMs: cutoff, deletedCalls: older, dryRun: true });
          assert.deepEqual(store.summary({}).totals, before, 'a dry run deletes nothing');
          const done = store.prune({ olderThan: cutoff });
          assert.deepEqual(done, { cutoffMs: cutoff, deletedCalls: older, dryRun: false });
          const kept = records.filter((r) => r.startTimeMs >= cutoff);
          for (const q of queries) {
            const sq: SummaryQuery = { timeZone: 'UTC' };
            if (q.since !== undefined) sq.since = q.since;
            if (q.groupBy) sq.groupBy = q.groupBy;
            assertSameAsBrute(store, kept, sq);
            assert.deepEqual(store.summary(sq).totals, store.summaryFromRawRows(sq).totals);
          }
          assert.deepEqual(storeMetricTotals(store), bruteMetricTotals(kept));
          assert.equal(store.health({ quickCheck: false }).calls, kept.length);
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('prune deletes in chunks and leaves rollups consistent on a larger store', (t) => {
  const store = openStore(path.join(tempDir(t), 'big.db'));
  const start = Date.UTC(2026, 9, 1);
  const records: CallInput[] = [];
  for (let i = 0; i < 60_000; i++) {
    records.push(
      call({
        startTimeMs: start + Math.floor(i * 60_000 + (i % 7) * 1000),
        attribution: { tenant: `t${i % 5}`, user: `u${i % 50}` },
        cost: { ...call().cost!, totalNanos: i },
      }),
    );
  }
  store.insertMany(records);
  const cutoff = start + 25 * DAY + 1234;
  const res = store.prune({ olderThan: cutoff });
  const kept = records.filter((r) => r.startTimeMs >= cutoff);
  assert.equal(res.deletedCalls, records.length - kept.length);
  for (const groupBy of GROUPS) assertSameAsBrute(store, kept, { groupBy, timeZone: 'UTC' });
  assert.equal(store.health().ok, true);
  assert.equal(store.calls({ limit: 1 }).calls[0]?.startTimeMs, records[records.length - 1]!.startTimeMs);
  store.close();
});

test('batches of any size store every call once in order, and runs of calls sharing labels and hour sum into the right rollups', (t) => {
  const store = openStore(path.join(tempDir(t), 'runs.db'));
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  const records: CallInput[] = [];
  let i = 0;
  // Batch sizes around the multi-row statements' widths (32, 16, 8, 4, 2, 1) and their sums.
  for (const size of [1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 250]) {
    const batch: CallInput[] = [];
    for (let k = 0; k < size; k++, i++) {
      // Runs of 1-5 calls with the same labels; the hour and the model change between runs.
      const run = Math.floor(i / (1 + (i % 5)));
      batch.push(
        call({
          startTimeMs: hour - (run % 3) * HOUR - (i % 7) * 1000,
          requestModel: `m-${run % 4}`,
          responseId: `r-${i}`,
          attribution: run % 2 === 0 ? { tenant: `t${run % 3}`, user: 'u1' } : { feature: 'f1' },
          cost: { ...call().cost!, totalNanos: 1000 + i },
        }),
      );
    }
    records.push(...batch);
    assert.equal(store.insertMany(batch), size);
  }
  const rows = store.callsAfterId(0, 1000);
  assert.deepEqual(
    rows.map((r) => r.responseId),
    records.map((r) => r.responseId),
  );
  for (const groupBy of [undefined, ...GROUPS]) {
    const q: SummaryQuery = { timeZone: 'UTC' };
    if (groupBy) q.groupBy = groupBy;
    assertSameAsBrute(store, records, q);
    assertSameAsBrute(store, records, { ...q, since: hour - HOUR });
    assertSameAsBrute(store, records, { ...q, tenant: 't0' });
  }
  assert.deepEqual(storeMetricTotals(store), bruteMetricTotals(records));
  store.close();
});
