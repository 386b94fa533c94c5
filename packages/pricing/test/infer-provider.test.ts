// Provider inference from the model name (CostInput.providerFromModel): calls through a gateway or
// to an unknown host are priced by the provider the model belongs to, as genai-prices infers it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findProvider } from '@pydantic/genai-prices';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { createPricer, providerNameOfCatalog } from '../src/index.js';

const pricer = createPricer();
const usage = { inputTokens: 1000, outputTokens: 100 };

describe('providerFromModel: first (a gateway or an unknown host)', () => {
  it('infers the provider genai-prices infers from a bare model name', () => {
    for (const model of ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'gemini-2.5-flash', 'grok-3', 'o3-mini']) {
      const r = pricer.priceCall({ provider: 'openai_compatible', model, usage, providerFromModel: 'first' });
      assert.equal(r.match, 'inferred_provider', model);
      assert.equal(r.inferredProvider, findProvider({ modelId: model })?.id, model);
      assert.equal(r.cost?.provider, r.inferredProvider, model);
    }
  });

  it('prices at the inferred provider list price, to the nano-dollar', () => {
    const r = pricer.priceCall({
      provider: 'openai_compatible',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 9, outputTokens: 20 },
      providerFromModel: 'first',
    });
    // gpt-4o-mini: $0.15 / Mtok in, $0.60 / Mtok out.
    assert.equal(r.cost?.totalNanos, 9 * 150 + 20 * 600);
    assert.equal(r.cost?.match, 'inferred_provider');
  });

  it('takes a vendor prefix as the provider (anthropic/claude-3.5-sonnet, google/..., x-ai/...)', () => {
    const cases: [string, string, string][] = [
      ['anthropic/claude-3.5-sonnet', 'anthropic', 'claude-3-5-sonnet'],
      ['openai/gpt-4o-mini', 'openai', 'gpt-4o-mini'],
      ['google/gemini-2.5-flash', 'google', 'gemini-2.5-flash'],
      ['x-ai/grok-3', 'x-ai', 'grok-3'],
      ['mistralai/mistral-large-latest', 'mistral', 'mistral-large'],
    ];
    for (const [model, provider, modelId] of cases) {
      const r = pricer.priceCall({ provider: 'openai_compatible', model, usage, providerFromModel: 'first' });
      assert.equal(r.match, 'inferred_provider', model);
      assert.equal(r.cost?.provider, provider, model);
      assert.equal(r.cost?.modelId, modelId, model);
    }
  });

  it("drops a gateway's routing slug (@openai-prod/gpt-4o) but keeps Cloudflare's @cf/ names", () => {
    const slug = pricer.priceCall({
      provider: 'openai_compatible',
      model: '@openai-prod/gpt-4o',
      usage,
      providerFromModel: 'first',
    });
    assert.equal(slug.cost?.provider, 'openai');
    assert.equal(slug.cost?.modelId, 'gpt-4o');
    const cf = pricer.priceCall({
      provider: 'openai_compatible',
      model: '@cf/meta/llama-3.1-8b-instruct',
      usage,
      providerFromModel: 'first',
    });
    assert.equal(cf.inferredProvider, 'cloudflare');
  });

  it('a model no provider claims stays unpriced as before (unknown_provider), never $0', () => {
    const r = pricer.priceCall({
      provider: 'openai_compatible',
      model: 'llama-3-70b-local',
      usage,
      providerFromModel: 'first',
    });
    assert.equal(r.cost, null);
    assert.equal(r.match, 'unknown_provider');
    assert.equal(r.inferredProvider, undefined);
  });

  it('an inferred provider that lacks the model says unknown_model and names the provider', () => {
    const r = pricer.priceCall({
      provider: 'anthropic',
      model: 'claude-9-ultra',
      usage,
      providerFromModel: 'first',
    });
    assert.equal(r.cost, null);
    assert.equal(r.match, 'unknown_model');
    assert.equal(r.inferredProvider, 'anthropic');
  });

  it('a user override still wins and keeps its own match (override)', () => {
    const p = createPricer({
      overrides: { models: [{ id: 'gpt-4o-mini', prices: { input_mtok: 1, output_mtok: 2 } }] },
    });
    const r = p.priceCall({
      provider: 'openai_compatible',
      model: 'gpt-4o-mini',
      usage,
      providerFromModel: 'first',
    });
    assert.equal(r.match, 'override');
    assert.equal(r.cost?.totalNanos, 1000 * 1000 + 100 * 2000);
  });

  it('without providerFromModel an unknown host stays unpriced (the old contract)', () => {
    const r = pricer.priceCall({ provider: 'openai_compatible', model: 'gpt-4o-mini', usage });
    assert.equal(r.match, 'unknown_provider');
  });
});

describe('providerFromModel: fallback (a declared endpoint)', () => {
  it('the declared provider prices the models it knows (exact, not inferred)', () => {
    const r = pricer.priceCall({
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage,
      providerFromModel: 'fallback',
    });
    assert.equal(r.match, 'exact');
    assert.equal(r.inferredProvider, undefined);
  });

  it('declared openai, an Anthropic model through the same gateway: priced by anthropic, not unpriced', () => {
    const r = pricer.priceCall({
      provider: 'openai',
      model: 'claude-3-5-haiku-20241022',
      usage,
      providerFromModel: 'fallback',
    });
    assert.equal(r.match, 'inferred_provider');
    assert.equal(r.cost?.provider, 'anthropic');
  });

  it('a declared name that is no price list (mycorp) falls back to inference', () => {
    const r = pricer.priceCall({
      provider: 'mycorp',
      model: 'gpt-4o-mini',
      usage,
      providerFromModel: 'fallback',
    });
    assert.equal(r.match, 'inferred_provider');
    assert.equal(r.cost?.provider, 'openai');
  });

  it('OpenRouter prices its own vendor-prefixed ids from its own list', () => {
    const r = pricer.priceCall({
      provider: 'openrouter',
      model: 'anthropic/claude-3.5-sonnet',
      usage,
      providerFromModel: 'fallback',
    });
    assert.equal(r.match, 'exact');
    assert.equal(r.cost?.provider, 'openrouter');
  });
});

describe('providerNameOfCatalog', () => {
  it('maps catalog ids to the gen_ai.provider.name values tokenmeter records', () => {
    assert.equal(providerNameOfCatalog('openai'), 'openai');
    assert.equal(providerNameOfCatalog('google'), GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI);
    assert.equal(providerNameOfCatalog('x-ai'), 'x_ai');
    assert.equal(providerNameOfCatalog('mistral'), 'mistral_ai');
    assert.equal(providerNameOfCatalog('aws'), GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(providerNameOfCatalog('cohere'), 'cohere');
  });
});

describe('providerFromModel: a wire format that names its provider', () => {
  it('an Anthropic-format call on an unknown host for a Claude model keeps its catalog match (not inferred)', () => {
    const r = pricer.priceCall({
      provider: 'anthropic',
      model: 'claude-3-5-haiku-20241022',
      usage,
      providerFromModel: 'first',
    });
    assert.notEqual(r.match, 'inferred_provider');
    assert.equal(r.inferredProvider, undefined);
    assert.equal(r.cost?.provider, 'anthropic');
  });
});
