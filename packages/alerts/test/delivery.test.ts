// Delivery from the outbox to local HTTP receivers that fail, rate-limit, hang, drop the connection,
// are down, and recover: every notice arrives exactly once, and what cannot be delivered is given up
// after a bounded time with the reason recorded.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CostStore, openStore } from '@tokenmeter/store';
import { parseRetryAfter } from '../src/delivery/backoff.js';
import { type DeliveryContext, type DeliveryEvent, deliverDue } from '../src/delivery/outbox.js';
import type { DeliveryOptions, SinkTarget } from '../src/types.js';
import { type Behaviour, type Receiver, startReceiver, tempDir } from './helpers.js';

// Short retry delays; a time limit long enough that only the receiver that hangs on purpose meets it,
// even on a loaded machine.
const FAST: DeliveryOptions = { timeoutMs: 2000, baseDelayMs: 10, maxDelayMs: 40, giveUpAfterMs: 60_000 };

function storeWithNotices(t: Parameters<typeof tempDir>[0], sink: string, ids: string[]): CostStore {
  const store = openStore(path.join(tempDir(t), 'o.db'));
  t.after(() => store.close());
  store.alerts.apply(
    [
      {
        op: 'open',
        alert: {
          key: 'spend_spike',
          kind: 'spend_spike',
          severity: 'critical',
          level: 2,
          openedMs: Date.now(),
          detail: {},
          notifiedMs: Date.now(),
          notifiedLevel: 2,
        },
        messages: ids.map((id) => ({ id, sink, notice: 'trigger' as const, body: JSON.stringify({ id }) })),
      },
    ],
    Date.now(),
  );
  return store;
}

function target(url: string): SinkTarget {
  return { name: 'hook', kind: 'webhook', url, secret: 'k', minSeverity: 'warning' };
}

/** Delivers until nothing is pending (sleeping until the next due time), at most `rounds` rounds. */
async function drain(ctx: DeliveryContext, rounds = 100): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await deliverDue(ctx);
    const next = ctx.alerts.nextDueMs();
    if (next === null) return;
    await sleep(Math.max(0, next - Date.now()));
  }
  throw new Error(`still pending after ${rounds} rounds`);
}

function context(
  store: CostStore,
  recv: { url: string },
  events: DeliveryEvent[],
  options = FAST,
): DeliveryContext {
  return {
    alerts: store.alerts,
    sinks: new Map([['hook', target(recv.url)]]),
    options,
    now: Date.now,
    onEvent: (e) => events.push(e),
    inFlight: new Set(),
  };
}

const ids = (r: Receiver) => r.accepted().map((x) => (x.json as { id: string }).id);

test('a receiver that fails, rate-limits, hangs and drops connections, then recovers, gets each notice exactly once', {
  timeout: 30_000,
}, async (t) => {
  const script: Behaviour[] = [
    { status: 503 },
    { status: 429, headers: { 'retry-after': '1' } },
    'hang',
    'reset',
    { status: 500 },
  ];
  const recv = await startReceiver(script);
  t.after(() => recv.close());
  const store = storeWithNotices(t, 'hook', ['n1', 'n2', 'n3']);
  const events: DeliveryEvent[] = [];
  await drain(context(store, recv, events));
  // Each notice reached the receiver, and the outbox counts every attempt the receiver saw.
  assert.deepEqual([...new Set(ids(recv))].sort(), ['n1', 'n2', 'n3']);
  assert.ok(recv.requests.length >= 8, 'five failures, three successes');
  const delivered = store.alerts.messages({ state: 'delivered' });
  assert.equal(delivered.length, 3);
  assert.equal(
    delivered.reduce((n, m) => n + m.attempts, 0),
    recv.requests.length,
  );
  // The rate-limited attempt waited at least what Retry-After asked.
  const limited = events.find((e) => e.type === 'retry' && /HTTP 429/.test(e.error ?? ''));
  assert.ok(limited?.nextAttemptMs !== undefined);
  const hung = events.find((e) => e.type === 'retry' && /no answer within 2 s/.test(e.error ?? ''));
  assert.ok(hung, events.map((e) => e.error).join('\n'));
  assert.ok(
    events.some((e) => e.type === 'retry' && /ECONNRESET|socket|other side closed/i.test(e.error ?? '')),
  );
  const attemptOf429 = store.alerts
    .messages({ state: 'delivered' })
    .find((m) => m.id === limited.message.id)!;
  assert.ok(attemptOf429.attempts >= 2);
});

