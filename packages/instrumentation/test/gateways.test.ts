// Calls through AI gateways and to unknown hosts, with the real openai and Anthropic SDKs against
// the mock provider (which answers `/gateway/<name>/...` as that gateway would: its headers, its
// usage accounting). Gateway hosts (openrouter.ai, api.portkey.ai, ...) are reached through the
// SDK's own `fetch` option, which sends the very request to the mock: tokenmeter sees the real URL.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_TOKENMETER_AI_GATEWAY_NAME,
  ATTR_TOKENMETER_COST_LOCAL,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_PROVIDER_ID,
  ATTR_TOKENMETER_PRICING_SOURCE,
  ATTR_TOKENMETER_PRICING_VERSION,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER,
  LABEL_PRICED,
  LABEL_PROVIDER,
  METRIC_LLM_COST_USD,
  METRIC_LLM_REQUESTS,
  TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER,
  TOKENMETER_PRICING_MATCH_VALUE_PROVIDER_REPORTED,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { loadTokenCounter } from '../src/estimate/index.js';
import { fixtureBytes, fixtureJson } from './adapters/helpers.js';
import { type Harness, points, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let OpenAI: typeof OpenAIType;
let Anthropic: typeof AnthropicType;

before(async () => {
  h = await startHarness();
  ({ OpenAI } = requireSdk('openai') as typeof import('openai'));
  Anthropic = (requireSdk('@anthropic-ai/sdk') as { default: typeof AnthropicType }).default;
});
after(() => h.close());
beforeEach(() => {
  h.reset();
  h.instrumentation.setConfig(h.config);
});

/** gpt-4o-mini at OpenAI's list price: $0.15 / Mtok in, $0.60 / Mtok out, in nano-dollars. */
const gpt4oMiniNanos = (input: number, output: number) => input * 150 + output * 600;

/** A fetch that sends each request to the mock under `mockPath` in place of `origin`. */
function viaMock(origin: string, mockPath: string): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.replace(origin, `${h.mock.url}${mockPath}`), init);
  };
}

function openaiAt(baseURL: string, fetchImpl?: typeof fetch): OpenAIType {
  return new OpenAI({
    baseURL,
    apiKey: 'sk-test',
    maxRetries: 0,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

async function oneSpan(): Promise<ReadableSpan> {
  await waitFor(() => h.records.length === 1, LOADED_MACHINE_MS);
  const spans = tokenmeterSpans(h.spans);
  assert.equal(spans.length, 1);
  return spans[0]!;
}

const ask = [{ role: 'user' as const, content: 'Say hello' }];

/** How long a record may take on a busy machine (the tokenizer loads on the first estimate). */
const LOADED_MACHINE_MS = 15_000;

describe('an unknown host: the provider inferred from the model', () => {
  test('the openai SDK at an undeclared loopback base URL calling gpt-4o-mini is priced as openai, marked inferred_provider', async () => {
    const client = openaiAt(`${h.mock.url}/v1`);
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    const span = await oneSpan();
    const a = span.attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_SERVER_ADDRESS], '127.0.0.1');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
    assert.equal(a[ATTR_TOKENMETER_PRICING_PROVIDER_ID], 'openai');
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], undefined);
    const usage = res.usage!;
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, gpt4oMiniNanos(usage.prompt_tokens, usage.completion_tokens));
    assert.equal(record.provider, GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    const cost = points(await h.collect(), METRIC_LLM_COST_USD);
    assert.equal(cost.length, 1);
    assert.equal(cost[0]!.attributes[LABEL_PROVIDER], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
  });

  test('a stream whose caller asked for usage records exactly what the server sent', async () => {
    const client = openaiAt(`${h.mock.url}/v1`);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    let sent: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) sent = chunk.usage;
    const a = (await oneSpan()).attributes;
    assert.ok(sent);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], sent.prompt_tokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], sent.completion_tokens);
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
  });

  test('a stream from a server that sends usage unasked records what it sent, not an estimate', async () => {
    // OpenRouter's accounting ends every stream with usage; here on an undeclared loopback host.
    const client = openaiAt(`${h.mock.url}/gateway/openrouter/api/v1`);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
    });
    let sent: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) sent = chunk.usage;
    const a = (await oneSpan()).attributes;
    assert.ok(sent, 'the app still receives the usage chunk the server sent');
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], sent.prompt_tokens);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], sent.completion_tokens);
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined);
  });

  test('a stream to an unknown server is never sent include_usage: estimated and marked', async () => {
    const client = openaiAt(`${h.mock.url}/v1`);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
    });
    for await (const _ of stream) {
      // read to the end
    }
    const a = (await oneSpan()).attributes;
    assert.equal(
      h.mock.requests[0]!.body && (h.mock.requests[0]!.body as Record<string, unknown>).stream_options,
      undefined,
    );
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], true);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
  });
  test('an estimated stream counts exactly the text the app received (content deltas read from the bytes, not parsed)', async () => {
    const client = openaiAt(`${h.mock.url}/v1`);
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: ask, stream: true },
      { headers: { 'x-mock-output-tokens': '40' } },
    );
    let received = '';
    for await (const chunk of stream) received += chunk.choices[0]?.delta?.content ?? '';
    const a = (await oneSpan()).attributes;
    const count = await loadTokenCounter('o200k_base');
    assert.ok(received.length > 40, received);
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], true);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], count!(received));
  });
});

