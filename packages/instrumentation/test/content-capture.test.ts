// Message content: off by default (see openai.test.ts), on with the standard env var
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, in the GenAI semconv JSON shape, bounded.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES } from '@tokenmeter/semconv';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;

before(async () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
  h = await startHarness({ config: { maxContentBytes: 2000 } });
});
after(() => h.close());
beforeEach(() => h.reset());

test('the env var turns on gen_ai.input.messages / gen_ai.output.messages (JSON call)', async () => {
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  const client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'sk-secret', maxRetries: 0 });
  const res = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ],
  });
  await waitFor(() => h.records.length === 1);
  const a = tokenmeterSpans(h.spans)[0]!.attributes;
  assert.deepEqual(JSON.parse(a[ATTR_GEN_AI_INPUT_MESSAGES] as string), [
    { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'Say hello' }] },
  ]);
  assert.deepEqual(JSON.parse(a[ATTR_GEN_AI_OUTPUT_MESSAGES] as string), [
    {
      role: 'assistant',
      parts: [{ type: 'text', content: res.choices[0]!.message.content }],
      finish_reason: 'stop',
    },
  ]);
  assert.ok(!JSON.stringify(a).includes('sk-secret'), 'never the API key');
});

test('a stream: the output text seen is recorded', async () => {
  const { Anthropic } = requireSdk('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
  const client = new Anthropic({ baseURL: h.mock.anthropicBaseURL, apiKey: 'x', maxRetries: 0 });
  const stream = await client.messages.create({
    model: 'claude-3-5-haiku-20241022',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
  });
  let text = '';
  for await (const e of stream)
    if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
  await waitFor(() => h.records.length === 1);
  const out = JSON.parse(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] as string);
  assert.equal(out[0].parts[0].content, text);
});

test('content is bounded by maxContentBytes', async () => {
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  const client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'x', maxRetries: 0 });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'x'.repeat(50_000) }],
  });
  await waitFor(() => h.records.length === 1);
  const input = tokenmeterSpans(h.spans)[0]!.attributes[ATTR_GEN_AI_INPUT_MESSAGES] as string;
  assert.ok(input.length <= 2000, `${input.length}`);
  assert.equal(JSON.parse(input)[0].role, 'user', 'still valid JSON');
});
