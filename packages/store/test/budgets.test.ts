import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openConnection } from '../src/driver/index.js';
import { budgetKey, openStore, SCHEMA_VERSION } from '../src/index.js';
import { migrate } from '../src/schema.js';
import { call, DAY, HOUR, tempDir, without } from './helpers.js';

const cost = (n: number) => ({ ...call().cost!, totalNanos: n });

test('setBudget upserts on period and scope; listBudgets and removeBudget', (t) => {
  const store = openStore(path.join(tempDir(t), 'b.db'));
  const a = store.setBudget({ period: 'month', limitNanos: 100e9 });
  assert.deepEqual(a, {
    id: a.id,
    name: null,
    period: 'month',
    limitNanos: 100e9,
    provider: null,
    model: null,
    feature: null,
    user: null,
    tenant: null,
    service: null,
    timeZone: null,
    action: 'warn',
    route: {},
    alertAt: [80, 100],
    warnAt: 0.8,
  });
  const b = store.setBudget({ period: 'day', limitNanos: 5e9, tenant: 'acme', warnAt: 0.5 });
  const a2 = store.setBudget({ period: 'month', limitNanos: 120e9 });
  assert.equal(a2.id, a.id, 'same period and scope: updated, not added');
  assert.equal(a2.limitNanos, 120e9);
  const b2 = store.setBudget({ period: 'day', limitNanos: 6e9, tenant: 'acme' });
  assert.equal(b2.warnAt, 0.5, 'warnAt kept when not given on update');
  assert.equal(store.listBudgets().length, 2);
  assert.equal(store.removeBudget(b.id), true);
  assert.equal(store.removeBudget(b.id), false);
  assert.deepEqual(
    store.listBudgets().map((x) => x.id),
    [a.id],
  );
  assert.throws(() => store.setBudget({ period: 'year' as 'day', limitNanos: 1 }), {
    name: 'StoreQueryError',
  });
  assert.throws(() => store.setBudget({ period: 'day', limitNanos: -1 }), { name: 'StoreQueryError' });
  assert.throws(() => store.setBudget({ period: 'day', limitNanos: 10, warnAt: 2 }), {
    name: 'StoreQueryError',
  });
  store.close();
});

