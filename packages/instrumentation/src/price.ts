// The one place the instrumentation calls @tokenmeter/pricing. Pricing never throws (should it, the
// call is unpriced and the failure logged and counted); this module only picks the model to price
// and maps the request's tier and batch flag into a CostInput.
import {
  type CostResult,
  type MatchQuality,
  type PriceCallResult,
  PricingInputError,
  priceCall,
  priceValidUsage,
  providerNameOfCatalog,
  type TokenUsage,
} from '@tokenmeter/pricing';
import { reportInternalError } from './internal-error.js';

/** tokenmeter.component of a failure to price a call. */
export const PRICING_COMPONENT = 'pricing';

export interface PriceRequest {
  provider: string;
  /** Response model when known, else request model (an Azure deployment name maps through the overrides). */
  model: string | undefined;
  usage: TokenUsage | undefined;
  /** The provider reported usage that is not valid (the adapters dropped it): unpriced, `invalid_usage`. */
  invalidUsage?: boolean | undefined;
  timestampMs: number;
  serviceTier?: string | undefined;
  batch?: boolean | undefined;
  /** Origin of the request URL, e.g. `https://res.openai.azure.com`. */
  baseUrl?: string | undefined;
  /** Infer the provider from the model (a gateway, an unknown host, a declared endpoint). */
  providerFromModel?: 'first' | 'fallback' | undefined;
}

export interface PriceOutcome {
  cost: CostResult | null;
  match: MatchQuality;
  /** gen_ai.provider.name of the provider inferred from the model, when its list decided the outcome. */
  inferredProvider?: string;
}

const NO_USAGE: PriceOutcome = { cost: null, match: 'no_usage' };
const UNKNOWN_MODEL: PriceOutcome = { cost: null, match: 'unknown_model' };
const INVALID_USAGE: PriceOutcome = { cost: null, match: 'invalid_usage' };

/** Price one call. Never throws. */
export function priceRequest(req: PriceRequest): PriceOutcome {
  if (req.invalidUsage === true) return INVALID_USAGE;
  if (req.usage === undefined) return NO_USAGE;
  if (req.model === undefined || req.model === '') return UNKNOWN_MODEL;
  try {
    return outcomeOf(
      priceCall({
        provider: req.provider,
        model: req.model,
        usage: req.usage,
        timestamp: req.timestampMs,
        serviceTier: req.serviceTier,
        batch: req.batch,
        baseUrl: req.baseUrl,
        providerFromModel: req.providerFromModel,
      }),
    );
  } catch (error) {
    return failed(req.model, error);
  }
}

/**
 * `priceRequest` of a call of the fetch path, whose usage the adapters checked (adapters/usage-check.ts)
 * or counted locally: the usage is not checked again and no request object is built. Never throws.
 */
export function priceCheckedCall(
  provider: string,
  model: string | undefined,
  usage: TokenUsage | undefined,
  invalidUsage: boolean,
  timestampMs: number,
  serviceTier: string | undefined,
  batch: boolean | undefined,
  baseUrl: string | undefined,
  providerFromModel: 'first' | 'fallback' | undefined,
): PriceOutcome {
  if (invalidUsage) return INVALID_USAGE;
  if (usage === undefined) return NO_USAGE;
  if (model === undefined || model === '') return UNKNOWN_MODEL;
  try {
    return outcomeOf(
      priceValidUsage(provider, model, usage, timestampMs, serviceTier, batch, baseUrl, providerFromModel),
    );
  } catch (error) {
    return failed(model, error);
  }
}

function outcomeOf(result: PriceCallResult): PriceOutcome {
  // Usage pricing refuses (a cost above 9 million USD for one call) is invalid usage, not "no usage".
  if (result.error instanceof PricingInputError && result.error.field.startsWith('usage'))
    return INVALID_USAGE;
  // A PriceCallResult is a PriceOutcome (cost, match) when no provider was inferred.
  if (result.inferredProvider === undefined) return result;
  return {
    cost: result.cost,
    match: result.match,
    inferredProvider: providerNameOfCatalog(result.inferredProvider),
  };
}

function failed(model: string, error: unknown): PriceOutcome {
  reportInternalError(PRICING_COMPONENT, `pricing ${model} failed; the call is recorded unpriced`, error);
  return UNKNOWN_MODEL;
}
