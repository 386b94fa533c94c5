// A forecast of any scope's spend to the end of a period, from the store: what was spent, the recent
// window's spend (the burn rate) and the hourly history, handed to a forecaster. Budgets, `cost
// --forecast` and the REST summary all go through here.
import type { CallFilter, CostStore } from '@tokenmeter/store';
import { spendHistory } from './history.js';
import { seasonalForecast } from './seasonal.js';
import type { SpendForecast, SpendForecaster } from './types.js';

export interface ScopeForecastOptions {
  nowMs: number;
  periodStartMs: number;
  /** End of the period (exclusive). For a rolling window: now + its length. */
  periodEndMs: number;
  /** The zone of the hours and days of week the seasonality follows. */
  timeZone: string;
  /** The burn-rate window (the alerts use 6 hours). */
  recentWindowMs: number;
  /** Spent in the period when the caller knows it already (read from the store otherwise). */
  spentNanos?: number;
  reservedNanos?: number;
  limitNanos?: number;
  rollingWindowMs?: number;
  /** Default seasonalForecast. */
  forecaster?: SpendForecaster;
}

export interface ScopeForecast {
  spentNanos: number;
  recentSinceMs: number;
  recentNanos: number;
  forecast: SpendForecast;
}

/** The spend of `scope` (a filter without since/until) to the end of the period. */
export function scopeForecast(store: CostStore, scope: CallFilter, o: ScopeForecastOptions): ScopeForecast {
  const { nowMs, periodStartMs } = o;
  const { since: _since, until: _until, ...filter } = scope;
  const spentNanos =
    o.spentNanos ?? store.summary({ ...filter, since: periodStartMs, until: nowMs }).totals.costNanos;
  const recentSinceMs = Math.max(periodStartMs, nowMs - o.recentWindowMs);
  const recentNanos =
    nowMs > recentSinceMs
      ? store.summary({ ...filter, since: recentSinceMs, until: nowMs }).totals.costNanos
      : 0;
  const forecast = (o.forecaster ?? seasonalForecast)({
    spentNanos,
    reservedNanos: o.reservedNanos ?? 0,
    ...(o.limitNanos === undefined ? {} : { limitNanos: o.limitNanos }),
    periodStartMs,
    periodEndMs: o.periodEndMs,
    nowMs,
    recentNanos,
    recentWindowMs: nowMs - recentSinceMs,
    history: spendHistory(store, filter, nowMs),
    timeZone: o.timeZone,
    ...(o.rollingWindowMs === undefined ? {} : { rollingWindowMs: o.rollingWindowMs }),
  });
  return { spentNanos, recentSinceMs, recentNanos, forecast };
}
