import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTokenCounter } from '@tokenmeter/instrumentation/estimate';
import { SAMPLE_TOKENS, tokenRatios } from '../src/money/token-ratio.js';
import { TOKENIZER_SAMPLE } from '../src/money/tokenizer-sample.js';

test('the sample token counts whatif uses without loading a tokenizer are what the real tokenizers count', async () => {
  for (const encoding of Object.keys(SAMPLE_TOKENS) as (keyof typeof SAMPLE_TOKENS)[]) {
    const count = await loadTokenCounter(encoding);
    assert.ok(count, `gpt-tokenizer has ${encoding}`);
    assert.equal(
      SAMPLE_TOKENS[encoding],
      count(TOKENIZER_SAMPLE),
      `${encoding}: update SAMPLE_TOKENS after changing the sample or the tokenizer`,
    );
  }
});

test('token ratios: cl100k_base → o200k_base models are scaled, same tokenizer and non-OpenAI models are not', async () => {
  const ratio = await tokenRatios('gpt-4o-mini', ['gpt-4', 'gpt-4.1', 'claude-haiku-4-5', null]);
  assert.deepEqual(ratio('gpt-4'), { tokenRatio: 568 / 604, ratio: 'tokenizer' });
  assert.deepEqual(ratio('gpt-4.1'), { tokenRatio: 1, ratio: 'same_tokenizer' });
  assert.deepEqual(ratio('claude-haiku-4-5'), { tokenRatio: 1, ratio: 'no_tokenizer' });
  assert.deepEqual(ratio(null), { tokenRatio: 1, ratio: 'no_tokenizer' });
});
