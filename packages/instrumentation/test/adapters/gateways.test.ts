// AI gateways on payloads recorded from OpenRouter, a LiteLLM proxy and Vercel AI Gateway, and on
// the documented header shapes of Portkey, Helicone and Cloudflare AI Gateway (test/fixtures/gateways,
// sources in the README there): which gateway a URL or a response's headers name, the provider a
// URL relays to, the usage read and the cost a gateway reports (OpenRouter's usage.cost, LiteLLM's
// x-litellm-response-cost).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayCacheHit, gatewayFromHeaders, headerReportedCost } from '../../src/adapters/gateways.js';
import { parseResponse } from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, runSse, splitAt } from './helpers.js';

const headers = fixtureJson('gateways/response-headers.json') as Record<string, Record<string, string>>;
const litellm = fixtureJson('gateways/litellm-proxy.headers.json') as Record<
  'chat' | 'stream',
  Record<string, string>
>;
const asHeaders = (h: Record<string, string>) => new Headers(h);
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('gateways named by their response headers', () => {
  it('LiteLLM (recorded, streamed or not), Portkey, Helicone and Cloudflare AI Gateway each by their own headers', () => {
    assert.equal(gatewayFromHeaders(asHeaders(litellm.chat)), 'litellm');
    assert.equal(gatewayFromHeaders(asHeaders(litellm.stream)), 'litellm');
    for (const name of ['portkey', 'helicone', 'cloudflare']) {
      assert.equal(gatewayFromHeaders(asHeaders(headers[name]!)), name, name);
    }
  });

  it('a response of no gateway (Vercel sends only its platform id) names none', () => {
    assert.equal(gatewayFromHeaders(asHeaders(headers.vercel!)), undefined);
    assert.equal(gatewayFromHeaders(asHeaders({ 'content-type': 'application/json' })), undefined);
  });

  it('headers of two gateways name the one told apart first (LiteLLM behind Cloudflare, Helicone behind Portkey), from Headers or a plain record', () => {
    const both = { ...headers.cloudflare!, ...litellm.chat };
    assert.equal(gatewayFromHeaders(asHeaders(both)), 'litellm');
    assert.equal(gatewayFromHeaders(both), 'litellm');
    const relayed = { 'x-portkey-trace-id': 'p-1', 'helicone-id': 'h-1', 'content-type': 'application/json' };
    assert.equal(gatewayFromHeaders(asHeaders(relayed)), 'helicone');
    assert.equal(gatewayFromHeaders(relayed), 'helicone');
    assert.equal(gatewayFromHeaders({ 'cf-aig-cache-status': 'MISS' }), 'cloudflare');
  });

  it("LiteLLM's x-litellm-response-cost (exponent notation) is the call's cost in nano-dollars; a stream's headers carry none", () => {
    // 4.25e-05: gpt-3.5-turbo-0125, 13 in + 24 out at $0.50 / $1.50 per Mtok.
    assert.equal(headerReportedCost(asHeaders(litellm.chat)), 42_500);
    assert.equal(headerReportedCost(asHeaders(litellm.stream)), undefined);
  });

  it('an answer from the gateway’s cache: Cloudflare and Helicone HIT, Portkey HIT or SEMANTIC HIT; MISS, DISABLED or another gateway’s header are not', () => {
    assert.equal(gatewayCacheHit('cloudflare', asHeaders({ 'cf-aig-cache-status': 'HIT' })), true);
    assert.equal(gatewayCacheHit('cloudflare', asHeaders(headers.cloudflare!)), false, 'MISS');
    assert.equal(gatewayCacheHit('portkey', { 'x-portkey-cache-status': 'SEMANTIC HIT' }), true);
    assert.equal(gatewayCacheHit('portkey', asHeaders(headers.portkey!)), false, 'DISABLED');
    assert.equal(gatewayCacheHit('portkey', { 'x-portkey-cache-status': 'SEMANTIC MISS' }), false);
    assert.equal(gatewayCacheHit('helicone', asHeaders({ 'Helicone-Cache': 'hit' })), true);
    assert.equal(gatewayCacheHit('litellm', asHeaders({ 'cf-aig-cache-status': 'HIT' })), false);
  });

  it('a reported cost that is not a sane amount is ignored, never recorded', () => {
    for (const bad of ['', 'NaN', '-1', 'abc', '1e400', 'Infinity', '99999999']) {
      assert.equal(headerReportedCost(asHeaders({ 'x-litellm-response-cost': bad })), undefined, bad);
    }
  });
});

