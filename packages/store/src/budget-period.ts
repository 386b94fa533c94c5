// The time a budget counts: a calendar day / ISO week / month in a time zone, or a rolling window of N
// hours. A rolling window is kept in 60 buckets of N minutes (the same rule in every ledger: memory,
// store, Redis): it counts the calls since the start of the bucket holding `now - N hours`, so it
// spans N hours to N hours + N minutes, never less (a budget errs on the side of its limit).
import { StoreQueryError } from './errors/store-query-error.js';
import { periodBounds } from './time.js';
import type { BudgetPeriod } from './types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** rolling:<N>h with N from 1 to 8784 (a leap year). */
const ROLLING = /^rolling:([1-9]\d{0,3})h$/;
export const MAX_ROLLING_HOURS = 8784;

/** The hours of a `rolling:<N>h` period, or undefined for a calendar period or anything else. */
export function rollingHours(period: string): number | undefined {
  const m = ROLLING.exec(period);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= MAX_ROLLING_HOURS ? n : undefined;
}

/** Whether `period` is `day`, `week`, `month` or `rolling:<N>h` (1 ≤ N ≤ 8784). */
export function isBudgetPeriod(period: unknown): period is BudgetPeriod {
  return (
    period === 'day' ||
    period === 'week' ||
    period === 'month' ||
    (typeof period === 'string' && rollingHours(period) !== undefined)
  );
}

/** Throws StoreQueryError naming the accepted forms when `period` is not a budget period. */
export function checkBudgetPeriod(period: unknown): BudgetPeriod {
  if (isBudgetPeriod(period)) return period;
  throw new StoreQueryError(
    `period must be day, week, month or rolling:<N>h (N hours, 1 to ${MAX_ROLLING_HOURS}); got "${String(period)}"`,
  );
}

export interface BudgetWindow {
  /** First instant counted (epoch ms). */
  startMs: number;
  /** End (exclusive): the calendar period's end, or the end of the rolling window's current bucket. */
  endMs: number;
}

/** The bucket holding `timeMs`: the whole period for a calendar period, N minutes for rolling:<N>h. */
export function budgetBucket(period: BudgetPeriod, timeMs: number, timeZone: string): BudgetWindow {
  const hours = rollingHours(period);
  if (hours === undefined) return periodBounds(period as 'day' | 'week' | 'month', timeMs, timeZone);
  const size = hours * MINUTE_MS;
  const startMs = Math.floor(timeMs / size) * size;
  return { startMs, endMs: startMs + size };
}

/** The time a budget counts at `nowMs` (see the header for rolling windows). */
export function budgetWindow(period: BudgetPeriod, nowMs: number, timeZone: string): BudgetWindow {
  const hours = rollingHours(period);
  if (hours === undefined) return periodBounds(period as 'day' | 'week' | 'month', nowMs, timeZone);
  const current = budgetBucket(period, nowMs, timeZone);
  return { startMs: budgetBucket(period, nowMs - hours * HOUR_MS, timeZone).startMs, endMs: current.endMs };
}
