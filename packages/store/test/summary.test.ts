import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CallInput, type GroupBy, openStore, type SummaryQuery } from '../src/index.js';
import { bruteSummary, call, callArb, DAY, HOUR, sortByKey, tempDir } from './helpers.js';

const GROUPS: (GroupBy | undefined)[] = [
  undefined,
  'model',
  'provider',
  'feature',
  'user',
  'tenant',
  'day',
  'operation',
  'service',
];

test('summary from rollups equals raw rows and a brute-force sum, for random calls, ranges, filters and groups', (t) => {
  const dir = tempDir(t);
  const now = Date.now();
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(callArb(now), { minLength: 1, maxLength: 120 }),
      fc.array(
        fc.record({
          since: fc.option(fc.integer({ min: now - 4 * DAY, max: now + DAY }), { nil: undefined }),
          span: fc.option(fc.integer({ min: 0, max: 5 * DAY }), { nil: undefined }),
          groupBy: fc.constantFrom(...GROUPS),
          timeZone: fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
          filter: fc.constantFrom<Partial<SummaryQuery>>(
            {},
            { provider: 'openai' },
            { model: 'm-a' },
            { feature: 'f1' },
            { user: 'u2' },
            { tenant: 't1' },
            { service: 'api' },
            { tenant: 't2', user: 'u1' },
            { feature: 'f2', tenant: 't1' },
            { errors: true },
            { unpriced: true },
            { estimated: true },
            { minCostNanos: 5_000_000_000 },
            { provider: 'nope' },
          ),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      fc.integer({ min: 1, max: 3 }),
      (records, queries, parts) => {
        const store = openStore(path.join(dir, `p${n++}.db`));
        try {
          // Several batches in random time order: later batches hold calls older than hours
          // already moved into the day rollups (late arrivals).
          const size = Math.ceil(records.length / parts);
          for (let i = 0; i < parts; i++) store.insertMany(records.slice(i * size, (i + 1) * size));
          for (const qq of queries) {
            const q: SummaryQuery = { ...qq.filter, timeZone: qq.timeZone };
            if (qq.groupBy !== undefined) q.groupBy = qq.groupBy;
            if (qq.since !== undefined) q.since = qq.since;
            if (qq.span !== undefined) q.until = (qq.since ?? now - 4 * DAY) + qq.span;
            const expected = bruteSummary(records, q);
            const fast = store.summary(q);
            const raw = store.summaryFromRawRows(q);
            assert.deepEqual(fast.totals, expected.totals, `totals ${JSON.stringify(q)}`);
            assert.deepEqual(raw.totals, expected.totals, `raw totals ${JSON.stringify(q)}`);
            assert.deepEqual(sortByKey(fast.groups), expected.groups, `groups ${JSON.stringify(q)}`);
            assert.deepEqual(sortByKey(raw.groups), expected.groups, `raw groups ${JSON.stringify(q)}`);
          }
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('groups are sorted by cost (days ascending) and limit keeps the most expensive', (t) => {
  const store = openStore(path.join(tempDir(t), 's.db'));
  const base = Date.UTC(2026, 10, 2, 10);
  const cost = (n: number) => ({ ...call().cost!, totalNanos: n });
  store.insertMany([
    call({ startTimeMs: base, responseModel: 'cheap', cost: cost(10) }),
    call({ startTimeMs: base + DAY, responseModel: 'dear', cost: cost(300) }),
    call({ startTimeMs: base + 2 * DAY, responseModel: 'mid', cost: cost(100) }),
    call({ startTimeMs: base + 2 * DAY + HOUR, responseModel: 'mid', cost: cost(100) }),
  ]);
  const byModel = store.summary({ groupBy: 'model' });
  assert.deepEqual(
    byModel.groups.map((g) => [g.key, g.costNanos]),
    [
      ['dear', 300],
      ['mid', 200],
      ['cheap', 10],
    ],
  );
  assert.equal(byModel.totals.costNanos, 510);
  const top = store.summary({ groupBy: 'model', limit: 2 });
  assert.deepEqual(
    top.groups.map((g) => g.key),
    ['dear', 'mid'],
  );
  assert.equal(top.totals.costNanos, 510, 'totals cover every group, not only the ones kept');
  const days = store.summary({ groupBy: 'day', timeZone: 'UTC' });
  assert.deepEqual(
    days.groups.map((g) => [g.key, g.costNanos]),
    [
      ['2026-11-02', 10],
      ['2026-11-03', 300],
      ['2026-11-04', 200],
    ],
  );
  store.close();
});

test('day grouping follows calendar days of the time zone across DST changes', (t) => {
  const store = openStore(path.join(tempDir(t), 'dst.db'));
  // New York falls back on 2026-11-01 (a 25-hour day) and springs forward on 2026-03-08 (23 hours).
  const records: CallInput[] = [];
  for (let h = 0; h < 24 * 4; h++) {
    records.push(call({ startTimeMs: Date.UTC(2026, 9, 31, 0) + h * HOUR + 30 * 60_000 }));
    records.push(call({ startTimeMs: Date.UTC(2026, 2, 7, 0) + h * HOUR + 30 * 60_000 }));
  }
  store.insertMany(records);
  const fall = store.summary({
    groupBy: 'day',
    timeZone: 'America/New_York',
    since: Date.UTC(2026, 9, 31, 4), // Oct 31 00:00 EDT
    until: Date.UTC(2026, 10, 3, 5), // Nov 3 00:00 EST
  });
  assert.deepEqual(
    fall.groups.map((g) => [g.key, g.calls]),
    [
      ['2026-10-31', 24],
      ['2026-11-01', 25],
      ['2026-11-02', 24],
    ],
  );
  const spring = store.summary({
    groupBy: 'day',
    timeZone: 'America/New_York',
    since: Date.UTC(2026, 2, 7, 5), // Mar 7 00:00 EST
    until: Date.UTC(2026, 2, 10, 4), // Mar 10 00:00 EDT
  });
  assert.deepEqual(
    spring.groups.map((g) => [g.key, g.calls]),
    [
      ['2026-03-07', 24],
      ['2026-03-08', 23],
      ['2026-03-09', 24],
    ],
  );
  // India is UTC+5:30: every local midnight falls mid-hour, read from raw rows; still exact.
  const india = store.summary({ groupBy: 'day', timeZone: 'Asia/Kolkata' });
  const brute = bruteSummary(records, { groupBy: 'day', timeZone: 'Asia/Kolkata' });
  assert.deepEqual(sortByKey(india.groups), brute.groups);
  store.close();
});

test('summary rejects bad arguments with StoreQueryError', (t) => {
  const store = openStore(path.join(tempDir(t), 'bad.db'));
  assert.throws(() => store.summary({ timeZone: 'Mars/Olympus' }), {
    name: 'StoreQueryError',
    message: /time zone/,
  });
  assert.throws(() => store.summary({ groupBy: 'colour' as GroupBy }), {
    name: 'StoreQueryError',
    message: /groupBy/,
  });
  assert.throws(() => store.summary({ since: 10, until: 5 }), {
    name: 'StoreQueryError',
    message: /after until/,
  });
  assert.throws(() => store.summary({ since: Number.NaN }), { name: 'StoreQueryError' });
  assert.throws(() => store.summary({ limit: 0 }), { name: 'StoreQueryError' });
  // A value the store never saw is not an error: nothing matches.
  assert.equal(store.summary({ user: "nobody'; DROP TABLE calls; --" }).totals.calls, 0);
  store.close();
});
