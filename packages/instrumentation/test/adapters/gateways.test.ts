// AI gateways on payloads of their documented shapes (test/fixtures/gateways, see the README there):
// which gateway a URL or a response's headers name, the provider a URL relays to, and the cost a
// gateway reports (OpenRouter's usage.cost, LiteLLM's x-litellm-response-cost).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayFromHeaders, headerReportedCost } from '../../src/adapters/gateways.js';
import { parseResponse } from '../../src/adapters/index.js';
import { fixtureBytes, fixtureJson, info, runSse } from './helpers.js';

const headers = fixtureJson('gateways/response-headers.json') as Record<string, Record<string, string>>;
const asHeaders = (h: Record<string, string>) => new Headers(h);
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('gateways named by their response headers', () => {
  it('LiteLLM, Portkey, Helicone and Cloudflare AI Gateway each by their own headers', () => {
    for (const name of ['litellm', 'portkey', 'helicone', 'cloudflare']) {
      assert.equal(gatewayFromHeaders(asHeaders(headers[name]!)), name, name);
    }
  });

  it('a response of no gateway (Vercel sends only its platform id) names none', () => {
    assert.equal(gatewayFromHeaders(asHeaders(headers.vercel!)), undefined);
    assert.equal(gatewayFromHeaders(asHeaders({ 'content-type': 'application/json' })), undefined);
  });

  it('headers of two gateways name the one told apart first (LiteLLM behind Cloudflare, Helicone behind Portkey), from Headers or a plain record', () => {
    const both = { ...headers.cloudflare!, ...headers.litellm! };
    assert.equal(gatewayFromHeaders(asHeaders(both)), 'litellm');
    assert.equal(gatewayFromHeaders(both), 'litellm');
    const relayed = { 'x-portkey-trace-id': 'p-1', 'helicone-id': 'h-1', 'content-type': 'application/json' };
    assert.equal(gatewayFromHeaders(asHeaders(relayed)), 'helicone');
    assert.equal(gatewayFromHeaders(relayed), 'helicone');
    assert.equal(gatewayFromHeaders({ 'cf-aig-cache-status': 'MISS' }), 'cloudflare');
  });

  it("LiteLLM's x-litellm-response-cost (exponent notation) is the call's cost in nano-dollars", () => {
    assert.equal(headerReportedCost(asHeaders(headers.litellm!)), 6750);
  });

  it('a reported cost that is not a sane amount is ignored, never recorded', () => {
    for (const bad of ['', 'NaN', '-1', 'abc', '1e400', 'Infinity', '99999999']) {
      assert.equal(headerReportedCost(asHeaders({ 'x-litellm-response-cost': bad })), undefined, bad);
    }
  });
});

describe('OpenRouter usage accounting', () => {
  const openrouter = info('https://openrouter.ai/api/v1/chat/completions', body);

  it('usage.cost is read as the reported cost beside the token counts', () => {
    const r = parseResponse(openrouter, fixtureJson('gateways/openrouter-chat.json'));
    assert.equal(r.reportedCostNanos, 6750);
    assert.equal(r.usage?.inputTokens, 9);
    assert.equal(r.usage?.outputTokens, 9);
  });

  it('bring-your-own-key: the call cost OpenRouter’s fee plus the upstream cost billed to the key', () => {
    const r = parseResponse(openrouter, fixtureJson('gateways/openrouter-chat-byok.json'));
    assert.equal(r.reportedCostNanos, 29_600 + 612_000);
  });

  it('a stream: the cost and usage of its last usage event, through the comment line OpenRouter sends first', () => {
    const stream = info('https://openrouter.ai/api/v1/chat/completions', { ...body, stream: true });
    const run = runSse(stream, [fixtureBytes('gateways/openrouter-chat-stream.sse')]);
    const r = run.parser.result();
    assert.equal(r.reportedCostNanos, 2550);
    assert.equal(r.usage?.inputTokens, 9);
    assert.equal(r.usage?.outputTokens, 2);
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
