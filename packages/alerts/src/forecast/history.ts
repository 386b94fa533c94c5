// What the seasonal forecast reads from the store: the scope's cost per whole hour before now.
import type { CallFilter, CostStore, HourlyCost } from '@tokenmeter/store';

/** Six weeks: four fitted weeks, and earlier days to back-test the band on. */
export const HISTORY_DAYS = 42;

const HOUR_MS = 3_600_000;

/** The scope's cost per UTC hour over the HISTORY_DAYS before the hour holding `nowMs`. */
export function spendHistory(store: CostStore, scope: CallFilter, nowMs: number): HourlyCost {
  const until = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  return store.hourlyCost({ ...scope, since: until - HISTORY_DAYS * 24 * HOUR_MS, until });
}
