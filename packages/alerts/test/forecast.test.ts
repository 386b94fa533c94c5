// The seasonal spend forecast on real SQLite stores with known answers: a series with a weekly and a
// daily rhythm whose month end is known, the straight line it must beat, the band that must hold
// the real end, the cold start that says so, and the burn-rate warning the daily rhythm must not raise.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { listBudgets } from '@tokenmeter/budgets';
import { type CallInput, type CostStore, localDateTime, openStore } from '@tokenmeter/store';
import { budgetOutlook } from '../src/evaluate/budgets.js';
import { linearBurnForecast } from '../src/forecast/linear-burn.js';
import { seasonalForecast } from '../src/forecast/seasonal.js';
import { call, DAY, HOUR, tempDir } from './helpers.js';

const TZ = 'America/New_York';
const RECENT = 6 * HOUR;

/** Weekdays 9:00–18:00 local are busy, nights quiet, weekends a third of a weekday. */
function rhythm(ms: number): number {
  const p = localDateTime(ms, TZ);
  const dow = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  const hour = p.hour >= 9 && p.hour < 18 ? 4 : 0.5;
  return hour * (dow === 0 || dow === 6 ? 0.3 : 1);
}

/** A deterministic ±20 % wobble (a small LCG), so the back-tested errors are not all zero. */
function wobble(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 0.8 + (0.4 * s) / 2 ** 32;
  };
}

/** One call per hour of [from, to) costing $0.10 × rhythm × wobble; returns the calls and their total. */
function series(from: number, to: number, seed = 7): { calls: CallInput[]; byHour: Map<number, number> } {
  const next = wobble(seed);
  const calls: CallInput[] = [];
  const byHour = new Map<number, number>();
  for (let h = from; h < to; h += HOUR) {
    const cost = Math.round(100_000_000 * rhythm(h) * next());
    byHour.set(h, cost);
    calls.push(call({ at: h + 20 * 60_000, costNanos: cost, tenant: 'acme' }));
  }
  return { calls, byHour };
}

function storeWith(t: Parameters<typeof tempDir>[0], calls: CallInput[]): CostStore {
  const store = openStore(path.join(tempDir(t), 's.db'));
  store.insertMany(calls);
  t.after(() => store.close());
  return store;
}

const sumUntil = (byHour: Map<number, number>, from: number, to: number) =>
  [...byHour].reduce((n, [h, c]) => (h >= from && h < to ? n + c : n), 0);

// November 2026 in New York: Wednesday the 18th, 10:30 local (15:30 UTC). History from Oct 1.
const MONTH_START = Date.UTC(2026, 10, 1, 4);
const MONTH_END = Date.UTC(2026, 11, 1, 5);
const NOW = Date.UTC(2026, 10, 18, 15, 30);

test('a weekly and daily rhythm: the seasonal month-end forecast beats the straight line and its p10–p90 band holds the real end about 8 times in 10', (t) => {
  const dir = tempDir(t);
  const seeds = 20;
  let seasonalApe = 0;
  let lineApe = 0;
  let covered = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const whole = series(Date.UTC(2026, 9, 1), MONTH_END, seed);
    const store = openStore(path.join(dir, `s${seed}.db`));
    try {
      store.insertMany(whole.calls.filter((c) => c.startTimeMs < NOW));
      const actual = sumUntil(whole.byHour, MONTH_START, MONTH_END);
      store.setBudget({ period: 'month', limitNanos: 1_000e9, tenant: 'acme', timeZone: TZ });
      const [def] = listBudgets(store, { timeZone: TZ });
      const seasonal = budgetOutlook(store, def!, NOW, seasonalForecast, RECENT);
      const line = budgetOutlook(store, def!, NOW, linearBurnForecast, RECENT);
      if (seed === 1) {
        assert.equal(seasonal.periodStartMs, MONTH_START);
        assert.equal(seasonal.periodEndMs, MONTH_END);
        assert.equal(seasonal.spentNanos, sumUntil(whole.byHour, MONTH_START, NOW));
        assert.equal(seasonal.forecast.method, 'seasonal-weekly');
        assert.match(seasonal.forecast.note ?? '', /^p10–p90 from the errors of 28 back-tested days$/);
        assert.equal(seasonal.forecast.exhaustsAtMs, null, 'a $1000 limit is far away');
      }
      const f = seasonal.forecast;
      assert.ok(f.lowNanos < f.expectedNanos && f.expectedNanos < f.highNanos, JSON.stringify(f));
      seasonalApe += Math.abs(f.expectedNanos - actual) / actual / seeds;
      lineApe += Math.abs(line.forecast.expectedNanos - actual) / actual / seeds;
      if (f.lowNanos <= actual && actual <= f.highNanos) covered++;
    } finally {
      store.close();
    }
  }
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  assert.ok(seasonalApe < lineApe / 2, `MAPE seasonal ${pct(seasonalApe)}, straight line ${pct(lineApe)}`);
  assert.ok(seasonalApe < 0.01, `MAPE seasonal ${pct(seasonalApe)}`);
  // An 80 % band: in 20 series, 14 or more (a binomial(20, 0.8) falls below 14 about 9 % of the time;
  // these seeds are fixed, so the test is deterministic).
  assert.ok(covered >= 14, `the band held the real month end in ${covered} of ${seeds} series`);
});

