// What every evaluator reads: the store, the evaluation time and the thresholds.
import type { BudgetDefinition } from '@tokenmeter/budgets';
import type { CostStore } from '@tokenmeter/store';
import type { SpendForecaster } from '../forecast/types.js';
import type { AnomalyOptions, Finding } from '../types.js';

export interface EvalContext {
  store: CostStore;
  /** Evaluation time (epoch ms); windows end here. */
  now: number;
  options: AnomalyOptions;
  /** The forecast of a budget's spend (seasonalForecast unless replaced). */
  forecast: SpendForecaster;
  /** The budgets to check: the store's and the budgets file's (`listBudgets` of @tokenmeter/budgets). */
  budgets: readonly BudgetDefinition[];
}

/** One condition family: returns what holds now (an empty list when nothing does). */
export type Evaluator = (ctx: EvalContext) => Finding[];

/** 2.94 → "2.9×". */
export function times(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}×`;
}

/** 0.634 → "63%". */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** "the last hour", "the last 3 hours", "the last 45 minutes". */
export function windowText(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'the last hour' : `the last ${ms / 3_600_000} hours`;
  return `the last ${Math.round(ms / 60_000)} minutes`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Severity and level of a ratio against warning / critical thresholds; undefined below warning. */
export function gradeHigh(
  ratio: number,
  o: { warning: number; critical: number },
): { severity: 'warning' | 'critical'; level: number } | undefined {
  if (ratio >= o.critical) return { severity: 'critical', level: 2 };
  if (ratio >= o.warning) return { severity: 'warning', level: 1 };
  return undefined;
}

/** A dashboard path with its query (values encoded). */
export function dashboardPath(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `/?${text}` : '/';
}