describe('OpenRouter usage accounting (recorded responses)', () => {
  const openrouter = info('https://openrouter.ai/api/v1/chat/completions', body);

  it('usage.cost is read as the reported cost beside the token counts, through the whitespace OpenRouter sends first', () => {
    const bytes = fixtureBytes('gateways/openrouter-chat.json');
    assert.equal(bytes[0], 0x0a, 'the recording starts with OpenRouter’s keep-alive whitespace');
    const r = parseResponse(openrouter, fixtureJson('gateways/openrouter-chat.json'));
    assert.equal(r.reportedCostNanos, 5_370);
    assert.equal(r.usage?.inputTokens, 74);
    assert.equal(r.usage?.outputTokens, 21);
    assert.equal(r.usage?.reasoningTokens, 2);
    assert.equal(r.responseModel, 'openai/gpt-oss-120b');
  });

  it('a call that is not bring-your-own-key is its cost once, though cost_details.upstream_inference_cost repeats it', () => {
    const recorded = fixtureJson('gateways/openrouter-chat.json') as {
      usage: { cost: number; cost_details: { upstream_inference_cost: number } };
    };
    assert.equal(recorded.usage.cost_details.upstream_inference_cost, recorded.usage.cost);
    assert.equal(parseResponse(openrouter, recorded).reportedCostNanos, 5_370);
  });

  it('bring-your-own-key: OpenRouter’s fee (0 here) plus the upstream cost billed to the key', () => {
    const r = parseResponse(openrouter, fixtureJson('gateways/openrouter-chat-byok.json'));
    // claude-opus-5, 14 in + 164 out at $5 / $25 per Mtok: 0.00007 + 0.0041.
    assert.equal(r.reportedCostNanos, 0 + 4_170_000);
    assert.equal(r.usage?.outputTokens, 164);
  });

  it('a stream: the cost and usage of its last event, through the comment lines OpenRouter sends first, in any chunking', () => {
    const stream = info('https://openrouter.ai/api/v1/chat/completions', { ...body, stream: true });
    const bytes = fixtureBytes('gateways/openrouter-chat-stream.sse');
    for (const chunks of [
      [bytes],
      splitAt(bytes, [1, 24, 25, 500, 900, 1200]),
      splitAt(bytes, [...bytes.keys()]),
    ]) {
      const run = runSse(stream, chunks);
      const r = run.parser.result();
      // claude-sonnet-4.6 through Amazon Bedrock, 254 in + 5 out at $3 / $15 per Mtok.
      assert.equal(r.reportedCostNanos, 837_000);
      assert.equal(r.usage?.inputTokens, 254);
      assert.equal(r.usage?.outputTokens, 5);
      assert.equal(run.parser.stats?.().terminal, true);
    }
  });
});

describe('a LiteLLM proxy and Vercel AI Gateway (recorded responses)', () => {
  it('a LiteLLM proxy at its root path: OpenAI chat, provider by model; body usage as sent', () => {
    const r = info('http://0.0.0.0:4000/chat/completions', { model: 'gpt-3.5-turbo', messages: [] });
    assert.equal(r.api, 'openai.chat');
    assert.equal(r.providerFromModel, 'first');
    const parsed = parseResponse(r, fixtureJson('gateways/litellm-proxy-chat.json'));
    assert.equal(parsed.usage?.inputTokens, 13);
    assert.equal(parsed.usage?.outputTokens, 24);
    assert.equal(parsed.reportedCostNanos, undefined, 'LiteLLM reports its cost in a header, not the body');
  });

  it('a LiteLLM proxy stream echoing stream_options in every chunk: the usage of its last event', () => {
    const r = info('http://0.0.0.0:4000/chat/completions', {
      model: 'gpt-3.5-turbo',
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    });
    const run = runSse(r, [fixtureBytes('gateways/litellm-proxy-chat-stream.sse')]);
    assert.equal(run.parser.result().usage?.inputTokens, 13);
    assert.equal(run.parser.result().usage?.outputTokens, 22);
    assert.equal(run.parser.stats?.().terminal, true);
  });

  it('Vercel AI Gateway’s Anthropic Messages stream: input tokens from message_delta (message_start says 0)', () => {
    const r = info('https://ai-gateway.vercel.sh/v1/messages', {
      model: 'anthropic/claude-haiku-4.5',
      max_tokens: 100,
      messages: [],
      stream: true,
    });
    assert.equal(r.gateway, 'vercel');
    assert.equal(r.api, 'anthropic.messages');
    const run = runSse(r, [fixtureBytes('gateways/vercel-messages-stream.sse')]);
    assert.equal(run.parser.result().usage?.inputTokens, 13);
    assert.equal(run.parser.result().usage?.outputTokens, 5);
    assert.equal(run.parser.stats?.().terminal, true);
  });
});

describe('gateways named by their URL', () => {
  it('OpenRouter, Portkey, Vercel AI Gateway and Helicone by host', () => {
    const cases: [string, string, string | undefined][] = [
      ['https://openrouter.ai/api/v1/chat/completions', 'openrouter', 'fallback'],
      ['https://api.portkey.ai/v1/chat/completions', 'portkey', 'first'],
      ['https://ai-gateway.vercel.sh/v1/chat/completions', 'vercel', 'first'],
      ['https://oai.helicone.ai/v1/chat/completions', 'helicone', 'fallback'],
      ['https://gateway.helicone.ai/v1/chat/completions', 'helicone', 'first'],
    ];
    for (const [url, gateway, mode] of cases) {
      const r = info(url, body);
      assert.equal(r.gateway, gateway, url);
      assert.equal(r.providerFromModel, mode, url);
    }
  });

  it('Cloudflare AI Gateway: the provider segment of the path is the provider, the rest its own path', () => {
    const openai = info('https://gateway.ai.cloudflare.com/v1/acct/my-gw/openai/chat/completions', body);
    assert.equal(openai.gateway, 'cloudflare');
    assert.equal(openai.provider, 'openai');
    const anthropic = info('https://gateway.ai.cloudflare.com/v1/acct/my-gw/anthropic/v1/messages', {
      model: 'claude-3-5-haiku-latest',
      max_tokens: 10,
      messages: [],
    });
    assert.equal(anthropic.provider, 'anthropic');
    assert.equal(anthropic.api, 'anthropic.messages');
    const compat = info('https://gateway.ai.cloudflare.com/v1/acct/my-gw/compat/chat/completions', {
      ...body,
      model: 'anthropic/claude-3-5-haiku-latest',
    });
    assert.equal(compat.gateway, 'cloudflare');
    assert.equal(compat.providerFromModel, 'first');
  });

  it('a provider’s own host carries no gateway and no inference (nothing added per call)', () => {
    const r = info('https://api.openai.com/v1/chat/completions', body);
    assert.equal(r.gateway, undefined);
    assert.equal(r.providerFromModel, undefined);
  });
});
