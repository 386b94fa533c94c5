// How many tokens a text is on the target model per token on the model it was sent to, where a
// tokenizer is available for both. tokenmeter keeps no prompt text, so the ratio is measured on a
// fixed sample (tokenizer-sample.ts) with the real tokenizers of `gpt-tokenizer` (OpenAI's o200k_base
// and cl100k_base, chosen per model by the instrumentation's rule). Anthropic, Google and the other
// vendors publish no tokenizer for their current models: their counts are not adjusted.

import { TOKENIZER_SAMPLE } from './tokenizer-sample.js';
import type { WhatIfSource } from './whatif.js';

export type TokenRatio = Pick<WhatIfSource, 'tokenRatio' | 'ratio'>;

const NOT_ADJUSTED: TokenRatio = { tokenRatio: 1, ratio: 'no_tokenizer' };

/** Ratios for each source model against `target`, read synchronously afterwards. */
export async function tokenRatios(
  target: string,
  sources: readonly (string | null)[],
): Promise<(model: string | null) => TokenRatio> {
  const estimate = await import('@tokenmeter/instrumentation/estimate');
  const targetEncoding = estimate.openaiEncodingForModel(target);
  const out = new Map<string | null, TokenRatio>();
  const counts = new Map<string, number | undefined>();
  const count = async (encoding: 'o200k_base' | 'cl100k_base') => {
    if (!counts.has(encoding)) {
      const counter = await estimate.loadTokenCounter(encoding);
      counts.set(encoding, counter ? counter(TOKENIZER_SAMPLE) : undefined);
    }
    return counts.get(encoding);
  };
  for (const model of new Set(sources)) {
    const encoding = model === null ? undefined : estimate.openaiEncodingForModel(model);
    if (encoding === undefined || targetEncoding === undefined) {
      out.set(model, NOT_ADJUSTED);
      continue;
    }
    if (encoding === targetEncoding) {
      out.set(model, { tokenRatio: 1, ratio: 'same_tokenizer' });
      continue;
    }
    const [from, to] = [await count(encoding), await count(targetEncoding)];
    out.set(model, from && to ? { tokenRatio: to / from, ratio: 'tokenizer' } : NOT_ADJUSTED);
  }
  return (model) => out.get(model) ?? NOT_ADJUSTED;
}
