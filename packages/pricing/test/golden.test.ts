// Golden table: (provider, model, usage, date, tier) → nano-dollars, from published list prices.
// Expected values are updated when a price really changes, never weakened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
  GEN_AI_PROVIDER_NAME_VALUE_VLLM,
} from '@tokenmeter/semconv';
import { type CostInput, type CostResult, calculateCost, createPricer, priceCall } from '../src/index.js';

function cost(input: CostInput): CostResult {
  const r = priceCall(input);
  assert.ok(r.cost, `expected a price for ${input.provider}/${input.model}, got ${r.match} (${r.reason})`);
  const c = r.cost;
  assert.equal(
    c.totalNanos,
    c.inputNanos + c.outputNanos + c.cacheReadNanos + c.cacheWriteNanos + c.requestNanos,
  );
  assert.equal(c.totalUsd, c.totalNanos / 1e9);
  return c;
}

describe('golden prices from published list prices', () => {
  it('gpt-4o-mini: 1,200 input of which 1,024 cached, 300 output → $0.0002832', () => {
    const c = cost({
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
    });
    assert.equal(c.totalNanos, 283200);
    assert.equal(c.totalUsd, 0.0002832);
    assert.equal(c.inputNanos, 26400); // 176 uncached × $0.15/Mtok
    assert.equal(c.cacheReadNanos, 76800); // 1,024 × $0.075/Mtok
    assert.equal(c.outputNanos, 180000); // 300 × $0.60/Mtok
    assert.equal(c.match, 'exact');
    assert.equal(c.provider, 'openai');
    assert.equal(c.source, 'catalog');
    assert.match(c.version, /^genai-prices@\d+\.\d+\.\d+$/);
  });

  it('claude-3-5-sonnet-20241022: 12,500 input (10,000 cache read, 2,000 cache write), 400 output → $0.018', () => {
    const c = cost({
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      usage: { inputTokens: 12500, cacheReadTokens: 10000, cacheWriteTokens: 2000, outputTokens: 400 },
    });
    assert.equal(c.totalNanos, 18_000_000);
    assert.equal(c.totalUsd, 0.018);
    assert.deepEqual(
      [c.inputNanos, c.cacheReadNanos, c.cacheWriteNanos, c.outputNanos],
      [1_500_000, 3_000_000, 7_500_000, 6_000_000],
    );
    assert.equal(c.match, 'pattern');
  });

  it('claude 1-hour cache writes are priced at the 1h rate (2× input), the rest at 5m (1.25×)', () => {
    const c = cost({
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      usage: { inputTokens: 2000, cacheWriteTokens: 2000, cacheWrite1hTokens: 1000, outputTokens: 0 },
    });
    assert.equal(c.cacheWriteNanos, 1000 * 3750 + 1000 * 6000);
    assert.equal(c.inputNanos, 0);
  });

  it('gemini-2.5-pro: 100,000 in / 1,500 out → $0.14; 250,000 in → the whole request at the >200k rate, $0.6475', () => {
    const small = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 100_000, outputTokens: 1500 },
    });
    assert.equal(small.totalUsd, 0.14);
    const large = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 250_000, outputTokens: 1500 },
    });
    assert.equal(large.totalUsd, 0.6475);
    assert.equal(large.outputNanos, 1500 * 15_000); // output too at the long-context rate
  });

  it('gemini-2.5-pro tier boundary: exactly 200,000 input is still the base rate, 200,001 is not', () => {
    const at = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 200_000, outputTokens: 0 },
    });
    assert.equal(at.totalNanos, 200_000 * 1250);
    const over = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 200_001, outputTokens: 0 },
    });
    assert.equal(over.totalNanos, 200_001 * 2500);
  });

  it('tier selection counts cached input: 150k uncached + 60k cache reads is a >200k request', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 210_000, cacheReadTokens: 60_000, outputTokens: 0 },
    });
    assert.equal(c.inputNanos, 150_000 * 2500);
    assert.equal(c.cacheReadNanos, 60_000 * 250);
  });

  it('Gemini model names with a resource prefix: models/gemini-2.0-flash-001', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      model: 'models/gemini-2.0-flash-001',
      usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 },
    });
    assert.equal(c.modelId, 'gemini-2.0-flash');
    assert.equal(c.totalUsd, 0.1 + 0.4);
  });

  it('Claude on Vertex AI (claude-3-5-sonnet-v2@20241022) is priced from the google catalog', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI,
      model: 'claude-3-5-sonnet-v2@20241022',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.equal(c.provider, 'google');
    assert.equal(c.totalNanos, 1000 * 3000 + 1000 * 15000);
  });

  for (const model of [
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0',
  ]) {
    it(`Bedrock ${model} → $3/$15 per Mtok`, () => {
      const c = cost({
        provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
        model,
        usage: { inputTokens: 2000, outputTokens: 500 },
      });
      assert.equal(c.provider, 'aws');
      assert.equal(c.totalNanos, 2000 * 3000 + 500 * 15000);
    });
  }

  it('Bedrock Nova Micro with cache reads', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      model: 'us.amazon.nova-micro-v1:0',
      usage: { inputTokens: 10_000, cacheReadTokens: 8_000, outputTokens: 1000 },
    });
    assert.equal(c.inputNanos, 2000 * 35);
    assert.equal(c.cacheReadNanos, 8000 * 8.75);
    assert.equal(c.outputNanos, 1000 * 140);
  });

  it('Azure response model gpt-4o-2024-08-06 falls back to the openai catalog', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
      model: 'gpt-4o-2024-08-06',
      usage: { inputTokens: 1000, cacheReadTokens: 0, outputTokens: 100 },
    });
    assert.equal(c.match, 'fallback_provider');
    assert.equal(c.provider, 'openai');
    assert.equal(c.modelId, 'gpt-4o');
    assert.equal(c.totalNanos, 1000 * 2500 + 100 * 10000);
    const turbo = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
      model: 'gpt-35-turbo',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.equal(turbo.modelId, 'gpt-3.5-turbo');
    const own = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
      model: 'o3-mini',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.equal(own.provider, 'azure');
    assert.equal(own.match, 'exact');
  });

  it('reasoning models: o3-mini output includes reasoning tokens, priced once at the output rate', () => {
    const c = cost({
      provider: 'openai',
      model: 'o3-mini',
      usage: { inputTokens: 1000, outputTokens: 2000, reasoningTokens: 1500 },
    });
    assert.equal(c.totalNanos, 1000 * 1100 + 2000 * 4400);
    assert.equal(c.totalUsd, 0.0099);
    const o4 = cost({
      provider: 'openai',
      model: 'o4-mini-2025-04-16',
      usage: { inputTokens: 5000, cacheReadTokens: 4000, outputTokens: 3000, reasoningTokens: 2500 },
    });
    assert.equal(o4.totalNanos, 1000 * 1100 + 4000 * 275 + 3000 * 4400);
  });

  it('a separate reasoning rate applies where the catalog has one (perplexity sonar-deep-research)', () => {
    const c = cost({
      provider: 'perplexity',
      model: 'sonar-deep-research',
      usage: { inputTokens: 1000, outputTokens: 3000, reasoningTokens: 2000 },
    });
    assert.equal(c.outputNanos, 1000 * 8000 + 2000 * 3000);
  });

  it('a per-request fee is in requestNanos (perplexity sonar: $12 per 1,000 requests)', () => {
    const c = cost({
      provider: 'perplexity',
      model: 'sonar',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.equal(c.requestNanos, 12_000_000);
    assert.equal(c.totalUsd, 0.014);
  });

  it('audio tokens at audio rates, cached audio at the cached-audio rate (gpt-4o-realtime-preview)', () => {
    const c = cost({
      provider: 'openai',
      model: 'gpt-4o-realtime-preview-2024-12-17',
      usage: {
        inputTokens: 1000,
        cacheReadTokens: 300,
        inputAudioTokens: 600,
        cacheAudioReadTokens: 100,
        outputTokens: 500,
        outputAudioTokens: 400,
      },
    });
    assert.equal(c.inputNanos, 200 * 5000 + 500 * 40000); // 200 uncached text, 500 uncached audio
    assert.equal(c.cacheReadNanos, 200 * 2500 + 100 * 2500);
    assert.equal(c.outputNanos, 100 * 20000 + 400 * 80000);
    assert.equal(c.totalUsd, 0.05575);
  });

  it('batch calls are half price (OpenAI, Anthropic with cache, via batch: true or serviceTier batch)', () => {
    const b = cost({
      provider: 'openai',
      model: 'gpt-4o-mini',
      batch: true,
      usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
    });
    assert.equal(b.totalNanos, 141600);
    assert.equal(b.serviceTier, 'batch');
    const a = cost({
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      serviceTier: 'batch',
      usage: { inputTokens: 12500, cacheReadTokens: 10000, cacheWriteTokens: 2000, outputTokens: 400 },
    });
    assert.equal(a.totalUsd, 0.009);
  });

  it('flex is half price for models that have it; others are priced standard and say so', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'o3',
      serviceTier: 'flex',
      usage: { inputTokens: 1000, outputTokens: 100 },
    });
    assert.equal(r.cost?.totalNanos, 1000 * 1000 + 100 * 4000);
    assert.equal(r.cost?.serviceTier, 'flex');
    const g = priceCall({
      provider: 'openai',
      model: 'gpt-4o',
      serviceTier: 'flex',
      usage: { inputTokens: 1000, outputTokens: 100 },
    });
    assert.equal(g.cost?.serviceTier, 'standard');
    assert.equal(g.requestedTier, 'flex');
    assert.equal(g.cost?.totalNanos, 1000 * 2500 + 100 * 10000);
  });

  it('priority uses the published priority prices (gpt-4o $4.25/$2.125/$17)', () => {
    const c = cost({
      provider: 'openai',
      model: 'gpt-4o-2024-11-20',
      serviceTier: 'priority',
      usage: { inputTokens: 2000, cacheReadTokens: 1000, outputTokens: 100 },
    });
    assert.equal(c.serviceTier, 'priority');
    assert.equal(c.totalNanos, 1000 * 4250 + 1000 * 2125 + 100 * 17000);
  });

  it('service tier names: default, auto and scale are standard', () => {
    for (const tier of ['default', 'auto', 'scale', 'standard', undefined]) {
      const c = cost({
        provider: 'openai',
        model: 'gpt-4o-mini',
        serviceTier: tier,
        usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
      });
      assert.equal(c.totalNanos, 283200);
      assert.equal(c.serviceTier, 'standard');
    }
  });

  it('prices change by date: o3 was $10/$40 before 2025-06-10 and $2/$8 after', () => {
    const usage = { inputTokens: 1000, outputTokens: 1000 };
    const before = cost({
      provider: 'openai',
      model: 'o3',
      usage,
      timestamp: new Date('2025-06-09T23:59:59Z'),
    });
    const after = cost({
      provider: 'openai',
      model: 'o3',
      usage,
      timestamp: Date.parse('2025-06-10T00:00:00Z'),
    });
    assert.equal(before.totalNanos, 1000 * 10_000 + 1000 * 40_000);
    assert.equal(after.totalNanos, 1000 * 2_000 + 1000 * 8_000);
  });

  it('prices by time of day: deepseek-chat standard 00:30–16:30 UTC, discounted otherwise', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    const peak = cost({
      provider: 'deepseek',
      model: 'deepseek-chat',
      usage,
      timestamp: new Date('2026-01-05T12:00:00Z'),
    });
    const offPeak = cost({
      provider: 'deepseek',
      model: 'deepseek-chat',
      usage,
      timestamp: new Date('2026-01-05T20:00:00Z'),
    });
    assert.equal(peak.totalUsd, 0.27 + 1.1);
    assert.equal(offPeak.totalUsd, 0.135 + 0.55);
  });

  it('OpenRouter model ids and an xAI model from the supplements', () => {
    assert.equal(
      cost({ provider: 'openrouter', model: 'openai/gpt-4o', usage: { inputTokens: 1000, outputTokens: 0 } })
        .provider,
      'openrouter',
    );
    const g = cost({
      provider: 'x_ai',
      model: 'grok-4.7',
      usage: { inputTokens: 250_000, outputTokens: 1000 },
    });
    assert.equal(g.totalNanos, 250_000 * 4000 + 1000 * 12_000);
  });

  it('an openai_compatible client pointed at a hosted API gets that API’s prices', () => {
    const c = cost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
      model: 'deepseek-chat',
      baseUrl: 'https://api.deepseek.com',
      timestamp: new Date('2026-01-05T12:00:00Z'),
      usage: { inputTokens: 1000, outputTokens: 0 },
    });
    assert.equal(c.provider, 'deepseek');
  });

  it('zero tokens cost exactly $0 (and are priced, not unpriced)', () => {
    const c = cost({ provider: 'openai', model: 'gpt-4o', usage: { inputTokens: 0, outputTokens: 0 } });
    assert.equal(c.totalNanos, 0);
  });
});