describe('known gateways by host', () => {
  test('OpenRouter: its usage.cost is the call cost (source provider), the local price beside it', async () => {
    const client = openaiAt(
      'https://openrouter.ai/api/v1',
      viaMock('https://openrouter.ai', '/gateway/openrouter'),
    );
    const res = await client.chat.completions.create(
      { model: 'openai/gpt-4o-mini', messages: ask },
      { headers: { 'x-mock-reported-cost': '0.000123' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'openrouter');
    assert.equal(a[ATTR_SERVER_ADDRESS], 'openrouter.ai');
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0.000123);
    assert.equal(a[ATTR_TOKENMETER_PRICING_SOURCE], 'provider');
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, 123_000);
    assert.equal(record.cost?.source, 'provider');
    // OpenRouter's own list prices openai/gpt-4o-mini like OpenAI's.
    const usage = res.usage!;
    assert.equal(record.localCost?.totalNanos, gpt4oMiniNanos(usage.prompt_tokens, usage.completion_tokens));
    assert.equal(a[ATTR_TOKENMETER_COST_LOCAL], record.localCost!.totalUsd);
  });

  test('a reported cost on a model with no local price is marked provider_reported, not unknown_model', async () => {
    const client = openaiAt(
      'https://openrouter.ai/api/v1',
      viaMock('https://openrouter.ai', '/gateway/openrouter'),
    );
    await client.chat.completions.create(
      { model: 'nobody/model-not-in-any-catalog', messages: ask },
      { headers: { 'x-mock-reported-cost': '0.000042' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0.000042);
    assert.equal(a[ATTR_TOKENMETER_PRICING_SOURCE], 'provider');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_PROVIDER_REPORTED);
    assert.equal(a[ATTR_TOKENMETER_COST_LOCAL], undefined, 'no local price to show beside it');
    const record = h.records[0]!;
    assert.equal(record.pricingMatch, TOKENMETER_PRICING_MATCH_VALUE_PROVIDER_REPORTED);
    assert.equal(record.cost?.match, TOKENMETER_PRICING_MATCH_VALUE_PROVIDER_REPORTED);
    assert.equal(record.localCost, undefined);
    const requests = points(await h.collect(), METRIC_LLM_REQUESTS);
    assert.deepEqual(
      requests.map((p) => p.attributes[LABEL_PRICED]),
      [true],
      'counted as priced: it has a cost',
    );
  });

  test('OpenRouter streams: usage and cost read from the last event, the app gets the stream as sent', async () => {
    const client = openaiAt(
      'https://openrouter.ai/api/v1',
      viaMock('https://openrouter.ai', '/gateway/openrouter'),
    );
    const stream = await client.chat.completions.create(
      { model: 'openai/gpt-4o-mini', messages: ask, stream: true },
      { headers: { 'x-mock-reported-cost': '0.00005' } },
    );
    let sent: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) sent = chunk.usage;
    const a = (await oneSpan()).attributes;
    assert.ok(sent, 'no include_usage was injected and stripped: the usage event reaches the app');
    assert.equal((h.mock.requests[0]!.body as Record<string, unknown>).stream_options, undefined);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], sent.prompt_tokens);
    assert.equal(h.records[0]!.cost?.totalNanos, 50_000);
    assert.equal(h.records[0]!.cost?.source, 'provider');
  });

  test('Vercel AI Gateway: a vendor-prefixed model is priced by its vendor, the gateway kept', async () => {
    const client = openaiAt(
      'https://ai-gateway.vercel.sh/v1',
      viaMock('https://ai-gateway.vercel.sh', '/gateway/vercel'),
    );
    await client.chat.completions.create({ model: 'anthropic/claude-3.5-sonnet', messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'vercel');
    assert.equal(a[ATTR_SERVER_ADDRESS], 'ai-gateway.vercel.sh');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
    assert.equal(a[ATTR_TOKENMETER_PRICING_PROVIDER_ID], 'anthropic');
  });

  test('Portkey by host: provider by model, gateway portkey', async () => {
    const client = openaiAt(
      'https://api.portkey.ai/v1',
      viaMock('https://api.portkey.ai', '/gateway/portkey'),
    );
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'portkey');
  });

  test('Portkey: the provider x-portkey-provider names prices the call, not a guess from the model', async () => {
    const client = openaiAt(
      'https://api.portkey.ai/v1',
      viaMock('https://api.portkey.ai', '/gateway/portkey'),
    );
    // No catalog provider claims this id by its name alone: without the header it is unknown_provider.
    const res = await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      { headers: { 'x-portkey-provider': 'groq', 'x-portkey-api-key': 'pk-test' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'portkey');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
    assert.equal(a[ATTR_TOKENMETER_PRICING_PROVIDER_ID], 'groq');
    // Groq's llama-3.3-70b-versatile: $0.59 / Mtok in, $0.79 / Mtok out.
    const usage = res.usage!;
    assert.equal(h.records[0]!.cost?.totalNanos, usage.prompt_tokens * 590 + usage.completion_tokens * 790);
  });

  test("Portkey: an inline x-portkey-config names the provider; a slug of the user's own is resolved by the provider Portkey's response names", async () => {
    const client = openaiAt(
      'https://api.portkey.ai/v1',
      viaMock('https://api.portkey.ai', '/gateway/portkey'),
    );
    await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      { headers: { 'x-portkey-config': JSON.stringify({ provider: 'groq', api_key: 'gsk-secret' }) } },
    );
    await waitFor(() => h.records.length === 1, LOADED_MACHINE_MS);
    assert.equal(h.records[0]!.provider, GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    const span = tokenmeterSpans(h.spans)[0]!;
    assert.ok(
      !JSON.stringify(span.attributes).includes('gsk-secret'),
      'nothing of the config but its provider is read',
    );
    h.reset();
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: ask },
      { headers: { 'x-portkey-provider': '@my-openai-prod' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    // The slug says nothing; the response's x-portkey-provider (openai) does: priced as openai's own.
    assert.equal(h.mock.requests[0]!.headers['x-portkey-provider'], '@my-openai-prod');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
  });

  test('Portkey: a virtual key or saved config names no provider; the x-portkey-provider its response carries prices the call', async () => {
    const client = openaiAt(
      'https://api.portkey.ai/v1',
      viaMock('https://api.portkey.ai', '/gateway/portkey'),
    );
    const res = await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      {
        headers: {
          'x-portkey-config': 'pc-saved-0123',
          'x-portkey-virtual-key': 'vk-secret-groq-0123',
          'x-portkey-api-key': 'pk-secret-0123',
          'x-mock-served-by': 'groq',
        },
      },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'portkey');
    assert.equal(a[ATTR_TOKENMETER_PRICING_PROVIDER_ID], 'groq');
    const usage = res.usage!;
    assert.equal(h.records[0]!.cost?.totalNanos, usage.prompt_tokens * 590 + usage.completion_tokens * 790);
    assert.ok(!JSON.stringify(a).includes('secret'), 'no Portkey key or virtual key is recorded');
  });

  test('Portkey fell back to another target: the provider its response names wins over the one the request named', async () => {
    const client = openaiAt(
      'https://api.portkey.ai/v1',
      viaMock('https://api.portkey.ai', '/gateway/portkey'),
    );
    await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      { headers: { 'x-portkey-provider': 'openai', 'x-mock-served-by': 'groq' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
  });

  test('Portkey behind a company URL, known only by its response headers: the provider they name prices the call', async () => {
    const client = openaiAt(`${h.mock.url}/gateway/portkey/v1`);
    await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      { headers: { 'x-mock-served-by': 'groq' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'portkey');
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GROQ);
  });

  test('Portkey self-hosted at a company URL: x-portkey-provider prices the call and names the gateway', async () => {
    const client = openaiAt(`${h.mock.url}/gateway/portkey/v1`);
    await client.chat.completions.create(
      { model: 'llama-3.3-70b-versatile', messages: ask },
      { headers: { 'x-portkey-provider': 'groq' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'portkey');
    assert.equal(a[ATTR_SERVER_ADDRESS], '127.0.0.1');
  });

  test('Cloudflare AI Gateway: the provider named in the path prices it; streams get exact usage', async () => {
    const origin = 'https://gateway.ai.cloudflare.com';
    const client = openaiAt(`${origin}/v1/acct123/my-gw/openai`, viaMock(origin, '/gateway/cloudflare'));
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
    });
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.usage, undefined, 'the injected usage never reaches the app');
    }
    assert.ok(chunks > 0);
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'cloudflare');
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined);
    const sent = h.mock.requests[0]!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(sent.stream_options?.include_usage, true);
  });

  test('Cloudflare AI Gateway with the Anthropic SDK: /anthropic/v1/messages priced as anthropic', async () => {
    const origin = 'https://gateway.ai.cloudflare.com';
    const client = new Anthropic({
      baseURL: `${origin}/v1/acct123/my-gw/anthropic`,
      apiKey: 'x',
      maxRetries: 0,
      fetch: viaMock(origin, '/gateway/cloudflare'),
    });
    await client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 50, messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'cloudflare');
    assert.notEqual(a[ATTR_GEN_AI_USAGE_COST], undefined);
  });
});

