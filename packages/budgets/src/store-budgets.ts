// Budgets as the store holds them, and their spend: the small API the alerts package and the CLI
// build on. `listBudgets(store)` → definitions; `budgetSpend(store, budget, now)` → spent (from the
// rollups), reserved (calls in flight on this host), limit, period and state.
import { budgetWindow, type CostStore, localTimeZone, spendScope } from '@tokenmeter/store';
import { fromStoreBudget } from './definition.js';
import type { BudgetDefinition, BudgetSpend } from './types.js';

export interface ListBudgetsOptions {
  /** Zone of calendar budgets stored without one. Default: the machine's. */
  timeZone?: string;
  /** Budgets from the budgets file, listed after the store's. */
  file?: readonly BudgetDefinition[];
}

/** The store's budgets (`tokenmeter budget set`), then those of the budgets file if given. */
export function listBudgets(
  store: Pick<CostStore, 'listBudgets'>,
  options: ListBudgetsOptions = {},
): BudgetDefinition[] {
  const tz = options.timeZone ?? localTimeZone();
  return [...store.listBudgets().map((b) => fromStoreBudget(b, tz)), ...(options.file ?? [])];
}

/** The state of spend `spent` against a budget. */
export function budgetState(budget: BudgetDefinition, spent: number): BudgetSpend['state'] {
  return spent >= budget.limitNanos
    ? 'exceeded'
    : spent >= budget.warnAt * budget.limitNanos
      ? 'warning'
      : 'ok';
}

/**
 * A budget's spend in its current period (or rolling window) at `nowMs`, read from the store's
 * rollups, with the reservations of calls in flight on this host.
 */
export function budgetSpend(
  store: Pick<CostStore, 'summary' | 'budgetLedger'>,
  budget: BudgetDefinition,
  nowMs: number = Date.now(),
): BudgetSpend {
  const { startMs, endMs } = budgetWindow(budget.period, nowMs, budget.timeZone);
  const spent = store.summary({ ...spendScope(budget), since: startMs, until: endMs }).totals.costNanos;
  const reserved = store.budgetLedger().reserved(budget.key, startMs, endMs, nowMs);
  return {
    budget,
    periodStartMs: startMs,
    periodEndMs: endMs,
    spentNanos: spent,
    reservedNanos: reserved,
    limitNanos: budget.limitNanos,
    state: budgetState(budget, spent),
  };
}
