// A call as the distro's store writer stores it, carrying the budget reservation (or lease) it ran on.
import type { CallInput } from '@tokenmeter/store';

export function storedCall(
  timeMs: number,
  cost: number,
  budgetRef: string | undefined,
  tenant?: string,
): CallInput {
  return {
    startTimeMs: timeMs,
    durationMs: 1,
    provider: 'openai',
    operation: 'chat',
    requestModel: 'gpt-4o',
    stream: false,
    usage: { inputTokens: 1, outputTokens: 1 },
    usageEstimated: false,
    cost: {
      totalNanos: cost,
      inputNanos: cost,
      outputNanos: 0,
      cacheReadNanos: 0,
      cacheWriteNanos: 0,
      provider: 'openai',
      modelId: 'gpt-4o',
      match: 'exact',
      source: 'catalog',
      version: 't',
      serviceTier: 'standard',
    },
    pricingMatch: 'exact',
    attribution: tenant ? { tenant } : {},
    ...(budgetRef === undefined ? {} : { budgetRef }),
  };
}
