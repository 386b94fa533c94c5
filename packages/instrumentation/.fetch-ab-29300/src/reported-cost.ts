// A cost the provider or a gateway reported for one call (OpenRouter's usage.cost, LiteLLM's
// x-litellm-response-cost), as the call's CostResult with source `provider`. A gateway reports a
// total only: the breakdown (input, output, cache) is tokenmeter's own computation when the model
// has a local price, else zero, so the parts need not add up to the total.
import type { CostResult } from '@tokenmeter/pricing';

export function reportedCost(
  nanos: number,
  local: CostResult | null,
  reporter: string,
  model: string | undefined,
): CostResult {
  const base: CostResult = local ?? {
    totalUsd: 0,
    inputUsd: 0,
    outputUsd: 0,
    cacheReadUsd: 0,
    cacheWriteUsd: 0,
    requestUsd: 0,
    totalNanos: 0,
    inputNanos: 0,
    outputNanos: 0,
    cacheReadNanos: 0,
    cacheWriteNanos: 0,
    requestNanos: 0,
    currency: 'USD',
    provider: reporter,
    modelId: model ?? '',
    match: 'exact',
    source: 'provider',
    version: reporter,
    serviceTier: 'standard',
    discount: 1,
  };
  return {
    ...base,
    totalNanos: nanos,
    totalUsd: nanos / 1e9,
    source: 'provider',
    version: `reported:${reporter}`,
  };
}
