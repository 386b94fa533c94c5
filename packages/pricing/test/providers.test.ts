import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as semconv from '@tokenmeter/semconv';
import { modelNameVariants, PROVIDER_NAME_TO_CATALOG, SELF_HOSTED_PROVIDERS } from '../src/providers.js';

describe('provider names', () => {
  it('every gen_ai.provider.name value is mapped to a catalog provider or is self-hosted', () => {
    const values = Object.entries(semconv)
      .filter(([k]) => k.startsWith('GEN_AI_PROVIDER_NAME_VALUE_'))
      .map(([, v]) => v as string);
    assert.ok(values.length >= 17);
    for (const v of values) assert.ok(PROVIDER_NAME_TO_CATALOG[v] || SELF_HOSTED_PROVIDERS.has(v), v);
  });

  it('rewrites provider model names into catalog names', () => {
    assert.deepEqual(modelNameVariants('models/gemini-2.5-pro', 'google'), [
      'models/gemini-2.5-pro',
      'gemini-2.5-pro',
    ]);
    assert.ok(
      modelNameVariants(
        'projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash-001',
        'google',
      ).includes('gemini-2.0-flash-001'),
    );
    assert.ok(
      modelNameVariants(
        'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0',
        'aws',
      ).includes('eu.anthropic.claude-3-haiku-20240307-v1:0'),
    );
    assert.ok(modelNameVariants('apac.amazon.nova-pro-v1:0', 'aws').includes('amazon.nova-pro-v1:0'));
    assert.ok(
      modelNameVariants('claude-3-5-sonnet-20241022', 'anthropic').includes('claude-3-5-sonnet-2024-10-22'),
    );
    assert.ok(modelNameVariants('openai/gpt-4o', 'openai').includes('gpt-4o'));
    assert.deepEqual(modelNameVariants('openai/gpt-4o', 'openrouter'), ['openai/gpt-4o']);
    // An application inference profile names no model: nothing to rewrite.
    assert.deepEqual(
      modelNameVariants('arn:aws:bedrock:us-east-1:1:application-inference-profile/abc', 'aws'),
      ['arn:aws:bedrock:us-east-1:1:application-inference-profile/abc'],
    );
  });
});

describe('vendor-prefixed model ids', () => {
  it('a gen_ai provider name in front of the model (LiteLLM, gateways) is dropped for that provider', () => {
    assert.ok(
      modelNameVariants('fireworks_ai/accounts/fireworks/models/deepseek-v3p2', 'fireworks').includes(
        'accounts/fireworks/models/deepseek-v3p2',
      ),
    );
    assert.ok(
      modelNameVariants('together_ai/meta-llama/meta-llama-3.1-70b-instruct-turbo', 'together').includes(
        'meta-llama/meta-llama-3.1-70b-instruct-turbo',
      ),
    );
    // Another provider's name is not dropped: it names another model.
    assert.deepEqual(modelNameVariants('together_ai/x', 'fireworks').includes('x'), false);
  });

  it('a bare Fireworks id is tried under accounts/fireworks/models/ and routers/', () => {
    const v = modelNameVariants('llama-v3p1-8b-instruct', 'fireworks');
    assert.ok(v.includes('accounts/fireworks/models/llama-v3p1-8b-instruct'));
    assert.ok(v.includes('accounts/fireworks/routers/llama-v3p1-8b-instruct'));
    assert.deepEqual(modelNameVariants('llama-v3p1-8b-instruct', 'together'), ['llama-v3p1-8b-instruct']);
  });
});