describe('gateways recognised by their response headers', () => {
  test('a LiteLLM proxy: its x-litellm-response-cost is the call cost, the local price beside it', async () => {
    const client = openaiAt(`${h.mock.url}/gateway/litellm/v1`);
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: ask },
      { headers: { 'x-mock-reported-cost': '0.0000105' } },
    );
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'litellm');
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0.0000105);
    assert.equal(a[ATTR_TOKENMETER_PRICING_SOURCE], 'provider');
    const usage = res.usage!;
    assert.equal(
      h.records[0]!.localCost?.totalNanos,
      gpt4oMiniNanos(usage.prompt_tokens, usage.completion_tokens),
    );
  });

  test('a LiteLLM proxy seen once is asked for stream usage from then on: exact, not estimated', async () => {
    const client = openaiAt(`${h.mock.url}/gateway/litellm/v1`);
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    await waitFor(() => h.records.length === 1, LOADED_MACHINE_MS);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
    });
    for await (const chunk of stream) assert.equal(chunk.usage, undefined);
    await waitFor(() => h.records.length === 2, LOADED_MACHINE_MS);
    const streamed = h.records[1]!;
    assert.equal(streamed.gateway, 'litellm');
    assert.equal(streamed.usageEstimated, false);
    assert.equal(streamed.cost?.source, 'catalog', 'a stream carries no header cost');
    const sent = h.mock.requests[1]!.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(sent.stream_options?.include_usage, true);
  });

  test('a LiteLLM proxy run with include_cost_in_streaming_usage: the cost in its stream’s last usage is the call cost', async () => {
    const client = openaiAt(`${h.mock.url}/gateway/litellm/v1`);
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: ask, stream: true, stream_options: { include_usage: true } },
      {
        headers: {
          'x-mock-include-cost-in-streaming-usage': 'true',
          'x-mock-reported-cost': '0.0000123',
        },
      },
    );
    let sent: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) sent = chunk.usage;
    assert.ok(sent);
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'litellm');
    assert.equal(a[ATTR_TOKENMETER_PRICING_SOURCE], 'provider');
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, 12_300);
    assert.equal(record.localCost?.totalNanos, gpt4oMiniNanos(sent.prompt_tokens, sent.completion_tokens));
  });

  test('Helicone and Portkey behind a company URL are named by their headers', async () => {
    for (const name of ['helicone', 'portkey', 'cloudflare']) {
      h.reset();
      const client = openaiAt(`${h.mock.url}/gateway/${name}/v1`);
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
      const a = (await oneSpan()).attributes;
      assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], name);
      assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    }
  });
});