test('Retry-After is honoured: the next attempt is scheduled no sooner than it asks', async (t) => {
  const recv = await startReceiver([{ status: 429, headers: { 'retry-after': '30' } }]);
  t.after(() => recv.close());
  const store = storeWithNotices(t, 'hook', ['r1']);
  const events: DeliveryEvent[] = [];
  const before = Date.now();
  await deliverDue(context(store, recv, events));
  const [m] = store.alerts.messages();
  assert.equal(m!.state, 'pending');
  assert.ok(m!.nextAttemptMs >= before + 30_000, `${m!.nextAttemptMs - before}`);
  assert.equal(parseRetryAfter('Wed, 18 Nov 2026 15:00:30 GMT', Date.UTC(2026, 10, 18, 15)), 30_000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
});

test('a receiver that stays down is given up after the bounded time, and the failure says so', {
  timeout: 30_000,
}, async (t) => {
  const recv = await startReceiver(Array.from({ length: 1000 }, () => ({ status: 503 })));
  t.after(() => recv.close());
  const store = storeWithNotices(t, 'hook', ['g1']);
  const events: DeliveryEvent[] = [];
  await drain(context(store, recv, events, { ...FAST, giveUpAfterMs: 300 }));
  const [m] = store.alerts.messages();
  assert.equal(m!.state, 'failed');
  assert.match(
    m!.lastError ?? '',
    /^gave up after \d+ attempts? over \d+ s: HTTP 503 from 127\.0\.0\.1:\d+$/,
  );
  assert.equal(recv.requests.length, m!.attempts);
  assert.equal(events.at(-1)?.type, 'failed');
  const after = recv.requests.length;
  await deliverDue(context(store, recv, events));
  assert.equal(recv.requests.length, after, 'a failed notice is not sent again');
});

test('a 404 is not retried: the notice fails at once with a hint', async (t) => {
  const recv = await startReceiver([{ status: 404 }]);
  t.after(() => recv.close());
  const store = storeWithNotices(t, 'hook', ['x1']);
  await deliverDue(context(store, recv, []));
  const [m] = store.alerts.messages();
  assert.equal(m!.state, 'failed');
  assert.match(m!.lastError ?? '', /HTTP 404 .*not retried: check the URL and the key/);
  assert.equal(recv.requests.length, 1);
});

test('a receiver that is down (connection refused) and comes back on its port gets the notice', {
  timeout: 30_000,
}, async (t) => {
  const probe = await startReceiver();
  const port = Number(new URL(probe.url).port);
  await probe.close();
  const store = storeWithNotices(t, 'hook', ['d1']);
  const events: DeliveryEvent[] = [];
  const ctx = context(store, probe, events);
  await deliverDue(ctx);
  assert.match(events[0]?.error ?? '', /ECONNREFUSED/);
  const recv = await startReceiver([], port);
  t.after(() => recv.close());
  await drain(ctx);
  assert.deepEqual(ids(recv), ['d1']);
});

test('a notice whose sink was removed fails with that reason instead of waiting forever', async (t) => {
  const store = storeWithNotices(t, 'store:99', ['s1']);
  await deliverDue(context(store, { url: 'http://127.0.0.1:9/' }, []));
  const [m] = store.alerts.messages();
  assert.equal(m!.state, 'failed');
  assert.equal(m!.lastError, 'the sink store:99 is no longer configured');
});

test('a slow receiver is not sent the same notice twice while the first send is in flight', {
  timeout: 30_000,
}, async (t) => {
  const recv = await startReceiver(['hang']);
  t.after(() => recv.close());
  const store = storeWithNotices(t, 'hook', ['h1']);
  const ctx = context(store, recv, [], { ...FAST, timeoutMs: 1000 });
  const first = deliverDue(ctx); // marks the notice in flight before it returns
  assert.equal(await deliverDue(ctx), 0, 'the second round skips the notice in flight');
  await first;
  assert.equal(recv.requests.length, 1);
});
