// A call's worst-case cost before it is sent: its input tokens (estimated from the body) all billed
// at the dearer of the input and cache-write prices, and the most output it may produce (its
// max_tokens, else the model's output limit), at the model's prices in the catalog (with the user's
// overrides and discounts). An unpriced model's worst case is 0: it cannot be known.
import { calculateCost } from '@tokenmeter/pricing';
import { modelOutputLimit } from './output-limits.js';
import type { BudgetRequest, Nanos } from './types.js';

export function worstCaseNanos(r: BudgetRequest, model: string | undefined = r.model): Nanos {
  if (model === undefined) return 0;
  const inputTokens = Math.max(0, Math.ceil(r.inputTokens()));
  const outputTokens = r.maxOutputTokens ?? modelOutputLimit(model);
  const base = {
    provider: r.provider,
    model,
    timestamp: r.timeMs,
    serviceTier: r.serviceTier,
    batch: r.batch,
    baseUrl: r.baseUrl,
  };
  const plain = calculateCost({ ...base, usage: { inputTokens, outputTokens } });
  if (plain === null) return 0;
  if (inputTokens === 0 || r.mayWriteCache === false) return plain.totalNanos;
  // Anthropic (and Bedrock's Claude) bill prompt-cache writes above the input price.
  const cached = calculateCost({
    ...base,
    usage: { inputTokens, outputTokens, cacheWriteTokens: inputTokens },
  });
  return Math.max(plain.totalNanos, cached?.totalNanos ?? 0);
}
