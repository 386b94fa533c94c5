// The real openai SDK (7.x, CommonJS build) against the mock provider, instrumented by the module
// hook of TokenmeterInstrumentation: spans, CallRecords and what the app sees.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKENMETER_COST_INPUT,
  ATTR_TOKENMETER_COST_OUTPUT,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let OpenAI: typeof OpenAIType;
let AzureOpenAI: typeof import('openai').AzureOpenAI;
let client: OpenAIType;

before(async () => {
  h = await startHarness({ mock: { azureDeployments: { 'prod-chat': 'gpt-4.1-2025-04-14' } } });
  ({ OpenAI, AzureOpenAI } = requireSdk('openai') as typeof import('openai'));
  client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

/** gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output (OpenAI's price list). */
function gpt4oMiniCost(input: number, output: number): number {
  return (input * 0.15 + output * 0.6) / 1e6;
}

/** Chunks without their per-request ids and times, to compare two runs. */
function normalise<T>(chunks: T[]): unknown[] {
  return chunks.map((c) =>
    JSON.parse(JSON.stringify(c).replace(/"(id|created|created_at)":("[^"]*"|\d+)/g, '"$1":0')),
  );
}

async function withoutTokenmeter<T>(fn: () => Promise<T>): Promise<T> {
  h.instrumentation.disable();
  try {
    return await fn();
  } finally {
    h.instrumentation.enable();
  }
}

describe('openai chat completions', () => {
  test('a JSON call makes one priced CLIENT span and one CallRecord', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    await waitFor(() => h.records.length === 1);
    const spans = tokenmeterSpans(h.spans);
    assert.equal(spans.length, 1);
    const span = spans[0]!;
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.kind, SpanKind.CLIENT);
    const a = span.attributes;
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_CHAT);
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], 'gpt-4o-mini');
    assert.equal(a[ATTR_GEN_AI_RESPONSE_MODEL], res.model);
    assert.equal(a[ATTR_GEN_AI_RESPONSE_ID], res.id);
    assert.deepEqual(a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS], ['stop']);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage?.prompt_tokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.usage?.completion_tokens);
    assert.equal(a[ATTR_SERVER_ADDRESS], '127.0.0.1');
    assert.equal(a[ATTR_SERVER_PORT], Number(new URL(h.mock.url).port));
    const expected = gpt4oMiniCost(res.usage!.prompt_tokens, res.usage!.completion_tokens);
    assert.ok(
      Math.abs((a[ATTR_GEN_AI_USAGE_COST] as number) - expected) < 1e-12,
      `${a[ATTR_GEN_AI_USAGE_COST]} vs ${expected}`,
    );
    assert.ok(
      Math.abs((a[ATTR_TOKENMETER_COST_INPUT] as number) - gpt4oMiniCost(res.usage!.prompt_tokens, 0)) <
        1e-12,
    );
    assert.ok(
      Math.abs((a[ATTR_TOKENMETER_COST_OUTPUT] as number) - gpt4oMiniCost(0, res.usage!.completion_tokens)) <
        1e-12,
    );
    assert.equal(a[ATTR_TOKENMETER_PRICING_MODEL_ID], 'gpt-4o-mini');
    assert.equal(a[ATTR_GEN_AI_INPUT_MESSAGES], undefined, 'no content unless asked for');
    assert.equal(a[ATTR_GEN_AI_OUTPUT_MESSAGES], undefined);

    const r = h.records[0]!;
    assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(r.requestModel, 'gpt-4o-mini');
    assert.equal(r.responseId, res.id);
    assert.equal(r.cost?.totalUsd, a[ATTR_GEN_AI_USAGE_COST]);
    assert.equal(r.sampled, true);
    assert.equal(r.traceId, span.spanContext().traceId);
    assert.equal(r.stream, false);
    assert.ok(r.durationMs > 0);
  });

  test('the API key never reaches a span or a record', async () => {
    const secret = 'sk-live-very-secret-key';
    const c = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: secret, maxRetries: 0 });
    await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await waitFor(() => h.records.length === 1);
    const dump =
      JSON.stringify(tokenmeterSpans(h.spans).map((s) => s.attributes)) + JSON.stringify(h.records);
    assert.ok(!dump.includes(secret));
    assert.ok(!dump.toLowerCase().includes('authorization'));
  });

  test('a stream the caller did not ask usage for: usage recorded, the app sees the same chunks as without tokenmeter', async () => {
    const run = async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const instrumented = await run();
    await waitFor(() => h.records.length === 1);
    const bare = await withoutTokenmeter(run);
    assert.deepEqual(normalise(instrumented), normalise(bare));
    assert.ok(
      instrumented.every((c) => !('usage' in c)),
      'no "usage": null added to any chunk',
    );
    assert.ok(
      instrumented.every((c) => c.choices.length > 0),
      'no usage-only chunk',
    );
    // tokenmeter asked for the usage on the wire; the bare run did not
    const sent = h.mock.requests.map((r) => (r.body as { stream_options?: unknown }).stream_options);
    assert.deepEqual(sent, [{ include_usage: true }, undefined]);

    const span = tokenmeterSpans(h.spans)[0]!;
    assert.equal(span.attributes[ATTR_GEN_AI_REQUEST_STREAM], true);
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS], 7);
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 20);
    assert.ok(Math.abs((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) - gpt4oMiniCost(7, 20)) < 1e-12);
    const r = h.records[0]!;
    assert.equal(r.stream, true);
    assert.equal(r.usageEstimated, false);
    assert.ok(r.timeToFirstChunkMs !== undefined && r.timeToFirstChunkMs <= r.durationMs);
  });

  test('a stream whose caller asked for usage: the app still gets its usage chunk, unchanged', async () => {
    const run = async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const instrumented = await run();
    await waitFor(() => h.records.length === 1);
    const bare = await withoutTokenmeter(run);
    assert.deepEqual(normalise(instrumented), normalise(bare));
    const last = instrumented.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 20);
    assert.equal(tokenmeterSpans(h.spans)[0]!.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 20);
  });

  test('records-usage-of-tee: both branches of Stream#tee() see every chunk; one span with the usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
    const [left, right] = stream.tee();
    const read = async (s: typeof left) => {
      const out = [];
      for await (const c of s) out.push(c.choices[0]?.delta?.content ?? '');
      return out.join('');
    };
    const [a, b] = await Promise.all([read(left), read(right)]);
    assert.equal(a, b);
    assert.equal(a.trim().split(' ').length, 20);
    await waitFor(() => h.records.length === 1);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
    assert.equal(h.records[0]!.usage?.outputTokens, 20);
  });

  test('stream-double-iteration: a second iteration fails as it does without tokenmeter; one span', async () => {
    const run = async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
      });
      for await (const _ of stream) {
        // drain
      }
      try {
        for await (const _ of stream) {
          // second pass
        }
        return 'no error';
      } catch (error) {
        return `${(error as Error).constructor.name}: ${(error as Error).message}`;
      }
    };
    const instrumented = await run();
    const bare = await withoutTokenmeter(run);
    assert.equal(instrumented, bare);
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  });

  test('stream-break-early: breaking out of the loop ends the span with the usage seen so far', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) {
      if (++n === 3) break;
    }
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.errorType, undefined);
    assert.equal(r.responseModel, 'gpt-4o-mini-2024-07-18');
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  });
});

