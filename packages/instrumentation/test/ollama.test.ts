// Ollama's native API through the real `ollama` npm client against the mock provider (declared as
// an Ollama endpoint, as `TOKENMETER_PROVIDERS=ollama=http://host:11434` would): /api/chat and
// /api/generate, JSON and NDJSON streams, /api/embed and the legacy /api/embeddings. Counted always,
// priced through the overrides file, byte-identical to what the client gets without tokenmeter.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { configurePricing, loadPricingFile } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import type { Ollama as OllamaType } from 'ollama';
import { heuristicTokenCount } from '../src/estimate/index.js';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let Ollama: typeof OllamaType;
let client: OllamaType;

/** llama3.2 on our own GPUs: $0.10 input, $0.30 output per million tokens (the overrides file). */
const PRICING_YAML = `models:
  - id: llama3.2
    provider: ollama
    match: { starts_with: "llama3.2" }
    prices: { input_mtok: 0.10, output_mtok: 0.30 }
    price_comments: GPU cost of our cluster
  - id: nomic-embed-text
    provider: ollama
    match: { starts_with: "nomic-embed-text" }
    prices: { input_mtok: 0.02 }
`;
const cost = (i: number, o: number) => (i * 0.1 + o * 0.3) / 1e6;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-ollama-'));
  const file = join(dir, 'pricing.yaml');
  writeFileSync(file, PRICING_YAML);
  const loaded = loadPricingFile(file);
  assert.deepEqual(loaded.problems, []);
  configurePricing({ overrides: loaded.overrides });
  h = await startHarness();
  h.instrumentation.setConfig({
    ...h.config,
    providers: [
      { baseUrl: h.openaiBaseURL, provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI },
      { baseUrl: h.mock.url, provider: GEN_AI_PROVIDER_NAME_VALUE_OLLAMA },
    ],
  });
  ({ Ollama } = requireSdk('ollama') as typeof import('ollama'));
  client = new Ollama({ host: h.mock.url });
});
after(async () => {
  configurePricing();
  await h.close();
});
beforeEach(() => h.reset());

async function onlySpan() {
  await waitFor(() => h.records.length === 1);
  const spans = tokenmeterSpans(h.spans);
  assert.equal(spans.length, 1);
  return spans[0]!.attributes;
}

describe('ollama: /api/chat and /api/generate', () => {
  test('chat (JSON): prompt_eval_count and eval_count priced through the overrides file', async () => {
    const res = await client.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    assert.ok(res.message.content.length > 0);
    const a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OLLAMA);
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_CHAT);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MODEL], 'llama3.2');
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.prompt_eval_count);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.eval_count);
    assert.deepEqual(a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS], ['stop']);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'override');
    assert.ok(
      Math.abs((a[ATTR_GEN_AI_USAGE_COST] as number) - cost(res.prompt_eval_count, res.eval_count)) < 1e-12,
    );
  });

  test('chat (NDJSON stream): every line reaches the app; the span has the final counts', async () => {
    const stream = await client.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      options: { num_predict: 12 },
    });
    let text = '';
    let last: { prompt_eval_count?: number; eval_count?: number; done?: boolean } | undefined;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    assert.equal(last?.done, true);
    assert.equal(text.trim().split(/\s+/).length, 12);
    const a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_REQUEST_STREAM], true);
    assert.equal(a[ATTR_GEN_AI_REQUEST_MAX_TOKENS], 12);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], last?.prompt_eval_count);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 12);
    assert.deepEqual(a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS], ['length']);
    assert.ok(h.records[0]!.timeToFirstChunkMs !== undefined);
  });

  test('generate (JSON and stream): a text_completion span with the counts', async () => {
    const res = await client.generate({
      model: 'llama3.2',
      prompt: 'Why is the sky blue?',
      system: 'Be brief',
    });
    let a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.prompt_eval_count);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], res.eval_count);
    h.reset();
    let final: { eval_count?: number } | undefined;
    for await (const part of await client.generate({ model: 'llama3.2', prompt: 'Again', stream: true }))
      final = part;
    a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], final?.eval_count);
    assert.ok((a[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  });

  test('a model the overrides do not price is counted, unpriced with its reason (self_hosted), never $0', async () => {
    await client.chat({ model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'hi' }] });
    const a = await onlySpan();
    assert.ok((a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] as number) > 0);
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'unknown_provider');
    const r = h.records[0]!;
    assert.equal(r.cost, null);
    assert.equal(r.pricingMatch, 'unknown_provider');
  });

  test('the stream the app reads is byte-identical to the bare one', async () => {
    const body = JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'Same bytes' }] });
    const read = async () => {
      const res = await fetch(`${h.mock.url}/api/chat`, { method: 'POST', body });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        text: (await res.text()).replace(/"created_at":"[^"]*"/g, '"created_at":0'),
      };
    };
    h.instrumentation.disable();
    const bare = await read();
    h.instrumentation.enable();
    const observed = await read();
    assert.deepEqual(observed, bare);
    assert.equal(bare.type, 'application/x-ndjson');
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.stream, true, 'Ollama streams when the request does not say stream: false');
  });
});

describe('ollama: /api/embed and /api/embeddings', () => {
  test('embed: prompt_eval_count priced as input', async () => {
    const res = await client.embed({ model: 'nomic-embed-text', input: ['first text', 'second text'] });
    assert.equal(res.embeddings.length, 2);
    const a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_OPERATION_NAME], GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], res.prompt_eval_count);
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined);
    assert.ok(
      Math.abs((a[ATTR_GEN_AI_USAGE_COST] as number) - (res.prompt_eval_count! * 0.02) / 1e6) < 1e-12,
    );
  });

  test('the legacy embeddings (no count reported): counted from the prompt, marked estimated', async () => {
    const prompt = 'The legacy endpoint reports no token count';
    const res = await client.embeddings({ model: 'nomic-embed-text', prompt });
    assert.ok(res.embedding.length > 0);
    const a = await onlySpan();
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], heuristicTokenCount(prompt));
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], true);
  });
});

describe('ollama: faults never reach the app as ours', () => {
  test('an error status: the client gets its ResponseError; the call is recorded with the status', async () => {
    const failing = new Ollama({ host: h.mock.url, headers: { 'x-mock-fault': 'status-500' } });
    await assert.rejects(failing.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }), {
      name: 'ResponseError',
    });
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, '500');
  });

  test('a stream cut before its done line: incomplete_stream, no usage', async () => {
    const cut = new Ollama({ host: h.mock.url, headers: { 'x-mock-fault': 'truncated-sse' } });
    const parts: unknown[] = [];
    try {
      for await (const part of await cut.chat({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }))
        parts.push(part);
    } catch {
      // the client may reject the half line: its own error, not ours
    }
    await waitFor(() => h.records.length === 1);
    assert.equal(h.records[0]!.errorType, 'incomplete_stream');
    assert.equal(h.records[0]!.usage, undefined);
  });

  test('no counts in the done line: counted unpriced (no_usage)', async () => {
    const quiet = new Ollama({ host: h.mock.url, headers: { 'x-mock-fault': 'no-usage' } });
    await quiet.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] });
    const a = await onlySpan();
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'no_usage');
  });
});
