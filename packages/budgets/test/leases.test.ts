// Leases of headroom: a process checks its calls in memory against headroom taken from the shared
// ledger (the store, Redis) in one step. Held leases count as reserved for every other process,
// shrink to one call's worst case at the edge, are given back when idle and at close, and lapse
// when their process dies. Two ledgers on one store file (or one redis-server) stand for two
// processes (or hosts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openStore } from '@tokenmeter/store';
import {
  BudgetChecker,
  type BudgetDecision,
  type BudgetLedger,
  type BudgetRequest,
  LEASE_IDLE_MS,
  LEASE_SHARE,
  LEASE_TTL_MS,
  type LeaseRequest,
  type LeaseResult,
  makeDefinition,
  RedisLedger,
  StoreLedger,
  worstCaseNanos,
} from '../src/index.js';
import { describeWithRedis } from './helpers/redis-server.js';
import { storedCall } from './helpers/stored-call.js';

// Noon UTC tomorrow (in the future for Redis, whose key expiry runs on the real clock).
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000 + 12 * 3_600_000;

function request(): BudgetRequest {
  return { provider: 'openai', model: 'gpt-4o-mini', timeMs: T0, inputTokens: () => 10, maxOutputTokens: 10 };
}
const W = worstCaseNanos(request());
/** What a call really cost: half its worst case. */
const H = Math.floor(W / 2);

function budget(limitNanos: number) {
  return makeDefinition({
    source: 'file',
    id: 'b',
    period: 'day',
    limitNanos,
    action: 'block',
    timeZone: 'UTC',
  });
}

/** Counts the ledger steps a ledger is asked for. */
function counted<L extends BudgetLedger>(ledger: L): L & { steps: number } {
  const lease = ledger.lease!.bind(ledger);
  const l = ledger as L & { steps: number };
  l.steps = 0;
  l.lease = (r) => {
    l.steps++;
    return lease(r);
  };
  return l;
}

async function proceed(c: BudgetChecker): Promise<Extract<BudgetDecision, { action: 'proceed' }>> {
  const d = await c.check(request());
  assert.equal(d.action, 'proceed');
  return d as Extract<BudgetDecision, { action: 'proceed' }>;
}

function storeFile(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'leases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'tokenmeter.db');
}

test('a lease: calls are checked in memory after one ledger step, and the lease is reserved for the other processes', async (t) => {
  const file = storeFile(t);
  const clock = { now: T0 };
  const now = () => clock.now;
  const limit = 1_000_000 * W;
  const b = budget(limit);
  const mine = counted(new StoreLedger(openStore(file), { now }));
  const checker = new BudgetChecker({ ledger: mine, budgets: [b], now });
  const other = new StoreLedger(openStore(file), { now });
  const writer = openStore(file);
  t.after(() => {
    other.close();
    writer.close();
  });

  const tickets = [];
  for (let i = 0; i < 100; i++) tickets.push((await proceed(checker)).ticket!);
  assert.equal(mine.steps, 1, 'one ledger step for 100 calls');
  const lease = Math.floor(limit * LEASE_SHARE);
  assert.deepEqual(
    other.spend(b, T0),
    { spentNanos: 0, reservedNanos: lease },
    'the lease is held for the others',
  );

  // The calls end at half their worst case and are stored with the lease's ref: each is counted once.
  for (const ticket of tickets) {
    assert.equal(ticket.storeRef, true);
    ticket.settle(H);
  }
  writer.insertMany(tickets.map((ticket) => storedCall(T0, H, ticket.ref)));
  assert.deepEqual(other.spend(b, T0), { spentNanos: 100 * H, reservedNanos: lease - 100 * H });

  // Closing gives the rest back.
  await checker.close();
  assert.deepEqual(other.spend(b, T0), { spentNanos: 100 * H, reservedNanos: 0 });
});

test('at the edge leases shrink to one call: two processes never reserve past the limit, and a call is refused only when no worst case fits', async (t) => {
  const file = storeFile(t);
  const clock = { now: T0 };
  const now = () => clock.now;
  const limit = Math.floor(3.5 * W);
  const b = budget(limit);
  const a = new BudgetChecker({ ledger: new StoreLedger(openStore(file), { now }), budgets: [b], now });
  const c = new BudgetChecker({ ledger: new StoreLedger(openStore(file), { now }), budgets: [b], now });
  const watcher = new StoreLedger(openStore(file), { now });
  t.after(async () => {
    await a.close();
    await c.close();
    watcher.close();
  });

  await proceed(a);
  await proceed(c);
  await proceed(a);
  assert.deepEqual(
    watcher.spend(b, T0),
    { spentNanos: 0, reservedNanos: 3 * W },
    'three worst cases, no more',
  );
  const refused = await c.check(request());
  assert.equal(refused.action, 'block');
  assert.match((refused as { message: string }).message, /held by calls in flight/);
  assert.equal(watcher.spend(b, T0).reservedNanos, 3 * W, 'a refused call reserves nothing');
});

