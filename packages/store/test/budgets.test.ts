import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/index.js';
import { call, DAY, HOUR, tempDir } from './helpers.js';

const cost = (n: number) => ({ ...call().cost!, totalNanos: n });

test('setBudget upserts on period and scope; listBudgets and removeBudget', (t) => {
  const store = openStore(path.join(tempDir(t), 'b.db'));
  const a = store.setBudget({ period: 'month', limitNanos: 100e9 });
  assert.deepEqual(a, {
    id: a.id,
    period: 'month',
    limitNanos: 100e9,
    tenant: null,
    feature: null,
    provider: null,
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
    call({
      startTimeMs: now - 500,
      cost: null,
      pricingMatch: 'unknown_model',
      requestModel: undefined,
      responseModel: 'mystery',
      attribution: { tenant: 'b' },
    }),
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