describe('openai Responses API and embeddings', () => {
  test('responses.create (JSON) is priced from its usage', async () => {
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'Say hello' });
    await waitFor(() => h.records.length === 1);
    const span = tokenmeterSpans(h.spans)[0]!;
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.attributes[ATTR_GEN_AI_RESPONSE_ID], res.id);
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage?.input_tokens);
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.usage?.output_tokens);
    assert.ok(
      Math.abs(
        (span.attributes[ATTR_GEN_AI_USAGE_COST] as number) -
          gpt4oMiniCost(res.usage!.input_tokens, res.usage!.output_tokens),
      ) < 1e-12,
    );
  });

  test('a Responses stream ends its span at response.completed with reasoning tokens', async () => {
    const stream = await client.responses.create({
      model: 'o4-mini',
      input: 'Think, then say hello',
      stream: true,
    });
    let completed: { usage?: { output_tokens_details?: { reasoning_tokens?: number } } } | undefined;
    for await (const event of stream) {
      if (event.type === 'response.completed') completed = event.response as typeof completed;
    }
    await waitFor(() => h.records.length === 1);
    const span = tokenmeterSpans(h.spans)[0]!;
    assert.equal(span.attributes[ATTR_GEN_AI_REQUEST_STREAM], true);
    assert.equal(
      span.attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS],
      completed?.usage?.output_tokens_details?.reasoning_tokens,
    );
    assert.ok((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });

  test('embeddings.create: operation embeddings, input tokens priced, no output', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['one two three', 'four'],
    });
    assert.equal(res.data.length, 2);
    await waitFor(() => h.records.length === 1);
    const span = tokenmeterSpans(h.spans)[0]!;
    assert.equal(span.name, 'embeddings text-embedding-3-small');
    assert.equal(span.attributes[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS);
    assert.equal(span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.usage.prompt_tokens);
    // text-embedding-3-small: $0.02 per million tokens
    assert.ok(
      Math.abs((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) - (res.usage.prompt_tokens * 0.02) / 1e6) <
        1e-12,
    );
  });
});

describe('AzureOpenAI', () => {
  test('a deployment URL is an azure.ai.openai call priced at the model the response names', async () => {
    // The client talks to an Azure resource host; a user fetch (the common proxy setup) sends it to the mock.
    const origin = new URL(h.mock.url).origin;
    const userFetch = (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(`${origin}${url.pathname}${url.search}`, init);
    };
    const azure = new AzureOpenAI({
      endpoint: 'https://myres.openai.azure.com',
      apiKey: 'x',
      apiVersion: '2024-10-21',
      deployment: 'prod-chat',
      maxRetries: 0,
      fetch: userFetch,
    });
    const stream = await azure.chat.completions.create({
      model: 'prod-chat',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    // copes-with-chunks-missing-a-choices-array: Azure's first chunk has no choices
    assert.deepEqual(chunks[0]?.choices, []);
    await waitFor(() => h.records.length === 1);
    const spans = tokenmeterSpans(h.spans);
    assert.equal(
      spans.length,
      1,
      'one span: the user fetch calls the global fetch, which does not record it again',
    );
    const a = spans[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI);
    assert.equal(a[ATTR_SERVER_ADDRESS], 'myres.openai.azure.com');
    assert.equal(a[ATTR_GEN_AI_RESPONSE_MODEL], chunks.at(-1)?.model);
    assert.match(String(a[ATTR_GEN_AI_RESPONSE_MODEL]), /^gpt-4\.1/);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 20);
    assert.notEqual(a[ATTR_TOKENMETER_PRICING_MATCH], 'unknown_model');
    assert.ok((a[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });
});
