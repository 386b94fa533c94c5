// The input tokens a budget reserves for a request are an upper bound of what the provider bills:
// checked against real BPE tokenizers (o200k_base, cl100k_base) on text where a characters-per-token
// rule comes out far below (spaced letters, digits, Cyrillic, Thai, emoji, code).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { estimateRequestTokens, MEDIA_INPUT_TOKENS } from '../../src/index.js';

const TEXTS: Record<string, string> = {
  prose: 'The quick brown fox jumps over the lazy dog, then naps in the afternoon sun. '.repeat(20),
  spaced: 'a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(20),
  digits: '7 3 9 1 0 2 8 4 6 5 '.repeat(40),
  cyrillic: 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(10),
  thai: 'ภาษาไทยเป็นภาษาที่มีระดับเสียงของคำแน่นอน '.repeat(10),
  emoji: '😀🎉🚀✨🔥 '.repeat(40),
  code: 'for(i=0;i<n;i++){a[i]=b[i]^c[i];}\n'.repeat(20),
  cjk: '東京の天気は晴れです。明日は雨が降るでしょう。'.repeat(20),
};

test('a budget never reserves fewer input tokens than a real tokenizer counts, whatever the script', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });
    const bound = estimateRequestTokens(body);
    for (const [encoding, count] of [
      ['o200k_base', o200k],
      ['cl100k_base', cl100k],
    ] as const) {
      assert.ok(bound >= count(body), `${name}: ${bound} < ${count(body)} tokens of the body (${encoding})`);
      assert.ok(
        bound >= count(text),
        `${name}: ${bound} < ${count(text)} tokens of the prompt (${encoding})`,
      );
    }
  }
});

test('inline media counts as one bounded image, not as its base64 bytes', () => {
  const image = 'iVBORw0KGgo'.repeat(30_000);
  const body = JSON.stringify({
    model: 'gpt-4o',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } },
        ],
      },
    ],
  });
  const bound = estimateRequestTokens(body);
  assert.equal(bound, MEDIA_INPUT_TOKENS + Buffer.byteLength(body.replace(image, '')));
});
