// The JSON shapes of `--json` output and of the REST API (the same for both). Money is given twice:
// exact integer nano-dollars (`*Nanos`) and USD doubles (`*Usd`) for convenience.
import type { BudgetOutlook, SpendForecast } from '@tokenmeter/alerts';
import { describeScope } from '@tokenmeter/budgets';
import type { BudgetStatus, CallRow, SummaryResult, Totals } from '@tokenmeter/store';
import { nanosToUsd } from '../format/money.js';
import type { SummaryParams } from './params.js';

export interface CallJson extends CallRow {
  /** ISO 8601 UTC of `startTimeMs`. */
  startTime: string;
  costUsd: number;
}

/** A forecast's expected figure and p10–p90 band, in nano-USD and USD (cost and budget forecasts). */
export function forecastBandJson(f: SpendForecast) {
  return {
    expectedNanos: f.expectedNanos,
    lowNanos: f.lowNanos,
    highNanos: f.highNanos,
    expectedUsd: nanosToUsd(f.expectedNanos),
    lowUsd: nanosToUsd(f.lowNanos),
    highUsd: nanosToUsd(f.highNanos),
  };
}

export function callToJson(row: CallRow): CallJson {
  return { ...row, startTime: new Date(row.startTimeMs).toISOString(), costUsd: nanosToUsd(row.costNanos) };
}

export interface TotalsJson extends Totals {
  costUsd: number;
}

export function totalsToJson(t: Totals): TotalsJson {
  return { ...t, costUsd: nanosToUsd(t.costNanos) };
}

export interface SummaryJson {
  since: string | null;
  until: string | null;
  sinceMs: number | null;
  untilMs: number | null;
  period: string | null;
  timeZone: string;
  groupBy: string | null;
  /** Which cost the totals hold for calls a provider or AI gateway reported a cost for: `provider` or `local`. */
  costSource: string;
  /** Calls in the totals whose cost a provider or AI gateway reported. */
  reportedCalls: number;
  totals: TotalsJson;
  groups: (TotalsJson & { key: string | null })[];
}

export function summaryToJson(result: SummaryResult, params: SummaryParams): SummaryJson {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    since: iso(params.range.since),
    until: iso(params.range.until),
    sinceMs: params.range.since ?? null,
    untilMs: params.range.until ?? null,
    period: params.range.period ?? null,
    timeZone: params.range.timeZone,
    groupBy: params.groupBy ?? null,
    costSource: result.costSource,
    reportedCalls: result.reportedCalls,
    totals: totalsToJson(result.totals),
    groups: result.groups.map((g) => ({ ...totalsToJson(g), key: g.key })),
  };
}

export interface BudgetJson extends BudgetStatus {
  limitUsd: number;
  spentUsd: number;
  projectedUsd: number;
  periodStart: string;
  periodEnd: string;
  scope: string;
}

/** "all calls" or "tenant=acme feature=chat". */
export function budgetScope(b: {
  tenant: string | null;
  feature: string | null;
  provider: string | null;
}): string {
  const parts: string[] = [];
  if (b.tenant !== null) parts.push(`tenant=${b.tenant}`);
  if (b.feature !== null) parts.push(`feature=${b.feature}`);
  if (b.provider !== null) parts.push(`provider=${b.provider}`);
  return parts.length ? parts.join(' ') : 'all calls';
}

export function budgetToJson(b: BudgetStatus): BudgetJson {
  return {
    ...b,
    limitUsd: nanosToUsd(b.limitNanos),
    spentUsd: nanosToUsd(b.spentNanos),
    projectedUsd: nanosToUsd(b.projectedNanos),
    periodStart: new Date(b.periodStartMs).toISOString(),
    periodEnd: new Date(b.periodEndMs).toISOString(),
    scope: budgetScope(b),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A budget of the store or of the budgets file, its spend now (reserved: calls in flight on this
 * host) and its forecast: `GET /v1/budgets`.
 */
export function budgetOutlookToJson(o: BudgetOutlook) {
  const b = o.budget;
  const f = o.forecast;
  return {
    id: b.id,
    storeId: b.storeId ?? null,
    source: b.source,
    name: b.name,
    label: b.label,
    scope: describeScope(b),
    provider: b.provider,
    model: b.model,
    feature: b.feature,
    user: b.user,
    tenant: b.tenant,
    service: b.service,
    period: b.period,
    timeZone: b.timeZone,
    action: b.action,
    alertAt: [...b.alertAt],
    warnAt: b.warnAt,
    limitNanos: o.limitNanos,
    limitUsd: nanosToUsd(o.limitNanos),
    periodStartMs: o.periodStartMs,
    periodStart: iso(o.periodStartMs),
    periodEndMs: o.periodEndMs,
    periodEnd: iso(o.periodEndMs),
    spentNanos: o.spentNanos,
    spentUsd: nanosToUsd(o.spentNanos),
    reservedNanos: o.reservedNanos,
    reservedUsd: nanosToUsd(o.reservedNanos),
    projectedNanos: f.expectedNanos,
    projectedUsd: nanosToUsd(f.expectedNanos),
    state: o.state,
    forecast: {
      method: f.method,
      note: f.note ?? null,
      ...forecastBandJson(f),
      exhaustsAtMs: f.exhaustsAtMs,
      exhaustsAt: iso(f.exhaustsAtMs),
    },
  };
}