describe('declared endpoints', () => {
  test('declaring openai=<gateway> does not leave Anthropic-format calls through it unpriced', async () => {
    const base = `${h.mock.url}/gateway/litellm`;
    h.instrumentation.setConfig({ ...h.config, providers: [{ baseUrl: base, provider: 'openai' }] });
    const client = new Anthropic({ baseURL: base, apiKey: 'x', maxRetries: 0 });
    await client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 50, messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], TOKENMETER_PRICING_MATCH_VALUE_INFERRED_PROVIDER);
    assert.notEqual(a[ATTR_GEN_AI_USAGE_COST], undefined);
  });

  test('declaring openai=<gateway> still prices OpenAI models as openai (exact)', async () => {
    const base = `${h.mock.url}/gateway/vercel/v1`;
    h.instrumentation.setConfig({ ...h.config, providers: [{ baseUrl: base, provider: 'openai' }] });
    await openaiAt(base).chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'exact');
  });

  test('gateway=<url>: format by path, provider by model, per call, stream usage asked for', async () => {
    const base = `${h.mock.url}/gateway/vercel`;
    h.instrumentation.setConfig({ ...h.config, providers: [{ baseUrl: base, provider: 'gateway' }] });
    const stream = await openaiAt(`${base}/v1`).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: ask,
      stream: true,
    });
    for await (const chunk of stream) assert.equal(chunk.usage, undefined);
    await waitFor(() => h.records.length === 1, LOADED_MACHINE_MS);
    await new Anthropic({ baseURL: base, apiKey: 'x', maxRetries: 0 }).messages.create({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 50,
      messages: ask,
    });
    await waitFor(() => h.records.length === 2, LOADED_MACHINE_MS);
    const [openai, anthropic] = h.records;
    assert.equal(openai!.provider, GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(openai!.gateway, 'gateway');
    assert.equal(openai!.usageEstimated, false);
    assert.equal(openai!.pricingMatch, 'inferred_provider');
    // The Anthropic Messages path names its provider: priced as anthropic, by the catalog's own match.
    assert.equal(anthropic!.provider, GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(anthropic!.gateway, 'gateway');
    assert.notEqual(anthropic!.cost, null);
    assert.notEqual(anthropic!.pricingMatch, 'inferred_provider');
  });

  test('a declared self-hosted server (vllm) is never priced at a hosted list price', async () => {
    const base = `${h.mock.url}/v1`;
    h.instrumentation.setConfig({ ...h.config, providers: [{ baseUrl: base, provider: 'vllm' }] });
    await openaiAt(base).chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], 'vllm');
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], undefined);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'unknown_provider');
  });
});

