// The local token count with recent pieces' counts kept (estimate/piece-counts.ts) must be the
// tokenizer's own count for any text, cold and warm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadTokenCounter } from '../../src/estimate/index.js';
import { countingByPieces } from '../../src/estimate/piece-counts.js';

type Encoding = {
  countTokens(text: string, options?: unknown): number;
  bytePairEncodingCoreProcessor: { tokenSplitRegex: RegExp };
};

async function tokenizer(name: 'o200k_base' | 'cl100k_base'): Promise<Encoding> {
  const mod = (await import(`gpt-tokenizer/encoding/${name}`)) as { default: Encoding };
  return mod.default;
}

/** Text made of what the split regexes treat differently: words, contractions, digits, runs. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ' ',
        '  ',
        '\t',
        '\n',
        '\n\n',
        '\r\n',
        "'s",
        "'LL",
        "I'm",
        '12345',
        '3.14',
        '...',
        '!!',
        '<|endoftext|>',
        '<|im_start|>',
        'naïve',
        '東京',
        '😀',
        '👍🏽',
        '_',
        'Hello',
        ' world',
        'HTTPServer',
        'x',
      ),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('token counts with recent pieces kept', () => {
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    it(`counts any text as the ${name} tokenizer does (whitespace runs, contractions, digits, emoji, special-token text, lone surrogates), cold and warm`, async () => {
      const enc = await tokenizer(name);
      const options = { disallowedSpecial: new Set<string>() };
      const whole = (text: string) => enc.countTokens(text, options);
      const pieces = countingByPieces(whole, enc.bytePairEncodingCoreProcessor.tokenSplitRegex);
      assert.notEqual(pieces, whole, 'the piece-wise count passed its check at load');
      fc.assert(
        fc.property(tricky, (text) => {
          const expected = whole(text);
          assert.equal(pieces(text), expected, JSON.stringify(text));
          assert.equal(pieces(text), expected, `warm: ${JSON.stringify(text)}`);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('keeps counting right past the table size (the table is emptied, not grown)', async () => {
    const enc = await tokenizer('o200k_base');
    const options = { disallowedSpecial: new Set<string>() };
    const whole = (text: string) => enc.countTokens(text, options);
    const pieces = countingByPieces(whole, enc.bytePairEncodingCoreProcessor.tokenSplitRegex);
    const words = Array.from({ length: 10_000 }, (_, i) => ` w${i.toString(36)}q`).join('');
    assert.equal(pieces(words), whole(words));
    assert.equal(pieces(words), whole(words));
  });

  it('counts as the tokenizer does through a run of texts whose pieces are mostly new (ids) and back to words', async () => {
    const enc = await tokenizer('o200k_base');
    const options = { disallowedSpecial: new Set<string>() };
    const whole = (text: string) => enc.countTokens(text, options);
    const pieces = countingByPieces(whole, enc.bytePairEncodingCoreProcessor.tokenSplitRegex);
    let seed = 7;
    const id = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return ` ${seed.toString(36)}${(seed >> 3).toString(16)}`;
    };
    const prose = 'The quick brown fox jumps over the lazy dog, again and again.';
    const texts = [
      ...Array.from({ length: 5 }, () => prose),
      ...Array.from({ length: 40 }, () => Array.from({ length: 30 }, id).join('')),
      ...Array.from({ length: 20 }, () => prose),
    ];
    for (const text of texts) assert.equal(pieces(text), whole(text), text);
  });

  it('falls back to the tokenizer whole when the split regex is not usable', () => {
    const whole = (text: string) => text.length;
    assert.equal(countingByPieces(whole, undefined), whole);
    assert.equal(countingByPieces(whole, /\w+/), whole);
    // A regex whose pieces do not add up to the count: the check at load refuses it.
    assert.equal(countingByPieces(whole, /\w+/g), whole);
  });

  it('the counter the estimate loads counts as gpt-tokenizer does', async () => {
    const count = (await loadTokenCounter('o200k_base'))!;
    const enc = await tokenizer('o200k_base');
    const text = "The reply's 48 words: Calm theta brisk, 12 cats\n\n  and <|endoftext|> 😀.";
    assert.equal(count(text), enc.countTokens(text, { disallowedSpecial: new Set() }));
  });
});
