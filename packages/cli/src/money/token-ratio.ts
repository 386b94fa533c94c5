// How many tokens a text is on the target model per token on the model it was sent to, where a
// tokenizer is available for both. tokenmeter keeps no prompt text, so the ratio is measured on a
// fixed sample (tokenizer-sample.ts) with the real tokenizers of `gpt-tokenizer` (OpenAI's o200k_base
// and cl100k_base, chosen per model by the instrumentation's rule). Anthropic, Google and the other
// vendors publish no tokenizer for their current models: their counts are not adjusted.
//
// The sample's token counts are fixed numbers (SAMPLE_TOKENS, checked against the real tokenizers by
// test/token-ratio.test.ts): loading an encoding's tables costs a fresh `tokenmeter whatif` process
// about a second, and the counts of a fixed text never change.

import type { OpenAIEncoding } from '@tokenmeter/instrumentation/estimate';
import type { WhatIfSource } from './whatif.js';

/** Tokens of TOKENIZER_SAMPLE in each encoding (gpt-tokenizer's countTokens). */
export const SAMPLE_TOKENS: Readonly<Record<OpenAIEncoding, number>> = {
  o200k_base: 568,
  cl100k_base: 604,
};

export type TokenRatio = Pick<WhatIfSource, 'tokenRatio' | 'ratio'>;

const NOT_ADJUSTED: TokenRatio = { tokenRatio: 1, ratio: 'no_tokenizer' };

/** Ratios for each source model against `target`. */
export async function tokenRatios(
  target: string,
  sources: readonly (string | null)[],
): Promise<(model: string | null) => TokenRatio> {
  // Only the model-name rule of the instrumentation, not its tokenizers.
  const { openaiEncodingForModel } = await import('@tokenmeter/instrumentation/estimate');
  const targetEncoding = openaiEncodingForModel(target);
  const out = new Map<string | null, TokenRatio>();
  for (const model of new Set(sources)) {
    const encoding = model === null ? undefined : openaiEncodingForModel(model);
    if (encoding === undefined || targetEncoding === undefined) out.set(model, NOT_ADJUSTED);
    else if (encoding === targetEncoding) out.set(model, { tokenRatio: 1, ratio: 'same_tokenizer' });
    else
      out.set(model, {
        tokenRatio: SAMPLE_TOKENS[targetEncoding] / SAMPLE_TOKENS[encoding],
        ratio: 'tokenizer',
      });
  }
  return (model) => out.get(model) ?? NOT_ADJUSTED;
}
