// Budget alerts, for every budget of the store and of the budgets file: thresholds crossed (the
// budget's alert-at percents of its limit, e.g. 50, 80, 100) and projected exhaustion before the
// period ends (the forecaster of the context: by hour of week, scaled up by the recent burn rate).
import { type BudgetDefinition, type BudgetSpend, budgetSpend } from '@tokenmeter/budgets';
import { type CostStore, formatUsd, rollingHours, spendScope } from '@tokenmeter/store';
import { scopeForecast } from '../forecast/scope.js';
import type { SpendForecast, SpendForecaster } from '../forecast/types.js';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, windowText } from './context.js';
import { topContributors } from './contributors.js';

/** A budget's spend now and its forecast: what the evaluator and the dashboard's budgets view show. */
export interface BudgetOutlook extends BudgetSpend {
  forecast: SpendForecast;
  /** The spend of the recent window the forecast's burn rate comes from. */
  recentSinceMs: number;
  recentNanos: number;
}

/** The spend of `budget` now, and its forecast from its hourly history and the recent burn rate. */
export function budgetOutlook(
  store: CostStore,
  budget: BudgetDefinition,
  now: number,
  forecast: SpendForecaster,
  recentWindowMs: number,
): BudgetOutlook {
  const spend = budgetSpend(store, budget, now);
  const hours = rollingHours(budget.period);
  const rollingMs = hours === undefined ? undefined : hours * 3_600_000;
  const f = scopeForecast(store, spendScope(budget), {
    nowMs: now,
    periodStartMs: rollingMs === undefined ? spend.periodStartMs : now - rollingMs,
    periodEndMs: rollingMs === undefined ? spend.periodEndMs : now + rollingMs,
    timeZone: budget.timeZone,
    recentWindowMs,
    spentNanos: spend.spentNanos,
    reservedNanos: spend.reservedNanos,
    limitNanos: spend.limitNanos,
    forecaster: forecast,
    ...(rollingMs === undefined ? {} : { rollingWindowMs: rollingMs }),
  });
  return { ...spend, recentSinceMs: f.recentSinceMs, recentNanos: f.recentNanos, forecast: f.forecast };
}

function duration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.max(1, Math.round(ms / 60_000))} minutes`;
  if (hours < 48) return `${hours.toFixed(hours < 10 ? 1 : 0)} hours`;
  return `${(hours / 24).toFixed(1)} days`;
}

/** `Budget "support"` for a named budget, else `Monthly budget for tenant=acme`. */
function budgetName(b: BudgetDefinition): string {
  return b.name ? `Budget "${b.name}"` : b.label.charAt(0).toUpperCase() + b.label.slice(1);
}

export function evaluateBudgets(ctx: EvalContext): Finding[] {
  const out: Finding[] = [];
  for (const b of ctx.budgets) {
    const name = budgetName(b);
    const o = budgetOutlook(ctx.store, b, ctx.now, ctx.forecast, ctx.options.burn.recentWindowMs);
    const scope = spendScope(b);
    const labels = { budget: b.id, ...(scope as Record<string, string>) };
    const path = dashboardPath({ view: 'budgets', budget: b.id });
    const used = o.spentNanos / o.limitNanos;
    const crossed = b.alertAt.filter((p) => used * 100 >= p);
    const top = crossed[crossed.length - 1];
    if (top !== undefined) {
      out.push({
        key: `budget_threshold:${b.id}`,
        kind: 'budget_threshold',
        severity: top >= 100 ? 'critical' : 'warning',
        level: top,
        title: `${name} ${top >= 100 ? 'exceeded' : `past ${top}%`}: ${formatUsd(o.spentNanos)} of ${formatUsd(o.limitNanos)} spent (${Math.floor(used * 100)}%)`,
        value: o.spentNanos,
        baseline: o.limitNanos,
        unit: 'nanos',
        sinceMs: ctx.now,
        ...topContributors(ctx.store, { ...scope, since: o.periodStartMs, until: ctx.now }, 'cost'),
        runbook:
          top >= 100
            ? b.action === 'block'
              ? 'Calls in this budget are refused until the period ends: raise the limit (`tokenmeter budget set`) or find what spends (top contributors).'
              : 'Raise the limit (`tokenmeter budget set`) or find what spends (top contributors); action block would refuse calls past the limit.'
            : 'Check the forecast on the budgets page; the top contributors say where the money goes.',
        path,
        scope: labels,
      });
    }
    const at = o.forecast.exhaustsAtMs;
    if (used >= 1 || at === null) continue;
    const rate = (o.recentNanos / Math.max(1, ctx.now - o.recentSinceMs)) * 3_600_000;
    out.push({
      key: `budget_exhaustion:${b.id}`,
      kind: 'budget_exhaustion',
      severity: 'warning',
      level: 1,
      title: `${name} will run out in about ${duration(at - ctx.now)}, before its period ends: ${formatUsd(Math.round(rate))}/h over ${windowText(ctx.now - o.recentSinceMs)}, ${formatUsd(Math.max(0, o.limitNanos - o.spentNanos - o.reservedNanos))} left`,
      value: Math.round(rate),
      baseline: null,
      unit: 'nanos',
      sinceMs: o.recentSinceMs,
      ...topContributors(ctx.store, { ...scope, since: o.recentSinceMs, until: ctx.now }, 'cost'),
      runbook:
        'Slow the top contributor down or raise the limit before it runs out; a block budget will refuse calls from then on.',
      path,
      scope: labels,
    });
  }
  return out;
}