test('a day budget at the busy hours: the straight line of the recent rate warns of exhaustion, the seasonal forecast knows the evening is quiet', (t) => {
  const now = Date.UTC(2026, 10, 18, 19, 30);
  const whole = series(Date.UTC(2026, 9, 1), now + DAY);
  const store = storeWith(
    t,
    whole.calls.filter((c) => c.startTimeMs < now),
  );
  // 14:30 local: the rest of the day holds 3 busy hours and 6 quiet ones (about $1.50). A limit
  // $2.30 above today's spend is enough for that, not for the last 6 busy hours' rate ($0.40/h)
  // carried to midnight.
  const spent = sumUntil(whole.byHour, Date.UTC(2026, 10, 18, 5), now);
  const limit = spent + 2_300_000_000;
  store.setBudget({ period: 'day', limitNanos: limit, timeZone: TZ });
  const [def] = listBudgets(store, { timeZone: TZ });
  const line = budgetOutlook(store, def!, now, linearBurnForecast, RECENT);
  const seasonal = budgetOutlook(store, def!, now, seasonalForecast, RECENT);
  assert.equal(line.spentNanos, spent);
  assert.notEqual(line.forecast.exhaustsAtMs, null, 'the straight line runs out before midnight');
  assert.equal(seasonal.forecast.exhaustsAtMs, null, JSON.stringify(seasonal.forecast));
  const restOfDay = sumUntil(whole.byHour, Date.UTC(2026, 10, 18, 20), Date.UTC(2026, 10, 19, 5));
  assert.ok(
    Math.abs(seasonal.forecast.expectedNanos - (spent + restOfDay)) / (spent + restOfDay) < 0.1,
    `${seasonal.forecast.expectedNanos} vs ${spent + restOfDay}`,
  );
});

test('a runaway loop at 10× the usual spend for its hours: the seasonal forecast warns as early as the recent rate says', (t) => {
  const history = series(Date.UTC(2026, 9, 1), NOW - RECENT).calls;
  const loop = Array.from({ length: 60 }, (_, i) =>
    call({ at: NOW - RECENT + i * 6 * 60_000, costNanos: 400_000_000, tenant: 'acme' }),
  );
  const store = storeWith(t, [...history, ...loop]);
  store.setBudget({ period: 'month', limitNanos: 400e9, timeZone: TZ });
  const [def] = listBudgets(store, { timeZone: TZ });
  const seasonal = budgetOutlook(store, def!, NOW, seasonalForecast, RECENT);
  const line = budgetOutlook(store, def!, NOW, linearBurnForecast, RECENT);
  assert.notEqual(line.forecast.exhaustsAtMs, null);
  assert.equal(seasonal.forecast.exhaustsAtMs, line.forecast.exhaustsAtMs);
});

test('cold start: under two days of history the forecast is the straight line and says why', (t) => {
  const whole = series(NOW - 30 * HOUR, NOW);
  const store = storeWith(t, whole.calls);
  store.setBudget({ period: 'month', limitNanos: 100e9, timeZone: TZ });
  const [def] = listBudgets(store, { timeZone: TZ });
  const o = budgetOutlook(store, def!, NOW, seasonalForecast, RECENT);
  const line = budgetOutlook(store, def!, NOW, linearBurnForecast, RECENT);
  assert.equal(o.forecast.method, 'linear-burn');
  assert.match(
    o.forecast.note ?? '',
    /^cold start: 30 hours of history with spend \(the seasonal forecast needs 48\)/,
  );
  assert.deepEqual({ ...o.forecast, note: undefined }, { ...line.forecast, note: undefined });
});

test('four weekdays of history: the forecast follows the hour of day (seasonal-daily) and still gives a band', (t) => {
  // Monday 16 to Friday 20 November, 10:30 local.
  const now = Date.UTC(2026, 10, 20, 15, 30);
  const whole = series(Date.UTC(2026, 10, 16, 5), now + DAY);
  const store = storeWith(
    t,
    whole.calls.filter((c) => c.startTimeMs < now),
  );
  store.setBudget({ period: 'day', limitNanos: 100e9, timeZone: TZ });
  const [def] = listBudgets(store, { timeZone: TZ });
  const o = budgetOutlook(store, def!, now, seasonalForecast, RECENT);
  assert.equal(o.forecast.method, 'seasonal-daily');
  assert.match(o.forecast.note ?? '', /^p10–p90 from the errors of 3 back-tested days$/);
  assert.ok(
    o.forecast.lowNanos < o.forecast.expectedNanos && o.forecast.expectedNanos < o.forecast.highNanos,
  );
  const actual = sumUntil(whole.byHour, Date.UTC(2026, 10, 20, 5), Date.UTC(2026, 10, 21, 5));
  assert.ok(
    Math.abs(o.forecast.expectedNanos - actual) / actual < 0.1,
    `${o.forecast.expectedNanos} vs ${actual}`,
  );
});

test('a rolling window: the forecast is the spend of the next window by the hours it covers, plus what is reserved', (t) => {
  const whole = series(Date.UTC(2026, 9, 1), NOW + DAY);
  const store = storeWith(
    t,
    whole.calls.filter((c) => c.startTimeMs < NOW),
  );
  store.setBudget({ period: 'rolling:24h', limitNanos: 100e9 });
  const [def] = listBudgets(store, { timeZone: TZ });
  const o = budgetOutlook(store, def!, NOW, seasonalForecast, RECENT);
  assert.equal(o.forecast.method, 'seasonal-weekly');
  const next = sumUntil(whole.byHour, Date.UTC(2026, 10, 18, 16), Date.UTC(2026, 10, 19, 16));
  assert.ok(Math.abs(o.forecast.expectedNanos - next) / next < 0.1, `${o.forecast.expectedNanos} vs ${next}`);
});
