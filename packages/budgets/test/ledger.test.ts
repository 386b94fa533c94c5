// The three ledgers keep the same contract: an atomic check-and-reserve across a call's budgets,
// settlement with the real cost, hard budgets reserving nothing, rolling windows letting old spend go.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type CallInput, openStore } from '@tokenmeter/store';
import {
  type BudgetDefinition,
  type BudgetLedger,
  MemoryLedger,
  makeDefinition,
  RedisLedger,
  type ReserveRequest,
  StoreLedger,
} from '../src/index.js';
import { describeWithRedis, startRedisServer } from './helpers/redis-server.js';
import { storedCall as stored } from './helpers/stored-call.js';

// Noon UTC tomorrow: fixed day boundaries, and in the future for Redis, whose key expiry runs on the real clock.
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000 + 12 * 3_600_000;
const day = makeDefinition({ source: 'file', id: 'day', period: 'day', limitNanos: 1000, timeZone: 'UTC' });
const acme = makeDefinition({
  source: 'file',
  id: 'acme',
  period: 'day',
  limitNanos: 300,
  tenant: 'acme',
  timeZone: 'UTC',
});
const rolling = makeDefinition({
  source: 'file',
  id: 'r',
  period: 'rolling:1h',
  limitNanos: 100,
  tenant: 'roll',
});

let n = 0;
function req(
  budgets: BudgetDefinition[],
  nanos: number,
  hard: boolean[] = budgets.map(() => true),
  timeMs = T0,
): ReserveRequest {
  return { ref: `ref-${n++}`, timeMs, nanos, budgets, hard };
}

function storedCall(r: ReserveRequest, cost: number, tenant?: string): CallInput {
  return stored(r.timeMs, cost, r.ref, tenant);
}

interface Harness {
  /** Two ledgers sharing state (two processes / hosts), or the same one twice for memory. */
  a: BudgetLedger;
  b: BudgetLedger;
  /** After a settle: what the process does next (the store ledger stores the call with its ref). */
  settled(r: ReserveRequest, cost: number, tenant?: string): Promise<void> | void;
  clock: { now: number };
  close(): Promise<void>;
}

async function contract(make: () => Promise<Harness>): Promise<void> {
  const h = await make();
  try {
    h.clock.now = T0;
    // Within the limits: reserved against both budgets.
    const r1 = req([day, acme], 200);
    assert.deepEqual(await h.a.reserve(r1), { reserved: true, over: [] });
    assert.deepEqual(
      await h.b.spend(acme, T0),
      { spentNanos: 0, reservedNanos: 200 },
      'the other side sees it',
    );
    // 200 reserved + 150 > 300: a hard budget refuses, nothing is reserved.
    const r2 = req([day, acme], 150);
    const refused = await h.b.reserve(r2);
    assert.equal(refused.reserved, false);
    assert.deepEqual(refused.over, [{ index: 1, spentNanos: 0, reservedNanos: 200 }]);
    assert.equal((await h.a.spend(day, T0)).reservedNanos, 200, 'nothing reserved for the refused call');
    // The same call when acme is only a warning: reserved, the overrun reported.
    const r3 = req([day, acme], 150, [true, false]);
    const warned = await h.b.reserve(r3);
    assert.equal(warned.reserved, true);
    assert.deepEqual(warned.over, [{ index: 1, spentNanos: 0, reservedNanos: 200 }]);
    // Settle with the real cost: spent, no longer reserved.
    await h.a.settle(r1, 120);
    await h.settled(r1, 120, 'acme');
    await h.b.settle(r3, 0);
    await h.settled(r3, 0, 'acme');
    assert.deepEqual(await h.a.spend(acme, T0), { spentNanos: 120, reservedNanos: 0 });
    assert.deepEqual(await h.b.spend(day, T0), { spentNanos: 120, reservedNanos: 0 });
    // Exactly at the limit: even a call whose worst case is 0 is refused.
    const r4 = req([acme], 180);
    assert.equal((await h.b.reserve(r4)).reserved, true);
    await h.b.settle(r4, 180);
    await h.settled(r4, 180, 'acme');
    const r5 = await h.a.reserve(req([acme], 0));
    assert.equal(r5.reserved, false);
    assert.deepEqual(r5.over, [{ index: 0, spentNanos: 300, reservedNanos: 0 }]);
    // The next day starts from nothing.
    const tomorrow = T0 + 86_400_000;
    h.clock.now = tomorrow;
    assert.equal((await h.a.reserve(req([acme], 250, [true], tomorrow))).reserved, true);
    // A rolling window lets spend go once its bucket leaves the window.
    h.clock.now = T0;
    const r6 = req([rolling], 90);
    assert.equal((await h.a.reserve(r6)).reserved, true);
    await h.a.settle(r6, 90);
    await h.settled(r6, 90, 'roll');
    assert.equal((await h.b.reserve(req([rolling], 20))).reserved, false);
    const later = T0 + 62 * 60_000;
    h.clock.now = later;
    assert.equal((await h.b.reserve(req([rolling], 20, [true], later))).reserved, true, 'an hour later');
  } finally {
    await h.close();
  }
}

