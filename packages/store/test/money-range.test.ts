// Sums read from the store are exact or refused. Beyond 2^53 nano-USD (9,007,199 USD) a JavaScript
// number stops being exact: better-sqlite3 (Node 20) would round such a sum silently and node:sqlite
// (Node 22.13+) throws its own RangeError. Both must give the same StoreError, kind 'out_of_range'
// (CI runs this file on Node 20, 22, 24 and 26).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type CallInput, openStore, SqliteCostStore, StoreError } from '../src/index.js';
import { call, DAY, HOUR, tempDir } from './helpers.js';

const USD = 1_000_000_000;
// 4e15 + 1 nano-USD each: one is exact, three add up to 1.2e16 + 3, beyond 2^53 - 1.
const EACH = 4_000_000 * USD + 1;
const AT = Date.UTC(2026, 10, 2, 12);

function bigCall(tenant: string, at: number): CallInput {
  const c = call({ startTimeMs: at, attribution: { tenant } });
  return { ...c, cost: { ...c.cost!, totalNanos: EACH, inputNanos: EACH, outputNanos: 0 } };
}

function refused(fn: () => unknown, what: string): void {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof StoreError &&
      e.kind === 'out_of_range' &&
      /beyond 9,007,199 USD \(2\^53 nano-USD/.test(e.message) &&
      /--since\/--until/.test(e.message) &&
      !/Value is too large/.test(e.message),
    what,
  );
}

function withBigStore(t: { after: (fn: () => void) => void }, fn: (store: SqliteCostStore) => void): void {
  const store = openStore(path.join(tempDir(t), 'big.db'));
  t.after(() => store.close());
  assert.ok(store instanceof SqliteCostStore);
  // Three tenants in the same hour: every sum over the hour (rollups and raw rows) passes 2^53.
  store.insertMany(['acme', 'globex', 'initech'].map((tenant, i) => bigCall(tenant, AT + i)));
  fn(store);
}

test('a summary whose total is beyond 2^53 nano-USD is refused as out_of_range on every driver, never rounded', (t) => {
  withBigStore(t, (store) => {
    const range = { since: AT - DAY, until: AT + DAY };
    refused(() => store.summary(range), 'summary');
    refused(() => store.summary({ ...range, groupBy: 'tenant' }), 'summary by tenant');
    refused(() => store.summary({ ...range, groupBy: 'day', timeZone: 'UTC' }), 'summary by day');
    refused(() => store.summaryFromRawRows(range), 'summary from raw rows');
    refused(() => store.summary(), 'all time');
    refused(() => store.hourlyCost(range), 'hourly cost');
    refused(() => store.usage(range), 'usage');
  });
});

test('a narrower selection below 2^53 nano-USD is exact to the nano-dollar', (t) => {
  withBigStore(t, (store) => {
    const range = { since: AT - DAY, until: AT + DAY };
    assert.equal(store.summary({ ...range, tenant: 'globex' }).totals.costNanos, EACH);
    assert.equal(store.summary({ ...range, tenant: 'acme', groupBy: 'model' }).groups[0]?.costNanos, EACH);
    const hourly = store.hourlyCost({ ...range, tenant: 'initech' });
    assert.equal(hourly.costNanos[(Math.floor(AT / HOUR) * HOUR - hourly.startMs) / HOUR], EACH);
  });
});

test('the Prometheus totals of an all-time cost beyond 2^53 nano-USD are read on every driver (floats, as samples are)', (t) => {
  const store = openStore(path.join(tempDir(t), 'one-tenant.db'));
  t.after(() => store.close());
  store.insertMany([0, 1, 2].map((i) => bigCall('acme', AT + i)));
  const rows = store.metricTotals();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.requests, 3);
  assert.equal(rows[0]?.costNanos, Number(3n * BigInt(EACH)));
});

test('the rolling window of a tenant beyond 2^53 nano-USD is read on every driver (floats, as the gauge is), while the exact summary is refused', (t) => {
  const store = openStore(path.join(tempDir(t), 'rolling.db'));
  t.after(() => store.close());
  // 30 minutes into the hour: the window reads raw rows, then hourly rollups.
  const now = AT + 30 * 60_000;
  store.insertMany([
    bigCall('acme', now - DAY + 60_000),
    bigCall('acme', now - 3 * HOUR),
    bigCall('acme', now - 1000),
    bigCall('acme', now - DAY - 60_000), // before the window
    bigCall('globex', now - HOUR),
  ]);
  assert.deepEqual(store.rollingWindow(now - DAY), [
    { tenant: 'acme', costNanos: Number(3n * BigInt(EACH)) },
    { tenant: 'globex', costNanos: EACH },
  ]);
  refused(() => store.summary({ since: now - DAY, groupBy: 'tenant' }), 'exact summary of the same window');
});