describe('unpriced calls', () => {
  it('an unknown model is null with match unknown_model, never $0', () => {
    const input = {
      provider: 'openai',
      model: 'gpt-does-not-exist',
      usage: { inputTokens: 10, outputTokens: 10 },
    };
    assert.equal(calculateCost(input), null);
    const r = priceCall(input);
    assert.equal(r.match, 'unknown_model');
    assert.equal(r.reason, 'unknown_model');
  });

  it('a self-hosted model without an override is unknown_provider', () => {
    for (const provider of [
      GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
      GEN_AI_PROVIDER_NAME_VALUE_VLLM,
      GEN_AI_PROVIDER_NAME_VALUE_OPENAI_COMPATIBLE,
    ]) {
      const r = priceCall({
        provider,
        model: 'llama3.1:8b',
        baseUrl: 'http://127.0.0.1:11434',
        usage: { inputTokens: 10, outputTokens: 10 },
      });
      assert.equal(r.cost, null);
      assert.equal(r.match, 'unknown_provider');
      assert.equal(r.reason, 'self_hosted');
    }
  });

  it('an unknown provider name is unknown_provider', () => {
    const r = priceCall({
      provider: 'some_new_cloud',
      model: 'gpt-4o',
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    assert.equal(r.match, 'unknown_provider');
  });

  it('missing usage is no_usage', () => {
    const r = priceCall({ provider: 'openai', model: 'gpt-4o' } as CostInput);
    assert.equal(r.cost, null);
    assert.equal(r.match, 'no_usage');
  });

  it('a model the catalog prices only per audio hour (whisper-1) is unpriced, not $0', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'whisper-1',
      usage: { inputTokens: 100, outputTokens: 10 },
    });
    assert.equal(r.cost, null);
    assert.equal(r.reason, 'unsupported_units');
  });
});

