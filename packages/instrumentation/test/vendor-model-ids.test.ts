// Vendor-prefixed model ids (Fireworks' `accounts/fireworks/models/...`, Together's
// `meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo`, the `fireworks_ai/` and `together_ai/` prefixes
// LiteLLM and gateways put in front, Fireworks' bare ids) priced from the catalog's entry, through
// the real openai SDK against the mock provider declared as Fireworks and Together endpoints.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI,
  GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI,
} from '@tokenmeter/semconv';
import type OpenAIType from 'openai';
import { type Harness, requireSdk, startHarness, tokenmeterSpans, waitFor } from './helpers/otel.js';

let h: Harness;
let fireworks: OpenAIType;
let together: OpenAIType;

before(async () => {
  h = await startHarness();
  const base = h.mock.url;
  h.instrumentation.setConfig({
    ...h.config,
    providers: [
      { baseUrl: `${base}/inference/v1`, provider: GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI },
      { baseUrl: `${base}/v1`, provider: GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI },
    ],
  });
  const { OpenAI } = requireSdk('openai') as typeof import('openai');
  fireworks = new OpenAI({ baseURL: `${base}/inference/v1`, apiKey: 'fw-test', maxRetries: 0 });
  together = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'tg-test', maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => h.reset());

async function priced(client: OpenAIType, model: string) {
  await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] });
  await waitFor(() => tokenmeterSpans(h.spans).length === 1);
  const a = tokenmeterSpans(h.spans)[0]!.attributes;
  return {
    provider: a[ATTR_GEN_AI_PROVIDER_NAME],
    match: a[ATTR_TOKENMETER_PRICING_MATCH],
    modelId: a[ATTR_TOKENMETER_PRICING_MODEL_ID],
    input: a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] as number,
    output: a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] as number,
    cost: a[ATTR_GEN_AI_USAGE_COST] as number | undefined,
  };
}

/** Fireworks deepseek-v3p2: $0.56 / $1.68 per million tokens (catalog, fireworks.ai/pricing). */
const deepseekV3p2 = (i: number, o: number) => (i * 0.56 + o * 1.68) / 1e6;
/** Together Meta-Llama-3.1-70B-Instruct-Turbo: $0.88 / $0.88 per million tokens. */
const llama31_70bTurbo = (i: number, o: number) => (i * 0.88 + o * 0.88) / 1e6;

describe('vendor-prefixed model ids are priced from the catalog entry', () => {
  for (const model of [
    'accounts/fireworks/models/deepseek-v3p2',
    'fireworks_ai/accounts/fireworks/models/deepseek-v3p2',
    'deepseek-v3p2',
  ]) {
    test(`Fireworks ${model}`, async () => {
      const r = await priced(fireworks, model);
      assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_FIREWORKS_AI);
      assert.equal(r.modelId, 'deepseek-v3p2');
      assert.equal(r.match, 'exact');
      assert.ok(r.input > 0 && r.output > 0);
      assert.ok(Math.abs(r.cost! - deepseekV3p2(r.input, r.output)) < 1e-12, `${r.cost}`);
    });
  }

  for (const model of [
    'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo',
    'together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo',
  ]) {
    test(`Together ${model}`, async () => {
      const r = await priced(together, model);
      assert.equal(r.provider, GEN_AI_PROVIDER_NAME_VALUE_TOGETHER_AI);
      assert.equal(r.modelId, 'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo');
      assert.equal(r.match, 'exact');
      assert.ok(Math.abs(r.cost! - llama31_70bTurbo(r.input, r.output)) < 1e-12, `${r.cost}`);
    });
  }

  test('a Fireworks id the catalog does not hold stays unpriced (unknown_model), never $0', async () => {
    const r = await priced(fireworks, 'accounts/fireworks/models/llama-v3p1-70b-instruct');
    assert.equal(r.match, 'unknown_model');
    assert.equal(r.cost, undefined);
  });
});