test('budgetStatus: spend in the current day, ISO week and month of the time zone, scopes, projection, state', (t) => {
  const store = openStore(path.join(tempDir(t), 's.db'));
  // Wednesday 2026-11-18 12:00 UTC. The ISO week began Monday 2026-11-16; the month on 2026-11-01.
  const now = Date.UTC(2026, 10, 18, 12);
  store.insertMany([
    call({ startTimeMs: Date.UTC(2026, 9, 31, 23), cost: cost(1000) }), // previous month
    call({ startTimeMs: Date.UTC(2026, 10, 1, 0), cost: cost(2000) }), // month start
    call({ startTimeMs: Date.UTC(2026, 10, 15, 23, 59), cost: cost(4000) }), // Sunday, last week
    call({ startTimeMs: Date.UTC(2026, 10, 16, 0), cost: cost(8000), attribution: { tenant: 'acme' } }), // Monday
    call({
      startTimeMs: Date.UTC(2026, 10, 18, 1),
      cost: cost(16_000),
      attribution: { tenant: 'acme', feature: 'chat' },
    }),
    call({ startTimeMs: Date.UTC(2026, 10, 18, 11), cost: cost(32_000), provider: 'anthropic' }),
    call({ startTimeMs: Date.UTC(2026, 10, 18, 13), cost: cost(64_000) }), // after now, same day
  ]);
  store.setBudget({ period: 'day', limitNanos: 100_000 });
  store.setBudget({ period: 'week', limitNanos: 200_000, tenant: 'acme' });
  store.setBudget({ period: 'month', limitNanos: 120_000 });
  store.setBudget({ period: 'day', limitNanos: 40_000, provider: 'anthropic', warnAt: 0.75 });
  store.setBudget({ period: 'month', limitNanos: 10_000, tenant: 'acme', feature: 'chat' });
  const status = store.budgetStatus(now, 'UTC');
  const byKey = Object.fromEntries(
    status.map((s) => [`${s.period}/${s.tenant ?? ''}/${s.feature ?? ''}/${s.provider ?? ''}`, s]),
  );
  const day = byKey['day///']!;
  assert.equal(day.periodStartMs, Date.UTC(2026, 10, 18));
  assert.equal(day.periodEndMs, Date.UTC(2026, 10, 19));
  assert.equal(day.spentNanos, 16_000 + 32_000 + 64_000);
  assert.equal(day.state, 'exceeded');
  assert.equal(day.projectedNanos, 2 * 112_000, 'half the day gone: spend doubles');
  const week = byKey['week/acme//']!;
  assert.equal(week.periodStartMs, Date.UTC(2026, 10, 16));
  assert.equal(week.periodEndMs, Date.UTC(2026, 10, 23));
  assert.equal(week.spentNanos, 24_000);
  assert.equal(week.state, 'ok');
  const month = byKey['month///']!;
  assert.equal(month.periodStartMs, Date.UTC(2026, 10, 1));
  assert.equal(month.periodEndMs, Date.UTC(2026, 11, 1));
  assert.equal(month.spentNanos, 2000 + 4000 + 8000 + 16_000 + 32_000 + 64_000);
  assert.equal(month.state, 'exceeded');
  const anthropic = byKey['day///anthropic']!;
  assert.equal(anthropic.spentNanos, 32_000);
  assert.equal(anthropic.state, 'warning', '32k of 40k is past 75%');
  assert.equal(byKey['month/acme/chat/']!.spentNanos, 16_000);

  // In New York the same instant is Wednesday 07:00; the day began at 05:00 UTC.
  const ny = store.budgetStatus(now, 'America/New_York').find((s) => s.period === 'day' && !s.provider)!;
  assert.equal(ny.periodStartMs, Date.UTC(2026, 10, 18, 5));
  assert.equal(ny.spentNanos, 32_000 + 64_000);
  assert.equal(ny.projectedNanos, Math.round((96_000 * 24) / 7));
  // A week that straddles a month: Monday 2026-11-30 to Monday 2026-12-07.
  const w2 = store.budgetStatus(Date.UTC(2026, 11, 2), 'UTC').find((s) => s.period === 'week')!;
  assert.equal(w2.periodStartMs, Date.UTC(2026, 10, 30));
  assert.equal(w2.periodEndMs, Date.UTC(2026, 11, 7));
  store.close();
});

test('spendSince, rollingWindow and metricTotals (by request model, as the preload labels) agree with the calls', (t) => {
  const store = openStore(path.join(tempDir(t), 'm.db'));
  const now = Date.now();
  store.insertMany([
    call({ startTimeMs: now - 2 * DAY, cost: cost(1), attribution: { tenant: 'a' } }),
    call({ startTimeMs: now - 3 * HOUR, cost: cost(10), attribution: { tenant: 'a' } }),
    call({ startTimeMs: now - HOUR, cost: cost(100), attribution: { tenant: 'b' } }),
    call({ startTimeMs: now - 1000, cost: cost(1000) }),
    without(
      call({
        startTimeMs: now - 500,
        cost: null,
        pricingMatch: 'unknown_model',
        responseModel: 'mystery',
        attribution: { tenant: 'b' },
      }),
      'requestModel',
    ),
  ]);
  assert.equal(store.spendSince(now - DAY), 1110);
  assert.equal(store.spendSince(now - DAY, { tenant: 'a' }), 10);
  assert.equal(store.spendSince(now - 10 * DAY, { provider: 'anthropic' }), 0);
  assert.deepEqual(store.rollingWindow(now - DAY), [
    { tenant: null, costNanos: 1000 },
    { tenant: 'b', costNanos: 100 },
    { tenant: 'a', costNanos: 10 },
  ]);
  const totals = store
    .metricTotals()
    .sort((x, y) => `${x.tenant}${x.model}`.localeCompare(`${y.tenant}${y.model}`));
  assert.deepEqual(
    totals.map((r) => [r.provider, r.model, r.tenant, r.requests, r.priced, r.inputTokens, r.costNanos]),
    [
      ['openai', 'gpt-4o', 'a', 2, 2, 200, 11],
      ['openai', 'gpt-4o', 'b', 1, 1, 100, 100],
      ['openai', 'mystery', 'b', 1, 0, 100, 0],
      ['openai', 'gpt-4o', null, 1, 1, 100, 1000],
    ],
  );
  store.close();
});