describe('recorded gateway responses replayed to the real SDKs (test/fixtures/gateways)', () => {
  const recorded = (name: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    h.mock.replayNext({ headers, body: fixtureBytes(`gateways/${name}`) });
  const litellm = fixtureJson('gateways/litellm-proxy.headers.json') as Record<
    'chat' | 'stream',
    Record<string, string>
  >;
  const openrouter = () =>
    openaiAt('https://openrouter.ai/api/v1', viaMock('https://openrouter.ai', '/gateway/openrouter'));

  test('OpenRouter: the cost it reported is the call cost, its own list price beside it shows the drift', async () => {
    recorded('openrouter-chat.json');
    const res = await openrouter().chat.completions.create({
      model: 'openai/gpt-oss-120b',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    assert.equal(res.choices[0]!.message.content, 'The capital of France is **Paris**.');
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENROUTER);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], 74);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 21);
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, 5_370);
    assert.equal(record.cost?.source, 'provider');
    // The bundled catalog's OpenRouter list price: $0.039 / $0.18 per Mtok (the call went to a cheaper route).
    assert.equal(record.localCost?.totalNanos, 74 * 39 + 21 * 180);
  });

  test('OpenRouter bring-your-own-key: the upstream cost billed to the key counts, though OpenRouter charged 0', async () => {
    recorded('openrouter-chat-byok.json');
    await openrouter().chat.completions.create({
      model: 'anthropic/claude-opus-5',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    await oneSpan();
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, 4_170_000);
    assert.equal(record.cost?.source, 'provider');
    assert.equal(
      record.localCost?.totalNanos,
      14 * 5_000 + 164 * 25_000,
      'claude-opus-5 at $5 / $25 per Mtok',
    );
  });

  test('OpenRouter stream: usage and cost of the last event, equal to the local price to the nano-dollar', async () => {
    recorded('openrouter-chat-stream.sse', { 'content-type': 'text/event-stream' });
    const stream = await openrouter().chat.completions.create({
      model: 'anthropic/claude-sonnet-4.6',
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let sent: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) sent = chunk.usage;
    }
    assert.equal(text, 'Hello!');
    assert.deepEqual([sent?.prompt_tokens, sent?.completion_tokens], [254, 5]);
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined);
    const record = h.records[0]!;
    assert.equal(record.cost?.totalNanos, 837_000);
    assert.equal(record.localCost?.totalNanos, 254 * 3_000 + 5 * 15_000);
  });

  test('a LiteLLM proxy: its x-litellm-response-cost is the call cost; gpt-3.5-turbo priced as openai beside it', async () => {
    recorded('litellm-proxy-chat.json', litellm.chat);
    const res = await openaiAt(h.mock.url).chat.completions.create({
      model: 'gpt-3.5-turbo',
      messages: [{ role: 'user', content: 'Hey, what is up?' }],
      n: 1,
    });
    assert.equal(res.model, 'gpt-3.5-turbo-0125');
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'litellm');
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0.0000425);
    const record = h.records[0]!;
    assert.equal(record.cost?.source, 'provider');
    assert.equal(record.cost?.totalNanos, 42_500);
    assert.equal(
      record.localCost?.totalNanos,
      13 * 500 + 24 * 1_500,
      'gpt-3.5-turbo at $0.50 / $1.50 per Mtok',
    );
  });

  test('a LiteLLM proxy stream: exact usage as sent, priced from the catalog (its headers carry no cost)', async () => {
    recorded('litellm-proxy-chat-stream.sse', litellm.stream);
    const stream = await openaiAt(h.mock.url).chat.completions.create({
      model: 'gpt-3.5-turbo',
      messages: [{ role: 'user', content: 'Hey, what is up?' }],
      n: 1,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(
      text,
      'Not much, just here to chat and help with anything you need. How can I assist you today?',
    );
    await oneSpan();
    const record = h.records[0]!;
    assert.equal(record.gateway, 'litellm');
    assert.equal(record.usageEstimated, false);
    assert.equal(record.cost?.source, 'catalog');
    assert.equal(record.cost?.totalNanos, 13 * 500 + 22 * 1_500);
  });

  test('Vercel AI Gateway, Anthropic Messages stream: 13 input tokens from message_delta, not the 0 of message_start', async () => {
    recorded('vercel-messages-stream.sse', { 'content-type': 'text/event-stream' });
    const client = new Anthropic({
      baseURL: 'https://ai-gateway.vercel.sh',
      apiKey: 'x',
      maxRetries: 0,
      fetch: viaMock('https://ai-gateway.vercel.sh', '/gateway/vercel'),
    });
    const stream = await client.messages.create({
      model: 'anthropic/claude-haiku-4.5',
      max_tokens: 100,
      messages: ask,
      stream: true,
    });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    assert.equal(text, 'Hi!');
    const a = (await oneSpan()).attributes;
    assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], 'vercel');
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], 13);
    assert.equal(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS], 5);
    // claude-haiku-4.5 at $1 / $5 per Mtok: the gateway's own `cost` (0.000038) to the nano-dollar.
    assert.equal(h.records[0]!.cost?.totalNanos, 13 * 1_000 + 5 * 5_000);
  });
});

