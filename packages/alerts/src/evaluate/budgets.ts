// Budget alerts: thresholds crossed (the budget's alert-at percents of its limit, e.g. 50, 80, 100)
// and projected exhaustion before the period ends at the recent burn rate.
import { type BudgetStatus, type CallFilter, formatUsd } from '@tokenmeter/store';
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, windowText } from './context.js';
import { topContributors } from './contributors.js';

/** The fields of a budget's status this evaluator reads; those after the first five may be absent. */
export type BudgetStatusView = Pick<
  BudgetStatus,
  'id' | 'period' | 'limitNanos' | 'spentNanos' | 'periodStartMs' | 'periodEndMs' | 'warnAt'
> & {
  name?: string | null;
  alertAt?: number[];
  reservedNanos?: number;
  provider?: string | null;
  model?: string | null;
  feature?: string | null;
  user?: string | null;
  tenant?: string | null;
  service?: string | null;
};

const SCOPE_FIELDS = ['provider', 'model', 'feature', 'user', 'tenant', 'service'] as const;

/** The calls a budget counts, as a store filter. */
export function budgetFilter(b: BudgetStatusView): CallFilter {
  const f: CallFilter = {};
  for (const k of SCOPE_FIELDS) {
    const v = b[k];
    if (typeof v === 'string' && v !== '') f[k] = v;
  }
  return f;
}

/** `"support" (month)` for a named budget, else `tenant=acme (month)` or `all calls (day)`. */
export function budgetLabel(b: BudgetStatusView): string {
  if (b.name) return `"${b.name}" (${b.period})`;
  const scope = Object.entries(budgetFilter(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${scope || 'all calls'} (${b.period})`;
}

/** Alert thresholds in percent, ascending: the budget's own, else its warn-at and 100. */
export function alertThresholds(b: BudgetStatusView): number[] {
  const list = b.alertAt && b.alertAt.length > 0 ? b.alertAt : [Math.round(b.warnAt * 100), 100];
  return [...new Set(list)].sort((a, c) => a - c);
}

export function evaluateBudgets(ctx: EvalContext): Finding[] {
  const out: Finding[] = [];
  const statuses = ctx.store.budgetStatus(ctx.now, ctx.timeZone) as BudgetStatusView[];
  for (const b of statuses) {
    const scope = budgetFilter(b);
    const label = budgetLabel(b);
    const path = dashboardPath({ view: 'budgets', budget: String(b.id) });
    const window = { since: b.periodStartMs, until: ctx.now };
    const used = b.spentNanos / b.limitNanos;
    const crossed = alertThresholds(b).filter((p) => used * 100 >= p);
    const top = crossed[crossed.length - 1];
    if (top !== undefined) {
      out.push({
        key: `budget_threshold:${b.id}`,
        kind: 'budget_threshold',
        severity: top >= 100 ? 'critical' : 'warning',
        level: top,
        title: `Budget ${label} ${top >= 100 ? 'exceeded' : `past ${top}%`}: ${formatUsd(b.spentNanos)} of ${formatUsd(b.limitNanos)} spent (${Math.floor(used * 100)}%)`,
        value: b.spentNanos,
        baseline: b.limitNanos,
        unit: 'nanos',
        sinceMs: b.periodStartMs,
        ...topContributors(ctx.store, { ...scope, ...window }, 'cost'),
        runbook:
          top >= 100
            ? 'Raise the limit (`tokenmeter budget set`) or find what spends (top contributors); with action block, calls are refused until the period ends.'
            : 'Check the forecast on the budgets page; the top contributors say where the money goes.',
        path,
        scope: { budget: String(b.id), ...(scope as Record<string, string>) },
      });
    }
    if (used >= 1) continue;
    const o = ctx.options.burn;
    const recentSince = Math.max(b.periodStartMs, ctx.now - o.recentWindowMs);
    const recentNanos = ctx.store.summary({ ...scope, since: recentSince, until: ctx.now }).totals.costNanos;
    const f = ctx.forecast({
      spentNanos: b.spentNanos,
      reservedNanos: b.reservedNanos ?? 0,
      limitNanos: b.limitNanos,
      periodStartMs: b.periodStartMs,
      periodEndMs: b.periodEndMs,
      nowMs: ctx.now,
      recentNanos,
      recentWindowMs: ctx.now - recentSince,
    });
    if (f.exhaustsAtMs === null || f.exhaustsAtMs >= b.periodEndMs) continue;
    const hours = Math.max(0, (f.exhaustsAtMs - ctx.now) / 3_600_000);
    const rate = (recentNanos / Math.max(1, ctx.now - recentSince)) * 3_600_000;
    out.push({
      key: `budget_exhaustion:${b.id}`,
      kind: 'budget_exhaustion',
      severity: 'warning',
      level: 1,
      title: `Budget ${label} will run out in about ${hours < 1 ? `${Math.max(1, Math.round(hours * 60))} minutes` : `${hours.toFixed(hours < 10 ? 1 : 0)} hours`}, before its period ends: ${formatUsd(Math.round(rate))}/h over ${windowText(ctx.now - recentSince)}, ${formatUsd(b.limitNanos - b.spentNanos)} left`,
      value: Math.round(rate),
      baseline: null,
      unit: 'nanos',
      sinceMs: recentSince,
      ...topContributors(ctx.store, { ...scope, since: recentSince, until: ctx.now }, 'cost'),
      runbook:
        'Slow the top contributor down or raise the limit before it runs out; a block budget will refuse calls from then on.',
      path,
      scope: { budget: String(b.id), ...(scope as Record<string, string>) },
    });
  }
  return out;
}
