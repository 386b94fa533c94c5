// The budget pieces of each wire format: the provider's own 429 for a blocked call (what its SDK
// maps to its rate-limit error), and the request sent to another model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetFormat } from '../../src/adapters/budget.js';

describe('a blocked call is answered in the provider shape, never retried', () => {
  const message = 'tokenmeter budget "daily" is exhausted';
  const cases = [
    ['openai.chat', { error: { message, type: 'budget_exceeded', param: null, code: 'budget_exceeded' } }],
    [
      'openai.responses',
      { error: { message, type: 'budget_exceeded', param: null, code: 'budget_exceeded' } },
    ],
    ['anthropic.messages', { type: 'error', error: { type: 'rate_limit_error', message } }],
    ['gemini.generate', { error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } }],
    ['bedrock.converse', { message }],
  ] as const;
  for (const [api, body] of cases) {
    it(api, () => {
      const r = budgetFormat(api).budgetExceeded(message);
      assert.equal(r.status, 429);
      assert.equal(r.headers['x-should-retry'], 'false');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(r.body), body);
      if (api.startsWith('bedrock.')) assert.match(r.headers['x-amzn-errortype']!, /^ThrottlingException:/);
    });
  }
});

describe('route-cheap: the model replaced where the wire format keeps it', () => {
  it('OpenAI and Anthropic: the body model, the rest kept', () => {
    const text = '{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"hi \\u00e9"}]}';
    const r = budgetFormat('openai.chat').withModel(
      new URL('https://api.openai.com/v1/chat/completions'),
      text,
      'gpt-4o-mini',
    );
    assert.deepEqual(JSON.parse(r!.bodyText!), { ...JSON.parse(text), model: 'gpt-4o-mini' });
    assert.equal(r!.url, undefined);
    const a = budgetFormat('anthropic.messages').withModel(
      new URL('https://api.anthropic.com/v1/messages'),
      '{"model":"claude-opus-4-1","max_tokens":9}',
      'claude-sonnet-4-5',
    );
    assert.equal(JSON.parse(a!.bodyText!).model, 'claude-sonnet-4-5');
  });
  it('not routable: an Azure deployment, a body without a model, no body', () => {
    const azure = new URL(
      'https://x.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
    );
    assert.equal(budgetFormat('openai.chat').withModel(azure, '{"messages":[]}', 'gpt-4o-mini'), undefined);
    const u = new URL('https://api.openai.com/v1/chat/completions');
    assert.equal(budgetFormat('openai.chat').withModel(u, '{"messages":[]}', 'gpt-4o-mini'), undefined);
    assert.equal(budgetFormat('openai.chat').withModel(u, undefined, 'gpt-4o-mini'), undefined);
    assert.equal(budgetFormat('openai.chat').withModel(u, '[1]', 'gpt-4o-mini'), undefined);
  });
  it('Gemini: the model in the path, the query kept', () => {
    const u = new URL(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    const r = budgetFormat('gemini.generate').withModel(u, '{"contents":[]}', 'gemini-2.0-flash');
    assert.equal(
      r!.url,
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    );
    assert.equal(r!.bodyText, undefined);
  });
  it('Bedrock: the model id in the path, escaped', () => {
    const u = new URL(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
    );
    const r = budgetFormat('bedrock.converse').withModel(u, '{}', 'anthropic.claude-3-haiku-20240307-v1:0');
    assert.equal(
      r!.url,
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse',
    );
  });
});
