// The query parameters shared by the CLI and the REST API: one parser per parameter, named by its
// REST name. The CLI feeds its flags through the same functions, so `tokenmeter cost --month --by
// model` and `GET /v1/telemetry/summary?period=month&groupBy=model` ask the store the same question.
import { type CallFilter, type CostSource, type GroupBy, periodBounds } from '@tokenmeter/store';
import { ParamError } from '../errors/param-error.js';
import { parseUsdToNanos } from '../format/money.js';
import { isTimeZone, machineTimeZone, parseInstant, TIME_HINT } from './time.js';

/** Reads one parameter by its REST name; undefined when absent. */
export type ParamSource = (name: string) => string | undefined;

export type Period = 'today' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['today', 'week', 'month'];
export const GROUP_BYS: readonly GroupBy[] = [
  'model',
  'provider',
  'feature',
  'user',
  'tenant',
  'day',
  'operation',
  'service',
];

export interface TimeRange {
  /** Inclusive, epoch ms; undefined = from the first call. */
  since: number | undefined;
  /** Exclusive, epoch ms; undefined = up to now. */
  until: number | undefined;
  period: Period | undefined;
  timeZone: string;
}

export function parseTimeZone(get: ParamSource): string {
  const tz = get('tz');
  if (tz === undefined) return machineTimeZone();
  if (!isTimeZone(tz))
    throw new ParamError('tz', `unknown time zone "${tz}": use an IANA name such as Europe/Paris or UTC`);
  return tz;
}

/** [start, end) of today / this week (Monday first) / this month in `timeZone`. */
export function periodRange(period: Period, now: number, timeZone: string): { since: number; until: number } {
  const b = periodBounds(period === 'today' ? 'day' : period, now, timeZone);
  return { since: b.startMs, until: b.endMs };
}

/** since / until / period / tz. `defaultPeriod` applies when none of the three is given. */
export function parseTimeRange(get: ParamSource, now: number, defaultPeriod?: Period): TimeRange {
  const timeZone = parseTimeZone(get);
  const periodText = get('period');
  const sinceText = get('since');
  const untilText = get('until');
  let period: Period | undefined;
  if (periodText !== undefined) {
    if (!(PERIODS as readonly string[]).includes(periodText))
      throw new ParamError('period', `"${periodText}" is not a period: use today, week or month`);
    period = periodText as Period;
    if (sinceText !== undefined || untilText !== undefined)
      throw new ParamError(
        sinceText !== undefined ? 'since' : 'until',
        'give either a period or since/until, not both',
        'conflicting_parameters',
      );
  }
  if (period === undefined && sinceText === undefined && untilText === undefined) period = defaultPeriod;
  if (period !== undefined) return { ...periodRange(period, now, timeZone), period, timeZone };
  let since: number | undefined;
  let until: number | undefined;
  if (sinceText !== undefined) {
    since = parseInstant(sinceText, { now, timeZone });
    if (since === undefined) throw new ParamError('since', `"${sinceText}": ${TIME_HINT}`);
  }
  if (untilText !== undefined) {
    until = parseInstant(untilText, { now, timeZone, end: true });
    if (until === undefined) throw new ParamError('until', `"${untilText}": ${TIME_HINT}`);
  }
  if (since !== undefined && until !== undefined && since >= until)
    throw new ParamError('until', `until (${untilText}) must be after since (${sinceText})`);
  return { since, until, period: undefined, timeZone };
}

