// The one writer of a priced call's cost attributes: tokenmeter's own spans (call.ts), other
// instrumentations' spans priced by the CostSpanProcessor, and OTLP spans priced by the gateway.
import type { Attributes } from '@opentelemetry/api';
import type { CostResult } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_CURRENCY,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_TOKENMETER_COST_CACHE_READ,
  ATTR_TOKENMETER_COST_CACHE_WRITE,
  ATTR_TOKENMETER_COST_CURRENCY,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_SERVICE_TIER,
  ATTR_TOKENMETER_PRICING_SOURCE,
  ATTR_TOKENMETER_PRICING_VERSION,
  GEN_AI_USAGE_COST_SOURCE_VALUE_LOCAL,
  GEN_AI_USAGE_COST_SOURCE_VALUE_PROVIDER,
} from '@tokenmeter/semconv';
import type { CostAttributeNames } from './types.js';

/**
 * Writes the cost of a priced call into `out`: the total under the names `names` selects (the
 * gen_ai.usage.cost attribute for `tokenmeter`, the upstream proposal's gen_ai.usage.cost.* for
 * `upstream`, both for `both`), the breakdown, and where the price came from.
 */
export function writeCostAttributes(out: Attributes, cost: CostResult, names: CostAttributeNames): void {
  if (names !== 'upstream') {
    out[ATTR_GEN_AI_USAGE_COST] = cost.totalUsd;
    out[ATTR_TOKENMETER_COST_CURRENCY] = cost.currency;
  }
  if (names !== 'tokenmeter') {
    out[ATTR_GEN_AI_USAGE_COST_AMOUNT] = cost.totalUsd;
    out[ATTR_GEN_AI_USAGE_COST_CURRENCY] = cost.currency;
    out[ATTR_GEN_AI_USAGE_COST_SOURCE] =
      cost.source === 'provider'
        ? GEN_AI_USAGE_COST_SOURCE_VALUE_PROVIDER
        : GEN_AI_USAGE_COST_SOURCE_VALUE_LOCAL;
  }
  out[ATTR_TOKENMETER_COST_INPUT] = cost.inputUsd;
  out[ATTR_TOKENMETER_COST_OUTPUT] = cost.outputUsd;
  if (cost.cacheReadNanos > 0) out[ATTR_TOKENMETER_COST_CACHE_READ] = cost.cacheReadUsd;
  if (cost.cacheWriteNanos > 0) out[ATTR_TOKENMETER_COST_CACHE_WRITE] = cost.cacheWriteUsd;
  out[ATTR_TOKENMETER_PRICING_SOURCE] = cost.source;
  out[ATTR_TOKENMETER_PRICING_VERSION] = cost.version;
  out[ATTR_TOKENMETER_PRICING_PROVIDER_ID] = cost.provider;
  out[ATTR_TOKENMETER_PRICING_MODEL_ID] = cost.modelId;
  out[ATTR_TOKENMETER_PRICING_SERVICE_TIER] = cost.serviceTier;
}