test('setBudget keeps every scope, time zone, action, route and alert thresholds; upserts on period and the whole scope', (t) => {
  const store = openStore(path.join(tempDir(t), 'full.db'));
  const b = store.setBudget({
    period: 'rolling:24h',
    limitNanos: 5e9,
    model: 'gpt-4o',
    tenant: 'acme',
    service: 'api',
    name: 'acme-gpt4o',
    action: 'route-cheap',
    route: { 'gpt-4o': 'gpt-4o-mini' },
    alertAt: [100, 50, 80, 50],
  });
  assert.equal(b.period, 'rolling:24h');
  assert.equal(b.name, 'acme-gpt4o');
  assert.deepEqual(
    [b.model, b.tenant, b.service, b.user, b.provider, b.feature],
    ['gpt-4o', 'acme', 'api', null, null, null],
  );
  assert.deepEqual(b.route, { 'gpt-4o': 'gpt-4o-mini' });
  assert.deepEqual(b.alertAt, [50, 80, 100], 'sorted, without repeats');
  const other = store.setBudget({ period: 'rolling:24h', limitNanos: 1e9, model: 'gpt-4o', tenant: 'acme' });
  assert.notEqual(other.id, b.id, 'a different service is a different scope');
  const updated = store.setBudget({
    period: 'rolling:24h',
    limitNanos: 6e9,
    model: 'gpt-4o',
    tenant: 'acme',
    service: 'api',
  });
  assert.equal(updated.id, b.id);
  assert.equal(updated.limitNanos, 6e9);
  assert.equal(updated.action, 'route-cheap', 'action kept when not given');
  assert.deepEqual(updated.route, { 'gpt-4o': 'gpt-4o-mini' }, 'route kept when not given');
  assert.equal(updated.name, 'acme-gpt4o', 'name kept when not given');
  const tz = store.setBudget({ period: 'day', limitNanos: 1, timeZone: 'Asia/Tokyo', action: 'block' });
  assert.equal(tz.timeZone, 'Asia/Tokyo');
  assert.equal(tz.action, 'block');
  for (const bad of [
    { period: 'rolling:0h', limitNanos: 1 },
    { period: 'rolling:24', limitNanos: 1 },
    { period: 'day', limitNanos: 1, timeZone: 'Mars/Base' },
    { period: 'day', limitNanos: 1, action: 'explode' },
    { period: 'day', limitNanos: 1, alertAt: [0] },
    { period: 'day', limitNanos: 1, route: { a: 'a' } },
    { period: 'week', limitNanos: 1, action: 'route-cheap' },
  ]) {
    assert.throws(() => store.setBudget(bad as never), { name: 'StoreQueryError' }, JSON.stringify(bad));
  }
  assert.equal(
    store.listBudgets().filter((x) => x.period === 'week').length,
    0,
    'a route-cheap budget without a route is not stored',
  );
  store.close();
});

