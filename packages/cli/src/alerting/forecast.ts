// The forecast band of each budget for `GET /v1/budgets` (the dashboard's budgets view): the alert
// package's forecaster (linear burn today) over the budget's scope, the same numbers its burn-rate
// alert uses.
import {
  ANOMALY_DEFAULTS,
  type BudgetStatusView,
  budgetFilter,
  linearBurnForecast,
  type SpendForecast,
} from '@tokenmeter/alerts';
import type { CostStore } from '@tokenmeter/store';

export function budgetForecast(store: CostStore, b: BudgetStatusView, now: number): SpendForecast {
  const recentSince = Math.max(b.periodStartMs, now - ANOMALY_DEFAULTS.burn.recentWindowMs);
  const recentNanos =
    now > recentSince
      ? store.summary({ ...budgetFilter(b), since: recentSince, until: now }).totals.costNanos
      : 0;
  return linearBurnForecast({
    spentNanos: b.spentNanos,
    reservedNanos: b.reservedNanos ?? 0,
    limitNanos: b.limitNanos,
    periodStartMs: b.periodStartMs,
    periodEndMs: b.periodEndMs,
    nowMs: now,
    recentNanos,
    recentWindowMs: Math.max(0, now - recentSince),
  });
}
