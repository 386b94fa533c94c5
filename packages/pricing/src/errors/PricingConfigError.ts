import type { PricingProblem } from '../types.js';
import { TokenmeterError } from './TokenmeterError.js';

/**
 * Overrides passed in code to `createPricer` / `configurePricing` that do not validate. Files never
 * throw it: `loadPricingFile` returns its problems instead.
 */
export class PricingConfigError extends TokenmeterError {
  readonly problems: PricingProblem[];

  constructor(problems: PricingProblem[]) {
    super(
      `Invalid pricing overrides:\n${problems.map((p) => `  ${p.file}: ${p.path || '(root)'}: ${p.reason}`).join('\n')}`,
    );
    this.problems = problems;
  }
}