test('budgetStatus of a rolling window counts its 60 buckets of N minutes, and the calls in flight it holds', (t) => {
  const store = openStore(path.join(tempDir(t), 'roll.db'));
  const now = Date.UTC(2026, 10, 18, 12, 30);
  const b = store.setBudget({ period: 'rolling:1h', limitNanos: 100_000, model: 'gpt-4o' });
  store.insertMany([
    call({ startTimeMs: now - 61 * 60_000, cost: cost(1) }), // before the bucket holding now - 1h
    call({ startTimeMs: now - 60 * 60_000, cost: cost(10) }),
    call({ startTimeMs: now - 60_000, cost: cost(100) }),
    call({
      startTimeMs: now - 1000,
      cost: cost(1000),
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini',
    }),
  ]);
  const ledger = store.budgetLedger();
  const key = budgetKey(b, 'UTC');
  ledger.atomically(() =>
    ledger.insert([
      { ref: 'r1', budgetKey: key, timeMs: now - 5, nanos: 7, expiresMs: now + 60_000 },
      { ref: 'r2', budgetKey: key, timeMs: now - 5, nanos: 500, expiresMs: now - 1 }, // lapsed
    ]),
  );
  const [s] = store.budgetStatus(now, 'UTC');
  assert.equal(s!.periodStartMs, now - 60 * 60_000);
  assert.equal(s!.periodEndMs, now + 60_000);
  assert.equal(s!.spentNanos, 110);
  assert.equal(s!.reservedNanos, 7);
  assert.equal(s!.projectedNanos, 110, 'a rolling window has no end to project to');
  store.close();
});

test('storing a call deletes its budget reservation in the same transaction (counted once, as reserved or as spent)', (t) => {
  const store = openStore(path.join(tempDir(t), 'ref.db'));
  const ledger = store.budgetLedger();
  const now = Date.now();
  ledger.atomically(() =>
    ledger.insert([
      { ref: 'call-1', budgetKey: 'k', timeMs: now, nanos: 5000, expiresMs: now + 60_000 },
      { ref: 'call-1', budgetKey: 'k2', timeMs: now, nanos: 5000, expiresMs: now + 60_000 },
      { ref: 'call-2', budgetKey: 'k', timeMs: now, nanos: 300, expiresMs: now + 60_000 },
    ]),
  );
  ledger.settle('call-1', 1234, now + 60_000);
  assert.equal(ledger.reserved('k', now, now + 1, now), 1234 + 300);
  const before = ledger.lastCallId();
  store.insertMany([call({ startTimeMs: now, cost: cost(1234), budgetRef: 'call-1' })]);
  assert.equal(ledger.reserved('k', now, now + 1, now), 300);
  assert.equal(ledger.reserved('k2', now, now + 1, now), 0);
  const tail = ledger.callsAfter(before);
  assert.equal(tail.length, 1);
  assert.deepEqual(
    { ...tail[0]!, id: 0 },
    {
      id: 0,
      startTimeMs: now,
      costNanos: 1234,
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      feature: null,
      user: null,
      tenant: null,
      service: null,
    },
  );
  assert.equal(ledger.lastCallId(), tail[0]!.id);
  ledger.release('call-2');
  assert.equal(ledger.reserved('k', now, now + 1, now), 0);
  store.close();
});

test('a version-2 store upgrades its budgets table: ids, limits and scopes kept, removed ids never reused', (t) => {
  const file = path.join(tempDir(t), 'v2.db');
  const db = openConnection(file);
  db.pragma('journal_mode = WAL');
  assert.equal(migrate(db, 2), 2);
  const ins = db.prepare(
    'INSERT INTO budgets (period, limit_nanos, tenant, feature, provider, warn_at, created_ms) VALUES (?, ?, ?, ?, ?, ?, 0)',
  );
  ins.run('day', 5, 'acme', '', '', 0.5);
  ins.run('month', 9, '', 'chat', 'openai', 0.8);
  ins.run('week', 1, '', '', '', 0.8);
  db.prepare('DELETE FROM budgets WHERE id = 3').run();
  db.close();
  const store = openStore(file);
  assert.equal(store.health().schemaVersion, SCHEMA_VERSION);
  const list = store.listBudgets();
  assert.deepEqual(
    list.map((b) => [
      b.id,
      b.period,
      b.limitNanos,
      b.tenant,
      b.feature,
      b.provider,
      b.warnAt,
      b.action,
      b.alertAt,
    ]),
    [
      [1, 'day', 5, 'acme', null, null, 0.5, 'warn', [50, 100]],
      [2, 'month', 9, null, 'chat', 'openai', 0.8, 'warn', [80, 100]],
    ],
  );
  assert.equal(store.setBudget({ period: 'week', limitNanos: 3 }).id, 4, 'id 3 was removed: not reused');
  store.close();
});
