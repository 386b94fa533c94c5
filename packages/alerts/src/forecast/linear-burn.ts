// The simplest honest forecast of a budget's spend: the rest of the period at a constant rate.
// Two rates bound it: the period's average so far and the recent window's (the burn rate). The band
// is [lower, higher] of the two projections, the expectation their mean. Exhaustion uses the recent
// rate only: it is what the app is doing now. A rolling window holds rate × its length. A seasonal
// forecast (issue 10) replaces this module.
import type { SpendForecast, SpendForecastInput } from './types.js';

const HOUR_MS = 3_600_000;

export function linearBurnForecast(input: SpendForecastInput): SpendForecast {
  const { spentNanos, reservedNanos, nowMs, periodStartMs, periodEndMs } = input;
  const remaining = Math.max(0, periodEndMs - nowMs);
  // An average over a few minutes would project a single call to absurd amounts: at least an hour.
  const elapsed = Math.max(nowMs - periodStartMs, Math.min(HOUR_MS, periodEndMs - periodStartMs), 1);
  const averageRate = spentNanos / elapsed;
  const recentWindow = Math.max(1, Math.min(input.recentWindowMs, elapsed));
  const recentRate = input.recentNanos / recentWindow;
  const window = input.rollingWindowMs;
  // A rolling window forgets its old calls: at a constant rate it holds rate × its length.
  const byAverage =
    window === undefined
      ? spentNanos + reservedNanos + averageRate * remaining
      : averageRate * window + reservedNanos;
  const byRecent =
    window === undefined
      ? spentNanos + reservedNanos + recentRate * remaining
      : recentRate * window + reservedNanos;
  const lowNanos = Math.round(Math.min(byAverage, byRecent));
  const highNanos = Math.round(Math.max(byAverage, byRecent));
  let exhaustsAtMs: number | null = null;
  if (input.limitNanos !== undefined) {
    const left = input.limitNanos - spentNanos - reservedNanos;
    if (left <= 0) exhaustsAtMs = nowMs;
    else if (recentRate > 0 && (window === undefined || byRecent > input.limitNanos)) {
      // For a rolling window this ignores the calls that leave it meanwhile: an early warning.
      const at = nowMs + left / recentRate;
      if (at < periodEndMs) exhaustsAtMs = Math.round(at);
    }
  }
  return {
    method: 'linear-burn',
    expectedNanos: Math.round((lowNanos + highNanos) / 2),
    lowNanos,
    highNanos,
    exhaustsAtMs,
  };
}
