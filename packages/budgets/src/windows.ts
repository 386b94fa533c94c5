// Period windows of budgets, cached: the calendar arithmetic of a day / week / month in a time zone
// costs tens of microseconds, so it runs once per period (or rolling bucket), not once per call.
import { budgetBucket, budgetWindow } from '@tokenmeter/store';
import type { BudgetDefinition } from './types.js';

export interface CachedWindow {
  /** The window counted at the instant it was computed for. */
  startMs: number;
  endMs: number;
  /** The bucket holding that instant: the window is the same for any instant in it. */
  bucketStartMs: number;
  bucketEndMs: number;
}

export class WindowCache {
  private readonly windows = new Map<string, CachedWindow>();

  /** The window of `budget` at `nowMs`. */
  at(budget: BudgetDefinition, nowMs: number): CachedWindow {
    const w = this.windows.get(budget.key);
    if (w !== undefined && nowMs >= w.bucketStartMs && nowMs < w.bucketEndMs) return w;
    const bucket = budgetBucket(budget.period, nowMs, budget.timeZone);
    const window = budgetWindow(budget.period, nowMs, budget.timeZone);
    const fresh: CachedWindow = {
      startMs: window.startMs,
      endMs: window.endMs,
      bucketStartMs: bucket.startMs,
      bucketEndMs: bucket.endMs,
    };
    if (this.windows.size > 10_000) this.windows.clear();
    this.windows.set(budget.key, fresh);
    return fresh;
  }

  /** Start of the bucket holding `timeMs` (the current bucket's when `timeMs` is in it). */
  bucketStart(budget: BudgetDefinition, timeMs: number): number {
    const w = this.windows.get(budget.key);
    if (w !== undefined && timeMs >= w.bucketStartMs && timeMs < w.bucketEndMs) return w.bucketStartMs;
    return budgetBucket(budget.period, timeMs, budget.timeZone).startMs;
  }
}
