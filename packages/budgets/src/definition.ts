// Budget definitions as the ledger enforces them, made from a store row or a budgets-file entry, and
// how a budget is described to people ("month budget for tenant=acme model=gpt-4o").
import {
  BUDGET_SCOPE_FIELDS,
  type Budget,
  type BudgetAction,
  type BudgetPeriod,
  type BudgetScope,
  budgetKey,
  DEFAULT_WARN_AT,
  defaultAlertAt,
  localTimeZone,
} from '@tokenmeter/store';
import type { BudgetDefinition, BudgetSource } from './types.js';

const PERIOD_ADJECTIVE: Record<string, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** `tenant=acme model=gpt-4o`, or `all calls`. */
export function describeScope(scope: BudgetScope): string {
  const parts: string[] = [];
  for (const f of BUDGET_SCOPE_FIELDS) {
    const v = scope[f];
    if (v !== null) parts.push(`${f}=${v}`);
  }
  return parts.length ? parts.join(' ') : 'all calls';
}

/** `day (Europe/Paris)`, `rolling 24 h`. */
export function describePeriod(period: BudgetPeriod, timeZone: string): string {
  return period.startsWith('rolling:') ? `rolling ${period.slice(8, -1)} h` : `${period} (${timeZone})`;
}

export interface DefinitionInput extends Partial<BudgetScope> {
  source: BudgetSource;
  /** The store id (store budgets) or the name (file budgets). */
  id: string | number;
  name?: string | null;
  period: BudgetPeriod;
  timeZone?: string | null;
  limitNanos: number;
  action?: BudgetAction;
  route?: Record<string, string>;
  alertAt?: readonly number[];
  warnAt?: number;
}

/** A budget definition, with its ledger key and label. `defaultTimeZone`: the machine's by default. */
export function makeDefinition(
  input: DefinitionInput,
  defaultTimeZone: string = localTimeZone(),
): BudgetDefinition {
  const scope = {} as BudgetScope;
  for (const f of BUDGET_SCOPE_FIELDS) scope[f] = input[f] ?? null;
  const timeZone = input.timeZone ?? defaultTimeZone;
  const warnAt = input.warnAt ?? DEFAULT_WARN_AT;
  const name = input.name ?? null;
  const period = input.period;
  const def: BudgetDefinition = {
    ...scope,
    id: `${input.source}:${input.id}`,
    source: input.source,
    label: name ?? `${PERIOD_ADJECTIVE[period] ?? period} budget for ${describeScope(scope)}`,
    name,
    period,
    timeZone,
    limitNanos: input.limitNanos,
    action: input.action ?? 'warn',
    route: Object.freeze({ ...(input.route ?? {}) }),
    alertAt: Object.freeze([...(input.alertAt ?? defaultAlertAt(warnAt))]),
    warnAt,
    key: budgetKey({ ...scope, period, timeZone }, timeZone),
  };
  if (input.source === 'store') def.storeId = Number(input.id);
  return def;
}

/** The definition of a budget stored with `tokenmeter budget set`. */
export function fromStoreBudget(b: Budget, defaultTimeZone: string = localTimeZone()): BudgetDefinition {
  return makeDefinition({ ...b, source: 'store', id: b.id }, defaultTimeZone);
}