test('memory ledger', async () => {
  await contract(async () => {
    const ledger = new MemoryLedger();
    return { a: ledger, b: ledger, settled: () => {}, clock: { now: T0 }, close: async () => ledger.close() };
  });
});

test('store ledger: two connections to one file, as two processes of a host', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tokenmeter.db');
  await contract(async () => {
    const clock = { now: T0 };
    const a = new StoreLedger(openStore(file), { now: () => clock.now });
    const b = new StoreLedger(openStore(file), { now: () => clock.now });
    const writer = openStore(file);
    return {
      a,
      b,
      clock,
      // The process's store writer stores the call with its ref, which ends the reservation.
      settled: (r, cost, tenant) => void writer.insertMany([storedCall(r, cost, tenant)]),
      close: async () => {
        a.close();
        b.close();
        writer.close();
      },
    };
  });
});

test('store ledger: spend already in the store counts (a budget set mid-period), and a settled call is counted once until it is stored', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-store2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tokenmeter.db');
  const writer = openStore(file);
  writer.insertMany([storedCall(req([], 0), 250, 'acme'), storedCall(req([], 0), 999, 'other')]);
  const clock = { now: T0 };
  const ledger = new StoreLedger(openStore(file), { now: () => clock.now });
  assert.deepEqual(ledger.spend(acme, T0), { spentNanos: 250, reservedNanos: 0 });
  const r = req([acme], 40);
  assert.equal(ledger.reserve(r).reserved, true);
  assert.deepEqual(
    ledger.spend(acme, T0),
    { spentNanos: 250, reservedNanos: 40 },
    'in flight: its worst case',
  );
  ledger.settle(r, 30);
  assert.deepEqual(
    ledger.spend(acme, T0),
    { spentNanos: 280, reservedNanos: 0 },
    'ended: its real cost is spent',
  );
  writer.insertMany([storedCall(r, 30, 'acme')]);
  assert.deepEqual(ledger.spend(acme, T0), { spentNanos: 280, reservedNanos: 0 }, 'stored: counted once');
  assert.equal(
    writer.budgetLedger().reserved(acme.key, 0, Number.MAX_SAFE_INTEGER, T0),
    0,
    'storing the call deleted its reservation',
  );
  ledger.close();
  writer.close();
});

describeWithRedis('redis ledger (a real redis-server)', (redisServer) => {
  test('two clients, as two hosts', async () => {
    await contract(async () => {
      const clock = { now: T0 };
      const a = new RedisLedger({
        url: redisServer().url,
        now: () => clock.now,
        timeoutMs: 5000,
        connectTimeoutMs: 30_000,
      });
      const b = new RedisLedger({
        url: redisServer().url,
        now: () => clock.now,
        timeoutMs: 5000,
        connectTimeoutMs: 30_000,
      });
      return {
        a,
        b,
        clock,
        settled: () => {},
        close: async () => {
          a.close();
          b.close();
        },
      };
    });
  });

  test('a dead Redis fails each check at once (no wait per call), and the ledger recovers when it is back', async () => {
    const dead = await startRedisServer();
    // A command timeout far beyond anything a loaded machine takes: a check that waited for it
    // loses the race below, so the assertion is about behaviour, not speed.
    const timeoutMs = 60_000;
    const ledger = new RedisLedger({ url: dead.url, timeoutMs, connectTimeoutMs: 30_000 });
    assert.equal((await ledger.reserve(req([day], 1))).reserved, true);
    await dead.stop();
    await new Promise((r) => setTimeout(r, 100));
    let timer: NodeJS.Timeout | undefined;
    const waitedForTimeout = new Promise<'waited'>((r) => {
      timer = setTimeout(() => r('waited'), timeoutMs - 1000);
    });
    const outcome = await Promise.race([
      ledger.reserve(req([day], 1)).then(
        () => 'reserved',
        () => 'rejected',
      ),
      waitedForTimeout,
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'rejected', 'a dead Redis fails the check without waiting for the timeout');
    const again = await startRedisServer(dead.port);
    try {
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        ok = await ledger.reserve(req([day], 1)).then(
          (r) => r.reserved,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ok, 'reconnected');
    } finally {
      ledger.close();
      await again.stop();
    }
  });
});