describe('answers from a gateway’s cache', () => {
  test('Cloudflare, Portkey and Helicone answering from their cache: the call cost nothing, the list price kept beside it', async () => {
    for (const name of ['cloudflare', 'portkey', 'helicone']) {
      h.reset();
      const base =
        name === 'cloudflare'
          ? `${h.mock.url}/gateway/cloudflare/v1/acct/gw/openai`
          : `${h.mock.url}/gateway/${name}/v1`;
      const res = await openaiAt(base).chat.completions.create(
        { model: 'gpt-4o-mini', messages: ask },
        { headers: { 'x-mock-gateway-cache': 'hit' } },
      );
      const a = (await oneSpan()).attributes;
      assert.equal(a[ATTR_TOKENMETER_AI_GATEWAY_NAME], name);
      assert.equal(a[ATTR_GEN_AI_USAGE_COST], 0, name);
      assert.equal(a[ATTR_TOKENMETER_PRICING_SOURCE], 'provider', name);
      assert.equal(a[ATTR_TOKENMETER_PRICING_VERSION], `reported:${name}-cache`, name);
      const usage = res.usage!;
      const record = h.records[0]!;
      assert.equal(record.cost?.totalNanos, 0, name);
      assert.equal(
        record.localCost?.totalNanos,
        gpt4oMiniNanos(usage.prompt_tokens, usage.completion_tokens),
        name,
      );
    }
  });

  test('a streamed answer from Cloudflare’s cache costs nothing either; a MISS is priced as usual', async () => {
    const base = `${h.mock.url}/gateway/cloudflare/v1/acct/gw/openai`;
    const stream = await openaiAt(base).chat.completions.create(
      { model: 'gpt-4o-mini', messages: ask, stream: true },
      { headers: { 'x-mock-gateway-cache': 'hit' } },
    );
    for await (const _ of stream) {
      // read to the end
    }
    await waitFor(() => h.records.length === 1, LOADED_MACHINE_MS);
    assert.equal(h.records[0]!.cost?.totalNanos, 0);
    const res = await openaiAt(base).chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
    await waitFor(() => h.records.length === 2, LOADED_MACHINE_MS);
    const missed = h.records[1]!;
    assert.equal(missed.cost?.source, 'catalog');
    assert.equal(
      missed.cost?.totalNanos,
      gpt4oMiniNanos(res.usage!.prompt_tokens, res.usage!.completion_tokens),
    );
  });
});
