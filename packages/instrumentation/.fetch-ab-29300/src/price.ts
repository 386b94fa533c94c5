// The one place the instrumentation calls @tokenmeter/pricing. Pricing never throws; this module
// only picks the model to price and maps the request's tier and batch flag into a CostInput.
import {
  type CostResult,
  type MatchQuality,
  PricingInputError,
  priceCall,
  providerNameOfCatalog,
  type TokenUsage,
} from '@tokenmeter/pricing';

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
    const result = priceCall({
      provider: req.provider,
      model: req.model,
      usage: req.usage,
      timestamp: req.timestampMs,
      serviceTier: req.serviceTier,
      batch: req.batch,
      baseUrl: req.baseUrl,
      providerFromModel: req.providerFromModel,
    });
    // Usage pricing refuses (a cost above 9 million USD for one call) is invalid usage, not "no usage".
    if (result.error instanceof PricingInputError && result.error.field.startsWith('usage'))
      return INVALID_USAGE;
    if (result.inferredProvider === undefined) return { cost: result.cost, match: result.match };
    return {
      cost: result.cost,
      match: result.match,
      inferredProvider: providerNameOfCatalog(result.inferredProvider),
    };
  } catch {
    return UNKNOWN_MODEL;
  }
}