test('an idle lease is given back; a dead process lease lapses', async (t) => {
  const file = storeFile(t);
  const clock = { now: T0 };
  const now = () => clock.now;
  const limit = 1_000_000 * W;
  const b = budget(limit);
  const idle = new BudgetChecker({ ledger: new StoreLedger(openStore(file), { now }), budgets: [b], now });
  const other = new StoreLedger(openStore(file), { now });
  t.after(async () => {
    await idle.close();
    other.close();
  });
  (await proceed(idle)).ticket!.settle(0);
  const lease = Math.floor(limit * LEASE_SHARE);
  assert.equal(other.spend(b, T0).reservedNanos, lease);
  clock.now += LEASE_IDLE_MS;
  // The lease tick (every second, on the real clock) gives it back.
  for (let i = 0; i < 50 && other.spend(b, T0).reservedNanos !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(other.spend(b, T0).reservedNanos, 0, 'given back when idle');

  // A process that dies holding a lease: it lapses LEASE_TTL_MS after it was last refreshed.
  const dead = new BudgetChecker({ ledger: new StoreLedger(openStore(file), { now }), budgets: [b], now });
  await proceed(dead);
  assert.ok(other.spend(b, clock.now).reservedNanos > 0);
  clock.now += LEASE_TTL_MS + 1;
  assert.equal(other.spend(b, clock.now).reservedNanos, 0, 'lapsed');
  await dead.close();
});

test('a lease stays known while the ledger has not answered: what it was granted is given back at close', async () => {
  // A ledger that answers the second step only when told to, as Redis may under load while the
  // lease tick runs.
  const requests: LeaseRequest[] = [];
  let answer: ((r: LeaseResult) => void) | undefined;
  const ledger: BudgetLedger = {
    kind: 'redis',
    storeRef: false,
    reserve: () => ({ reserved: true, over: [] }),
    settle: () => {},
    spend: () => ({ spentNanos: 0, reservedNanos: 0 }),
    lease: (r) => {
      requests.push(r);
      if (requests.length === 2) {
        return new Promise((resolve) => {
          answer = resolve;
        });
      }
      const grantedNanos = r.changes.map((c) => (requests.length === 1 ? c.needNanos : 0));
      return Promise.resolve({ granted: true, grantedNanos, over: [] });
    },
    close: () => {},
  };
  const checker = new BudgetChecker({ ledger, budgets: [budget(1_000_000 * W)] });
  // A first call, granted its worst case exactly (the lease tick starts), ends at its worst case.
  (await proceed(checker)).ticket!.settle(W);
  // The second call's step is not answered while the tick runs.
  const pending = checker.check(request());
  await new Promise((r) => setTimeout(r, 1500));
  answer!({ granted: true, grantedNanos: [10 * W], over: [] });
  const d = await pending;
  assert.equal(d.action, 'proceed');
  (d as Extract<BudgetDecision, { action: 'proceed' }>).ticket!.settle(H);
  await checker.close();
  const back = requests.slice(2).flatMap((r) => r.changes);
  const released = back.reduce((a, c) => a + c.releaseNanos, 0);
  const spent = back.reduce((a, c) => a + c.spentNanos, 0) + requests[1]!.changes[0]!.spentNanos;
  assert.equal(released, 10 * W - H, 'the rest of the lease given back');
  assert.equal(spent, W + H, 'the spend of both calls sent');
});

describeWithRedis('leases on a real redis-server', (redisServer) => {
  test('a host leases headroom in one script, the others see it reserved; closing moves the spend and gives the rest back', async () => {
    const clock = { now: T0 };
    const now = () => clock.now;
    const options = { url: redisServer().url, now, timeoutMs: 5000, connectTimeoutMs: 30_000 };
    const limit = 1_000_000 * W;
    const b = budget(limit);
    const mine = counted(new RedisLedger(options));
    const checker = new BudgetChecker({ ledger: mine, budgets: [b], now });
    const other = new RedisLedger(options);
    try {
      const tickets = [];
      for (let i = 0; i < 50; i++) tickets.push((await proceed(checker)).ticket!);
      assert.equal(mine.steps, 1, 'one script for 50 calls');
      const lease = Math.floor(limit * LEASE_SHARE);
      assert.deepEqual(await other.spend(b, T0), { spentNanos: 0, reservedNanos: lease });
      for (const ticket of tickets) ticket.settle(H);
      await checker.close();
      assert.deepEqual(await other.spend(b, T0), { spentNanos: 50 * H, reservedNanos: 0 });
    } finally {
      await other.close();
    }
  });

  test('at the edge two hosts never reserve past the limit', async () => {
    const clock = { now: T0 + 3_600_000 };
    const now = () => clock.now;
    const options = { url: redisServer().url, now, timeoutMs: 5000, connectTimeoutMs: 30_000 };
    const b = makeDefinition({
      source: 'file',
      id: 'edge',
      period: 'day',
      limitNanos: Math.floor(2.5 * W),
      action: 'block',
      timeZone: 'UTC',
      tenant: 'edge',
    });
    const edge = () => ({ ...request(), tenant: 'edge', timeMs: clock.now });
    const a = new BudgetChecker({ ledger: new RedisLedger(options), budgets: [b], now });
    const c = new BudgetChecker({ ledger: new RedisLedger(options), budgets: [b], now });
    const watcher = new RedisLedger(options);
    try {
      assert.equal((await a.check(edge())).action, 'proceed');
      assert.equal((await c.check(edge())).action, 'proceed');
      assert.equal((await a.check(edge())).action, 'block');
      assert.equal((await c.check(edge())).action, 'block');
      assert.deepEqual(await watcher.spend(b, clock.now), { spentNanos: 0, reservedNanos: 2 * W });
    } finally {
      await a.close();
      await c.close();
      await watcher.close();
    }
  });
});
