import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CallFilter, openStore, StoreQueryError } from '../src/index.js';
import { call, callArb, DAY, HOUR, matches, tempDir } from './helpers.js';

test('hourlyCost equals a brute-force sum per hour, for random calls, filters and ranges (rollup or raw rows)', (t) => {
  const dir = tempDir(t);
  const now = Date.UTC(2026, 10, 20, 12, 30);
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(callArb(now), { minLength: 1, maxLength: 100 }),
      fc.integer({ min: now - 4 * DAY, max: now }),
      fc.integer({ min: 0, max: 3 * DAY }),
      fc.constantFrom<CallFilter>(
        {},
        { provider: 'openai' },
        { model: 'm-a' },
        { feature: 'f1', tenant: 't1' },
        { user: 'u2' },
        { service: 'api' },
        { errors: true },
        { provider: 'nope' },
      ),
      (records, since, span, filter) => {
        const store = openStore(path.join(dir, `h${n++}.db`));
        try {
          store.insertMany(records);
          const until = since + span;
          const got = store.hourlyCost({ ...filter, since, until });
          const startMs = Math.floor(since / HOUR) * HOUR;
          const hours = Math.ceil(until / HOUR) - Math.floor(since / HOUR);
          const want = new Array<number>(hours).fill(0);
          for (const r of records) {
            const i = Math.floor((r.startTimeMs - startMs) / HOUR);
            if (i < 0 || i >= hours || !matches(r, { ...filter })) continue;
            want[i]! += r.cost?.totalNanos ?? 0;
          }
          assert.deepEqual(got, { startMs, costNanos: want });
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('hourlyCost refuses an open or year-long range with one line naming the bound', (t) => {
  const store = openStore(path.join(tempDir(t), 's.db'));
  t.after(() => store.close());
  store.insertMany([call()]);
  assert.throws(() => store.hourlyCost({ since: 0 }), StoreQueryError);
  assert.throws(() => store.hourlyCost({ since: 0, until: 500 * DAY }), /at most 9600 hours/);
});
