// The real @google/genai (3.x, CommonJS build) against the mock provider: generateContent, the
// stream (SSE), embedContent, a custom httpOptions.fetch, and the client without a global fetch wrapper.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { GoogleGenAI as GoogleGenAIType } from '@google/genai';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { heuristicTokenCount } from '../src/estimate/index.js';
import { isInstrumented } from '../src/fetch/instrument-fetch.js';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let GoogleGenAI: typeof GoogleGenAIType;
let ai: GoogleGenAIType;

before(async () => {
  h = await startHarness();
  ({ GoogleGenAI } = requireSdk('@google/genai') as typeof import('@google/genai'));
  ai = new GoogleGenAI({ apiKey: 'gemini-secret', httpOptions: { baseUrl: h.mock.geminiBaseURL } });
});
after(() => h.close());
beforeEach(() => h.reset());

const USD = 1e-6;
function close(actual: unknown, expected: number): void {
  assert.ok(Math.abs((actual as number) - expected) < 1e-12, `${actual} vs ${expected}`);
}

describe('@google/genai', () => {
  test('generateContent: a generate_content span priced at gemini-2.0-flash rates', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'Hello Gemini' });
    await waitFor(() => h.records.length === 1);
    const spans = tokenmeterSpans(h.spans);
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.name, 'generate_content gemini-2.0-flash');
    const a = spans[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT);
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], 'gemini-2.0-flash');
    const u = res.usageMetadata!;
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], u.promptTokenCount);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], u.candidatesTokenCount);
    assert.deepEqual(a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS], ['STOP']);
    // Gemini 2.0 Flash: $0.10 input, $0.40 output per million tokens
    close(a[ATTR_GEN_AI_USAGE_COST], (u.promptTokenCount! * 0.1 + u.candidatesTokenCount! * 0.4) * USD);
    const dump = JSON.stringify(a);
    assert.ok(!dump.includes('gemini-secret'), 'the API key is never recorded');
  });

  test('thinking tokens are output tokens (and reasoning tokens) on 2.5 models', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Think first' });
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    const u = res.usageMetadata!;
    assert.ok(u.thoughtsTokenCount! > 0);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], u.candidatesTokenCount! + u.thoughtsTokenCount!);
    assert.equal(a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS], u.thoughtsTokenCount);
  });

  test('generateContentStream: every chunk reaches the app; the span has the final usage', async () => {
    const stream = await ai.models.generateContentStream({
      model: 'gemini-2.0-flash',
      contents: 'Hello Gemini',
    });
    let text = '';
    let last: Awaited<ReturnType<typeof ai.models.generateContent>> | undefined;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      last = chunk;
    }
    assert.equal(text.trim().split(/\s+/).length, 20);
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.stream, true);
    assert.equal(r.usage?.inputTokens, last?.usageMetadata?.promptTokenCount);
    assert.equal(r.usage?.outputTokens, last?.usageMetadata?.candidatesTokenCount);
    assert.ok(r.cost !== null && r.cost.totalUsd > 0);
    assert.ok(r.timeToFirstChunkMs !== undefined);
  });

  test('embedContent: an embeddings span', async () => {
    const res = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
    assert.equal(res.embeddings?.length, 2);
    await waitFor(() => h.records.length === 1);
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], 'gemini-embedding-001');
  });

  // The Gemini API reports no token count for embeddings: without a local count they were no_usage.
  async function assertEstimatedEmbedding(texts: string[]): Promise<void> {
    await waitFor(() => h.records.length === 1);
    const r = h.records[0]!;
    const expected = texts.reduce((n, t) => n + heuristicTokenCount(t), 0);
    assert.equal(r.usage?.inputTokens, expected);
    assert.equal(r.usage?.outputTokens, 0);
    assert.equal(r.usageEstimated, true);
    assert.equal(r.pricingMatch, 'exact');
    const a = tokenmeterSpans(h.spans)[0]!.attributes;
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], true);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], expected);
    // gemini-embedding-001: $0.15 per million input tokens
    close(a[ATTR_GEN_AI_USAGE_COST], expected * 0.15 * USD);
  }

  test('batchEmbedContents (the SDK): tokens counted from the request text, marked estimated and priced', async () => {
    const texts = ['The quick brown fox jumps', 'over the lazy dog, twice over'];
    const res = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: texts });
    assert.equal(res.embeddings?.length, 2);
    assert.ok(h.mock.requests.at(-1)?.path.endsWith(':batchEmbedContents'));
    await assertEstimatedEmbedding(texts);
  });

  test('embedContent (REST, as other clients call it): counted, estimated and priced', async () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const res = await fetch(`${h.mock.geminiBaseURL}/v1beta/models/gemini-embedding-001:embedContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'x' },
      body: JSON.stringify({ content: { parts: [{ text }] } }),
    });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { embedding?: unknown }).embedding);
    await assertEstimatedEmbedding([text]);
  });

  test('embedContent with an error status is not estimated (nothing was embedded)', async () => {
    await assert.rejects(
      ai.models.embedContent({
        model: 'gemini-embedding-001',
        contents: 'x',
        config: { httpOptions: { headers: { 'x-mock-fault': 'status-500' } } },
      }),
    );
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.usage, undefined);
    assert.equal(h.records[0]!.usageEstimated, false);
  });

  test('a custom httpOptions.fetch that calls the global fetch: one span', async () => {
    let calls = 0;
    const custom = new GoogleGenAI({
      apiKey: 'x',
      httpOptions: {
        baseUrl: h.mock.geminiBaseURL,
        fetch: (input: string | URL | Request, init?: RequestInit) => {
          calls++;
          return globalThis.fetch(input, init);
        },
      },
    });
    await custom.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    await waitFor(() => h.records.length === 1);
    assert.equal(calls, 1, 'the custom fetch was used');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(tokenmeterSpans(h.spans).length, 1);
  });

  test('without the global fetch wrapper, the client is still instrumented through its apiCall', async () => {
    h.instrumentation.setConfig({ ...h.config, instrumentGlobalFetch: false });
    try {
      assert.equal(isInstrumented(globalThis.fetch), false, 'the global fetch is restored');
      await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
      await waitFor(() => h.records.length === 1);
      assert.equal(tokenmeterSpans(h.spans).length, 1);
    } finally {
      h.instrumentation.setConfig(h.config);
    }
  });
});
