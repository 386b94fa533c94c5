// The period-end forecast of a summary (`cost --forecast`, `GET /v1/telemetry/summary?forecast=true`):
// the alerts' seasonal forecast for the whole filter and, when the breakdown is by a scope
// dimension, for each group shown.
import { ANOMALY_DEFAULTS, type SpendForecast, scopeForecast } from '@tokenmeter/alerts';
import type { CallFilter, CostStore, GroupBy, SummaryResult } from '@tokenmeter/store';
import { nanosToUsd } from '../format/money.js';
import { forecastBandJson } from './json.js';
import type { SummaryParams } from './params.js';

/** The groupings whose groups are a filter of their own (day and operation are not). */
const GROUP_FILTER: Partial<Record<GroupBy, keyof CallFilter>> = {
  model: 'model',
  provider: 'provider',
  feature: 'feature',
  user: 'user',
  tenant: 'tenant',
  service: 'service',
};

/** Per-group forecasts for at most this many groups (the most expensive). */
export const MAX_FORECAST_GROUPS = 20;

export interface ForecastJson {
  method: string;
  note: string | null;
  spentNanos: number;
  spentUsd: number;
  expectedNanos: number;
  lowNanos: number;
  highNanos: number;
  expectedUsd: number;
  lowUsd: number;
  highUsd: number;
}

export interface SummaryForecastJson {
  periodStartMs: number;
  periodStart: string;
  periodEndMs: number;
  periodEnd: string;
  asOfMs: number;
  asOf: string;
  total: ForecastJson;
  /** One per group shown, when the breakdown is by model, provider, feature, user, tenant or service. */
  groups: (ForecastJson & { key: string })[];
}

/** A forecast is of a calendar period's end (today, week, month), not of a since/until range. */
export function canForecast(params: SummaryParams): boolean {
  const r = params.range;
  return r.period !== undefined && r.since !== undefined && r.until !== undefined;
}

function toJson(spentNanos: number, f: SpendForecast): ForecastJson {
  return {
    method: f.method,
    note: f.note ?? null,
    spentNanos,
    spentUsd: nanosToUsd(spentNanos),
    ...forecastBandJson(f),
  };
}

/** The forecast of the summary's period end (check forecastProblem first). */
export function summaryForecast(
  store: CostStore,
  params: SummaryParams,
  result: SummaryResult,
  nowMs: number,
): SummaryForecastJson {
  const periodStartMs = params.range.since!;
  const periodEndMs = params.range.until!;
  const { since: _s, until: _u, ...scope } = params.filter;
  const one = (filter: CallFilter) => {
    const f = scopeForecast(store, filter, {
      nowMs,
      periodStartMs,
      periodEndMs,
      timeZone: params.range.timeZone,
      recentWindowMs: ANOMALY_DEFAULTS.burn.recentWindowMs,
    });
    return toJson(f.spentNanos, f.forecast);
  };
  const field = params.groupBy ? GROUP_FILTER[params.groupBy] : undefined;
  const groups: SummaryForecastJson['groups'] = [];
  if (field) {
    for (const g of result.groups.slice(0, MAX_FORECAST_GROUPS)) {
      // Calls without the dimension cannot be filtered on: no forecast of their own.
      if (g.key === null) continue;
      groups.push({ key: g.key, ...one({ ...scope, [field]: g.key }) });
    }
  }
  return {
    periodStartMs,
    periodStart: new Date(periodStartMs).toISOString(),
    periodEndMs,
    periodEnd: new Date(periodEndMs).toISOString(),
    asOfMs: nowMs,
    asOf: new Date(nowMs).toISOString(),
    total: one(scope),
    groups,
  };
}
