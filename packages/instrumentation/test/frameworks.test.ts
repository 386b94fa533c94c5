// Frameworks on top of the SDKs and of fetch: the Vercel AI SDK (calls the global fetch at call
// time) and LangChain's ChatOpenAI (an openai client inside). One HTTP call, one span.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import type { UsageMetadata } from '@langchain/core/messages';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import { generateText, streamText } from 'ai';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;

/**
 * A LangChain message's token usage. Read through this: with exactOptionalPropertyTypes, the type
 * @langchain/core 1.4 infers for `usage_metadata` collapses to `undefined`.
 */
const usageOf = (message: { usage_metadata?: UsageMetadata | undefined }): UsageMetadata | undefined =>
  message.usage_metadata;

before(async () => {
  h = await startHarness();
});
after(() => h.close());
beforeEach(() => h.reset());

describe('Vercel AI SDK through @ai-sdk/openai', () => {
  test('generateText (Responses API): one priced span with the usage the app gets', async () => {
    const openai = createOpenAI({ baseURL: h.openaiBaseURL, apiKey: 'k' });
    const res = await generateText({ model: openai('gpt-4o-mini'), prompt: 'Hello AI SDK', maxRetries: 0 });
    await waitFor(() => h.records.length === 1);
    const spans = tokenmeterSpans(h.spans);
    assert.equal(spans.length, 1);
    const a = spans[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage.inputTokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.usage.outputTokens);
    assert.ok((a[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });

  test('streamText over chat completions (the SDK asks for usage itself): usage recorded, text intact', async () => {
    const openai = createOpenAI({ baseURL: h.openaiBaseURL, apiKey: 'k' });
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Stream', maxRetries: 0 });
    let text = '';
    for await (const t of result.textStream) text += t;
    const usage = await result.usage;
    assert.equal(text.split(' ').length, 20);
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.outputTokens, usage.outputTokens);
    assert.equal(h.records[0]!.usage?.inputTokens, usage.inputTokens);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  });
});

describe('LangChain ChatOpenAI', () => {
  test('invoke and stream: one span per call, usage as LangChain reports it', async () => {
    const { ChatOpenAI } = requireSdk('@langchain/openai') as typeof import('@langchain/openai');
    const chat = new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'k',
      configuration: { baseURL: h.openaiBaseURL },
      maxRetries: 0,
    });
    const msg = await chat.invoke('Hello LangChain');
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage?.outputTokens, usageOf(msg)?.output_tokens);
    let output: number | undefined;
    for await (const chunk of await chat.stream('Hello')) {
      const usage = usageOf(chunk);
      if (usage) output = usage.output_tokens;
    }
    await waitFor(() => h.records.length === 2);
    assert.equal(h.records[1]!.usage?.outputTokens, output);
    assert.equal(tokenmeterSpans(h.spans).length, 2);
  });
});
