// Every evaluator, run one after the other over the store. One failing (a locked store, a bug) does
// not stop the others: its error is returned to be logged and counted.
import type { Finding } from '../types.js';
import { evaluateBudgets } from './budgets.js';
import { evaluateCacheHitRate } from './cache-hit-rate.js';
import type { EvalContext, Evaluator } from './context.js';
import { evaluateCostPerRequest } from './cost-per-request.js';
import { evaluateModelMix } from './model-mix.js';
import { evaluateSpikes } from './spikes.js';
import { evaluateUnpriced } from './unpriced.js';

export const EVALUATORS: Readonly<Record<string, Evaluator>> = {
  budgets: evaluateBudgets,
  spikes: evaluateSpikes,
  costPerRequest: evaluateCostPerRequest,
  modelMix: evaluateModelMix,
  cacheHitRate: evaluateCacheHitRate,
  unpriced: evaluateUnpriced,
};

export interface Evaluation {
  findings: Finding[];
  /** Evaluators that failed, with their error. */
  errors: { evaluator: string; error: Error }[];
}

export function evaluateAll(ctx: EvalContext): Evaluation {
  const findings: Finding[] = [];
  const errors: Evaluation['errors'] = [];
  for (const [name, evaluate] of Object.entries(EVALUATORS)) {
    try {
      findings.push(...evaluate(ctx));
    } catch (e) {
      errors.push({ evaluator: name, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  return { findings, errors };
}