export function parseFlag(get: ParamSource, name: string): boolean | undefined {
  const v = get(name);
  if (v === undefined) return undefined;
  const t = v.toLowerCase();
  if (t === '' || t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no') return false;
  throw new ParamError(name, `"${v}" is not a boolean: use true or false`);
}

function parseText(get: ParamSource, name: string): string | undefined {
  const v = get(name);
  if (v === undefined) return undefined;
  if (v.trim() === '') throw new ParamError(name, `${name} must not be empty`);
  if (v.length > 256) throw new ParamError(name, `${name} is longer than 256 characters`);
  return v;
}

/** The dimension and flag filters (everything of CallFilter but since/until). */
export function parseFilter(get: ParamSource): Omit<CallFilter, 'since' | 'until'> {
  const f: Omit<CallFilter, 'since' | 'until'> = {};
  for (const name of ['provider', 'model', 'feature', 'user', 'tenant', 'service'] as const) {
    const v = parseText(get, name);
    if (v !== undefined) f[name] = v;
  }
  const minCost = get('minCost');
  if (minCost !== undefined) {
    const nanos = parseUsdToNanos(minCost);
    if (nanos === undefined)
      throw new ParamError('minCost', `"${minCost}" is not an amount in USD like 0.01 (at most 9 decimals)`);
    f.minCostNanos = nanos;
  }
  for (const name of ['errors', 'estimated', 'unpriced'] as const) {
    const v = parseFlag(get, name);
    if (v) f[name] = true;
  }
  const batch = parseText(get, 'batch');
  if (batch !== undefined) f.batch = batch;
  return f;
}

export function parseGroupBy(get: ParamSource, fallback: GroupBy | undefined): GroupBy | undefined {
  const v = get('groupBy');
  if (v === undefined) return fallback;
  if (!(GROUP_BYS as readonly string[]).includes(v))
    throw new ParamError('groupBy', `"${v}" is not a breakdown: use one of ${GROUP_BYS.join(', ')}`);
  return v as GroupBy;
}

export function parseIntParam(
  get: ParamSource,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const v = get(name);
  if (v === undefined) return fallback;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ParamError(name, `"${v}" is not a whole number from ${min} to ${max}`);
  return n;
}

export function parseCursor(get: ParamSource): string | undefined {
  const v = get('cursor');
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9_\-.~=:]{1,200}$/.test(v))
    throw new ParamError('cursor', 'not a cursor from a previous page (pass `nextCursor` as it is)');
  return v;
}

/** Everything a summary needs: range, filters, breakdown, top-N, which cost of reported calls. */
export interface SummaryParams {
  range: TimeRange;
  filter: CallFilter;
  groupBy: GroupBy | undefined;
  limit: number | undefined;
  costSource: CostSource;
}

export const COST_SOURCES: readonly CostSource[] = ['provider', 'local'];

/** `source`: the cost a provider or AI gateway reported (`provider`, default) or tokenmeter's own (`local`). */
export function parseCostSource(get: ParamSource): CostSource {
  const v = get('source');
  if (v === undefined) return 'provider';
  if (!(COST_SOURCES as readonly string[]).includes(v))
    throw new ParamError(
      'source',
      `"${v}" is not a cost source: use provider (what a gateway reported, where it did) or local (tokenmeter's own prices)`,
    );
  return v as CostSource;
}

export function parseSummaryParams(
  get: ParamSource,
  now: number,
  defaults: { period?: Period; groupBy?: GroupBy },
): SummaryParams {
  const range = parseTimeRange(get, now, defaults.period);
  const filter: CallFilter = { ...parseFilter(get) };
  if (range.since !== undefined) filter.since = range.since;
  if (range.until !== undefined) filter.until = range.until;
  return {
    range,
    filter,
    groupBy: parseGroupBy(get, defaults.groupBy),
    limit: parseIntParam(get, 'limit', undefined, 1, 10_000),
    costSource: parseCostSource(get),
  };
}

/** The filter of a call listing or export (no default period: all time). */
export function parseCallFilter(get: ParamSource, now: number): { range: TimeRange; filter: CallFilter } {
  const range = parseTimeRange(get, now, undefined);
  const filter: CallFilter = { ...parseFilter(get) };
  if (range.since !== undefined) filter.since = range.since;
  if (range.until !== undefined) filter.until = range.until;
  return { range, filter };
}
