import { TokenmeterError } from './TokenmeterError.js';

/**
 * A `CostInput` that cannot be priced: a token count that is negative, NaN, not an integer, infinite
 * or above 1e12; cache tokens above input tokens; a missing model; an invalid timestamp.
 *
 * `calculateCost` and `priceCall` never throw it: they return null (with `reason: 'invalid_input'`
 * or `'no_usage'` and this error in `priceCall`'s result). `validateCostInput` returns it.
 */
export class PricingInputError extends TokenmeterError {
  /** The offending field, e.g. `usage.cacheReadTokens`. */
  readonly field: string;
  /** Why, e.g. `must be a non-negative integer (got -1)`. */
  readonly reason: string;

  constructor(field: string, reason: string, context?: { provider?: string; model?: string }) {
    const where = context?.model
      ? ` for ${context.provider ? `${context.provider}/` : ''}${context.model}`
      : '';
    super(`Invalid pricing input${where}: ${field} ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}
