// The CLI's helpers: explainPrice, listCatalogModels, catalogVersion; and configurePricing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK, GEN_AI_PROVIDER_NAME_VALUE_VLLM } from '@tokenmeter/semconv';
import {
  calculateCost,
  catalogVersion,
  configurePricing,
  createPricer,
  explainPrice,
  getDefaultPricer,
  listCatalogModels,
} from '../src/index.js';

describe('explainPrice', () => {
  it('shows the matched entry with its prices in USD per Mtok, tiers, sources and urls', () => {
    const e = explainPrice('openai', 'gpt-4o-mini-2024-07-18');
    assert.ok(e);
    assert.equal(e.provider, 'openai');
    assert.equal(e.modelId, 'gpt-4o-mini');
    assert.equal(e.match, 'exact');
    assert.equal(e.source, 'catalog');
    assert.equal(e.version, catalogVersion);
    assert.deepEqual(e.prices, { input_mtok: 0.15, cache_read_mtok: 0.075, output_mtok: 0.6 });
    assert.ok(e.otherUnits.includes('web_searches_kcount')); // priced by the catalog, not by tokenmeter
    assert.ok(e.pricingUrls.some((u) => u.startsWith('https://')));
    assert.deepEqual(
      e.serviceTiers.map((t) => [t.tier, t.multiplier ?? t.prices]),
      [
        ['batch', 0.5],
        ['priority', { input_mtok: 0.25, cache_read_mtok: 0.125, output_mtok: 1 }],
      ],
    );
  });

  it('infers the provider from the model name, takes provider:model, and shows tiered and dated prices', () => {
    const g = explainPrice(undefined, 'gemini-2.5-pro');
    assert.equal(g?.provider, 'google');
    assert.deepEqual(g?.prices.input_mtok, { base: 1.25, tiers: [{ start: 200000, price: 2.5 }] });
    assert.equal(explainPrice(undefined, 'anthropic:claude-3-haiku-20240307')?.provider, 'anthropic');
    const o3old = explainPrice('openai', 'o3', new Date('2025-01-01T00:00:00Z'));
    assert.equal(o3old?.prices.input_mtok, 10);
    const o3 = explainPrice('openai', 'o3', new Date('2025-07-01T00:00:00Z'));
    assert.equal(o3?.prices.input_mtok, 2);
    assert.deepEqual(o3?.constraint, { start_date: '2025-06-10' });
    assert.equal(
      explainPrice(GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK, 'us.anthropic.claude-3-haiku-20240307-v1:0')
        ?.provider,
      'aws',
    );
    // A name no provider knows, even scanning them all.
    assert.equal(explainPrice(undefined, 'no-such-model-anywhere'), null);
  });

  it('explains overrides of a pricer', () => {
    const pricer = createPricer({
      overrides: {
        models: [{ id: 'mine', provider: GEN_AI_PROVIDER_NAME_VALUE_VLLM, prices: { input_mtok: 0.5 } }],
        discounts: { openai: 0.8 },
      },
    });
    const e = pricer.explainPrice(GEN_AI_PROVIDER_NAME_VALUE_VLLM, 'mine');
    assert.equal(e?.source, 'override');
    assert.equal(e?.match, 'override');
    assert.deepEqual(e?.prices, { input_mtok: 0.5 });
    assert.equal(pricer.explainPrice('openai', 'gpt-4o')?.discount, 0.8);
  });
});

describe('listCatalogModels', () => {
  it('lists every provider and model of the bundled catalog', () => {
    const all = listCatalogModels();
    assert.ok(all.length > 1500);
    const providers = new Set(all.map((m) => m.provider));
    for (const p of [
      'openai',
      'anthropic',
      'google',
      'aws',
      'azure',
      'mistral',
      'groq',
      'deepseek',
      'x-ai',
      'together',
      'fireworks',
      'openrouter',
    ]) {
      assert.ok(providers.has(p), p);
    }
    assert.ok(all.some((m) => m.provider === 'x-ai' && m.modelId === 'grok-4.7')); // from the supplements
  });
});

describe('configurePricing', () => {
  it('replaces the default pricer used by the module-level functions', () => {
    const input = {
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
    };
    const before = getDefaultPricer();
    try {
      configurePricing({ overrides: { discounts: { openai: 0.5 } } });
      assert.equal(calculateCost(input)?.totalNanos, 141600);
    } finally {
      configurePricing();
    }
    assert.equal(calculateCost(input)?.totalNanos, 283200);
    assert.notEqual(getDefaultPricer(), before);
  });
});
