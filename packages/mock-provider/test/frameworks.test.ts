import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { UsageMetadata } from '@langchain/core/messages';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { generateText, streamText } from 'ai';
import { type MockProvider, startMockProvider } from '../src/index.js';

let mock: MockProvider;

/**
 * A LangChain message's token usage. Read through this: with exactOptionalPropertyTypes, the type
 * @langchain/core 1.4 infers for `usage_metadata` collapses to `undefined`.
 */
const usageOf = (message: { usage_metadata?: UsageMetadata | undefined }): UsageMetadata | undefined =>
  message.usage_metadata;

before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());
beforeEach(() => mock.reset());

describe('Vercel AI SDK (ai + @ai-sdk/openai + @ai-sdk/anthropic)', () => {
  test('openai(model) uses the Responses API; usage reaches the result', async () => {
    const openai = createOpenAI({ baseURL: mock.openaiBaseURL, apiKey: 'k' });
    const res = await generateText({ model: openai('gpt-4o-mini'), prompt: 'Hello AI SDK', maxRetries: 0 });
    assert.equal(res.text.split(' ').length, 20);
    assert.equal(res.usage.outputTokens, 20);
    assert.equal(res.usage.inputTokens, 4 + Math.ceil('Hello AI SDK'.length / 4));
    assert.equal(mock.requests[0]?.route, 'openai.responses');
  });

  test('openai.chat(model) streams chat completions with include_usage', async () => {
    const openai = createOpenAI({ baseURL: mock.openaiBaseURL, apiKey: 'k' });
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Stream', maxRetries: 0 });
    let text = '';
    for await (const t of result.textStream) text += t;
    const usage = await result.usage;
    assert.equal(text.split(' ').length, 20);
    assert.equal(usage.outputTokens, 20);
    const body = mock.requests[0]?.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(mock.requests[0]?.route, 'openai.chat.completions');
    assert.equal(body.stream_options?.include_usage, true);
  });

  test('streamText over the Responses API with a reasoning model', async () => {
    const openai = createOpenAI({ baseURL: mock.openaiBaseURL, apiKey: 'k' });
    const result = streamText({ model: openai('o4-mini'), prompt: 'Think', maxRetries: 0 });
    let text = '';
    for await (const t of result.textStream) text += t;
    const usage = await result.usage;
    assert.equal(text.split(' ').length, 20);
    assert.ok((usage.outputTokenDetails?.reasoningTokens ?? 0) > 0);
  });

  test('anthropic(model) generate and stream with cache usage', async () => {
    const anthropic = createAnthropic({ baseURL: `${mock.anthropicBaseURL}/v1`, apiKey: 'k' });
    const res = await generateText({ model: anthropic('claude-sonnet-4-5'), prompt: 'Hello', maxRetries: 0 });
    assert.equal(res.usage.outputTokens, 20);
    const result = streamText({ model: anthropic('claude-sonnet-4-5'), prompt: 'Hello', maxRetries: 0 });
    let text = '';
    for await (const t of result.textStream) text += t;
    assert.equal(text.split(' ').length, 20);
    assert.equal((await result.usage).outputTokens, 20);
  });
});

describe('LangChain (@langchain/openai)', () => {
  test('ChatOpenAI invoke and stream report usage_metadata', async () => {
    const chat = new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'k',
      configuration: { baseURL: mock.openaiBaseURL },
      maxRetries: 0,
    });
    const msg = await chat.invoke('Hello LangChain');
    assert.equal(usageOf(msg)?.output_tokens, 20);
    assert.equal(usageOf(msg)?.input_tokens, 4 + Math.ceil('Hello LangChain'.length / 4));
    let text = '';
    let outputTokens: number | undefined;
    for await (const chunk of await chat.stream('Hello')) {
      text += typeof chunk.content === 'string' ? chunk.content : '';
      const usage = usageOf(chunk);
      if (usage) outputTokens = usage.output_tokens;
    }
    assert.equal(text.split(' ').length, 20);
    assert.equal(outputTokens, 20);
  });

  test('OpenAIEmbeddings', async () => {
    const emb = new OpenAIEmbeddings({
      model: 'text-embedding-3-small',
      apiKey: 'k',
      configuration: { baseURL: mock.openaiBaseURL },
      maxRetries: 0,
    });
    const vectors = await emb.embedDocuments(['a', 'b', 'c']);
    assert.equal(vectors.length, 3);
    assert.equal(vectors[0]?.length, 1536);
  });
});