describe('overrides', () => {
  const pricer = createPricer({
    overrides: {
      models: [
        {
          id: 'llama-3.3-70b',
          provider: GEN_AI_PROVIDER_NAME_VALUE_VLLM,
          match: { regex: '^llama-3\\.3-70b' },
          prices: { input_mtok: 0.2, output_mtok: 0.6 },
        },
        {
          id: 'ft-support-bot',
          provider: 'openai',
          match: { starts_with: 'ft:gpt-4o-mini-2024-07-18:acme' },
          prices: [
            { prices: { input_mtok: 0.3, output_mtok: 1.2 } },
            { constraint: { start_date: '2026-12-01' }, prices: { input_mtok: '0.25', output_mtok: '1.0' } },
          ],
        },
      ],
      discounts: { openai: 0.8, [GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI]: '0.9' },
      azure_deployments: { 'my-gpt4o': 'gpt-4o', 'Prod-Mini': 'gpt-4o-mini' },
    },
  });

  it('a self-hosted model priced by a regex override', () => {
    const c = pricer.calculateCost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_VLLM,
      model: 'Llama-3.3-70B-Instruct',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.ok(c);
    assert.equal(c.match, 'override');
    assert.equal(c.source, 'override');
    assert.equal(c.modelId, 'llama-3.3-70b');
    assert.equal(c.totalNanos, 1000 * 200 + 1000 * 600);
    // The provider restriction holds: the same name through ollama is not priced.
    assert.equal(
      pricer.priceCall({
        provider: GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
        model: 'llama-3.3-70b',
        usage: { inputTokens: 1, outputTokens: 1 },
      }).match,
      'unknown_provider',
    );
  });

  it('an override with a start date', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    const model = 'ft:gpt-4o-mini-2024-07-18:acme::abc123';
    assert.equal(
      pricer.calculateCost({ provider: 'openai', model, usage, timestamp: new Date('2026-11-30T12:00:00Z') })
        ?.totalUsd,
      1.5,
    );
    assert.equal(
      pricer.calculateCost({ provider: 'openai', model, usage, timestamp: new Date('2026-12-01T00:00:00Z') })
        ?.totalUsd,
      1.25,
    );
  });

  it('a negotiated discount multiplies catalog prices of that provider, after the batch discount', () => {
    const usage = { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 };
    const c = pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage });
    assert.equal(c?.totalNanos, 226560);
    assert.equal(c?.discount, 0.8);
    assert.equal(
      pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage, batch: true })?.totalNanos,
      113280,
    );
    assert.equal(
      pricer.calculateCost({ provider: 'anthropic', model: 'claude-3-haiku-20240307', usage })?.discount,
      1,
    );
  });

  it('an Azure deployment name maps to its model (match deployment), with the Azure discount', () => {
    const c = pricer.calculateCost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
      model: 'my-gpt4o',
      usage: { inputTokens: 1000, outputTokens: 100 },
    });
    assert.ok(c);
    assert.equal(c.match, 'deployment');
    assert.equal(c.modelId, 'gpt-4o');
    assert.equal(c.totalNanos, (1000 * 2500 + 100 * 10000) * 0.9);
    assert.equal(
      pricer.calculateCost({
        provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
        model: 'prod-mini',
        usage: { inputTokens: 1, outputTokens: 1 },
      })?.modelId,
      'gpt-4o-mini',
    );
  });

  it('the default pricer is untouched by another pricer’s overrides', () => {
    assert.equal(
      calculateCost({
        provider: 'openai',
        model: 'gpt-4o-mini',
        usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
      })?.totalNanos,
      283200,
    );
  });
});
