// The JSON shapes of `--json` output and of the REST API (the same for both). Money is given twice:
// exact integer nano-dollars (`*Nanos`) and USD doubles (`*Usd`) for convenience.
import type { BudgetStatus, CallRow, SummaryResult, Totals } from '@tokenmeter/store';
import { nanosToUsd } from '../format/money.js';
import type { SummaryParams } from './params.js';

export interface CallJson extends CallRow {
  /** ISO 8601 UTC of `startTimeMs`. */
  startTime: string;
  costUsd: number;
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
