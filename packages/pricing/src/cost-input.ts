// Input checks of a CostInput: everything that can be refused without the catalog (types, the usage
// counts, the timestamp, the model name's length) and the service tier asked for.

import { validateUsage } from './engine.js';
import { PricingInputError } from './errors/PricingInputError.js';
import type { ServiceTier } from './internal-types.js';
import type { CostInput, PriceCallResult, TokenUsage } from './types.js';

export function normaliseTier(serviceTier: unknown, batch: unknown): ServiceTier {
  if (batch === true) return 'batch';
  if (typeof serviceTier !== 'string') return 'standard';
  switch (serviceTier.trim().toLowerCase()) {
    case 'flex':
      return 'flex';
    case 'priority':
      return 'priority';
    case 'batch':
      return 'batch';
    default:
      return 'standard';
  }
}

/**
 * Longest model name matched (the catalog's longest id has 61 characters; a Bedrock ARN about 120).
 * Bounds the work of matching one name, whatever the name: through a gateway, end users choose it.
 */
export const MAX_MODEL_NAME_LENGTH = 256;

const NO_USAGE_ERROR = new PricingInputError('usage', 'is required (no token counts reported)');

/**
 * Checks a CostInput without pricing it: the error `calculateCost` would swallow, or null. For callers
 * that prefer to throw on bad input. (Checks that need the model's prices, such as audio tokens
 * exceeding input, are only made when pricing.)
 */
export function validateCostInput(input: CostInput): PricingInputError | null {
  const c = checkCostInput(input);
  return 'usage' in c ? null : ((c.error as PricingInputError | undefined) ?? null);
}

export interface CheckedInput {
  usage: TokenUsage;
  ms: number | undefined;
  requestedTier: ServiceTier;
  provider: string;
  model: string;
}

/** Checks everything in a CostInput that does not need the catalog. */
export function checkCostInput(input: CostInput): CheckedInput | PriceCallResult {
  if (typeof input !== 'object' || input === null) {
    const error = new PricingInputError('input', 'must be an object {provider, model, usage}');
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier: 'standard' };
  }
  const requestedTier = normaliseTier(input.serviceTier, input.batch);
  const { model, provider, usage } = input;
  if (provider !== undefined && provider !== null && typeof provider !== 'string') {
    const error = new PricingInputError('provider', 'must be a string', { model: String(model) });
    return { cost: null, match: 'unknown_provider', reason: 'invalid_input', error, requestedTier };
  }
  if (typeof model !== 'string' || model.trim() === '') {
    const error = new PricingInputError('model', 'is required (a non-empty string)', {
      provider: provider ?? undefined,
    });
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier };
  }
  if (model.length > MAX_MODEL_NAME_LENGTH) {
    const error = new PricingInputError(
      'model',
      `is ${model.length} characters long; names longer than ${MAX_MODEL_NAME_LENGTH} are not matched`,
      { provider: provider ?? undefined },
    );
    return { cost: null, match: 'unknown_model', reason: 'invalid_input', error, requestedTier };
  }
  if (usage === undefined || usage === null || typeof usage !== 'object') {
    return { cost: null, match: 'no_usage', reason: 'no_usage', error: NO_USAGE_ERROR, requestedTier };
  }
  const problem = validateUsage(usage);
  if (problem !== null) {
    return { cost: null, match: 'no_usage', reason: 'invalid_input', error: problem, requestedTier };
  }
  let ms: number | undefined;
  const ts = input.timestamp;
  if (ts !== undefined && ts !== null) {
    ms = ts instanceof Date ? ts.getTime() : typeof ts === 'number' ? ts : Number.NaN;
    if (!Number.isFinite(ms)) {
      const error = new PricingInputError('timestamp', 'must be a valid Date or epoch milliseconds', {
        provider,
        model,
      });
      return { cost: null, match: 'no_usage', reason: 'invalid_input', error, requestedTier };
    }
  }
  return { usage, ms, requestedTier, provider: provider ?? '', model };
}
