// The price of a stored call under the pricing engine as it is now: the same inputs the preload
// gave it when the call was made (provider, response model else request model, every token count
// the store keeps, the call's time, tier and batch flag, and its server as the base URL).
import type { TokenUsage } from '@tokenmeter/pricing';
import type { RepriceCall, RepriceFunction } from '@tokenmeter/store';
import type { Pricing } from './pricing.js';

/** The usage of a stored call as the pricing engine reads it (zero parts left out). */
export function storedUsage(u: RepriceCall['usage']): TokenUsage {
  const usage: TokenUsage = { inputTokens: u.inputTokens, outputTokens: u.outputTokens };
  if (u.cacheReadTokens) usage.cacheReadTokens = u.cacheReadTokens;
  if (u.cacheWriteTokens) usage.cacheWriteTokens = u.cacheWriteTokens;
  if (u.reasoningTokens) usage.reasoningTokens = u.reasoningTokens;
  if (u.cacheWrite1hTokens) usage.cacheWrite1hTokens = u.cacheWrite1hTokens;
  if (u.inputAudioTokens) usage.inputAudioTokens = u.inputAudioTokens;
  if (u.outputAudioTokens) usage.outputAudioTokens = u.outputAudioTokens;
  if (u.cacheAudioReadTokens) usage.cacheAudioReadTokens = u.cacheAudioReadTokens;
  return usage;
}

export function storedCallPricer(pricing: Pricing): RepriceFunction {
  return (call) => {
    if (call.model === null) return { cost: null, match: 'unknown_model' };
    const result = pricing.priceCall({
      provider: call.provider,
      model: call.model,
      usage: storedUsage(call.usage),
      timestamp: call.startTimeMs,
      ...(call.serviceTier !== null ? { serviceTier: call.serviceTier } : {}),
      ...(call.batch ? { batch: true } : {}),
      ...(call.serverAddress !== null ? { baseUrl: `https://${call.serverAddress}` } : {}),
    });
    const c = result.cost;
    if (!c) return { cost: null, match: result.match };
    return {
      cost: {
        totalNanos: c.totalNanos,
        inputNanos: c.inputNanos,
        outputNanos: c.outputNanos,
        cacheReadNanos: c.cacheReadNanos,
        cacheWriteNanos: c.cacheWriteNanos,
        provider: c.provider,
        modelId: c.modelId,
        match: c.match,
        source: c.source,
        version: c.version,
        serviceTier: c.serviceTier,
      },
      match: c.match,
    };
  };
}
